//! Making a missing file with a given mode, never through a symlink: the
//! utmp and wtmp a package's init keeps (mode 0664, as login tools expect).

use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Create `path` with `mode` if it is missing; an existing file is left
/// as it is, and a symlink in its place is not followed (best effort: the
/// caller reports nothing, the writer of the records will).
pub fn create_missing(path: &Path, mode: u32) {
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(mode)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path);
}
