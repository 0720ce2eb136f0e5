//! telinit — change a package's run-level.

use crate::error::{Error, Result};
use crate::init::initctl::{Request, DEFAULT_SLEEP};
use crate::init::{control, status};
use crate::package::enter;
use crate::session::{self, Plan, Way};
use crate::sys::{self, ids, process};
use argh::{ArgsInfo, FromArgs};
use std::ffi::OsString;
use std::os::fd::AsFd;
use std::time::Duration;

pub const HELP: &str = "\
NAME
    telinit - change a package's run-level
SYNOPSIS
    telinit [-p PKG] [-t SEC] [-w SEC] 0|1|2|3|4|5|6|a|b|c|A|B|C|q|Q
    telinit [-p PKG] -s
DESCRIPTION
    Sends one request to the package's pkginit(8) through the FIFO
    /run/initctl, in sysvinit's format: change to run-level 0-6, start the
    ondemand entries of a, b or c (A, B, C alike), or re-read /etc/inittab
    (q, Q). Any request lifts a respawn throttle. s and S are refused: a
    package has no single-user state.
    telinit q waits (up to 10 seconds) until pkginit has re-read its
    inittab, and fails when pkginit could not and kept its old table
    (inittab missing, unreadable, not a regular file, or without one
    usable entry): telinit: pkginit kept its old table: WHY. telinit -s
    shows that failure too.
    telinit 0 is what a package's stop script calls: it waits until pkginit
    has run the level-0 entries, stopped every process it started or
    adopted and exited, and its exit status says whether pkginit exited in
    time, not whether every process stopped (pkginit logs those that
    survived KILL). In a package started with pkginit -p, pkginit is its
    pid 1 and stops every process of it, execsh(8) and pkgnet(8)
    sessions included.
    It never hangs on a FIFO nobody reads: with no pkginit it says so at
    once. It writes only to a FIFO of root's reached without a symlink.
OPTIONS
    -p PKG  From the node (root only): the package PKG started by
        pkginit -p. The request is made in the package's files (a child
        that joins its mount, IPC and UTS namespaces); with 0, telinit
        then waits for pkginit to exit (the kernel ends every process of
        the package with it) and for whatever still holds the package's
        files (execsh and pkgnet parents writing the logouts) to go,
        SIGKILL after 5 s: when it returns 0 the package's filesystems
        are free to unmount. Without -p, telinit runs inside the package.
    -t SEC  Grace time between SIGTERM and SIGKILL for the entries that
        are stopped (default 3; more than 3600 counts as 3600).
    -w SEC  With 0: how long to wait for pkginit to exit (default 60; 0
        does not wait).
    -s  Print the current and previous run-level and each entry's state
        (running and its pid, stopped and how it ended, throttled until
        when).
EXIT STATUS
    0   Request sent (for 0: pkginit has exited; for q: the new table is
        in use).
    1   pkginit is not running in this package, the request could not be
        written, pkginit was still running when -w ran out, or (q) it kept
        its old table or did not answer.
    2   Bad arguments.
FILES
    /run/initctl, /var/run/pkginit.pid, /var/run/pkginit.status, relative
    to the package root.
SEE ALSO
    pkginit(8), init(8)
";

#[derive(FromArgs, ArgsInfo)]
#[argh(help_triggers("--help"))]
/// change the run-level
struct Args {
    /// grace time in seconds
    #[argh(option, short = 't')]
    t: Option<u32>,
    /// wait for level 0
    #[argh(option, short = 'w')]
    w: Option<u64>,
    /// print the state
    #[argh(switch, short = 's')]
    status: bool,
    /// the package, from the node
    #[argh(option, short = 'p')]
    package: Option<String>,
    /// level
    #[argh(positional)]
    level: Option<String>,
}

pub fn main(argv: &[OsString]) -> Result<i32> {
    let a: Args = crate::args::parse("telinit", HELP, argv)?;
    if a.status && a.level.is_some() {
        return Err(Error::usage("-s takes no level"));
    }
    let l = match (a.status, a.level.as_deref()) {
        (true, _) => b's',
        (false, None) => {
            return Err(Error::usage(
                "usage: telinit [-p PKG] [-t SEC] [-w SEC] 0-6|a|b|c|q|Q, or telinit [-p PKG] -s",
            ))
        }
        (false, Some(level)) => match level.as_bytes() {
            [c @ (b'0'..=b'6' | b'a'..=b'c' | b'q' | b'Q' | b'A'..=b'C')] => *c,
            [b's' | b'S'] => return Err(Error::usage("run-level S is not supported in a package")),
            _ => return Err(Error::usage(format!("bad run-level '{level}'"))),
        },
    };
    match a.package.clone() {
        Some(p) => from_node(&p, &a, l),
        None => inside(&a, l, true),
    }
}

