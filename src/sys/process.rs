//! Processes: ids of this one, fork, exec, wait and reap, a child spawned in
//! its own session, chroot through a descriptor, the detach handshake, the
//! child-subreaper bit, the file-size limit. Single-threaded callers only.

use super::signals::{Signals, HANDLED};
use super::{Error, Result};
use nix::errno::Errno;
use nix::sys::resource::{getrlimit, setrlimit, Resource};
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::Read;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

/// Every file made from now on gets exactly the mode asked for (umask 0).
pub fn clear_umask() {
    nix::sys::stat::umask(nix::sys::stat::Mode::empty());
}

/// Our process id.
pub fn pid() -> i32 {
    std::process::id() as i32
}

/// Our parent's process id.
pub fn parent_pid() -> i32 {
    nix::unistd::getppid().as_raw()
}

/// Our session id (0 if unknown).
pub fn session_id() -> i32 {
    nix::unistd::getsid(None).map(|p| p.as_raw()).unwrap_or(0)
}

pub enum Forked {
    Child,
    Parent(i32),
}

/// fork(2); `what` names us in the error.
pub fn fork(what: &str) -> Result<Forked> {
    // SAFETY: pcue is single-threaded, so the child may run any code.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => Ok(Forked::Child),
        Ok(nix::unistd::ForkResult::Parent { child }) => Ok(Forked::Parent(child.as_raw())),
        Err(e) => Err(Error::call("fork", what, e)),
    }
}

/// Start a child that runs `f` and ends with its return value, unless `f`
/// executes a program (then this returns at the exec). The child shares
/// our memory, as a vfork(2) child does (clone with CLONE_VM and
/// CLONE_VFORK, on a stack of its own): no page table is copied and no
/// page copied on write, and this process is suspended until the child has
/// executed its program or ended, so the two never run at once. `f` must
/// therefore not wait for anything of ours, and what it changes in memory
/// we see afterwards (the session's child only prepares and executes).
/// Every signal is blocked around the clone; the child first sets every
/// signal that has a handler (ours: none of it may run in the child) to
/// its default, then takes our mask back. `what` names us in the error.
pub fn spawn_then(what: &str, f: &mut dyn FnMut() -> i32) -> Result<i32> {
    shared::spawn(f).map_err(|e| Error::call("fork", what, e))
}

mod shared {
    use nix::errno::Errno;
    use std::ffi::c_void;

    /// The child's stack (and a guard page below it).
    const STACK: usize = 256 * 1024;
    const GUARD: usize = 4096;

