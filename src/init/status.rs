//! pkginit's status file, `/var/run/pkginit.status`: `key value` lines
//! (`level`, `prev`, `pid`), then one line per inittab entry:
//! `entry ID ACTION LEVELS STATE [ARG]` with STATE `running PID`,
//! `stopping PID`, `stopped -`, `stopped exit-N`, `stopped signal-N` or
//! `throttled EPOCH` (until when); last `reload N ok` or `reload N failed
//! WHY`: how many reloads (telinit q, SIGHUP) pkginit did, and how the
//! latest ended; with the syslog relay, `syslog TARGET relayed N dropped
//! M [why WHY]`: the node socket lines go to, how many went, how many were
//! dropped and why the latest was. Rendering and reading are pure; [`read`] and
//! [`reload_state`] are the places that ask the system.

use super::machine::{EntryState, Machine, Ms, State};
use super::{PIDFILE, STATUS};
use crate::error::{Error, Result};
use crate::sys::locks;
use crate::sys::process::Exit;
use crate::utc::{epoch_now, utc_time};
use std::path::Path;

/// The status file's text for the machine's state now.
pub fn render(m: &Machine, pid: i32, now: Ms, epoch: u64) -> String {
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

/// How pkginit's reloads went: how many there were, and why the latest
/// failed (the old table kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reload {
    pub count: u64,
    pub failed: Option<String>,
}

impl Reload {
    /// The status file's `reload` line (none before the first reload).
    pub fn render(&self) -> String {
        match (self.count, &self.failed) {
            (0, _) => String::new(),
            (n, None) => format!("reload {n} ok\n"),
            (n, Some(why)) => format!("reload {n} failed {}\n", why.replace('\n', " ")),
        }
    }

    /// The `reload` line of a status file's text (count 0 when none).
    pub fn parse(text: &str) -> Reload {
        let Some(l) = text.lines().find_map(|l| l.strip_prefix("reload ")) else {
            return Reload::default();
        };
        let mut f = l.splitn(3, ' ');
        let count = f.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let failed = match f.next() {
            Some("failed") => Some(f.next().unwrap_or("").to_string()),
            _ => None,
        };
        Reload { count, failed }
    }
}

/// The reload state of the running pkginit's status file (None when there
/// is no status file).
pub fn reload_state() -> Option<Reload> {
    std::fs::read_to_string(STATUS)
        .ok()
        .map(|t| Reload::parse(&t))
}

fn wait_text(w: i32) -> String {
    match Exit::from_raw(w) {
        Exit::Signal(s) => format!("signal-{s}"),
        Exit::Code(c) => format!("exit-{c}"),
    }
}

/// The status file as `telinit -s` and `pkginit --status` print it, at
/// epoch second `now`.
pub fn describe(text: &str, now: u64) -> String {
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
    if let Some(why) = Reload::parse(text).failed {
        out.push_str(&format!("last reload failed, old table kept: {why}\n"));
    }
    // `syslog TARGET relayed N dropped M [why WHY]`
    if let Some(l) = text.lines().find_map(|l| l.strip_prefix("syslog ")) {
        let f: Vec<&str> = l.splitn(6, ' ').collect();
        if let [target, "relayed", n, "dropped", m, rest @ ..] = f.as_slice() {
            out.push_str(&format!(
                "syslog relay: {n} line(s) to {target}, {m} dropped"
            ));
            if let Some(why) = rest.first().and_then(|r| r.strip_prefix("why ")) {
                out.push_str(&format!(" (latest: {why})"));
            }
            out.push('\n');
        }
    }
    out
}

/// What `telinit -s` prints: the running pkginit's status for people.
pub fn read() -> Result<String> {
    let Some(holder) = locks::lock_holder(Path::new(PIDFILE)) else {
        return Err(Error::fail("pkginit is not running in this package"));
    };
    match std::fs::read_to_string(STATUS) {
        Ok(text) => Ok(describe(&text, epoch_now())),
        // running, but its first status is not written yet
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(format!("pkginit is starting (pid {holder})\n"))
        }
        Err(e) => Err(Error::io("read", STATUS, &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_reads_each_state() {
        let text = "level 3\nprev N\npid 42\n\
                    entry aa respawn 3 running 100\n\
                    entry bb once 3 stopped exit-1\n\
                    entry cc wait 3 stopped signal-9\n\
                    entry dd respawn 3 throttled 1700000060\n\
                    entry ee once 3 stopped -\n\
                    entry short\n";
        let out = describe(text, 1_700_000_000);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "run-level 3 (previous N), pkginit pid 42");
        assert_eq!(lines[1], "ID    ACTION      LEVELS   STATE");
        assert_eq!(lines[2], "aa    respawn     3        running (pid 100)");
        assert_eq!(lines[3], "bb    once        3        stopped (exit 1)");
        assert_eq!(lines[4], "cc    wait        3        stopped (signal 9)");
        assert_eq!(
            lines[5],
            "dd    respawn     3        throttled until 2023-11-14 22:14:20 UTC (60 s)"
        );
        assert_eq!(lines[6], "ee    once        3        stopped");
        assert_eq!(lines.len(), 7, "a short entry line is skipped: {out}");
    }

    #[test]
    fn reload_line_round_trip() {
        let r = Reload {
            count: 3,
            failed: Some("can't open '/etc/inittab': Permission denied".into()),
        };
        let text = format!("level 3\nprev N\npid 42\n{}", r.render());
        assert_eq!(Reload::parse(&text), r);
        assert!(describe(&text, 0).ends_with(
            "last reload failed, old table kept: can't open '/etc/inittab': Permission denied\n"
        ));
        let ok = Reload {
            count: 4,
            failed: None,
        };
        assert_eq!(Reload::parse(&ok.render()), ok);
        assert_eq!(Reload::parse("level 3\n"), Reload::default());
    }
}
