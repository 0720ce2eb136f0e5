//! A package's own CUPS, checked before it starts: the users, groups and
//! directories its `cups-files.conf` names, and where its `cupsd.conf`
//! listens. The checks ([`needs`], [`listens`], [`problems`],
//! [`own_listens`], [`inittab_runs_cupsd`]) are pure: they take texts, and
//! a closure answers which paths exist. [`check_package`] is the one part
//! that asks the system: it reads the package's files and /proc's TCP
//! tables, tries a bind on the package's addresses and has `cupsd -t` run
//! inside the package (by the caller's runner: mkpcue's goes through the
//! entry path, `crate::session`); `mkpcue --check` prints its findings.
//!
//! Why: cupsd exits without a word when a group named in `cups-files.conf`
//! is missing from the package's own `/etc/group`, runs unreachable when
//! `/run/cups` is missing, and `Port 631` (or any wildcard listener) on one
//! package collides with every other package's address on the node.

use crate::error::strerror_io;
use crate::sys::process::Exit;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::Path;

/// Runs a command inside the package (argv, the program first): how it
/// ended and what it wrote on stdout and stderr together, or why it could
/// not be run.
pub type InPackage<'a> = &'a mut dyn FnMut(&[&str]) -> Result<(Exit, Vec<u8>), String>;

/// `cups-files.conf` keys naming a directory, and what cupsd uses when the
/// key is absent (Debian's build), for the directories cupsd does not make
/// itself.
const DIR_KEYS: [(&str, Option<&str>); 8] = [
    ("ServerRoot", Some("/etc/cups")),
    ("RequestRoot", Some("/var/spool/cups")),
    ("CacheDir", Some("/var/cache/cups")),
    ("StateDir", Some("/run/cups")),
    ("TempDir", None),
    ("ServerBin", Some("/usr/lib/cups")),
    ("DataDir", None),
    ("DocumentRoot", None),
];

/// Log keys: an absolute file name's directory must exist.
const LOG_KEYS: [&str; 3] = ["ErrorLog", "AccessLog", "PageLog"];

/// A directive: its line number, name and the rest of the line.
fn directives(text: &str) -> impl Iterator<Item = (usize, &str, &str)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with('<') {
            return None;
        }
        let (k, v) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
        Some((i + 1, k, v.trim()))
    })
}

/// What `cups-files.conf` needs from the package.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// (directive, user)
    pub users: Vec<(String, String)>,
    /// (directive, group)
    pub groups: Vec<(String, String)>,
    /// (directive, directory)
    pub dirs: Vec<(String, String)>,
}

/// The users, groups and directories `cups-files.conf` names (directory
/// keys it leaves out count with cupsd's default).
pub fn needs(files_conf: &str) -> Needs {
    let mut n = Needs::default();
    let mut seen = Vec::new();
    for (_, k, v) in directives(files_conf) {
        let key = DIR_KEYS
            .iter()
            .map(|(d, _)| *d)
            .chain(LOG_KEYS)
            .chain(["User", "Group", "SystemGroup", "LogFileGroup"])
            .find(|d| d.eq_ignore_ascii_case(k));
        let Some(key) = key.filter(|_| !v.is_empty()) else {
            continue;
        };
        seen.push(key);
        match key {
            "User" => n.users.push((key.into(), v.into())),
            "Group" | "LogFileGroup" => n.groups.push((key.into(), v.into())),
            "SystemGroup" => {
                for g in v.split_whitespace() {
                    n.groups.push((key.into(), g.into()));
                }
            }
            k if LOG_KEYS.contains(&k) => {
                if let Some((dir, _)) = v.strip_prefix('/').and_then(|p| p.rsplit_once('/')) {
                    n.dirs.push((key.into(), format!("/{dir}")));
                }
            }
            _ => n.dirs.push((key.into(), v.into())),
        }
    }
    for (k, default) in DIR_KEYS {
        if let (false, Some(d)) = (seen.contains(&k), default) {
            n.dirs.push((k.into(), d.into()));
        }
    }
    n
}

/// Where `cupsd.conf` says to listen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listen {
    /// `Listen /path`: a domain socket.
    Socket(String),
    /// `Listen ADDR:PORT` with a numeric address.
    Addr(IpAddr, u16),
    /// `Listen localhost:PORT` (or another name): cupsd resolves it.
    Name(String, u16),
    /// `Port N`, `Listen *:N`, `Listen 0.0.0.0:N`, `Listen [::]:N`.
    Any(u16),
}

