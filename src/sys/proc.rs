//! Processes for execsh and pkgnet: directory walks without symlinks, chroot
//! through a descriptor, ids, fork/exec/wait, signal dispositions, the
//! controlling terminal. Single-threaded callers only.

use crate::error::{Error, Result};
use nix::errno::Errno;
use nix::fcntl::{openat, OFlag};
use nix::sys::resource::{getrlimit, setrlimit, Resource};
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, SigmaskHow, Signal};
use nix::sys::stat::{FileStat, Mode};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{Gid, Pid, Uid};
use std::ffi::{CStr, CString, OsStr};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};

/// Open `name` (one path component) beneath `dir` (or `/` itself when `dir`
/// is None) as an O_PATH descriptor, never following a symlink: a symlink
/// comes back as itself, for the caller to see in `fstat` and refuse.
pub fn open_nofollow(dir: Option<BorrowedFd>, name: &OsStr) -> std::result::Result<OwnedFd, Errno> {
    let flags = OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let at = dir.map(|d| d.as_raw_fd()).unwrap_or(libc::AT_FDCWD);
    let fd = openat(Some(at), name, flags, Mode::empty())?;
    // SAFETY: openat returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

pub fn fstat(fd: BorrowedFd) -> std::result::Result<FileStat, Errno> {
    nix::sys::stat::fstat(fd.as_raw_fd())
}

/// The mount ID of the mount `fd` lies on (`mnt_id` in
/// /proc/self/fdinfo). For a directory that is a mount point it is the ID of
/// the mount whose root it is.
pub fn mount_id(fd: BorrowedFd) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd())).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("mnt_id:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Make the directory `fd` our root: fchdir, chroot("."), chdir("/").
pub fn chroot_fd(fd: BorrowedFd, shown: &str) -> Result<()> {
    nix::unistd::fchdir(fd.as_raw_fd()).map_err(|e| Error::errno("chdir", shown, e))?;
    nix::unistd::chroot(".").map_err(|e| Error::errno("chroot", shown, e))?;
    nix::unistd::chdir("/").map_err(|e| Error::errno("chdir", "/", e))
}

/// Supplementary groups, gid, uid — in that order — then check that every
/// id took and, for a non-root uid, that root cannot be regained.
pub fn become_user(groups: &[u32], gid: u32, uid: u32) -> Result<()> {
    let gids: Vec<Gid> = groups.iter().map(|g| Gid::from_raw(*g)).collect();
    nix::unistd::setgroups(&gids).map_err(|e| Error::errno("setgroups", gid, e))?;
    let (g, u) = (Gid::from_raw(gid), Uid::from_raw(uid));
    nix::unistd::setresgid(g, g, g).map_err(|e| Error::errno("setgid", gid, e))?;
    nix::unistd::setresuid(u, u, u).map_err(|e| Error::errno("setuid", uid, e))?;
    let mut now: Vec<u32> = nix::unistd::getgroups()
        .map_err(|e| Error::errno("getgroups", uid, e))?
        .into_iter()
        .map(|g| g.as_raw())
        .collect();
    let mut want = groups.to_vec();
    now.sort_unstable();
    want.sort_unstable();
    want.dedup();
    if now != want {
        return Err(Error::fail("can't drop privileges: groups did not change"));
    }
    super::check_dropped(u, g)?;
    if uid != 0 && nix::unistd::setgid(Gid::from_raw(0)).is_ok() {
        return Err(Error::fail(
            "can't drop privileges: group root could be regained",
        ));
    }
    Ok(())
}

pub enum Forked {
    Child,
    Parent(i32),
}

pub fn fork() -> Result<Forked> {
    // SAFETY: pcue is single-threaded, so the child may run any code.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => Ok(Forked::Child),
        Ok(nix::unistd::ForkResult::Parent { child }) => Ok(Forked::Parent(child.as_raw())),
        Err(e) => Err(Error::errno("fork", "execsh", e)),
    }
}

/// How a child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl Exit {
    /// Our exit status for it: the code, or 128+signal.
    pub fn status(self) -> i32 {
        match self {
            Exit::Code(c) => c,
            Exit::Signal(s) => 128 + s,
        }
    }
}

/// Wait for `pid` to end (stops are not reported), retrying on EINTR.
pub fn wait_child(pid: i32) -> Result<Exit> {
    loop {
        match waitpid(Pid::from_raw(pid), None) {
            Ok(WaitStatus::Exited(_, c)) => return Ok(Exit::Code(c)),
            Ok(WaitStatus::Signaled(_, s, _)) => return Ok(Exit::Signal(s as i32)),
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::errno("wait for", pid, e)),
        }
    }
}

/// Replace the process. Returns only on failure, with the errno.
pub fn execve(path: &CStr, argv: &[CString], env: &[CString]) -> Errno {
    match nix::unistd::execve(path, argv, env) {
        Err(e) => e,
        Ok(never) => match never {},
    }
}

/// Replace the process keeping the environment as it is, plus `set`.
pub fn execv_with(path: &CStr, argv: &[CString], set: &[(&str, &str)]) -> Errno {
    for (k, v) in set {
        std::env::set_var(k, v);
    }
    match nix::unistd::execv(path, argv) {
        Err(e) => e,
        Ok(never) => match never {},
    }
}

/// Bytes to a C string, or EINVAL for an embedded NUL.
pub fn cstring(b: &[u8]) -> std::result::Result<CString, Errno> {
    CString::new(b).map_err(|_| Errno::EINVAL)
}

