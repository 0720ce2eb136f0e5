//! pkginit's state machine: which inittab entries run, in what order, when
//! they are stopped, and the respawn throttle. No system calls: the clock is
//! a number of milliseconds handed in, and processes are started, signalled
//! and recorded through the [`Host`] trait, so tests drive it with a fake.
//!
//! sysvinit's rules, as kept here:
//! - At start: `sysinit` entries (each waited for), then `boot` (not
//!   waited) and `bootwait` (waited), then the initial run-level.
//! - In a level, entries are walked in file order: `respawn`/`ondemand` are
//!   kept running, `once` and `wait` run once per entry into the level, and
//!   a running `wait` entry holds back every entry after it.
//! - Changing level first stops the entries that do not belong to the new
//!   level (TERM to the process group, KILL after the grace time), then
//!   starts the new level's entries.
//! - Respawn throttle: the 11th start within 120 s is refused and the entry
//!   disabled for 5 minutes; any run-level request lifts it.
//! - Level 0: after its entries ran, everything still running is stopped
//!   and the machine is done.

use crate::init::inittab::{Action, Inittab, InittabEntry};

/// Monotonic milliseconds.
pub type Ms = u64;

pub const THROTTLE_STARTS: u32 = 10;
pub const THROTTLE_WINDOW: Ms = 120_000;
pub const THROTTLE_PAUSE: Ms = 300_000;
/// Retry delay after a failed fork.
pub const FORK_RETRY: Ms = 5_000;

/// The level before the first one, in RUN_LVL records.
pub const NO_LEVEL: u8 = b'N';

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sig {
    Term,
    Kill,
}

/// utmp/wtmp records the machine asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    RunLevel { new: u8, prev: u8 },
    Init { id: String, pid: i32 },
    Dead { id: String, pid: i32 },
}

/// What the machine does to the world.
pub trait Host {
    /// Start `e`'s process (in its own session); its pid, None when the
    /// fork failed.
    fn spawn(&mut self, e: &InittabEntry, level: u8, prev: u8) -> Option<i32>;
    /// Signal the process group led by `pid`.
    fn kill_group(&mut self, pid: i32, sig: Sig);
    fn log(&mut self, level: log::Level, msg: &str);
    fn record(&mut self, r: Record);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Sysinit,
    Boot,
    Level,
    Final,
    Done,
}

#[derive(Clone, Debug)]
struct Slot {
    entry: InittabEntry,
    pid: Option<i32>,
    /// A once/wait/boot entry ran in this level (or at start).
    done: bool,
    window_start: Ms,
    starts: u32,
    throttled_until: Option<Ms>,
    /// TERM sent; KILL at this time.
    stop_deadline: Option<Ms>,
    killed: bool,
    /// Started by an ondemand request (a, b, c).
    demanded: bool,
    /// The last wait status.
    last_status: Option<i32>,
}

impl Slot {
    fn new(entry: InittabEntry) -> Slot {
        Slot {
            entry,
            pid: None,
            done: false,
            window_start: 0,
            starts: 0,
            throttled_until: None,
            stop_deadline: None,
            killed: false,
            demanded: false,
            last_status: None,
        }
    }

    fn stopping(&self) -> bool {
        self.pid.is_some() && self.stop_deadline.is_some()
    }

    fn is_boot(&self) -> bool {
        matches!(
            self.entry.action,
            Action::Sysinit | Action::Boot | Action::Bootwait
        )
    }

    /// Waited for: later entries start only after it exits.
    fn waited(&self) -> bool {
        matches!(
            self.entry.action,
            Action::Sysinit | Action::Bootwait | Action::Wait
        )
    }
}

/// An entry's state, for `telinit -s`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    Running(i32),
    Stopping(i32),
    /// Not running; the last wait status if it ran.
    Stopped(Option<i32>),
    Throttled(Ms),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryState {
    pub id: String,
    pub action: Action,
    pub levels: String,
    pub state: State,
}

pub struct Machine {
    slots: Vec<Slot>,
    /// Entries deleted or changed by a reload, being stopped.
    retired: Vec<Slot>,
    pub level: u8,
    pub prev: u8,
    stage: Stage,
    default_level: u8,
    /// Grace time of the stop in progress, in seconds.
    sleep: u32,
    /// A level change that came while entries were being stopped.
    pending: Option<(u8, u32)>,
    /// Process groups sent TERM, and when they get KILL even if their
    /// leader has exited (a member that ignores TERM).
    group_kills: Vec<(i32, Ms)>,
}

