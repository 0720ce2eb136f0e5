//! pkgps — process status of one package.

use crate::args;
use crate::error::{Error, Result};
use crate::package::identity::{self, Root};
use crate::registry::Config;
use crate::sys;
use crate::view::listing::{self, own_root_id, own_table, Env, Select};
use crate::view::ps::{self, Table};
use argh::{ArgsInfo, FromArgs};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

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
            else <prefix>/pkg, symlinks resolved. A package started as a
            world of its own (pkginit -p) is listed by its pid namespace:
            every process in the namespace of its pkginit (named in
            /run/pkginit/pkg.pid, checked). The node's root reads one
            namespace link per process. Any other user, who may not read
            other users' links, gets the same list from what anyone may
            read: pkginit is checked in its /proc/PID/status (root's, pid 1
            of a pid namespace below ours) and mountinfo (its root mount is
            the package root); a process is listed when its root mount (the
            first line of its mountinfo) is pkginit's, or, having no such
            mount of its own (chrooted below it, as sshd does, in a mount
            namespace made in a user namespace, a zombie), when its nearest
            ancestor with one is; each is then confirmed in pkginit's pid
            namespace by the NSpid line of its status (as many pids as
            pkginit's). Only a process the node's root put into the
            package's pid namespace without its mount namespace (nsenter
            -p) escapes it. User names come from that root's /etc/passwd,
            STIME from its /etc/localtime.
            The PIDs are the node's, as ps -ef on the node shows them.
    -a      From the system context: every process, with a PACKAGE column
            before the others: the package whose root it is in, - for the
            system context, the mount point (a path, starting with /) when
            its root is a mount that is no package's root in the registry,
            ? when its root is not a mount this context can see (but a
            package started as a world of its own, named by its pid
            namespace, or, for a user who may not read the namespace
            link, when its root mount is that package's pkginit's). Each
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
    /proc/PID/mountinfo, /proc/PID/stat, /proc/PID/cmdline,
    /proc/PID/status and /proc/PID/ns/pid (-p, -a), /run/pkginit/pkg.pid,
    /proc/stat, /proc/uptime, /proc/tty/drivers, /proc/sys/kernel/pid_max,
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

pub fn main(argv: &[OsString]) -> Result<i32> {
    let a: Args = args::parse("pkgps", HELP, argv)?;
    if a.all && a.package.is_some() {
        return Err(Error::usage("-a and -p exclude each other"));
    }
    if let Some(p) = &a.package {
        crate::package::name::check(p)?;
    }
    // pid 1's table unreadable (/proc mounted with hidepid): list the
    // processes that share our root, as inside a package
    let in_package = match identity::root_identity() {
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
            // a package started as a world of its own: its pid namespace
            if let Some(ns) = running_ns(pkg, &root) {
                sys::time::use_zone_of(&root);
                return finish(Select::PidNs(ns, root), &table, own);
            }
            let m = table.iter().rev().find(|m| m.path == root).ok_or_else(|| {
                Error::fail(format!(
                    "package '{pkg}' is not mounted: nothing is mounted on '{}'",
                    root.display()
                ))
            })?;
            // the same, told from what any user may read
            if let Some(init) = crate::view::world::find(pkg, m) {
                sys::time::use_zone_of(&root);
                return finish(Select::World(init, root), &table, own);
            }
            Select::Root(m.id, root)
        }
        (None, true) => Select::All,
    };
    if let Select::Root(_, root) = &select {
        if root != Path::new("/") {
            sys::time::use_zone_of(root);
        }
    }
    finish(select, &table, own)
}

/// The pid namespace of package `pkg`'s pkginit when it runs as a world of
/// its own (its pid file under /run/pkginit, checked; the node's root may
/// read the namespace links of every process): the text of its link
/// (`pid:[INODE]`), a readlink being half the cost of a stat there.
fn running_ns(pkg: &str, root: &Path) -> Option<PathBuf> {
    let fd = crate::package::enter::open_root(root).ok()?;
    let init = crate::session::find(pkg, std::os::fd::AsFd::as_fd(&fd))?;
    crate::procfs::link(init.pid, "ns/pid")
}

/// The listing of `select`, as ps -ef would print it.
fn finish(select: Select, table: &[crate::procfs::mountinfo::Mount], own: u64) -> Result<i32> {
    let env = Env::load()?;
    let pid_max = std::fs::read_to_string("/proc/sys/kernel/pid_max").ok();
    let (tty, term_cols) = sys::tty::terminal();
    let columns = std::env::var("COLUMNS").ok();
    let ps_table = Table::new(
        ps::f_columns(
            ps::pid_width(pid_max.as_deref()),
            matches!(select, Select::All),
        ),
        ps::screen_cols(tty, term_cols, columns.as_deref()),
    );

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let listed = listing::list(&mut out, &select, table, own, &env, &ps_table)?;
    Ok(if listed > 0 { 0 } else { 1 })
}
