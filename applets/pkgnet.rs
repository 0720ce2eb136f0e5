//! pkgnet — route a connection made to a package address into the package.

use crate::error::{code, Error, Result};
use crate::package::activation;
use crate::package::enter;
use crate::session::{self, Plan, Way, Who};
use crate::sys::syslog::{self, Facility};
use crate::sys::{self, process};
use std::ffi::{CString, OsString};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub const HELP: &str = "\
NAME
    pkgnet - package inetd wrapper
SYNOPSIS
    pkgnet path [args...]
    pkgnet -a [-m max] [-i idle] path [args...]
DESCRIPTION
    A wrapper for daemons spawned by inetd, xinetd or a systemd socket unit
    with Accept=yes, where descriptors 0-2 are the connected socket:
        ftp stream tcp nowait root /corp/bin/pkgnet pkgnet /usr/sbin/in.ftpd -l
    The local address of descriptor 0 (getsockname; IPv4-mapped IPv6 read
    as IPv4) is looked up in the registry (the Serviceguard files under
    SGCONF, then the Pacemaker CIB; cmviewcl and crm_mon are not run).
    A package address: pkgnet checks the package root as execsh(8) does
    (reached without following a symbolic link, every directory on the
    way owned by root and not writable by group or others, the root a
    mount point) and finds the package's running pkginit (started by
    pkginit -p; a package that is not running refuses the connection,
    LOG_AUTH), joins the package's cgroup as execsh does (a record that
    cannot be trusted or a cgroup that cannot be joined refuses the
    connection), joins the package's pid namespace and forks: the child
    joins its mount, IPC and UTS namespaces, drops the capability
    bounding set to the package's, sets ctxROOT=/pkg and executes path
    inside the package with argv[0] the last component of path and the
    remaining arguments; pkgnet waits for it (inetd's accounting of its
    child stays right), holding none of the connection's descriptors,
    and exits with its status. The ids are not changed: the daemon runs
    as the user inetd started pkgnet as.
    Not a package address: path is executed in the system context with
    ctxROOT=/.
    Supported inetd forms: stream tcp nowait (and tcp6), routed by the
    address each connection was made to; without -a, wait services and
    datagram services (dgram udp wait, stream tcp wait) only when bound
    to one address (ADDRESS:SERVICE in inetd.conf): descriptor 0 is then
    the listening or datagram socket and pkgnet routes by the address it is
    bound to. Such a socket bound to the wildcard address (0.0.0.0, ::)
    could carry a package's traffic into whatever context one daemon runs
    in: pkgnet refuses it, taking the waiting connection (closed without a
    byte) or datagram (dropped), with a LOG_AUTH line.
    A busy service is better served by one accepting pkgnet (-a, see
    OPTIONS), a wait service on any address:
        ftp stream tcp wait root /corp/bin/pkgnet pkgnet -a /usr/sbin/in.ftpd -l
    Socket activation (systemd with Accept=yes and no StandardInput=socket,
    systemd-socket-activate without --inetd): descriptor 0 is not a
    socket and the sockets are passed from descriptor 3 on (LISTEN_FDS of
    them). The daemon inherits every descriptor, whatever LISTEN_FDS says,
    so every IP socket among them counts (one on descriptor 4 with
    LISTEN_FDS=1, on 3 with LISTEN_FDS=0 or unset, on 1 or 2): they are
    routed the same way by their local addresses; LISTEN_FDS reaches the
    daemon unchanged, LISTEN_PID (when set) as the daemon's own pid.
    A socket listening on every address (0.0.0.0, ::), sockets of
    different contexts, a bad LISTEN_FDS or descriptors that cannot be
    listed (/proc/self/fd) are refused with a LOG_AUTH line: never served
    in the system context. With no IP socket at all, path runs in the
    system context. Under inetd too, another IP socket inherited beside
    descriptor 0's connection must lead to the same context, or the
    connection is refused.
    Fail closed: when the address belongs to a package that cannot be
    entered (root missing, not mounted, not safe, not running), the
    connection is refused - closed without a byte sent - and never served from the
    system context. A syslog line (LOG_AUTH, warning) names the client,
    the address, the package and the reason. The same holds when the
    registry cannot be read in full (/etc/cmcluster.conf, SGCONF, a
    package directory or a package file exists but cannot be read as a
    regular file: unreadable, a FIFO, a device, a directory, a symbolic
    link pointing nowhere - a package filesystem not mounted yet - or
    larger than 4 MiB; a CIB larger than 32 MiB or nested deeper than 256
    elements): the address might be a package's, so no connection is
    served until it can be read. So does an address of an entry the
    registry skips (a package directory with a bad name, a CIB group with
    a bad, missing or undecidable package or root parameter, or inside a
    clone) or one a CIB rule leaves undecided (a set scoped by a rule on
    node attributes or dates: every address it could give): it may be
    up. The answer comes from the registry keeper: a process that the
    first connection starts (as root, in the node's mount namespace),
    that watches every file the registry is read from (inotify, and the
    mount table) and answers on an abstract unix socket once it has
    looked for changes, so each connection sees the registry as it is
    and costs the same whatever the number of packages. It is trusted
    only when it runs as root in pkgnet's own mount namespace and root
    directory, and exits after 60 s without a request. Without its
    answer, from the registry index /run/pcue-registry.idx (checked
    against every file it was read from by one stat each; a stale or
    untrusted one is rewritten from a full read). Bytes
    that are not UTF-8 in those files (an old Latin-1 comment) are read
    as U+FFFD, not a reason to skip the file.
    Every routed connection is logged at info level (LOG_DAEMON):
    client -> address -> package (or system) -> program.
    While descriptor 0 is a socket, pkgnet's own messages go to syslog
    only, never to the client.
OPTIONS
    -a  Accepting, for a `stream tcp wait` service on any address (the
        wildcard too), descriptor 0 being its listening socket (see
        DESCRIPTION for its inetd.conf line). pkgnet accepts each
        connection itself and routes it by the address it was made to
        exactly as for `nowait` (the registry asked for each connection,
        the package's root checked and its pkginit found, a refusal
        closed without a byte with its LOG_AUTH line). Its daemon
        is path, started as a `nowait` daemon is (the connection on
        descriptors 0-2 and nothing else inherited, argv[0] the last
        component of path, ctxROOT) in the package's namespaces with its
        bounding set; the daemon's process joins the package's cgroup
        before it executes path. No pkgnet is executed per connection.
        pkgnet does not wait for the daemons, it reaps them; it serves
        from the node's namespaces and cgroup and never joins a package's
        mount namespace, so it holds no package busy (a daemon ends with
        its package). Its own errors go to syslog. On any other socket
        (a nowait service's connection, a datagram service) the
        connection is closed without a byte or the datagram dropped, with
        a LOG_AUTH line.
    -m max  With -a: at most max daemons at once (default 64); more
        connections wait in the listening socket's backlog.
    -i idle  With -a: exit after idle seconds without a connection
        (default 60); inetd listens again and starts pkgnet for the next.
ENVIRONMENT
    ctxROOT is set for the daemon; the rest of the environment is passed
    on as inetd gave it. PCUE_SGCONF, PCUE_ROOT_PREFIX,
    PCUE_CMCLUSTER_CONF, PCUE_CIB and PCUE_INDEX move the registry, and
    PCUE_KEEPER_IDLE sets the keeper's idle time, see pkglogin(8)
    (ignored when setuid).
EXIT STATUS
    0    -a: idle for the idle time.
    125  Bad arguments (path missing or not absolute, an unknown option,
         -a without a listening socket on descriptor 0), or the connection
         was refused: its package could not be entered, the registry could
         not be read in full, or a wait service's socket is a wildcard.
    126  path could not be executed.
    127  path was not found.
    Otherwise the daemon's own status (pkgnet is replaced by it).
FILES
    /etc/inetd.conf, /etc/cmcluster.conf, $SGCONF/<pkg>/,
    /var/lib/pacemaker/cib/cib.xml, /run/pcue/cib.xml, /run/pcue/cgroup/<pkg>,
    /run/pcue-registry.idx, the abstract socket
    @pcue-registry-keeper/HASH (the keeper, process name pcue-keeper)
SEE ALSO
    execsh(8), getcpkg(8), pkglogin(8), inetd(8)
";

mod accept;

const IDENT: &str = "pkgnet";

/// pkgnet's own options, before path: the accepting mode or none, and
/// where path is in `argv`.
fn options(argv: &[OsString]) -> Result<(Option<accept::Accepting>, usize)> {
    let mut a: Option<accept::Accepting> = None;
    let (mut max, mut idle) = (None, None);
    let mut i = 0;
    let number = |v: Option<&OsString>, what: &str| -> Result<u64> {
        v.and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| Error::usage(format!("{what} takes a number from 1 to 1000000")))
    };
    while let Some(w) = argv.get(i) {
        match w.to_str() {
            Some("-a") => a = Some(accept::Accepting::default()),
            Some("-m") => {
                i += 1;
                max = Some(number(argv.get(i), "-m")? as usize);
            }
            Some("-i") => {
                i += 1;
                idle = Some(number(argv.get(i), "-i")?);
            }
            Some("--") => {
                i += 1;
                break;
            }
            Some(o) if o.starts_with('-') && o.len() > 1 => {
                return Err(Error::usage(format!("unknown option '{o}'")))
            }
            _ => break,
        }
        i += 1;
    }
    match a.as_mut() {
        Some(a) => {
            a.max = max.unwrap_or(a.max);
            a.idle = idle.unwrap_or(a.idle);
        }
        None if max.is_some() || idle.is_some() => {
            return Err(Error::usage("-m and -i are for the accepting mode (-a)"))
        }
        None => {}
    }
    Ok((a, i))
}

pub fn main(argv: &[OsString]) -> Result<i32> {
    let ends = crate::package::identity::socket_ends(0);
    if ends.is_some() {
        // stderr is the client's socket: nothing of ours may reach it
        crate::logging::to_syslog(IDENT);
    }
    let (accepting, at) = options(argv)?;
    let argv = &argv[at..];
    let Some(path) = argv.first() else {
        return Err(Error::usage(
            "usage: pkgnet [-a [-m max] [-i idle]] path [args...]",
        ));
    };
    if path.as_bytes().first() != Some(&b'/') {
        return Err(Error::usage(format!(
            "path must be absolute: '{}'",
            path.to_string_lossy()
        )));
    }
    let base = Path::new(path)
        .file_name()
        .map(|b| b.to_os_string())
        .unwrap_or_else(|| path.clone());
    let mut cargv = Vec::with_capacity(argv.len());
    for a in std::iter::once(&base).chain(&argv[1..]) {
        cargv.push(sys::cstring_os(a).map_err(|_| Error::usage("an argument holds a NUL byte"))?);
    }
    let cpath = sys::cstring_os(path).map_err(|_| Error::usage("path holds a NUL byte"))?;
    syslog::open(Facility::Daemon, IDENT);
    let quiet = ends.is_some();
    let prog = path.to_string_lossy().into_owned();
    if let Some(a) = accepting {
        let d = accept::Daemon {
            path: &cpath,
            argv: &cargv,
            prog: &prog,
            env: process::env_without("ctxROOT"),
        };
        return accept::serve(a, &d);
    }
    let Some(ends) = ends else {
        return activated(&cpath, &cargv, &prog);
    };
    let client = ends
        .remote
        .map(|r| r.to_string())
        .unwrap_or_else(|| "-".into());
    if ends.local.is_unspecified() {
        return refuse_wildcard();
    }
    // the daemon inherits every descriptor, not only 0-2: another IP
    // socket of another context (a package's connection beside a system
    // one) would be served in fd 0's context
    if let Err(why) = same_context(&ends) {
        refused(&client, &ends.local.to_string(), &why);
        return Err(Error::quiet(code::EXEC_OWN));
    }
    // stop reading the registry at the first package owning the address;
    // a registry that cannot be read in full fails closed: the address may
    // be a package's
    let found = crate::registry::Registry::find_addr_strict(&enter::config(), ends.local);
    let found = match found {
        Ok(f) => f,
        Err(why) => {
            refused(
                &client,
                &ends.local.to_string(),
                &format!("the package registry is unreadable: {why}"),
            );
            return Err(Error::quiet(code::EXEC_OWN));
        }
    };
    let Some(pkg) = found else {
        syslog::send(
            Facility::Daemon,
            log::Level::Info,
            IDENT,
            &format!("{client} -> {} -> system -> {prog}", ends.local),
        );
        return exec(&cpath, &cargv, "/", &prog, quiet);
    };
    let target = enter::Target {
        name: pkg.name.clone(),
        root: pkg.root.clone(),
    };
    let way = match way_in(&target) {
        Ok(w) => w,
        Err(e) => {
            let to = format!("{} (package '{}')", ends.local, target.name);
            refused(&client, &to, &e.msg);
            return Err(Error::quiet(code::EXEC_OWN));
        }
    };
    syslog::send(
        Facility::Daemon,
        log::Level::Info,
        IDENT,
        &format!("{client} -> {} -> {} -> {prog}", ends.local, target.name),
    );
    joined(&target, &way, &cpath, &cargv, &prog, quiet)
}

/// The way into a package for a connection: its root checked and its
/// pkginit running, and this process in its cgroup, or an error (refused:
/// never the system context).
fn way_in(t: &enter::Target) -> Result<Way> {
    let way = way_to(t)?;
    // step 2 of the entry path (session::Host::join_cgroup), taken here
    // so that a cgroup that cannot be joined refuses the connection
    session::join_cgroup(&t.name)?;
    Ok(way)
}

/// The way into a package: its root checked and its pkginit running.
fn way_to(t: &enter::Target) -> Result<Way> {
    let fd = enter::open_root(&t.root)?;
    let init = session::find(&t.name, fd.as_fd());
    session::way_in(&t.name, init, Who::Connection)
}

/// The LOG_AUTH line of a refused connection from `client` to `to`.
fn refused(client: &str, to: &str, why: &str) {
    syslog::send(
        Facility::Auth,
        log::Level::Warn,
        IDENT,
        &format!("refused connection from {client} to {to}: {why}"),
    );
}

/// Run the daemon in the package's namespaces ([`session::run`]): this
/// process waits for it (inetd's child, its status the daemon's), holding
/// none of the connection's descriptors.
fn joined(
    t: &enter::Target,
    way: &Way,
    cpath: &CString,
    cargv: &[CString],
    prog: &str,
    quiet: bool,
) -> Result<i32> {
    let mut steps = Steps {
        way,
        cpath,
        cargv,
        ctx: t.ctx_root(),
        prog,
        quiet,
        aside: None,
    };
    session::run(&mut steps, Plan { records: false })
}

struct Steps<'a> {
    way: &'a Way,
    cpath: &'a CString,
    cargv: &'a [CString],
    ctx: String,
    prog: &'a str,
    quiet: bool,
    /// The standard descriptors, set aside while the child starts.
    aside: Option<[std::os::fd::OwnedFd; 3]>,
}

