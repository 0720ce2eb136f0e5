//! Applying a layout to a package root: the part that touches the system.
//! Reads the host's account files to resolve owners and make file contents,
//! observes the root (lstat of each entry, the mount table, the bind
//! sources) into a `World` for the planner, and carries the planned steps
//! out through `sys::mount`, which walks the root by file descriptors.

use super::format::{Content, Kind, Layout};
use super::plan::{abs, shown, Item, Obs, Step, World};
use crate::error::{Error, Result};
use crate::procfs::mountinfo::{self, Mount};
use crate::registry::Config;
use crate::sys::mount::{self as sm, FileType, NoRoot, Tree, Unmounted, Walk};
use std::path::{Path, PathBuf};

const MOUNTINFO: &str = "/proc/self/mountinfo";

/// The registry's root for `pkg`, else `<prefix>/<pkg>`, with the parent's
/// symlinks resolved (the mount table spells real paths).
pub fn package_root(pkg: &str) -> Result<PathBuf> {
    let root = crate::registry::root_of(&Config::from_system(), pkg);
    let (Some(parent), Some(base)) = (root.parent(), root.file_name()) else {
        return Err(Error::fail(format!(
            "{pkg}: refusing package root '{}'",
            root.display()
        )));
    };
    let parent = parent
        .canonicalize()
        .map_err(|e| Error::io("open", parent.display(), &e))?;
    let root = parent.join(base);
    if root == Path::new("/") || !root.is_absolute() {
        return Err(Error::fail(format!(
            "{pkg}: refusing package root '{}'",
            root.display()
        )));
    }
    Ok(root)
}

fn read_host(path: &str) -> Result<String> {
    crate::sys::fs::read_text(Path::new(path)).map_err(|e| Error::io("read", path, &e))
}

/// Owners to numbers (the host's passwd and group), file contents made
/// (only when building).
pub fn items(l: &Layout, pkg: &str, build: bool) -> Result<Vec<Item>> {
    let users = read_host("/etc/passwd")?;
    // the package's addresses, for `${ADDR}` lines (cupsd's Listen)
    let addrs = if build {
        crate::registry::Registry::system()
            .by_name(pkg)
            .map(|p| p.addrs.clone())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let groups = read_host("/etc/group")?;
    let mut out = Vec::with_capacity(l.entries.len());
    for e in &l.entries {
        let at = |m: String| Error::fail(format!("layout line {}: {m}", e.line));
        let uid = e.user.resolve(&users, "user").map_err(at)?;
        let gid = e.group.resolve(&groups, "group").map_err(at)?;
        let data = match &e.kind {
            Kind::File { content, .. } if build => match content {
                Content::Empty => Vec::new(),
                Content::Package => format!("{pkg}\n").into_bytes(),
                Content::Passwd(f) | Content::Group(f) => {
                    crate::passwd::system_accounts(&read_host(f)?).into_bytes()
                }
                Content::Shadow(f) => {
                    crate::passwd::system_shadow(&read_host(f)?, &users).into_bytes()
                }
                Content::Copy(f) => std::fs::read(f).map_err(|e| Error::io("read", f, &e))?,
                Content::Text(t) => super::fill(t, pkg, &addrs).into_bytes(),
            },
            _ => Vec::new(),
        };
        out.push(Item {
            entry: e.clone(),
            uid,
            gid,
            data,
        });
    }
    Ok(out)
}

fn mount_table() -> Result<Vec<Mount>> {
    crate::procfs::mount_table(MOUNTINFO).map_err(|e| Error::io("read", MOUNTINFO, &e))
}

/// What the planner needs: the mount table, each item's path in the root
/// (a missing root leaves every path absent), each bind source.
pub fn observe(root: &Path, items: &[Item]) -> Result<World> {
    let mut w = World {
        root: root.to_string_lossy().into_owned(),
        mounts: mount_table()?,
        ..World::default()
    };
    let tree = match Tree::open_root(root) {
        Ok(t) => Some(t),
        Err(NoRoot::Missing) => None,
        Err(NoRoot::NotADirectory) => {
            let link = std::fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink());
            return Err(Error::fail(format!(
                "refusing package root '{}': {}",
                root.display(),
                if link {
                    "it is a symlink"
                } else {
                    "it is not a directory"
                }
            )));
        }
        Err(NoRoot::Err(e)) => return Err(Error::io("open", root.display(), &e)),
    };
    for it in items {
        if let Kind::Bind { source, .. } = &it.entry.kind {
            if let Some(s) = sm::host_path(source) {
                w.sources.insert(source.clone(), s);
            }
        }
        let Some(t) = &tree else { continue };
        if !w.nodes.contains_key(it.path()) {
            let read = matches!(it.entry.kind, Kind::File { .. });
            w.nodes
                .insert(it.path().to_string(), obs(t.observe(it.path(), read)));
        }
    }
    if tree.is_none() {
        w.nodes.insert(String::new(), Obs::Absent);
    }
    Ok(w)
}

