//! pkginit — package init: an inittab processor with its own run-levels.

use crate::error::{Error, Result};
use crate::init::{runtime, status, INITTAB};
use crate::package::enter;
use crate::session;
use crate::sys::{fds, ids, process};
use argh::{ArgsInfo, FromArgs};
use std::ffi::OsString;
use std::io::Write;

pub const HELP: &str = "\
NAME
    pkginit - package init: an inittab processor with its own run-levels
SYNOPSIS
    pkginit -p PKG [-l FILE] [-c FILE] [LEVEL]
    pkginit [-n] [-l FILE] [-c FILE] [LEVEL]
    pkginit --status
DESCRIPTION
    The init of one package. Started on the node by root with -p PKG (what
    pcue.sh start and the OCF agent run), it makes the package a world of
    its own: pkginit is pid 1 of a new pid namespace, in new mount, IPC
    and UTS namespaces, the package root made / by pivot_root, with a
    /proc of its own showing only the package's processes, the host name
    the package's /etc/hostname or else its name, and a capability
    bounding set without CAP_SYS_ADMIN and the other powers of the node
    (the README, Isolation); the network stays the node's. The starter
    writes pkginit's node pid to /run/pkginit/PKG.pid, through which
    execsh, pkgnet and telinit -p join the package, and returns once
    pkginit runs (0), or with its reason (1). When pkginit, pid 1, exits
    or is killed, the kernel ends every process of the package.
    Without -p (plain-chroot mode, for the node's root by hand:
    chroot /pkg01 /corp/bin/pkginit) it runs in whatever root it was
    started in, which gives none of the above: execsh and pkgnet do not
    enter such a package. Either way it reads the
    package's /etc/inittab and brings the package's services up and down by
    run-level, as sysvinit's init does for a machine, without being pid 1.
    Each package has a run-level of its own; telinit(8) run inside the
    package changes it. Only level 0 means something to pkginit: it runs
    the level-0 entries, stops what it started or adopted and exits.
    At start it runs the sysinit entries (each waited for), the boot and
    bootwait entries, then enters LEVEL, or the initdefault level of
    inittab. A missing or empty inittab, or no level to enter, is an error.
    By default it detaches, after it has locked /var/run/pkginit.pid,
    opened its FIFO, started the sysinit entries and written its first
    status, so the start script's exit status tells whether it started and
    telinit -s run next shows its entries (level N until boot is done).
    A second pkginit in the same package is refused; a stale pid
    file (a pkginit killed by a failover) is not in the way, because only
    a live pkginit holds its write lock. A read lock, which any package
    user may take on the 0644 file, is no pkginit's: a stale file held so
    is replaced (logged), and telinit -s does not take it for a running
    pkginit.
INITTAB
    Lines id:runlevels:action:process, as sysvinit: the id 1-4
    characters, unique; runlevels 0-6 and a, b, c (empty means all of
    0-6); actions sysinit, boot, bootwait, wait, once, respawn, ondemand,
    off, initdefault, in any case. powerwait, powerfail, powerokwait,
    powerfailnow, ctrlaltdel and kbrequest have no meaning in a package:
    warned about and ignored. Run-level s or S is refused. A bad line is
    reported as /etc/inittab[LINE]: message and skipped. The file is read
    as every configuration file is: a regular file of at most 4 MiB; bytes
    that are not UTF-8 (a Latin-1 comment) do not stop the package.
    Entries are walked in file order; a running wait entry holds back the
    entries after it. A respawn entry started 10 times within 120 seconds
    is disabled for 5 minutes (Id \"x\" respawning too fast: disabled for 5
    minutes); any run-level request, telinit q included, lifts that.
    A respawn or ondemand entry that ends without being asked to is logged
    with how it ended, so a daemon that dies at once says why in the log:
    Id \"cups\" (pid 123) exited with status 1, or ... killed by signal 11
    (SIGSEGV).
    Leaving a level, an entry that does not belong to the new one gets
    SIGTERM on its process group, and SIGKILL after the request's grace
    time (telinit -t, default 3 seconds).
