//! The running pkginit: the real [`Host`] of the state machine and the
//! event loop around it — signals through a signalfd, requests on the
//! control FIFO (reopened when replaced), deadlines of the machine — plus
//! utmp/wtmp records, the status file, and the final stop at level 0 of
//! every process left below pkginit.

use super::machine::{Host, Machine, Ms, Record, Sig};
use super::status;
use super::{ENVFILE, FIFO, INITTAB, PIDFILE, STATUS, UTMP, WTMP};
use crate::error::{Error, Result};
use crate::initctl::{self, Command};
use crate::inittab::{self, Inittab, InittabEntry};
use crate::logging;
use crate::sys::signals::Signal;
use crate::sys::syslog::Facility;
use crate::sys::{fds, fifo, fs as sysfs, locks, process, signals};
use crate::utc::epoch_now;
use crate::utmp::{self, Utmp};
use std::ffi::CString;
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Instant;

/// The PATH of the entries' processes.
const PATH: &str = "/sbin:/usr/sbin:/bin:/usr/bin";

/// How pkginit was asked to run.
pub struct Options {
    /// Also log to this file (appended).
    pub log: Option<String>,
    /// The children's stdout and stderr (appended), else /dev/null.
    pub console: Option<String>,
}

/// Read and parse the inittab.
pub fn read_inittab() -> Result<Inittab> {
    let text = std::fs::read_to_string(INITTAB).map_err(|e| Error::io("open", INITTAB, &e))?;
    Ok(inittab::parse(&text, INITTAB))
}

/// A start that failed, and the pipe to the waiting starter if detached.
type StartErr = (Error, Option<File>);

/// Everything a running pkginit holds.
struct Runtime {
    sigs: signals::Signals,
    null: File,
    out: File,
    console: String,
    ctx_root: String,
    fifo: Option<File>,
    junk: usize,
    junk_logged: Option<Instant>,
    t0: Instant,
    last_status: String,
}

/// Run pkginit until level 0: `ready` is the pipe to the starter when
/// detached (written once the first status is out, or given the reason it
/// could not start), None in the foreground.
pub fn run(a: &Options, tab: Inittab, level: u8, ready: Option<File>) -> Result<()> {
    match start(a, tab, level, ready) {
        Ok(()) => Ok(()),
        Err((e, Some(mut w))) => {
            let _ = w.write_all(e.msg.as_bytes());
            Err(Error::quiet(1))
        }
        Err((e, None)) => Err(e),
    }
}

