//! Standard output for every applet: `out!`/`outln!` instead of
//! `print!`/`println!`, which panic (abort, in release) when the write
//! fails. A failed write is an [`Error`]: `can't write 'standard output':
//! No space left on device`, exit status 1; a reader that went away
//! (EPIPE, with SIGPIPE blocked or ignored) ends the applet quietly with
//! status 1. The dispatcher flushes at the end through [`flush`], so a
//! line still buffered fails the same way.

use crate::error::{strerror_io, Error, Result};
use std::io::Write;

/// The error for a failed write to standard output.
pub fn write_error(e: &std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Error::quiet(crate::error::code::FAILURE);
    }
    Error::fail(format!("can't write 'standard output': {}", strerror_io(e)))
}

/// Write formatted text to standard output (what `out!` expands to).
pub fn write_fmt(args: std::fmt::Arguments<'_>) -> Result<()> {
    std::io::stdout()
        .lock()
        .write_fmt(args)
        .map_err(|e| write_error(&e))
}

/// Write bytes to standard output.
pub fn write_all(b: &[u8]) -> Result<()> {
    std::io::stdout()
        .lock()
        .write_all(b)
        .map_err(|e| write_error(&e))
}

/// Flush standard output (the dispatcher, before the exit status).
pub fn flush() -> Result<()> {
    std::io::stdout().flush().map_err(|e| write_error(&e))
}

/// `out!(...)`: `print!` that returns a `Result` instead of panicking.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::write_fmt(format_args!($($arg)*))
    };
}

/// `outln!(...)`: `println!` that returns a `Result` instead of panicking.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::out::write_all(b"\n")
    };
    ($($arg:tt)*) => {
        $crate::out::write_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// A line to standard error that never panics (eprintln! does when the
/// write fails): what is lost there cannot be reported anywhere else.
pub fn err_line(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_device_is_an_error_and_a_closed_pipe_is_quiet() {
        let full = std::io::Error::from_raw_os_error(crate::sys::Errno::ENOSPC as i32);
        let e = write_error(&full);
        assert_eq!(
            (e.code, e.msg.as_str()),
            (1, "can't write 'standard output': No space left on device")
        );
        let pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let e = write_error(&pipe);
        assert_eq!((e.code, e.msg.as_str()), (1, ""));
    }
}
