//! /etc/inittab, sysvinit's grammar: `id:runlevels:action:process`, split on
//! the first three `:` (the process may hold more). Bad lines are reported
//! as sysvinit reports them, `/etc/inittab[LINE]: message`, and skipped; the
//! rest of the file is used. Text in, entries and messages out.

/// The longest process field we accept (sysvinit stops at 127 characters).
pub const MAX_PROCESS: usize = 4096;

/// Run-levels a package knows: 0-6 and the ondemand letters a, b, c.
pub const ALL_LEVELS: &str = "0123456";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Sysinit,
    Boot,
    Bootwait,
    Wait,
    Once,
    Respawn,
    Ondemand,
    Off,
    Initdefault,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Sysinit => "sysinit",
            Action::Boot => "boot",
            Action::Bootwait => "bootwait",
            Action::Wait => "wait",
            Action::Once => "once",
            Action::Respawn => "respawn",
            Action::Ondemand => "ondemand",
            Action::Off => "off",
            Action::Initdefault => "initdefault",
        }
    }

    fn from_name(s: &str) -> Option<Action> {
        let s = s.to_ascii_lowercase();
        [
            Action::Sysinit,
            Action::Boot,
            Action::Bootwait,
            Action::Wait,
            Action::Once,
            Action::Respawn,
            Action::Ondemand,
            Action::Off,
            Action::Initdefault,
        ]
        .into_iter()
        .find(|a| a.name() == s)
    }
}

