//! The layout file format: one entry a line (`root`, `dir`, `symlink`,
//! `file`, `fifo`, `bind`, `mount`, `applets`) with `owner=` and `if=`
//! options; `default.layout` describes it in its comments. Pure: text in,
//! entries out, every error naming its line.

use std::collections::HashSet;
use std::net::IpAddr;

/// A user or group as the layout names it: `name` or `name?` (optional:
/// root when the host has no such name), or a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Id {
    pub name: String,
    pub optional: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    Empty,
    /// The package name and a newline.
    Package,
    /// Host passwd entries below uid 1000, from FILE.
    Passwd(String),
    /// Host group entries below gid 1000.
    Group(String),
    /// Host shadow entries of the users `Passwd` keeps.
    Shadow(String),
    /// A host file, byte for byte.
    Copy(String),
    /// Inline text; `${PKG}` is replaced.
    Text(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Root,
    Dir {
        mode: u32,
    },
    Symlink {
        target: String,
    },
    File {
        mode: u32,
        content: Content,
    },
    Fifo {
        mode: u32,
    },
    Bind {
        source: String,
        ro: bool,
        /// No device files work through it (a view of the node's /dev
        /// for its log socket, not its disks).
        nodev: bool,
    },
    Mount {
        fstype: String,
        source: String,
        options: String,
    },
    /// `DIR/NAME -> pcue` for every applet: expanded by `Layout::expand`.
    Applets,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutEntry {
    /// Line in the layout text, for messages.
    pub line: usize,
    /// Relative to the root, no `.`/`..`/empty components; "" for the root.
    pub path: String,
    pub kind: Kind,
    pub user: Id,
    pub group: Id,
    /// Only when the host has this path.
    pub only_if: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub entries: Vec<LayoutEntry>,
}

fn root_id() -> Id {
    Id {
        name: "root".into(),
        optional: false,
    }
}

fn parse_id(s: &str) -> Option<Id> {
    let (name, optional) = match s.strip_suffix('?') {
        Some(n) => (n, true),
        None => (s, false),
    };
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    ok.then(|| Id {
        name: name.to_string(),
        optional,
    })
}

fn parse_mode(s: &str) -> Option<u32> {
    if s.len() < 3 || s.len() > 4 {
        return None;
    }
    u32::from_str_radix(s, 8).ok().filter(|m| *m <= 0o7777)
}

/// A path relative to the root: plain components only.
pub fn check_path(p: &str) -> Result<(), &'static str> {
    if p.is_empty() {
        return Err("empty path");
    }
    if p.starts_with('/') {
        return Err("path must be relative to the package root");
    }
    if p.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
        return Err("path has an empty, '.' or '..' component");
    }
    Ok(())
}

fn parse_content(word: &str) -> Option<Content> {
    let (k, v) = word.split_once(':').unwrap_or((word, ""));
    let host = |v: &str| (v.starts_with('/')).then(|| v.to_string());
    Some(match k {
        "empty" if v.is_empty() => Content::Empty,
        "package" if v.is_empty() => Content::Package,
        "passwd" => Content::Passwd(host(v)?),
        "group" => Content::Group(host(v)?),
        "shadow" => Content::Shadow(host(v)?),
        "copy" => Content::Copy(host(v)?),
        _ => return None,
    })
}

/// `line N: message`
pub type ParseError = String;