PROCESSES
    A process field with any of ~`!$^&*()=|\\{}[];\"'<> or ? runs as
    /bin/sh -c FIELD (all of it: a; b runs both), otherwise it is split on
    blanks up to a word starting with #. Up to 4096 characters. A leading +
    means no utmp records for the entry.
    Each child runs in its own session with stdin on /dev/null and stdout
    and stderr on /dev/null, or appended to the file of -c (a package has
    no console). Environment: PATH=/sbin:/usr/sbin:/bin:/usr/bin,
    RUNLEVEL, PREVLEVEL, CONSOLE (the -c file or /dev/null), INIT_VERSION,
    and ctxROOT, / followed by the package's name (/pkg01, whatever the
    root's path), the value execsh and pkgnet give.
    Processes that pkginit does not start (cron jobs, logins) can get
    ctxROOT through PAM: pkginit writes /var/run/pkginit.env (ctxROOT=...)
    for pam_env's envfile= option, e.g. in the package's /etc/pam.d/cron:
    session required pam_env.so envfile=/var/run/pkginit.env
    pkginit is the child subreaper of the package: every orphan (a daemon
    that double-forks) becomes its child and is reaped.
SIGNALS
    Each is logged by name (got SIGHUP: ...).
    SIGHUP  Re-read inittab, as telinit q: entries deleted or whose action
        changed are stopped, new ones started. An inittab that cannot be
        read, or has no usable entry, is logged (... keeping the old
        table), the old table stays in use, and the status file says so
        (telinit q fails with the reason, telinit -s shows it).
    SIGTERM, SIGINT  Go to level 0, as telinit 0 with the default grace
        time (3 s).
    SIGUSR1  Open the control FIFO /run/initctl again, making it when it
        is missing, as sysvinit's init does, and write the status file
        again: after a /run mounted over the old one, telinit reaches
        pkginit again.
CONTROL
    Requests arrive on the FIFO /run/initctl (made mode 0600 if missing,
    reopened if replaced) in sysvinit's 384-byte format, where Debian's own
    telinit writes them too. Only root may write to /run and to /: pkginit
    checks both and refuses to start otherwise (can't keep the control FIFO
    /run/initctl from users: ...), so no package user can plant, replace or
    race the FIFO. A FIFO there that is not root's or is open to other
    writers is made anew; the old layout's link /run/initctl ->
    /tmp/initctl is replaced by the FIFO.
    Bogus requests (wrong size, magic or level) and garbage are logged and
    ignored.
    On level 0, after its entries ran, pkginit stops every process it
    started or adopted as child subreaper, with their process groups (TERM,
    then KILL after the grace time), reaps them, removes its pid file and
    exits: 0, or 1 when some survived KILL (logged: N process(es) did not
    stop). As pid 1 of the package (-p) it stops every process of the
    package the same way, sessions that entered through execsh(8) or
    pkgnet(8) included (their parents, outside, write the logouts). In
    plain-chroot mode those sessions are not its children and are not
    stopped.
OPTIONS
    -p PKG  Start package PKG from the node as a world of its own (root
        only; refused when its pkginit already runs).
    -n  Stay in the foreground (messages also go to stderr).
    -l FILE  Also log to FILE (appended).
    -c FILE  Children's stdout and stderr go to FILE (appended), not
        /dev/null.
    --status  Print the run-levels and each entry's state (as telinit -s).
OPERANDS
    LEVEL  The run-level to enter instead of inittab's initdefault: 1 to 6
        only (0, a, b, c and S are refused).
FILES
    /etc/inittab, /run/initctl, /var/run/pkginit.pid (fcntl-locked while
    pkginit runs), /var/run/pkginit.status (rewritten on every change),
    /var/run/pkginit.env (ctxROOT for pam_env), /dev/log (the relay's
    socket while pkginit runs), /system/dev/log (the node's socket),
    /var/run/utmp (BOOT_TIME, RUN_LVL with pid = new + 256 * previous,
    INIT_PROCESS and DEAD_PROCESS per entry; made if missing),
    /var/log/wtmp (the same records appended; made if /var/log exists).
    Any package user may lock utmp and wtmp: pkginit never waits for
    them. A record it cannot write at once waits in a queue (logged:
    locked by pid N: records wait in a queue), retried every 0.1 s, in
    order, without holding up a start, a stop or a level change; at level
    0 it tries for 1 more second, then logs what was not written.
    All relative to the package root.
SYSLOG RELAY
    While pkginit runs, the package's /dev/log is its datagram socket
    (mode 0666), put by an atomic rename in the place of the layout's link
    /dev/log -> /system/dev/log (or of a dead socket a killed pkginit
    left). Each line sent there goes on to the link's target, the node's
    socket, with the package's name before the sender's tag:
    sshd[123]: msg reaches the node as pkg01/sshd[123]: msg (rsyslog's
    programname pkg01); a line without a tag gets pkg01: before it. An
    RFC 5424 line is written in the local socket's format first
    (<PRI>Mmm dd hh:mm:ss APP[PROCID]: [SD ]MSG), which rsyslog's
    imuxsock and journald parse; nothing else changes. A forged pkg02/x:
    tag reads pkg01/pkg02/x:. The node's socket is looked for under the
    node's root as the package sees it, /system: a link there with an
    absolute target (systemd's /dev/log -> /run/systemd/journal/dev-log)
    is followed from /system, not from the package's /. Each line goes
    with its sender's credentials (SCM_CREDENTIALS pid, uid, gid: the
    node's syslog sees the package process, not pkginit); a sender gone
    already keeps its uid and gid with pkginit's pid; if the kernel
    refuses (no CAP_SETUID, CAP_SETGID, CAP_SYS_ADMIN), lines go as
    pkginit's own, logged once. Each line is sent by path, so a restarted
    node syslog daemon's new socket is found; never waited for: a line
    the node's socket cannot take at once (full, missing, refusing) is
    dropped and counted: telinit -s shows syslog relay: N line(s) to
    SOCKET, M dropped (latest: WHY), and the log says syslog relay: N
    line(s) dropped: WHY at once, then at most once a minute and at level
    0. Lines are cut at 8192 bytes; at most
    256 are relayed per turn of the loop, so a flood from a package user
    does not hold up signals or telinit. At level 0 the link is put back:
    with no pkginit, lines reach the node untagged through it. A /dev/log
    that is neither the link nor a dead socket (a socket the node's
    rsyslog owns there) is left alone: no relay.
LOGGING
    syslog, facility daemon, ident pkginit (with the relay: sent straight
    to the node's socket, never waited for, as pkg01/pkginit); and the -l
    file. Warnings from below (a control FIFO remade, a torn utmp record)
    go there too; PCUE_LOG=debug adds each start and reaped orphan.
EXIT STATUS
    0   Level 0 reached and everything it started or adopted stopped (or
        detached and running).
    1   Could not start: no inittab, nothing in it, no level, already
        running, or a system call failed; or, at level 0, some process
        survived KILL.
    2   Bad arguments (a LEVEL other than 1-6).
SEE ALSO
    telinit(8), init(8), inittab(5), who(1), last(1)
";

#[derive(FromArgs, ArgsInfo)]
#[argh(help_triggers("--help"))]
/// package init
struct Args {
    /// stay in the foreground
    #[argh(switch, short = 'n')]
    foreground: bool,
    /// also log to FILE
    #[argh(option, short = 'l')]
    log: Option<String>,
    /// children's output file
    #[argh(option, short = 'c')]
    console: Option<String>,
    /// print the state
    #[argh(switch)]
    status: bool,
    /// start package PKG from the node, as a world of its own
    #[argh(option, short = 'p')]
    package: Option<String>,
    /// level to enter
    #[argh(positional)]
    level: Option<String>,
}

pub fn main(argv: &[OsString]) -> Result<i32> {
    let a: Args = crate::args::parse("pkginit", HELP, argv)?;
    if a.status {
        if a.package.is_some() {
            return Err(Error::usage(
                "--status does not go with -p: telinit -p PKG -s",
            ));
        }
        crate::out!("{}", status::read()?)?;
        return Ok(0);
    }
    let level = match a.level.as_deref() {
        None => None,
        Some(l) if l.len() == 1 && matches!(l.as_bytes()[0], b'1'..=b'6') => Some(l.as_bytes()[0]),
        Some(l) => return Err(Error::usage(format!("bad run-level '{l}' (1-6)"))),
    };
    // nothing of the caller's but stdin/out/err goes with us (the
    // directory listing of the fallback is read before anything is ours)
    fds::close_inherited_fds();
    if let Some(pkg) = a.package.clone() {
        if a.foreground {
            return Err(Error::usage("-n does not go with -p"));
        }
        return start_package(&pkg, a, level);
    }
    let (tab, level) = table(level)?;
    let ready = if a.foreground {
        None
    } else {
        match process::detach("pkginit")? {
            None => return Ok(0),
            Some(w) => Some(w),
        }
    };
    let opts = runtime::Options {
        log: a.log,
        console: a.console,
        package: None,
    };
    runtime::run(&opts, tab, level, ready)?;
    Ok(0)
}

/// The inittab and the level to enter.
fn table(level: Option<u8>) -> Result<(crate::init::inittab::Inittab, u8)> {
    let tab = runtime::read_inittab()?;
    for m in &tab.messages {
        log::warn!("{m}");
    }
    if tab.entries.is_empty() {
        return Err(Error::fail(format!("no usable entries in {INITTAB}")));
    }
    let Some(level) = level.or(tab.default_level) else {
        return Err(Error::fail(format!(
            "no initdefault entry in {INITTAB} and no level given"
        )));
    };
    Ok((tab, level))
}

/// `pkginit -p PKG`: start the package from the node, isolated.
fn start_package(pkg: &str, a: Args, level: Option<u8>) -> Result<i32> {
    if ids::real_uid() != 0 || ids::effective_uid() != 0 {
        return Err(Error::fail("-p is the node's root's: it starts a package"));
    }
    let cfg = enter::config();
    let t = enter::lookup(pkg, &cfg)?;
    let fd = enter::open_root(&t.root)?;
    let opts = runtime::Options {
        log: a.log,
        console: a.console,
        package: Some(t.name.clone()),
    };
    let mut init = |mut w: std::fs::File| -> Result<()> {
        let (tab, level) = match table(level) {
            Ok(v) => v,
            Err(e) => {
                let _ = w.write_all(e.msg.as_bytes());
                return Err(Error::quiet(1));
            }
        };
        runtime::run(&opts, tab, level, Some(w))
    };
    session::start::start(&t.name, fd, &t.root.display().to_string(), &mut init)
}
