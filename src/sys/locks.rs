//! fcntl record locks on whole files (utmp, wtmp, the pid file): a write lock
//! tried once, who holds one, and the pid file a daemon keeps locked; and
//! the flock that serialises mkpcue runs on one directory.

use super::{Error, Result};
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg};
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// A lock of `kind` (F_WRLCK, F_UNLCK...) on the whole file.
fn whole(kind: i32) -> libc::flock {
    libc::flock {
        l_type: kind as i16,
        l_whence: libc::SEEK_SET as i16,
        l_start: 0,
        l_len: 0,
        l_pid: 0,
    }
}

/// Try once for an exclusive fcntl lock on the whole of `f`, held until the
/// file is closed: Ok(false) when another process holds a lock on it.
pub fn try_write_lock(f: &File) -> std::result::Result<bool, Errno> {
    let fl = whole(libc::F_WRLCK);
    loop {
        match fcntl(f.as_raw_fd(), FcntlArg::F_SETLK(&fl)) {
            Ok(_) => return Ok(true),
            Err(Errno::EINTR) => continue,
            Err(Errno::EAGAIN | Errno::EACCES) => return Ok(false),
            Err(e) => return Err(e),
        }
    }
}

/// The pid of the process holding a lock on `f`, if any.
fn holder_of(f: &File) -> Option<i32> {
    let mut fl = whole(libc::F_WRLCK);
    fcntl(f.as_raw_fd(), FcntlArg::F_GETLK(&mut fl)).ok()?;
    (fl.l_type != libc::F_UNLCK as i16).then_some(fl.l_pid)
}

/// Take the write lock on the pid file and write our pid into it. Err(Some
/// pid) or Err(None) when another process holds it.
pub fn lock_pidfile(path: &Path) -> Result<std::result::Result<File, Option<i32>>> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| Error::io("open", path.display(), &e))?;
    if !try_write_lock(&f).map_err(|e| Error::call("lock", path.display(), e))? {
        return Ok(Err(holder_of(&f)));
    }
    f.set_len(0)
        .map_err(|e| Error::io("write", path.display(), &e))?;
    (&f).write_all(format!("{}\n", std::process::id()).as_bytes())
        .map_err(|e| Error::io("write", path.display(), &e))?;
    Ok(Ok(f))
}

/// The pid of the process holding the pid file's lock; None when nobody
/// does (no daemon, or a stale file).
pub fn lock_holder(path: &Path) -> Option<i32> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
        .ok()?;
    holder_of(&f)
}

/// An exclusive flock on directory `dir`, waited for, held until the
/// returned lock is dropped.
pub fn lock_dir(dir: &Path) -> std::io::Result<nix::fcntl::Flock<File>> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(dir)?;
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusive).map_err(|(_, e)| e.into())
}