impl session::Host for Steps<'_> {
    /// Taken in way_in, before the refusal point.
    fn join_cgroup(&mut self) -> Result<()> {
        Ok(())
    }
    fn join_pid_ns(&mut self) -> Result<()> {
        session::join_pid_ns(self.way)
    }
    /// The connection is the daemon's: this process holds none of it
    /// from before the child starts (the connection ends when the daemon
    /// ends it, not when this process next gets a CPU), and the child
    /// takes it back as its first step.
    fn spawn(&mut self, child: fn(&mut Self) -> i32) -> Result<i32> {
        self.aside = Some(sys::fds::stdio_aside()?);
        let r = session::spawn_exec(self, "pkgnet", child);
        if let (Err(_), Some(a)) = (&r, &self.aside) {
            // no child: the error is ours to say where it would have gone
            let _ = sys::fds::stdio_back(a);
        }
        self.aside = None;
        r
    }
    fn join_rest(&mut self) -> Result<()> {
        if let Some(a) = &self.aside {
            sys::fds::stdio_back(a)?;
        }
        session::join_rest(self.way)
    }
    /// The daemon keeps the ids inetd gave pkgnet.
    fn drop_ids(&mut self) -> Result<()> {
        Ok(())
    }
    fn exec(&mut self) -> Error {
        // a socket-activated daemon checks LISTEN_PID against its own pid
        if std::env::var_os("LISTEN_PID").is_some() {
            std::env::set_var("LISTEN_PID", process::pid().to_string());
        }
        match exec(self.cpath, self.cargv, &self.ctx, self.prog, self.quiet) {
            Err(e) => e,
            Ok(_) => Error::quiet(code::EXEC_OWN),
        }
    }
    fn wait(&mut self, child: i32) -> Result<process::Exit> {
        sys::signals::parent_signals();
        sys::signals::set_child(child);
        Ok(process::wait_child(child)?)
    }
}

