//! One cgroup per package, on cgroup v1 and v2, behind one small interface.
//!
//! - [`start`] (package start, as root, by `mkpcue --cgroup`): make the
//!   package's cgroup `PREFIX/NAME` in the hierarchies its limits and
//!   pkgstat's figures need — the unified (v2) hierarchy, for membership
//!   and CPU time (`cpu.stat`) even where it holds no controller (hybrid
//!   nodes), and the v1 hierarchies memory and blkio, pids only for
//!   TasksMax=, cpu only for CPUQuota=/CPUWeight=, cpuacct only where the
//!   unified cgroup has no `cpu.stat` (see [`v1_needed`]) — write every
//!   limit (a limit not set goes back to its default, so a cgroup left by
//!   a crash holds no old value), and write the record
//!   `/run/pcue/cgroup/NAME`. A cgroup left behind empty is made anew; one
//!   still holding processes (pkginit was killed, its daemons live on) is
//!   taken over, so there is always one.
//! - [`join`] (execsh, pkgnet, the start of pkginit; as root, before the
//!   chroot, the fork into the package and the dropping of privileges):
//!   move the calling process into every directory of the record. No
//!   record: the package runs without a cgroup (it was started without
//!   one), nothing to join.
//! - [`remove`] (package stop): remove the directories and the record; a
//!   cgroup still holding processes is reported with their pids.
//! - [`records`], [`sample`]: what pkgstat shows.
//!
//! Readers (execsh and pkgnet, setuid or root) trust only the record: a
//! root-owned file, not writable by group or others, in a root-owned
//! directory, naming directories that are on a cgroup filesystem (statfs
//! magic) and end in the package's own name. The cgroup root
//! (`PCUE_CGROUP_ROOT`, default /sys/fs/cgroup) and the name prefix
//! (`PCUE_CGROUP_PREFIX`, default `pcue`) are read from the environment
//! only when not running setuid, and only by `start` and `remove`: tests
//! use a prefix of their own and never meet anything global.
//!
//! Nodes whose pid 1 is systemd (`/run/systemd/system` exists) keep the
//! single-writer rule: pcue creates nothing there on its own. The start
//! must run inside a scope systemd made and delegated for the package
//! (`systemd-run --scope --unit=pcue-NAME -p Delegate=yes -p TasksMax=…
//! mkpcue --cgroup NAME -- …`, the properties from
//! `mkpcue --cgroup-properties NAME`); `start` then makes the leaf NAME in
//! that scope and records it, writes no limit (systemd did) and touches
//! nothing else (no v1 hierarchy). Without such a scope the start is
//! refused with that advice.

pub mod resources;
pub mod stat;

use crate::error::{Error, Result};
use crate::sys;
use resources::{Limits, Missing, NodeFigures, Ver};
use std::path::{Path, PathBuf};

/// Where the records are.
pub const RECORDS: &str = "/run/pcue/cgroup";
/// The resources file, inside the package root.
pub const RESOURCES: &str = "etc/pcue/resources";
const V1: [&str; 5] = ["cpu", "cpuacct", "memory", "pids", "blkio"];
const CGROUP_MAGIC: u64 = 0x0027_e0eb;
const CGROUP2_MAGIC: u64 = 0x6367_7270;

/// One directory of a package's cgroup: in one hierarchy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dir {
    /// The hierarchy's controllers (`cpu,cpuacct`), or `unified`.
    pub ctrls: String,
    pub path: PathBuf,
}

impl Dir {
    fn has(&self, ctrl: &str) -> bool {
        self.ctrls.split(',').any(|c| c == ctrl)
    }
    fn v2(&self) -> bool {
        self.ctrls == "unified"
    }
}

/// A package's cgroup as its record names it.
#[derive(Clone, Debug)]
pub struct Cgroup {
    pub pkg: String,
    pub dirs: Vec<Dir>,
    /// When it was made (the record's mtime), seconds since the epoch.
    pub since: i64,
}

/// A hierarchy of this node.
#[derive(Clone, Debug)]
struct Hier {
    ctrls: String,
    mount: PathBuf,
    /// v2 only: the controllers it offers (`cgroup.controllers`).
    offers: Vec<String>,
}

fn read(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok()
}

fn cgroup_root() -> PathBuf {
    PathBuf::from(
        sys::ids::trusted_env("PCUE_CGROUP_ROOT").unwrap_or_else(|| "/sys/fs/cgroup".into()),
    )
}

/// The name prefix: one path component of letters, digits, '.', '_', '-'.
pub fn prefix() -> Result<String> {
    let p = sys::ids::trusted_env("PCUE_CGROUP_PREFIX").unwrap_or_else(|| "pcue".into());
    let ok = !p.starts_with('.')
        && p.len() <= 64
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !ok {
        return Err(Error::usage(format!("bad cgroup prefix '{p}'")));
    }
    Ok(p)
}

