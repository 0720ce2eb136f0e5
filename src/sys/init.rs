//! The system calls pkginit and telinit need: child subreaper, signals
//! through a signalfd, reaping, fork+exec of inittab entries in their own
//! session, process-group signals, the control FIFO, inotify on its
//! directory, the fcntl-locked pid file, and the detach handshake.

use crate::error::{Error, Result};
use nix::errno::Errno;
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use std::ffi::CString;
use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Become the reaper of every orphan among our descendants.
pub fn set_subreaper() -> Result<()> {
    // SAFETY: prctl with integer arguments.
    let r = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    if r != 0 {
        return Err(Error::errno("set", "child subreaper", Errno::last()));
    }
    Ok(())
}

/// The signals pkginit handles, blocked and read from a signalfd; the mask
/// from before, restored in every child.
pub struct Signals {
    pub fd: SignalFd,
    old: SigSet,
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
        nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut old))
            .map_err(|e| Error::errno("block", "signals", e))?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
            .map_err(|e| Error::errno("create", "signalfd", e))?;
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

/// Reap every child that has exited: (pid, raw wait status).
pub fn reap() -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    loop {
        let mut status = 0;
        // SAFETY: waitpid with a valid status pointer.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            return out;
        }
        out.push((pid, status));
    }
}

/// True when we have no child left at all.
pub fn no_children() -> bool {
    // SAFETY: waitid with WNOHANG|WNOWAIT only queries.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let r = unsafe {
        libc::waitid(
            libc::P_ALL,
            0,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    r != 0 && Errno::last() == Errno::ECHILD
}

/// Signal a process group (`kill(-pgid)`); a group already gone is fine.
pub fn kill_group(pgid: i32, sig: Signal) {
    if pgid > 1 {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), sig);
    }
}

pub fn kill(pid: i32, sig: Signal) {
    if pid > 1 {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig);
    }
}

/// What a child is given: all strings prepared before the fork.
pub struct Exec {
    pub path: CString,
    pub argv: Vec<CString>,
    pub env: Vec<CString>,
}

/// fork, then in the child: own session, stdin on `stdin`, stdout and
/// stderr on `out`, default signal dispositions and the original mask,
/// exec. Exit 127 (with a line on `out`) if exec fails.
pub fn spawn(x: &Exec, stdin: RawFd, out: RawFd, sigs: &Signals) -> Result<i32> {
    let mut argv: Vec<*const libc::c_char> = x.argv.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = x.env.iter().map(|a| a.as_ptr()).collect();
    envp.push(std::ptr::null());
    let msg = format!("pkginit: can't execute '{}': ", x.path.to_string_lossy());
    let old = *sigs.old.as_ref();
    // SAFETY: single-threaded; the child only makes async-signal-safe calls
    // on data prepared before the fork, then execs or _exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(Error::errno(
            "fork",
            x.path.to_string_lossy(),
            Errno::last(),
        ));
    }
    if pid > 0 {
        return Ok(pid);
    }
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

pub fn open_null() -> Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_CLOEXEC)
        .open("/dev/null")
        .map_err(|e| Error::io("open", "/dev/null", &e))
}

/// (device, inode) of a path (following symlinks) or an open file.
pub fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

pub fn fd_id(f: &File) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    f.metadata().ok().map(|m| (m.dev(), m.ino()))
}

pub fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path)
        .map(|m| m.file_type().is_fifo())
        .unwrap_or(false)
}

/// Make the FIFO (mode 0600) if nothing is at `path`.
pub fn mkfifo(path: &Path) -> Result<()> {
    match nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o600)) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(e) => Err(Error::errno("create", path.display(), e)),
    }
}

/// The reading end: O_RDWR so it never sees EOF, non-blocking.
pub fn open_fifo_reader(path: &Path) -> Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| Error::io("open", path.display(), &e))
}

/// The control FIFO, opened only when it can be trusted: a FIFO owned by the
/// user pkginit runs as, which nobody else may write (mkpcue makes it 0640
/// root:root). One planted by a user in the package's world-writable /tmp
/// (when the real one was missing) is removed and made anew, mode 0600.
pub fn open_control_fifo(path: &Path) -> Result<File> {
    mkfifo(path)?;
    let f = open_fifo_reader(path)?;
    if trusted_fifo(&f) {
        return Ok(f);
    }
    drop(f);
    log::warn!(
        "{}: not ours or open to other writers: made anew",
        path.display()
    );
    std::fs::remove_file(path).map_err(|e| Error::io("remove", path.display(), &e))?;
    mkfifo(path)?;
    let f = open_fifo_reader(path)?;
    if trusted_fifo(&f) {
        Ok(f)
    } else {
        Err(Error::fail(format!(
            "can't trust '{}': it was replaced again",
            path.display()
        )))
    }
}

fn trusted_fifo(f: &File) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
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

/// Write one record to a FIFO without ever blocking.
pub fn write_fifo(path: &Path, data: &[u8]) -> std::result::Result<(), WriteErr> {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path);
    let mut f = match f {
        Ok(f) => f,
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENXIO) | Some(libc::ENOENT)) => {
            return Err(WriteErr::NoReader)
        }
        Err(e) => return Err(WriteErr::Other(Error::io("open", path.display(), &e))),
    };
    if !f
        .metadata()
        .map(|m| {
            use std::os::unix::fs::FileTypeExt;
            m.file_type().is_fifo()
        })
        .unwrap_or(false)
    {
        return Err(WriteErr::Other(Error::fail(format!(
            "can't write '{}': not a FIFO",
            path.display()
        ))));
    }
    use std::io::Write;
    f.write_all(data)
        .map_err(|e| WriteErr::Other(Error::io("write", path.display(), &e)))
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

