//! Entering a package: the one way in for execsh, pkgnet and `telinit -p`.
//!
//! A running package is a world of its own (see [`start`]): its pkginit is
//! pid 1 of a pid namespace, in mount, IPC and UTS namespaces of its own,
//! with the package root made `/` by pivot_root. Entering it takes these
//! steps, in this order, driven by [`run`] over a [`Host`]:
//!
//! 1. (before [`run`]) the package's root is checked and pkginit found
//!    ([`find`]): a pidfd of the process named in `/run/pkginit/PKG.pid`,
//!    which must be pid 1 of its own pid namespace, with the checked root as
//!    its root, in the node's user namespace;
//! 2. **the cgroup join** — the one hook point for the package's cgroup
//!    (issue 19): as root, before the fork into the pid namespace (pkgnet
//!    -a, which serves on from the node's cgroup, has its child take it
//!    first thing in step 6, as root, before any namespace or privilege
//!    changes);
//! 3. setns into the package's pid namespace (for the children to come);
//! 4. for a session with records: the parent becomes root in all its uids,
//!    then writes the login to utmp/wtmp;
//! 5. the child is started ([`spawn_exec`]: it shares the parent's memory
//!    until it executes, as a vfork child does, so no page table is
//!    copied) — only the child is in the package's pid namespace; a failed
//!    start still writes the logout;
//! 6. the child: setns into the mount, IPC and UTS namespaces (the package's
//!    `/`, its /proc, its host name), drops the capability bounding set to
//!    [`caps::KEEP`] while still root, then takes the user's ids and
//!    executes the program;
//! 7. the parent waits (it never joins the package's mount namespace, so
//!    it never keeps the package's filesystems busy from where the node
//!    cannot see it) and writes the logout.
//!
//! A package that is not running has no world to join: pkgnet refuses the
//! connection, execsh refuses everyone but the real root, whom it gives the
//! plain root (chroot) with the same bounding set, for maintenance.

pub mod caps;
pub mod start;

use crate::error::{Error, Result};
use crate::sys::{self, process};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Where the node keeps the node pid of each running package's pkginit:
/// written by [`start`] (root's, on the node's /run), read by whoever
/// enters. Only a hint: [`find`] checks the process it names.
pub const RUN_DIR: &str = "/run/pkginit";

/// The pid file of package `name`.
pub fn pid_file(name: &str) -> PathBuf {
    Path::new(RUN_DIR).join(format!("{name}.pid"))
}

/// A running package's pkginit, pinned by a pidfd.
#[derive(Debug)]
pub struct Init {
    /// Its pid as the node sees it.
    pub pid: i32,
    pub pidfd: OwnedFd,
}

impl Init {
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.pidfd.as_fd()
    }
}

/// The last pid of a `NSpid:` line of /proc/PID/status: the pid in the
/// process's own (innermost) pid namespace.
pub fn innermost_pid(status: &str) -> Option<i32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .and_then(|v| v.split_whitespace().last())
        .and_then(|p| p.parse().ok())
}

/// The pid of our child `child` in its own pid namespace (the package's).
pub fn pid_inside(child: i32) -> Option<i32> {
    innermost_pid(&std::fs::read_to_string(format!("/proc/{child}/status")).ok()?)
}

/// The running pkginit of the package whose checked root is `root`, or
/// None when it is not running (no pid file, or the process it names is
/// gone or is not that package's pkginit: pid 1 of a pid namespace other
/// than ours, with `root` as its root, in the node's user namespace).
pub fn find(name: &str, root: BorrowedFd) -> Option<Init> {
    let text = sys::fs::read_text(&pid_file(name)).ok()?;
    let pid: i32 = text.trim().parse().ok().filter(|p| *p > 1)?;
    let pidfd = sys::ns::pidfd_open(pid).ok()?;
    let want = sys::ns::fd_id(root)?;
    let its_pid_ns = sys::ns::ns_id(pid, "pid");
    // the pid in its own namespace from the pidfd's fdinfo (the pinned
    // process's, a few lines where /proc/PID/status is sixty)
    let ok = sys::ns::root_id(pid) == Some(want)
        && sys::ns::pidfd_fdinfo(pidfd.as_fd())
            .as_deref()
            .and_then(innermost_pid)
            == Some(1)
        && its_pid_ns.is_some()
        && its_pid_ns != sys::ns::own_ns_id("pid")
        && sys::ns::ns_id(pid, "user") == sys::ns::own_ns_id("user");
    // checked while the pidfd pinned it: alive now means the process
    // checked is the one pinned (a pid is not reused while its process lives)
    if !ok || !sys::ns::pidfd_alive(pidfd.as_fd()) {
        log::debug!(
            "{}: pid {pid} is not package {name}'s pkginit",
            pid_file(name).display()
        );
        return None;
    }
    Some(Init { pid, pidfd })
}