impl Machine {
    pub fn new(tab: &Inittab, default_level: u8) -> Machine {
        Machine {
            slots: tab.entries.iter().cloned().map(Slot::new).collect(),
            retired: Vec::new(),
            level: NO_LEVEL,
            prev: NO_LEVEL,
            stage: Stage::Sysinit,
            default_level,
            sleep: 3,
            pending: None,
            group_kills: Vec::new(),
        }
    }

    /// Run the start-up entries and enter the initial level.
    pub fn boot(&mut self, host: &mut dyn Host, now: Ms) {
        self.stage = Stage::Sysinit;
        self.step(host, now);
    }

    /// Level 0 ran and everything is stopped.
    pub fn is_done(&self) -> bool {
        self.stage == Stage::Done
    }

    /// The grace time (seconds) of the latest run-level request.
    pub fn grace(&self) -> u32 {
        self.sleep
    }

    /// A run-level request (`0`-`6`, `a`-`c`) with its grace time.
    pub fn request_level(&mut self, level: u8, sleep: u32, host: &mut dyn Host, now: Ms) {
        self.clear_throttle();
        if self.stage >= Stage::Final {
            return;
        }
        if matches!(level, b'a'..=b'c') {
            for s in &mut self.slots {
                if s.entry.action == Action::Ondemand && s.entry.has_level(level) {
                    s.demanded = true;
                }
            }
            host.log(
                log::Level::Info,
                &format!("starting ondemand level {}", level as char),
            );
        } else if self.stage < Stage::Level && level != b'0' {
            // sysinit and boot first; then this level instead of initdefault
            self.pending = Some((level, sleep));
        } else if level == self.level && self.stage == Stage::Level {
            host.log(
                log::Level::Info,
                &format!("already at run-level {}", level as char),
            );
        } else if self.any_stopping() {
            self.pending = Some((level, sleep));
        } else {
            self.change_level(level, sleep, host, now);
        }
        self.step(host, now);
    }

    /// `telinit q` / SIGHUP with the re-read inittab: entries deleted or
    /// whose action changed are stopped, new ones started.
    pub fn reload(&mut self, tab: &Inittab, host: &mut dyn Host, now: Ms) {
        self.clear_throttle();
        if self.stage >= Stage::Final {
            return;
        }
        let mut old = std::mem::take(&mut self.slots);
        for e in &tab.entries {
            let slot = match old
                .iter()
                .position(|s| s.entry.id == e.id && s.entry.action == e.action)
            {
                Some(i) => {
                    let mut s = old.remove(i);
                    s.entry = e.clone();
                    s
                }
                None => Slot::new(e.clone()),
            };
            self.slots.push(slot);
        }
        for mut s in old {
            if let Some(pid) = s.pid {
                host.log(
                    log::Level::Info,
                    &format!("stopping removed entry \"{}\"", s.entry.id),
                );
                if s.stop_deadline.is_none() {
                    host.kill_group(pid, Sig::Term);
                    let d = now + self.sleep as Ms * 1000;
                    s.stop_deadline = Some(d);
                    self.group_kills.push((pid, d));
                }
                self.retired.push(s);
            }
        }
        self.stop_strays(self.sleep, host, now);
        self.step(host, now);
    }

    /// A child was reaped. True when it was one of the entries.
    pub fn child_exited(&mut self, pid: i32, status: i32, host: &mut dyn Host, now: Ms) -> bool {
        let found = if let Some(s) = self.slots.iter_mut().find(|s| s.pid == Some(pid)) {
            Self::exited(s, status, host);
            true
        } else if let Some(i) = self.retired.iter().position(|s| s.pid == Some(pid)) {
            let mut s = self.retired.remove(i);
            Self::exited(&mut s, status, host);
            true
        } else {
            false
        };
        if found {
            self.step(host, now);
        }
        found
    }