/// The directory name of a package: its name, with `_` before a name that
/// could be a cgroup interface file (one with a '.', or tasks,
/// notify_on_release, release_agent); package names never start with `_`.
pub fn leaf_name(pkg: &str) -> String {
    if pkg.contains('.') || ["tasks", "notify_on_release", "release_agent"].contains(&pkg) {
        format!("_{pkg}")
    } else {
        pkg.to_string()
    }
}

fn magic(p: &Path) -> Option<u64> {
    sys::fs::fs_type(p).ok()
}

/// The hierarchies under `root`: `root` itself when it is a cgroup2 mount
/// (a pure v2 node), else `root/unified` (v2) and the v1 hierarchies of
/// cpu, cpuacct, memory, pids and blkio (co-mounted ones once).
fn hierarchies(root: &Path) -> Vec<Hier> {
    let offers = |m: &Path| -> Vec<String> {
        read(&m.join("cgroup.controllers"))
            .map(|t| t.split_whitespace().map(String::from).collect())
            .unwrap_or_default()
    };
    if magic(root) == Some(CGROUP2_MAGIC) {
        return vec![Hier {
            ctrls: "unified".into(),
            mount: root.to_path_buf(),
            offers: offers(root),
        }];
    }
    let mut h = Vec::new();
    let u = root.join("unified");
    if magic(&u) == Some(CGROUP2_MAGIC) {
        h.push(Hier {
            ctrls: "unified".into(),
            offers: offers(&u),
            mount: u,
        });
    }
    for c in V1 {
        let Ok(m) = root.join(c).canonicalize() else {
            continue;
        };
        if magic(&m) != Some(CGROUP_MAGIC) || h.iter().any(|x: &Hier| x.mount == m) {
            continue;
        }
        // a co-mounted hierarchy is named after all its controllers
        let name = m
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ctrls = if name.split(',').any(|n| n == c) {
            name
        } else {
            c.to_string()
        };
        h.push(Hier {
            ctrls,
            mount: m,
            offers: Vec::new(),
        });
    }
    h
}

/// Whether a package with `limits` needs its cgroup in the v1 hierarchy
/// of `ctrls` (co-mounted controllers: any one of them needed). Memory
/// and blkio always (their figures and limits); pids only for TasksMax=
/// (without it, TASKS is the count of the memory cgroup's threads); cpu
/// only for CPUQuota= or CPUWeight=; cpuacct only where the package's
/// unified cgroup has no `cpu.stat` (`cpu_stat`): that file counts the
/// same CPU time in every non-root v2 cgroup, controller or not. Each
/// hierarchy costs every entry an open, a write and a close (about 30 µs
/// of execsh's 5 ms here).
pub fn v1_needed(ctrls: &str, limits: &Limits, cpu_stat: bool) -> bool {
    ctrls.split(',').any(|c| match c {
        "cpu" => limits.cpu_quota.is_some() || limits.cpu_weight.is_some(),
        "cpuacct" => !cpu_stat,
        "pids" => limits.tasks_max.is_some(),
        _ => true,
    })
}

/// Where a controller is on this node.
fn ver_of(h: &[Hier], ctrl: &str) -> Option<Ver> {
    if h.iter()
        .any(|x| x.ctrls != "unified" && x.ctrls.split(',').any(|c| c == ctrl))
    {
        return Some(Ver::V1);
    }
    let v2name = if ctrl == "blkio" { "io" } else { ctrl };
    h.iter()
        .any(|x| x.ctrls == "unified" && x.offers.iter().any(|o| o == v2name))
        .then_some(Ver::V2)
}

fn node_figures() -> NodeFigures {
    let mem_total = read(Path::new("/proc/meminfo"))
        .and_then(|t| stat::keyed(&t.replace(':', ""), "MemTotal"))
        .map(|kb| kb * 1024)
        .unwrap_or(0);
    let pid_max = read(Path::new("/proc/sys/kernel/pid_max"))
        .and_then(|t| stat::number(&t))
        .unwrap_or(32_768);
    NodeFigures { mem_total, pid_max }
}

/// Memory of the node (bytes) and its CPUs, for pkgstat's percentages.
pub fn node() -> (u64, u64) {
    let ncpu = read(Path::new("/proc/stat"))
        .map(|t| {
            t.lines()
                .filter(|l| {
                    l.strip_prefix("cpu")
                        .and_then(|r| r.chars().next())
                        .is_some_and(|c| c.is_ascii_digit())
                })
                .count() as u64
        })
        .unwrap_or(1)
        .max(1);
    (node_figures().mem_total, ncpu)
}

/// systemd's cgroup of the calling process when it is the delegated scope
/// `pcue-PKG.scope` (from /proc/self/cgroup's `0::` line).
pub fn systemd_scope(proc_self_cgroup: &str, pkg: &str) -> Option<String> {
    let path = proc_self_cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))?;
    let want = format!("pcue-{pkg}.scope");
    (path.rsplit('/').next() == Some(want.as_str())).then(|| path.to_string())
}

