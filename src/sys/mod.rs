//! The system-call layer, one module per facility: the only place with
//! `unsafe`, libc and nix. It imports nothing from the crate above it: it
//! owns its plain types and returns `Errno` or its own [`Error`], which
//! `crate::error` turns into the binary's error with its exit code.
//!
//! | module    | facility                                                       |
//! |-----------|----------------------------------------------------------------|
//! | `ids`     | user and group ids, the setuid check, the trusted environment  |
//! | `process` | fork, exec, wait, reap, chroot, detach, a daemon, umask, rlimits |
//! | `signals` | dispositions, the saved mask, a signalfd, kill                  |
//! | `fds`     | descriptors: /dev/null, output files, poll, close inherited     |
//! | `fifo`    | named pipes: make, open for reading, write without blocking     |
//! | `locks`   | fcntl record locks, the pid file, a directory's flock          |
//! | `fs`      | stat, statvfs, walks without symlinks, inotify, careful reads,  |
//! |           | a missing file made with its mode, the mount table watched     |
//! | `mount`   | a package root: a tree walked by descriptors, mounts, unmounts |
//! | `time`    | the clock, local time, the time zone rule                       |
//! | `tty`     | terminals: window size, owner and mode, foreground group        |
//! | `pty`     | a pty of the package's devpts and the relay to the caller's     |
//! | `net`     | socket addresses, accepting a connection                       |
//! | `local`   | abstract unix sockets: bind, listen, connect, SO_PEERCRED       |
//! | `ns`      | namespaces (pidfd, setns, unshare, pivot_root, own /proc) and   |
//! |           | capabilities (bounding set, own sets, dumpable)                |
//! | `syslog`  | lines to syslog                                                |

pub mod fds;
pub mod fifo;
pub mod fs;
pub mod ids;
pub mod local;
pub mod locks;
pub mod mount;
pub mod net;
pub mod ns;
pub mod process;
pub mod pty;
pub mod signals;
pub mod syslog;
pub mod time;
pub mod tty;

pub use nix::errno::Errno;
use std::fmt;

/// A failed call, as the layer above reports it: `can't VERB 'ARG':
/// strerror`, or a check that failed, as one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    Call {
        verb: &'static str,
        arg: String,
        errno: Errno,
    },
    Refused(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn call(verb: &'static str, arg: impl fmt::Display, errno: Errno) -> Error {
        Error::Call {
            verb,
            arg: arg.to_string(),
            errno,
        }
    }

    /// The same for a std call: its errno (EIO if it has none).
    pub fn io(verb: &'static str, arg: impl fmt::Display, e: &std::io::Error) -> Error {
        Error::call(verb, arg, errno_of(e))
    }

    pub fn refused(msg: impl Into<String>) -> Error {
        Error::Refused(msg.into())
    }
}

/// The errno of a std error (EIO when it carries none).
pub fn errno_of(e: &std::io::Error) -> Errno {
    e.raw_os_error().map(Errno::from_raw).unwrap_or(Errno::EIO)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Call { verb, arg, errno } => {
                write!(f, "can't {verb} '{arg}': {}", errno.desc())
            }
            Error::Refused(m) => f.write_str(m),
        }
    }
}

/// Bytes to a C string, or EINVAL for an embedded NUL.
pub fn cstring(b: &[u8]) -> std::result::Result<std::ffi::CString, Errno> {
    std::ffi::CString::new(b).map_err(|_| Errno::EINVAL)
}

pub fn cstring_os(s: &std::ffi::OsStr) -> std::result::Result<std::ffi::CString, Errno> {
    use std::os::unix::ffi::OsStrExt;
    cstring(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_the_busybox_form() {
        let e = Error::call("open", "/x", Errno::ENOENT);
        assert_eq!(e.to_string(), "can't open '/x': No such file or directory");
        let io = std::io::Error::from_raw_os_error(libc::EACCES);
        assert_eq!(
            Error::io("lock", "/y", &io).to_string(),
            "can't lock '/y': Permission denied"
        );
        assert_eq!(Error::refused("no").to_string(), "no");
    }
}