fn start(
    a: &Options,
    tab: Inittab,
    level: u8,
    ready: Option<File>,
) -> std::result::Result<(), StartErr> {
    macro_rules! tryr {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => return Err((e.into(), ready)),
            }
        };
    }
    tryr!(std::env::set_current_dir("/").map_err(|e| Error::io("chdir", "/", &e)));
    let pidfile = match tryr!(locks::lock_pidfile(Path::new(PIDFILE))) {
        Ok(f) => f,
        Err(holder) => {
            let who = holder.map(|p| format!(" (pid {p})")).unwrap_or_default();
            return Err((
                Error::fail(format!("pkginit is already running in this package{who}")),
                ready,
            ));
        }
    };
    // a status file left by a pkginit that was killed describes nothing
    let _ = std::fs::remove_file(STATUS);
    // from here on every message, the libraries' warnings too (a FIFO
    // remade, a torn utmp record), reaches pkginit's log: syslog, the -l
    // file, and stderr only in the foreground (detached, it is /dev/null)
    logging::raise(log::LevelFilter::Info);
    logging::add_syslog(Facility::Daemon, "pkginit");
    if let Some(p) = &a.log {
        logging::add_file(tryr!(fds::open_output(Path::new(p))));
    }
    logging::stderr(ready.is_none());
    tryr!(process::set_subreaper());
    let sigs = tryr!(signals::Signals::block());
    let null = tryr!(fds::open_null());
    let (out, console) = match &a.console {
        Some(p) => (tryr!(fds::open_output(Path::new(p))), p.clone()),
        None => (tryr!(fds::open_null()), "/dev/null".to_string()),
    };
    if std::fs::symlink_metadata(FIFO).is_ok() && !sysfs::is_fifo(Path::new(FIFO)) {
        return Err((
            Error::fail(format!("'{FIFO}' exists and is not a FIFO")),
            ready,
        ));
    }
    let fifo = tryr!(fifo::open_control(Path::new(FIFO)));
    let watch = tryr!(sysfs::DirWatch::new(Path::new("/tmp")));
    let ctx_root = crate::context::ctx_root();
    let mut rt = Runtime {
        sigs,
        null,
        out,
        console,
        ctx_root,
        fifo: Some(fifo),
        junk: 0,
        junk_logged: None,
        t0: Instant::now(),
        last_status: String::new(),
    };
    if !Path::new(UTMP).exists() {
        sysfs::create_missing(Path::new(UTMP), 0o664);
    }
    if !Path::new(WTMP).exists() && Path::new("/var/log").is_dir() {
        sysfs::create_missing(Path::new(WTMP), 0o664);
    }
    rt.write_record(&Utmp::boot());
    let env = format!("ctxROOT={}\n", rt.ctx_root);
    let tmp = format!("{ENVFILE}.tmp");
    if let Err(e) = std::fs::write(&tmp, env).and_then(|_| std::fs::rename(&tmp, ENVFILE)) {
        say(log::Level::Warn, &Error::io("write", ENVFILE, &e).msg);
    }
    for m in &tab.messages {
        say(log::Level::Warn, m);
    }
    say(
        log::Level::Info,
        &format!(
            "pkginit {} started (pid {}), ctxROOT={}",
            crate::dispatch::VERSION,
            process::pid(),
            rt.ctx_root
        ),
    );
    let mut m = Machine::new(&tab, level);
    let now = rt.now();
    m.boot(&mut rt, now);
    rt.publish(&m);
    // the starter returns once the first status is there: telinit -s right
    // after pkginit shows the entries (still at level N while sysinit runs)
    if let Some(mut w) = ready {
        let _ = w.write_all(b"ok");
        drop(w);
        fds::stdio_null(&rt.null);
    }
    rt.serve(&mut m, &watch);
    let clean = rt.finish(&m);
    drop(pidfile);
    if !clean {
        return Err((Error::quiet(1), None));
    }
    Ok(())
}

impl Runtime {
    fn now(&self) -> Ms {
        self.t0.elapsed().as_millis() as Ms
    }

    fn write_record(&mut self, r: &Utmp) {
        if let Err(e) = utmp::write_utmp(Path::new(UTMP), r) {
            say(log::Level::Warn, &e.msg);
        }
        if Path::new(WTMP).exists() {
            if let Err(e) = utmp::append_wtmp(Path::new(WTMP), r) {
                say(log::Level::Warn, &e.msg);
            }
        }
    }

    /// The main loop: signals, FIFO requests, FIFO replacement, deadlines.
    fn serve(&mut self, m: &mut Machine, watch: &sysfs::DirWatch) {
        while !m.is_done() {
            let timeout = m.next_deadline().map(|d| d.saturating_sub(self.now()));
            let ready = {
                let fds = [
                    Some(std::os::fd::AsFd::as_fd(&self.sigs.fd)),
                    self.fifo.as_ref().map(|f| std::os::fd::AsFd::as_fd(f)),
                    Some(watch.as_fd()),
                ];
                fds::poll_in(&fds, timeout)
            };
            if ready[0] {
                for s in self.sigs.drain() {
                    let now = self.now();
                    match Signal::try_from(s) {
                        Ok(Signal::SIGHUP) => self.reload(m),
                        Ok(Signal::SIGTERM) | Ok(Signal::SIGINT) => {
                            say(log::Level::Info, "got SIGTERM: going to level 0");
                            m.request_level(b'0', initctl::DEFAULT_SLEEP as u32, self, now)
                        }
                        _ => {}
                    }
                }
            }
            self.reap(m);
            if ready[1] {
                self.read_fifo(m);
            }
            if ready[2] {
                watch.drain();
                self.check_fifo();
            }
            let now = self.now();
            m.tick(self, now);
            self.publish(m);
        }
    }

