//! Package-root layouts: the text format mkpcue reads, and a planner that
//! compares a layout with what a root holds. Pure: the caller observes the
//! world (lstat of each path, the mount table, the host's files) and the
//! planner says what to do, what to keep and what has drifted. See
//! `default.layout` for the format.

use crate::mountinfo::Mount;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// The layout built into the binary (`mkpcue --print-layout`).
pub const DEFAULT: &str = include_str!("default.layout");

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

/// Look a name up in `name:x:ID:...` lines (passwd or group).
pub fn lookup_id(db: &str, name: &str) -> Option<u32> {
    if let Ok(n) = name.parse() {
        return Some(n);
    }
    db.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name).then_some(())?;
        f.nth(1)?.parse().ok()
    })
}

/// Resolve an `Id` against the host's passwd or group text.
pub fn resolve(db: &str, id: &Id, what: &str) -> Result<u32, String> {
    match lookup_id(db, &id.name) {
        Some(n) => Ok(n),
        None if id.optional => Ok(0),
        None => Err(format!("no {what} '{}' on this host", id.name)),
    }
}

/// The lines of a passwd or group text whose id (third field) is below 1000.
pub fn system_accounts(text: &str) -> String {
    let mut out = String::new();
    for l in text.lines() {
        let id = l.split(':').nth(2).and_then(|f| f.parse::<u32>().ok());
        if id.is_some_and(|id| id < 1000) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// The shadow lines of the users `system_accounts(passwd)` keeps.
pub fn system_shadow(shadow: &str, passwd: &str) -> String {
    let keep: HashSet<&str> = passwd
        .lines()
        .filter(|l| {
            l.split(':')
                .nth(2)
                .and_then(|f| f.parse::<u32>().ok())
                .is_some_and(|id| id < 1000)
        })
        .filter_map(|l| l.split(':').next())
        .collect();
    let mut out = String::new();
    for l in shadow.lines() {
        if l.split(':').next().is_some_and(|n| keep.contains(n)) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// One entry with its owner resolved to numbers and its file content made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub entry: Entry,
    pub uid: u32,
    pub gid: u32,
    /// The bytes of a `file` entry.
    pub data: Vec<u8>,
}

impl Item {
    pub fn path(&self) -> &str {
        &self.entry.path
    }
}

/// What is at a path in the root, as lstat saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Obs {
    Absent,
    /// A component on the way is not a directory (or is a symlink).
    Blocked(String),
    Node(Node),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Dir,
    File,
    Symlink,
    Fifo,
    Other,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Dir => "a directory",
            Type::File => "a regular file",
            Type::Symlink => "a symlink",
            Type::Fifo => "a fifo",
            Type::Other => "a special file",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub typ: Type,
    /// Permission bits with setuid, setgid and sticky.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Link target of a symlink.
    pub target: Option<String>,
    /// Content of a regular file the layout writes (when small).
    pub data: Option<Vec<u8>>,
}

/// A bind source on the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Source {
    pub is_dir: bool,
    pub dev: (u32, u32),
}

/// Everything the planner needs to know about the world.
#[derive(Clone, Debug, Default)]
pub struct World {
    /// The root's absolute path, as the mount table spells it.
    pub root: String,
    /// By entry path ("" is the root itself); missing means `Absent`.
    pub nodes: HashMap<String, Obs>,
    /// The caller's mount table.
    pub mounts: Vec<Mount>,
    /// Bind sources by host path; a missing one does not exist.
    pub sources: HashMap<String, Source>,
}

impl World {
    pub fn abs(&self, path: &str) -> String {
        abs(&self.root, path)
    }
    fn obs(&self, path: &str) -> &Obs {
        self.nodes.get(path).unwrap_or(&Obs::Absent)
    }
    /// The topmost mount on `path` (relative to the root).
    pub fn mount_at(&self, path: &str) -> Option<&Mount> {
        let a = self.abs(path);
        self.mounts.iter().rev().find(|m| m.mount_point == a)
    }
}

pub fn abs(root: &str, path: &str) -> String {
    match (root, path) {
        (r, "") => r.to_string(),
        ("/", p) => format!("/{p}"),
        (r, p) => format!("{r}/{p}"),
    }
}

/// One change to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    MkRoot,
    /// Bind the root onto itself (and make that mount private).
    BindRoot,
    Mkdir {
        path: String,
        mode: u32,
        uid: u32,
        gid: u32,
    },
    Symlink {
        path: String,
        target: String,
    },
    Write {
        path: String,
        mode: u32,
        uid: u32,
        gid: u32,
        data: Vec<u8>,
    },
    Mkfifo {
        path: String,
        mode: u32,
        uid: u32,
        gid: u32,
    },
    /// An empty file to mount a file on.
    MkFilePoint {
        path: String,
    },
    Bind {
        path: String,
        source: String,
        ro: bool,
    },
    RemountRo {
        path: String,
    },
    Mount {
        path: String,
        fstype: String,
        source: String,
        options: String,
    },
}