    struct Start<'a> {
        f: &'a mut dyn FnMut() -> i32,
        mask: libc::sigset_t,
    }

    /// Where the child begins, on its own stack, every signal blocked:
    /// the handlers set to their defaults, our signal mask back, `f`, then
    /// _exit with its value. Never returns.
    extern "C" fn child(arg: *mut c_void) -> libc::c_int {
        // SAFETY: `arg` is the Start that spawn keeps alive while it is
        // suspended (CLONE_VFORK) until this child executes or exits.
        let start = unsafe { &mut *(arg as *mut Start) };
        // A handler of ours would run on memory we share with the parent:
        // as posix_spawn does, every signal caught by a handler (not
        // ignored, not default) goes back to its default before anything
        // is unblocked. The child has handlers of its own (no
        // CLONE_SIGHAND): the parent's stay.
        for sig in 1..=libc::SIGRTMAX() {
            // SAFETY: sigaction reading into a zeroed struct, then setting
            // SIG_DFL; signals the C library keeps for itself refuse both.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                    && old.sa_sigaction != libc::SIG_DFL
                    && old.sa_sigaction != libc::SIG_IGN
                {
                    let mut dfl: libc::sigaction = std::mem::zeroed();
                    dfl.sa_sigaction = libc::SIG_DFL;
                    libc::sigaction(sig, &dfl, std::ptr::null_mut());
                }
            }
        }
        // SAFETY: a valid mask; the old one is not asked for.
        unsafe { libc::sigprocmask(libc::SIG_SETMASK, &start.mask, std::ptr::null_mut()) };
        let code = (start.f)();
        super::exit_now(code)
    }

    pub fn spawn(f: &mut dyn FnMut() -> i32) -> Result<i32, Errno> {
        // SAFETY: a fresh private anonymous mapping, checked below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                STACK + GUARD,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(Errno::last());
        }
        // SAFETY: the lowest page of the mapping just made: a guard page.
        unsafe { libc::mprotect(base, GUARD, libc::PROT_NONE) };
        // SAFETY: zeroed sigset_t values are valid; sigfillset fills one.
        let mut all: libc::sigset_t = unsafe { std::mem::zeroed() };
        let mut start = Start {
            f,
            // SAFETY: as above.
            mask: unsafe { std::mem::zeroed() },
        };
        // SAFETY: valid sets; the old mask goes to `start.mask`.
        unsafe {
            libc::sigfillset(&mut all);
            libc::sigprocmask(libc::SIG_SETMASK, &all, &mut start.mask);
        }
        let top = ((base as usize + STACK + GUARD) & !15) as *mut c_void;
        let flags = libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD;
        // SAFETY: the C library's clone(3). With CLONE_VM, musl 1.2.5 (the
        // one the musl target ships; its clone() tests CLONE_VM and calls
        // __clone directly) does none of its fork bookkeeping, so nothing
        // in the thread block we share is rewritten; glibc's is a plain
        // wrapper. The child starts on the new stack at `top` in `child`,
        // which never returns; we go on here once the child has executed a
        // program or ended (CLONE_VFORK), and only then is `start` or the
        // stack touched again.
        let ret =
            unsafe { libc::clone(child, top, flags, &mut start as *mut Start as *mut c_void) };
        let err = Errno::last();
        // A child that aborted (a panic) raised SIGABRT at the thread its
        // C library names in the thread block we share (musl caches the
        // tid there): this one. Not delivered here (all is still blocked),
        // it is taken and dropped: the child's end is its own (SIGABRT is
        // never blocked otherwise, so none was pending before the clone).
        // SAFETY: valid sets; sigtimedwait with a zero timeout only takes
        // a pending SIGABRT.
        unsafe {
            let mut pending: libc::sigset_t = std::mem::zeroed();
            if libc::sigpending(&mut pending) == 0
                && libc::sigismember(&pending, libc::SIGABRT) == 1
            {
                let mut abrt: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut abrt);
                libc::sigaddset(&mut abrt, libc::SIGABRT);
                let zero = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                libc::sigtimedwait(&abrt, std::ptr::null_mut(), &zero);
            }
        }
        // SAFETY: our own mask back; the stack is no longer the child's.
        unsafe {
            libc::sigprocmask(libc::SIG_SETMASK, &start.mask, std::ptr::null_mut());
            libc::munmap(base, STACK + GUARD);
        }
        if ret < 0 {
            return Err(err);
        }
        Ok(ret)
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

    /// From a raw wait status of a child that ended (as `reap` gives it).
    pub fn from_raw(w: i32) -> Exit {
        if libc::WIFSIGNALED(w) {
            Exit::Signal(libc::WTERMSIG(w))
        } else {
            Exit::Code(libc::WEXITSTATUS(w))
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
            Err(e) => return Err(Error::call("wait for", pid, e)),
        }
    }
}

/// Reap every child that has exited: (pid, raw wait status, as wait(2)
/// encodes it: the code in bits 8-15, or the signal in the low 7 bits and
/// 0x80 for a core dump).
pub fn reap() -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    loop {
        match waitpid(None::<Pid>, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, code)) => out.push((pid.as_raw(), (code & 0xff) << 8)),
            Ok(WaitStatus::Signaled(pid, sig, core)) => {
                out.push((pid.as_raw(), encode_signaled(sig, core)))
            }
            Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD) => return out,
            Err(Errno::EINTR) | Ok(_) => continue,
            Err(_) => return out,
        }
    }
}

/// Wait for any child to end: false when there is none left.
pub fn wait_any() -> bool {
    loop {
        match nix::sys::wait::wait() {
            Ok(WaitStatus::Exited(..) | WaitStatus::Signaled(..)) => return true,
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(_) => return false,
        }
    }
}

fn encode_signaled(sig: Signal, core: bool) -> i32 {
    sig as i32 | if core { 0x80 } else { 0 }
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

/// A program with its arguments and environment as execve(2) takes them:
/// the pointer arrays built beforehand over strings the caller keeps (an
/// environment made once by [`env_without`]) and one variable of its own,
/// so that the child of [`spawn_then`] that executes it allocates nothing,
/// and nothing of it is left in the memory it shares with us (a resident
/// server starts many).
pub struct Prepared<'a> {
    path: &'a CStr,
    _set: CString,
    argp: Vec<*const libc::c_char>,
    envp: Vec<*const libc::c_char>,
}