/// What `start` did.
#[derive(Debug, Default)]
pub struct Started {
    pub dirs: Vec<Dir>,
    /// Processes found in a cgroup left by an earlier start, kept (a live
    /// pkginit) or killed (none).
    pub taken_over: usize,
    pub killed: usize,
    /// Limits written, as directives.
    pub applied: Vec<String>,
    /// Limits this node cannot enforce (started anyway: best effort).
    pub missing: Vec<Missing>,
}

fn refuse_missing(pkg: &str, m: &[Missing]) -> Error {
    let list: Vec<String> = m.iter().map(|m| m.to_string()).collect();
    Error::fail(format!(
        "{pkg}: can't enforce {}; not started (Limits=best-effort starts it anyway)",
        list.join("; ")
    ))
}

/// Make (or take over) the package's cgroup, write its limits and its
/// record. Root only.
///
/// A cgroup an earlier start left behind is cleaned up: when `init_alive`
/// is false (no pkginit holds the package's pid file) the processes still
/// in it are what a killed pkginit left (its daemons would run twice) and
/// are killed, and the cgroup is made anew; when a pkginit is alive, it is
/// taken over as it is and only its limits are written again.
pub fn start(pkg: &str, limits: &Limits, init_alive: bool) -> Result<Started> {
    let root = cgroup_root();
    let pre = prefix()?;
    let leaf = leaf_name(pkg);
    let hiers = hierarchies(&root);
    if std::env::var_os("PCUE_CGROUP_ROOT").is_none() && Path::new("/run/systemd/system").exists() {
        return start_systemd(pkg, &hiers);
    }
    if hiers.is_empty() {
        if limits.is_empty() {
            return Ok(Started::default());
        }
        let m: Vec<Missing> = limits
            .directives()
            .into_iter()
            .map(|d| Missing {
                directive: d,
                why: format!("no cgroup hierarchy under {}", root.display()),
            })
            .collect();
        if !limits.best_effort {
            return Err(refuse_missing(pkg, &m));
        }
        return Ok(Started {
            missing: m,
            ..Started::default()
        });
    }
    let (writes, mut missing) = resources::writes(limits, node_figures(), |c| ver_of(&hiers, c));
    let mut st = Started::default();
    let mut made = Vec::new();
    for h in &hiers {
        let base = h.mount.join(&pre);
        if h.ctrls != "unified" {
            // the unified hierarchy comes first: its cgroup is made
            let cpu_stat = st
                .dirs
                .iter()
                .any(|d| d.v2() && d.path.join("cpu.stat").exists());
            if !v1_needed(&h.ctrls, limits, cpu_stat) {
                let dir = base.join(&leaf);
                // one an earlier start made (with other limits, or by an
                // older pcue): gone like a leftover, kept while a live
                // pkginit's processes are in it (then in the record, so
                // that the stop removes it)
                if dir.exists() {
                    let n = procs(&dir).len();
                    if n > 0 && init_alive {
                        st.taken_over = st.taken_over.max(n);
                        st.dirs.push(Dir {
                            ctrls: h.ctrls.clone(),
                            path: dir,
                        });
                        continue;
                    }
                    if n > 0 {
                        st.killed += kill_all(&dir);
                    }
                    let _ = std::fs::remove_dir(&dir);
                    let _ = std::fs::remove_dir(&base);
                }
                continue;
            }
        }
        mkdir(&base)?;
        if h.ctrls == "unified" {
            // a pure v2 node: the controllers the limits need, top-down
            let need: Vec<&str> = ["cpu", "memory", "pids", "io"]
                .into_iter()
                .filter(|c| h.offers.iter().any(|o| o == c))
                .collect();
            for (dir, what) in [(&h.mount, "root"), (&base, "prefix")] {
                let have = read(&dir.join("cgroup.subtree_control")).unwrap_or_default();
                for c in &need {
                    if !have.split_whitespace().any(|x| x == *c) {
                        let f = dir.join("cgroup.subtree_control");
                        if let Err(e) = sys::fs::write_existing(&f, format!("+{c}").as_bytes()) {
                            log::warn!("can't enable {c} in the {what} cgroup: {e}");
                        }
                    }
                }
            }
        }
        // membership only (a hybrid node's unified hierarchy offers none of
        // the controllers): threaded cgroups, so that a single-threaded
        // process joins by moving its thread, without the global lock
        let threaded = h.ctrls == "unified"
            && !["cpu", "memory", "pids", "io"]
                .iter()
                .any(|c| h.offers.iter().any(|o| o == c));
        if threaded {
            make_threaded(&base);
        }
        let dir = base.join(&leaf);
        if dir.exists() {
            let n = procs(&dir).len();
            if n > 0 && init_alive {
                st.taken_over = st.taken_over.max(n);
            } else {
                if n > 0 {
                    st.killed += kill_all(&dir);
                }
                // made anew (counters from zero)
                let _ = std::fs::remove_dir(&dir);
            }
        }
        if !dir.exists() {
            mkdir(&dir)?;
            made.push(dir.clone());
        }
        if threaded {
            make_threaded(&dir);
        }
        st.dirs.push(Dir {
            ctrls: h.ctrls.clone(),
            path: dir,
        });
    }
    let ctrl_dir = |ctrl: &str| -> Option<&Dir> {
        match ver_of(&hiers, ctrl)? {
            Ver::V1 => st.dirs.iter().find(|d| !d.v2() && d.has(ctrl)),
            Ver::V2 => st.dirs.iter().find(|d| d.v2()),
        }
    };
    let mut todo = Vec::new();
    for w in &writes {
        let Some(d) = ctrl_dir(w.ctrl) else { continue };
        let f = d.path.join(w.file);
        if !f.exists() {
            if let Some(by) = &w.by {
                missing.push(Missing {
                    directive: by.clone(),
                    why: format!("this node's {} has no {}", w.ctrl, w.file),
                });
            }
            continue;
        }
        todo.push((f, w));
    }
    if !missing.is_empty() && !limits.best_effort {
        for d in made.iter().rev() {
            let _ = std::fs::remove_dir(d);
            if let Some(base) = d.parent() {
                let _ = std::fs::remove_dir(base);
            }
        }
        return Err(refuse_missing(pkg, &missing));
    }
    // a running package whose limits now need a hierarchy more (a
    // CPUQuota= applied by mkpcue --cgroup alone): its processes move in
    // from one it was in, as they are in the others
    if init_alive {
        if let Some(from) = st.dirs.iter().find(|d| !made.contains(&d.path)) {
            for d in st.dirs.iter().filter(|d| made.contains(&d.path) && !d.v2()) {
                adopt(&d.path, &from.path);
            }
        }
    }
    for (f, w) in todo {
        if let Err(e) = sys::fs::write_existing(&f, w.value.as_bytes()) {
            let err = Error::io("write", format!("{} to {}", w.value, f.display()), &e);
            match &w.by {
                Some(by) if limits.best_effort => missing.push(Missing {
                    directive: by.clone(),
                    why: err.msg,
                }),
                Some(_) => return Err(err),
                None => log::warn!("{}", err.msg),
            }
            continue;
        }
        if let Some(by) = &w.by {
            st.applied.push(by.clone());
        }
    }
    st.missing = missing;
    write_record(pkg, &st.dirs)?;
    Ok(st)
}

