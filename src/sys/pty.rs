//! Pseudo-terminals for execsh: the session gets a terminal of the package's
//! own devpts (the chroot's /dev/ptmx), and the caller's terminal is relayed
//! to it, as `su --pty` and zlogin do. The caller's terminal is put in raw
//! mode for the relay (the package's terminal does the line editing, job
//! control and signals) and restored afterwards; window size changes
//! (SIGWINCH) are passed on; a caller whose terminal hangs up hangs up the
//! session.

use super::{Error, Result};
use nix::errno::Errno;
use nix::fcntl::{fcntl, open, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt};
use nix::sys::signal::{kill, SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::stat::{fchmod, Mode};
use nix::sys::termios::{self, SetArg, Termios};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fchown, Gid, Pid, Uid};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

use super::process::Exit;

nix::ioctl_read_bad!(get_winsize, libc::TIOCGWINSZ, libc::winsize);
nix::ioctl_write_ptr_bad!(set_winsize, libc::TIOCSWINSZ, libc::winsize);
nix::ioctl_write_int_bad!(set_ctty, libc::TIOCSCTTY);

/// A new pseudo-terminal: the master, and the slave's path (/dev/pts/N).
/// The slave stays open here too, so that the master does not read EIO
/// (no slave open) before the child has opened it.
pub struct Pty {
    pub master: OwnedFd,
    pub path: PathBuf,
    slave: OwnedFd,
}

fn fd0() -> BorrowedFd<'static> {
    // SAFETY: descriptor 0 stays open for the life of the process.
    unsafe { BorrowedFd::borrow_raw(0) }
}

/// Open a pty at /dev/ptmx (after chroot: the package's devpts), its slave
/// owned by `uid`:`gid` with `mode`, with the caller's terminal settings and
/// window size (from descriptor 0).
pub fn open_pty(uid: u32, gid: u32, mode: u32) -> Result<Pty> {
    let m = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY)
        .map_err(|e| Error::call("open", "/dev/ptmx", e))?;
    grantpt(&m).map_err(|e| Error::call("grant", "/dev/ptmx", e))?;
    unlockpt(&m).map_err(|e| Error::call("unlock", "/dev/ptmx", e))?;
    let name = ptsname_r(&m).map_err(|e| Error::call("name", "/dev/ptmx", e))?;
    // SAFETY: the descriptor was just taken from the PtyMaster, which no
    // longer owns it.
    let master = unsafe { OwnedFd::from_raw_fd(m.into_raw_fd()) };
    let _ = fcntl(
        master.as_raw_fd(),
        FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    );
    let slave = open(
        name.as_str(),
        OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| Error::call("open", &name, e))?;
    // SAFETY: open returned a new descriptor that nothing else owns.
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    fchown(
        slave.as_raw_fd(),
        Some(Uid::from_raw(uid)),
        Some(Gid::from_raw(gid)),
    )
    .map_err(|e| Error::call("chown", &name, e))?;
    fchmod(slave.as_raw_fd(), Mode::from_bits_truncate(mode))
        .map_err(|e| Error::call("chmod", &name, e))?;
    if let Ok(t) = termios::tcgetattr(fd0()) {
        let _ = termios::tcsetattr(&slave, SetArg::TCSANOW, &t);
    }
    copy_winsize(fd0().as_raw_fd(), master.as_raw_fd());
    Ok(Pty {
        master,
        path: PathBuf::from(name),
        slave,
    })
}

/// The window size of `from` given to `to` (a pty master: the slave's
/// foreground process group gets SIGWINCH).
fn copy_winsize(from: RawFd, to: RawFd) {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: ws is a valid winsize for both calls; bad descriptors only
    // make them fail.
    unsafe {
        if get_winsize(from, &mut ws).is_ok() && (ws.ws_row, ws.ws_col) != (0, 0) {
            let _ = set_winsize(to, &ws);
        }
    }
}

/// In the child: a new session whose controlling terminal is the pty's
/// slave, on descriptors 0, 1 and 2.
pub fn attach(path: &std::path::Path) -> Result<()> {
    nix::unistd::setsid().map_err(|e| Error::call("start", "a session", e))?;
    let fd = open(path, OFlag::O_RDWR, Mode::empty())
        .map_err(|e| Error::call("open", path.display(), e))?;
    // SAFETY: fd is the slave just opened; TIOCSCTTY takes an int.
    unsafe { set_ctty(fd, 0) }.map_err(|e| Error::call("take", path.display(), e))?;
    for target in 0..3 {
        nix::unistd::dup2(fd, target).map_err(|e| Error::call("dup", path.display(), e))?;
    }
    if fd > 2 {
        let _ = nix::unistd::close(fd);
    }
    Ok(())
}

/// The caller's terminal settings, to restore after the relay.
pub struct Saved(Termios);

/// Put the caller's terminal (descriptor 0) in raw mode.
pub fn raw_mode() -> Result<Saved> {
    let old = termios::tcgetattr(fd0()).map_err(|e| Error::call("read", "terminal settings", e))?;
    let mut raw = old.clone();
    termios::cfmakeraw(&mut raw);
    termios::tcsetattr(fd0(), SetArg::TCSANOW, &raw)
        .map_err(|e| Error::call("set", "terminal settings", e))?;
    Ok(Saved(old))
}

impl Saved {
    /// Give the caller's terminal its settings back.
    pub fn restore(&self) {
        let _ = termios::tcsetattr(fd0(), SetArg::TCSADRAIN, &self.0);
    }
}

/// Signals the relay takes through a signalfd: blocked from here on (the
/// child restores the caller's mask before it executes the program).
pub struct RelaySignals(SignalFd);

