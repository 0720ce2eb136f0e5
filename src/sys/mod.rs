//! The system-call layer: the only place with `unsafe`, libc and nix calls that
//! change process state. Everything above reads as plain Rust.

pub mod clock;
pub mod fs;
pub mod init;
pub mod mount;
pub mod net;
pub mod proc;

use crate::error::{Error, Result};
use nix::unistd::{getegid, geteuid, getgid, getuid, Gid, Uid};
use once_cell::sync::OnceCell;
use std::ffi::CString;

static SETUID: OnceCell<bool> = OnceCell::new();

/// True when the binary was started with more privilege than its caller
/// (setuid/setgid bit or file capabilities: the kernel's AT_SECURE).
/// Computed once at start, before any drop, so it stays true afterwards.
pub fn is_setuid() -> bool {
    *SETUID.get_or_init(|| {
        // SAFETY: getauxval has no preconditions.
        let secure = unsafe { libc::getauxval(libc::AT_SECURE) } != 0;
        secure || getuid() != geteuid() || getgid() != getegid()
    })
}

/// The environment, unless we run setuid: then every variable that would change
/// a path or a config is ignored (DESIGN.md, security model).
pub fn trusted_env(name: &str) -> Option<String> {
    if is_setuid() {
        return None;
    }
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Give up the effective ids for the real ones, for good: gid first, then uid,
/// then check that root cannot be regained. Supplementary groups are the
/// caller's own (setuid execution does not change them) and are kept.
pub fn drop_privileges() -> Result<()> {
    let (uid, gid) = (getuid(), getgid());
    nix::unistd::setresgid(gid, gid, gid).map_err(|e| Error::errno("setgid", gid, e))?;
    nix::unistd::setresuid(uid, uid, uid).map_err(|e| Error::errno("setuid", uid, e))?;
    check_dropped(uid, gid)
}

/// After a drop to `uid`/`gid`: every id is the target and, for a non-root
/// target, setuid(0) fails.
pub fn check_dropped(uid: Uid, gid: Gid) -> Result<()> {
    let ok = geteuid() == uid && getuid() == uid && getegid() == gid && getgid() == gid;
    if !ok {
        return Err(Error::fail("can't drop privileges: ids did not change"));
    }
    if !uid.is_root() && nix::unistd::setuid(Uid::from_raw(0)).is_ok() {
        return Err(Error::fail("can't drop privileges: root could be regained"));
    }
    Ok(())
}

/// SIGPIPE back to its default (Rust ignores it): a tool whose reader went
/// away ends quietly, as C tools do, instead of failing a print.
pub fn default_sigpipe() {
    // SAFETY: setting a signal disposition to the default has no preconditions.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
}

/// Syslog facilities we use.
#[derive(Clone, Copy, Debug)]
pub enum Facility {
    Auth,
    Daemon,
}

/// Send one line to syslog under `ident`. Best effort: a node without a syslog
/// socket (or a chroot without /dev/log) loses the line, nothing else.
pub fn syslog(facility: Facility, level: log::Level, ident: &str, msg: &str) {
    let fac = open_syslog(facility, ident);
    let pri = match level {
        log::Level::Error => libc::LOG_ERR,
        log::Level::Warn => libc::LOG_WARNING,
        log::Level::Info => libc::LOG_INFO,
        _ => libc::LOG_DEBUG,
    };
    let Ok(text) = CString::new(escape_controls(msg)) else {
        return;
    };
    // SAFETY: the format is a literal "%s" and text a valid C string.
    unsafe { libc::syslog(fac | pri, c"%s".as_ptr(), text.as_ptr()) };
}

/// openlog once per process (ident and the first facility); returns the
/// facility's code for the priority of each message.
fn open_syslog(facility: Facility, ident: &str) -> libc::c_int {
    static OPENED: OnceCell<()> = OnceCell::new();
    let fac = match facility {
        Facility::Auth => libc::LOG_AUTH,
        Facility::Daemon => libc::LOG_DAEMON,
    };
    OPENED.get_or_init(|| {
        let ident = CString::new(escape_controls(ident)).unwrap_or_default();
        // openlog keeps the pointer: leak it, once per process.
        let ident: &'static CString = Box::leak(Box::new(ident));
        // SAFETY: ident is a valid C string that lives for the whole process.
        unsafe { libc::openlog(ident.as_ptr(), libc::LOG_PID | libc::LOG_NDELAY, fac) };
    });
    fac
}

/// A log line carries what users typed (package names, program paths):
/// control characters (newlines that would forge a second line, escapes,
/// NUL) are written as `\xNN`.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Open the syslog connection now (before a chroot hides /dev/log),
/// sending nothing.
pub fn syslog_open(facility: Facility, ident: &str) {
    open_syslog(facility, ident);
}

/// Read `src` to its end, giving up (None) at `deadline`.
pub fn read_until(
    mut src: impl std::io::Read + std::os::fd::AsFd,
    deadline: std::time::Instant,
) -> Option<Vec<u8>> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    let mut out = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let left = deadline.checked_duration_since(std::time::Instant::now())?;
        let ms = u16::try_from(left.as_millis().max(1)).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(src.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(ms)) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return None,
        }
        match src.read(&mut buf) {
            Ok(0) => return Some(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_lines_cannot_be_forged() {
        assert_eq!(
            super::escape_controls("pkg\nJan 1 sshd[1]: Accepted\u{1b}[2J\0x"),
            "pkg\\x0aJan 1 sshd[1]: Accepted\\x1b[2J\\x00x"
        );
        assert_eq!(super::escape_controls("réseau pkg01"), "réseau pkg01");
    }
}
