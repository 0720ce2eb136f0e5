//! File descriptors: /dev/null and output files for children, the standard
//! descriptors of a daemon, closing what a caller left open, waiting for
//! input with poll and reading what is there.

use super::{Error, Result};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Instant;

/// Open a file for a child's output: append, create 0640, close-on-exec.
pub fn open_output(path: &Path) -> Result<File> {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o640)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| Error::io("open", path.display(), &e))
}

/// /dev/null for reading and writing, close-on-exec.
pub fn open_null() -> Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_CLOEXEC)
        .open("/dev/null")
        .map_err(|e| Error::io("open", "/dev/null", &e))
}

/// Put 0, 1, 2 on /dev/null (a detached daemon).
pub fn stdio_null(null: &File) {
    for fd in 0..=2 {
        let _ = nix::unistd::dup2(null.as_raw_fd(), fd);
    }
}

/// Put 0 on `input`, 1 and 2 on `out` (a child whose output is collected).
pub fn stdio_to(input: &File, out: &File) {
    let _ = nix::unistd::dup2(input.as_raw_fd(), 0);
    for fd in 1..=2 {
        let _ = nix::unistd::dup2(out.as_raw_fd(), fd);
    }
}

/// Standard input, output and error moved aside: a close-on-exec copy of
/// each (for a child to take back with [`stdio_back`]), and /dev/null in
/// their place here, so that this process holds none of what they were.
pub fn stdio_aside() -> Result<[OwnedFd; 3]> {
    let null = open_null()?;
    let mut aside = Vec::with_capacity(3);
    let dup = |fd| nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(3));
    for fd in 0..=2 {
        // a closed one is /dev/null for the child
        let copy = match dup(fd) {
            Err(Errno::EBADF) => dup(null.as_raw_fd()),
            r => r,
        }
        .map_err(|e| Error::call("dup", fd, e))?;
        // SAFETY: a fresh descriptor that nothing else owns.
        aside.push(unsafe { OwnedFd::from_raw_fd(copy) });
    }
    stdio_null(&null);
    aside
        .try_into()
        .map_err(|_| Error::call("dup", "standard input", Errno::EBADF))
}

/// Standard input, output and error back from [`stdio_aside`]'s copies
/// (the copies stay close-on-exec).
pub fn stdio_back(aside: &[OwnedFd; 3]) -> Result<()> {
    for (fd, copy) in aside.iter().enumerate() {
        nix::unistd::dup2(copy.as_raw_fd(), fd as i32).map_err(|e| Error::call("dup", fd, e))?;
    }
    Ok(())
}

/// Make `conn` our descriptors 0, 1 and 2 (a daemon's connection, as inetd
/// gives it): whatever was there before is closed. No allocation.
pub fn stdio_from(conn: BorrowedFd) -> Result<()> {
    for fd in 0..=2 {
        nix::unistd::dup2(conn.as_raw_fd(), fd).map_err(|e| Error::call("dup", fd, e))?;
    }
    Ok(())
}

/// Mark every descriptor above 2 close-on-exec (what whoever started us
/// left open, and ours): none of it reaches a program we execute. Those we
/// use stay open for us.
pub fn cloexec_inherited_fds() -> std::io::Result<()> {
    const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;
    // SAFETY: close_range(2) with CLOSE_RANGE_CLOEXEC only sets a flag.
    let r = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, CLOSE_RANGE_CLOEXEC) };
    if r == 0 {
        return Ok(());
    }
    // kernels before 5.11: each one /proc/self/fd lists
    for fd in open_fds()?.into_iter().filter(|fd| *fd > 2) {
        let _ = nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        );
    }
    Ok(())
}