fn start_systemd(pkg: &str, hiers: &[Hier]) -> Result<Started> {
    let own = read(Path::new("/proc/self/cgroup")).unwrap_or_default();
    let unified = hiers.iter().find(|h| h.ctrls == "unified");
    match (systemd_scope(&own, pkg), unified) {
        (Some(scope), Some(h)) => {
            // a leaf of the delegated scope, named after the package: the
            // processes go there, never into the scope itself (systemd
            // wrote the scope's limits; the delegatee owns what is below)
            let dir = h
                .mount
                .join(scope.trim_start_matches('/'))
                .join(leaf_name(pkg));
            mkdir(&dir)?;
            let dirs = vec![Dir {
                ctrls: "unified".into(),
                path: dir,
            }];
            write_record(pkg, &dirs)?;
            Ok(Started {
                dirs,
                ..Started::default()
            })
        }
        _ => Err(Error::fail(format!(
            "{pkg}: systemd manages this node's cgroups: start the package in a scope \
             it delegates (systemd-run --scope --unit=pcue-{pkg} -p Delegate=yes \
             $(mkpcue --cgroup-properties {pkg}) mkpcue --cgroup {pkg} -- ...)"
        ))),
    }
}

fn mkdir(p: &Path) -> Result<()> {
    match std::fs::create_dir(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io("mkdir", p.display(), &e)),
    }
}

