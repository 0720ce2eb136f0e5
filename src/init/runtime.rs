//! The running pkginit: the real [`Host`] of the state machine and the
//! event loop around it — signals through a signalfd, requests on the
//! control FIFO (reopened when replaced), deadlines of the machine — plus
//! utmp/wtmp records, the status file, and the final stop at level 0 of
//! every process left below pkginit.

use super::machine::{Host, Machine, Ms, Record, Sig};
use super::status;
use super::{ENVFILE, FIFO, FIFO_DIR, INITTAB, PIDFILE, STATUS, UTMP, WTMP};
use crate::error::{Error, Result};
use crate::init::initctl::{self, Command};
use crate::init::inittab::{self, Inittab, InittabEntry};
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
    /// The package's name when the node started it (`pkginit -p`): pid 1
    /// of the package cannot tell it from the mounts.
    pub package: Option<String>,
}

/// Read and parse the inittab, as every configuration file is read: a
/// regular file of bounded size (a FIFO there cannot block pkginit), bytes
/// that are not UTF-8 (a Latin-1 comment) read as U+FFFD, not as the end
/// of the package.
pub fn read_inittab() -> Result<Inittab> {
    let text = sysfs::read_text(Path::new(INITTAB)).map_err(|e| Error::io("open", INITTAB, &e))?;
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
    /// How the latest reload (telinit q, SIGHUP) ended, for the status file:
    /// telinit q waits for it and says when the old table was kept.
    reload: status::Reload,
    /// utmp and wtmp records not written yet because someone (any package
    /// user may) holds a lock on the file: tried again from the loop, one
    /// lock attempt at a time, in order; never waited for.
    queued: [Queue; 2],
    /// The package's /dev/log, relayed to the node's syslog.
    relay: Option<super::syslog_relay::Relay>,
}

/// The records waiting for one of utmp and wtmp.
#[derive(Default)]
struct Queue {
    records: std::collections::VecDeque<Utmp>,
    /// Records dropped because the queue was full.
    dropped: u64,
    /// The lock was logged since the queue was last empty.
    logged: bool,
}