impl<'a> Prepared<'a> {
    /// `path` with `argv`, and `env` plus `KEY=VALUE` (`env` holding no
    /// other value of KEY); None when the variable holds a NUL byte.
    pub fn new(
        path: &'a CStr,
        argv: &'a [CString],
        env: &'a [CString],
        (key, value): (&str, &str),
    ) -> Option<Prepared<'a>> {
        let set = CString::new(format!("{key}={value}")).ok()?;
        // the pointers stay valid: the strings are borrowed for 'a, and a
        // CString's bytes do not move with it
        Some(Prepared {
            path,
            argp: c_ptrs(argv),
            envp: c_ptrs(env.iter().chain([&set])),
            _set: set,
        })
    }

    /// Replace the process; returns only the errno. Allocates nothing.
    pub fn exec(&self) -> Errno {
        // SAFETY: NUL-terminated arrays of pointers to C strings that
        // `self` keeps alive or borrows for its whole life.
        unsafe { libc::execve(self.path.as_ptr(), self.argp.as_ptr(), self.envp.as_ptr()) };
        Errno::last()
    }
}

/// The NULL-terminated array of pointers to `strs` that execve(2) takes
/// for argv or envp, built before a fork (no allocation after it); valid
/// while the strings are.
fn c_ptrs<'a>(strs: impl IntoIterator<Item = &'a CString>) -> Vec<*const libc::c_char> {
    strs.into_iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

/// Our environment without `key`: the base of a [`Prepared`] environment.
pub fn env_without(key: &str) -> Vec<CString> {
    use std::os::unix::ffi::OsStrExt;
    std::env::vars_os()
        .filter(|(k, _)| k.as_bytes() != key.as_bytes())
        .filter_map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).ok()
        })
        .collect()
}

/// What a spawned child is given: all strings prepared before the fork.
pub struct Exec {
    pub path: CString,
    pub argv: Vec<CString>,
    pub env: Vec<CString>,
    /// What the child writes on `out` before strerror when exec fails: the
    /// caller's words (`pkginit: can't execute '/bin/x': `), not sys's.
    pub on_fail: String,
}

/// fork, then in the child: own session, stdin on `stdin`, stdout and
/// stderr on `out`, default signal dispositions and the mask from before
/// `sigs` blocked them, exec. If exec fails: `x.on_fail`, strerror and a
/// newline on `out`, exit 127 (not found) or 126.
pub fn spawn(x: &Exec, stdin: RawFd, out: RawFd, sigs: &Signals) -> Result<i32> {
    let argv = c_ptrs(&x.argv);
    let envp = c_ptrs(&x.env);
    let msg = x.on_fail.as_bytes();
    let old = *sigs.old.as_ref();
    // SAFETY: single-threaded; the child only makes async-signal-safe calls
    // on data prepared before the fork, then execs or _exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(Error::call("fork", x.path.to_string_lossy(), Errno::last()));
    }
    if pid > 0 {
        return Ok(pid);
    }
    // SAFETY: in the child of a single-threaded process: raw async-signal-
    // safe calls only (no allocation), on pointers built before the fork
    // that stay valid until execve or _exit.
    unsafe {
        libc::setsid();
        libc::dup2(stdin, 0);
        libc::dup2(out, 1);
        libc::dup2(out, 2);
        for s in HANDLED.iter().chain(&[Signal::SIGPIPE]) {
            libc::signal(*s as libc::c_int, libc::SIG_DFL);
        }
        libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        libc::execve(x.path.as_ptr(), argv.as_ptr(), envp.as_ptr());
        let e = *libc::__errno_location();
        let text = libc::strerror(e);
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::write(2, text.cast(), libc::strlen(text));
        libc::write(2, b"\n".as_ptr().cast(), 1);
        libc::_exit(if e == libc::ENOENT { 127 } else { 126 });
    }
}

/// End a forked child (or one of [`spawn_then`]) at once with `code`: no
/// buffers of the parent's flushed twice, no exit handlers.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit only ends the process.
    unsafe { libc::_exit(code) }
}

/// Become the reaper of every orphan among our descendants.
pub fn set_subreaper() -> Result<()> {
    nix::sys::prctl::set_child_subreaper(true).map_err(|e| Error::call("set", "child subreaper", e))
}

/// Detach: fork; the parent waits for the child's word on a pipe: Ok(None)
/// when the child reported success, Err with its message otherwise. The
/// child, in a new session, gets Ok(Some(the pipe's write end)) to report
/// "ok" or its error through. `what` names us in the fork error.
pub fn detach(what: &str) -> Result<Option<File>> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| Error::call("create", "pipe", e))?;
    match fork(what)? {
        Forked::Parent(child) => {
            drop(w);
            let mut msg = String::new();
            let _ = File::from(r).read_to_string(&mut msg);
            if msg != "ok" {
                // it exits after its message: reap it, leave no zombie
                let _ = waitpid(Pid::from_raw(child), None);
            }
            match msg.as_str() {
                "ok" => Ok(None),
                "" => Err(Error::refused("died while starting")),
                m => Err(Error::refused(m)),
            }
        }
        Forked::Child => {
            drop(r);
            let _ = nix::unistd::setsid();
            Ok(Some(File::from(w)))
        }
    }
}

