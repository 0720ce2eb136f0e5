//! One error type for the whole binary: a message and the exit code it means.
//!
//! Only the dispatcher prints an error and exits; everything below returns one.

use crate::sys::{self, Errno};
use std::fmt;
use std::io;

/// Conventional exit codes: 1 failure, 2 usage; an exec wrapper's own
/// failure 125, a program not executable 126, not found 127.
pub mod code {
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const EXEC_OWN: i32 = 125;
    pub const NOT_EXECUTABLE: i32 = 126;
    pub const NOT_FOUND: i32 = 127;
}

#[derive(Debug)]
pub struct Error {
    /// Exit status the dispatcher uses.
    pub code: i32,
    /// One line, without the `applet: ` prefix. Empty means "exit quietly".
    pub msg: String,
    /// A usage error: the dispatcher replaces `code` by the applet's usage code.
    pub usage: bool,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: i32, msg: impl Into<String>) -> Error {
        Error {
            code,
            msg: msg.into(),
            usage: false,
        }
    }

    /// Exit status 1 with a message.
    pub fn fail(msg: impl Into<String>) -> Error {
        Error::new(code::FAILURE, msg)
    }

    /// A bad command line; the applet table decides the exit code.
    pub fn usage(msg: impl Into<String>) -> Error {
        Error {
            code: code::USAGE,
            msg: msg.into(),
            usage: true,
        }
    }

    /// Leave with `code` and print nothing (help was printed, EPIPE...).
    pub fn quiet(code: i32) -> Error {
        Error::new(code, "")
    }

    /// `can't VERB 'ARG': strerror`, the busybox form.
    pub fn io(verb: &str, arg: impl fmt::Display, err: &io::Error) -> Error {
        Error::fail(format!("can't {verb} '{arg}': {}", strerror_io(err)))
    }

    /// The same for a raw errno.
    pub fn errno(verb: &str, arg: impl fmt::Display, err: Errno) -> Error {
        Error::fail(format!("can't {verb} '{arg}': {}", err.desc()))
    }

    /// The same error with another exit code.
    pub fn with_code(mut self, code: i32) -> Error {
        self.code = code;
        self
    }
}

/// Plain strerror text for an io::Error, without Rust's ` (os error N)`.
pub fn strerror_io(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(n) => Errno::from_raw(n).desc().to_string(),
        None => err.to_string(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

/// A failed system call: the same one-line message, exit status 1.
impl From<sys::Error> for Error {
    fn from(e: sys::Error) -> Error {
        Error::fail(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_message_has_no_os_error_suffix() {
        let e = std::fs::File::open("/nonexistent/x").unwrap_err();
        let err = Error::io("open", "/nonexistent/x", &e);
        assert_eq!(
            err.msg,
            "can't open '/nonexistent/x': No such file or directory"
        );
        assert_eq!(err.code, 1);
    }
}