/// `(line, directive as written, what it means)`; a value cupsd would
/// refuse is left out (cupsd -t reports it).
pub fn listens(cupsd_conf: &str) -> Vec<(usize, String, Listen)> {
    let mut out = Vec::new();
    for (n, k, v) in directives(cupsd_conf) {
        let what = if k.eq_ignore_ascii_case("Port") {
            v.parse().ok().map(Listen::Any)
        } else if k.eq_ignore_ascii_case("Listen") {
            listen_value(v)
        } else {
            None
        };
        if let Some(w) = what {
            out.push((n, format!("{k} {v}"), w));
        }
    }
    out
}

fn listen_value(v: &str) -> Option<Listen> {
    if v.starts_with('/') {
        return Some(Listen::Socket(v.to_string()));
    }
    let (host, port) = v.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Some(match host {
        "*" => Listen::Any(port),
        h => match h.parse::<IpAddr>() {
            Ok(a) if a.is_unspecified() => Listen::Any(port),
            Ok(a) => Listen::Addr(a, port),
            Err(_) => Listen::Name(h.to_string(), port),
        },
    })
}

/// Does a `name:...` line for `name` exist in a passwd or group text?
fn has_name(db: &str, name: &str) -> bool {
    db.lines().any(|l| l.split(':').next() == Some(name))
}

/// What the package lacks for its CUPS configuration, one line each:
/// users and groups missing from the package's own passwd and group, the
/// directories missing in the root (`dir_exists` answers for a path as
/// seen inside the package), and listeners that are not the package's own.
pub fn problems(
    pkg: &str,
    files_conf: &str,
    cupsd_conf: &str,
    passwd: &str,
    group: &str,
    addrs: &[IpAddr],
    dir_exists: impl Fn(&str) -> bool,
) -> Vec<String> {
    const FILES: &str = "/etc/cups/cups-files.conf";
    const CUPSD: &str = "/etc/cups/cupsd.conf";
    let mut out = Vec::new();
    let n = needs(files_conf);
    for (k, u) in &n.users {
        if !has_name(passwd, u) {
            out.push(format!(
                "{FILES}: {k} {u}: no user '{u}' in the package's /etc/passwd (cupsd will exit at once)"
            ));
        }
    }
    for (k, g) in &n.groups {
        if !has_name(group, g) {
            out.push(format!(
                "{FILES}: {k} {g}: no group '{g}' in the package's /etc/group (cupsd will exit at once)"
            ));
        }
    }
    for (k, d) in &n.dirs {
        if d.starts_with('/') && !dir_exists(d) {
            out.push(format!(
                "{FILES}: {k} {d}: no such directory in the package"
            ));
        }
    }
    let shown: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
    let theirs = if shown.is_empty() {
        "it has none in the registry".to_string()
    } else {
        format!("its addresses are {}", shown.join(" "))
    };
    for (line, text, l) in listens(cupsd_conf) {
        let at = format!("{CUPSD}:{line}: {text}");
        match l {
            Listen::Socket(p) => {
                if let Some((dir, _)) = p.rsplit_once('/') {
                    let dir = if dir.is_empty() { "/" } else { dir };
                    if !dir_exists(dir) {
                        out.push(format!("{at}: no directory {dir} for the socket"));
                    }
                }
            }
            Listen::Any(_) => out.push(format!(
                "{at}: listens on every address of the node, so it collides with every other package's cupsd and the node's own (use Listen ADDRESS:PORT)"
            )),
            Listen::Name(h, _) => out.push(format!(
                "{at}: '{h}' is not an address of package {pkg} ({theirs}); the node and every package share it"
            )),
            Listen::Addr(a, _) if !addrs.contains(&a) => {
                out.push(format!("{at}: not an address of package {pkg} ({theirs})"))
            }
            Listen::Addr(..) => {}
        }
    }
    out
}

/// The `ADDR:PORT` listeners of a `cupsd.conf` on the package's own
/// addresses: the ones to try binding before start.
pub fn own_listens(cupsd_conf: &str, addrs: &[IpAddr]) -> Vec<(IpAddr, u16)> {
    listens(cupsd_conf)
        .into_iter()
        .filter_map(|(_, _, l)| match l {
            Listen::Addr(a, p) if addrs.contains(&a) => Some((a, p)),
            _ => None,
        })
        .collect()
}

/// Does the package's inittab start cupsd (an entry, not `off`, whose
/// program is cupsd)?
pub fn inittab_runs_cupsd(inittab: &str) -> bool {
    crate::init::inittab::parse(inittab, "/etc/inittab")
        .entries
        .iter()
        .any(|e| {
            e.action != crate::init::inittab::Action::Off
                && e.process
                    .split_whitespace()
                    .any(|w| w.rsplit('/').next() == Some("cupsd"))
        })
}

