//! The plan and the check: compare a layout (its entries with owners
//! resolved, [`Item`]) with what a root holds ([`World`]: lstat of each path,
//! the mount table, the bind sources) and say what to do, what to keep and
//! what has drifted. Pure: the caller observes, `layout::apply` acts.

use super::format::{Kind, LayoutEntry};
use crate::procfs::mountinfo::Mount;
/// What a root holds and what a bind source is, in the walk's own plain
/// types: the planner reads them as `sys::mount` finds them.
pub use crate::sys::mount::{FileType, Found, HostPath};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// One entry with its owner resolved to numbers and its file content made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub entry: LayoutEntry,
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
    Node(Found),
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
    pub sources: HashMap<String, HostPath>,
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

/// `path`, absolute on the host, as seen inside the package rooted at `root`.
pub fn inside(root: &str, p: &str) -> String {
    match p.strip_prefix(root) {
        Some("") => "/".into(),
        Some(r) if r.starts_with('/') => r.into(),
        _ => p.into(),
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
    /// A FIFO made anew over what is there: a symlink (a rendezvous point
    /// must not lead elsewhere: the old layout's /run/initctl ->
    /// /tmp/initctl), or a FIFO someone else owns or may write to.
    Refifo {
        path: String,
        mode: u32,
        uid: u32,
        gid: u32,
        was: String,
    },
    /// An empty file to mount a file on.
    MkFilePoint {
        path: String,
    },
    Bind {
        path: String,
        source: String,
        ro: bool,
        nodev: bool,
    },
    /// A bind already there made read-only and/or nodev, as the layout says.
    Remount {
        path: String,
        ro: bool,
        nodev: bool,
    },
    Mount {
        path: String,
        fstype: String,
        source: String,
        options: String,
    },
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
            Step::Refifo {
                path,
                mode,
                uid,
                gid,
                was,
            } => write!(
                f,
                "mkfifo {} {mode:04o} {} over {was}",
                shown(path),
                owner(*uid, *gid)
            ),
            Step::MkFilePoint { path } => write!(f, "touch {} (mount point)", shown(path)),
            Step::Bind {
                path,
                source,
                ro,
                nodev,
            } => write!(
                f,
                "bind {} from {source}{}{}",
                shown(path),
                if *ro { " read-only" } else { "" },
                if *nodev { " nodev" } else { "" }
            ),
            Step::Remount { path, ro, nodev } => write!(
                f,
                "remount {}{}{}",
                shown(path),
                if *ro { " read-only" } else { "" },
                if *nodev { " nodev" } else { "" }
            ),
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
        node: Option<&Found>,
        want: FileType,
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
            None if want == FileType::Dir => {
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

fn is_nodev(m: &Mount) -> bool {
    m.options.split(',').any(|o| o == "nodev")
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
                Some(n) if n.typ != FileType::Dir => {
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
                Some(n) if n.typ != FileType::Dir => {
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
                    let same = n.typ == FileType::File
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
                // a FIFO is where commands arrive: one that another user
                // owns or may write to, or a link leading elsewhere, is
                // never kept; a FIFO holds no data, so nothing is lost
                Some(n)
                    if n.typ == FileType::Fifo
                        && (n.uid, n.gid) == (uid, gid)
                        && n.mode & 0o022 == 0 => {}
                Some(n) if matches!(n.typ, FileType::Fifo | FileType::Symlink) => {
                    let was = match (&n.typ, &n.target) {
                        (FileType::Symlink, Some(t)) => format!("a symlink to {t}"),
                        _ => format!("{} {:04o} {}:{}", n.typ, n.mode, n.uid, n.gid),
                    };
                    p.steps.push(Step::Refifo {
                        path,
                        mode: *mode,
                        uid,
                        gid,
                        was,
                    })
                }
                Some(n) => p
                    .blocked
                    .push(format!("{}: {}, not a fifo", shown(&path), n.typ)),
            },
            Kind::Bind { source, ro, nodev } => {
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
                    Some(m) if (*ro && !is_ro(m)) || (*nodev && !is_nodev(m)) => {
                        p.steps.push(Step::Remount {
                            path,
                            ro: *ro,
                            nodev: *nodev,
                        })
                    }
                    Some(_) => {}
                    None => {
                        let want = if src.is_dir {
                            FileType::Dir
                        } else {
                            FileType::File
                        };
                        if !p.mount_point(&path, node, want, build, (uid, gid)) {
                            continue;
                        }
                        p.steps.push(Step::Bind {
                            path,
                            source: source.clone(),
                            ro: *ro,
                            nodev: *nodev,
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
                    if !p.mount_point(&path, node, FileType::Dir, build, (uid, gid)) {
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

/// The one link a running pkginit replaces by a socket (its syslog relay).
const RELAY_PATH: &str = "dev/log";

/// Every way the root differs from the layout, one line each.
pub fn check(items: &[Item], w: &World) -> Vec<String> {
    let mut d = Vec::new();
    let covered = mounted_paths(items);
    let attrs = |d: &mut Vec<String>, path: &str, n: &Found, mode: u32, it: &Item| {
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
            Kind::Root | Kind::Dir { .. } => Some(FileType::Dir),
            Kind::Symlink { .. } => Some(FileType::Symlink),
            Kind::File { .. } => Some(FileType::File),
            Kind::Fifo { .. } => Some(FileType::Fifo),
            Kind::Bind { .. } | Kind::Mount { .. } | Kind::Applets => None,
        };
        if let Some(t) = want_type {
            match node {
                None => {
                    d.push(format!("{}: missing", shown(path)));
                    continue;
                }
                // pkginit's syslog relay holds /dev/log while it runs and
                // puts the link back when it stops
                Some(n)
                    if n.typ == FileType::Socket
                        && t == FileType::Symlink
                        && path == RELAY_PATH =>
                {
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
            (Kind::Bind { source, ro, nodev }, _) => {
                match (w.mount_at(path), w.sources.get(source)) {
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
                    (Some(m), _) if *nodev && !is_nodev(m) => d.push(format!(
                        "{}: device files work through it, layout says nodev",
                        shown(path)
                    )),
                    _ => {}
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::format::parse;
    use crate::procfs::mountinfo;

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
        Obs::Node(Found {
            typ: FileType::Dir,
            mode,
            uid: 0,
            gid: 0,
            target: None,
            data: None,
        })
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
            HostPath {
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

    /// A root built before the node's /dev was bound nodev: the bind there
    /// is read-only but lets device files open. --check says so, and a
    /// build remounts it nodev (keeping it read-only).
    #[test]
    fn a_bind_that_should_be_nodev_is_remounted() {
        let layout = "root\ndir usr 0755\nbind usr /usr ro,nodev\n";
        let mut w = world();
        w.nodes.insert("".into(), dir(0o755));
        w.nodes.insert("usr".into(), dir(0o755));
        let its = items(layout);
        assert_eq!(
            check(&its, &w),
            ["/usr: device files work through it, layout says nodev"]
        );
        let steps: Vec<String> = plan(&its, &w, Mode::Build)
            .steps
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(steps, ["remount /usr read-only nodev"]);
        for m in &mut w.mounts {
            if m.mount_point == "/t/pkg1/usr" {
                m.options = "ro,nodev,relatime".into();
            }
        }
        assert_eq!(check(&its, &w), Vec::<String>::new());
        assert_eq!(plan(&its, &w, Mode::Build), Plan::default());
        // a fresh root binds it so from the start
        w.root = "/t/new".into();
        let steps: Vec<String> = plan(&its, &w, Mode::Build)
            .steps
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(
            steps
                .iter()
                .any(|s| s == "bind /usr from /usr read-only nodev"),
            "{steps:?}"
        );
    }

    /// pkginit's syslog relay holds /dev/log while it runs: --check takes
    /// its socket for the link's place, a build keeps it; a socket at
    /// another link's place, or a file at /dev/log, is still reported.
    #[test]
    fn the_relays_socket_stands_for_the_dev_log_link() {
        let layout = "root\ndir dev 0755\nsymlink dev/log /system/dev/log\nsymlink dev/x /y\n";
        let mut w = world();
        w.nodes.insert("".into(), dir(0o755));
        w.nodes.insert("dev".into(), dir(0o755));
        let node = |typ| {
            Obs::Node(Found {
                typ,
                mode: 0o666,
                uid: 0,
                gid: 0,
                target: None,
                data: None,
            })
        };
        w.nodes.insert("dev/log".into(), node(FileType::Socket));
        w.nodes.insert("dev/x".into(), node(FileType::Socket));
        let its = items(layout);
        assert_eq!(
            check(&its, &w),
            ["/dev/x: is a socket, layout says a symlink"]
        );
        assert!(plan(&its, &w, Mode::Build).steps.is_empty());
        w.nodes.insert("dev/log".into(), node(FileType::File));
        assert_eq!(
            check(&its, &w),
            [
                "/dev/log: is a regular file, layout says a symlink",
                "/dev/x: is a socket, layout says a symlink"
            ]
        );
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
            Obs::Node(Found {
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
            node(FileType::Symlink, 0o777, Some("usr/bin"), None),
        );
        w.nodes.insert(
            "etc".into(),
            node(FileType::File, 0o644, None, Some(b"x\n")),
        );
        w.nodes
            .insert("f".into(), node(FileType::Fifo, 0o640, None, None));
        let its = items(SMALL);
        assert_eq!(plan(&its, &w, Mode::Build), Plan::default());
        assert_eq!(check(&its, &w), Vec::<String>::new());

        // drift: a mode, a link, an unmounted proc, a rw usr, a file's content
        w.nodes.insert("tmp".into(), dir(0o755));
        w.nodes.insert(
            "bin".into(),
            node(FileType::Symlink, 0o777, Some("/elsewhere"), None),
        );
        w.nodes.insert(
            "etc".into(),
            node(FileType::File, 0o644, None, Some(b"mine\n")),
        );
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
            Obs::Node(Found {
                typ: FileType::File,
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

    /// A fifo entry is where commands arrive: what is there in its place is
    /// made anew when it holds no data (a link, a FIFO not the layout's),
    /// refused when it does; never kept.
    #[test]
    fn a_fifo_not_the_layouts_is_made_anew_never_kept() {
        let fifo_plan = |n: Found| {
            let mut w = world();
            w.nodes.insert("".into(), dir(0o755));
            w.nodes.insert("f".into(), Obs::Node(n));
            let p = plan(&items("root\nfifo f 0640\n"), &w, Mode::Build);
            assert!(p.kept.is_empty(), "{p:?}");
            p
        };
        let n = |typ, mode, uid, target: Option<&str>| Found {
            typ,
            mode,
            uid,
            gid: uid,
            target: target.map(Into::into),
            data: None,
        };
        let p = fifo_plan(n(FileType::Symlink, 0o777, 0, Some("/tmp/initctl")));
        assert_eq!(
            p.steps.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            ["mkfifo /f 0640 0:0 over a symlink to /tmp/initctl"]
        );
        let p = fifo_plan(n(FileType::Fifo, 0o666, 4242, None));
        assert_eq!(
            p.steps[0].to_string(),
            "mkfifo /f 0640 0:0 over a fifo 0666 4242:4242"
        );
        // root's, but open to other writers
        let p = fifo_plan(n(FileType::Fifo, 0o622, 0, None));
        assert_eq!(p.steps.len(), 1, "{p:?}");
        // the layout's (another mode closed to others is fine)
        let p = fifo_plan(n(FileType::Fifo, 0o600, 0, None));
        assert!(p.steps.is_empty() && p.blocked.is_empty(), "{p:?}");
        let p = fifo_plan(n(FileType::File, 0o644, 0, None));
        assert_eq!(p.blocked, ["/f: a regular file, not a fifo"]);
        assert!(p.steps.is_empty());
    }

    #[test]
    fn paths_inside_the_package() {
        assert_eq!(inside("/t/pkg1", "/t/pkg1"), "/");
        assert_eq!(inside("/t/pkg1", "/t/pkg1/usr"), "/usr");
        assert_eq!(inside("/t/pkg1", "/t/pkg10"), "/t/pkg10");
    }
}