/// An inotify watch on one directory for entries created, deleted or moved.
pub struct DirWatch {
    fd: OwnedFd,
}

impl DirWatch {
    pub fn new(dir: &Path) -> Result<DirWatch> {
        // SAFETY: inotify_init1 with flags; the fd is owned right away.
        let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
        if fd < 0 {
            return Err(Error::errno("watch", dir.display(), Errno::last()));
        }
        // SAFETY: fd is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let c = CString::new(dir.as_os_str().as_encoded_bytes())
            .map_err(|_| Error::fail("bad path"))?;
        let mask = libc::IN_CREATE
            | libc::IN_DELETE
            | libc::IN_MOVED_FROM
            | libc::IN_MOVED_TO
            | libc::IN_ATTRIB;
        // SAFETY: valid fd and C string.
        if unsafe { libc::inotify_add_watch(fd.as_raw_fd(), c.as_ptr(), mask) } < 0 {
            return Err(Error::errno("watch", dir.display(), Errno::last()));
        }
        Ok(DirWatch { fd })
    }

    /// Swallow the pending events.
    pub fn drain(&self) {
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: reading into a local buffer.
            let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return;
            }
        }
    }

    pub fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Wait until one of `fds` is readable or `timeout_ms` passes (None:
/// forever). The readable ones, by index.
pub fn poll_in(fds: &[Option<std::os::fd::BorrowedFd<'_>>], timeout_ms: Option<u64>) -> Vec<bool> {
    let mut pfd: Vec<libc::pollfd> = fds
        .iter()
        .map(|f| libc::pollfd {
            fd: f.map(|f| f.as_raw_fd()).unwrap_or(-1),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let t = timeout_ms
        .map(|t| t.min(i32::MAX as u64) as i32)
        .unwrap_or(-1);
    // SAFETY: pfd is a valid array of pollfd.
    let r = unsafe { libc::poll(pfd.as_mut_ptr(), pfd.len() as libc::nfds_t, t) };
    if r <= 0 {
        return vec![false; fds.len()];
    }
    pfd.iter()
        .map(|p| p.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0)
        .collect()
}

fn flock(kind: i32) -> libc::flock {
    libc::flock {
        l_type: kind as i16,
        l_whence: libc::SEEK_SET as i16,
        l_start: 0,
        l_len: 0,
        l_pid: 0,
    }
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
    if !super::fs::try_write_lock(&f).map_err(|e| Error::errno("lock", path.display(), e))? {
        return Ok(Err(lock_holder_fd(&f)));
    }
    f.set_len(0)
        .map_err(|e| Error::io("write", path.display(), &e))?;
    use std::io::Write;
    (&f).write_all(format!("{}\n", std::process::id()).as_bytes())
        .map_err(|e| Error::io("write", path.display(), &e))?;
    Ok(Ok(f))
}

fn lock_holder_fd(f: &File) -> Option<i32> {
    let mut fl = flock(libc::F_WRLCK);
    // SAFETY: fcntl F_GETLK fills the flock.
    if unsafe { libc::fcntl(f.as_raw_fd(), libc::F_GETLK, &mut fl) } != 0 {
        return None;
    }
    (fl.l_type != libc::F_UNLCK as i16).then_some(fl.l_pid)
}

/// The pid of the process holding the pid file's lock; None when nobody
/// does (no pkginit, or a stale file).
pub fn lock_holder(path: &Path) -> Option<i32> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
        .ok()?;
    lock_holder_fd(&f)
}

/// Detach: fork; the parent waits for the child's word on a pipe: Ok(None)
/// when the child reported success, Err with its message otherwise. The
/// child, in a new session, gets Ok(Some(the pipe's write end)) to report
/// "ok" or its error through.
pub fn detach() -> Result<Option<File>> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| Error::errno("create", "pipe", e))?;
    // SAFETY: single-threaded at this point.
    match unsafe { nix::unistd::fork() }.map_err(|e| Error::errno("fork", "pkginit", e))? {
        nix::unistd::ForkResult::Parent { child } => {
            drop(w);
            let mut msg = String::new();
            let _ = File::from(r).read_to_string(&mut msg);
            if msg != "ok" {
                // it exits after its message: reap it, leave no zombie
                let _ = nix::sys::wait::waitpid(child, None);
            }
            match msg.as_str() {
                "ok" => Ok(None),
                "" => Err(Error::fail("died while starting")),
                m => Err(Error::fail(m)),
            }
        }
        nix::unistd::ForkResult::Child => {
            drop(r);
            let _ = nix::unistd::setsid();
            Ok(Some(File::from(w)))
        }
    }
}

/// Put 0, 1, 2 on /dev/null (a detached daemon).
pub fn stdio_null(null: &File) {
    for fd in 0..=2 {
        // SAFETY: dup2 onto the standard descriptors.
        unsafe { libc::dup2(null.as_raw_fd(), fd) };
    }
}

pub fn getpid() -> i32 {
    std::process::id() as i32
}

/// Close every descriptor above 2 that whoever started us left open (a start
/// script's log redirection, a pipe of `$(...)`): a daemon must not keep a
/// caller's pipe from seeing EOF or a filesystem busy, nor hand such a
/// descriptor to every entry it runs.
pub fn close_inherited_fds() {
    // SAFETY: close_range(2) only closes descriptors; nothing of ours is
    // open yet when pkginit calls this.
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
        // SAFETY: closing a descriptor number; the read_dir handle is gone.
        unsafe { libc::close(fd) };
    }
}
