//! pkginit — package init: an inittab processor with its own run-levels.

use crate::error::{Error, Result};
use crate::init::{EntryState, Host, Machine, Ms, Record, Sig, State};
use crate::initctl::{self, Command};
use crate::inittab::{self, Entry, Inittab};
use crate::sys::{self, init as sysinit};
use crate::utmp::{self, Utmp};
use argh::FromArgs;
use nix::sys::signal::Signal;
use std::ffi::{CString, OsString};
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Instant;

pub const HELP: &str = "\
NAME
    pkginit - package init: an inittab processor with its own run-levels
SYNOPSIS
    pkginit [-n] [-l FILE] [-c FILE] [LEVEL]
    pkginit --status
DESCRIPTION
    The init of one package: started by the package's start script inside
    the package root (chroot /pkg01 /corp/bin/pkginit), it reads the
    package's /etc/inittab and brings the package's services up and down by
    run-level, as sysvinit's init does for a machine, without being pid 1.
    Each package has a run-level of its own; telinit(8) run inside the
    package changes it. Only level 0 means something to pkginit: it runs
    the level-0 entries, stops what it started or adopted and exits.
    At start it runs the sysinit entries (each waited for), the boot and
    bootwait entries, then enters LEVEL, or the initdefault level of
    inittab. A missing or empty inittab, or no level to enter, is an error.
    By default it detaches, after it has locked /var/run/pkginit.pid,
    opened its FIFO, started the sysinit entries and written its first
    status, so the start script's exit status tells whether it started and
    telinit -s run next shows its entries (level N until boot is done).
    A second pkginit in the same package is refused; a stale pid
    file (a pkginit killed by a failover) is not in the way, because only
    a live pkginit holds its lock.
INITTAB
    Lines id:runlevels:action:process, as sysvinit: the id 1-4
    characters, unique; runlevels 0-6 and a, b, c (empty means all of
    0-6); actions sysinit, boot, bootwait, wait, once, respawn, ondemand,
    off, initdefault, in any case. powerwait, powerfail, powerokwait,
    powerfailnow, ctrlaltdel and kbrequest have no meaning in a package:
    warned about and ignored. Run-level s or S is refused. A bad line is
    reported as /etc/inittab[LINE]: message and skipped.
    Entries are walked in file order; a running wait entry holds back the
    entries after it. A respawn entry started 10 times within 120 seconds
    is disabled for 5 minutes (Id \"x\" respawning too fast: disabled for 5
    minutes); any run-level request, telinit q included, lifts that.
    Leaving a level, an entry that does not belong to the new one gets
    SIGTERM on its process group, and SIGKILL after the request's grace
    time (telinit -t, default 3 seconds).