/// Everything `mkpcue --check` says about the CUPS of the package at
/// `root` (nothing when it has no `/etc/cups/cupsd.conf` or its inittab
/// does not start cupsd: the layout's files alone are no spooler): [`problems`],
/// a package address cupsd could not listen on (tried with a bind of our
/// own when nothing listens there yet; reported too when the package's
/// cupsd runs without it), and `cupsd -t` run inside the package by `run`
/// (its output when it fails).
pub fn check_package(pkg: &str, root: &Path, addrs: &[IpAddr], run: InPackage) -> Vec<String> {
    let read = |p: &str| crate::sys::fs::read_text(&root.join(p)).unwrap_or_default();
    let cupsd_conf = match crate::sys::fs::read_text(&root.join("etc/cups/cupsd.conf")) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            return vec![format!(
                "can't read '/etc/cups/cupsd.conf': {}",
                strerror_io(&e)
            )]
        }
    };
    if !inittab_runs_cupsd(&read("etc/inittab")) {
        return Vec::new();
    }
    let inside = |d: &str| root.join(d.trim_start_matches('/'));
    let mut out = problems(
        pkg,
        &read("etc/cups/cups-files.conf"),
        &cupsd_conf,
        &read("etc/passwd"),
        &read("etc/group"),
        addrs,
        |d| inside(d).is_dir(),
    );
    let listening: Vec<(IpAddr, u16)> = crate::procfs::tcp_sockets()
        .into_iter()
        .filter(|s| s.state == crate::procfs::net_tcp::LISTEN)
        .map(|s| (s.local, s.local_port))
        .collect();
    let running = cupsd_running(&read("run/cups/cupsd.pid"));
    for (a, port) in own_listens(&cupsd_conf, addrs) {
        if listening.contains(&(a, port)) {
            continue;
        }
        let shown = SocketAddr::new(a, port);
        match TcpListener::bind(shown) {
            Err(e) => out.push(format!(
                "cupsd can't listen on '{shown}': {}",
                strerror_io(&e)
            )),
            Ok(_) if running => out.push(format!(
                "cupsd runs without listening on '{shown}' (see /var/log/cups/error_log)"
            )),
            Ok(_) => {}
        }
    }
    if !inside("/usr/sbin/cupsd").exists() {
        out.push("cupsd -t not run: no /usr/sbin/cupsd in the root (is it mounted?)".into());
        return out;
    }
    match run(&["/usr/sbin/cupsd", "-t"]) {
        Err(why) => out.push(format!("can't run 'cupsd -t': {why}")),
        Ok((Exit::Code(0), _)) => {}
        Ok((how, output)) => {
            let text = String::from_utf8_lossy(&output);
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            if lines.is_empty() {
                out.push(match how {
                    Exit::Code(c) => format!("cupsd -t failed (exit status {c}) without a word"),
                    Exit::Signal(s) => format!("cupsd -t failed (signal {s}) without a word"),
                });
            }
            for l in lines {
                out.push(format!("cupsd -t: {l}"));
            }
        }
    }
    out
}

/// A live cupsd holds the pid in the package's `/run/cups/cupsd.pid`.
fn cupsd_running(pid_file: &str) -> bool {
    pid_file
        .trim()
        .parse::<i32>()
        .ok()
        .and_then(crate::procfs::read_stat)
        .is_some_and(|s| s.comm == "cupsd")
}

#[cfg(test)]
mod tests {
    use super::*;

    // Debian 12's stock files, as cups-daemon installs them
    const STOCK_FILES: &str = "# comment
SystemGroup lpadmin
PeerCred on
LogFileGroup adm
AccessLog /var/log/cups/access_log
ErrorLog /var/log/cups/error_log
PageLog /var/log/cups/page_log
";
    const STOCK_CUPSD: &str = "LogLevel warn
Listen localhost:631
Listen /run/cups/cups.sock
Browsing Yes
<Location />
  Order allow,deny
</Location>
";
    const GROUP: &str = "root:x:0:\nadm:x:4:\nlp:x:7:\n";
    const PASSWD: &str =
        "root:x:0:0:root:/root:/bin/sh\nlp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin\n";