/// Who wants in: the policy for a package that is not running differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// execsh by the real root: may have the plain root for maintenance.
    Root,
    /// execsh by anyone else.
    User,
    /// A connection through pkgnet.
    Connection,
}

/// How in.
#[derive(Debug)]
pub enum Way {
    /// Join the running package's namespaces.
    Join(Init),
    /// The plain root (chroot), for the node's root only.
    Chroot,
}

/// The way into package `name` given its pkginit (None: not running).
pub fn way_in(name: &str, init: Option<Init>, who: Who) -> Result<Way> {
    match (init, who) {
        (Some(i), _) => Ok(Way::Join(i)),
        (None, Who::Root) => Ok(Way::Chroot),
        (None, _) => Err(Error::fail(format!("package '{name}' is not running"))),
    }
}

/// The steps of a session, as [`run`] takes them. The real hosts are
/// execsh's and pkgnet's; the tests' fake records the order.
pub trait Host {
    /// Step 2 — **the cgroup hook**: join the package's cgroup (issue 19).
    /// Runs as root, before the fork into the pid namespace and before any
    /// privilege is dropped, so the child and all it starts are in it.
    fn join_cgroup(&mut self) -> Result<()>;
    /// Step 3: setns into the package's pid namespace (none for Chroot).
    fn join_pid_ns(&mut self) -> Result<()>;
    /// Step 4a: real, effective and saved uid root (sessions with records;
    /// none by default).
    fn become_root(&mut self) -> Result<()> {
        Ok(())
    }
    /// Step 4b: the login records (and the terminal lent or put in raw
    /// mode; none by default).
    fn login(&mut self) -> Result<()> {
        Ok(())
    }
    /// Step 5: start the child, which takes `child`'s steps (step 6) and
    /// ends with the status it returns, unless it executes a program; the
    /// child's pid. [`spawn_exec`] for a child that executes a program,
    /// [`spawn_fork`] for one that does its work itself.
    fn spawn(&mut self, child: fn(&mut Self) -> i32) -> Result<i32>
    where
        Self: Sized;
    /// Step 6, in the child: setns into mount, IPC and UTS (none for
    /// Chroot), and the child's own preparations (its terminal).
    fn join_rest(&mut self) -> Result<()>;
    /// Step 6: the bounding set to [`caps::KEEP`], ambient cleared (every
    /// real host's; only a test's fake takes another).
    fn drop_bounding(&mut self) -> Result<()> {
        drop_bounding()
    }
    /// Step 6: groups, gid, uid (or nothing when the ids stay).
    fn drop_ids(&mut self) -> Result<()>;
    /// Step 6: execute; returns only the error.
    fn exec(&mut self) -> Error;
    /// Step 6 ended without a program (a step failed, or exec returned):
    /// in the child, say why as the applet's final error would be said,
    /// and give the child's exit status.
    fn failed(&mut self, e: Error) -> i32 {
        if !e.msg.is_empty() {
            log::error!("{}", e.msg);
        }
        e.code
    }
    /// Step 7: wait for the child (relaying its terminal).
    fn wait(&mut self, child: i32) -> Result<process::Exit>;
    /// Step 7 (and a failed step 5): the logout records, the terminal back
    /// (none by default).
    fn logout(&mut self, _how: Option<process::Exit>) {}
}

/// What [`run`] does besides the steps every session takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// An interactive session: the parent becomes root and writes utmp.
    pub records: bool,
}

/// Take the steps, in order: the child's status (as an exit status). The
/// child never comes back here: it executes its program or ends.
pub fn run<H: Host>(h: &mut H, plan: Plan) -> Result<i32> {
    h.join_cgroup()?;
    h.join_pid_ns()?;
    if plan.records {
        h.become_root()?;
        h.login()?;
    }
    let child = match h.spawn(child_steps::<H>) {
        Ok(c) => c,
        Err(e) => {
            if plan.records {
                h.logout(None);
            }
            return Err(e);
        }
    };
    let st = h.wait(child);
    if plan.records {
        h.logout(st.as_ref().ok().copied());
    }
    Ok(st?.status())
}

/// Step 6, the child's: join, drop the bounding set, then the ids, then
/// execute; the exit status when it could not.
fn child_steps<H: Host>(h: &mut H) -> i32 {
    let e = match h
        .join_rest()
        .and_then(|()| h.drop_bounding())
        .and_then(|()| h.drop_ids())
    {
        Ok(()) => h.exec(),
        Err(e) => e,
    };
    h.failed(e)
}

/// Step 5 for a child that executes a program (execsh, pkgnet): it shares
/// our memory until then ([`process::spawn_then`]), which spares copying the
/// page tables and every page written afterwards.
pub fn spawn_exec<H: Host>(h: &mut H, what: &str, child: fn(&mut H) -> i32) -> Result<i32> {
    Ok(process::spawn_then(what, &mut || child(h))?)
}