pub fn relay_signals() -> Result<RelaySignals> {
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGCHLD,
        Signal::SIGWINCH,
        Signal::SIGHUP,
        Signal::SIGTERM,
    ] {
        set.add(s);
    }
    nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None)
        .map_err(|e| Error::call("block", "signals", e))?;
    let fd = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
        .map_err(|e| Error::call("create", "signalfd", e))?;
    Ok(RelaySignals(fd))
}

fn write_all(fd: RawFd, mut buf: &[u8]) -> bool {
    while !buf.is_empty() {
        match nix::unistd::write(
            // SAFETY: fd is open for the duration of the call.
            unsafe { BorrowedFd::borrow_raw(fd) },
            buf,
        ) {
            Ok(0) => return false,
            Ok(n) => buf = &buf[n..],
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => {
                let mut p = [PollFd::new(
                    // SAFETY: as above.
                    unsafe { BorrowedFd::borrow_raw(fd) },
                    PollFlags::POLLOUT,
                )];
                let _ = poll(&mut p, PollTimeout::NONE);
            }
            Err(_) => return false,
        }
    }
    true
}

fn exit_of(ws: WaitStatus) -> Option<Exit> {
    match ws {
        WaitStatus::Exited(_, c) => Some(Exit::Code(c)),
        WaitStatus::Signaled(_, s, _) => Some(Exit::Signal(s as i32)),
        _ => None,
    }
}

/// Relay between the caller's terminal (descriptors 0 and 1) and the pty's
/// master until the child exits (then what it wrote last is passed on) or
/// the caller's terminal hangs up (then the master is closed, which hangs
/// up the session, and the child gets SIGHUP). SIGHUP and SIGTERM to us
/// are passed to the child. Returns the child's exit.
pub fn relay(pty: Pty, sigs: RelaySignals, child: i32) -> Result<Exit> {
    let RelaySignals(sigfd) = sigs;
    let Pty { master, slave, .. } = pty;
    // held to the end: the child's exit is known by SIGCHLD
    let _slave = slave;
    let _ = fcntl(master.as_raw_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK));
    let mut master = Some(master);
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 65536];
    let mut stdin_open = true;
    let mut exit: Option<Exit> = None;
    let pid = Pid::from_raw(child);
    while let Some(m) = master.as_ref() {
        let mfd = m.as_raw_fd();
        let mut mflags = PollFlags::POLLIN;
        if !pending.is_empty() {
            mflags |= PollFlags::POLLOUT;
        }
        let want_in = stdin_open && pending.len() < buf.len();
        let mut fds = vec![
            PollFd::new(sigfd.as_fd(), PollFlags::POLLIN),
            PollFd::new(m.as_fd(), mflags),
        ];
        if want_in {
            fds.push(PollFd::new(fd0(), PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => {}
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::call("poll", "the terminals", e)),
        }
        let ready = |i: usize| {
            fds.get(i)
                .and_then(|f| f.revents())
                .unwrap_or(PollFlags::empty())
        };
        let (rs, rm, ri) = (ready(0), ready(1), ready(2));
        drop(fds);
        let mut hangup = false;
        if !rs.is_empty() {
            while let Ok(Some(info)) = sigfd.read_signal() {
                match Signal::try_from(info.ssi_signo as i32) {
                    Ok(Signal::SIGWINCH) => copy_winsize(0, mfd),
                    Ok(Signal::SIGCHLD) => {
                        if let Ok(ws) = waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                            exit = exit.or(exit_of(ws));
                        }
                    }
                    Ok(s @ Signal::SIGHUP) => {
                        let _ = kill(pid, s);
                        hangup = true;
                    }
                    Ok(s) => {
                        let _ = kill(pid, s);
                    }
                    Err(_) => {}
                }
            }
        }
        if rm.intersects(PollFlags::POLLOUT) && !pending.is_empty() {
            // SAFETY: mfd is the open master.
            match nix::unistd::write(unsafe { BorrowedFd::borrow_raw(mfd) }, &pending) {
                Ok(n) => {
                    pending.drain(..n);
                }
                Err(Errno::EAGAIN | Errno::EINTR) => {}
                Err(_) => pending.clear(),
            }
        }
        if rm.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
            // what is there, a few reads at a time, before polling again
            for _ in 0..16 {
                match nix::unistd::read(mfd, &mut buf) {
                    Ok(0) | Err(Errno::EIO) => master = None,
                    Ok(n) => {
                        if write_all(1, &buf[..n]) {
                            continue;
                        }
                        hangup = true;
                    }
                    Err(Errno::EAGAIN | Errno::EINTR) => {}
                    Err(_) => master = None,
                }
                break;
            }
        }
        if ri.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
            let room = buf.len() - pending.len();
            match nix::unistd::read(0, &mut buf[..room]) {
                Ok(0) => {
                    stdin_open = false;
                    hangup = true;
                }
                Ok(n) => pending.extend_from_slice(&buf[..n]),
                Err(Errno::EAGAIN | Errno::EINTR) => {}
                Err(_) => {
                    stdin_open = false;
                    hangup = true;
                }
            }
        }
        if hangup {
            // closing the master hangs up the package's terminal
            master = None;
            let _ = kill(pid, Signal::SIGHUP);
            let _ = kill(pid, Signal::SIGCONT);
        }
        if exit.is_some() {
            // what the session wrote last, then done (a background job
            // still holding the terminal does not keep us)
            if let Some(m) = master.take() {
                loop {
                    match nix::unistd::read(m.as_raw_fd(), &mut buf) {
                        Ok(n) if n > 0 => {
                            if !write_all(1, &buf[..n]) {
                                break;
                            }
                        }
                        Err(Errno::EINTR) => {}
                        _ => break,
                    }
                }
            }
        }
    }
    if let Some(e) = exit {
        return Ok(e);
    }
    super::process::wait_child(child)
}
