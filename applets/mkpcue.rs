//! mkpcue — build, mount, check and unmount a package root.

use crate::args;
use crate::error::{Error, Result};
use crate::layout::apply::{self, Umount};
use crate::layout::{self, plan::inside, Mode, World};
use crate::session::{self, Plan, Way, Who};
use crate::sys;
use crate::sys::process::Exit;
use argh::{ArgsInfo, FromArgs};
use std::ffi::{CString, OsString};
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::Path;

pub const HELP: &str = "\
NAME
    mkpcue - build, mount, check and unmount a package root
SYNOPSIS
    mkpcue [-n] [-f LAYOUT] PKG
    mkpcue [-n] [-f LAYOUT] --mount PKG
    mkpcue [-n] [-f LAYOUT] --umount [--lazy] PKG
    mkpcue [-f LAYOUT] --check PKG
    mkpcue --public-cib CIB
    mkpcue [-f LAYOUT] --print-layout
    mkpcue --cgroup [--limit DIRECTIVE=VALUE]... PKG [-- COMMAND [ARG...]]
    mkpcue --cgroup-remove PKG
    mkpcue --cgroup-properties [--limit DIRECTIVE=VALUE]... PKG
DESCRIPTION
    Build the chroot world of package PKG so that it looks like a small Unix
    machine of its own: a directory skeleton, its own passwd, group, shadow,
    inittab, utmp and wtmp, the host's /usr and /etc read-only, a fresh
    /proc, a small /dev with a private devpts, the FIFO /run/initctl, and
    the running pcue binary at /corp/bin with its applet names.
    The package root is the registry's root for PKG (see pkglogin(8)) when
    the package is registered, else <prefix>/PKG where the prefix is
    PCUE_ROOT_PREFIX from /etc/cmcluster.conf or the environment, or /.
    The root is made a mount point (bound onto itself, private, if it is a
    plain directory), so that getcpkg(8) can tell a package's processes by
    their root mount; the marker file /.pcue-package names the package
    where pid 1 cannot see that mount.
    What to build is data: a layout, built into the binary (print it with
    --print-layout) or read from a file with -f. Each line is a dir,
    symlink, file, fifo, bind, mount or applets entry; the printed default
    layout describes the format in its comments. Where the node has CUPS
    (/usr/sbin/cupsd) or atd, the default layout adds what the package's
    own print spooler or at daemon needs: /etc/cups with a cupsd.conf
    listening on /run/cups/cups.sock and on the package's addresses from
    the registry (Listen ADDRESS:631, one per address), the spool, cache,
    log and run directories, /opt/cups (cupsd's ServerBin: the host's
    helpers and backends, and room for the package's own); the at spool
    /var/spool/cron/atjobs and atspool, /etc/at.deny and PAM for atd.
    Nothing starts them but the package's inittab.
    Each action is printed as it is done. mkpcue changes only what is
    missing: an existing file, symlink or directory is never deleted,
    replaced or re-moded, and a filesystem already mounted on a mount point
    is never mounted again. A second run therefore changes nothing and says
    so ('nothing to do'). An existing entry that differs from the layout is
    left alone and reported as 'keep' (for example a package's own
    /etc/passwd with its users); --check reports modes, owners, link
    targets and mounts that differ, but not file contents.
    Every new entry is made atomically: symlinks, and directories and
    FIFOs owned by root, are made under their own name with their mode in
    one call; one owned by another user or group (the crontabs directory)
    is made under a temporary name (.NAME.mkpcue-PID), given its owner and
    mode, and renamed into place only if NAME is still free; files are
    written unnamed (O_TMPFILE) and linked into place only if the name is
    free. So a run killed at any point leaves no half-made entry under its
    real name, and running mkpcue again completes the layout. (A kill in
    the instant between making and renaming can leave a .NAME.mkpcue-PID
    entry behind; it is harmless and may be removed by hand.) Paths inside
    the root are walked without following symlinks, and mounts are made on
    the very mount point that was checked, so a symlink planted in the
    root cannot redirect mkpcue to the host.
    Runs on one root are serialised by a lock on the root's parent
    directory.
    Before doing anything mkpcue compares the whole layout with the root;
    an entry in the way (a file where the layout needs a directory, a
    missing bind source) stops it with nothing changed. When a step fails
    after others were done, mkpcue stops there, names the step, its number
    and the reason, and lists the mounts this run made before it. They are
    not rolled back: they are correct and a package may already use them.
    Fix the cause and run mkpcue again (it goes on where it stopped), or
    take everything down with --umount.
OPTIONS
    --mount  Package start on a node whose root is already built (shared
        storage): make the root a mount point and do the layout's mounts,
        nothing else. A missing mount point is an error.
    --umount  Package stop: unmount every mount on or below the root, the
        last mounted first, and the root's own mount when it is a bind of
        the root onto itself (a package filesystem mounted by the cluster
        stays). A busy mount is skipped and reported, with the processes
        whose root or working directory is below the root, and the exit
        status is 1.
    --lazy  With --umount: detach busy mounts (MNT_DETACH) instead.
    --check  Report every difference between the root and the layout, one
        line each; change nothing. Exit status 1 if there is any. What
        keeps a package user from logging in is reported too: a PAM stack
        of login, sshd, su, su-l (su -), passwd or chpasswd, or of cron or
        atd when the package holds them, that is missing (it falls to
        /etc/pam.d/other) or includes a missing file or module, pam_limits
        without /etc/security/limits.conf, no /etc/shadow, a login.defs
        whose ENV_PATH or ENV_SUPATH lacks /corp/bin, an sshd stack whose
        pam_env gives sessions no PATH with /corp/bin. A package
        with its own CUPS (/etc/cups/cupsd.conf, and an inittab entry that
        starts cupsd) is checked as its cupsd would be: cupsd -t runs inside
        the package the way execsh enters it, as root: in the package's
        namespaces (its /proc, pid 1 and host name) when it runs (pkginit
        -p), else in its plain root (chroot), with the package's capability
        bounding set either way, PATH its only variable (its output is
        reported when it fails); a user or group cups-files.conf names that the
        package's passwd or group lacks, a directory it names that the
        root lacks, a Port or wildcard Listen, a Listen on no address of
        the package (the registry's), and a package address cupsd cannot
        listen on (or, while it runs, does not) are reported too.
    -n, --dry-run  Print the plan (the steps a build, --mount or --umount
        would take) and change nothing.
    -f LAYOUT  Use the layout in file LAYOUT instead of the built-in one.
    --print-layout  Print the layout (the built-in one, or LAYOUT) and exit.
    --public-cib CIB  Print the public copy of the CIB file CIB (root only):
        one group per package with its ocf:pcue:package primitive (package,
        root) and one primitive per address (ip, ipv6addr), no other
        resource or parameter. The agent ocf:pcue:package writes it to
        /run/pcue/cib.xml for callers the cluster's file is closed to.
    --cgroup  Package start: make the package's cgroup, PREFIX/PKG (PREFIX
        pcue) under /sys/fs/cgroup in the unified (v2) hierarchy and the
        v1 hierarchies memory, pids and blkio, cpu only for CPUQuota= or
        CPUWeight=, cpuacct only where the unified one has no cpu.stat
        (a cgroup an earlier start made where it is no longer needed is
        removed), write its
        limits, and record it in /run/pcue/cgroup/PKG, which execsh(8),
        pkgnet(8) and pkgstat(8) read. With -- COMMAND, join the cgroup and
        execute COMMAND (pkginit -p PKG ...): pkginit and
        everything it starts are in it. The limits are those of the
        package's /etc/pcue/resources (root's, not writable by group or
        others), in systemd.resource-control(5) syntax, one Directive=value
        a line: CPUQuota=150%, CPUWeight=1-10000, MemoryMax= and
        MemoryHigh= (bytes, K, M, G, T, or N% of the node's memory),
        TasksMax= (a count or N%), IOWeight=1-10000, Limits=required or
        best-effort; infinity or an empty value means no limit. Each
        --limit (the cluster's configuration) is applied after the file
        and wins. A malformed line or an unknown directive is reported as
        FILE:LINE: message and skipped; the rest applies. A limit this node
        cannot enforce (its controller or file is missing, or cgroup v1
        has no equivalent, as for MemoryHigh=) refuses the start, naming it,
        unless Limits=best-effort (then a warning). Every limit not set is
        written back to its default. A cgroup left by an earlier start is
        made anew: the processes still in it, left by a pkginit that was
        killed, are killed first (while a pkginit runs in the package they
        are kept, moved into a hierarchy the limits now need, and only the
        limits are written again). Where systemd is
        pid 1 (/run/systemd/system), nothing is made behind its back: run
        the start in a scope systemd delegates, systemd-run --scope
        --unit=pcue-PKG -p Delegate=yes $(mkpcue --cgroup-properties PKG)
        mkpcue --cgroup PKG -- ...; mkpcue then records that scope.
    --limit DIRECTIVE=VALUE  With --cgroup: a limit from the cluster's
        configuration; may be repeated.
    --cgroup-remove  Package stop: remove the package's cgroup and its
        record. A cgroup still holding processes is an error naming them.
    --cgroup-properties  Print the limits as systemd-run options
        (-p Directive=value ...).
OUTPUT
    One line per step: mkdir, symlink, write, mkfifo, touch (a file to
    mount on), bind, remount, mount, umount, with the path as seen inside
    the package; 'keep PATH: why' for an existing entry left alone; a last
    line with the number of changes, or 'nothing to do'. Owners print as
    uid:gid.
ENVIRONMENT
    PCUE_ROOT_PREFIX, PCUE_SGCONF  Where package roots and the registry are.
    PCUE_CGROUP_PREFIX  The cgroup name prefix (default pcue).
    PCUE_CGROUP_ROOT  Where the hierarchies are (default /sys/fs/cgroup).
    PCUE_CMCLUSTER_CONF, PCUE_CMVIEWCL, SGSBIN  The registry's, see
        pkglogin(8).
EXIT STATUS
    0   Done; the root matches the layout (with --check: no drift). A root
        that execsh and pkgnet would refuse to enter (a directory above it
        that is not root's or is open to others, a symlink on the way) is
        built anyway with a warning; --check counts it as drift.
    1   A step failed, something is in the way, a mount is still busy, the
        layout is bad, the caller is not root, or --check found drift.
    2   Bad arguments or an invalid package name (empty, '.', '..', with a
        '/', longer than 39 characters, or a system directory such as etc,
        usr or system).
FILES
    /<pkg>/.pcue-package  The package's name, root-owned, mode 0644.
    /<pkg>/etc/pcue/resources  The package's limits (--cgroup).
    /run/pcue/cgroup/PKG  The record of the package's cgroup.
    /proc/self/mountinfo  What is mounted.
    /etc/passwd, /etc/group, /etc/shadow  The host's system accounts
        (uid or gid below 1000), copied into a new root once.
SEE ALSO
    getcpkg(8), pkginit(8), execsh(8), pkgbdf(8), pkgstat(8)
";

#[derive(FromArgs, ArgsInfo)]
#[argh(help_triggers("--help"))]
/// Build, mount, check and unmount a package root.
struct Args {
    /// print the plan, change nothing
    #[argh(switch, short = 'n')]
    dry_run: bool,
    /// layout file instead of the built-in layout
    #[argh(option, short = 'f')]
    layout: Option<String>,
    /// mounts only (package start)
    #[argh(switch)]
    mount: bool,
    /// unmount everything below the root (package stop)
    #[argh(switch)]
    umount: bool,
    /// with --umount: detach busy mounts
    #[argh(switch)]
    lazy: bool,
    /// report drift from the layout
    #[argh(switch)]
    check: bool,
    /// print the layout and exit
    #[argh(switch)]
    print_layout: bool,
    /// print the public copy of a CIB file (root only)
    #[argh(option)]
    public_cib: Option<String>,
    /// make the package's cgroup and apply its limits (package start)
    #[argh(switch)]
    cgroup: bool,
    /// remove the package's cgroup (package stop)
    #[argh(switch)]
    cgroup_remove: bool,
    /// print the limits as systemd-run properties
    #[argh(switch)]
    cgroup_properties: bool,
    /// with --cgroup: a limit from the cluster, Directive=value
    #[argh(option)]
    limit: Vec<String>,
    /// the package (with --cgroup: then -- and a command to run in it)
    #[argh(positional)]
    operands: Vec<String>,
}

pub fn main(argv: &[OsString]) -> Result<i32> {
    let a: Args = args::parse("mkpcue", HELP, argv)?;
    if [a.mount, a.umount, a.check, a.print_layout]
        .iter()
        .filter(|x| **x)
        .count()
        > 1
    {
        return Err(Error::usage(
            "--mount, --umount, --check and --print-layout exclude each other",
        ));
    }
    if let Some(cib) = &a.public_cib {
        return public_cib(cib);
    }
    if a.cgroup || a.cgroup_remove || a.cgroup_properties {
        return cgroup(&a);
    }
    if !a.limit.is_empty() {
        return Err(Error::usage("--limit goes with --cgroup"));
    }
    if a.operands.len() > 1 {
        return Err(Error::usage(format!("extra operand '{}'", a.operands[1])));
    }
    if a.lazy && !a.umount {
        return Err(Error::usage("--lazy goes with --umount"));
    }
    let text = match &a.layout {
        Some(f) => crate::sys::fs::read_text(Path::new(f)).map_err(|e| Error::io("read", f, &e))?,
        None => layout::DEFAULT.to_string(),
    };
    if a.print_layout {
        crate::out!("{text}")?;
        return Ok(0);
    }
    let Some(pkg) = a.operands.first().map(String::as_str) else {
        return Err(Error::usage("missing package name"));
    };
    crate::package::name::check(pkg)?;
    let where_ = a.layout.as_deref().unwrap_or("built-in layout");
    let parsed = layout::parse(&text).map_err(|e| Error::fail(format!("{where_}: {e}")))?;
    if sys::ids::real_uid() != 0 || sys::ids::effective_uid() != 0 {
        return Err(Error::fail(
            "must be run by root (real and effective uid 0)",
        ));
    }
    sys::process::clear_umask();
    let root = apply::package_root(pkg)?;
    let parent = root.parent().unwrap_or(Path::new("/"));
    let _lock =
        sys::locks::lock_dir(parent).map_err(|e| Error::io("lock", parent.display(), &e))?;
    let names: Vec<&str> = crate::applets::APPLETS.iter().map(|a| a.name).collect();
    let expanded = parsed.expand(&names, |p| Path::new(p).exists());
    let contents = !(a.mount || a.umount || a.check);
    let items = apply::items(&expanded, pkg, contents)?;
    let world = apply::observe(&root, &items)?;
    if a.umount {
        return umount(pkg, &world, a.lazy, a.dry_run);
    }
    if a.check {
        return check(pkg, &root, &items, &world);
    }
    let mode = if a.mount {
        Mode::MountOnly
    } else {
        Mode::Build
    };
    build(pkg, &root, &layout::plan(&items, &world, mode), a.dry_run)
}

/// --public-cib: the registry's part of a CIB file, on stdout.
/// --cgroup, --cgroup-remove, --cgroup-properties: the package's cgroup
/// (src/cgroup).
fn cgroup(a: &Args) -> Result<i32> {
    let modes = [a.cgroup, a.cgroup_remove, a.cgroup_properties];
    if modes.iter().filter(|x| **x).count() > 1
        || a.mount
        || a.umount
        || a.check
        || a.print_layout
        || a.dry_run
    {
        return Err(Error::usage(
            "--cgroup, --cgroup-remove and --cgroup-properties go alone",
        ));
    }
    let Some((pkg, cmd)) = a.operands.split_first() else {
        return Err(Error::usage("missing package name"));
    };
    crate::package::name::check(pkg)?;
    if !a.cgroup && !cmd.is_empty() {
        return Err(Error::usage(format!("extra operand '{}'", cmd[0])));
    }
    if sys::ids::real_uid() != 0 || sys::ids::effective_uid() != 0 {
        return Err(Error::fail(
            "must be run by root (real and effective uid 0)",
        ));
    }
    if a.cgroup_remove {
        // cgroup remove: package stop (after mkpcue --umount)
        crate::cgroup::remove(pkg)?;
        crate::outln!("cgroup of {pkg} removed")?;
        return Ok(0);
    }
    let root = apply::package_root(pkg)?;
    let (limits, errs) = crate::cgroup::limits(&root, &a.limit)?;
    for e in &errs {
        log::warn!("{e}");
    }
    if a.cgroup_properties {
        let p: Vec<String> = limits
            .directives()
            .iter()
            .map(|d| format!("-p {d}"))
            .collect();
        crate::outln!("{}", p.join(" "))?;
        return Ok(0);
    }
    let pidfile = root.join(crate::init::PIDFILE.trim_start_matches('/'));
    let init_alive = sys::locks::lock_holder(&pidfile).is_some();
    // cgroup create: package start (made anew after a crash), limits applied
    let st = crate::cgroup::start(pkg, &limits, init_alive)?;
    if st.dirs.is_empty() {
        crate::outln!("{pkg}: no cgroup hierarchy on this node: no cgroup")?;
    } else {
        let where_: Vec<&str> = st.dirs.iter().map(|d| d.ctrls.as_str()).collect();
        let set = if st.applied.is_empty() {
            "no limits".to_string()
        } else {
            st.applied.join(" ")
        };
        crate::outln!(
            "{pkg}: cgroup {} ({}); {set}",
            st.dirs[0].path.display(),
            where_.join(" ")
        )?;
    }
    if st.taken_over > 0 {
        log::warn!(
            "{pkg}: took over the cgroup an earlier start left, with {} process(es) in it",
            st.taken_over
        );
    }
    if st.killed > 0 {
        log::warn!(
            "{pkg}: killed {} process(es) an earlier pkginit left in the package's cgroup",
            st.killed
        );
    }
    for m in &st.missing {
        log::warn!("{pkg}: not enforced (Limits=best-effort): {m}");
    }
    if cmd.is_empty() {
        return Ok(0);
    }
    // cgroup join: package start (pkginit and all it starts)
    crate::cgroup::join(pkg)?;
    use std::os::unix::process::CommandExt;
    let e = std::process::Command::new(&cmd[0]).args(&cmd[1..]).exec();
    let code = if e.kind() == std::io::ErrorKind::NotFound {
        crate::error::code::NOT_FOUND
    } else {
        crate::error::code::NOT_EXECUTABLE
    };
    Err(Error::io("execute", &cmd[0], &e).with_code(code))
}

fn public_cib(cib: &str) -> Result<i32> {
    if sys::ids::real_uid() != 0 || sys::ids::effective_uid() != 0 {
        return Err(Error::fail(
            "must be run by root (real and effective uid 0)",
        ));
    }
    let text = sys::fs::read_text_max(Path::new(cib), crate::registry::pacemaker::CIB_MAX)
        .map_err(|e| Error::io("read", cib, &e))?;
    let copy =
        crate::registry::cib::public_copy(&text).map_err(|e| Error::fail(format!("{cib}: {e}")))?;
    crate::out!("{copy}")?;
    Ok(0)
}

/// --check: every difference from the layout, one line each; 1 if any.
fn check(pkg: &str, root: &Path, items: &[layout::Item], world: &World) -> Result<i32> {
    let mut drift = layout::check(items, world);
    if let Some(why) = refused_entry(root) {
        drift.push(format!("execsh and pkgnet would refuse this root: {why}"));
    }
    let addrs = crate::registry::Registry::system()
        .by_name(pkg)
        .map(|p| p.addrs.clone())
        .unwrap_or_default();
    let mut run = |argv: &[&str]| in_package(pkg, root, argv);
    drift.extend(crate::layout::check::cups::check_package(
        pkg, root, &addrs, &mut run,
    ));
    drift.extend(apply::login_stack(root));
    for d in &drift {
        crate::outln!("{d}")?;
    }
    if drift.is_empty() {
        crate::outln!("{pkg}: {} matches the layout", world.root)?;
        return Ok(0);
    }
    crate::outln!("{pkg}: {} difference(s) from the layout", drift.len())?;
    Ok(1)
}

/// Run `argv` inside package `pkg` for --check, through the one entry path
/// (`crate::session`), as root: a running package's namespaces joined (its
/// /proc, its pid 1, its host name), else its plain root (chroot, as
/// execsh gives the node's root); the package's bounding set either way;
/// PATH the only variable; stdin /dev/null, stdout and stderr collected.
fn in_package(
    pkg: &str,
    root: &Path,
    argv: &[&str],
) -> std::result::Result<(Exit, Vec<u8>), String> {
    let fd = crate::package::enter::open_root(root).map_err(|e| e.msg)?;
    let init = session::find(pkg, fd.as_fd());
    let way = session::way_in(pkg, init, Who::Root).map_err(|e| e.msg)?;
    let argv = argv
        .iter()
        .map(|a| CString::new(*a))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| "a NUL byte in the command".to_string())?;
    let (read, write) = sys::process::pipe().map_err(|e| e.to_string())?;
    let null = sys::fds::open_null().map_err(|e| e.to_string())?;
    let mut steps = CheckRun {
        name: pkg,
        root: &fd,
        shown: root.display().to_string(),
        way: &way,
        argv: &argv,
        null,
        read,
        write: Some(write),
        output: Vec::new(),
        how: None,
    };
    session::run(&mut steps, Plan { records: false }).map_err(|e| e.msg)?;
    let how = steps.how.ok_or("no exit status")?;
    Ok((how, steps.output))
}

/// `--check`'s steps of [`session::run`].
struct CheckRun<'a> {
    name: &'a str,
    root: &'a std::os::fd::OwnedFd,
    shown: String,
    way: &'a Way,
    argv: &'a [CString],
    null: std::fs::File,
    read: std::fs::File,
    write: Option<std::fs::File>,
    output: Vec<u8>,
    how: Option<Exit>,
}

/// What of the command's output is kept.
const OUTPUT_MAX: u64 = 1 << 20;

impl session::Host for CheckRun<'_> {
    fn join_cgroup(&mut self) -> Result<()> {
        session::join_cgroup(self.name)
    }
    fn join_pid_ns(&mut self) -> Result<()> {
        session::join_pid_ns(self.way)
    }
    fn spawn(&mut self, child: fn(&mut Self) -> i32) -> Result<i32> {
        session::spawn_exec(self, "mkpcue", child)
    }
    /// A step before exec failed: say why where the output goes.
    fn failed(&mut self, e: Error) -> i32 {
        let _ = writeln!(std::io::stderr(), "{}", e.msg);
        crate::error::code::NOT_EXECUTABLE
    }
    fn join_rest(&mut self) -> Result<()> {
        if let Some(w) = &self.write {
            sys::fds::stdio_to(&self.null, w);
        }
        match self.way {
            Way::Join(_) => session::join_rest(self.way),
            Way::Chroot => Ok(sys::process::chroot_fd(self.root.as_fd(), &self.shown)?),
        }
    }
    /// Root's, as the check's command always ran.
    fn drop_ids(&mut self) -> Result<()> {
        Ok(())
    }
    fn exec(&mut self) -> Error {
        let Some(path) = self.argv.first() else {
            return Error::fail("no command");
        };
        let env = [c"PATH=/usr/sbin:/usr/bin:/sbin:/bin".to_owned()];
        let e = sys::process::execve(path, self.argv, &env);
        Error::errno("execute", path.to_string_lossy(), e)
    }
    fn wait(&mut self, child: i32) -> Result<sys::process::Exit> {
        self.write = None;
        let _ = (&mut self.read)
            .take(OUTPUT_MAX)
            .read_to_end(&mut self.output);
        let how = sys::process::wait_child(child)?;
        self.how = Some(how);
        Ok(how)
    }
}