/// Close every descriptor above 2 that whoever started us left open (a start
/// script's log redirection, a pipe of `$(...)`): a daemon must not keep a
/// caller's pipe from seeing EOF or a filesystem busy, nor hand such a
/// descriptor to every entry it runs.
pub fn close_inherited_fds() {
    // SAFETY: close_range(2) only closes descriptors; nothing of ours is
    // open yet when the caller calls this.
    let r = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) };
    if r == 0 {
        return;
    }
    // kernels before 5.9: close what /proc/self/fd lists
    let fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter(|fd| *fd > 2)
        .collect();
    for fd in fds {
        // a descriptor number; the read_dir handle is gone by now
        let _ = nix::unistd::close(fd);
    }
}

/// Every descriptor open in this process, in order (from /proc/self/fd;
/// the directory's own descriptor left out). An error when /proc cannot
/// be read: a caller deciding from what it inherited must not guess.
pub fn open_fds() -> std::io::Result<Vec<i32>> {
    let mut fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    // the listing's own descriptor is closed by now: keep what is open
    fds.retain(|&fd| nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFD).is_ok());
    fds.sort_unstable();
    Ok(fds)
}

/// Read what is available from a non-blocking fd, at most `max` bytes.
pub fn read_available(f: &mut File, max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    while out.len() < max {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    out
}

/// Read `src` to its end, giving up (None) at `deadline` or past `max`
/// bytes (a program's output is bounded like a configuration file).
pub fn read_until(mut src: impl Read + AsFd, deadline: Instant, max: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        let ms = u16::try_from(left.as_millis().max(1)).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(src.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(ms)) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(Errno::EINTR) => continue,
            Err(_) => return None,
        }
        match src.read(&mut buf) {
            Ok(0) => return Some(out),
            Ok(n) if (out.len() + n) as u64 > max => return None,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Wait until one of `fds` is readable or `timeout_ms` passes (None:
/// forever). The readable ones, by index.
pub fn poll_in(fds: &[Option<BorrowedFd<'_>>], timeout_ms: Option<u64>) -> Vec<bool> {
    let present: Vec<usize> = (0..fds.len()).filter(|&i| fds[i].is_some()).collect();
    let mut pfd: Vec<PollFd> = fds
        .iter()
        .flatten()
        .map(|f| PollFd::new(*f, PollFlags::POLLIN))
        .collect();
    let t = timeout_ms.map_or(PollTimeout::NONE, |t| {
        PollTimeout::try_from(t).unwrap_or(PollTimeout::MAX)
    });
    let mut out = vec![false; fds.len()];
    if !matches!(poll(&mut pfd, t), Ok(n) if n > 0) {
        return out;
    }
    let ready = PollFlags::POLLIN | PollFlags::POLLERR | PollFlags::POLLHUP;
    for (i, p) in present.into_iter().zip(&pfd) {
        out[i] = p.revents().is_some_and(|r| r.intersects(ready));
    }
    out
}

/// What `wait_any` waits for on one descriptor: data to read, or a
/// priority event (a mount table's change).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    In,
    Pri,
}

/// Wait until one of `fds` has what it is waited for (or an error or
/// hang-up) or `timeout_ms` passes. Which ones, by index. A mount table's
/// priority event is taken by the wait: its caller must act on it.
pub fn wait_any(fds: &[(BorrowedFd<'_>, Want)], timeout_ms: u64) -> Vec<bool> {
    let mut pfd: Vec<PollFd> = fds
        .iter()
        .map(|(f, w)| {
            let ev = match w {
                Want::In => PollFlags::POLLIN,
                Want::Pri => PollFlags::POLLPRI,
            };
            PollFd::new(*f, ev)
        })
        .collect();
    let t = PollTimeout::try_from(timeout_ms).unwrap_or(PollTimeout::MAX);
    if !matches!(poll(&mut pfd, t), Ok(n) if n > 0) {
        return vec![false; fds.len()];
    }
    let ready = PollFlags::POLLIN | PollFlags::POLLPRI | PollFlags::POLLERR | PollFlags::POLLHUP;
    pfd.iter()
        .map(|p| p.revents().is_some_and(|r| r.intersects(ready)))
        .collect()
}
