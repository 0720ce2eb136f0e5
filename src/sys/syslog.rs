//! Lines to syslog: openlog once per process, one `%s` line per message,
//! control characters escaped so that a message cannot forge another line.

use nix::errno::Errno;
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

/// Who sent a datagram on a local socket (SCM_CREDENTIALS): its pid as
/// our pid namespace sees it, and its real uid and gid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Creds {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

/// Ask the kernel for the sender's credentials with every datagram read
/// from `sock` (SO_PASSCRED).
pub fn pass_credentials(sock: &std::os::unix::net::UnixDatagram) -> Result<(), Errno> {
    nix::sys::socket::setsockopt(sock, nix::sys::socket::sockopt::PassCred, &true)
}

/// Read one datagram without waiting, with its sender's credentials when
/// the kernel gave them (SO_PASSCRED set). EAGAIN when none waits.
pub fn recv_with_creds(
    sock: &std::os::unix::net::UnixDatagram,
    buf: &mut [u8],
) -> Result<(usize, Option<Creds>), Errno> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags, UnixAddr};
    use std::os::fd::AsRawFd;
    let mut space = nix::cmsg_space!(nix::sys::socket::UnixCredentials);
    let mut iov = [std::io::IoSliceMut::new(buf)];
    let msg = recvmsg::<UnixAddr>(
        sock.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_CMSG_CLOEXEC,
    )?;
    let mut creds = None;
    for c in msg.cmsgs()? {
        if let ControlMessageOwned::ScmCredentials(u) = c {
            creds = Some(Creds {
                pid: u.pid(),
                uid: u.uid(),
                gid: u.gid(),
            });
        }
    }
    Ok((msg.bytes, creds))
}

/// Send `line` to the datagram socket at `path` without waiting, as
/// `creds` when given (SCM_CREDENTIALS: a pid other than ours needs
/// CAP_SYS_ADMIN and a living process, another uid CAP_SETUID, another
/// gid CAP_SETGID; else EPERM or ESRCH), else with our own.
pub fn send_as(
    sock: &std::os::unix::net::UnixDatagram,
    line: &[u8],
    path: &std::path::Path,
    creds: Option<Creds>,
) -> Result<(), Errno> {
    use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags, UnixAddr, UnixCredentials};
    use std::os::fd::AsRawFd;
    let to = UnixAddr::new(path)?;
    let iov = [std::io::IoSlice::new(line)];
    let ucred;
    let mut cmsgs = Vec::new();
    if let Some(c) = creds {
        ucred = UnixCredentials::from(libc::ucred {
            pid: c.pid,
            uid: c.uid,
            gid: c.gid,
        });
        cmsgs.push(ControlMessage::ScmCredentials(&ucred));
    }
    sendmsg(
        sock.as_raw_fd(),
        &iov,
        &cmsgs,
        MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_NOSIGNAL,
        Some(&to),
    )
    .map(|_| ())
}

/// This process's own credentials, as SCM_CREDENTIALS carries them.
pub fn own_creds() -> Creds {
    Creds {
        pid: std::process::id() as i32,
        uid: nix::unistd::getuid().as_raw(),
        gid: nix::unistd::getgid().as_raw(),
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
