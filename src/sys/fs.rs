//! Filesystem queries for pkgbdf: statvfs(2) numbers and the device a path
//! lives on. Read-only; nothing here changes process state.

use crate::df::Usage;
use nix::errno::Errno;
use nix::sys::stat::{major, minor, SFlag};
use std::path::Path;

/// What statvfs says about the filesystem holding `path`, in the form the
/// df arithmetic takes (block size = f_frsize, or f_bsize when that is 0).
pub fn usage(path: &Path) -> Result<Usage, Errno> {
    let v = nix::sys::statvfs::statvfs(path)?;
    let frsize = v.fragment_size() as u64;
    Ok(Usage {
        block_size: if frsize != 0 {
            frsize
        } else {
            v.block_size() as u64
        },
        blocks: v.blocks() as u64,
        bfree: v.blocks_free() as u64,
        bavail: v.blocks_available() as u64,
        files: v.files() as u64,
        ffree: v.files_free() as u64,
    })
}

/// The device (major, minor) of the filesystem `path` is on, and whether
/// `path` itself is a block device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    pub dev: (u32, u32),
    pub is_block: bool,
    /// For a block device node, the device it stands for.
    pub rdev: (u32, u32),
}

/// stat(2), following symlinks.
pub fn node(path: &Path) -> Result<Node, Errno> {
    let st = nix::sys::stat::stat(path)?;
    let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
    Ok(Node {
        dev: (major(st.st_dev) as u32, minor(st.st_dev) as u32),
        is_block: kind == SFlag::S_IFBLK,
        rdev: (major(st.st_rdev) as u32, minor(st.st_rdev) as u32),
    })
}

/// Whether our root directory is pid 1's, by comparing `/` with
/// `/proc/1/root` (device and inode). None when `/proc/1/root` may not be
/// followed (it needs ptrace rights on pid 1: root, or the same user).
pub fn same_root_as_init() -> Option<bool> {
    let own = nix::sys::stat::stat("/").ok()?;
    let init = nix::sys::stat::stat("/proc/1/root").ok()?;
    Some(own.st_dev == init.st_dev && own.st_ino == init.st_ino)
}

/// Try once for an exclusive fcntl lock on the whole of `f`, held until the
/// file is closed: Ok(false) when another process holds a lock on it.
pub fn try_write_lock(f: &std::fs::File) -> Result<bool, Errno> {
    use std::os::fd::AsRawFd;
    let fl = libc::flock {
        l_type: libc::F_WRLCK as i16,
        l_whence: libc::SEEK_SET as i16,
        l_start: 0,
        l_len: 0,
        l_pid: 0,
    };
    loop {
        // SAFETY: fcntl on an open descriptor with a valid flock.
        if unsafe { libc::fcntl(f.as_raw_fd(), libc::F_SETLK, &fl) } == 0 {
            return Ok(true);
        }
        match Errno::last() {
            Errno::EINTR => continue,
            Errno::EAGAIN | Errno::EACCES => return Ok(false),
            e => return Err(e),
        }
    }
}

/// A file's text; bytes that are not UTF-8 (a Latin-1 comment in an old
/// control script, a Latin-1 GECOS) become U+FFFD instead of losing the
/// whole file.
pub fn read_text(p: &Path) -> std::io::Result<String> {
    std::fs::read(p).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// At most `cap` bytes of a regular file owned by root, and whether there
/// was more. For files under a root someone else controls (a package's
/// /etc/passwd): a final symlink is not followed and a FIFO does not block
/// the open; either, a device, or a file another user owns is refused.
pub fn read_root_file(path: &Path, cap: usize) -> std::io::Result<(Vec<u8>, bool)> {
    use std::io::{Error, ErrorKind, Read};
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    let m = f.metadata()?;
    if !m.is_file() {
        return Err(Error::new(ErrorKind::InvalidData, "not a regular file"));
    }
    if m.uid() != 0 {
        return Err(Error::new(ErrorKind::InvalidData, "not owned by root"));
    }
    let mut data = Vec::new();
    f.take(cap as u64 + 1).read_to_end(&mut data)?;
    let more = data.len() > cap;
    data.truncate(cap);
    Ok((data, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_file_refuses_what_is_not_a_plain_root_file() {
        let d = std::env::temp_dir().join(format!("pcue-fs-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let plain = d.join("plain");
        std::fs::write(&plain, "root:x:0:0::/:/bin/sh\nuser:x:1:1::/:/bin/sh\n").unwrap();
        let own = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&plain).unwrap());
        if own == 0 {
            let (b, more) = read_root_file(&plain, 1 << 20).unwrap();
            assert_eq!((b.len(), more), (44, false));
            assert_eq!(
                read_root_file(&plain, 10).unwrap(),
                (b[..10].to_vec(), true)
            );
        } else {
            assert!(read_root_file(&plain, 1 << 20).is_err(), "owned by {own}");
        }
        // a FIFO nobody writes to: refused at once, not waited on
        let fifo = d.join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
        assert!(read_root_file(&fifo, 1 << 20).is_err());
        let link = d.join("link");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(read_root_file(&link, 1 << 20).is_err());
        assert!(read_root_file(Path::new("/dev/zero"), 1 << 20).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