impl Step {
    pub fn is_mount(&self) -> bool {
        matches!(
            self,
            Step::BindRoot | Step::Bind { .. } | Step::Mount { .. } | Step::RemountRo { .. }
        )
    }
}

/// `/path` as seen inside the package.
pub fn shown(path: &str) -> String {
    format!("/{path}")
}

fn owner(uid: u32, gid: u32) -> String {
    format!("{uid}:{gid}")
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::MkRoot => write!(f, "mkdir / 0755 0:0"),
            Step::BindRoot => write!(f, "bind / onto itself (private)"),
            Step::Mkdir {
                path,
                mode,
                uid,
                gid,
            } => write!(f, "mkdir {} {mode:04o} {}", shown(path), owner(*uid, *gid)),
            Step::Symlink { path, target } => write!(f, "symlink {} -> {target}", shown(path)),
            Step::Write {
                path,
                mode,
                uid,
                gid,
                data,
            } => write!(
                f,
                "write {} {mode:04o} {} ({} bytes)",
                shown(path),
                owner(*uid, *gid),
                data.len()
            ),
            Step::Mkfifo {
                path,
                mode,
                uid,
                gid,
            } => write!(f, "mkfifo {} {mode:04o} {}", shown(path), owner(*uid, *gid)),
            Step::MkFilePoint { path } => write!(f, "touch {} (mount point)", shown(path)),
            Step::Bind { path, source, ro } => write!(
                f,
                "bind {} from {source}{}",
                shown(path),
                if *ro { " read-only" } else { "" }
            ),
            Step::RemountRo { path } => write!(f, "remount {} read-only", shown(path)),
            Step::Mount {
                path,
                fstype,
                source,
                options,
            } => write!(f, "mount {} {fstype} {source} {options}", shown(path)),
        }
    }
}

/// What to do: the steps in order, the existing things left alone (with
/// why), and what stops the plan (a directory that is a file...).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub kept: Vec<String>,
    pub blocked: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Everything: skeleton, files, mounts.
    Build,
    /// Mounts only (package start on a node): mount points must exist.
    MountOnly,
}

impl Plan {
    /// The mount point of a bind or a mount at `path`: nothing to do when a
    /// node of type `want` is there, its creation when building, else a
    /// blocker. False when the mount cannot be planned.
    fn mount_point(
        &mut self,
        path: &str,
        node: Option<&Node>,
        want: Type,
        build: bool,
        (uid, gid): (u32, u32),
    ) -> bool {
        match node {
            None if !build => {
                self.blocked.push(format!(
                    "{}: mount point missing (build the root first)",
                    shown(path)
                ));
                false
            }
            None if want == Type::Dir => {
                self.steps.push(Step::Mkdir {
                    path: path.to_string(),
                    mode: 0o755,
                    uid,
                    gid,
                });
                true
            }
            None => {
                self.steps.push(Step::MkFilePoint {
                    path: path.to_string(),
                });
                true
            }
            Some(n) if n.typ != want => {
                self.blocked.push(format!(
                    "{}: mount point is {}, not {want}",
                    shown(path),
                    n.typ
                ));
                false
            }
            Some(_) => true,
        }
    }
}

fn is_ro(m: &Mount) -> bool {
    m.options.split(',').any(|o| o == "ro")
}

fn mounted_paths(items: &[Item]) -> HashSet<&str> {
    items
        .iter()
        .filter(|i| matches!(i.entry.kind, Kind::Bind { .. } | Kind::Mount { .. }))
        .map(|i| i.path())
        .collect()
}