/// Descriptor 0 is not an IP socket: socket activation (LISTEN_FDS, the
/// sockets from descriptor 3 on, and any other inherited IP socket) is
/// routed by those sockets' local
/// addresses, or refused; with no IP socket passed, the system context.
fn activated(cpath: &CString, cargv: &[CString], prog: &str) -> Result<i32> {
    let refuse = |client: &str, why: &str| {
        sys::syslog::send(
            Facility::Auth,
            log::Level::Warn,
            IDENT,
            &format!("refused socket-activated connection from {client}: {why}"),
        );
        Err(Error::quiet(code::EXEC_OWN))
    };
    // LISTEN_FDS is checked, but it does not limit what counts: the
    // daemon inherits every descriptor, and each IP socket among them is
    // routed (a package's connection on descriptor 3 with LISTEN_FDS=0,
    // or on 4 with LISTEN_FDS=1, must not be served by the system)
    if let Err(why) = activation::count(std::env::var("LISTEN_FDS").ok().as_deref()) {
        return refuse("-", &why);
    }
    let passed = match inherited() {
        Ok(p) => p,
        Err(why) => return refuse("-", &why),
    };
    let client = passed
        .iter()
        .find_map(|p| p.remote)
        .map(|r| r.to_string())
        .unwrap_or_else(|| "-".into());
    let cfg = enter::config();
    let owner = |ip| {
        crate::registry::Registry::find_addr_strict(&cfg, ip)
            .map(|f| f.map(|p| (p.name, p.root)))
            .map_err(|why| format!("the package registry is unreadable: {why}"))
    };
    let routed = match activation::route(&passed, owner) {
        Ok(r) => r,
        Err(why) => return refuse(&client, &why),
    };
    let local = passed
        .first()
        .map(|p| p.local.to_string())
        .unwrap_or_default();
    let (name, root) = match routed {
        None => {
            log::debug!("no IP socket on descriptor 0 or passed from 3 on: system context");
            return exec(cpath, cargv, "/", prog, false);
        }
        Some(None) => {
            sys::syslog::send(
                Facility::Daemon,
                log::Level::Info,
                IDENT,
                &format!("{client} -> {local} -> system -> {prog} (socket activation)"),
            );
            return exec(cpath, cargv, "/", prog, false);
        }
        Some(Some(p)) => p,
    };
    let target = enter::Target { name, root };
    let way = match way_in(&target) {
        Ok(w) => w,
        Err(e) => {
            return refuse(
                &client,
                &format!("to {local} (package '{}'): {}", target.name, e.msg),
            )
        }
    };
    sys::syslog::send(
        Facility::Daemon,
        log::Level::Info,
        IDENT,
        &format!(
            "{client} -> {local} -> {} -> {prog} (socket activation)",
            target.name
        ),
    );
    joined(&target, &way, cpath, cargv, prog, false)
}

