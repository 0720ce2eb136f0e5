//! pkgnet -a: a `stream tcp wait` service whose connections pkgnet accepts
//! itself, each routed by the address it was made to and its daemon started
//! the way a `nowait` pkgnet starts it, without a pkgnet executed for each.

use super::{exec_error, refused, way_to, IDENT};
use crate::error::{code, Error, Result};
use crate::package::enter;
use crate::session::{self, Plan, Way};
use crate::sys::process::{self, Prepared};
use crate::sys::syslog::{self, Facility};
use crate::sys::Errno;
use crate::sys::{self, net};
use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

/// The accepting mode's settings (`-a`, `-m`, `-i`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepting {
    /// Daemons running at once; beyond, connections wait in the backlog.
    pub max: usize,
    /// Seconds without a connection before pkgnet exits (inetd listens
    /// again and starts it for the next one).
    pub idle: u64,
}

impl Default for Accepting {
    fn default() -> Accepting {
        Accepting { max: 64, idle: 60 }
    }
}

/// What each connection's daemon is: the program, its arguments, and the
/// environment it gets (ours, made once, without ctxROOT: each connection
/// adds its own).
pub struct Daemon<'a> {
    pub path: &'a CStr,
    pub argv: &'a [CString],
    pub prog: &'a str,
    pub env: Vec<CString>,
}

/// Serve descriptor 0, a listening socket, until it has been idle for
/// `a.idle` seconds: 0. An error when descriptor 0 is not a listening
/// socket, or when the listening socket fails.
pub fn serve(a: Accepting, d: &Daemon) -> Result<i32> {
    if !net::is_listening(0) {
        return not_listening();
    }
    // a daemon gets its connection and nothing else: whatever inetd left
    // open beside the listening socket (another service's socket, say)
    // is not handed on
    sys::fds::cloexec_inherited_fds().map_err(|e| Error::io("list", "/proc/self/fd", &e))?;
    // our children are counted and reaped here, whatever inetd left set
    sys::signals::default_sigchld();
    // the pid namespace our children go back to after a package's
    let own_pid_ns = std::fs::File::open("/proc/self/ns/pid")
        .map_err(|e| Error::io("open", "/proc/self/ns/pid", &e))?;
    let cfg = enter::config();
    let idle = Duration::from_secs(a.idle);
    let mut live = 0usize;
    let mut last = Instant::now();
    let stdin = std::io::stdin();
    let listener = stdin.as_fd();
    loop {
        live = live.saturating_sub(process::reap().len());
        while live >= a.max {
            live = if process::wait_any() { live - 1 } else { 0 };
        }
        let left = idle.saturating_sub(last.elapsed());
        if left.is_zero() {
            log::debug!("idle for {} s: exiting", a.idle);
            return Ok(0);
        }
        // at most a second at a time: the children are reaped meanwhile
        let ms = left.min(Duration::from_secs(1)).as_millis() as u64;
        if !sys::fds::poll_in(&[Some(listener)], Some(ms))[0] {
            continue;
        }
        // a connection reset between the poll and the accept leaves the
        // (blocking, inetd's) socket's accept waiting for the next one:
        // served as any, only the idle exit and the reaping wait for it
        let conn = match net::accept(listener) {
            Ok(fd) => fd,
            // the client gave up, or another process took it
            Err(Errno::EINTR | Errno::EAGAIN | Errno::ECONNABORTED | Errno::EPROTO) => continue,
            // out of descriptors or memory: the connection waits
            Err(e @ (Errno::EMFILE | Errno::ENFILE | Errno::ENOBUFS | Errno::ENOMEM)) => {
                log::warn!("{}", Error::errno("accept", "a connection", e).msg);
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
            Err(e) => return Err(Error::errno("accept", "a connection", e)),
        };
        last = Instant::now();
        if one(&cfg, conn.as_fd(), d, own_pid_ns.as_fd()) {
            live += 1;
        }
    }
}

/// -a on anything but a listening socket: a usage error; under inetd (a
/// connection of a `nowait` service, a `dgram wait` service's socket) the
/// connection is closed without a byte, or the waiting datagram dropped
/// (else inetd would start us again for it at once), with a LOG_AUTH line.
fn not_listening() -> Result<i32> {
    let why = "-a: descriptor 0 is not a listening socket (a 'stream tcp wait' service)";
    let Some(ends) = crate::package::identity::socket_ends(0) else {
        return Err(Error::usage(why));
    };
    let what = match ends.remote {
        Some(from) => format!("connection from {from} to {}", ends.local),
        None => match net::turn_away(0) {
            net::TurnedAway::Datagram { from } => format!(
                "datagram from {}",
                from.map(|f| f.to_string()).unwrap_or_else(|| "-".into())
            ),
            _ => format!("service on {}", ends.local),
        },
    };
    syslog::send(
        Facility::Auth,
        log::Level::Warn,
        IDENT,
        &format!("refused {what}: {why}"),
    );
    Err(Error::quiet(code::EXEC_OWN))
}

/// Route one accepted connection and start its daemon, or refuse it (it
/// is closed without a byte when `conn` is dropped): whether a daemon was
/// started.
fn one(
    cfg: &crate::registry::Config,
    conn: BorrowedFd,
    d: &Daemon,
    own_pid_ns: BorrowedFd,
) -> bool {
    let Some(ends) = crate::package::identity::socket_ends(conn.as_raw_fd()) else {
        return false;
    };
    let client = ends
        .remote
        .map(|r| r.to_string())
        .unwrap_or_else(|| "-".into());
    let to = ends.local;
    let found = match crate::registry::Registry::find_addr_strict(cfg, to) {
        Ok(f) => f,
        Err(why) => {
            refused(
                &client,
                &to.to_string(),
                &format!("the package registry is unreadable: {why}"),
            );
            return false;
        }
    };
    let Some(pkg) = found else {
        syslog::send(
            Facility::Daemon,
            log::Level::Info,
            IDENT,
            &format!("{client} -> {to} -> system -> {}", d.prog),
        );
        let Some(x) = prepared(d, "/") else {
            return false;
        };
        let started = process::spawn_then("pkgnet", &mut || {
            if let Err(e) = sys::fds::stdio_from(conn) {
                syslog::send(Facility::Daemon, log::Level::Error, IDENT, &e.to_string());
                return code::EXEC_OWN;
            }
            exec_error(x.exec(), d.prog).code
        });
        if let Err(e) = &started {
            syslog::send(Facility::Daemon, log::Level::Error, IDENT, &e.to_string());
        }
        return started.is_ok();
    };
    let target = enter::Target {
        name: pkg.name,
        root: pkg.root,
    };
    let to_pkg = format!("{to} (package '{}')", target.name);
    let way = match way_to(&target) {
        Ok(w) => w,
        Err(e) => {
            refused(&client, &to_pkg, &e.msg);
            return false;
        }
    };
    syslog::send(
        Facility::Daemon,
        log::Level::Info,
        IDENT,
        &format!("{client} -> {to} -> {} -> {}", target.name, d.prog),
    );
    let Some(x) = prepared(d, &target.ctx_root()) else {
        return false;
    };
    let mut steps = Steps {
        way: &way,
        name: &target.name,
        conn,
        x,
        prog: d.prog,
        own_pid_ns,
        client: &client,
        to: &to_pkg,
        started: false,
    };
    // the session's steps, but for the wait: the child is counted and
    // reaped by the loop. An error is one before the child started (the
    // pid namespace not joined, no child): the connection is refused.
    if let Err(e) = session::run(&mut steps, Plan { records: false }) {
        refused(&client, &to_pkg, &e.msg);
    }
    steps.started
}

/// The daemon with `ctxROOT=ctx`, ready to execute (None, said to syslog:
/// a ctxROOT holding a NUL byte, which a package name cannot).
fn prepared<'a>(d: &'a Daemon, ctx: &str) -> Option<Prepared<'a>> {
    let x = Prepared::new(d.path, d.argv, &d.env, ("ctxROOT", ctx));
    if x.is_none() {
        syslog::send(
            Facility::Daemon,
            log::Level::Error,
            IDENT,
            &format!("ctxROOT '{ctx}' holds a NUL byte"),
        );
    }
    x
}

