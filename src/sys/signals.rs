//! Signals: dispositions saved at start and restored in a child, the session
//! parent's forwarding handler, signals read through a signalfd, kill.

use super::{Error, Result};
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, SigmaskHow};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::unistd::Pid;
use std::sync::atomic::{AtomicI32, Ordering};

pub use nix::sys::signal::Signal;

/// SIGPIPE back to its default (Rust ignores it): a tool whose reader went
/// away ends quietly, as C tools do, instead of failing a print.
pub fn default_sigpipe() {
    // SAFETY: setting a signal disposition to the default has no preconditions.
    let _ = unsafe { signal::signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}

/// SIGCHLD back to its default: children are kept for waitpid (an ignored
/// SIGCHLD, which a parent may leave us, makes the kernel reap them).
pub fn default_sigchld() {
    // SAFETY: setting a signal disposition to the default has no preconditions.
    let _ = unsafe { signal::signal(Signal::SIGCHLD, SigHandler::SigDfl) };
}

/// Signal a process group (`kill(-pgid)`); a group already gone is fine.
pub fn kill_group(pgid: i32, sig: Signal) {
    if pgid > 1 {
        let _ = signal::killpg(Pid::from_raw(pgid), sig);
    }
}

/// Signal one process; one already gone is fine.
pub fn kill(pid: i32, sig: Signal) {
    if pid > 1 {
        let _ = signal::kill(Pid::from_raw(pid), sig);
    }
}

/// The signals a daemon handles, blocked and read from a signalfd; the mask
/// from before, restored in every child.
pub struct Signals {
    pub fd: SignalFd,
    pub(super) old: SigSet,
}

pub const HANDLED: [Signal; 5] = [
    Signal::SIGCHLD,
    Signal::SIGHUP,
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGUSR1,
];

impl Signals {
    pub fn block() -> Result<Signals> {
        let mut set = SigSet::empty();
        for s in HANDLED {
            set.add(s);
        }
        let mut old = SigSet::empty();
        signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut old))
            .map_err(|e| Error::call("block", "signals", e))?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
            .map_err(|e| Error::call("create", "signalfd", e))?;
        Ok(Signals { fd, old })
    }

    /// Every pending signal number.
    pub fn drain(&mut self) -> Vec<i32> {
        let mut out = Vec::new();
        while let Ok(Some(info)) = self.fd.read_signal() {
            out.push(info.ssi_signo as i32);
            if out.len() > 1024 {
                break;
            }
        }
        out
    }
}

/// The signals whose dispositions we change, with the mask, as found at start.
pub struct Saved {
    acts: Vec<(Signal, libc::sigaction)>,
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

/// The disposition of `s` now, read without changing it (sigaction with
/// no new action): a signal arriving meanwhile meets the disposition the
/// caller gave us (SIG_IGN under nohup), never a default put there to
/// probe.
pub fn disposition(s: Signal) -> Option<libc::sigaction> {
    let mut old = std::mem::MaybeUninit::<libc::sigaction>::uninit();
    // SAFETY: a null new action only reads; old is valid for writing.
    let r = unsafe { libc::sigaction(s as libc::c_int, std::ptr::null(), old.as_mut_ptr()) };
    // SAFETY: sigaction filled `old` when it returned 0.
    (r == 0).then(|| unsafe { old.assume_init() })
}

/// Remember the dispositions of `TOUCHED` and the mask, changing nothing.
pub fn save_signals() -> Saved {
    let acts = TOUCHED
        .iter()
        .filter_map(|&s| disposition(s).map(|a| (s, a)))
        .collect();
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
            let _ = unsafe { libc::sigaction(*s as libc::c_int, a, std::ptr::null_mut()) };
        }
        let _ = signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&self.mask), None);
    }
}

static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    // kill(2) is async-signal-safe and nix's wrapper allocates nothing
    if let (true, Ok(s)) = (pid > 0, Signal::try_from(sig)) {
        let _ = signal::kill(Pid::from_raw(pid), s);
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

/// The child `parent_signals` forwards SIGHUP and SIGTERM to.
pub fn set_child(pid: i32) {
    CHILD.store(pid, Ordering::SeqCst);
}
