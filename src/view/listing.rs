//! pkgps's listing pass: the processes of one root mount (or all of them,
//! each labelled with its package), read through [`scan`](super::scan) and
//! [`roots`](super::roots) and written as the rows of ps -f
//! ([`ps`](super::ps)); user names from each root's own /etc/passwd, the
//! package roots from the registry (-a).

use super::ps::{self, Table, Tm, TtyDriver};
use super::roots;
use super::scan::{Got, Proc, Scanner};
use crate::error::{Error, Result};
use crate::passwd::{self, Passwd};
use crate::procfs;
use crate::procfs::mountinfo::{self, Mount};
use crate::registry::Registry;
use crate::sys;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which processes to list.
pub enum Select {
    /// Those whose root mount has this ID; names from this passwd.
    Root(u64, PathBuf),
    /// Everything, labelled by package.
    All,
    /// Those in this pid namespace, named by the text of its link (a
    /// package started as a world of its own: one readlink of
    /// `/proc/PID/ns/pid` per process, no mount table); names from this
    /// passwd.
    PidNs(PathBuf, PathBuf),
    /// The same, for a caller who cannot read other users' namespace links:
    /// told from what anyone may read ([`world`](super::world)).
    World(super::world::Init, PathBuf),
}

/// What the fields need besides the process itself.
pub struct Env {
    hz: u64,
    btime: u64,
    boot_tics: u64,
    now: Tm,
    drivers: Vec<TtyDriver>,
    utf8: bool,
}

impl Env {
    pub fn load() -> Result<Env> {
        let hz = sys::time::clock_ticks();
        let boot = procfs::boot()?;
        let now = sys::time::localtime(sys::time::now())
            .ok_or_else(|| Error::fail("can't convert the time"))?;
        let drivers = procfs::tty_drivers();
        let env = |k: &str| std::env::var(k).ok();
        Ok(Env {
            hz,
            btime: boot.btime,
            boot_tics: (boot.uptime * hz as f64) as u64,
            now,
            drivers,
            utf8: ps::locale_is_utf8(
                env("LC_ALL").as_deref(),
                env("LC_CTYPE").as_deref(),
                env("LANG").as_deref(),
            ),
        })
    }

    /// The ps -f cells of one process, UID first.
    fn cells(&self, p: &Proc, users: &[Passwd]) -> Vec<String> {
        let s = &p.stat;
        let ticks = s.utime + s.stime;
        let name = passwd::by_uid(users, p.uid).map(|u| u.name.as_str());
        let start = ps::start_epoch(self.btime, s.starttime, self.hz);
        let stime = sys::time::localtime(start)
            .map(|t| ps::stime_field(&self.now, &t))
            .unwrap_or_default();
        vec![
            ps::user_field(name, p.uid, 8, self.utf8),
            s.pid.to_string(),
            s.ppid.to_string(),
            ps::c_field(ticks, s.starttime, self.boot_tics),
            stime,
            ps::tty_field(s.tty_nr, &self.drivers),
            ps::time_field(ticks, self.hz),
            ps::cmd_field(&p.cmdline, &s.comm_raw, s.state, self.utf8),
        ]
    }
}

fn put(out: &mut impl Write, line: String) -> Result<()> {
    writeln!(out, "{line}").map_err(|e| crate::out::write_error(&e))
}

/// A passwd larger than this is read only this far.
const PASSWD_MAX: usize = 4 << 20;

/// The users `root`'s /etc/passwd names; none when it is not a plain file
/// owned by root. Only for our own root and the roots the registry names:
/// any user can chroot into a mount of theirs.
fn users_at(root: &Path) -> Vec<Passwd> {
    let path = root.join("etc/passwd");
    match sys::fs::read_root_file(&path, PASSWD_MAX) {
        Ok((mut raw, more)) => {
            if more {
                log::debug!(
                    "'{}' is over {PASSWD_MAX} bytes: the rest is not read",
                    path.display()
                );
                raw.truncate(raw.iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1));
            }
            passwd::parse_passwd_bytes(&raw).0
        }
        Err(e) => {
            log::debug!("can't read '{}': {e}; uids stay numeric", path.display());
            Vec::new()
        }
    }
}

pub fn own_table() -> Result<Vec<Mount>> {
    const OWN: &str = "/proc/self/mountinfo";
    procfs::mount_table(OWN).map_err(|e| Error::io("read", OWN, &e))
}

pub fn own_root_id(table: &[Mount]) -> Result<u64> {
    mountinfo::root_mount(table)
        .map(|m| m.id)
        .ok_or_else(|| Error::fail("no mount for '/' in '/proc/self/mountinfo'"))
}

/// The registry's packages by real root path, for -a. The first package
/// named for a root wins.
fn package_roots() -> HashMap<PathBuf, String> {
    let mut m = HashMap::new();
    for p in Registry::system().packages {
        match std::fs::canonicalize(&p.root) {
            Ok(r) => {
                m.entry(r).or_insert(p.name);
            }
            Err(e) => log::debug!("package {}: root '{}': {e}", p.name, p.root.display()),
        }
    }
    m
}

/// The packages of the registry running as worlds of their own: (name,
/// root) by the pid namespace of their pkginit (the node's root can read
/// it), and by pkginit's root mount (anyone can: see
/// [`world`](super::world)).
#[derive(Default)]
struct Worlds {
    by_ns: HashMap<(u64, u64), (String, PathBuf)>,
    by_mount: HashMap<u64, (String, PathBuf)>,
}

