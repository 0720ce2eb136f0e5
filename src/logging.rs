//! The one diagnostics path. Everything below the dispatcher reports with
//! the `log` macros; this module is the one logger behind them, with its
//! sinks and its one level:
//! - stderr, as `applet: message` (on unless an applet turns it off: pkgnet
//!   under inetd, a detached pkginit);
//! - syslog, under an ident and facility an applet adds (pkginit: daemon;
//!   getcpkg -d: auth);
//! - a log file, each line `YYYY-MM-DD HH:MM:SS applet[pid]: message` in
//!   UTC (pkginit -l).
//!
//! The level starts at `warn`. `PCUE_LOG` (env_logger's syntax: `debug`,
//! `pcue=trace`, `warn,pcue::ps=debug`; ignored when setuid) and an
//! applet's own switch (`getcpkg -d`, `pkgbdf -b`, pkginit's info lines)
//! only raise it. An error that ends an applet goes up to the dispatcher,
//! the only one to print it ([`final_error`]); one that does not stop the
//! work is reported with [`warn_and_go`].

use crate::error::Error;
use crate::sys::{self, syslog::Facility};
use crate::utc::{epoch_now, utc_time};
use log::{Level, LevelFilter, Log, Metadata, Record};
use std::fs::File;
use std::io::Write;
use std::sync::{Mutex, MutexGuard};

struct Sinks {
    applet: &'static str,
    stderr: bool,
    syslog: Option<(Facility, &'static str)>,
    /// Syslog lines sent straight to this socket instead (pkginit).
    syslog_path: Option<std::path::PathBuf>,
    file: Option<File>,
}

static SINKS: Mutex<Sinks> = Mutex::new(Sinks {
    applet: "pcue",
    stderr: true,
    syslog: None,
    syslog_path: None,
    file: None,
});

fn sinks() -> MutexGuard<'static, Sinks> {
    // single-threaded: a poisoned lock only means a print panicked
    SINKS.lock().unwrap_or_else(|e| e.into_inner())
}

struct Logger;
static LOGGER: Logger = Logger;

impl Log for Logger {
    fn enabled(&self, m: &Metadata) -> bool {
        m.level() <= log::max_level()
    }
    fn log(&self, r: &Record) {
        if self.enabled(r.metadata()) {
            emit(r.level(), &r.args().to_string());
        }
    }
    fn flush(&self) {}
}

impl From<Level> for sys::syslog::Priority {
    fn from(l: Level) -> Self {
        match l {
            Level::Error => sys::syslog::Priority::Err,
            Level::Warn => sys::syslog::Priority::Warning,
            Level::Info => sys::syslog::Priority::Info,
            Level::Debug | Level::Trace => sys::syslog::Priority::Debug,
        }
    }
}

/// One message to every sink, whatever the level.
fn emit(level: Level, msg: &str) {
    let mut s = sinks();
    if let Some((facility, ident)) = s.syslog {
        match &s.syslog_path {
            Some(p) => sys::syslog::send_to(p, facility, level, ident, msg),
            None => sys::syslog::send(facility, level, ident, msg),
        }
    }
    let applet = s.applet;
    if let Some(f) = s.file.as_mut() {
        let when = utc_time(epoch_now());
        let _ = writeln!(f, "{when} {applet}[{}]: {msg}", std::process::id());
    }
    if s.stderr {
        // a failed write to stderr is no reason to stop (eprintln! would panic)
        let _ = writeln!(std::io::stderr(), "{applet}: {msg}");
    }
}

/// Install the logger for `applet`: stderr, level `warn` or what
/// `PCUE_LOG` asks for above it.
pub fn init(applet: &'static str) {
    sinks().applet = applet;
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(LevelFilter::Warn);
    if let Some(v) = sys::ids::trusted_env("PCUE_LOG") {
        raise(env_level(&v));
    }
}

/// The most verbose level `PCUE_LOG` names (`off` or nonsense: none).
pub fn env_level(spec: &str) -> LevelFilter {
    spec.split(',')
        .filter_map(|d| d.rsplit('=').next()?.trim().parse::<LevelFilter>().ok())
        .max()
        .unwrap_or(LevelFilter::Off)
}

/// Let messages up to `level` through; never lowers the level.
pub fn raise(level: LevelFilter) {
    if level > log::max_level() {
        log::set_max_level(level);
    }
}

/// Stderr on or off as a sink (off: pkgnet's stderr is the client's
/// socket, a detached pkginit's is /dev/null).
pub fn stderr(on: bool) {
    sinks().stderr = on;
}

/// Also send every message to syslog, under `ident`.
pub fn add_syslog(facility: Facility, ident: &'static str) {
    sys::syslog::open(facility, ident);
    sinks().syslog = Some((facility, ident));
}

/// From now on syslog lines go straight to the socket `path` under
/// `ident`, never waiting (pkginit, once its relay owns `/dev/log`).
pub fn syslog_direct(path: std::path::PathBuf, ident: &'static str) {
    let mut s = sinks();
    if let Some((facility, _)) = s.syslog {
        s.syslog = Some((facility, ident));
    }
    s.syslog_path = Some(path);
}

/// Also append every message to `file`.
pub fn add_file(file: File) {
    sinks().file = Some(file);
}

/// From now on diagnostics and the final error go to syslog (facility
/// daemon) instead of stderr: for pkgnet, whose stderr is the client's
/// socket under inetd.
pub fn to_syslog(ident: &'static str) {
    add_syslog(Facility::Daemon, ident);
    stderr(false);
}

/// An applet's last word, from the dispatcher: to every sink.
pub fn final_error(applet: &'static str, msg: &str) {
    sinks().applet = applet;
    emit(Level::Error, msg);
}

/// Report an error that does not stop the work (the next operand, the next
/// line) and go on; the caller keeps the exit status it means.
pub fn warn_and_go(e: &Error) {
    if !e.msg.is_empty() {
        log::warn!("{}", e.msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_level_takes_the_most_verbose_directive() {
        assert_eq!(env_level("debug"), LevelFilter::Debug);
        assert_eq!(env_level("INFO"), LevelFilter::Info);
        assert_eq!(env_level("pcue=trace"), LevelFilter::Trace);
        assert_eq!(env_level("warn,pcue::ps=debug"), LevelFilter::Debug);
        assert_eq!(env_level("off"), LevelFilter::Off);
        assert_eq!(env_level("loud"), LevelFilter::Off);
        assert_eq!(env_level(""), LevelFilter::Off);
    }
}