/// A build or --mount: stop on anything in the way, else report what is
/// kept and carry the steps out (or only print them with -n).
fn build(pkg: &str, root: &Path, plan: &layout::Plan, dry_run: bool) -> Result<i32> {
    if !plan.blocked.is_empty() {
        for b in &plan.blocked {
            log::error!("{pkg}: {b}");
        }
        return Err(Error::fail(format!(
            "{pkg}: {} entr{} in the way; nothing was changed",
            plan.blocked.len(),
            if plan.blocked.len() == 1 {
                "y is"
            } else {
                "ies are"
            }
        )));
    }
    for k in &plan.kept {
        crate::outln!("keep {k}")?;
    }
    if plan.steps.is_empty() {
        crate::outln!(
            "{pkg}: nothing to do: {} matches the layout",
            root.display()
        )?;
        warn_refused_entry(pkg, root);
        return Ok(0);
    }
    if dry_run {
        for s in &plan.steps {
            crate::outln!("{s}")?;
        }
        crate::outln!(
            "{pkg}: {} change(s) planned, none made (dry run)",
            plan.steps.len()
        )?;
        return Ok(0);
    }
    let status = execute(pkg, root, &plan.steps)?;
    warn_refused_entry(pkg, root);
    Ok(status)
}

/// Why execsh and pkgnet would refuse to enter `root` (a component above it
/// writable by others, a symlink, not a mount point...), if they would: the
/// same check they make, so a root mkpcue calls good is one they enter.
fn refused_entry(root: &Path) -> Option<String> {
    crate::package::enter::open_root(root).err().map(|e| e.msg)
}