    fn exited(s: &mut Slot, status: i32, host: &mut dyn Host) {
        if let Some(pid) = s.pid.take() {
            // a daemon that dies on its own says how in the package's log
            let respawns = matches!(s.entry.action, Action::Respawn | Action::Ondemand);
            if respawns && s.stop_deadline.is_none() {
                let level = if status == 0 {
                    log::Level::Info
                } else {
                    log::Level::Warn
                };
                host.log(
                    level,
                    &format!(
                        "Id \"{}\" (pid {pid}) {}",
                        s.entry.id,
                        describe_status(status)
                    ),
                );
            }
            if !s.entry.no_utmp {
                host.record(Record::Dead {
                    id: s.entry.id.clone(),
                    pid,
                });
            }
        }
        s.last_status = Some(status);
        s.stop_deadline = None;
        s.killed = false;
    }

    /// Time passed: KILL what outlived its grace time, lift expired
    /// throttles.
    pub fn tick(&mut self, host: &mut dyn Host, now: Ms) {
        for s in self.slots.iter_mut().chain(self.retired.iter_mut()) {
            if let (Some(pid), Some(d)) = (s.pid, s.stop_deadline) {
                if d <= now && !s.killed {
                    host.log(
                        log::Level::Info,
                        &format!(
                            "entry \"{}\" (pid {pid}) ignored TERM: killing it",
                            s.entry.id
                        ),
                    );
                    host.kill_group(pid, Sig::Kill);
                    s.killed = true;
                }
            }
            if s.throttled_until.is_some_and(|t| t <= now) {
                s.throttled_until = None;
                s.starts = 0;
            }
        }
        let (due, later): (Vec<_>, Vec<_>) = self.group_kills.iter().partition(|(_, d)| *d <= now);
        self.group_kills = later;
        for (pgid, _) in due {
            let leader_killed = self
                .slots
                .iter()
                .chain(self.retired.iter())
                .any(|s| s.pid == Some(pgid));
            if !leader_killed {
                host.kill_group(pgid, Sig::Kill);
            }
        }
        self.step(host, now);
    }

    /// When `tick` has something to do next.
    pub fn next_deadline(&self) -> Option<Ms> {
        self.slots
            .iter()
            .chain(self.retired.iter())
            .flat_map(|s| {
                let stop = s.stop_deadline.filter(|_| s.pid.is_some() && !s.killed);
                [stop, s.throttled_until]
            })
            .flatten()
            .chain(self.group_kills.iter().map(|(_, d)| *d))
            .min()
    }

    pub fn states(&self) -> Vec<EntryState> {
        self.slots
            .iter()
            .map(|s| EntryState {
                id: s.entry.id.clone(),
                action: s.entry.action,
                levels: s.entry.levels.clone(),
                state: match (s.pid, s.stop_deadline, s.throttled_until) {
                    (Some(p), Some(_), _) => State::Stopping(p),
                    (Some(p), None, _) => State::Running(p),
                    (None, _, Some(t)) => State::Throttled(t),
                    (None, _, None) => State::Stopped(s.last_status),
                },
            })
            .collect()
    }

    fn clear_throttle(&mut self) {
        for s in &mut self.slots {
            s.throttled_until = None;
            s.starts = 0;
        }
    }

    fn any_stopping(&self) -> bool {
        self.slots
            .iter()
            .chain(self.retired.iter())
            .any(Slot::stopping)
    }

    fn should_run(&self, s: &Slot) -> bool {
        match self.stage {
            Stage::Sysinit | Stage::Boot => s.is_boot(),
            Stage::Level => {
                s.is_boot()
                    || (matches!(
                        s.entry.action,
                        Action::Wait | Action::Once | Action::Respawn | Action::Ondemand
                    ) && (s.entry.has_level(self.level) || s.demanded))
            }
            Stage::Final | Stage::Done => false,
        }
    }

    fn change_level(&mut self, level: u8, sleep: u32, host: &mut dyn Host, now: Ms) {
        self.prev = self.level;
        self.level = level;
        self.stage = Stage::Level;
        self.sleep = sleep;
        host.log(
            log::Level::Info,
            &format!("Switching to runlevel: {}", level as char),
        );
        host.record(Record::RunLevel {
            new: level,
            prev: self.prev,
        });
        for s in &mut self.slots {
            s.demanded = false;
            if !s.is_boot() {
                s.done = false;
            }
        }
        self.stop_strays(sleep, host, now);
    }