    fn a(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn needs_of_the_stock_file() {
        let n = needs(STOCK_FILES);
        assert_eq!(
            n.groups,
            [
                ("SystemGroup".to_string(), "lpadmin".to_string()),
                ("LogFileGroup".into(), "adm".into())
            ]
        );
        let dirs: Vec<&str> = n.dirs.iter().map(|(_, d)| d.as_str()).collect();
        assert_eq!(
            dirs,
            [
                "/var/log/cups",
                "/var/log/cups",
                "/var/log/cups",
                "/etc/cups",
                "/var/spool/cups",
                "/var/cache/cups",
                "/run/cups",
                "/usr/lib/cups"
            ]
        );
        let n = needs("SystemGroup root sys\nUser lp\nCacheDir /c\nErrorLog syslog\n");
        assert_eq!(n.groups.len(), 2);
        assert_eq!(n.users, [("User".to_string(), "lp".to_string())]);
        assert!(n.dirs.contains(&("CacheDir".into(), "/c".into())));
        assert!(!n.dirs.iter().any(|(_, d)| d == "/var/cache/cups"));
    }

    #[test]
    fn listen_forms() {
        let l: Vec<Listen> = listens(
            "Listen /run/cups/cups.sock\nListen 10.0.0.2:631\nListen [fd00::2]:631\n\
             Port 631\nListen *:632\nListen 0.0.0.0:633\nListen localhost:631\n\
             Listen nonsense\n# Listen 1.2.3.4:631\n",
        )
        .into_iter()
        .map(|(_, _, l)| l)
        .collect();
        assert_eq!(
            l,
            [
                Listen::Socket("/run/cups/cups.sock".into()),
                Listen::Addr(a("10.0.0.2"), 631),
                Listen::Addr(a("fd00::2"), 631),
                Listen::Any(631),
                Listen::Any(632),
                Listen::Any(633),
                Listen::Name("localhost".into(), 631),
            ]
        );
    }

    #[test]
    fn a_missing_group_and_the_stock_listeners_are_reported() {
        let p = problems(
            "pkg01",
            STOCK_FILES,
            STOCK_CUPSD,
            PASSWD,
            GROUP,
            &[a("10.0.0.2")],
            |_| true,
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].contains("SystemGroup lpadmin: no group 'lpadmin'"),
            "{p:?}"
        );
        assert!(
            p[1].contains("cupsd.conf:2: Listen localhost:631: 'localhost' is not an address of package pkg01 (its addresses are 10.0.0.2)"),
            "{p:?}"
        );
    }

    #[test]
    fn the_package_layout_passes() {
        let files = "SystemGroup root\nUser lp\nGroup lp\nLogFileGroup adm\nStateDir /run/cups\n";
        let cupsd = "Listen /run/cups/cups.sock\nListen 10.0.0.2:631\n";
        let p = problems("p", files, cupsd, PASSWD, GROUP, &[a("10.0.0.2")], |_| true);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(own_listens(cupsd, &[a("10.0.0.2")]), [(a("10.0.0.2"), 631)]);
        // the same with /run/cups and the cache missing
        let p = problems("p", files, cupsd, PASSWD, GROUP, &[a("10.0.0.2")], |d| {
            d != "/run/cups" && d != "/var/cache/cups"
        });
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].contains("StateDir /run/cups: no such directory"));
        assert!(p[1].contains("CacheDir /var/cache/cups: no such directory"));
        assert!(p[2].contains("Listen /run/cups/cups.sock: no directory /run/cups"));
    }

    #[test]
    fn only_a_package_that_starts_cupsd_is_checked() {
        assert!(inittab_runs_cupsd(
            "id:3:initdefault:\ncups:34:respawn:/usr/sbin/cupsd -f\n"
        ));
        assert!(inittab_runs_cupsd("cu:3:once:exec cupsd -f\n"));
        assert!(!inittab_runs_cupsd(
            "id:3:initdefault:\n#cups:34:respawn:/usr/sbin/cupsd -f\n"
        ));
        assert!(!inittab_runs_cupsd("cups:34:off:/usr/sbin/cupsd -f\n"));
        assert!(!inittab_runs_cupsd("x:3:respawn:/opt/cupsd-exporter\n"));
    }

    #[test]
    fn garbage_is_no_panic() {
        let junk = "Listen\nListen :\nListen [::1\nListen /\nPort abc\nPort 99999\n\
                    SystemGroup\nUser\nErrorLog /\nErrorLog /x\nCacheDir relative\n\
                    \u{0}\u{ff}:::\n<Location\n";
        let p = problems("p", junk, junk, "", "", &[], |_| false);
        assert!(!p.iter().any(|l| l.contains("''")), "{p:?}");
        assert!(p.iter().any(|l| l.contains("Listen [::1")), "{p:?}");
        assert!(own_listens(junk, &[]).is_empty());
    }

    #[test]
    fn port_and_foreign_addresses_are_reported() {
        let cupsd = "Port 631\nListen 10.9.9.9:631\n";
        let p = problems("p", "", cupsd, PASSWD, GROUP, &[], |_| true);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains(":1: Port 631: listens on every address"));
        assert!(p[1].contains(
            ":2: Listen 10.9.9.9:631: not an address of package p (it has none in the registry)"
        ));
        assert!(own_listens(cupsd, &[]).is_empty());
    }
}