/// What keeps a package user from logging in (`loginstack`), reading the
/// root's files as the package sees them: a symlink is followed inside the
/// root (at most 8 links), never out of it. A root that cannot be opened
/// has nothing to say here (the layout check reports it).
pub fn login_stack(root: &Path) -> Vec<String> {
    let Ok(tree) = Tree::open_root(root) else {
        return Vec::new();
    };
    let look = |path: &str, read: bool| -> Option<sm::Found> {
        let mut rel = path.trim_start_matches('/').to_string();
        for _ in 0..8 {
            let f = tree.observe(&rel, read).ok()?;
            if f.typ != FileType::Symlink {
                return Some(f);
            }
            let target = f.target?;
            let base = match target.starts_with('/') {
                true => "",
                false => rel.rsplit_once('/').map(|(d, _)| d).unwrap_or(""),
            };
            rel = crate::layout::check::loginstack::join_inside(base, &target);
        }
        None
    };
    let read = |p: &str| {
        look(p, true)
            .and_then(|f| f.data)
            .map(|d| String::from_utf8_lossy(&d).into_owned())
    };
    let exists = |p: &str| look(p, false).is_some();
    crate::layout::check::loginstack::check(&read, &exists)
}

/// What the tree walk found, in the planner's terms; a failure to look is
/// a blocker naming its reason.
fn obs(found: std::result::Result<sm::Found, Walk>) -> Obs {
    match found {
        Ok(f) => Obs::Node(f),
        Err(Walk::Absent) => Obs::Absent,
        Err(Walk::Blocked(why)) => Obs::Blocked(why),
        Err(Walk::Err(e)) => Obs::Blocked(crate::error::strerror_io(&e)),
    }
}

/// A step that failed after `done` others: its number (from 1), the reason
/// (`can't VERB 'PATH': strerror`) and the mounts this run made before it.
pub struct Failed {
    pub step: usize,
    pub why: String,
    pub mounted: Vec<String>,
}

/// Carry the steps out in order, calling `done` after each; stop at the
/// first failure. The mounts made (as seen inside the package) on success.
pub fn execute(
    root: &Path,
    steps: &[Step],
    mut done: impl FnMut(&Step),
) -> std::result::Result<Vec<String>, Failed> {
    let mut tree: Option<Tree> = None;
    let mut mounted: Vec<String> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        if let Err((verb, path, e)) = run_step(s, root, &mut tree) {
            return Err(Failed {
                step: i + 1,
                why: Error::io(verb, abs(&root.to_string_lossy(), &path), &e).msg,
                mounted,
            });
        }
        done(s);
        match s {
            Step::BindRoot => mounted.push("/".into()),
            Step::Bind { path, .. } | Step::Mount { path, .. } => mounted.push(shown(path)),
            _ => {}
        }
    }
    Ok(mounted)
}