/// Compare a layout with the world and say what to do.
pub fn plan(items: &[Item], w: &World, mode: Mode) -> Plan {
    let mut p = Plan::default();
    let covered = mounted_paths(items);
    // a directory the plan makes: mount points under it are missing too
    for it in items {
        let path = it.path().to_string();
        let obs = w.obs(&path);
        let (uid, gid) = (it.uid, it.gid);
        if let Obs::Blocked(why) = obs {
            p.blocked.push(format!("{}: {why}", shown(&path)));
            continue;
        }
        let node = match obs {
            Obs::Node(n) => Some(n),
            _ => None,
        };
        let build = mode == Mode::Build;
        match &it.entry.kind {
            Kind::Root => match node {
                None if build => {
                    p.steps.push(Step::MkRoot);
                    p.steps.push(Step::BindRoot);
                }
                None => p
                    .blocked
                    .push(format!("the root {} does not exist", w.root)),
                Some(n) if n.typ != Type::Dir => {
                    p.blocked
                        .push(format!("the root {} is {}, not a directory", w.root, n.typ));
                }
                Some(_) if w.mount_at("").is_none() => p.steps.push(Step::BindRoot),
                Some(_) => {}
            },
            Kind::Dir { mode } => match node {
                _ if !build => {}
                None => p.steps.push(Step::Mkdir {
                    path,
                    mode: *mode,
                    uid,
                    gid,
                }),
                Some(n) if n.typ != Type::Dir => {
                    p.blocked
                        .push(format!("{} is {}, not a directory", shown(&path), n.typ))
                }
                Some(n)
                    if !covered.contains(path.as_str())
                        && (n.mode != *mode || (n.uid, n.gid) != (uid, gid)) =>
                {
                    p.kept.push(format!(
                        "{}: mode {:04o} owner {}:{}, the layout says {mode:04o} {uid}:{gid}",
                        shown(&path),
                        n.mode,
                        n.uid,
                        n.gid
                    ))
                }
                Some(_) => {}
            },
            Kind::Symlink { target } => match node {
                _ if !build => {}
                None => p.steps.push(Step::Symlink {
                    path,
                    target: target.clone(),
                }),
                Some(n) if n.target.as_ref() == Some(target) => {}
                Some(n) => p.kept.push(format!(
                    "{}: {}{}",
                    shown(&path),
                    n.typ,
                    n.target
                        .as_ref()
                        .map(|t| format!(" to {t}"))
                        .unwrap_or_default()
                )),
            },
            Kind::File { mode, .. } => match node {
                _ if !build => {}
                None => p.steps.push(Step::Write {
                    path,
                    mode: *mode,
                    uid,
                    gid,
                    data: it.data.clone(),
                }),
                Some(n) => {
                    let same = n.typ == Type::File
                        && n.mode == *mode
                        && (n.uid, n.gid) == (uid, gid)
                        && n.data.as_ref() == Some(&it.data);
                    if !same {
                        p.kept
                            .push(format!("{}: exists, differs from the layout", shown(&path)));
                    }
                }
            },
            Kind::Fifo { mode } => match node {
                _ if !build => {}
                None => p.steps.push(Step::Mkfifo {
                    path,
                    mode: *mode,
                    uid,
                    gid,
                }),
                Some(n) if n.typ == Type::Fifo => {}
                Some(n) => p
                    .kept
                    .push(format!("{}: {}, not a fifo", shown(&path), n.typ)),
            },
            Kind::Bind { source, ro } => {
                let Some(src) = w.sources.get(source) else {
                    p.blocked
                        .push(format!("{}: bind source {source} is missing", shown(&path)));
                    continue;
                };
                match w.mount_at(&path) {
                    Some(m) if m.dev != src.dev => p.kept.push(format!(
                        "{}: another filesystem is mounted there",
                        shown(&path)
                    )),
                    Some(m) if *ro && !is_ro(m) => p.steps.push(Step::RemountRo { path }),
                    Some(_) => {}
                    None => {
                        let want = if src.is_dir { Type::Dir } else { Type::File };
                        if !p.mount_point(&path, node, want, build, (uid, gid)) {
                            continue;
                        }
                        p.steps.push(Step::Bind {
                            path,
                            source: source.clone(),
                            ro: *ro,
                        });
                    }
                }
            }
            Kind::Mount {
                fstype,
                source,
                options,
            } => match w.mount_at(&path) {
                Some(m) if &m.fstype == fstype => {}
                Some(m) => p.kept.push(format!(
                    "{}: {} is mounted there, not {fstype}",
                    shown(&path),
                    m.fstype
                )),
                None => {
                    if !p.mount_point(&path, node, Type::Dir, build, (uid, gid)) {
                        continue;
                    }
                    p.steps.push(Step::Mount {
                        path,
                        fstype: fstype.clone(),
                        source: source.clone(),
                        options: options.clone(),
                    });
                }
            },
            Kind::Applets => {}
        }
    }
    // a dir entry and its mount entry may both plan the same mkdir
    let mut made = HashSet::new();
    p.steps.retain(|s| match s {
        Step::Mkdir { path, .. } => made.insert(path.clone()),
        _ => true,
    });
    p
}

