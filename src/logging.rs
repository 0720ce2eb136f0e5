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
//! A message passes when its level is within the applet's own level, which
//! starts at `warn` and an applet's switch only raises (`getcpkg -d`,
//! `pkgbdf -b`, pkginit's info lines), or when `PCUE_LOG` lets it through:
//! env_logger's filter syntax, read by env_logger's own filter crate
//! (`debug`, `pcue=trace`, `warn,pcue::view=debug`: module paths count; a
//! spec it cannot parse is ignored; the variable is ignored when setuid).
//! The stderr sink is env_logger's, writing `applet: message`; the syslog
//! and log-file sinks are ours. An error that ends an applet goes up to the
//! dispatcher, the only one to print it ([`final_error`]); one that does
//! not stop the work is reported with [`warn_and_go`].

use crate::error::Error;
use crate::sys::{self, syslog::Facility};
use crate::utc::{epoch_now, utc_time};
use env_filter::Filter;
use log::{Level, LevelFilter, Log, Metadata, Record};
use std::fs::File;
use std::io::Write;
use std::sync::{Mutex, MutexGuard, OnceLock};

struct Sinks {
    applet: &'static str,
    /// The applet's own level: `warn`, raised by its switches.
    level: LevelFilter,
    stderr: bool,
    syslog: Option<(Facility, &'static str)>,
    /// Syslog lines sent straight to this socket instead (pkginit).
    syslog_path: Option<std::path::PathBuf>,
    file: Option<File>,
}

static SINKS: Mutex<Sinks> = Mutex::new(Sinks {
    applet: "pcue",
    level: LevelFilter::Warn,
    stderr: true,
    syslog: None,
    syslog_path: None,
    file: None,
});

fn sinks() -> MutexGuard<'static, Sinks> {
    // single-threaded: a poisoned lock only means a print panicked
    SINKS.lock().unwrap_or_else(|e| e.into_inner())
}

/// `PCUE_LOG`'s filter, when it is set and parses.
static PCUE_LOG: OnceLock<Filter> = OnceLock::new();

/// The stderr sink: env_logger, writing each record it is handed as
/// `applet: message` (write errors ignored: no reason to stop).
fn stderr_sink() -> &'static env_logger::Logger {
    static STDERR: OnceLock<env_logger::Logger> = OnceLock::new();
    STDERR.get_or_init(|| {
        env_logger::Builder::new()
            .filter_level(LevelFilter::Trace)
            .target(env_logger::Target::Stderr)
            .write_style(env_logger::WriteStyle::Never)
            .format(|buf, r| writeln!(buf, "{}: {}", sinks().applet, r.args()))
            .build()
    })
}

/// `PCUE_LOG`'s text as env_logger's filter; None when it does not parse.
fn filter_of(spec: &str) -> Option<Filter> {
    let mut b = env_filter::Builder::new();
    b.try_parse(spec).ok().map(|b| b.build())
}

/// Whether a message passes: within the applet's own level, or let
/// through by `PCUE_LOG`.
fn passes(own: LevelFilter, filter: Option<&Filter>, r: &Record) -> bool {
    r.level() <= own || filter.is_some_and(|f| f.matches(r))
}

struct Logger;
static LOGGER: Logger = Logger;

impl Log for Logger {
    fn enabled(&self, m: &Metadata) -> bool {
        m.level() <= sinks().level || PCUE_LOG.get().is_some_and(|f| f.enabled(m))
    }
    fn log(&self, r: &Record) {
        let own = sinks().level;
        if passes(own, PCUE_LOG.get(), r) {
            emit(r);
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
fn emit(r: &Record) {
    let level = r.level();
    let msg = r.args().to_string();
    let to_stderr = {
        let mut s = sinks();
        if let Some((facility, ident)) = s.syslog {
            match &s.syslog_path {
                Some(p) => sys::syslog::send_to(p, facility, level, ident, &msg),
                None => sys::syslog::send(facility, level, ident, &msg),
            }
        }
        let applet = s.applet;
        if let Some(f) = s.file.as_mut() {
            let when = utc_time(epoch_now());
            let _ = writeln!(f, "{when} {applet}[{}]: {msg}", std::process::id());
        }
        s.stderr
    };
    // the sink's format reads the applet's name: the lock is released
    if to_stderr {
        stderr_sink().log(r);
    }
}

/// Install the logger for `applet`: stderr, level `warn`, and what
/// `PCUE_LOG` lets through besides.
pub fn init(applet: &'static str) {
    sinks().applet = applet;
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(LevelFilter::Warn);
    if let Some(f) = sys::ids::trusted_env("PCUE_LOG").and_then(|v| filter_of(&v)) {
        log::set_max_level(f.filter().max(LevelFilter::Warn));
        let _ = PCUE_LOG.set(f);
    }
}

/// Let the applet's messages up to `level` through; never lowers the level.
pub fn raise(level: LevelFilter) {
    let mut s = sinks();
    s.level = s.level.max(level);
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
    emit(
        &Record::builder()
            .level(Level::Error)
            .target(applet)
            .args(format_args!("{msg}"))
            .build(),
    );
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

    /// Whether a message at `level` from module `target` passes with the
    /// applet's level `own` and `PCUE_LOG=spec`.
    fn passes_with(own: LevelFilter, spec: Option<&str>, level: Level, target: &str) -> bool {
        let filter = spec.map(|s| filter_of(s).unwrap());
        let r = Record::builder()
            .level(level)
            .target(target)
            .args(format_args!("m"))
            .build();
        passes(own, filter.as_ref(), &r)
    }

    #[test]
    fn pcue_log_is_env_loggers_filter() {
        let w = LevelFilter::Warn;
        let (view, reg) = ("pcue::view::listing", "pcue::registry");
        assert!(passes_with(w, None, Level::Warn, reg));
        assert!(!passes_with(w, None, Level::Info, reg));
        assert!(passes_with(w, Some("debug"), Level::Debug, reg));
        assert!(!passes_with(w, Some("debug"), Level::Trace, reg));
        assert!(passes_with(w, Some("INFO"), Level::Info, reg));
        assert!(passes_with(w, Some("pcue=trace"), Level::Trace, view));
        // module paths count: only the view module's debug lines
        let spec = Some("warn,pcue::view=debug");
        assert!(passes_with(w, spec, Level::Debug, view));
        assert!(!passes_with(w, spec, Level::Debug, reg));
        assert!(passes_with(w, spec, Level::Warn, reg));
        // PCUE_LOG never lowers the applet's own level
        assert!(passes_with(w, Some("off"), Level::Warn, reg));
        assert!(!passes_with(w, Some("off"), Level::Info, reg));
        // an applet's switch (getcpkg -d) raises its own level
        assert!(passes_with(
            LevelFilter::Debug,
            Some("off"),
            Level::Debug,
            reg
        ));
        // `/text`: only messages holding it
        assert!(passes_with(w, Some("debug/m"), Level::Debug, reg));
        assert!(!passes_with(w, Some("debug/zz"), Level::Debug, reg));
    }

    #[test]
    fn a_spec_that_does_not_parse_is_ignored() {
        assert!(filter_of("pcue=loud").is_none());
        assert!(filter_of("a=b=c").is_none());
        // empty: env_logger's default, errors only (nothing beyond warn)
        assert_eq!(filter_of("").map(|f| f.filter()), Some(LevelFilter::Error));
        assert_eq!(
            filter_of("warn,pcue::view=debug").map(|f| f.filter()),
            Some(LevelFilter::Debug)
        );
    }
}