/// Step 5 for a child that does its work itself and ends (telinit -p):
/// fork, the child's own memory; whatever it wrote to standard output is
/// flushed before it ends.
pub fn spawn_fork<H: Host>(h: &mut H, what: &str, child: fn(&mut H) -> i32) -> Result<i32> {
    match process::fork(what)? {
        process::Forked::Child => {
            let code = child(h);
            let _ = crate::out::flush();
            process::exit_now(code)
        }
        process::Forked::Parent(p) => Ok(p),
    }
}

/// The real steps of joining, shared by the hosts: the pid namespace in
/// the parent, the rest and the bounding set in the child.
pub fn join_pid_ns(way: &Way) -> Result<()> {
    match way {
        Way::Join(i) => Ok(sys::ns::join(i.fd(), sys::ns::Which::Pid)?),
        Way::Chroot => Ok(()),
    }
}

pub fn join_rest(way: &Way) -> Result<()> {
    match way {
        Way::Join(i) => Ok(sys::ns::join(i.fd(), sys::ns::Which::Rest)?),
        Way::Chroot => Ok(()),
    }
}

pub fn drop_bounding() -> Result<()> {
    Ok(sys::ns::drop_bounding(caps::KEEP)?)
}

/// Node pids of the processes that hold the package's files: whose root
/// is the package root `root` (execsh's and pkgnet's waiting parents, a
/// plain-root shell), or that are in its mount namespace `mnt`.
pub fn holders(root: (u64, u64), mnt: Option<(u64, u64)>) -> Vec<i32> {
    let me = process::pid();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&p| p != me)
        .filter(|&p| {
            sys::ns::root_id(p) == Some(root) || (mnt.is_some() && sys::ns::ns_id(p, "mnt") == mnt)
        })
        .collect()
}

/// After pkginit of a package has exited (the kernel has ended every
/// process of its pid namespace), wait up to `grace` for the processes
/// that still hold its files (see [`holders`]; execsh's parents write the
/// logouts, then exit), then SIGKILL those left and wait one more second.
/// The ones that would not go (none, normally).
pub fn sweep(root: (u64, u64), mnt: Option<(u64, u64)>, grace: std::time::Duration) -> Vec<i32> {
    let t0 = std::time::Instant::now();
    let step = std::time::Duration::from_millis(50);
    let mut killed = false;
    loop {
        let left = holders(root, mnt);
        if left.is_empty() {
            return left;
        }
        let waited = t0.elapsed();
        if waited >= grace + std::time::Duration::from_secs(1) {
            return left;
        }
        if waited >= grace && !killed {
            log::warn!("killing what still holds the package: {left:?}");
            for p in &left {
                sys::signals::kill(*p, sys::signals::Signal::SIGKILL);
            }
            killed = true;
        }
        std::thread::sleep(step);
    }
}