/// The request `l` (b's' for -s) in the package we are in; `wait0`: for
/// level 0, wait for pkginit to exit.
fn inside(a: &Args, l: u8, wait0: bool) -> Result<i32> {
    if l == b's' {
        crate::out!("{}", status::read()?)?;
        return Ok(0);
    }
    let sleep = a.t.unwrap_or(DEFAULT_SLEEP as u32).min(3600);
    let req = Request::run_level(l, sleep as i32);
    // Who runs now: for level 0 we wait for that very process to exit.
    let running = if l == b'0' { control::running() } else { None };
    let reloads = status::reload_state().map(|r| r.count).unwrap_or(0);
    control::send(&req)?;
    if matches!(l, b'q' | b'Q') {
        control::wait_reload(reloads, Duration::from_secs(10))?;
        return Ok(0);
    }
    if l != b'0' || !wait0 {
        return Ok(0);
    }
    let wait = a.w.unwrap_or(60);
    // a wait no clock can add (-w 18446744073709551615) is one without end
    // in practice, not an overflow: 136 years
    let limit = Duration::from_secs(wait.min(u64::from(u32::MAX)));
    if wait == 0 || control::wait_exit(running, limit) {
        return Ok(0);
    }
    Err(Error::fail(format!("pkginit still running after {wait} s")))
}

/// `telinit -p PKG ...` on the node: the request is made inside the
/// package (the entry path of execsh, as root); for level 0 this process
/// then waits for pkginit to exit, and for what still holds the package's
/// files (execsh and pkgnet parents writing their logouts) to go.
fn from_node(pkg: &str, a: &Args, l: u8) -> Result<i32> {
    if ids::real_uid() != 0 || ids::effective_uid() != 0 {
        return Err(Error::fail("-p is the node's root's"));
    }
    let t = enter::lookup(pkg, &enter::config())?;
    let fd = enter::open_root(&t.root)?;
    let Some(init) = session::find(&t.name, fd.as_fd()) else {
        return Err(Error::fail(format!(
            "pkginit is not running in package '{pkg}'"
        )));
    };
    let root = sys::ns::fd_id(fd.as_fd())
        .ok_or_else(|| Error::fail(format!("can't stat package root '{}'", t.root.display())))?;
    let mnt = sys::ns::ns_id(init.pid, "mnt");
    let way = Way::Join(init);
    let mut steps = Steps {
        name: &t.name,
        way: &way,
        run: &mut || inside(a, l, false),
    };
    let rc = session::run(&mut steps, Plan { records: false })?;
    if rc != 0 || l != b'0' {
        return Ok(rc);
    }
    let Way::Join(init) = &way else {
        return Ok(rc);
    };
    let wait = a.w.unwrap_or(60);
    let limit = wait.min(u64::from(u32::MAX)).saturating_mul(1000);
    if wait != 0 && !sys::fds::poll_in(&[Some(init.fd())], Some(limit))[0] {
        return Err(Error::fail(format!("pkginit still running after {wait} s")));
    }
    if wait == 0 {
        return Ok(0);
    }
    // pkginit has exited: its node pid file names nothing any more
    let _ = std::fs::remove_file(session::pid_file(&t.name));
    let left = session::sweep(root, mnt, Duration::from_secs(5));
    if !left.is_empty() {
        return Err(Error::fail(format!(
            "processes still hold package '{pkg}': {left:?}"
        )));
    }
    Ok(0)
}

/// The steps of [`session::run`] for a request made from the node.
struct Steps<'a> {
    name: &'a str,
    way: &'a Way,
    run: &'a mut dyn FnMut() -> Result<i32>,
}

impl session::Host for Steps<'_> {
    fn join_cgroup(&mut self) -> Result<()> {
        session::join_cgroup(self.name)
    }
    /// Not the pid namespace: the request needs only the package's files
    /// (its FIFO and status file), and a child in the package's pid
    /// namespace would be ended by the very level 0 it asks for (pkginit,
    /// as pid 1, stops every process of the package) before it reported.
    fn join_pid_ns(&mut self) -> Result<()> {
        Ok(())
    }
    fn spawn(&mut self, child: fn(&mut Self) -> i32) -> Result<i32> {
        session::spawn_fork(self, "telinit", child)
    }
    fn join_rest(&mut self) -> Result<()> {
        session::join_rest(self.way)
    }
    fn drop_ids(&mut self) -> Result<()> {
        Ok(())
    }
    /// No program: the request itself, then the child's exit with its
    /// status.
    fn exec(&mut self) -> Error {
        match (self.run)() {
            Ok(c) => Error::quiet(c),
            Err(e) => e,
        }
    }
    fn wait(&mut self, child: i32) -> Result<process::Exit> {
        Ok(process::wait_child(child)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grace_time_attached_to_its_flag() {
        let argv: Vec<OsString> = ["-t5", "0"].iter().map(OsString::from).collect();
        let a: Args = crate::args::parse("telinit", HELP, &argv).unwrap();
        assert_eq!((a.t, a.level.as_deref()), (Some(5), Some("0")));
        let argv: Vec<OsString> = ["-st", "5"].iter().map(OsString::from).collect();
        let a: Args = crate::args::parse("telinit", HELP, &argv).unwrap();
        assert_eq!((a.status, a.t), (true, Some(5)));
    }
}
