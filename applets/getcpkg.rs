//! getcpkg — print the package the calling process is in.

use crate::args;
use crate::error::{Error, Result};
use crate::logging;
use crate::package::identity::{self, Lookup};
use crate::registry::Config;
use crate::sys::syslog::Facility;
use argh::{ArgsInfo, FromArgs};
use std::ffi::OsString;

pub const HELP: &str = "\
NAME
    getcpkg - get current package
SYNOPSIS
    getcpkg [-i] [-d] [-f]
DESCRIPTION
    Print the name of the package the calling process is in, or nothing in
    the system context. Any user may run it.
    Inside a package (a process whose root is a package root) the answer
    comes from the mount that is the process's root: its mount ID in
    /proc/self/mountinfo is looked up in pid 1's /proc/1/mountinfo, and that
    mount point is the package root, named by the registry's package with
    that root, else by the root's marker file (a root need not be called
    after its package), else by its last component. When pid 1 lives in
    another mount namespace and does not list the mount, the root's marker file
    /.pcue-package (written by mkpcue, owned by root and not writable by
    group or others) names the package. In a user namespace other than
    the node's, where a user's own files look root-owned, the marker counts
    only when / is the root of a mount (statx), and neither / nor the
    marker (a regular file on that same mount) is owned by the caller's
    uid there or open to group or others: so unshare -U -r in a package
    still names it, while a root, a mount or a marker of the user's own
    making names nothing. A namespace that maps the caller to the overflow
    uid (65534, how root's files show there) cannot tell them apart: no
    marker counts in it.
    Outside a package, the answer comes from the connection that started
    the session: the local address of a socket on descriptors 0-2, then
    SSH_CONNECTION, then the parent processes up to the daemon that inetd,
    xinetd or sshd spawned (their sockets matched in /proc/net/tcp and
    /proc/net/tcp6; only processes the caller may inspect are looked at).
    The address is mapped to a package through the registry (see
    pkglogin(8)); a registry that cannot say whose the address is (part
    of it unreadable, or the address one it refuses) is an error (exit 5),
    never the system context.
OPTIONS
    -i  Print the addresses only: remote, then local, separated by a space
        (- when the remote end is unknown). No package is looked up.
    -d  Diagnostics: every step of the search on stderr and to syslog
        (facility LOG_AUTH, ident getcpkg); a parent whose descriptors the
        caller may not read is shown as such (descriptors not readable).
    -f  Assume the caller was spawned for a connection (by inetd): only
        the connection is looked for, never the root, and finding none is
        an error (exit 4).
ENVIRONMENT
    SSH_CONNECTION  client port server port, as sshd sets it.
    The registry's variables, PCUE_SGCONF, PCUE_ROOT_PREFIX,
    PCUE_CMCLUSTER_CONF, PCUE_CMVIEWCL, PCUE_CIB, PCUE_INDEX,
    PCUE_KEEPER_IDLE and SGSBIN:
    see pkglogin(8)
    (ignored when setuid).
EXIT STATUS
    0   A package was printed, or none applies (nothing printed).
    1   Internal failure.
    2   Bad arguments.
    4   With -f: no connection found on descriptors 0-2, in SSH_CONNECTION
        or among the parent processes (the manual's \"inetd process not
        found\").
    5   The registry cannot answer for the connection's address.
    6   The mount table (/proc/self/mountinfo, /proc/1/mountinfo) cannot be
        read: /proc is not mounted (\"unable to open /etc/mnttab\").
    7   No mount for / in the mount table (\"unable to find the root
        directory in /etc/mnttab\").
FILES
    /proc/self/mountinfo, /proc/1/mountinfo, /.pcue-package
    /etc/cmcluster.conf, $SGCONF/<pkg>/, /var/lib/pacemaker/cib/cib.xml,
    /run/pcue/cib.xml, /run/pcue-registry.idx, the registry keeper's
    abstract socket @pcue-registry-keeper/HASH (root's lookups, see
    pkgnet(8))
SEE ALSO
    pkglogin(8), pkgnet(8), execsh(8)
";

#[derive(FromArgs, ArgsInfo)]
#[argh(help_triggers("--help"))]
/// Print the current package.
struct Args {
    /// print the remote and local addresses only
    #[argh(switch, short = 'i')]
    addresses: bool,
    /// diagnostics to stderr and syslog
    #[argh(switch, short = 'd')]
    debug: bool,
    /// assume the caller was spawned by inetd for a connection
    #[argh(switch, short = 'f')]
    force: bool,
}

pub fn main(argv: &[OsString]) -> Result<i32> {
    let a: Args = args::parse("getcpkg", HELP, argv)?;
    if a.debug {
        logging::raise(log::LevelFilter::Debug);
        logging::add_syslog(Facility::Auth, "getcpkg");
    }
    if a.addresses {
        match identity::connection() {
            Some(c) => {
                let remote = c
                    .ends
                    .remote
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "-".into());
                crate::outln!("{remote} {}", c.ends.local)?;
            }
            None if a.force => {
                return Err(Error::new(identity::code::NO_DAEMON, "no connection found"));
            }
            None => {}
        }
        return Ok(0);
    }
    let lookup = Lookup {
        connection_first: a.force,
    };
    if let Some(p) = identity::current_package(lookup, &Config::from_system())? {
        crate::outln!("{p}")?;
    }
    Ok(0)
}