/// One connection's way into its package, as [`session::run`] takes it.
struct Steps<'a> {
    way: &'a Way,
    name: &'a str,
    conn: BorrowedFd<'a>,
    x: Prepared<'a>,
    prog: &'a str,
    own_pid_ns: BorrowedFd<'a>,
    /// The client and "address (package 'name')", for a refusal in the child.
    client: &'a str,
    to: &'a str,
    started: bool,
}

impl session::Host for Steps<'_> {
    /// Taken by the child (in join_rest), so that this process stays in
    /// the node's cgroup and serves the next connection from there.
    fn join_cgroup(&mut self) -> Result<()> {
        Ok(())
    }
    fn join_pid_ns(&mut self) -> Result<()> {
        session::join_pid_ns(self.way)
    }
    /// The child, then our children's pid namespace back to ours: the next
    /// connection may be the system's or another package's. If it cannot
    /// be had back, no other connection is served (fail closed).
    fn spawn(&mut self, child: fn(&mut Self) -> i32) -> Result<i32> {
        let r = session::spawn_exec(self, "pkgnet", child);
        if let Err(e) = sys::ns::join_pid_ns_file(self.own_pid_ns) {
            syslog::send(Facility::Auth, log::Level::Error, IDENT, &e.to_string());
            process::exit_now(code::EXEC_OWN);
        }
        self.started = r.is_ok();
        r
    }
    /// The connection on descriptors 0-2 (the listening socket gone from
    /// them), the package's cgroup while the node's cgroup filesystem is
    /// still in sight, then its mount, IPC and UTS namespaces.
    fn join_rest(&mut self) -> Result<()> {
        sys::fds::stdio_from(self.conn)?;
        session::join_cgroup(self.name)?;
        session::join_rest(self.way)
    }
    /// The daemon keeps the ids inetd gave pkgnet.
    fn drop_ids(&mut self) -> Result<()> {
        Ok(())
    }
    /// Said to syslog (stderr is the client's): the status alone.
    fn exec(&mut self) -> Error {
        Error::quiet(exec_error(self.x.exec(), self.prog).code)
    }
    /// A step before the exec failed: the connection is refused (LOG_AUTH).
    fn failed(&mut self, e: Error) -> i32 {
        if !e.msg.is_empty() {
            refused(self.client, self.to, &e.msg);
        }
        e.code
    }
    /// Not waited for here: [`serve`] counts and reaps it.
    fn wait(&mut self, _child: i32) -> Result<process::Exit> {
        Ok(process::Exit::Code(0))
    }
}