/// Every IP socket among the descriptors from 1 on (descriptor 0 is
/// looked at by the caller): what the daemon inherits besides its
/// connection. An error when the descriptors cannot be listed, or when
/// there are more than [`activation::MAX`] such sockets.
fn inherited() -> std::result::Result<Vec<activation::Passed>, String> {
    let fds = sys::fds::open_fds().map_err(|e| {
        format!(
            "can't list the inherited descriptors '/proc/self/fd': {}",
            crate::error::strerror_io(&e)
        )
    })?;
    let passed: Vec<activation::Passed> = fds
        .into_iter()
        .filter(|&fd| fd >= 1)
        .filter_map(|fd| {
            let e = crate::package::identity::socket_ends(fd)?;
            let remote = if sys::net::is_listening(fd) {
                None
            } else {
                e.remote
            };
            Some(activation::Passed {
                fd,
                local: e.local,
                remote,
            })
        })
        .collect();
    if passed.len() > activation::MAX {
        return Err(format!(
            "{} IP sockets inherited, more than {}",
            passed.len(),
            activation::MAX
        ));
    }
    Ok(passed)
}

/// Descriptor 0's connection and every other IP socket inherited lead to
/// one context (checked with the registry only when another local address
/// is among them: inetd's 1 and 2 are descriptor 0 again).
fn same_context(ends: &sys::net::Endpoints) -> std::result::Result<(), String> {
    let others: Vec<activation::Passed> = inherited()?
        .into_iter()
        .filter(|p| p.local != ends.local)
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    let mut all = vec![activation::Passed {
        fd: 0,
        local: ends.local,
        remote: ends.remote,
    }];
    all.extend(others);
    let cfg = enter::config();
    let owner = |ip| {
        crate::registry::Registry::find_addr_strict(&cfg, ip)
            .map(|f| f.map(|p| p.name))
            .map_err(|why| format!("the package registry is unreadable: {why}"))
    };
    activation::route(&all, owner).map(|_| ())
}