    /// TERM every running entry that does not belong where we are.
    fn stop_strays(&mut self, sleep: u32, host: &mut dyn Host, now: Ms) {
        let stray: Vec<usize> = (0..self.slots.len())
            .filter(|&i| {
                let s = &self.slots[i];
                s.pid.is_some() && s.stop_deadline.is_none() && !self.should_run(s)
            })
            .collect();
        for i in stray {
            let s = &mut self.slots[i];
            if let Some(pid) = s.pid {
                host.kill_group(pid, Sig::Term);
                let d = now + sleep as Ms * 1000;
                s.stop_deadline = Some(d);
                s.killed = false;
                self.group_kills.push((pid, d));
            }
        }
    }

    /// Start what should run now; loop through the stages as far as
    /// nothing holds them back.
    fn step(&mut self, host: &mut dyn Host, now: Ms) {
        loop {
            if self.any_stopping() {
                return;
            }
            // a pending request waits for the end of sysinit and boot
            if self.stage == Stage::Level {
                if let Some((level, sleep)) = self.pending.take() {
                    if level != self.level {
                        self.change_level(level, sleep, host, now);
                        continue;
                    }
                }
            }
            match self.stage {
                Stage::Sysinit | Stage::Boot => {
                    if self.pass(host, now) {
                        return;
                    }
                    if self.stage == Stage::Sysinit {
                        self.stage = Stage::Boot;
                    } else {
                        let (l, s) = self
                            .pending
                            .take()
                            .unwrap_or((self.default_level, self.sleep));
                        self.change_level(l, s, host, now);
                    }
                }
                Stage::Level => {
                    if self.pass(host, now) || self.level != b'0' {
                        return;
                    }
                    self.stage = Stage::Final;
                    self.stop_strays(self.sleep, host, now);
                }
                Stage::Final => {
                    let running = self
                        .slots
                        .iter()
                        .chain(&self.retired)
                        .any(|s| s.pid.is_some());
                    if running {
                        return;
                    }
                    self.stage = Stage::Done;
                }
                Stage::Done => return,
            }
        }
    }

    /// One walk over the entries in file order (sysvinit's
    /// start_if_needed). True when a waited entry holds the rest back.
    fn pass(&mut self, host: &mut dyn Host, now: Ms) -> bool {
        for i in 0..self.slots.len() {
            let applies = {
                let s = &self.slots[i];
                match self.stage {
                    Stage::Sysinit => s.entry.action == Action::Sysinit,
                    // boot entries only ever run at boot: a level entered
                    // before boot finished (level 0 on SIGTERM) skips them
                    Stage::Level | Stage::Final if s.is_boot() => false,
                    _ => self.should_run(s),
                }
            };
            if !applies {
                continue;
            }
            let (level, prev) = (self.level, self.prev);
            let s = &mut self.slots[i];
            if s.pid.is_some() {
                if s.waited() {
                    return true;
                }
                continue;
            }
            if s.throttled_until.is_some() {
                // a waited entry whose fork failed holds the rest back
                // until its retry, as it would while running
                if s.waited() && !s.done {
                    return true;
                }
                continue;
            }
            match s.entry.action {
                Action::Respawn | Action::Ondemand => {
                    Self::start(s, level, prev, host, now);
                }
                Action::Sysinit | Action::Boot | Action::Bootwait | Action::Wait | Action::Once => {
                    if s.done {
                        continue;
                    }
                    // done only once it really started: a failed fork is
                    // retried after FORK_RETRY
                    if Self::start(s, level, prev, host, now) {
                        s.done = true;
                        if s.waited() {
                            return true;
                        }
                    } else if s.waited() {
                        return true;
                    }
                }
                Action::Off | Action::Initdefault => {}
            }
        }
        false
    }

    fn start(s: &mut Slot, level: u8, prev: u8, host: &mut dyn Host, now: Ms) -> bool {
        if matches!(s.entry.action, Action::Respawn | Action::Ondemand) {
            if s.starts == 0 || now.saturating_sub(s.window_start) >= THROTTLE_WINDOW {
                s.window_start = now;
                s.starts = 0;
            }
            if s.starts >= THROTTLE_STARTS {
                s.throttled_until = Some(now + THROTTLE_PAUSE);
                host.log(
                    log::Level::Warn,
                    &format!(
                        "Id \"{}\" respawning too fast: disabled for 5 minutes",
                        s.entry.id
                    ),
                );
                return false;
            }
            s.starts += 1;
        }
        match host.spawn(&s.entry, level, prev) {
            Some(pid) => {
                s.pid = Some(pid);
                if !s.entry.no_utmp {
                    host.record(Record::Init {
                        id: s.entry.id.clone(),
                        pid,
                    });
                }
                true
            }
            None => {
                s.throttled_until = Some(now + FORK_RETRY);
                host.log(
                    log::Level::Error,
                    &format!("can't start entry \"{}\": fork failed", s.entry.id),
                );
                false
            }
        }
    }
}

