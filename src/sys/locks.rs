//! fcntl record locks on whole files (utmp, wtmp, the pid file): a write lock
//! tried once, who holds one, and the pid file a daemon keeps locked; and
//! the flock that serialises mkpcue runs on one directory.

use super::{Error, Result};
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg};
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
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

/// The pid of the process holding a WRITE lock on `f`, if any: a daemon's
/// claim. A read lock is nobody's claim: any user who may read the file
/// may take one.
fn writer_of(f: &File) -> Option<i32> {
    let mut fl = whole(libc::F_WRLCK);
    fcntl(f.as_raw_fd(), FcntlArg::F_GETLK(&mut fl)).ok()?;
    (fl.l_type == libc::F_WRLCK as i16).then_some(fl.l_pid)
}

fn open_pidfile(path: &Path, flags: i32) -> Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW | flags)
        .open(path)
        .map_err(|e| Error::io("open", path.display(), &e))
}

fn write_pid(f: &File, path: &Path) -> Result<()> {
    f.set_len(0)
        .map_err(|e| Error::io("write", path.display(), &e))?;
    let mut w = f;
    w.write_all(format!("{}\n", std::process::id()).as_bytes())
        .map_err(|e| Error::io("write", path.display(), &e))
}

/// Take the write lock on the pid file and write our pid into it. Err(Some
/// pid) when another daemon holds the write lock (it runs). Read locks
/// (a package user's on a stale file: the file is 0644) never stop us: the
/// stale file is replaced by a new one, locked before it takes the name
/// (the directory must be one only root may write to), by an exchange of
/// names, so of two starters only one gets the stale file back and runs;
/// the bool says so.
pub fn lock_pidfile(path: &Path) -> Result<std::result::Result<(File, bool), Option<i32>>> {
    let f = open_pidfile(path, 0)?;
    if try_write_lock(&f).map_err(|e| Error::call("lock", path.display(), e))? {
        write_pid(&f, path)?;
        return Ok(Ok((f, false)));
    }
    if let Some(pid) = writer_of(&f) {
        return Ok(Err(Some(pid)));
    }
    let stale = f
        .metadata()
        .map(|m| (m.dev(), m.ino()))
        .map_err(|e| Error::io("stat", path.display(), &e))?;
    drop(f);
    // only read locks: a new file, ours and locked, exchanged with the
    // stale one in one step; whoever gets the stale one back has won, and
    // a starter that got another's new file back swaps it back and yields
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.new", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let f = open_pidfile(&tmp, libc::O_EXCL)?;
    let fail = |e: Error| {
        let _ = std::fs::remove_file(&tmp);
        e
    };
    if !try_write_lock(&f).map_err(|e| fail(Error::call("lock", tmp.display(), e)))? {
        let _ = std::fs::remove_file(&tmp);
        return Ok(Err(None));
    }
    write_pid(&f, path).map_err(fail)?;
    exchange(&tmp, path).map_err(|e| fail(Error::io("rename", path.display(), &e)))?;
    let got = std::fs::symlink_metadata(&tmp).map(|m| (m.dev(), m.ino()));
    if got.as_ref().ok() != Some(&stale) {
        // another starter replaced it first: its file goes back
        let _ = exchange(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        return Ok(Err(lock_holder(path)));
    }
    let _ = std::fs::remove_file(&tmp);
    Ok(Ok((f, true)))
}

/// Swap the names `a` and `b` in one step (renameat2 RENAME_EXCHANGE).
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    let a = super::cstring_os(a.as_os_str()).map_err(|_| std::io::ErrorKind::InvalidInput)?;
    let b = super::cstring_os(b.as_os_str()).map_err(|_| std::io::ErrorKind::InvalidInput)?;
    // SAFETY: both are valid C strings; renameat2 through syscall because
    // nix offers it on glibc only.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The pid of the daemon holding the pid file's write lock; None when
/// nobody does (no daemon, a stale file, or only a user's read lock).
pub fn lock_holder(path: &Path) -> Option<i32> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    writer_of(&f)
}

/// The pid of a process holding any lock (read or write) on `path`: who
/// is in the way of a writer, for its log.
pub fn lock_holder_any(path: &Path) -> Option<i32> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let mut fl = whole(libc::F_WRLCK);
    fcntl(f.as_raw_fd(), FcntlArg::F_GETLK(&mut fl)).ok()?;
    (fl.l_type != libc::F_UNLCK as i16).then_some(fl.l_pid)
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