pub fn cstring_os(s: &OsStr) -> std::result::Result<CString, Errno> {
    cstring(s.as_bytes())
}

/// The signals whose dispositions we change, with the mask, as found at start.
pub struct Saved {
    acts: Vec<(Signal, SigAction)>,
    mask: SigSet,
}

pub const TOUCHED: [Signal; 6] = [
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGHUP,
    Signal::SIGTERM,
    Signal::SIGXFSZ,
    Signal::SIGTTOU,
];

/// Remember the dispositions of `TOUCHED` and the mask.
pub fn save_signals() -> Saved {
    let mut acts = Vec::new();
    for s in TOUCHED {
        let probe = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
        // SAFETY: set and immediately put back; no handler runs in between
        // that depends on it.
        if let Ok(old) = unsafe { signal::sigaction(s, &probe) } {
            // SAFETY: restoring what the kernel handed us.
            let _ = unsafe { signal::sigaction(s, &old) };
            acts.push((s, old));
        }
    }
    let mut mask = SigSet::empty();
    let _ = signal::sigprocmask(SigmaskHow::SIG_SETMASK, None, Some(&mut mask));
    Saved { acts, mask }
}

impl Saved {
    /// Put back what `save_signals` found (in a child, before exec).
    pub fn restore(&self) {
        for (s, a) in &self.acts {
            // SAFETY: a disposition read from the kernel earlier; our own
            // handler is never among them (saved before installing it).
            let _ = unsafe { signal::sigaction(*s, a) };
        }
        let _ = signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&self.mask), None);
    }
}

static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe { libc::kill(pid, sig) };
    }
}

/// The session parent's dispositions: SIGINT, SIGQUIT, SIGXFSZ and SIGTTOU
/// ignored; SIGHUP and SIGTERM passed on to the child set by `set_child`.
pub fn parent_signals() {
    let ign = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
    let fwd = SigAction::new(
        SigHandler::Handler(forward),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for (s, a) in [
        (Signal::SIGINT, &ign),
        (Signal::SIGQUIT, &ign),
        (Signal::SIGXFSZ, &ign),
        (Signal::SIGTTOU, &ign),
        (Signal::SIGHUP, &fwd),
        (Signal::SIGTERM, &fwd),
    ] {
        // SAFETY: SIG_IGN, or a handler that only calls kill(2).
        let _ = unsafe { signal::sigaction(s, a) };
    }
}

pub fn set_child(pid: i32) {
    CHILD.store(pid, Ordering::SeqCst);
}

/// Lift RLIMIT_FSIZE so a caller's limit cannot truncate a utmp/wtmp write;
/// returns the old limit for the child.
pub fn lift_fsize() -> Option<(u64, u64)> {
    let old = getrlimit(Resource::RLIMIT_FSIZE).ok()?;
    let inf = libc::RLIM_INFINITY;
    setrlimit(Resource::RLIMIT_FSIZE, inf, inf).ok()?;
    Some(old)
}

pub fn restore_fsize(old: Option<(u64, u64)>) {
    if let Some((soft, hard)) = old {
        let _ = setrlimit(Resource::RLIMIT_FSIZE, soft, hard);
    }
}

/// Standard input's terminal: its path (from /proc/self/fd/0) and status,
/// or None when stdin is not a terminal.
pub fn stdin_tty() -> Option<(PathBuf, FileStat)> {
    // SAFETY: fd 0 is only borrowed for the call.
    let fd0 = unsafe { BorrowedFd::borrow_raw(0) };
    if !nix::unistd::isatty(fd0.as_raw_fd()).unwrap_or(false) {
        return None;
    }
    let path = std::fs::read_link("/proc/self/fd/0").ok()?;
    let st = fstat(fd0).ok()?;
    Some((path, st))
}

/// chown and chmod the terminal on fd 0 (by descriptor, not by path).
pub fn set_tty(uid: u32, gid: u32, mode: u32) -> Result<()> {
    let fd: RawFd = 0;
    nix::unistd::fchown(fd, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)))
        .map_err(|e| Error::errno("chown", "tty", e))?;
    nix::sys::stat::fchmod(fd, Mode::from_bits_truncate(mode & 0o7777))
        .map_err(|e| Error::errno("chmod", "tty", e))
}

/// The foreground process group of the terminal on fd 0.
pub fn foreground() -> Option<i32> {
    // SAFETY: fd 0 is only borrowed for the call.
    let fd0 = unsafe { BorrowedFd::borrow_raw(0) };
    nix::unistd::tcgetpgrp(fd0).ok().map(|p| p.as_raw())
}

/// Give the terminal back to `pgrp` (SIGTTOU must be ignored by then).
pub fn set_foreground(pgrp: i32) {
    // SAFETY: fd 0 is only borrowed for the call.
    let fd0 = unsafe { BorrowedFd::borrow_raw(0) };
    let _ = nix::unistd::tcsetpgrp(fd0, Pid::from_raw(pgrp));
}

pub fn chdir(path: &std::path::Path) -> std::result::Result<(), Errno> {
    nix::unistd::chdir(path)
}

pub fn pid() -> i32 {
    std::process::id() as i32
}

pub fn getsid() -> i32 {
    nix::unistd::getsid(None).map(|p| p.as_raw()).unwrap_or(0)
}
