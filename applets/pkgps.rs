//! pkgps — process status of one package.

use crate::args;
use crate::context::{self, Root};
use crate::error::{Error, Result};
use crate::mountinfo::{self, Mount};
use crate::passwd::{self, Passwd};
use crate::procfs::{
    self,
    scan::{Got, Proc, Scanner},
};
use crate::ps_format::{self, Table, Tm, TtyDriver};
use crate::registry::{Config, Registry};
use crate::sys;
use argh::{ArgsInfo, FromArgs};
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const HELP: &str = "\
NAME
    pkgps - package process status
SYNOPSIS
    pkgps
    pkgps -p pkg
    pkgps -a
DESCRIPTION
    Display the processes running in the current package, in the format of
    ps -ef. Processes that run in the system context or in other packages
    are left out, so that inside a package the package looks like a machine
    of its own. Any user may run it.
    A process belongs to the package whose root is its root directory. This
    is decided by root-mount identity, which needs no privilege: the mount
    that is / for a process is the last line of /proc/PID/mountinfo whose
    mount point is /, and a process is listed when that mount's ID is the
    one that is / for pkgps itself. (/proc/PID/root cannot be read for
    other users' processes.) A zombie has no mount table left, and a
    process that chrooted into a directory of its root (sshd into
    /var/empty) sees no mount as /: each is listed with its parent, or the
    nearest ancestor that has a root mount.
    The columns are those of ps -f, computed as procps-ng computes them:
    UID   The effective user (the owner of /proc/PID), named from the
          package's own /etc/passwd; the number when the package does not
          know it, or its passwd is not a plain file owned by root (only
          the first 4 MiB are read); a name longer than 8 characters is cut
          to 7 and ends in +.
    PID, PPID
          Process and parent process IDs, as wide as pid_max has digits.
    C     CPU utilisation over the process's life: CPU time * 100 / time
          since it started, truncated, at most 99.
    STIME Start time in local time: HH:MM when it started today, MonDD
          this year, else the year. Local time is TZ, else the package's
          /etc/localtime (with -p too), else UTC.
    TTY   Controlling terminal (pts/3, tty1, ttyS0, console), ? for none.
    TIME  Cumulative CPU time, [DD-]HH:MM:SS.
    CMD   The command line with its arguments. When it is empty (a
          process that hid it, a kernel thread), the command name in
          brackets, followed by <defunct> for a zombie; ? when it holds
          only NUL bytes. Characters a terminal should not print show as ?
          (as . for control characters when the locale is not UTF-8;
          LC_ALL, LC_CTYPE, LANG decide).
    Rows are in process ID order. On a terminal the line is cut at the
    screen width, as ps cuts it; COLUMNS overrides the width.
    In the system context pkgps refuses to guess: name a package with -p,
    or list every process with -a. When pid 1's mount table cannot be read
    (/proc mounted with hidepid), pkgps cannot tell and lists the processes
    that share its root. Processes that vanish while being read are left
    out; those whose files cannot be read (hidepid) are left out and
    counted in the debug output.
OPTIONS
    -p pkg  From the system context: the processes of package pkg, whose
            root is the package root the registry names (see pkglogin(8)),
            else <prefix>/pkg, symlinks resolved. User names come from that
            root's /etc/passwd, STIME from its /etc/localtime.
    -a      From the system context: every process, with a PACKAGE column
            before the others: the package whose root it is in, - for the
            system context, the mount point (a path, starting with /) when
            its root is a mount that is no package's root in the registry,
            ? when its root is not a mount this context can see. Each
            package's processes are named from its passwd, all others from
            the system's.
ENVIRONMENT
    TZ          Time zone for STIME.
    COLUMNS     Screen width.
    LC_ALL, LC_CTYPE, LANG  UTF-8 or not, for escaping.
    PCUE_LOG    debug: how many processes were read, skipped and selected,
                and the time spent reading /proc.
    The registry's variables, for -p and -a: PCUE_SGCONF, PCUE_ROOT_PREFIX,
    PCUE_CMCLUSTER_CONF, PCUE_CMVIEWCL and SGSBIN, see pkglogin(8) (ignored
    when setuid).
EXIT STATUS
    0   Success: at least one process was listed.
    1   No process was listed; not in a package and neither -p nor -a
        given; -p or -a inside a package; the package is not mounted; /proc
        cannot be read.
    2   Bad arguments.
FILES
    /proc/PID/mountinfo, /proc/PID/stat, /proc/PID/cmdline, /proc/stat,
    /proc/uptime, /proc/tty/drivers, /proc/sys/kernel/pid_max,
    /etc/passwd (the package's; the system's for -a), /etc/localtime (the
    package's), the registry (-p, -a)
SEE ALSO
    ps(1), getcpkg(8), pkglogin(8)
";

#[derive(FromArgs, ArgsInfo)]
#[argh(help_triggers("--help"))]
/// Process status of one package.
struct Args {
    /// list the processes of this package (system context only)
    #[argh(option, short = 'p')]
    package: Option<String>,
    /// list every process with its package (system context only)
    #[argh(switch, short = 'a')]
    all: bool,
}

/// Which processes to list.
enum Select {
    /// Those whose root mount has this ID; names from this passwd.
    Root(u64, PathBuf),
    /// Everything, labelled by package.
    All,
}

/// What the fields need besides the process itself.
struct Env {
    hz: u64,
    btime: u64,
    boot_tics: u64,
    now: Tm,
    drivers: Vec<TtyDriver>,
    utf8: bool,
}

impl Env {
    fn load() -> Result<Env> {
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
            utf8: ps_format::locale_is_utf8(
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
        let start = ps_format::start_epoch(self.btime, s.starttime, self.hz);
        let stime = sys::time::localtime(start)
            .map(|t| ps_format::stime_field(&self.now, &t))
            .unwrap_or_default();
        vec![
            ps_format::user_field(name, p.uid, 8, self.utf8),
            s.pid.to_string(),
            s.ppid.to_string(),
            ps_format::c_field(ticks, s.starttime, self.boot_tics),
            stime,
            ps_format::tty_field(s.tty_nr, &self.drivers),
            ps_format::time_field(ticks, self.hz),
            ps_format::cmd_field(&p.cmdline, &s.comm_raw, s.state, self.utf8),
        ]
    }
}

fn put(out: &mut impl Write, line: String) -> Result<()> {
    writeln!(out, "{line}").map_err(|e| Error::io("write", "stdout", &e))
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

fn own_table() -> Result<Vec<Mount>> {
    const OWN: &str = "/proc/self/mountinfo";
    procfs::mount_table(OWN).map_err(|e| Error::io("read", OWN, &e))
}

fn own_root_id(table: &[Mount]) -> Result<u64> {
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

pub fn main(argv: &[OsString]) -> Result<i32> {
    let a: Args = args::parse("pkgps", HELP, argv)?;
    if a.all && a.package.is_some() {
        return Err(Error::usage("-a and -p exclude each other"));
    }
    if let Some(p) = &a.package {
        crate::name::check(p)?;
    }
    // pid 1's table unreadable (/proc mounted with hidepid): list the
    // processes that share our root, as inside a package
    let in_package = match context::root_identity() {
        Ok(r) => r != Root::System,
        Err(e) => {
            log::debug!("{}: taking our own root as the package's", e.msg);
            true
        }
    };
    let table = own_table()?;
    let own = own_root_id(&table)?;
    let select = match (&a.package, a.all) {
        _ if in_package && (a.all || a.package.is_some()) => {
            return Err(Error::fail("-p and -a work only in the system context"));
        }
        (None, false) if !in_package => {
            return Err(Error::fail("not in a package (use -p PKG or -a)"));
        }
        (None, false) => Select::Root(own, PathBuf::from("/")),
        (Some(pkg), _) => {
            let cfg = Config::from_system();
            let root = crate::registry::real_root(&cfg, pkg)
                .map_err(|e| Error::fail(format!("package '{pkg}' is not mounted: {}", e.msg)))?;
            let m = table.iter().rev().find(|m| m.path == root).ok_or_else(|| {
                Error::fail(format!(
                    "package '{pkg}' is not mounted: nothing is mounted on '{}'",
                    root.display()
                ))
            })?;
            Select::Root(m.id, root)
        }
        (None, true) => Select::All,
    };
    if let Select::Root(_, root) = &select {
        if root != Path::new("/") {
            sys::time::use_zone_of(root);
        }
    }
    let env = Env::load()?;
    let pid_max = std::fs::read_to_string("/proc/sys/kernel/pid_max").ok();
    let (tty, term_cols) = sys::tty::terminal();
    let columns = std::env::var("COLUMNS").ok();
    let ps_table = Table::new(
        ps_format::f_columns(
            ps_format::pid_width(pid_max.as_deref()),
            matches!(select, Select::All),
        ),
        ps_format::screen_cols(tty, term_cols, columns.as_deref()),
    );

    let t0 = Instant::now();
    let mut sc = Scanner::new(&table);
    let pids = procfs::pids().map_err(|e| Error::io("read", "/proc", &e))?;
    let (all, mut unreadable) = procfs::roots::roots(&mut sc, &pids);
    let scanned = all.len();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    put(&mut out, ps_table.header())?;
    let mut listed = 0;
    // per root mount: (label, its package's passwd), for -a; the system's
    // passwd names the processes of roots no package has
    let mut seen: HashMap<u64, (String, Option<Vec<Passwd>>)> = HashMap::new();
    let mut packages: Option<HashMap<PathBuf, String>> = None;
    let own_users = match &select {
        Select::Root(_, root) => users_at(root),
        Select::All => users_at(Path::new("/")),
    };
    for (pid, id) in all {
        if let Select::Root(want, _) = select {
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
        let cells = match &select {
            Select::Root(..) => env.cells(&p, &own_users),
            Select::All if id == own => {
                let mut c = vec!["-".to_string()];
                c.extend(env.cells(&p, &own_users));
                c
            }
            Select::All => {
                let (label, users) = seen.entry(id).or_insert_with(|| {
                    let Some(m) = table.iter().rev().find(|m| m.id == id) else {
                        return ("?".to_string(), None);
                    };
                    let root = m.path.as_path();
                    match packages.get_or_insert_with(package_roots).get(root) {
                        Some(name) => (name.clone(), Some(users_at(root))),
                        None => (
                            ps_format::escape(m.path.as_os_str().as_bytes(), env.utf8),
                            None,
                        ),
                    }
                });
                let mut c = vec![label.clone()];
                c.extend(env.cells(&p, users.as_deref().unwrap_or(&own_users)));
                c
            }
        };
        put(&mut out, ps_table.row(&cells))?;
        listed += 1;
    }
    out.flush().map_err(|e| Error::io("write", "stdout", &e))?;
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
    Ok(if listed > 0 { 0 } else { 1 })
}