/// Parse a layout. Every error names its line; the first one stops.
pub fn parse(text: &str) -> Result<Layout, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut entries = Vec::new();
    let mut i = 0;
    let mut known: HashSet<String> = HashSet::new();
    let mut seen_root = false;
    while i < lines.len() {
        let n = i + 1;
        let line = lines[i].trim();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |m: &str| Err(format!("line {n}: {m}"));
        let mut words: Vec<&str> = line.split_whitespace().collect();
        // trailing key=value options
        let (mut user, mut group, mut only_if) = (root_id(), root_id(), None);
        while let Some(w) = words.last() {
            if let Some(v) = w.strip_prefix("owner=") {
                let (u, g) = v.split_once(':').unwrap_or((v, "root"));
                match (parse_id(u), parse_id(g)) {
                    (Some(u), Some(g)) => (user, group) = (u, g),
                    _ => return err(&format!("bad owner '{v}'")),
                }
            } else if let Some(v) = w.strip_prefix("if=") {
                if !v.starts_with('/') {
                    return err("if= needs an absolute host path");
                }
                only_if = Some(v.to_string());
            } else {
                break;
            }
            words.pop();
        }
        let Some(&kind_word) = words.first() else {
            return err("options without an entry");
        };
        if kind_word == "root" {
            if words.len() != 1 {
                return err("'root' takes no arguments");
            }
            if seen_root || !entries.is_empty() {
                return err("'root' must be the first entry, once");
            }
            seen_root = true;
            known.insert(String::new());
            entries.push(LayoutEntry {
                line: n,
                path: String::new(),
                kind: Kind::Root,
                user,
                group,
                only_if,
            });
            continue;
        }
        if !seen_root {
            return err("the layout must start with 'root'");
        }
        let Some(path) = words.get(1).map(|p| p.to_string()) else {
            return err(&format!("'{kind_word}' needs a path"));
        };
        if let Err(m) = check_path(&path) {
            return err(&format!("'{path}': {m}"));
        }
        let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        if !known.contains(parent) {
            return err(&format!(
                "'{path}': its directory '{parent}' is not made by an earlier entry"
            ));
        }
        let args = &words[2..];
        let mode = |s: Option<&&str>| s.and_then(|s| parse_mode(s));
        let kind = match (kind_word, args.len()) {
            ("dir", 1) => match mode(args.first()) {
                Some(mode) => Kind::Dir { mode },
                None => return err(&format!("bad mode '{}'", args[0])),
            },
            ("symlink", 1) => Kind::Symlink {
                target: args[0].to_string(),
            },
            ("fifo", 1) => match mode(args.first()) {
                Some(mode) => Kind::Fifo { mode },
                None => return err(&format!("bad mode '{}'", args[0])),
            },
            ("file", 2) => {
                let Some(mode) = mode(args.first()) else {
                    return err(&format!("bad mode '{}'", args[0]));
                };
                let content = if let Some(end) = args[1].strip_prefix("<<") {
                    if end.is_empty() {
                        return err("'<<' needs an end word");
                    }
                    let mut body = String::new();
                    loop {
                        let Some(l) = lines.get(i) else {
                            return err(&format!("no line '{end}' ends the text"));
                        };
                        i += 1;
                        if l.trim() == end {
                            break;
                        }
                        body.push_str(l);
                        body.push('\n');
                    }
                    Content::Text(body)
                } else {
                    match parse_content(args[1]) {
                        Some(c) => c,
                        None => return err(&format!("unknown content '{}'", args[1])),
                    }
                };
                Kind::File { mode, content }
            }
            ("bind", 1 | 2) => {
                let (mut ro, mut nodev) = (false, false);
                for o in args.get(1).iter().flat_map(|w| w.split(',')) {
                    match o {
                        "ro" => ro = true,
                        "nodev" => nodev = true,
                        _ => return err(&format!("unknown bind option '{o}'")),
                    }
                }
                if !args[0].starts_with('/') {
                    return err("a bind source must be an absolute host path");
                }
                Kind::Bind {
                    source: args[0].to_string(),
                    ro,
                    nodev,
                }
            }
            ("mount", 3) => Kind::Mount {
                fstype: args[0].to_string(),
                source: args[1].to_string(),
                options: args[2].to_string(),
            },
            ("applets", 0) => Kind::Applets,
            ("dir" | "symlink" | "fifo" | "file" | "bind" | "mount" | "applets", _) => {
                return err(&format!("wrong number of words for '{kind_word}'"))
            }
            _ => return err(&format!("unknown entry '{kind_word}'")),
        };
        if matches!(
            kind,
            Kind::Dir { .. } | Kind::Mount { .. } | Kind::Bind { .. }
        ) {
            known.insert(path.clone());
        }
        entries.push(LayoutEntry {
            line: n,
            path,
            kind,
            user,
            group,
            only_if,
        });
    }
    if !seen_root {
        return Err("line 1: the layout must start with 'root'".into());
    }
    Ok(Layout { entries })
}

impl Layout {
    /// Replace `applets DIR` by one symlink per name, and drop entries whose
    /// `if=` path the host lacks (`host_has` answers), with everything below
    /// them: a directory the host does not need takes its entries along.
    pub fn expand(&self, applets: &[&str], host_has: impl Fn(&str) -> bool) -> Layout {
        let mut out = Vec::new();
        let mut dropped: HashSet<&str> = HashSet::new();
        for e in &self.entries {
            let parent = e.path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
            let under_dropped = !e.path.is_empty() && dropped.contains(parent);
            if under_dropped || e.only_if.as_ref().is_some_and(|p| !host_has(p)) {
                dropped.insert(&e.path);
                continue;
            }
            dropped.remove(e.path.as_str());
            match e.kind {
                Kind::Applets => {
                    for a in applets {
                        out.push(LayoutEntry {
                            path: format!("{}/{a}", e.path),
                            kind: Kind::Symlink {
                                target: "pcue".into(),
                            },
                            only_if: None,
                            ..e.clone()
                        });
                    }
                }
                _ => out.push(e.clone()),
            }
        }
        Layout { entries: out }
    }
}