/// A close-on-exec pipe: (read end, write end).
pub fn pipe() -> Result<(File, File)> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| Error::call("create", "pipe", e))?;
    Ok((File::from(r), File::from(w)))
}

/// A session of our own (a daemon's start).
pub fn setsid() {
    let _ = nix::unistd::setsid();
}

/// Reap `pid` if it has ended, without waiting.
pub fn reap_pid(pid: i32) {
    let _ = waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG));
}

/// Make the directory `fd` our root: fchdir, chroot("."), chdir("/").
pub fn chroot_fd(fd: BorrowedFd, shown: &str) -> Result<()> {
    nix::unistd::fchdir(fd.as_raw_fd()).map_err(|e| Error::call("chdir", shown, e))?;
    nix::unistd::chroot(".").map_err(|e| Error::call("chroot", shown, e))?;
    nix::unistd::chdir("/").map_err(|e| Error::call("chdir", "/", e))
}

pub fn chdir(path: &std::path::Path) -> std::result::Result<(), Errno> {
    nix::unistd::chdir(path)
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

/// Start a daemon of our own holding `keep`: fork, a new session, fork
/// again (the daemon is nobody's child: the program the caller goes on
/// to exec, pkgnet's daemon, never waits for it), the middle process
/// reaped. The caller gets None. The daemon gets `keep` back and runs in
/// `/` with every other descriptor closed (a caller's socket on 0-2
/// among them), /dev/null on 0-2, no signal blocked, SIGPIPE and SIGHUP
/// ignored, the rest at their defaults; it ends with `exit_now`.
pub fn daemon(keep: super::local::Bound) -> Result<Option<super::local::Bound>> {
    let keep = keep.into_raw();
    let back = |fd| super::local::Bound::from_raw(fd);
    let middle = match fork("keeper") {
        Ok(Forked::Parent(pid)) => pid,
        Ok(Forked::Child) => {
            let _ = nix::unistd::setsid();
            // SAFETY: single-threaded; the middle process only forks and
            // leaves with _exit (no destructor, no buffered output).
            match unsafe { libc::fork() } {
                0 => {}
                _ => unsafe { libc::_exit(0) },
            }
            return Ok(Some(back(settle_daemon(keep))));
        }
        Err(e) => {
            drop(back(keep));
            return Err(e);
        }
    };
    drop(back(keep));
    let _ = waitpid(Pid::from_raw(middle), None);
    Ok(None)
}

/// The daemon's own state (see `daemon`): `keep` moved above 2 if it was
/// not, every other descriptor closed; its new number.
fn settle_daemon(keep: RawFd) -> RawFd {
    let _ = nix::unistd::chdir("/");
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    let keep = if keep > 2 {
        keep
    } else {
        nix::fcntl::fcntl(keep, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(3)).unwrap_or(keep)
    };
    // SAFETY: close_range(2) only closes descriptors; nothing this process
    // goes on to use is among them but `keep`, which is left out.
    unsafe {
        if keep > 3 {
            libc::syscall(libc::SYS_close_range, 3u32, (keep - 1) as u32, 0u32);
        }
        libc::syscall(libc::SYS_close_range, (keep + 1) as u32, u32::MAX, 0u32);
    }
    if let Ok(null) = super::fds::open_null() {
        for fd in 0..=2 {
            let _ = nix::unistd::dup2(null.as_raw_fd(), fd);
        }
        if null.as_raw_fd() <= 2 {
            std::mem::forget(null);
        }
    }
    let _ = nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&nix::sys::signal::SigSet::empty()),
        None,
    );
    for s in HANDLED {
        // SAFETY: the default disposition.
        let _ = unsafe { nix::sys::signal::signal(s, nix::sys::signal::SigHandler::SigDfl) };
    }
    for s in [Signal::SIGPIPE, Signal::SIGHUP] {
        // SAFETY: ignoring a signal installs no handler.
        let _ = unsafe { nix::sys::signal::signal(s, nix::sys::signal::SigHandler::SigIgn) };
    }
    keep
}

