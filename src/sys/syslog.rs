//! Lines to syslog: openlog once per process, one `%s` line per message,
//! control characters escaped so that a message cannot forge another line.

use std::ffi::CString;
use std::sync::OnceLock;

/// Syslog facilities we use.
#[derive(Clone, Copy, Debug)]
pub enum Facility {
    Auth,
    Daemon,
}

/// Syslog priorities we use. sys does not know the `log` crate: its levels
/// become these in `logging` (`From<log::Level>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    Err,
    Warning,
    Info,
    Debug,
}

impl Facility {
    fn code(self) -> libc::c_int {
        match self {
            Facility::Auth => libc::LOG_AUTH,
            Facility::Daemon => libc::LOG_DAEMON,
        }
    }
}

impl Priority {
    fn code(self) -> libc::c_int {
        match self {
            Priority::Err => libc::LOG_ERR,
            Priority::Warning => libc::LOG_WARNING,
            Priority::Info => libc::LOG_INFO,
            Priority::Debug => libc::LOG_DEBUG,
        }
    }
}

/// Send one line to syslog under `ident`. Best effort: a node without a syslog
/// socket (or a chroot without /dev/log) loses the line, nothing else.
pub fn send(facility: Facility, level: impl Into<Priority>, ident: &str, msg: &str) {
    let fac = open_once(facility, ident);
    let Ok(text) = CString::new(escape_controls(msg)) else {
        return;
    };
    // SAFETY: the format is a literal "%s" and text a valid C string.
    unsafe { libc::syslog(fac | level.into().code(), c"%s".as_ptr(), text.as_ptr()) };
}

/// Send one line straight to the datagram socket `path`, without waiting:
/// a full or missing socket loses it. For pkginit, whose own `/dev/log`
/// is its relay: a blocking syslog(3) into a socket only it drains could
/// hang it.
pub fn send_to(
    path: &std::path::Path,
    facility: Facility,
    level: impl Into<Priority>,
    ident: &str,
    msg: &str,
) {
    let line = format!(
        "<{}>{}[{}]: {}",
        facility.code() | level.into().code(),
        escape_controls(ident),
        std::process::id(),
        escape_controls(msg)
    );
    if let Ok(s) = std::os::unix::net::UnixDatagram::unbound() {
        if s.set_nonblocking(true).is_ok() {
            let _ = s.send_to(line.as_bytes(), path);
        }
    }
}

/// Open the syslog connection now (before a chroot hides /dev/log),
/// sending nothing.
pub fn open(facility: Facility, ident: &str) {
    open_once(facility, ident);
}

/// openlog once per process (ident and the first facility); returns the
/// facility's code for the priority of each message.
fn open_once(facility: Facility, ident: &str) -> libc::c_int {
    static OPENED: OnceLock<()> = OnceLock::new();
    let fac = facility.code();
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