/// Every way the root differs from the layout, one line each.
pub fn check(items: &[Item], w: &World) -> Vec<String> {
    let mut d = Vec::new();
    let covered = mounted_paths(items);
    let attrs = |d: &mut Vec<String>, path: &str, n: &Node, mode: u32, it: &Item| {
        if n.mode != mode {
            d.push(format!(
                "{}: mode {:04o}, layout says {mode:04o}",
                shown(path),
                n.mode
            ));
        }
        if (n.uid, n.gid) != (it.uid, it.gid) {
            d.push(format!(
                "{}: owner {}:{}, layout says {}:{}",
                shown(path),
                n.uid,
                n.gid,
                it.uid,
                it.gid
            ));
        }
    };
    for it in items {
        let path = it.path();
        let node = match w.obs(path) {
            Obs::Blocked(why) => {
                d.push(format!("{}: {why}", shown(path)));
                continue;
            }
            Obs::Absent => None,
            Obs::Node(n) => Some(n),
        };
        let want_type = match &it.entry.kind {
            Kind::Root | Kind::Dir { .. } => Some(Type::Dir),
            Kind::Symlink { .. } => Some(Type::Symlink),
            Kind::File { .. } => Some(Type::File),
            Kind::Fifo { .. } => Some(Type::Fifo),
            Kind::Bind { .. } | Kind::Mount { .. } | Kind::Applets => None,
        };
        if let Some(t) = want_type {
            match node {
                None => {
                    d.push(format!("{}: missing", shown(path)));
                    continue;
                }
                Some(n) if n.typ != t => {
                    d.push(format!("{}: is {}, layout says {t}", shown(path), n.typ));
                    continue;
                }
                Some(_) => {}
            }
        }
        match (&it.entry.kind, node) {
            (Kind::Root, _) if w.mount_at("").is_none() => {
                d.push("/: not a mount point".to_string());
            }
            (Kind::Dir { mode }, Some(n)) if !covered.contains(path) => {
                attrs(&mut d, path, n, *mode, it)
            }
            (Kind::Symlink { target }, Some(n)) if n.target.as_ref() != Some(target) => {
                d.push(format!(
                    "{}: points to {}, layout says {target}",
                    shown(path),
                    n.target.as_deref().unwrap_or("?")
                ));
            }
            (Kind::File { mode, .. } | Kind::Fifo { mode }, Some(n)) => {
                attrs(&mut d, path, n, *mode, it)
            }
            (Kind::Bind { source, ro }, _) => match (w.mount_at(path), w.sources.get(source)) {
                (None, _) => d.push(format!("{}: not mounted", shown(path))),
                (Some(_), None) => {
                    d.push(format!("{}: bind source {source} is missing", shown(path)))
                }
                (Some(m), Some(s)) if m.dev != s.dev => {
                    d.push(format!("{}: not mounted from {source}", shown(path)))
                }
                (Some(m), _) if *ro && !is_ro(m) => d.push(format!(
                    "{}: mounted read-write, layout says read-only",
                    shown(path)
                )),
                _ => {}
            },
            (Kind::Mount { fstype, .. }, _) => match w.mount_at(path) {
                None => d.push(format!("{}: not mounted", shown(path))),
                Some(m) if &m.fstype != fstype => d.push(format!(
                    "{}: {} mounted, layout says {fstype}",
                    shown(path),
                    m.fstype
                )),
                Some(_) => {}
            },
            _ => {}
        }
    }
    d
}

/// The mounts to take down for `--umount`, last mounted first: every mount
/// on or below the root, except the root's own mount when it is not a bind
/// of the root onto itself (a package filesystem the cluster mounted).
pub fn umount_order<'a>(mounts: &'a [Mount], root: &str) -> Vec<&'a Mount> {
    let below = |mp: &str| {
        mp.len() > root.len() && mp.starts_with(root) && {
            root == "/" || mp.as_bytes()[root.len()] == b'/'
        }
    };
    let mut out: Vec<&Mount> = mounts
        .iter()
        .rev()
        .filter(|m| below(&m.mount_point))
        .collect();
    for m in mounts.iter().rev().filter(|m| m.mount_point == root) {
        if self_bind(mounts, m) {
            out.push(m);
        }
    }
    out
}