/// The text of a `<<WORD` file for package `pkg`: `${PKG}` replaced by its
/// name, and each line holding `${ADDR}` written once per address of the
/// package (an IPv6 one in brackets, as `ADDR:PORT` needs), or left out
/// when it has none.
pub fn fill(text: &str, pkg: &str, addrs: &[IpAddr]) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let line = line.replace("${PKG}", pkg);
        if !line.contains("${ADDR}") {
            out.push_str(&line);
            continue;
        }
        for a in addrs {
            let a = match a {
                IpAddr::V4(v4) => v4.to_string(),
                IpAddr::V6(v6) => format!("[{v6}]"),
            };
            out.push_str(&line.replace("${ADDR}", &a));
        }
    }
    out
}

impl Id {
    /// The number of this user or group in the host's passwd or group text
    /// (`what` names which, for the message); an optional name the host
    /// lacks is root.
    pub fn resolve(&self, db: &str, what: &str) -> Result<u32, String> {
        match crate::passwd::lookup_id(db, &self.name) {
            Some(n) => Ok(n),
            None if self.optional => Ok(0),
            None => Err(format!("no {what} '{}' on this host", self.name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::DEFAULT;

    #[test]
    fn default_layout_parses() {
        let l = parse(DEFAULT).unwrap();
        let find = |p: &str| l.entries.iter().filter(|e| e.path == p).collect::<Vec<_>>();
        assert_eq!(l.entries[0].kind, Kind::Root);
        assert_eq!(find("tmp")[0].kind, Kind::Dir { mode: 0o1777 });
        assert_eq!(find("root")[0].kind, Kind::Dir { mode: 0o700 });
        let shadow = &find("etc/shadow")[0];
        assert_eq!(
            shadow.group,
            Id {
                name: "shadow".into(),
                optional: true
            }
        );
        assert!(matches!(shadow.kind, Kind::File { mode: 0o640, .. }));
        assert_eq!(
            find("usr")[1].kind,
            Kind::Bind {
                source: "/usr".into(),
                ro: true,
                nodev: false
            }
        );
        assert_eq!(find("bin")[0].only_if.as_deref(), Some("/usr/bin"));
        // the node's /dev is there for its log socket, not its devices
        assert_eq!(
            find("system/dev")[1].kind,
            Kind::Bind {
                source: "/dev".into(),
                ro: true,
                nodev: true
            }
        );
        let Kind::File {
            content: Content::Text(t),
            ..
        } = &find("etc/inittab")[0].kind
        else {
            panic!("inittab is inline text")
        };
        assert!(t.starts_with("# /etc/inittab of package ${PKG}"), "{t}");
        // the control FIFO in root's /run, none in the world-writable /tmp
        assert!(matches!(
            find("run/initctl")[0].kind,
            Kind::Fifo { mode: 0o640 }
        ));
        assert!(find("tmp/initctl").is_empty());
        // the line after the text block is parsed again
        assert_eq!(
            find("proc")[1].kind,
            Kind::Mount {
                fstype: "proc".into(),
                source: "proc".into(),
                options: "nosuid,nodev,noexec".into()
            }
        );
    }

    #[test]
    fn errors_name_the_line() {
        let bad = [
            (
                "dir etc 0755\n",
                "line 1: the layout must start with 'root'",
            ),
            (
                "root\ndir /etc 0755\n",
                "line 2: '/etc': path must be relative",
            ),
            ("root\ndir a/../b 0755\n", "line 2: 'a/../b': path has"),
            ("root\ndir etc 999\n", "line 2: bad mode '999'"),
            (
                "root\ndir etc 0755\nfile etc/x 0644 nope\n",
                "line 3: unknown content 'nope'",
            ),
            (
                "root\nfile x/y 0644 empty\n",
                "line 2: 'x/y': its directory 'x' is not made",
            ),
            (
                "root\nbind usr usr\n",
                "line 2: a bind source must be an absolute",
            ),
            (
                "root\nfile x 0644 <<END\nno end\n",
                "line 2: no line 'END' ends the text",
            ),
            ("root\nfrob x\n", "line 2: unknown entry 'frob'"),
            (
                "root\ndir x 0755\nbind x /dev ro,rw\n",
                "line 3: unknown bind option 'rw'",
            ),
            (
                "root\ndir x 0755\nbind x /dev nodev,\n",
                "line 3: unknown bind option ''",
            ),
            (
                "root\ndir x 0755 owner=a:b:c\n",
                "line 2: bad owner 'a:b:c'",
            ),
            (
                "root\nroot\n",
                "line 2: 'root' must be the first entry, once",
            ),
            (
                "root\nowner=root:root\n",
                "line 2: options without an entry",
            ),
            ("root\nif=/usr\n", "line 2: options without an entry"),
            ("owner=a if=/x\n", "line 1: options without an entry"),
        ];
        for (text, want) in bad {
            let e = parse(text).unwrap_err();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn a_dropped_directory_takes_its_entries_along() {
        let text = "root\ndir opt 0755 if=/usr/sbin/cupsd\ndir opt/cups 0755\n\
                    symlink opt/cups/filter /usr/lib/cups/filter if=/usr/lib/cups/filter\n\
                    dir var 0755\n";
        let l = parse(text)
            .unwrap()
            .expand(&[], |p| p == "/usr/lib/cups/filter");
        let paths: Vec<&str> = l.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["", "var"], "no cupsd: nothing under opt");
        let l = parse(text).unwrap().expand(&[], |_| true);
        assert_eq!(l.entries.len(), 5);
    }

    #[test]
    fn the_default_layout_has_cups_and_atd_only_where_installed() {
        let l = parse(DEFAULT).unwrap();
        let none = l.expand(&[], |p| p != "/usr/sbin/cupsd" && p != "/usr/sbin/atd");
        let spooler = |p: &str| {
            p.contains("cups")
                || p.starts_with("var/spool/cron/at")
                || ["etc/at.deny", "etc/pam.d/atd", "etc/printcap", "opt"].contains(&p)
        };
        let left: Vec<&str> = none.entries.iter().map(|e| e.path.as_str()).collect();
        assert!(!left.iter().any(|p| spooler(p)), "{left:?}");
        assert!(left.contains(&"var/spool/cron/crontabs"));
        let all = l.expand(&[], |_| true);
        let has = |p: &str| all.entries.iter().any(|e| e.path == p);
        for p in [
            "etc/cups/cupsd.conf",
            "etc/cups/cups-files.conf",
            "var/spool/cups",
            "var/cache/cups",
            "var/log/cups",
            "run/cups",
            "etc/printcap",
            "opt/cups/backend",
            "var/spool/cron/atjobs",
            "var/spool/cron/atspool",
            "etc/at.deny",
            "etc/pam.d/atd",
        ] {
            assert!(has(p), "{p}");
        }
        let conf = all
            .entries
            .iter()
            .find_map(|e| match &e.kind {
                Kind::File {
                    content: Content::Text(t),
                    ..
                } if e.path == "etc/cups/cupsd.conf" => Some(t.clone()),
                _ => None,
            })
            .unwrap();
        let filled = fill(&conf, "pkg01", &["10.0.0.2".parse().unwrap()]);
        assert!(filled.contains("\nListen /run/cups/cups.sock\nListen 10.0.0.2:631\n"));
        assert!(filled.contains("\nDirtyCleanInterval 0\n"));
        assert!(!filled.lines().any(|l| l.starts_with("Port")));
    }

    #[test]
    fn fill_repeats_address_lines() {
        let t = "# ${PKG}\nListen /s\nListen ${ADDR}:631\nEnd\n";
        let a: Vec<IpAddr> = vec!["127.0.0.2".parse().unwrap(), "fd00::2".parse().unwrap()];
        assert_eq!(
            fill(t, "pkg01", &a),
            "# pkg01\nListen /s\nListen 127.0.0.2:631\nListen [fd00::2]:631\nEnd\n"
        );
        assert_eq!(fill(t, "p", &[]), "# p\nListen /s\nEnd\n");
        assert_eq!(fill("no newline ${PKG}", "p", &[]), "no newline p");
    }

    #[test]
    fn expand_applets_and_conditions() {
        let l = parse("root\ndir b 0755\napplets b\nsymlink lib64 usr/lib64 if=/usr/lib64\n")
            .unwrap()
            .expand(&["getcpkg", "telinit"], |p| p != "/usr/lib64");
        let paths: Vec<&str> = l.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["", "b", "b/getcpkg", "b/telinit"]);
        assert_eq!(
            l.entries[2].kind,
            Kind::Symlink {
                target: "pcue".into()
            }
        );
    }

    #[test]
    fn ids_resolve_against_the_host() {
        let groups = "root:x:0:\nshadow:x:42:\nalice:x:1000:\n";
        let opt = Id {
            name: "crontab".into(),
            optional: true,
        };
        assert_eq!(opt.resolve(groups, "group"), Ok(0));
        let must = Id {
            name: "crontab".into(),
            optional: false,
        };
        assert_eq!(
            must.resolve(groups, "group"),
            Err("no group 'crontab' on this host".into())
        );
        let shadow = Id {
            name: "shadow".into(),
            optional: true,
        };
        assert_eq!(shadow.resolve(groups, "group"), Ok(42));
    }
}