/// Name this process (its comm, as ps -o comm and pgrep see it).
pub fn set_name(name: &CStr) {
    let _ = nix::sys::prctl::set_name(name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_statuses() {
        assert_eq!(Exit::from_raw(0), Exit::Code(0));
        assert_eq!(Exit::from_raw(3 << 8), Exit::Code(3));
        assert_eq!(Exit::from_raw(9), Exit::Signal(9));
        assert_eq!(Exit::from_raw(9).status(), 137);
    }

    #[test]
    fn a_spawned_child_ends_with_its_value_and_shares_memory_until_then() {
        // nothing allocated in the child: the test harness has other threads
        let mut seen = 0u32;
        let pid = spawn_then("test", &mut || {
            seen = 0x5eed;
            7
        })
        .unwrap();
        assert_eq!(wait_child(pid).unwrap(), Exit::Code(7));
        assert_eq!(seen, 0x5eed, "the child wrote our memory (CLONE_VM)");
        let path = c"/bin/sh";
        let argv = [c"sh".to_owned(), c"-c".to_owned(), c"exit 5".to_owned()];
        let pid = spawn_then("test", &mut || {
            let e = execve(path, &argv, &[]);
            100 + e as i32
        })
        .unwrap();
        assert_eq!(
            wait_child(pid).unwrap(),
            Exit::Code(5),
            "the child executed"
        );
    }

    #[test]
    fn the_child_runs_with_no_handler_of_ours_and_our_mask() {
        extern "C" fn nothing(_: libc::c_int) {}
        let disposition = |sig| {
            // SAFETY: sigaction reading into a zeroed struct.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(sig, std::ptr::null(), &mut old);
                old.sa_sigaction
            }
        };
        // SAFETY: a handler that does nothing, for a signal no other test
        // uses, put back below; SIGWINCH blocked in this thread only.
        unsafe {
            libc::signal(libc::SIGUSR2, nothing as *const () as libc::sighandler_t);
            let mut winch: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut winch);
            libc::sigaddset(&mut winch, libc::SIGWINCH);
            libc::pthread_sigmask(libc::SIG_BLOCK, &winch, std::ptr::null_mut());
        }
        let pid = spawn_then("test", &mut || {
            // SAFETY: reading our own mask.
            let blocked = |sig| unsafe {
                let mut m: libc::sigset_t = std::mem::zeroed();
                libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut m);
                libc::sigismember(&m, sig) == 1
            };
            match (
                disposition(libc::SIGUSR2) == libc::SIG_DFL,
                blocked(libc::SIGWINCH),
                blocked(libc::SIGTERM),
            ) {
                (true, true, false) => 0,
                (false, _, _) => 1,
                _ => 2,
            }
        })
        .unwrap();
        let ours = disposition(libc::SIGUSR2);
        // SAFETY: as above, undone.
        unsafe {
            libc::signal(libc::SIGUSR2, libc::SIG_DFL);
            let mut winch: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut winch);
            libc::sigaddset(&mut winch, libc::SIGWINCH);
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &winch, std::ptr::null_mut());
        }
        assert_eq!(
            wait_child(pid).unwrap(),
            Exit::Code(0),
            "1: the child kept our handler; 2: not our mask"
        );
        assert_eq!(
            ours, nothing as *const () as libc::sighandler_t,
            "ours stays ours"
        );
    }

    /// Fails without the parent's taking of the SIGABRT on musl, the
    /// shipping target (`cargo test --target x86_64-unknown-linux-musl`),
    /// whose raise(3) names the thread of the shared thread block; glibc's
    /// asks the kernel (gettid) and never hits us.
    #[test]
    fn a_child_that_aborts_ends_alone() {
        let pid = spawn_then("test", &mut || std::process::abort()).unwrap();
        let end = wait_child(pid).unwrap();
        assert!(matches!(end, Exit::Signal(_)), "{end:?}");
        // still here: the abort was not ours
    }

    #[test]
    fn reap_encodes_statuses_as_wait_does() {
        let p = Pid::from_raw(42);
        let raw = |w| match w {
            WaitStatus::Exited(_, c) => (c & 0xff) << 8,
            WaitStatus::Signaled(_, s, core) => encode_signaled(s, core),
            _ => -1,
        };
        for (w, want) in [
            (WaitStatus::Exited(p, 3), Exit::Code(3)),
            (WaitStatus::Exited(p, 0), Exit::Code(0)),
            (
                WaitStatus::Signaled(p, Signal::SIGKILL, false),
                Exit::Signal(9),
            ),
            (
                WaitStatus::Signaled(p, Signal::SIGSEGV, true),
                Exit::Signal(11),
            ),
        ] {
            let r = raw(w);
            assert_eq!(Exit::from_raw(r), want, "{w:?} -> {r:#x}");
            assert_eq!(
                libc::WCOREDUMP(r),
                matches!(w, WaitStatus::Signaled(_, _, true))
            );
        }
    }
}