fn warn_refused_entry(pkg: &str, root: &Path) {
    if let Some(why) = refused_entry(root) {
        log::warn!("warning: {pkg}: execsh and pkgnet will refuse this root: {why}");
    }
}

fn execute(pkg: &str, root: &Path, steps: &[layout::Step]) -> Result<i32> {
    let n = steps.len();
    match apply::execute(root, steps, |s| {
        // a failed write here must not stop a mount half-way: the summary
        // line below reports it
        let _ = crate::outln!("{s}");
    }) {
        Ok(mounted) => {
            crate::outln!("{pkg}: {n} change(s) made ({} mount(s))", mounted.len())?;
            Ok(0)
        }
        Err(f) => {
            if f.mounted.is_empty() {
                log::error!("{pkg}: no mounts were made by this run");
            } else {
                log::error!(
                    "{pkg}: mounts made by this run, left in place: {}",
                    f.mounted.join(" ")
                );
            }
            Err(Error::fail(format!(
                "{pkg}: step {} of {n} ({}) failed: {}",
                f.step,
                steps[f.step - 1],
                f.why
            )))
        }
    }
}

fn umount(pkg: &str, w: &World, lazy: bool, dry_run: bool) -> Result<i32> {
    let order = crate::procfs::mountinfo::umount_order(&w.mounts, &w.root);
    if order.is_empty() {
        crate::outln!("{pkg}: nothing mounted on or below {}", w.root)?;
        return Ok(0);
    }
    let mut busy = Vec::new();
    for m in &order {
        let p = &m.mount_point;
        if dry_run {
            crate::outln!("umount {}", inside(&w.root, p))?;
            continue;
        }
        match apply::umount(m, lazy) {
            Umount::Done => {
                // as above: the summary line reports a failed write
                let _ = crate::outln!(
                    "umount {}{}",
                    inside(&w.root, p),
                    if lazy { " (lazy)" } else { "" }
                );
            }
            Umount::Gone => {}
            Umount::Busy => busy.push(p.clone()),
            Umount::Failed(e) => {
                crate::logging::warn_and_go(&e);
                busy.push(p.clone());
            }
        }
    }
    if dry_run {
        crate::outln!(
            "{pkg}: {} umount(s) planned, none made (dry run)",
            order.len()
        )?;
        return Ok(0);
    }
    let left = apply::still_mounted(&w.root).unwrap_or(busy);
    if left.is_empty() {
        crate::outln!("{pkg}: {} umount(s), nothing left mounted", order.len())?;
        return Ok(0);
    }
    for p in &left {
        crate::outln!("busy {}", inside(&w.root, p))?;
    }
    for u in apply::users_of(&w.root) {
        crate::outln!("busy {u}")?;
    }
    Err(Error::fail(format!(
        "{pkg}: {} mount(s) still busy (--lazy detaches them)",
        left.len()
    )))
}