/// A `wait` service's socket (listening, or datagrams) bound to the
/// wildcard address: what arrives on it may be a package's, and one daemon
/// would serve all of it in one context. Refused: the connection or
/// datagram waiting is taken and dropped (so inetd does not start us again
/// for it), and LOG_AUTH says why.
fn refuse_wildcard() -> Result<i32> {
    let bound = sys::net::bound(0)
        .map(|a| a.to_string())
        .unwrap_or_else(|| "?".into());
    let shown =
        |a: Option<std::net::IpAddr>| a.map(|a| a.to_string()).unwrap_or_else(|| "-".into());
    let what = match sys::net::turn_away(0) {
        sys::net::TurnedAway::Connection { from, to } => {
            format!("connection from {} to {}", shown(from), shown(to))
        }
        sys::net::TurnedAway::Datagram { from } => format!("datagram from {}", shown(from)),
        sys::net::TurnedAway::Nothing => "service".into(),
    };
    syslog::send(
        Facility::Auth,
        log::Level::Warn,
        IDENT,
        &format!(
            "refused {what}: a 'wait' service on a wildcard socket ({bound}) cannot be \
             routed to a package; bind it to one address in inetd.conf (ADDRESS:SERVICE)"
        ),
    );
    Err(Error::quiet(code::EXEC_OWN))
}