/// SIGKILL every process of a cgroup until it is empty (bounded: 2 s); how
/// many there were.
fn kill_all(dir: &Path) -> usize {
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..100 {
        let p = procs(dir);
        if p.is_empty() {
            break;
        }
        for pid in p {
            seen.insert(pid);
            sys::signals::kill(pid, sys::signals::Signal::SIGKILL);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    seen.len()
}

/// Move the processes of cgroup `from` into the v1 cgroup `to` (its
/// `cgroup.procs`: every thread of each), again while new ones appear
/// (forks meanwhile); bounded: 10 passes.
fn adopt(to: &Path, from: &Path) {
    let f = to.join("cgroup.procs");
    for _ in 0..10 {
        let there = procs(to);
        let left: Vec<i32> = procs(from)
            .into_iter()
            .filter(|p| !there.contains(p))
            .collect();
        if left.is_empty() {
            return;
        }
        for pid in left {
            // one that has exited meanwhile: ESRCH, nothing to move
            if let Err(e) = sys::fs::write_existing(&f, pid.to_string().as_bytes()) {
                log::info!("can't move {pid} into '{}': {e}", to.display());
            }
        }
    }
}

/// Make a v2 cgroup threaded (membership only, no domain controller);
/// where the kernel refuses, it stays a domain and joins take the slow way.
fn make_threaded(dir: &Path) {
    let f = dir.join("cgroup.type");
    if read(&f).is_some_and(|t| t.trim() == "threaded") {
        return;
    }
    if let Err(e) = sys::fs::write_existing(&f, b"threaded") {
        log::info!("can't make '{}' threaded: {e}", dir.display());
    }
}

/// The processes of a cgroup: `cgroup.procs`, or for a threaded cgroup
/// (whose cgroup.procs cannot be read) the processes of the threads in
/// `cgroup.threads`.
fn procs(dir: &Path) -> Vec<i32> {
    if let Some(t) = read(&dir.join("cgroup.procs")) {
        return stat::pids(&t);
    }
    let Some(t) = read(&dir.join("cgroup.threads")) else {
        return Vec::new();
    };
    let mut v: Vec<i32> = stat::pids(&t)
        .into_iter()
        .filter_map(|tid| {
            let st = read(&Path::new("/proc").join(tid.to_string()).join("status"))?;
            stat::keyed(&st.replace(':', ""), "Tgid").map(|p| p as i32)
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn record_path(pkg: &str) -> PathBuf {
    Path::new(RECORDS).join(pkg)
}

fn write_record(pkg: &str, dirs: &[Dir]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    for d in ["/run/pcue", RECORDS] {
        mkdir(Path::new(d))?;
        let _ = std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755));
    }
    let mut text = format!("# cgroup of package {pkg}, made by mkpcue --cgroup\n");
    for d in dirs {
        text.push_str(&format!("{} {}\n", d.ctrls, d.path.display()));
    }
    let tmp = Path::new(RECORDS).join(format!(".{pkg}.{}", sys::process::pid()));
    let dst = record_path(pkg);
    let r = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
        f.write_all(text.as_bytes())?;
        std::fs::rename(&tmp, &dst)
    })();
    r.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("write", dst.display(), &e)
    })
}

/// Parse a record's text: `CTRLS PATH` lines.
pub fn parse_record(text: &str, pkg: &str) -> std::result::Result<Vec<Dir>, String> {
    let leaf = leaf_name(pkg);
    let mut dirs = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let bad = |why: &str| format!("line {}: {why}", i + 1);
        let (ctrls, path) = l.split_once(' ').ok_or_else(|| bad("malformed"))?;
        let path = PathBuf::from(path);
        let clean = path.is_absolute()
            && path.components().all(|c| {
                matches!(
                    c,
                    std::path::Component::RootDir | std::path::Component::Normal(_)
                )
            });
        if !clean || path.file_name().and_then(|n| n.to_str()) != Some(leaf.as_str()) {
            return Err(bad("not a cgroup of this package"));
        }
        let ok_ctrls = ctrls == "unified"
            || ctrls
                .split(',')
                .all(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        if !ok_ctrls {
            return Err(bad("bad controller list"));
        }
        dirs.push(Dir {
            ctrls: ctrls.to_string(),
            path,
        });
    }
    Ok(dirs)
}

/// The package's cgroup from its record; `None` when it has none. A record
/// that is not root's, is open to others, or names anything but a cgroup
/// directory of this package is an error.
pub fn record(pkg: &str) -> Result<Option<Cgroup>> {
    let Some(c) = load(pkg)? else {
        return Ok(None);
    };
    for d in &c.dirs {
        if magic(&d.path) != Some(want_magic(d)) {
            return Err(bad_record(
                pkg,
                format!("{} is not a cgroup", d.path.display()),
            ));
        }
    }
    Ok(Some(c))
}

fn bad_record(pkg: &str, why: String) -> Error {
    Error::fail(format!(
        "cgroup record '{}': {why}",
        record_path(pkg).display()
    ))
}

fn want_magic(d: &Dir) -> u64 {
    if d.v2() {
        CGROUP2_MAGIC
    } else {
        CGROUP_MAGIC
    }
}

/// The record, read and parsed, its directories not looked at yet: a
/// root-owned directory /run/pcue and /run/pcue/cgroup, neither open to
/// others, and in it a regular file of root's not open to others (as the
/// descriptor read says).
fn load(pkg: &str) -> Result<Option<Cgroup>> {
    use std::os::unix::fs::MetadataExt;
    let p = record_path(pkg);
    let bad = |why: String| bad_record(pkg, why);
    for d in ["/run/pcue", RECORDS] {
        match std::fs::symlink_metadata(d) {
            Ok(m) if m.is_dir() && m.uid() == 0 && m.mode() & 0o022 == 0 => {}
            Ok(_) => return Err(bad(format!("{d} is not root's or is open to others"))),
            Err(_) => return Ok(None),
        }
    }
    let (data, m) = match sys::fs::read_root_file_meta(&p, 64 * 1024) {
        Ok((d, _, m)) => (d, m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(crate::error::strerror_io(&e))),
    };
    if m.mode() & 0o022 != 0 {
        return Err(bad("open to others".into()));
    }
    let dirs = parse_record(&String::from_utf8_lossy(&data), pkg).map_err(bad)?;
    Ok(Some(Cgroup {
        pkg: pkg.to_string(),
        dirs,
        since: m.mtime(),
    }))
}

