//! The layout file format: one entry a line (`root`, `dir`, `symlink`,
//! `file`, `fifo`, `bind`, `mount`, `applets`) with `owner=` and `if=`
//! options; `default.layout` describes it in its comments. Pure: text in,
//! entries out, every error naming its line.

use std::collections::HashSet;

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
pub struct Entry {
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
    pub entries: Vec<Entry>,
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
        let kind_word = words[0];
        if kind_word == "root" {
            if words.len() != 1 {
                return err("'root' takes no arguments");
            }
            if seen_root || !entries.is_empty() {
                return err("'root' must be the first entry, once");
            }
            seen_root = true;
            known.insert(String::new());
            entries.push(Entry {
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
                let ro = match args.get(1) {
                    None => false,
                    Some(&"ro") => true,
                    Some(w) => return err(&format!("unknown bind option '{w}'")),
                };
                if !args[0].starts_with('/') {
                    return err("a bind source must be an absolute host path");
                }
                Kind::Bind {
                    source: args[0].to_string(),
                    ro,
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
        entries.push(Entry {
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
    /// `if=` path the host lacks (`host_has` answers).
    pub fn expand(&self, applets: &[&str], host_has: impl Fn(&str) -> bool) -> Layout {
        let mut out = Vec::new();
        for e in &self.entries {
            if let Some(p) = &e.only_if {
                if !host_has(p) {
                    continue;
                }
            }
            match e.kind {
                Kind::Applets => {
                    for a in applets {
                        out.push(Entry {
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
                ro: true
            }
        );
        assert_eq!(find("bin")[0].only_if.as_deref(), Some("/usr/bin"));
        let Kind::File {
            content: Content::Text(t),
            ..
        } = &find("etc/inittab")[0].kind
        else {
            panic!("inittab is inline text")
        };
        assert!(t.starts_with("# /etc/inittab of package ${PKG}"), "{t}");
        assert!(matches!(
            find("tmp/initctl")[0].kind,
            Kind::Fifo { mode: 0o640 }
        ));
        assert_eq!(
            find("run/initctl")[0].kind,
            Kind::Symlink {
                target: "/tmp/initctl".into()
            }
        );
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
                "root\ndir x 0755 owner=a:b:c\n",
                "line 2: bad owner 'a:b:c'",
            ),
            (
                "root\nroot\n",
                "line 2: 'root' must be the first entry, once",
            ),
        ];
        for (text, want) in bad {
            let e = parse(text).unwrap_err();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
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