/// A raw wait status in words: `exited with status N`, or `killed by
/// signal N (SIGNAME)`, with `(core dumped)` when it did.
pub fn describe_status(raw: i32) -> String {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    let sig = raw & 0x7f;
    if sig == 0 {
        return format!("exited with status {}", (raw >> 8) & 0xff);
    }
    let name = usize::try_from(sig - 1)
        .ok()
        .and_then(|i| NAMES.get(i))
        .map(|n| n.to_string())
        .unwrap_or_else(|| format!("SIGRTMIN+{}", sig - 34));
    let core = if raw & 0x80 != 0 {
        " (core dumped)"
    } else {
        ""
    };
    format!("killed by signal {sig} ({name}){core}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::inittab::parse;

    #[test]
    fn wait_statuses_in_words() {
        assert_eq!(describe_status(0), "exited with status 0");
        assert_eq!(describe_status(1 << 8), "exited with status 1");
        assert_eq!(describe_status(255 << 8), "exited with status 255");
        assert_eq!(describe_status(9), "killed by signal 9 (SIGKILL)");
        assert_eq!(
            describe_status(11 | 0x80),
            "killed by signal 11 (SIGSEGV) (core dumped)"
        );
        assert_eq!(describe_status(15), "killed by signal 15 (SIGTERM)");
        assert_eq!(describe_status(36), "killed by signal 36 (SIGRTMIN+2)");
    }

    #[test]
    fn a_respawned_entry_that_dies_is_logged_with_its_status() {
        let t = parse(
            "id:3:initdefault:\ncu:3:respawn:/usr/sbin/cupsd -f\nw:3:wait:/bin/true\n",
            "x",
        );
        let mut f = Fake::default();
        let mut m = Machine::new(&t, b'3');
        m.boot(&mut f, 0);
        exit(&mut m, &mut f, "w", 1);
        let cu = f.pid("cu");
        assert!(m.child_exited(cu, 1 << 8, &mut f, 10));
        let cu = f.pid("cu");
        assert!(m.child_exited(cu, 11, &mut f, 20));
        let said: Vec<&String> = f.logs.iter().filter(|l| l.contains("Id \"")).collect();
        assert_eq!(said.len(), 2, "{:?}", f.logs);
        assert!(said[0].ends_with("exited with status 1"), "{said:?}");
        assert!(
            said[1].ends_with("killed by signal 11 (SIGSEGV)"),
            "{said:?}"
        );
        assert!(
            !f.logs.iter().any(|l| l.contains("\"w\"")),
            "wait entries are not respawned"
        );
        // stopped by a level change: expected, not logged
        m.request_level(b'0', 1, &mut f, 30);
        let cu = f.pid("cu");
        assert!(m.child_exited(cu, 15, &mut f, 40));
        assert_eq!(
            f.logs.iter().filter(|l| l.contains("Id \"")).count(),
            2,
            "{:?}",
            f.logs
        );
    }

    #[derive(Default)]
    struct Fake {
        next_pid: i32,
        running: Vec<(i32, String)>,
        events: Vec<String>,
        logs: Vec<String>,
        records: Vec<Record>,
    }

    impl Host for Fake {
        fn spawn(&mut self, e: &InittabEntry, level: u8, _prev: u8) -> Option<i32> {
            self.next_pid += 1;
            let pid = 100 + self.next_pid;
            self.running.push((pid, e.id.clone()));
            self.events
                .push(format!("start {}@{}", e.id, level as char));
            Some(pid)
        }
        fn kill_group(&mut self, pid: i32, sig: Sig) {
            let id = self.id(pid);
            self.events.push(format!("{sig:?} {id}"));
        }
        fn log(&mut self, _level: log::Level, msg: &str) {
            self.logs.push(msg.to_string());
        }
        fn record(&mut self, r: Record) {
            self.records.push(r);
        }
    }

    impl Fake {
        fn id(&self, pid: i32) -> String {
            self.running
                .iter()
                .find(|(p, _)| *p == pid)
                .map(|(_, i)| i.clone())
                .unwrap_or_default()
        }
        fn pid(&self, id: &str) -> i32 {
            self.running.iter().rev().find(|(_, i)| i == id).unwrap().0
        }
        fn take(&mut self) -> Vec<String> {
            std::mem::take(&mut self.events)
        }
    }

    fn exit(m: &mut Machine, f: &mut Fake, id: &str, now: Ms) {
        let pid = f.pid(id);
        f.running.retain(|(p, _)| *p != pid);
        assert!(m.child_exited(pid, 0, f, now), "{id} was an entry");
    }

    const TAB: &str = "\
id:2:initdefault:
si::sysinit:/etc/rcS
bw::bootwait:/etc/bw
bo::boot:/etc/bo
d1:23:respawn:/usr/sbin/d1
l2:2:wait:/etc/rc 2
o2:2:once:/etc/o2
l3:3:wait:/etc/rc 3
d3:3:respawn:/usr/sbin/d3
l0:0:wait:/etc/rc 0
";

    fn machine() -> (Machine, Fake) {
        let t = parse(TAB, "/etc/inittab");
        assert!(t.messages.is_empty(), "{:?}", t.messages);
        (Machine::new(&t, t.default_level.unwrap()), Fake::default())
    }

    #[test]
    fn boot_order_and_wait_holds_back() {
        let (mut m, mut f) = machine();
        m.boot(&mut f, 0);
        assert_eq!(f.take(), ["start si@N"], "sysinit is waited for");
        exit(&mut m, &mut f, "si", 10);
        assert_eq!(f.take(), ["start bw@N"]);
        exit(&mut m, &mut f, "bw", 20);
        assert_eq!(
            f.take(),
            ["start bo@N", "start d1@2", "start l2@2"],
            "the wait entry l2 holds back o2"
        );
        assert_eq!(m.level, b'2');
        assert!(f.records.contains(&Record::RunLevel {
            new: b'2',
            prev: NO_LEVEL
        }));
        // a respawn before the wait entry restarts while it runs
        exit(&mut m, &mut f, "d1", 30);
        assert_eq!(f.take(), ["start d1@2"]);
        exit(&mut m, &mut f, "l2", 40);
        assert_eq!(f.take(), ["start o2@2"]);
        // once/wait entries do not run again in the same level
        exit(&mut m, &mut f, "o2", 50);
        assert_eq!(f.take(), Vec::<String>::new());
    }

    fn at_level_2() -> (Machine, Fake) {
        let (mut m, mut f) = machine();
        m.boot(&mut f, 0);
        exit(&mut m, &mut f, "si", 1);
        exit(&mut m, &mut f, "bw", 2);
        exit(&mut m, &mut f, "l2", 3);
        exit(&mut m, &mut f, "o2", 4);
        f.take();
        (m, f)
    }

    #[test]
    fn level_change_stops_then_starts() {
        let (mut m, mut f) = at_level_2();
        m.request_level(b'3', 3, &mut f, 1000);
        assert_eq!(f.take(), ["start l3@3"], "d1 is in 23: kept; l3 holds d3");
        exit(&mut m, &mut f, "l3", 1100);
        assert_eq!(f.take(), ["start d3@3"]);
        m.request_level(b'2', 5, &mut f, 2000);
        assert_eq!(f.take(), ["Term d3"], "nothing starts before d3 is gone");
        assert_eq!(m.next_deadline(), Some(7000));
        m.tick(&mut f, 6999);
        assert!(f.take().is_empty());
        m.tick(&mut f, 7000);
        assert_eq!(f.take(), ["Kill d3"], "KILL after the grace time");
        assert_eq!(m.next_deadline(), None);
        exit(&mut m, &mut f, "d3", 7010);
        assert_eq!(f.take(), ["start l2@2"]);
        assert_eq!(m.prev, b'3');
    }

    #[test]
    fn group_gets_kill_even_when_its_leader_left_on_term() {
        let (mut m, mut f) = at_level_2();
        m.request_level(b'3', 0, &mut f, 1000);
        exit(&mut m, &mut f, "l3", 1001);
        f.take();
        m.request_level(b'2', 2, &mut f, 2000);
        assert_eq!(f.take(), ["Term d3"]);
        exit(&mut m, &mut f, "d3", 2100);
        assert_eq!(f.take(), ["start l2@2"], "the level goes on at once");
        assert_eq!(m.next_deadline(), Some(4000));
        m.tick(&mut f, 4000);
        assert_eq!(f.events.len(), 1);
        assert!(f.events[0].starts_with("Kill"), "{:?}", f.events);
        assert_eq!(m.next_deadline(), None);
    }

    #[test]
    fn level_zero_runs_its_entries_then_stops_everything() {
        let (mut m, mut f) = at_level_2();
        m.request_level(b'0', 3, &mut f, 1000);
        assert_eq!(f.take(), ["Term d1"]);
        exit(&mut m, &mut f, "d1", 1010);
        assert_eq!(f.take(), ["start l0@0"]);
        assert!(!m.is_done());
        exit(&mut m, &mut f, "l0", 1020);
        assert!(
            f.take().contains(&"Term bo".to_string()),
            "boot entry stopped last"
        );
        exit(&mut m, &mut f, "bo", 1030);
        assert!(m.is_done());
    }

    #[test]
    fn throttle_ten_starts_then_disabled_until_a_request() {
        let t = parse("id:3:initdefault:\nff:3:respawn:/bin/false\n", "x");
        let (mut m, mut f) = (Machine::new(&t, b'3'), Fake::default());
        m.boot(&mut f, 0);
        for i in 1..=20 {
            if f.running.is_empty() {
                break;
            }
            exit(&mut m, &mut f, "ff", i * 100);
        }
        let starts = f.take().iter().filter(|e| e.starts_with("start")).count();
        assert_eq!(starts, 10);
        assert_eq!(
            f.logs.last().unwrap(),
            "Id \"ff\" respawning too fast: disabled for 5 minutes"
        );
        assert_eq!(m.next_deadline(), Some(1000 + THROTTLE_PAUSE));
        assert!(matches!(m.states()[0].state, State::Throttled(_)));
        m.request_level(b'3', 3, &mut f, 2000);
        assert_eq!(f.take(), ["start ff@3"], "a request lifts the throttle");
        // a slow crash loop (one start per 13 s) is never throttled
        let t2 = parse("id:3:initdefault:\nss:3:respawn:/bin/slow\n", "x");
        let (mut m, mut f) = (Machine::new(&t2, b'3'), Fake::default());
        m.boot(&mut f, 0);
        for i in 1..=30 {
            exit(&mut m, &mut f, "ss", i * 13_000);
        }
        assert_eq!(f.take().len(), 31);
    }

    #[test]
    fn throttle_expires_after_five_minutes() {
        let t = parse("id:3:initdefault:\nff:3:respawn:/bin/false\n", "x");
        let (mut m, mut f) = (Machine::new(&t, b'3'), Fake::default());
        m.boot(&mut f, 0);
        for i in 1..=10 {
            exit(&mut m, &mut f, "ff", i);
        }
        f.take();
        m.tick(&mut f, 10 + THROTTLE_PAUSE);
        assert_eq!(f.take(), ["start ff@3"]);
    }

    #[test]
    fn reload_stops_deleted_and_changed_starts_new() {
        let (mut m, mut f) = at_level_2();
        let d1 = f.pid("d1");
        let new = TAB.replace("d1:23:respawn", "d1:23:once") + "n2:2:respawn:/usr/sbin/n2\n";
        m.reload(&parse(&new, "x"), &mut f, 5000);
        assert_eq!(f.take(), ["Term d1"], "action changed: stopped first");
        assert!(m.child_exited(d1, 9, &mut f, 5100));
        let ev = f.take();
        assert_eq!(ev, ["start d1@2", "start n2@2"]);
        // deleting an entry stops it (and d1 changes back to respawn)
        let n2 = f.pid("n2");
        m.reload(&parse(TAB, "x"), &mut f, 6000);
        assert_eq!(f.take(), ["Term d1", "Term n2"]);
        assert!(m.child_exited(n2, 15, &mut f, 6100));
    }

    #[test]
    fn ondemand_and_records() {
        let t = parse(
            "id:3:initdefault:\nod:a:ondemand:/bin/od\nnp:3:respawn:+/bin/np\n",
            "x",
        );
        let (mut m, mut f) = (Machine::new(&t, b'3'), Fake::default());
        m.boot(&mut f, 0);
        assert_eq!(f.take(), ["start np@3"]);
        assert_eq!(
            f.records,
            [Record::RunLevel {
                new: b'3',
                prev: NO_LEVEL
            }],
            "+ writes no utmp"
        );
        m.request_level(b'a', 3, &mut f, 10);
        assert_eq!(f.take(), ["start od@3"], "ondemand keeps the level");
        assert_eq!(m.level, b'3');
        assert!(matches!(f.records[1], Record::Init { .. }));
        exit(&mut m, &mut f, "od", 20);
        assert_eq!(f.take(), ["start od@3"], "respawned while demanded");
        assert!(matches!(f.records[2], Record::Dead { .. }));
        m.request_level(b'2', 0, &mut f, 30);
        let ev = f.take();
        assert!(ev.contains(&"Term od".to_string()), "{ev:?}");
    }

    /// A level request that arrives during sysinit waits for sysinit and
    /// boot to finish, then replaces initdefault.
    #[test]
    fn a_level_request_during_sysinit_waits_for_boot() {
        let (mut m, mut f) = machine();
        m.boot(&mut f, 0);
        assert_eq!(f.take(), ["start si@N"]);
        m.request_level(b'3', 3, &mut f, 10);
        assert_eq!(
            f.take(),
            Vec::<String>::new(),
            "nothing starts while si runs"
        );
        exit(&mut m, &mut f, "si", 20);
        assert_eq!(f.take(), ["start bw@N"], "boot goes on first");
        exit(&mut m, &mut f, "bw", 30);
        let ev = f.take();
        assert!(ev.contains(&"start bo@N".to_string()), "{ev:?}");
        assert!(
            ev.contains(&"start l3@3".to_string()),
            "the requested level: {ev:?}"
        );
        assert!(
            !ev.iter().any(|e| e.ends_with("@2")),
            "not initdefault 2: {ev:?}"
        );
    }

    /// Level 0 (SIGTERM) during sysinit: no boot entry starts afterwards.
    #[test]
    fn level_0_during_sysinit_starts_no_boot_entry() {
        let (mut m, mut f) = machine();
        m.boot(&mut f, 0);
        assert_eq!(f.take(), ["start si@N"]);
        m.request_level(b'0', 3, &mut f, 10);
        exit(&mut m, &mut f, "si", 20);
        let ev = f.take();
        assert!(
            !ev.iter()
                .any(|e| e.starts_with("start bw") || e.starts_with("start bo")),
            "{ev:?}"
        );
    }

    /// A wait entry whose fork fails is retried after FORK_RETRY and holds
    /// the entries after it back until then.
    #[test]
    fn a_wait_entry_whose_fork_failed_is_retried_and_holds_the_rest() {
        struct Failing(Fake, u32);
        impl Host for Failing {
            fn spawn(&mut self, e: &InittabEntry, level: u8, prev: u8) -> Option<i32> {
                if e.id == "l2" && self.1 > 0 {
                    self.1 -= 1;
                    return None;
                }
                self.0.spawn(e, level, prev)
            }
            fn kill_group(&mut self, pid: i32, sig: Sig) {
                self.0.kill_group(pid, sig)
            }
            fn log(&mut self, level: log::Level, msg: &str) {
                self.0.log(level, msg)
            }
            fn record(&mut self, r: Record) {
                self.0.record(r)
            }
        }
        let t = parse(TAB, "/etc/inittab");
        let mut m = Machine::new(&t, b'2');
        let mut h = Failing(Fake::default(), 1);
        m.boot(&mut h, 0);
        let pid = h.0.pid("si");
        h.0.running.retain(|(p, _)| *p != pid);
        m.child_exited(pid, 0, &mut h, 1);
        let pid = h.0.pid("bw");
        h.0.running.retain(|(p, _)| *p != pid);
        m.child_exited(pid, 0, &mut h, 2);
        let ev = h.0.take();
        assert!(
            !ev.iter()
                .any(|e| e.starts_with("start l2") || e.starts_with("start o2")),
            "{ev:?}"
        );
        m.tick(&mut h, 2 + FORK_RETRY);
        let ev = h.0.take();
        assert_eq!(ev, ["start l2@2"], "retried, o2 still held: {ev:?}");
        let pid = h.0.pid("l2");
        h.0.running.retain(|(p, _)| *p != pid);
        m.child_exited(pid, 0, &mut h, 3 + FORK_RETRY);
        assert_eq!(h.0.take(), ["start o2@2"]);
    }
}