/// Move the calling process into the package's cgroup (every hierarchy of
/// its record). Call as root, before the chroot, the fork into the package
/// and the dropping of privileges, while the process has one thread (every
/// pcue applet is single-threaded). `Ok(false)`: the package has no cgroup.
///
/// The record is checked as [`record`] checks it, the cgroup filesystem
/// on the very descriptor written to: each directory's interface file is
/// opened (not following a final symlink) and its filesystem's magic read
/// with fstatfs before anything is written; a file that cannot be opened
/// is refused as "not a cgroup" when its directory is not on one. Only
/// then is "0" written to each (one lookup of each path, where a statfs
/// of the directory, a read of its cgroup.type and an open of the file
/// took three).
///
/// On v1 the calling thread is written to `tasks`: a single thread moving
/// itself takes no global lock, where a write to `cgroup.procs` takes the
/// threadgroup rwsem for writing and waits for an RCU grace period (8-12 ms
/// measured here, each time the lock has been idle). On the unified
/// hierarchy the thread is written to `cgroup.threads` first: on a hybrid
/// node the package's cgroup is threaded (it holds no controller) and the
/// thread moves the same cheap way; a v2 cgroup with controllers (a
/// domain) refuses it (EOPNOTSUPP: another domain than the caller's) and
/// takes the process through `cgroup.procs`: one such wait.
pub fn join(pkg: &str) -> Result<bool> {
    let Some(c) = load(pkg)? else {
        return Ok(false);
    };
    let cant = |d: &Dir, e: &std::io::Error| {
        Error::fail(format!(
            "can't join cgroup '{}': {}",
            d.path.display(),
            crate::error::strerror_io(e)
        ))
    };
    let mut files = Vec::with_capacity(c.dirs.len());
    for d in &c.dirs {
        let name = if d.v2() { "cgroup.threads" } else { "tasks" };
        let opened = sys::fs::open_write_existing(&d.path.join(name));
        let on_cgroupfs = match &opened {
            Ok(f) => sys::fs::fd_fs_type(f) == Ok(want_magic(d)),
            Err(_) => magic(&d.path) == Some(want_magic(d)),
        };
        if !on_cgroupfs {
            return Err(bad_record(
                pkg,
                format!("{} is not a cgroup", d.path.display()),
            ));
        }
        files.push(opened.map_err(|e| cant(d, &e))?);
    }
    for (d, f) in c.dirs.iter().zip(files) {
        match sys::fs::write_once(&f, b"0") {
            Ok(()) => {}
            // a domain: the process, the slow way
            Err(e) if d.v2() && sys::errno_of(&e) == sys::Errno::EOPNOTSUPP => {
                sys::fs::write_existing(&d.path.join("cgroup.procs"), b"0")
                    .map_err(|e| cant(d, &e))?
            }
            Err(e) => return Err(cant(d, &e)),
        }
    }
    Ok(true)
}

/// Remove the package's cgroup and its record (package stop). A cgroup
/// still holding processes is an error naming them.
pub fn remove(pkg: &str) -> Result<usize> {
    let dirs = match record(pkg)? {
        Some(c) => c.dirs,
        None => {
            // no record (a crash lost /run): what the prefix holds
            let pre = prefix()?;
            hierarchies(&cgroup_root())
                .into_iter()
                .map(|h| Dir {
                    ctrls: h.ctrls.clone(),
                    path: h.mount.join(&pre).join(leaf_name(pkg)),
                })
                .filter(|d| d.path.is_dir())
                .collect()
        }
    };
    let mut busy = Vec::new();
    let mut removed = 0;
    for d in &dirs {
        // a process that has just exited may hold it for a moment: bounded
        let mut tries = 0;
        loop {
            match std::fs::remove_dir(&d.path) {
                Ok(()) => {
                    removed += 1;
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) if tries < 40 && sys::errno_of(&e) == sys::Errno::EBUSY => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => {
                    let pids: Vec<String> = procs(&d.path).iter().map(|p| p.to_string()).collect();
                    busy.push(if pids.is_empty() {
                        format!(
                            "can't remove '{}': {}",
                            d.path.display(),
                            crate::error::strerror_io(&e)
                        )
                    } else {
                        format!(
                            "can't remove '{}': busy: processes {}",
                            d.path.display(),
                            pids.join(" ")
                        )
                    });
                    break;
                }
            }
        }
        // the prefix goes with its last package (not when others use it);
        // a systemd scope the leaf was in is systemd's to remove
        let pre = prefix().unwrap_or_default();
        if let Some(base) = d.path.parent().filter(|b| b.ends_with(&pre)) {
            let _ = std::fs::remove_dir(base);
        }
    }
    if !busy.is_empty() {
        return Err(Error::fail(format!("{pkg}: {}", busy.join("; "))));
    }
    let _ = std::fs::remove_file(record_path(pkg));
    Ok(removed)
}

