//! Named pipes: make one, open the reading end so it never sees EOF, trust
//! only one that is ours, write a record without ever blocking.

use super::{Error, Result};
use nix::errno::Errno;
use std::fs::File;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

/// Make the FIFO (mode 0600) if nothing is at `path`.
pub fn mkfifo(path: &Path) -> Result<()> {
    match nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o600)) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(e) => Err(Error::call("create", path.display(), e)),
    }
}

/// The reading end: O_RDWR so it never sees EOF, non-blocking.
pub fn open_reader(path: &Path) -> Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| Error::io("open", path.display(), &e))
}

/// The control FIFO, as `open_control` found it.
pub struct Control {
    pub file: File,
    /// The FIFO at the path was not ours or open to other writers, and was
    /// removed and made anew: the caller says so in its log.
    pub remade: bool,
}

/// The control FIFO, opened only when it can be trusted: a FIFO owned by the
/// user we run as, which nobody else may write (mkpcue makes it 0640
/// root:root). One that is not (left by an older layout, or made by hand)
/// is removed and made anew, mode 0600. The caller makes sure the
/// directory is one only root may write to (`fs::open_to_others`).
pub fn open_control(path: &Path) -> Result<Control> {
    mkfifo(path)?;
    let f = open_reader(path)?;
    if trusted(&f) {
        return Ok(Control {
            file: f,
            remade: false,
        });
    }
    drop(f);
    std::fs::remove_file(path).map_err(|e| Error::io("remove", path.display(), &e))?;
    mkfifo(path)?;
    let f = open_reader(path)?;
    if trusted(&f) {
        Ok(Control {
            file: f,
            remade: true,
        })
    } else {
        Err(Error::refused(format!(
            "can't trust '{}': it was replaced again",
            path.display()
        )))
    }
}

fn trusted(f: &File) -> bool {
    f.metadata().is_ok_and(|m| {
        m.file_type().is_fifo()
            && m.uid() == nix::unistd::geteuid().as_raw()
            && m.mode() & 0o022 == 0
    })
}

/// Why a FIFO could not be written to.
pub enum WriteErr {
    /// Nobody has it open for reading (ENXIO), or it does not exist.
    NoReader,
    Other(Error),
}

/// Write one record to a FIFO without ever blocking, only to a FIFO of
/// root's or our own reached without a final symlink: a request never goes
/// to a reader someone else set up.
pub fn write(path: &Path, data: &[u8]) -> std::result::Result<(), WriteErr> {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path);
    let mut f = match f {
        Ok(f) => f,
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENXIO) | Some(libc::ENOENT)) => {
            return Err(WriteErr::NoReader)
        }
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(WriteErr::Other(Error::refused(format!(
                "can't write '{}': a symlink, not pkginit's FIFO",
                path.display()
            ))))
        }
        Err(e) => return Err(WriteErr::Other(Error::io("open", path.display(), &e))),
    };
    let me = nix::unistd::geteuid().as_raw();
    match f.metadata() {
        Ok(m) if m.file_type().is_fifo() && (m.uid() == 0 || m.uid() == me) => {}
        Ok(m) if m.file_type().is_fifo() => {
            return Err(WriteErr::Other(Error::refused(format!(
                "can't write '{}': a FIFO of uid {}, not root's",
                path.display(),
                m.uid()
            ))))
        }
        _ => {
            return Err(WriteErr::Other(Error::refused(format!(
                "can't write '{}': not a FIFO",
                path.display()
            ))))
        }
    }
    use std::io::Write;
    f.write_all(data)
        .map_err(|e| WriteErr::Other(Error::io("write", path.display(), &e)))
}