    fn reap(&mut self, m: &mut Machine) {
        for (pid, status) in process::reap() {
            let now = self.now();
            if !m.child_exited(pid, status, self, now) {
                log::debug!("reaped orphan {pid}");
            }
        }
    }

    fn reload(&mut self, m: &mut Machine) {
        match read_inittab() {
            Ok(tab) => {
                for msg in &tab.messages {
                    say(log::Level::Warn, msg);
                }
                say(log::Level::Info, "re-reading inittab");
                let now = self.now();
                m.reload(&tab, self, now);
            }
            Err(e) => {
                say(
                    log::Level::Error,
                    &format!("{}: keeping the old table", e.msg),
                );
                let now = self.now();
                let lvl = m.level;
                m.request_level(lvl, initctl::DEFAULT_SLEEP as u32, self, now);
            }
        }
    }

    fn read_fifo(&mut self, m: &mut Machine) {
        let Some(f) = self.fifo.as_mut() else { return };
        let buf = fds::read_available(f, 1 << 20);
        let (reqs, junk) = initctl::split(&buf);
        self.junk += junk;
        for r in reqs {
            match r {
                Ok(req) => {
                    let sleep = req.sleep_secs();
                    let now = self.now();
                    match req.command() {
                        Ok(Command::Reload) => self.reload(m),
                        Ok(Command::Level(l)) => {
                            say(
                                log::Level::Info,
                                &format!("request: run-level {} (grace {sleep} s)", l as char),
                            );
                            m.request_level(l, sleep, self, now)
                        }
                        Err(why) => say(log::Level::Warn, &format!("got bogus initrequest: {why}")),
                    }
                }
                Err(why) => say(log::Level::Warn, &format!("got bogus initrequest: {why}")),
            }
        }
        let quiet = self.junk_logged.is_some_and(|t| t.elapsed().as_secs() < 1);
        if self.junk > 0 && !quiet {
            say(
                log::Level::Warn,
                &format!(
                    "got bogus initrequest: {} bytes of garbage on {FIFO}",
                    self.junk
                ),
            );
            self.junk = 0;
            self.junk_logged = Some(Instant::now());
        }
    }

    /// The FIFO was removed or replaced: make or reopen it.
    fn check_fifo(&mut self) {
        let path = Path::new(FIFO);
        let ours = self.fifo.as_ref().and_then(sysfs::fd_id);
        if ours.is_some() && sysfs::file_id(path) == ours {
            return;
        }
        if std::fs::symlink_metadata(path).is_ok() && !sysfs::is_fifo(path) {
            say(
                log::Level::Error,
                &format!("'{FIFO}' is not a FIFO: not reopened"),
            );
            return;
        }
        match fifo::open_control(path) {
            Ok(f) => {
                say(log::Level::Info, &format!("{FIFO} replaced: reopened"));
                self.fifo = Some(f);
            }
            Err(e) => say(log::Level::Error, &e.to_string()),
        }
    }

    /// Rewrite the status file when something changed.
    fn publish(&mut self, m: &Machine) {
        let text = status::render(m, process::pid(), self.now(), epoch_now());
        if text == self.last_status {
            return;
        }
        let tmp = format!("{STATUS}.tmp");
        let ok = std::fs::write(&tmp, &text).and_then(|_| std::fs::rename(&tmp, STATUS));
        if let Err(e) = ok {
            say(log::Level::Warn, &Error::io("write", STATUS, &e).msg);
        }
        self.last_status = text;
    }