/// Every package with a record on this node, by name.
pub fn records() -> Vec<std::result::Result<Cgroup, Error>> {
    let Ok(rd) = std::fs::read_dir(RECORDS) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.') && crate::package::name::check(n).is_ok())
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|n| record(&n).transpose())
        .collect()
}

/// One reading of a package's counters. `None`: the node does not count it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    pub pids: Vec<i32>,
    pub tasks: Option<u64>,
    pub tasks_max: Option<u64>,
    /// CPU time, µs.
    pub cpu_usec: Option<u64>,
    /// CPU quota, parts per 10,000 of one CPU.
    pub cpu_quota: Option<u64>,
    pub mem: Option<u64>,
    pub mem_max: Option<u64>,
    pub io_read: Option<u64>,
    pub io_write: Option<u64>,
    pub oom_kills: Option<u64>,
}

/// Read the counters of a package's cgroup.
pub fn sample(c: &Cgroup) -> Sample {
    let mut s = Sample::default();
    let v1 = |ctrl: &str| c.dirs.iter().find(|d| !d.v2() && d.has(ctrl));
    let v2 = c.dirs.iter().find(|d| d.v2());
    let rd = |d: &Dir, f: &str| read(&d.path.join(f));
    // membership: every process is in every hierarchy; a v1 one's
    // cgroup.procs is the cheapest read (a threaded v2 cgroup has none)
    if let Some(d) = v1("pids").or(v1("memory")).or(v2).or(c.dirs.first()) {
        s.pids = procs(&d.path);
        s.pids.sort_unstable();
        s.pids.dedup();
    }
    let v2has = |f: &str| v2.and_then(|d| rd(d, f));
    if let Some(d) = v1("pids") {
        s.tasks = rd(d, "pids.current").and_then(|t| stat::number(&t));
        s.tasks_max = rd(d, "pids.max").and_then(|t| stat::limit(&t));
    } else if let Some(t) = v2has("pids.current") {
        s.tasks = stat::number(&t);
        s.tasks_max = v2has("pids.max").and_then(|t| stat::limit(&t));
    } else if let Some(d) = v1("memory").or(v2) {
        // no pids cgroup (no TasksMax=): the threads in the cgroup, counted
        let f = if d.v2() { "cgroup.threads" } else { "tasks" };
        s.tasks = rd(d, f).map(|t| stat::pids(&t).len() as u64);
    }
    // the unified cgroup's cpu.stat (core accounting, with or without the
    // cpu controller); cpuacct only on a node without it
    s.cpu_usec = v2has("cpu.stat")
        .and_then(|t| stat::keyed(&t, "usage_usec"))
        .or_else(|| {
            v1("cpuacct")
                .and_then(|d| rd(d, "cpuacct.usage"))
                .and_then(|t| stat::number(&t))
                .map(|ns| ns / 1000)
        });
    if let Some(d) = v1("cpu") {
        s.cpu_quota = match (rd(d, "cpu.cfs_quota_us"), rd(d, "cpu.cfs_period_us")) {
            (Some(q), Some(p)) => stat::cfs_quota(&q, &p),
            _ => None,
        };
    } else if let Some(t) = v2has("cpu.max") {
        s.cpu_quota = stat::cpu_max(&t);
    }
    if let Some(d) = v1("memory") {
        s.mem = rd(d, "memory.usage_in_bytes").and_then(|t| stat::number(&t));
        s.mem_max = rd(d, "memory.limit_in_bytes").and_then(|t| stat::limit(&t));
        s.oom_kills = rd(d, "memory.oom_control").and_then(|t| stat::keyed(&t, "oom_kill"));
    } else if let Some(t) = v2has("memory.current") {
        s.mem = stat::number(&t);
        s.mem_max = v2has("memory.max").and_then(|t| stat::limit(&t));
        s.oom_kills = v2has("memory.events").and_then(|t| stat::keyed(&t, "oom_kill"));
    }
    if let Some(d) = v1("blkio") {
        if let Some(t) = rd(d, "blkio.throttle.io_service_bytes_recursive") {
            let (r, w) = stat::blkio_bytes(&t);
            (s.io_read, s.io_write) = (Some(r), Some(w));
        }
    } else if let Some(t) = v2has("io.stat") {
        let (r, w) = stat::io_stat_bytes(&t);
        (s.io_read, s.io_write) = (Some(r), Some(w));
    }
    s
}