/// A mount of the directory onto itself: same device as its parent mount,
/// and its root is the parent's root plus the way from the parent's mount
/// point to it.
pub fn self_bind(mounts: &[Mount], m: &Mount) -> bool {
    let Some(parent) = mounts.iter().find(|p| p.id == m.parent) else {
        return false;
    };
    if parent.dev != m.dev {
        return false;
    }
    let rel = if parent.mount_point == "/" {
        m.mount_point.as_str()
    } else {
        match m.mount_point.strip_prefix(&parent.mount_point) {
            Some(r) => r,
            None => return false,
        }
    };
    let want = if parent.root == "/" {
        rel.to_string()
    } else {
        format!("{}{rel}", parent.root)
    };
    m.root == want
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mountinfo;

    fn items(text: &str) -> Vec<Item> {
        parse(text)
            .unwrap()
            .expand(&["getcpkg", "mkpcue"], |_| true)
            .entries
            .into_iter()
            .map(|e| Item {
                data: b"x\n".to_vec(),
                entry: e,
                uid: 0,
                gid: 0,
            })
            .collect()
    }

    fn dir(mode: u32) -> Obs {
        Obs::Node(Node {
            typ: Type::Dir,
            mode,
            uid: 0,
            gid: 0,
            target: None,
            data: None,
        })
    }

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

    // literal lines from a Debian 12 host
    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
";
    const SHADOW: &str = "root:*:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
alice:$y$j9T$abc:19001:0:99999:7:::
";

    #[test]
    fn accounts_below_1000() {
        assert_eq!(
            system_accounts(PASSWD),
            "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n"
        );
        assert_eq!(
            system_shadow(SHADOW, PASSWD),
            "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
        );
        let groups = "root:x:0:\nshadow:x:42:\nalice:x:1000:\n";
        assert_eq!(lookup_id(groups, "shadow"), Some(42));
        assert_eq!(lookup_id(groups, "17"), Some(17));
        assert_eq!(lookup_id(groups, "crontab"), None);
        let opt = Id {
            name: "crontab".into(),
            optional: true,
        };
        assert_eq!(resolve(groups, &opt, "group"), Ok(0));
        let must = Id {
            name: "crontab".into(),
            optional: false,
        };
        assert_eq!(
            resolve(groups, &must, "group"),
            Err("no group 'crontab' on this host".into())
        );
    }

    const MOUNTS: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
100 22 0:50 / /t rw - tmpfs pcue-test rw
101 100 0:50 /pkg1 /t/pkg1 rw - tmpfs pcue-test rw
102 101 8:1 /usr /t/pkg1/usr ro,relatime - ext4 /dev/sda1 rw
103 101 0:60 / /t/pkg1/proc rw - proc proc rw
104 22 0:70 / /t/pkg10 rw - tmpfs other rw
";

    fn world() -> World {
        let mut w = World {
            root: "/t/pkg1".into(),
            mounts: mountinfo::parse(MOUNTS.as_bytes()),
            ..World::default()
        };
        w.sources.insert(
            "/usr".into(),
            Source {
                is_dir: true,
                dev: (8, 1),
            },
        );
        w
    }

    const SMALL: &str = "root\ndir usr 0755\nbind usr /usr ro\ndir tmp 1777\ndir proc 0555\nmount proc proc proc nosuid\nsymlink bin usr/bin\nfile etc 0644 empty\nfifo f 0640\n";

    #[test]
    fn plan_fresh_root() {
        let mut w = world();
        w.root = "/t/new".into();
        let p = plan(&items(SMALL), &w, Mode::Build);
        let shown: Vec<String> = p.steps.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            shown,
            [
                "mkdir / 0755 0:0",
                "bind / onto itself (private)",
                "mkdir /usr 0755 0:0",
                "bind /usr from /usr read-only",
                "mkdir /tmp 1777 0:0",
                "mkdir /proc 0555 0:0",
                "mount /proc proc proc nosuid",
                "symlink /bin -> usr/bin",
                "write /etc 0644 0:0 (2 bytes)",
                "mkfifo /f 0640 0:0",
            ]
        );
        assert!(p.kept.is_empty() && p.blocked.is_empty());
        // mounts only, on a root that is not there
        let p = plan(&items(SMALL), &w, Mode::MountOnly);
        assert!(p.steps.is_empty());
        assert_eq!(p.blocked[0], "the root /t/new does not exist");
    }

    #[test]
    fn plan_complete_root_is_empty_and_check_clean() {
        let mut w = world();
        for (p, o) in [
            ("", dir(0o755)),
            ("usr", dir(0o755)),
            ("tmp", dir(0o1777)),
            ("proc", dir(0o555)),
        ] {
            w.nodes.insert(p.into(), o);
        }
        let node = |typ, mode, target: Option<&str>, data: Option<&[u8]>| {
            Obs::Node(Node {
                typ,
                mode,
                uid: 0,
                gid: 0,
                target: target.map(Into::into),
                data: data.map(Into::into),
            })
        };
        w.nodes.insert(
            "bin".into(),
            node(Type::Symlink, 0o777, Some("usr/bin"), None),
        );
        w.nodes
            .insert("etc".into(), node(Type::File, 0o644, None, Some(b"x\n")));
        w.nodes
            .insert("f".into(), node(Type::Fifo, 0o640, None, None));
        let its = items(SMALL);
        assert_eq!(plan(&its, &w, Mode::Build), Plan::default());
        assert_eq!(check(&its, &w), Vec::<String>::new());

        // drift: a mode, a link, an unmounted proc, a rw usr, a file's content
        w.nodes.insert("tmp".into(), dir(0o755));
        w.nodes.insert(
            "bin".into(),
            node(Type::Symlink, 0o777, Some("/elsewhere"), None),
        );
        w.nodes
            .insert("etc".into(), node(Type::File, 0o644, None, Some(b"mine\n")));
        w.nodes.remove("f");
        w.mounts.retain(|m| m.mount_point != "/t/pkg1/proc");
        for m in &mut w.mounts {
            if m.mount_point == "/t/pkg1/usr" {
                m.options = "rw".into();
            }
        }
        assert_eq!(
            check(&its, &w),
            [
                "/usr: mounted read-write, layout says read-only",
                "/tmp: mode 0755, layout says 1777",
                "/proc: not mounted",
                "/bin: points to /elsewhere, layout says usr/bin",
                "/f: missing",
            ]
        );
        let p = plan(&its, &w, Mode::Build);
        let shown: Vec<String> = p.steps.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            shown,
            [
                "remount /usr read-only",
                "mount /proc proc proc nosuid",
                "mkfifo /f 0640 0:0",
            ]
        );
        assert_eq!(
            p.kept,
            [
                "/tmp: mode 0755 owner 0:0, the layout says 1777 0:0",
                "/bin: a symlink to /elsewhere",
                "/etc: exists, differs from the layout"
            ]
        );
        // mounts only: no fifo, no files
        let p = plan(&its, &w, Mode::MountOnly);
        assert_eq!(p.steps.len(), 2);
    }

    #[test]
    fn plan_blocks_on_wrong_types() {
        let mut w = world();
        w.nodes.insert("".into(), dir(0o755));
        w.nodes.insert(
            "tmp".into(),
            Obs::Node(Node {
                typ: Type::File,
                mode: 0o644,
                uid: 0,
                gid: 0,
                target: None,
                data: None,
            }),
        );
        w.nodes.insert(
            "proc".into(),
            Obs::Blocked("a component is a symlink".into()),
        );
        let p = plan(&items(SMALL), &w, Mode::Build);
        assert_eq!(
            p.blocked,
            [
                "/tmp is a regular file, not a directory",
                "/proc: a component is a symlink",
                "/proc: a component is a symlink"
            ]
        );
        w.sources.clear();
        let p = plan(&items(SMALL), &w, Mode::Build);
        assert_eq!(p.blocked[0], "/usr: bind source /usr is missing");
    }

    #[test]
    fn umount_order_and_self_bind() {
        let ms = mountinfo::parse(MOUNTS.as_bytes());
        let points = |root| -> Vec<String> {
            umount_order(&ms, root)
                .iter()
                .map(|m| m.mount_point.clone())
                .collect()
        };
        assert_eq!(
            points("/t/pkg1"),
            ["/t/pkg1/proc", "/t/pkg1/usr", "/t/pkg1"]
        );
        // /t/pkg10 is not below /t/pkg1, and a package filesystem stays
        assert!(points("/t/pkg10").is_empty());
        assert!(self_bind(&ms, &ms[2]));
        assert!(!self_bind(&ms, &ms[1]));
        let on_root = mountinfo::parse(
            b"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n30 22 8:1 /pkg01 /pkg01 rw - ext4 /dev/sda1 rw\n",
        );
        assert!(self_bind(&on_root, &on_root[1]));
    }
}