    /// After level 0: stop what is left of the package, reap it, clean up.
    /// Level 0 reached: stop every process still below pkginit (orphans it
    /// adopted as subreaper included) — TERM, then KILL after the grace time
    /// of the request. The children are listed again on every round, so a
    /// process reparented to us while its parent dies (a chain of daemons in
    /// sessions of their own) is signalled too. False when some survived.
    fn finish(&mut self, m: &Machine) -> bool {
        let grace = u128::from(m.grace()) * 1000;
        let me = process::pid();
        let first = crate::procfs::children(me);
        if !first.is_empty() {
            say(
                log::Level::Info,
                &format!("stopping {} remaining process(es)", first.len()),
            );
        }
        let mut termed: Vec<i32> = Vec::new();
        let t = Instant::now();
        // bounded: the grace time, then KILL, then at most 5 s more
        loop {
            let left = crate::procfs::children(me);
            if left.is_empty() || t.elapsed().as_millis() >= grace + 5_000 {
                break;
            }
            let kill = t.elapsed().as_millis() >= grace;
            for pid in left {
                if kill {
                    signals::kill_group(pid, Signal::SIGKILL);
                    signals::kill(pid, Signal::SIGKILL);
                } else if !termed.contains(&pid) {
                    signals::kill(pid, Signal::SIGTERM);
                    signals::kill_group(pid, Signal::SIGTERM);
                    termed.push(pid);
                }
            }
            let fds = [Some(std::os::fd::AsFd::as_fd(&self.sigs.fd))];
            fds::poll_in(&fds, Some(50));
            self.sigs.drain();
            process::reap();
        }
        process::reap();
        let survivors = crate::procfs::children(me);
        if !survivors.is_empty() {
            say(
                log::Level::Error,
                &format!(
                    "{} process(es) did not stop: {:?}",
                    survivors.len(),
                    survivors
                ),
            );
        }
        let _ = std::fs::remove_file(STATUS);
        let _ = std::fs::remove_file(ENVFILE);
        let _ = std::fs::remove_file(PIDFILE);
        say(
            log::Level::Info,
            &format!(
                "level 0 reached (previous {}): pkginit exits",
                m.prev as char
            ),
        );
        survivors.is_empty()
    }
}

impl Host for Runtime {
    fn spawn(&mut self, e: &InittabEntry, level: u8, prev: u8) -> Option<i32> {
        let words = inittab::argv(&e.process);
        let cs = |s: &str| CString::new(s.replace('\0', "")).unwrap_or_default();
        let prog = words.first().cloned().unwrap_or_default();
        let path = if prog.contains('/') {
            prog.clone()
        } else {
            PATH.split(':')
                .map(|d| format!("{d}/{prog}"))
                .find(|p| Path::new(p).is_file())
                .unwrap_or(prog.clone())
        };
        let env = [
            format!("PATH={PATH}"),
            format!("RUNLEVEL={}", level as char),
            format!("PREVLEVEL={}", prev as char),
            format!("CONSOLE={}", self.console),
            format!("INIT_VERSION=pcue-{}", crate::dispatch::VERSION),
            format!("ctxROOT={}", self.ctx_root),
        ];
        let x = process::Exec {
            path: cs(&path),
            argv: words.iter().map(|w| cs(w)).collect(),
            env: env.iter().map(|w| cs(w)).collect(),
        };
        match process::spawn(&x, self.null.as_raw_fd(), self.out.as_raw_fd(), &self.sigs) {
            Ok(pid) => {
                log::debug!("started \"{}\" as {pid}: {}", e.id, e.process);
                Some(pid)
            }
            Err(err) => {
                say(log::Level::Error, &err.to_string());
                None
            }
        }
    }

    fn kill_group(&mut self, pid: i32, sig: Sig) {
        let s = match sig {
            Sig::Term => Signal::SIGTERM,
            Sig::Kill => Signal::SIGKILL,
        };
        signals::kill_group(pid, s);
        if sig == Sig::Term {
            // a group leader's SIGCONT, as sysvinit, for stopped processes
            signals::kill_group(pid, Signal::SIGCONT);
        }
    }

    fn log(&mut self, level: log::Level, msg: &str) {
        say(level, msg);
    }

    fn record(&mut self, r: Record) {
        let rec = match r {
            Record::RunLevel { new, prev } => Utmp::run_level(new, prev),
            Record::Init { id, pid } => Utmp {
                pid,
                id,
                ..Utmp::now(utmp::INIT_PROCESS)
            },
            Record::Dead { id, pid } => Utmp {
                pid,
                id,
                ..Utmp::now(utmp::DEAD_PROCESS)
            },
        };
        self.write_record(&rec);
    }
}

/// One line of pkginit's log: syslog (daemon), the -l file, stderr in the
/// foreground — the sinks `start` gave the one logger.
fn say(level: log::Level, msg: &str) {
    log::log!(level, "{msg}");
}