type StepErr = (&'static str, String, std::io::Error);

fn run_step(s: &Step, root: &Path, tree: &mut Option<Tree>) -> std::result::Result<(), StepErr> {
    match s {
        Step::MkRoot => return sm::mkdir_root(root).map_err(|e| ("mkdir", String::new(), e)),
        Step::BindRoot => {
            *tree = None;
            return sm::bind_self(root).map_err(|e| ("bind", String::new(), e));
        }
        _ => {}
    }
    if tree.is_none() {
        *tree = Some(Tree::open(root).map_err(|e| ("open", String::new(), e))?);
    }
    let Some(t) = tree.as_ref() else {
        return Ok(());
    };
    fn at<'a>(verb: &'static str, path: &'a str) -> impl FnOnce(std::io::Error) -> StepErr + 'a {
        move |e| (verb, path.to_string(), e)
    }
    match s {
        Step::MkRoot | Step::BindRoot => Ok(()),
        Step::Mkdir {
            path,
            mode,
            uid,
            gid,
        } => t.mkdir(path, *mode, *uid, *gid).map_err(at("mkdir", path)),
        Step::Symlink { path, target } => t.symlink(path, target).map_err(at("symlink", path)),
        Step::Write {
            path,
            mode,
            uid,
            gid,
            data,
        } => t
            .write_new(path, *mode, *uid, *gid, data)
            .map_err(at("write", path)),
        Step::Mkfifo {
            path,
            mode,
            uid,
            gid,
        } => t
            .mkfifo(path, *mode, *uid, *gid)
            .map_err(at("mkfifo", path)),
        Step::Refifo {
            path,
            mode,
            uid,
            gid,
            ..
        } => t
            .mkfifo_over(path, *mode, *uid, *gid)
            .map_err(at("mkfifo", path)),
        Step::MkFilePoint { path } => t.touch(path).map_err(at("create", path)),
        Step::Bind {
            path,
            source,
            ro,
            nodev,
        } => t.bind(path, source, *ro, *nodev).map_err(at("bind", path)),
        Step::Remount { path, ro, nodev } => {
            t.remount(path, *ro, *nodev).map_err(at("remount", path))
        }
        Step::Mount {
            path,
            fstype,
            source,
            options,
        } => t
            .mount(path, fstype, source, options)
            .map_err(at("mount", path)),
    }
}

/// What became of one unmount.
pub enum Umount {
    Done,
    /// Already gone (with a lazily detached parent).
    Gone,
    Busy,
    Failed(Error),
}

/// Unmount `m` (never following a symlink); lazily (MNT_DETACH) if asked.
pub fn umount(m: &Mount, lazy: bool) -> Umount {
    // the text for people, the bytes for the system call
    match sm::umount(&m.path, lazy) {
        Ok(Unmounted::Done) => Umount::Done,
        Ok(Unmounted::Gone) => Umount::Gone,
        Ok(Unmounted::Busy) => Umount::Busy,
        Err(e) => Umount::Failed(Error::io("umount", &m.mount_point, &e)),
    }
}

/// The mount points still on or below `root`, from the table itself
/// (None when it cannot be read).
pub fn still_mounted(root: &str) -> Option<Vec<String>> {
    let t = mount_table().ok()?;
    Some(
        mountinfo::umount_order(&t, root)
            .iter()
            .map(|m| m.mount_point.clone())
            .collect(),
    )
}

/// Processes whose root or working directory is at or below `root`.
pub fn users_of(root: &str) -> Vec<String> {
    let mut out = Vec::new();
    for pid in crate::procfs::pids().unwrap_or_default() {
        for what in ["root", "cwd"] {
            let Some(l) = crate::procfs::link(pid, what) else {
                continue;
            };
            let l = l.to_string_lossy();
            if l == root || l.starts_with(&format!("{root}/")) {
                let comm = crate::procfs::read_stat(pid)
                    .map(|s| s.comm)
                    .unwrap_or_default();
                out.push(format!("pid {pid} ({comm}) has its {what} in {l}"));
                break;
            }
        }
    }
    out
}