/// sysvinit actions that mean nothing in a package: warned about, ignored.
const MEANINGLESS: &[&str] = &[
    "powerwait",
    "powerfail",
    "powerokwait",
    "powerfailnow",
    "ctrlaltdel",
    "kbrequest",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InittabEntry {
    pub id: String,
    /// Run-level characters (`0`-`6`, `a`-`c`); all of 0-6 when the field
    /// was empty.
    pub levels: String,
    pub action: Action,
    /// The command, without a leading `+`.
    pub process: String,
    /// A leading `+`: write no utmp/wtmp records for this entry.
    pub no_utmp: bool,
    /// Line number in the file.
    pub line: usize,
}

impl InittabEntry {
    pub fn has_level(&self, level: u8) -> bool {
        self.levels.as_bytes().contains(&level)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inittab {
    pub entries: Vec<InittabEntry>,
    /// The level of the first `initdefault` entry.
    pub default_level: Option<u8>,
    /// One line per problem, `PATH[LINE]: message`.
    pub messages: Vec<String>,
}

/// Parse inittab text; `path` only labels the messages.
pub fn parse(text: &str, path: &str) -> Inittab {
    let mut tab = Inittab::default();
    for (n, raw) in text.lines().enumerate() {
        let n = n + 1;
        let line = raw.trim_end();
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        match parse_line(body, n, &tab) {
            Ok(Some(e)) => {
                if e.action == Action::Initdefault {
                    if tab.default_level.is_none() {
                        tab.default_level = e.levels.bytes().next();
                    }
                } else {
                    tab.entries.push(e);
                }
            }
            Ok(None) => {}
            Err(msg) => tab.messages.push(format!("{path}[{n}]: {msg}")),
        }
    }
    tab
}

fn parse_line(body: &str, n: usize, tab: &Inittab) -> Result<Option<InittabEntry>, String> {
    let mut f = body.splitn(4, ':');
    let id = f.next().unwrap_or("");
    let levels = f.next();
    let action = f.next();
    let process = f.next();
    if id.is_empty() {
        return Err("missing id field".into());
    }
    if id.len() > 4 {
        return Err("id field too long (max 4 characters)".into());
    }
    let Some(levels) = levels else {
        return Err("missing runlevel field".into());
    };
    let action_name = match action {
        Some(a) if !a.is_empty() => a,
        _ => return Err("missing action field".into()),
    };
    let Some(process) = process else {
        return Err("missing process field".into());
    };
    if levels.len() > 11 {
        return Err("rlevel field too long (max 11 characters)".into());
    }
    if MEANINGLESS.contains(&action_name.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "action '{action_name}' has no meaning in a package, ignored"
        ));
    }
    let Some(action) = Action::from_name(action_name) else {
        return Err("unknown action field".into());
    };
    let mut lv = String::new();
    for c in levels.chars() {
        match c {
            '0'..='6' | 'a'..='c' => lv.push(c),
            'A'..='C' => lv.push(c.to_ascii_lowercase()),
            's' | 'S' => return Err(format!("run-level '{c}' is not supported in a package")),
            _ => return Err(format!("bad run-level '{c}'")),
        }
    }
    if action == Action::Initdefault {
        return match lv.bytes().next() {
            None => Err("initdefault needs a run-level".into()),
            Some(b'0') => Err("initdefault level 0 would stop pkginit at once".into()),
            Some(b'a'..=b'c') => Err("initdefault level must be 1-6".into()),
            Some(_) => Ok(Some(InittabEntry {
                id: id.into(),
                levels: lv,
                action,
                process: String::new(),
                no_utmp: true,
                line: n,
            })),
        };
    }
    if lv.is_empty() {
        lv = ALL_LEVELS.into();
    }
    let (no_utmp, process) = match process.strip_prefix('+') {
        Some(p) => (true, p),
        None => (false, process),
    };
    let process = process.trim();
    if process.len() > MAX_PROCESS {
        return Err(format!(
            "process field too long (max {MAX_PROCESS} characters)"
        ));
    }
    if process.is_empty() && action != Action::Off {
        return Err("missing process field".into());
    }
    if tab.entries.iter().any(|e| e.id == id) {
        return Err(format!("duplicate ID field \"{id}\""));
    }
    Ok(Some(InittabEntry {
        id: id.into(),
        levels: lv,
        action,
        process: process.into(),
        no_utmp,
        line: n,
    }))
}

/// Characters that make sysvinit hand a process field to `/bin/sh -c`.
pub const SHELL_CHARS: &str = "~`!$^&*()=|\\{}[];\"'<>?";

/// How to run a process field: `/bin/sh -c FIELD` when it has a shell
/// character, else its blank-separated words up to one starting with `#`.
pub fn argv(process: &str) -> Vec<String> {
    if process.chars().any(|c| SHELL_CHARS.contains(c)) {
        return vec!["/bin/sh".into(), "-c".into(), process.into()];
    }
    process
        .split([' ', '\t'])
        .filter(|w| !w.is_empty())
        .take_while(|w| !w.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Debian 12's /etc/inittab (sysvinit-core), abridged but literal.
    const DEBIAN: &str = "\
# /etc/inittab: init(8) configuration.
# $Id: inittab,v 1.91 2002/01/25 13:35:21 miquels Exp $

# The default runlevel.
id:2:initdefault:

# Boot-time system configuration/initialization script.
# This is run first except when booting in emergency (-b) mode.
si::sysinit:/etc/init.d/rcS

# What to do in single-user mode.
~~:S:wait:/sbin/sulogin --force

l0:0:wait:/etc/init.d/rc 0
l1:1:wait:/etc/init.d/rc 1
l2:2:wait:/etc/init.d/rc 2
l3:3:wait:/etc/init.d/rc 3
l6:6:wait:/etc/init.d/rc 6
# Normally not reached, but fallthrough in case of emergency.
z6:6:respawn:/sbin/sulogin --force

# What to do when CTRL-ALT-DEL is pressed.
ca:12345:ctrlaltdel:/sbin/shutdown -t1 -a -r now

pf::powerwait:/etc/init.d/powerfail start
1:2345:respawn:/sbin/getty --noclear 38400 tty1
";

    #[test]
    fn debian_inittab() {
        let t = parse(DEBIAN, "/etc/inittab");
        assert_eq!(t.default_level, Some(b'2'));
        let ids: Vec<&str> = t.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["si", "l0", "l1", "l2", "l3", "l6", "z6", "1"]);
        assert_eq!(t.entries[0].action, Action::Sysinit);
        assert_eq!(t.entries[0].levels, ALL_LEVELS);
        assert_eq!(t.entries[4].process, "/etc/init.d/rc 3");
        assert_eq!(t.entries[4].line, 17);
        assert_eq!(
            t.messages,
            [
                "/etc/inittab[12]: run-level 'S' is not supported in a package",
                "/etc/inittab[23]: action 'ctrlaltdel' has no meaning in a package, ignored",
                "/etc/inittab[25]: action 'powerwait' has no meaning in a package, ignored",
            ]
        );
    }

    #[test]
    fn sysvinit_messages() {
        let text = "\
toolong:3:respawn:/bin/x
:3:respawn:/bin/x
ab:3
ab:3::/bin/x
ab:3:sometimes:/bin/x
ab:3:RESPAWN:/bin/x
ab:2:once:/bin/y
cd:3:once
";
        let t = parse(text, "/etc/inittab");
        assert_eq!(
            t.messages,
            [
                "/etc/inittab[1]: id field too long (max 4 characters)",
                "/etc/inittab[2]: missing id field",
                "/etc/inittab[3]: missing action field",
                "/etc/inittab[4]: missing action field",
                "/etc/inittab[5]: unknown action field",
                "/etc/inittab[7]: duplicate ID field \"ab\"",
                "/etc/inittab[8]: missing process field",
            ]
        );
        assert_eq!(t.entries.len(), 1, "first of a duplicate id wins");
        assert_eq!(t.entries[0].action, Action::Respawn, "actions ignore case");
        assert_eq!(t.entries[0].process, "/bin/x");
    }

    #[test]
    fn levels_and_process_field() {
        let long = "x".repeat(4000);
        let text = format!(
            "a:35B:respawn:+/usr/sbin/cron -f # comment\nb:3:once:echo a:b; echo c\nc:7:once:/bin/x\nd:3:once:/bin/sh -c '{long}'\nid:0:initdefault:\nid:4:initdefault:\nid:3:initdefault:\n"
        );
        let t = parse(&text, "/etc/inittab");
        assert_eq!(t.entries[0].levels, "35b");
        assert!(t.entries[0].no_utmp);
        assert_eq!(t.entries[0].process, "/usr/sbin/cron -f # comment");
        assert!(t.entries[0].has_level(b'5') && !t.entries[0].has_level(b'4'));
        assert_eq!(t.entries[1].process, "echo a:b; echo c");
        assert_eq!(t.entries[2].id, "d", "a 4 KB command is kept");
        assert_eq!(t.default_level, Some(b'4'));
        assert_eq!(
            t.messages,
            [
                "/etc/inittab[3]: bad run-level '7'",
                "/etc/inittab[5]: initdefault level 0 would stop pkginit at once",
            ]
        );
    }

    #[test]
    fn argv_split_or_shell() {
        assert_eq!(argv("/usr/sbin/cron -f # fg"), ["/usr/sbin/cron", "-f"]);
        assert_eq!(argv("a\t b"), ["a", "b"]);
        assert_eq!(argv("a; b"), ["/bin/sh", "-c", "a; b"]);
        assert_eq!(argv("x > /tmp/f"), ["/bin/sh", "-c", "x > /tmp/f"]);
        assert_eq!(argv("exec y"), ["exec", "y"]);
    }
}