PROCESSES
    A process field with any of ~`!$^&*()=|\\{}[];\"'<> or ? runs as
    /bin/sh -c FIELD (all of it: a; b runs both), otherwise it is split on
    blanks up to a word starting with #. Up to 4096 characters. A leading +
    means no utmp records for the entry.
    Each child runs in its own session with stdin on /dev/null and stdout
    and stderr on /dev/null, or appended to the file of -c (a package has
    no console). Environment: PATH=/sbin:/usr/sbin:/bin:/usr/bin,
    RUNLEVEL, PREVLEVEL, CONSOLE (the -c file or /dev/null), INIT_VERSION,
    and ctxROOT, the package root as the system sees it (/pkg01).
    Processes that pkginit does not start (cron jobs, logins) can get
    ctxROOT through PAM: pkginit writes /var/run/pkginit.env (ctxROOT=...)
    for pam_env's envfile= option, e.g. in the package's /etc/pam.d/cron:
    session required pam_env.so envfile=/var/run/pkginit.env
    pkginit is the child subreaper of the package: every orphan (a daemon
    that double-forks) becomes its child and is reaped.
SIGNALS
    SIGHUP  Re-read inittab, as telinit q: entries deleted or whose action
        changed are stopped, new ones started.
    SIGTERM  Go to level 0 (SIGINT too).
CONTROL
    Requests arrive on the FIFO /tmp/initctl (made mode 0600 if missing,
    reopened if replaced) in sysvinit's 384-byte format, so Debian's own
    telinit works too through a symlink /run/initctl -> /tmp/initctl.
    Bogus requests (wrong size, magic or level) and garbage are logged and
    ignored.
    On level 0, after its entries ran, pkginit stops every process it
    started or adopted as child subreaper, with their process groups (TERM,
    then KILL after the grace time), reaps them, removes its pid file and
    exits: 0, or 1 when some survived KILL (logged: N process(es) did not
    stop). Sessions that entered through execsh(8) or pkgnet(8) are not
    its children and are not stopped: they are the cluster's to stop (the
    package's mkpcue --umount reports their processes as busy; fuser -k or
    pkill by the admin).
OPTIONS
    -n  Stay in the foreground (messages also go to stderr).
    -l FILE  Also log to FILE (appended).
    -c FILE  Children's stdout and stderr go to FILE (appended), not
        /dev/null.
    --status  Print the run-levels and each entry's state (as telinit -s).
OPERANDS
    LEVEL  The run-level to enter instead of inittab's initdefault: 1 to 6
        only (0, a, b, c and S are refused).
FILES
    /etc/inittab, /tmp/initctl, /var/run/pkginit.pid (fcntl-locked while
    pkginit runs), /var/run/pkginit.status (rewritten on every change),
    /var/run/pkginit.env (ctxROOT for pam_env),
    /var/run/utmp (BOOT_TIME, RUN_LVL with pid = new + 256 * previous,
    INIT_PROCESS and DEAD_PROCESS per entry; made if missing),
    /var/log/wtmp (the same records appended; made if /var/log exists).
    All relative to the package root.
LOGGING
    syslog, facility daemon, ident pkginit; and the -l file.
EXIT STATUS
    0   Level 0 reached and everything it started or adopted stopped (or
        detached and running).
    1   Could not start: no inittab, nothing in it, no level, already
        running, or a system call failed; or, at level 0, some process
        survived KILL.
    2   Bad arguments (a LEVEL other than 1-6).
SEE ALSO
    telinit(8), init(8), inittab(5), who(1), last(1)
";

pub const INITTAB: &str = "/etc/inittab";
pub const FIFO: &str = "/tmp/initctl";
pub const PIDFILE: &str = "/var/run/pkginit.pid";
pub const STATUS: &str = "/var/run/pkginit.status";
pub const ENVFILE: &str = "/var/run/pkginit.env";
pub const UTMP: &str = "/var/run/utmp";
pub const WTMP: &str = "/var/log/wtmp";
const PATH: &str = "/sbin:/usr/sbin:/bin:/usr/bin";

#[derive(FromArgs)]
/// package init
struct Args {
    /// stay in the foreground
    #[argh(switch, short = 'n')]
    foreground: bool,
    /// also log to FILE
    #[argh(option, short = 'l')]
    log: Option<String>,
    /// children's output file
    #[argh(option, short = 'c')]
    console: Option<String>,
    /// print the state
    #[argh(switch)]
    status: bool,
    /// level to enter
    #[argh(positional)]
    level: Option<String>,
}

pub fn main(argv: &[OsString]) -> Result<i32> {
    let a: Args = crate::args::parse("pkginit", argv)?;
    if a.status {
        return print_status();
    }
    let level = match a.level.as_deref() {
        None => None,
        Some(l) if l.len() == 1 && matches!(l.as_bytes()[0], b'1'..=b'6') => Some(l.as_bytes()[0]),
        Some(l) => return Err(Error::usage(format!("bad run-level '{l}' (1-6)"))),
    };
    // nothing of the caller's but stdin/out/err goes with us (the
    // directory listing of the fallback is read before anything is ours)
    sysinit::close_inherited_fds();
    let tab = read_inittab()?;
    for m in &tab.messages {
        eprintln!("pkginit: {m}");
    }
    if tab.entries.is_empty() {
        return Err(Error::fail(format!("no usable entries in {INITTAB}")));
    }
    let Some(level) = level.or(tab.default_level) else {
        return Err(Error::fail(format!(
            "no initdefault entry in {INITTAB} and no level given"
        )));
    };
    let ready = if a.foreground {
        None
    } else {
        match sysinit::detach()? {
            None => return Ok(0),
            Some(w) => Some(w),
        }
    };
    match start(&a, tab, level, ready) {
        Ok(()) => Ok(0),
        Err((e, Some(mut w))) => {
            let _ = w.write_all(e.msg.as_bytes());
            Err(Error::quiet(1))
        }
        Err((e, None)) => Err(e),
    }
}

fn read_inittab() -> Result<Inittab> {
    let text = std::fs::read_to_string(INITTAB).map_err(|e| Error::io("open", INITTAB, &e))?;
    Ok(inittab::parse(&text, INITTAB))
}

/// Everything a running pkginit holds.
struct Runtime {
    log: Logger,
    sigs: sysinit::Signals,
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

type StartErr = (Error, Option<File>);

fn start(
    a: &Args,
    tab: Inittab,
    level: u8,
    ready: Option<File>,
) -> std::result::Result<(), StartErr> {
    macro_rules! tryr {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => return Err((e, ready)),
            }
        };
    }
    sys::syslog_open(sys::Facility::Daemon, "pkginit");
    tryr!(std::env::set_current_dir("/").map_err(|e| Error::io("chdir", "/", &e)));
    let pidfile = match tryr!(sysinit::lock_pidfile(Path::new(PIDFILE))) {
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
    let log_file = match &a.log {
        Some(p) => Some(tryr!(sysinit::open_output(Path::new(p)))),
        None => None,
    };
    tryr!(sysinit::set_subreaper());
    let sigs = tryr!(sysinit::Signals::block());
    let null = tryr!(sysinit::open_null());
    let (out, console) = match &a.console {
        Some(p) => (tryr!(sysinit::open_output(Path::new(p))), p.clone()),
        None => (tryr!(sysinit::open_null()), "/dev/null".to_string()),
    };
    if std::fs::symlink_metadata(FIFO).is_ok() && !sysinit::is_fifo(Path::new(FIFO)) {
        return Err((
            Error::fail(format!("'{FIFO}' exists and is not a FIFO")),
            ready,
        ));
    }
    let fifo = tryr!(sysinit::open_control_fifo(Path::new(FIFO)));
    let watch = tryr!(sysinit::DirWatch::new(Path::new("/tmp")));
    let ctx_root = match crate::context::root_identity() {
        Ok(crate::context::Root::MountPoint(p)) => p.display().to_string(),
        Ok(crate::context::Root::Marker(n)) => format!("/{n}"),
        Ok(crate::context::Root::System) => "/".to_string(),
        Err(e) => {
            log::warn!("can't tell the package root ({}): ctxROOT=/", e.msg);
            "/".to_string()
        }
    };
    let foreground = ready.is_none();
    let mut rt = Runtime {
        log: Logger {
            file: log_file,
            stderr: foreground,
        },
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
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode_0664()
            .open(UTMP);
    }
    if !Path::new(WTMP).exists() && Path::new("/var/log").is_dir() {
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode_0664()
            .open(WTMP);
    }
    rt.write_record(&Utmp::boot());
    let env = format!("ctxROOT={}\n", rt.ctx_root);
    let tmp = format!("{ENVFILE}.tmp");
    if let Err(e) = std::fs::write(&tmp, env).and_then(|_| std::fs::rename(&tmp, ENVFILE)) {
        rt.log
            .msg(log::Level::Warn, &Error::io("write", ENVFILE, &e).msg);
    }
    for m in &tab.messages {
        rt.log.msg(log::Level::Warn, m);
    }
    rt.log.msg(
        log::Level::Info,
        &format!(
            "pkginit {} started (pid {}), ctxROOT={}",
            crate::dispatch::VERSION,
            sysinit::getpid(),
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
        sysinit::stdio_null(&rt.null);
    }
    rt.run(&mut m, &watch);
    let clean = rt.finish(&m);
    drop(pidfile);
    if !clean {
        return Err((Error::quiet(1), None));
    }
    Ok(())
}

trait Mode0664 {
    fn mode_0664(&mut self) -> &mut Self;
}
impl Mode0664 for std::fs::OpenOptions {
    fn mode_0664(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.mode(0o664)
            .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
    }
}

impl Runtime {
    fn now(&self) -> Ms {
        self.t0.elapsed().as_millis() as Ms
    }

    fn write_record(&mut self, r: &Utmp) {
        if let Err(e) = utmp::write_utmp(Path::new(UTMP), r) {
            self.log.msg(log::Level::Warn, &e.msg);
        }
        if Path::new(WTMP).exists() {
            if let Err(e) = utmp::append_wtmp(Path::new(WTMP), r) {
                self.log.msg(log::Level::Warn, &e.msg);
            }
        }
    }

    /// The main loop: signals, FIFO requests, FIFO replacement, deadlines.
    fn run(&mut self, m: &mut Machine, watch: &sysinit::DirWatch) {
        while !m.is_done() {
            let timeout = m.next_deadline().map(|d| d.saturating_sub(self.now()));
            let ready = {
                let fds = [
                    Some(std::os::fd::AsFd::as_fd(&self.sigs.fd)),
                    self.fifo.as_ref().map(|f| std::os::fd::AsFd::as_fd(f)),
                    Some(watch.as_fd()),
                ];
                sysinit::poll_in(&fds, timeout)
            };
            if ready[0] {
                for s in self.sigs.drain() {
                    let now = self.now();
                    match Signal::try_from(s) {
                        Ok(Signal::SIGHUP) => self.reload(m),
                        Ok(Signal::SIGTERM) | Ok(Signal::SIGINT) => {
                            self.log
                                .msg(log::Level::Info, "got SIGTERM: going to level 0");
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
        for (pid, status) in sysinit::reap() {
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
                    self.log.msg(log::Level::Warn, msg);
                }
                self.log.msg(log::Level::Info, "re-reading inittab");
                let now = self.now();
                m.reload(&tab, self, now);
            }
            Err(e) => {
                self.log.msg(
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
        let buf = sysinit::read_available(f, 1 << 20);
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
                            self.log.msg(
                                log::Level::Info,
                                &format!("request: run-level {} (grace {sleep} s)", l as char),
                            );
                            m.request_level(l, sleep, self, now)
                        }
                        Err(why) => self
                            .log
                            .msg(log::Level::Warn, &format!("got bogus initrequest: {why}")),
                    }
                }
                Err(why) => self
                    .log
                    .msg(log::Level::Warn, &format!("got bogus initrequest: {why}")),
            }
        }
        let quiet = self.junk_logged.is_some_and(|t| t.elapsed().as_secs() < 1);
        if self.junk > 0 && !quiet {
            self.log.msg(
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
        let ours = self.fifo.as_ref().and_then(sysinit::fd_id);
        if ours.is_some() && sysinit::file_id(path) == ours {
            return;
        }
        if std::fs::symlink_metadata(path).is_ok() && !sysinit::is_fifo(path) {
            self.log.msg(
                log::Level::Error,
                &format!("'{FIFO}' is not a FIFO: not reopened"),
            );
            return;
        }
        match sysinit::open_control_fifo(path) {
            Ok(f) => {
                self.log
                    .msg(log::Level::Info, &format!("{FIFO} replaced: reopened"));
                self.fifo = Some(f);
            }
            Err(e) => self.log.msg(log::Level::Error, &e.msg),
        }
    }

    /// Rewrite the status file when something changed.
    fn publish(&mut self, m: &Machine) {
        let text = render_status(m, sysinit::getpid(), self.now(), epoch_now());
        if text == self.last_status {
            return;
        }
        let tmp = format!("{STATUS}.tmp");
        let ok = std::fs::write(&tmp, &text).and_then(|_| std::fs::rename(&tmp, STATUS));
        if let Err(e) = ok {
            self.log
                .msg(log::Level::Warn, &Error::io("write", STATUS, &e).msg);
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
        let me = sysinit::getpid();
        let first = children(me);
        if !first.is_empty() {
            self.log.msg(
                log::Level::Info,
                &format!("stopping {} remaining process(es)", first.len()),
            );
        }
        let mut termed: Vec<i32> = Vec::new();
        let t = Instant::now();
        // bounded: the grace time, then KILL, then at most 5 s more
        loop {
            let left = children(me);
            if left.is_empty() || t.elapsed().as_millis() >= grace + 5_000 {
                break;
            }
            let kill = t.elapsed().as_millis() >= grace;
            for pid in left {
                if kill {
                    sysinit::kill_group(pid, Signal::SIGKILL);
                    sysinit::kill(pid, Signal::SIGKILL);
                } else if !termed.contains(&pid) {
                    sysinit::kill(pid, Signal::SIGTERM);
                    sysinit::kill_group(pid, Signal::SIGTERM);
                    termed.push(pid);
                }
            }
            let fds = [Some(std::os::fd::AsFd::as_fd(&self.sigs.fd))];
            sysinit::poll_in(&fds, Some(50));
            self.sigs.drain();
            sysinit::reap();
        }
        sysinit::reap();
        let survivors = children(me);
        if !survivors.is_empty() {
            self.log.msg(
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
        self.log.msg(
            log::Level::Info,
            &format!(
                "level 0 reached (previous {}): pkginit exits",
                m.prev as char
            ),
        );
        survivors.is_empty()
    }
}

/// Our direct children, from /proc.
fn children(me: i32) -> Vec<i32> {
    crate::pscan::pids()
        .unwrap_or_default()
        .into_iter()
        .filter(|pid| crate::procfs::read_stat(*pid).is_some_and(|s| s.ppid == me))
        .collect()
}

impl Host for Runtime {
    fn spawn(&mut self, e: &Entry, level: u8, prev: u8) -> Option<i32> {
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
        let x = sysinit::Exec {
            path: cs(&path),
            argv: words.iter().map(|w| cs(w)).collect(),
            env: env.iter().map(|w| cs(w)).collect(),
        };
        match sysinit::spawn(&x, self.null.as_raw_fd(), self.out.as_raw_fd(), &self.sigs) {
            Ok(pid) => {
                log::debug!("started \"{}\" as {pid}: {}", e.id, e.process);
                Some(pid)
            }
            Err(err) => {
                self.log.msg(log::Level::Error, &err.msg);
                None
            }
        }
    }

    fn kill_group(&mut self, pid: i32, sig: Sig) {
        let s = match sig {
            Sig::Term => Signal::SIGTERM,
            Sig::Kill => Signal::SIGKILL,
        };
        sysinit::kill_group(pid, s);
        if sig == Sig::Term {
            // a group leader's SIGCONT, as sysvinit, for stopped processes
            sysinit::kill_group(pid, Signal::SIGCONT);
        }
    }

    fn log(&mut self, level: log::Level, msg: &str) {
        self.log.msg(level, msg);
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

/// Messages: syslog (daemon), the -l file, stderr in the foreground.
struct Logger {
    file: Option<File>,
    stderr: bool,
}

impl Logger {
    fn msg(&mut self, level: log::Level, msg: &str) {
        sys::syslog(sys::Facility::Daemon, level, "pkginit", msg);
        if let Some(f) = self.file.as_mut() {
            let _ = writeln!(
                f,
                "{} pkginit[{}]: {msg}",
                utc_time(epoch_now()),
                sysinit::getpid()
            );
        }
        if self.stderr && level <= log::Level::Info {
            eprintln!("pkginit: {msg}");
        }
    }
}

fn epoch_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn utc_time(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    // civil from days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The status file: `key value` lines, then one `entry` line per entry.
pub fn render_status(m: &Machine, pid: i32, now: Ms, epoch: u64) -> String {
    let mut s = format!(
        "level {}\nprev {}\npid {pid}\n",
        m.level as char, m.prev as char
    );
    for EntryState {
        id,
        action,
        levels,
        state,
    } in m.states()
    {
        let st = match state {
            State::Running(p) => format!("running {p}"),
            State::Stopping(p) => format!("stopping {p}"),
            State::Stopped(None) => "stopped -".into(),
            State::Stopped(Some(w)) => format!("stopped {}", wait_text(w)),
            State::Throttled(t) => format!("throttled {}", epoch + t.saturating_sub(now) / 1000),
        };
        s.push_str(&format!("entry {id} {} {levels} {st}\n", action.name()));
    }
    s
}

fn wait_text(w: i32) -> String {
    if libc::WIFSIGNALED(w) {
        format!("signal-{}", libc::WTERMSIG(w))
    } else {
        format!("exit-{}", libc::WEXITSTATUS(w))
    }
}

/// `telinit -s`, `pkginit --status`: the status file, for people.
pub fn print_status() -> Result<i32> {
    let Some(holder) = sysinit::lock_holder(Path::new(PIDFILE)) else {
        return Err(Error::fail("pkginit is not running in this package"));
    };
    let text = match std::fs::read_to_string(STATUS) {
        Ok(t) => t,
        // running, but its first status is not written yet
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("pkginit is starting (pid {holder})");
            return Ok(0);
        }
        Err(e) => return Err(Error::io("read", STATUS, &e)),
    };
    let now = epoch_now();
    let mut out = String::new();
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix(' '))
            .unwrap_or("?")
            .to_string()
    };
    out.push_str(&format!(
        "run-level {} (previous {}), pkginit pid {}\n",
        field("level"),
        field("prev"),
        field("pid")
    ));
    out.push_str(&format!(
        "{:<5} {:<11} {:<8} {}\n",
        "ID", "ACTION", "LEVELS", "STATE"
    ));
    for l in text.lines().filter_map(|l| l.strip_prefix("entry ")) {
        let f: Vec<&str> = l.split(' ').collect();
        if f.len() < 5 {
            continue;
        }
        let state = match (f[3], f[4]) {
            ("running", p) => format!("running (pid {p})"),
            ("stopping", p) => format!("stopping (pid {p})"),
            ("stopped", "-") => "stopped".into(),
            ("stopped", w) => format!("stopped ({})", w.replace('-', " ")),
            ("throttled", t) => {
                let t: u64 = t.parse().unwrap_or(0);
                format!(
                    "throttled until {} UTC ({} s)",
                    utc_time(t),
                    t.saturating_sub(now)
                )
            }
            (s, _) => s.to_string(),
        };
        out.push_str(&format!("{:<5} {:<11} {:<8} {state}\n", f[0], f[1], f[2]));
    }
    print!("{out}");
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00");
        assert_eq!(utc_time(1_700_000_000), "2023-11-14 22:13:20");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00:00");
    }
}