/// The limits of a package from its resources file (inside `root`) and the
/// cluster's overrides (`Directive=value`, applied after the file, so they
/// win). Bad lines come back as `FILE:LINE: message`; the rest applies. A
/// file that is not root's or is open to others is an error: a package
/// user could raise their own limits.
pub fn limits(root: &Path, overrides: &[String]) -> Result<(Limits, Vec<String>)> {
    use std::os::unix::fs::MetadataExt;
    let f = root.join(RESOURCES);
    let mut l = Limits::default();
    let mut errs = Vec::new();
    match sys::fs::read_root_file(&f, 64 * 1024) {
        Ok((data, _)) => {
            let m =
                std::fs::symlink_metadata(&f).map_err(|e| Error::io("read", f.display(), &e))?;
            if m.mode() & 0o022 != 0 {
                return Err(Error::fail(format!(
                    "can't read '{}': writable by group or others",
                    f.display()
                )));
            }
            l.apply_text(
                &String::from_utf8_lossy(&data),
                &f.display().to_string(),
                &mut errs,
            );
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("read", f.display(), &e)),
    }
    for (i, o) in overrides.iter().enumerate() {
        if let Err(m) = l.set(o) {
            errs.push(format!("override {}: {m}", i + 1));
        }
    }
    Ok((l, errs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_names_never_collide_with_interface_files() {
        assert_eq!(leaf_name("pkg01"), "pkg01");
        assert_eq!(leaf_name("memory.max"), "_memory.max");
        assert_eq!(leaf_name("tasks"), "_tasks");
        assert_eq!(leaf_name("a.b"), "_a.b");
    }

    #[test]
    fn records_name_only_this_packages_cgroups() {
        let ok = "# x\nunified /sys/fs/cgroup/unified/pcue/pkg01\ncpu,cpuacct /sys/fs/cgroup/cpu,cpuacct/pcue/pkg01\n";
        let d = parse_record(ok, "pkg01").unwrap();
        assert_eq!(d.len(), 2);
        assert!(d[0].v2() && d[1].has("cpuacct") && !d[1].v2());
        for bad in [
            "memory /sys/fs/cgroup/memory/pcue/pkg02\n",
            "memory /sys/fs/cgroup/memory/pcue/../pkg01\n",
            "memory sys/fs/cgroup/memory/pkg01\n",
            "memory\n",
            "MEM /sys/fs/cgroup/memory/pcue/pkg01\n",
            "memory /etc/../sys/fs/cgroup/memory/pkg01/./pkg01\n",
        ] {
            assert!(parse_record(bad, "pkg01").is_err(), "{bad}");
        }
        assert!(parse_record("unified /x/_a.b\n", "a.b").is_ok());
    }

    #[test]
    fn only_the_v1_hierarchies_the_limits_and_figures_need() {
        let none = Limits::default();
        let (cpu, _) = Limits::parse("CPUQuota=50%\n", "f");
        let (weight, _) = Limits::parse("CPUWeight=200\n", "f");
        let (tasks, _) = Limits::parse("TasksMax=40\n", "f");
        let (no_tasks, _) = Limits::parse("TasksMax=infinity\n", "f");
        for c in ["memory", "blkio"] {
            assert!(v1_needed(c, &none, true), "{c}");
        }
        // tasks are counted without it; the pids cgroup for the limit only
        assert!(!v1_needed("pids", &none, true));
        assert!(!v1_needed("pids", &no_tasks, true));
        assert!(v1_needed("pids", &tasks, true));
        assert!(v1_needed("memory,pids", &none, true));
        assert!(!v1_needed("cpu", &none, true));
        assert!(!v1_needed("cpu", &none, false));
        assert!(v1_needed("cpu", &cpu, true));
        assert!(v1_needed("cpu", &weight, true));
        // CPU time: the unified cpu.stat where there is one, else cpuacct
        assert!(!v1_needed("cpuacct", &cpu, true));
        assert!(v1_needed("cpuacct", &none, false));
        // co-mounted: any controller needed keeps the hierarchy
        assert!(!v1_needed("cpu,cpuacct", &none, true));
        assert!(v1_needed("cpu,cpuacct", &none, false));
        assert!(v1_needed("cpu,cpuacct", &cpu, true));
        assert!(v1_needed("net_cls,memory", &none, true));
    }

    #[test]
    fn the_delegated_systemd_scope_is_recognised() {
        let own = "0::/pcue.slice/pcue-pkg01.scope\n";
        assert_eq!(
            systemd_scope(own, "pkg01").as_deref(),
            Some("/pcue.slice/pcue-pkg01.scope")
        );
        assert_eq!(systemd_scope(own, "pkg02"), None);
        assert_eq!(
            systemd_scope("0::/system.slice/pacemaker.service\n", "pkg01"),
            None
        );
        assert_eq!(
            systemd_scope("1:name=systemd:/pcue-pkg01.scope\n", "pkg01"),
            None
        );
    }
}