/// Execute the daemon; on failure 127 (not found) or 126, reported to
/// syslog, and on stderr too unless stderr is the client's socket.
fn exec(path: &CString, argv: &[CString], ctx: &str, shown: &str, quiet: bool) -> Result<i32> {
    let err = exec_error(process::execv_with(path, argv, &[("ctxROOT", ctx)]), shown);
    if quiet {
        return Err(Error::quiet(err.code));
    }
    Err(err)
}

/// The daemon `shown` could not be executed (`e`): the error, with status
/// 127 (not found) or 126, said to syslog.
fn exec_error(e: sys::Errno, shown: &str) -> Error {
    let c = if e == sys::Errno::ENOENT {
        code::NOT_FOUND
    } else {
        code::NOT_EXECUTABLE
    };
    let err = Error::errno("execute", shown, e).with_code(c);
    syslog::send(Facility::Daemon, log::Level::Error, IDENT, &err.msg);
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(words: &[&str]) -> Result<(Option<accept::Accepting>, usize)> {
        let v: Vec<OsString> = words.iter().map(OsString::from).collect();
        options(&v)
    }

    #[test]
    fn options_come_before_path_and_the_rest_is_the_daemon_s() {
        assert_eq!(opts(&["/bin/cat", "-a"]).unwrap(), (None, 0));
        assert_eq!(
            opts(&["-a", "/bin/cat", "-m"]).unwrap(),
            (Some(accept::Accepting::default()), 1)
        );
        assert_eq!(
            opts(&["-a", "-m", "5", "-i", "30", "--", "/x"]).unwrap(),
            (Some(accept::Accepting { max: 5, idle: 30 }), 6)
        );
        assert_eq!(opts(&["-i", "9", "-a", "/x"]).unwrap().0.unwrap().idle, 9);
        assert_eq!(opts(&[]).unwrap(), (None, 0));
        assert_eq!(opts(&["-", "/x"]).unwrap(), (None, 0));
    }

    #[test]
    fn bad_options_are_usage_errors() {
        for (words, msg) in [
            (&["-x", "/bin/cat"][..], "unknown option '-x'"),
            (
                &["-m", "5", "/bin/cat"],
                "-m and -i are for the accepting mode (-a)",
            ),
            (
                &["-a", "-m", "0", "/x"],
                "-m takes a number from 1 to 1000000",
            ),
            (
                &["-a", "-i", "soon", "/x"],
                "-i takes a number from 1 to 1000000",
            ),
            (&["-a", "-i"], "-i takes a number from 1 to 1000000"),
        ] {
            let e = opts(words).unwrap_err();
            assert!(e.usage, "{words:?}");
            assert_eq!(e.msg, msg, "{words:?}");
        }
    }
}