/// Step 2, the cgroup hook: move this process into package `name`'s
/// cgroup (none: nothing to do). As root, before the fork into the pid
/// namespace, before privileges are dropped, and before any chroot (the
/// node's cgroupfs must be reachable): execsh takes it just before its
/// chroot, pkgnet where it may still refuse the connection, telinit -p in
/// [`run`].
pub fn join_cgroup(name: &str) -> Result<()> {
    crate::cgroup::join(name).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use process::Exit;

    /// Records each step; `root` is whether the parent's uids are root.
    #[derive(Default)]
    struct Fake {
        steps: Vec<String>,
        root: bool,
        fail_fork: bool,
        fail_rest: bool,
        fail_cgroup: bool,
        status: Option<Exit>,
    }

    impl Fake {
        fn log(&mut self, s: &str) {
            self.steps.push(s.to_string());
        }
    }

    impl Host for Fake {
        fn join_cgroup(&mut self) -> Result<()> {
            self.log("cgroup");
            if self.fail_cgroup {
                return Err(Error::fail("no cgroup"));
            }
            Ok(())
        }
        fn join_pid_ns(&mut self) -> Result<()> {
            self.log("pidns");
            Ok(())
        }
        fn become_root(&mut self) -> Result<()> {
            self.root = true;
            self.log("root");
            Ok(())
        }
        fn login(&mut self) -> Result<()> {
            let s = format!("login(root={})", self.root);
            self.log(&s);
            Ok(())
        }
        /// The child's steps are taken here, in order, as the real child
        /// takes them, then the parent goes on.
        fn spawn(&mut self, child: fn(&mut Self) -> i32) -> Result<i32> {
            self.log("fork");
            if self.fail_fork {
                return Err(Error::fail("fork failed"));
            }
            let code = child(self);
            self.log(&format!("child ends {code}"));
            Ok(42)
        }
        fn join_rest(&mut self) -> Result<()> {
            self.log("rest");
            if self.fail_rest {
                return Err(Error::fail("no namespaces"));
            }
            Ok(())
        }
        fn drop_bounding(&mut self) -> Result<()> {
            self.log("bounding");
            Ok(())
        }
        fn drop_ids(&mut self) -> Result<()> {
            self.log("ids");
            Ok(())
        }
        fn exec(&mut self) -> Error {
            self.log("exec");
            Error::new(127, "not found")
        }
        fn failed(&mut self, e: Error) -> i32 {
            self.log(&format!("failed({})", e.msg));
            e.code
        }
        fn wait(&mut self, child: i32) -> Result<Exit> {
            self.log(&format!("wait({child})"));
            Ok(self.status.unwrap_or(Exit::Code(0)))
        }
        fn logout(&mut self, how: Option<Exit>) {
            let s = format!("logout({how:?},root={})", self.root);
            self.log(&s);
        }
    }

    /// The child's steps, as the fake takes them inside spawn.
    const CHILD: [&str; 6] = [
        "rest",
        "bounding",
        "ids",
        "exec",
        "failed(not found)",
        "child ends 127",
    ];

    #[test]
    fn the_parent_is_root_before_utmp_is_written_and_logs_out_after_the_child() {
        let mut f = Fake {
            status: Some(Exit::Code(7)),
            ..Fake::default()
        };
        assert_eq!(run(&mut f, Plan { records: true }).unwrap(), 7);
        let mut want = vec!["cgroup", "pidns", "root", "login(root=true)", "fork"];
        want.extend(CHILD);
        want.extend(["wait(42)", "logout(Some(Code(7)),root=true)"]);
        assert_eq!(f.steps, want);
    }

    #[test]
    fn the_logout_is_written_even_when_fork_fails() {
        let mut f = Fake {
            fail_fork: true,
            ..Fake::default()
        };
        assert_eq!(
            run(&mut f, Plan { records: true }).unwrap_err().msg,
            "fork failed"
        );
        assert_eq!(
            f.steps,
            [
                "cgroup",
                "pidns",
                "root",
                "login(root=true)",
                "fork",
                "logout(None,root=true)"
            ]
        );
    }

    #[test]
    fn the_child_joins_then_drops_the_bounding_set_then_the_ids_then_execs() {
        let mut f = Fake::default();
        run(&mut f, Plan { records: true }).unwrap();
        assert_eq!(
            &f.steps[4..11],
            ["fork"].iter().chain(&CHILD).copied().collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_failed_step_in_the_child_ends_it_with_its_error_and_nothing_after() {
        let mut f = Fake {
            fail_rest: true,
            status: Some(Exit::Code(1)),
            ..Fake::default()
        };
        assert_eq!(run(&mut f, Plan { records: false }).unwrap(), 1);
        assert_eq!(
            f.steps,
            [
                "cgroup",
                "pidns",
                "fork",
                "rest",
                "failed(no namespaces)",
                "child ends 1",
                "wait(42)"
            ]
        );
    }

    #[test]
    fn the_cgroup_is_joined_as_root_before_the_pid_namespace_and_the_fork() {
        let mut f = Fake::default();
        run(&mut f, Plan { records: false }).unwrap();
        assert_eq!(&f.steps[..3], ["cgroup", "pidns", "fork"]);
        assert_eq!(f.steps.last().map(String::as_str), Some("wait(42)"));
        let mut f = Fake {
            fail_cgroup: true,
            ..Fake::default()
        };
        assert!(run(&mut f, Plan { records: true }).is_err());
        assert_eq!(f.steps, ["cgroup"], "nothing after a failed cgroup join");
    }

    #[test]
    fn a_signal_status_becomes_128_plus_the_signal() {
        let mut f = Fake {
            status: Some(Exit::Signal(9)),
            ..Fake::default()
        };
        assert_eq!(run(&mut f, Plan { records: false }).unwrap(), 137);
    }

    #[test]
    fn a_package_not_running_is_the_real_roots_only() {
        assert!(matches!(way_in("p", None, Who::Root).unwrap(), Way::Chroot));
        assert_eq!(
            way_in("p", None, Who::User).unwrap_err().msg,
            "package 'p' is not running"
        );
        assert_eq!(
            way_in("p", None, Who::Connection).unwrap_err().msg,
            "package 'p' is not running"
        );
    }

    #[test]
    fn nspid() {
        assert_eq!(innermost_pid("Name:\tx\nNSpid:\t4711\t1\n"), Some(1));
        assert_eq!(innermost_pid("NSpid:\t4711\n"), Some(4711));
        assert_eq!(innermost_pid("Name:\tx\n"), None);
    }
}