fn running_packages(table: &[Mount]) -> Worlds {
    let mut w = Worlds::default();
    for p in Registry::system().packages {
        let Ok(fd) = crate::package::enter::open_root(&p.root) else {
            continue;
        };
        if let Some(init) = crate::session::find(&p.name, std::os::fd::AsFd::as_fd(&fd)) {
            if let Some(ns) = sys::ns::ns_id(init.pid, "pid") {
                w.by_ns.insert(ns, (p.name.clone(), p.root.clone()));
            }
        }
        let real = std::fs::canonicalize(&p.root).unwrap_or_else(|_| p.root.clone());
        if let Some(m) = table.iter().rev().find(|m| m.path == real) {
            if let Some(init) = super::world::find(&p.name, m) {
                w.by_mount.insert(init.root_mount, (p.name, p.root));
            }
        }
    }
    w
}

/// The header, then one row per process `select` takes, to `out`
/// (flushed); `table` is our own mount table and `own` the ID of our root
/// mount in it. Returns how many processes were listed.
pub fn list(
    out: &mut impl Write,
    select: &Select,
    table: &[Mount],
    own: u64,
    env: &Env,
    ps_table: &Table,
) -> Result<usize> {
    let t0 = Instant::now();
    let mut sc = Scanner::new(table);
    let pids = procfs::pids().map_err(|e| Error::io("read", "/proc", &e))?;
    let (all, mut unreadable) = match select {
        Select::PidNs(ns, _) => (
            pids.iter()
                .filter(|&&p| procfs::link(p, "ns/pid").as_ref() == Some(ns))
                .map(|&p| (p, 0))
                .collect(),
            0,
        ),
        Select::World(init, _) => {
            let ours: HashSet<u64> = table.iter().map(|m| m.id).collect();
            let (members, unreadable) = super::world::members(&mut sc, &pids, init, &ours);
            (members.into_iter().map(|p| (p, 0)).collect(), unreadable)
        }
        _ => roots::roots(&mut sc, &pids),
    };
    let scanned = all.len();
    put(out, ps_table.header())?;
    let mut listed = 0;
    // per root mount: (label, its package's passwd), for -a; the system's
    // passwd names the processes of roots no package has
    let mut seen: HashMap<u64, (String, Option<Vec<Passwd>>)> = HashMap::new();
    let mut packages: Option<HashMap<PathBuf, String>> = None;
    let mut isolated: Option<Worlds> = None;
    let own_users = match select {
        Select::Root(_, root) | Select::PidNs(_, root) | Select::World(_, root) => users_at(root),
        Select::All => users_at(Path::new("/")),
    };
    for (pid, id) in all {
        if let Select::Root(want, _) = *select {
            if id != want {
                continue;
            }
        }
        let p = match sc.proc_of(pid) {
            Got::Ok(p) => p,
            Got::Gone => continue,
            Got::Unreadable(e) => {
                log::debug!("pid {pid}: {e}");
                unreadable += 1;
                continue;
            }
        };
        let cells = match select {
            Select::Root(..) | Select::PidNs(..) | Select::World(..) => env.cells(&p, &own_users),
            Select::All if id == own => {
                let mut c = vec!["-".to_string()];
                c.extend(env.cells(&p, &own_users));
                c
            }
            Select::All => {
                let (label, users) = seen.entry(id).or_insert_with(|| {
                    let Some(m) = table.iter().rev().find(|m| m.id == id) else {
                        // a root of another mount namespace: a package
                        // started as a world of its own, by its pid
                        // namespace, else (a caller who may not read the
                        // link) by its pkginit's root mount
                        let ns = sys::ns::ns_id(pid, "pid");
                        let worlds = isolated.get_or_insert_with(|| running_packages(table));
                        let hit = ns
                            .and_then(|n| worlds.by_ns.get(&n))
                            .or_else(|| worlds.by_mount.get(&id));
                        return match hit {
                            Some((name, root)) => (name.clone(), Some(users_at(root))),
                            None => ("?".to_string(), None),
                        };
                    };
                    let root = m.path.as_path();
                    match packages.get_or_insert_with(package_roots).get(root) {
                        Some(name) => (name.clone(), Some(users_at(root))),
                        None => (ps::escape(m.path.as_os_str().as_bytes(), env.utf8), None),
                    }
                });
                let mut c = vec![label.clone()];
                c.extend(env.cells(&p, users.as_deref().unwrap_or(&own_users)));
                c
            }
        };
        put(out, ps_table.row(&cells))?;
        listed += 1;
    }
    out.flush().map_err(|e| crate::out::write_error(&e))?;
    let st = &sc.stats;
    log::debug!(
        "{scanned} processes scanned, {listed} listed, {unreadable} unreadable skipped; \
         {:.1} ms in all: {:.1} ms reading {} mountinfo files ({} KiB), \
         {:.1} ms reading stat+cmdline of {} processes",
        t0.elapsed().as_secs_f64() * 1e3,
        st.mountinfo_time.as_secs_f64() * 1e3,
        st.mountinfo_reads,
        st.mountinfo_bytes / 1024,
        st.proc_time.as_secs_f64() * 1e3,
        st.proc_reads
    );
    Ok(listed)
}