/// The most records a queue keeps (some 3.8 MB): a lock held for days on
/// a package respawning all the time loses the oldest, said in the log.
const QUEUE_MAX: usize = 10_000;
/// How often the loop tries again while records wait.
const QUEUE_RETRY: Ms = 100;
/// The files the queues are for.
const RECORD_FILES: [&str; 2] = [UTMP, WTMP];

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
    let (pidfile, replaced) = match tryr!(locks::lock_pidfile(Path::new(PIDFILE))) {
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
    if replaced {
        say(
            log::Level::Warn,
            &format!("{PIDFILE}: a stale pid file someone held a read lock on: replaced"),
        );
    }
    tryr!(process::set_subreaper());
    let sigs = tryr!(signals::Signals::block());
    let null = tryr!(fds::open_null());
    let (out, console) = match &a.console {
        Some(p) => (tryr!(fds::open_output(Path::new(p))), p.clone()),
        None => (tryr!(fds::open_null()), "/dev/null".to_string()),
    };
    // requests are trusted for where they arrive: a directory no package
    // user may write to, or pkginit does not start
    if let Some(why) = sysfs::open_to_others(Path::new(FIFO_DIR)) {
        return Err((
            Error::fail(format!(
                "can't keep the control FIFO {FIFO} from users: {why}"
            )),
            ready,
        ));
    }
    if std::fs::symlink_metadata(FIFO).is_ok_and(|m| m.file_type().is_symlink()) {
        // the old layout's link /run/initctl -> /tmp/initctl, in root's own
        // directory: the FIFO takes its place
        tryr!(std::fs::remove_file(FIFO).map_err(|e| Error::io("remove", FIFO, &e)));
        log::info!("{FIFO}: the old link removed, the FIFO made in its place");
    }
    if std::fs::symlink_metadata(FIFO).is_ok() && !sysfs::is_fifo(Path::new(FIFO)) {
        return Err((
            Error::fail(format!("'{FIFO}' exists and is not a FIFO")),
            ready,
        ));
    }
    let fifo = tryr!(open_control());
    let watch = tryr!(sysfs::DirWatch::new(Path::new(FIFO_DIR)));
    let ctx_root = match &a.package {
        Some(n) => format!("/{n}"),
        None => crate::package::identity::ctx_root(),
    };
    let relay = super::syslog_relay::for_package(&ctx_root);
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
        reload: status::Reload::default(),
        queued: Default::default(),
        relay,
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

/// What the final stop at level 0 ends: pkginit's children (those it
/// started and the orphans it adopted); as pid 1 of the package's pid
/// namespace, every process of the package (joined sessions of execsh and
/// pkgnet too, whose parents are outside), but zombies a parent outside
/// has not reaped yet.
fn remaining(me: i32) -> Vec<i32> {
    if me != 1 {
        return crate::procfs::children(me);
    }
    crate::procfs::pids()
        .unwrap_or_default()
        .into_iter()
        .filter(|&p| p != 1)
        .filter(|&p| crate::procfs::read_stat(p).is_some_and(|s| s.state != 'Z'))
        .collect()
}

impl Runtime {
    fn now(&self) -> Ms {
        self.t0.elapsed().as_millis() as Ms
    }

    /// Queue `r` for utmp and (when it exists) wtmp, and write what can be
    /// written now.
    fn write_record(&mut self, r: &Utmp) {
        for (i, q) in self.queued.iter_mut().enumerate() {
            if i == 1 && !Path::new(WTMP).exists() {
                continue;
            }
            if q.records.len() >= QUEUE_MAX {
                q.records.pop_front();
                q.dropped += 1;
            }
            q.records.push_back(r.clone());
        }
        self.flush_records();
    }

    /// Write the queued records in order, each with one lock attempt: a
    /// locked file keeps its records for the next try.
    fn flush_records(&mut self) {
        for (i, q) in self.queued.iter_mut().enumerate() {
            let path = Path::new(RECORD_FILES[i]);
            let mut written = 0;
            while let Some(r) = q.records.front() {
                let done = if i == 0 {
                    utmp::try_write_utmp(path, r)
                } else {
                    utmp::try_append_wtmp(path, r)
                };
                match done {
                    Ok(true) => written += 1,
                    Ok(false) => break,
                    // not a lock: retrying would not help
                    Err(e) => say(log::Level::Warn, &e.msg),
                }
                q.records.pop_front();
            }
            let left = q.records.len();
            if left > 0 && !q.logged {
                q.logged = true;
                let who = locks::lock_holder_any(path)
                    .map(|p| format!(" by pid {p}"))
                    .unwrap_or_default();
                say(
                    log::Level::Warn,
                    &format!("{}: locked{who}: records wait in a queue", path.display()),
                );
            }
            if left == 0 && q.logged {
                q.logged = false;
                q.records.shrink_to_fit();
                say(
                    log::Level::Info,
                    &format!(
                        "{}: {written} queued record(s) written{}",
                        path.display(),
                        if q.dropped > 0 {
                            format!(", {} lost to a full queue", q.dropped)
                        } else {
                            String::new()
                        }
                    ),
                );
                q.dropped = 0;
            }
        }
    }

    fn records_waiting(&self) -> usize {
        self.queued.iter().map(|q| q.records.len()).sum()
    }

    /// The main loop: signals, FIFO requests, FIFO replacement, deadlines.
    fn serve(&mut self, m: &mut Machine, watch: &sysfs::DirWatch) {
        while !m.is_done() {
            let mut timeout = m.next_deadline().map(|d| d.saturating_sub(self.now()));
            if self.records_waiting() > 0 {
                timeout = Some(timeout.map_or(QUEUE_RETRY, |t| t.min(QUEUE_RETRY)));
            }
            let ready = {
                let fds = [
                    Some(std::os::fd::AsFd::as_fd(&self.sigs.fd)),
                    self.fifo.as_ref().map(|f| std::os::fd::AsFd::as_fd(f)),
                    Some(watch.as_fd()),
                    self.relay.as_ref().map(|r| r.fd()),
                ];
                fds::poll_in(&fds, timeout)
            };
            if ready[0] {
                for s in self.sigs.drain() {
                    let now = self.now();
                    match Signal::try_from(s) {
                        Ok(Signal::SIGHUP) => {
                            say(log::Level::Info, "got SIGHUP: re-reading inittab");
                            self.reload(m)
                        }
                        Ok(sig @ (Signal::SIGTERM | Signal::SIGINT)) => {
                            say(
                                log::Level::Info,
                                &format!("got {}: going to level 0", sig.as_str()),
                            );
                            m.request_level(b'0', initctl::DEFAULT_SLEEP as u32, self, now)
                        }
                        Ok(Signal::SIGUSR1) => self.reopen_fifo(),
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
            if let (true, Some(r)) = (ready[3], self.relay.as_mut()) {
                r.drain();
            }
            let now = self.now();
            m.tick(self, now);
            self.publish(m);
            if self.records_waiting() > 0 {
                self.flush_records();
            }
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
        let now = self.now();
        let tab = read_inittab().and_then(|tab| {
            if tab.entries.is_empty() {
                Err(Error::fail(format!("no usable entries in {INITTAB}")))
            } else {
                Ok(tab)
            }
        });
        self.reload.count += 1;
        match tab {
            Ok(tab) => {
                for msg in &tab.messages {
                    say(log::Level::Warn, msg);
                }
                say(log::Level::Info, "re-reading inittab");
                self.reload.failed = None;
                m.reload(&tab, self, now);
            }
            Err(e) => {
                say(
                    log::Level::Error,
                    &format!("{}: keeping the old table", e.msg),
                );
                self.reload.failed = Some(e.msg);
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
        match open_control() {
            Ok(f) => {
                say(log::Level::Info, &format!("{FIFO} replaced: reopened"));
                self.fifo = Some(f);
            }
            Err(e) => say(log::Level::Error, &e.to_string()),
        }
    }

    /// SIGUSR1, as sysvinit's init: open the control FIFO again, made anew
    /// when it is missing (a /run mounted over the old one), whether or not
    /// the old one is still there.
    fn reopen_fifo(&mut self) {
        match open_control() {
            Ok(f) => {
                self.fifo = Some(f);
                // the status file is written again too (into the new /run)
                self.last_status.clear();
                say(log::Level::Info, &format!("got SIGUSR1: {FIFO} reopened"));
            }
            Err(e) => say(
                log::Level::Error,
                &format!("got SIGUSR1: {FIFO} not reopened: {}", e.msg),
            ),
        }
    }

    /// Rewrite the status file when something changed.
    fn publish(&mut self, m: &Machine) {
        let mut text = status::render(m, process::pid(), self.now(), epoch_now());
        text.push_str(&self.reload.render());
        if let Some(r) = &self.relay {
            text.push_str(&r.status_line());
        }
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
        let first = remaining(me);
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
            let left = remaining(me);
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
        let survivors = remaining(me);
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
        // the last records: a few more tries, bounded (a lock held on
        // purpose must not hold up the package's stop)
        let t = Instant::now();
        while self.records_waiting() > 0 && t.elapsed().as_millis() < 1000 {
            self.flush_records();
            if self.records_waiting() > 0 {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        for (i, q) in self.queued.iter().enumerate() {
            if !q.records.is_empty() {
                say(
                    log::Level::Error,
                    &format!(
                        "{}: still locked: {} record(s) not written",
                        RECORD_FILES[i],
                        q.records.len()
                    ),
                );
            }
        }
        if let Some(r) = self.relay.as_mut() {
            r.stop();
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
            on_fail: format!("pkginit: can't execute '{path}': "),
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

/// The control FIFO, opened by `sys::fifo::open_control`; one it had to
/// remove and make anew is logged here, where the log lives.
fn open_control() -> Result<File> {
    let c = fifo::open_control(Path::new(FIFO))?;
    if c.remade {
        say(
            log::Level::Warn,
            &format!("{FIFO}: not ours or open to other writers: made anew"),
        );
    }
    Ok(c.file)
}

/// One line of pkginit's log: syslog (daemon), the -l file, stderr in the
/// foreground — the sinks `start` gave the one logger.
fn say(level: log::Level, msg: &str) {
    log::log!(level, "{msg}");
}
