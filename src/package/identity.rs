//! Which package is this process in, or was it called for?
//!
//! 1. The root's marker `/.pcue-package` (written by mkpcue, root-owned,
//!    closed to others, and in the node's user namespace; in a user
//!    namespace a user made, only on the mount that is `/`, neither owned
//!    by that user: see `marker_in_user_ns`): inside a
//!    package started as a world of its own (pkginit -p), pid 1 is the
//!    package's pkginit in the same root, so only the marker tells.
//!    Else root-mount identity: the mount that is `/` for us (from
//!    `/proc/self/mountinfo`) against pid 1's. Equal: system context. Found
//!    in pid 1's table: its mount point is the package root. Missing (pid 1
//!    in another mount namespace): the root's marker file `/.pcue-package`,
//!    written by mkpcue, if root owns it and nobody else can write it.
//! 2. The connection that started this session: a socket on fds 0–2, then
//!    `SSH_CONNECTION`, then the parent chain (socket inodes of each ancestor
//!    matched against `/proc/net/tcp` and `tcp6`). Its local address maps to a
//!    package through the registry.

use crate::error::{Error, Result};
use crate::procfs;
use crate::procfs::mountinfo;
use crate::registry::{self, Config};
use crate::sys::{self, net::Endpoints};
use std::fs;
use std::net::IpAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Exit codes of the getcpkg manual page that keep a Linux meaning.
pub mod code {
    /// `-f` and no connection: "inetd process not found".
    pub const NO_DAEMON: i32 = 4;
    /// The mount table cannot be read ("unable to open /etc/mnttab").
    pub const NO_MOUNT_TABLE: i32 = 6;
    /// No mount for `/` in it ("unable to find the root directory").
    pub const NO_ROOT: i32 = 7;
    /// The registry cannot say whose the address is: it cannot be read in
    /// full, or it refuses the address (a skipped or undecidable entry).
    pub const REGISTRY: i32 = 5;
}

/// The marker mkpcue leaves at the top of a package root.
pub const MARKER: &str = ".pcue-package";

/// One step of the search, for `getcpkg -d` (and `PCUE_LOG=debug`).
fn diag(msg: &str) {
    log::debug!("{msg}");
}

/// Where our root is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Root {
    System,
    /// The package root's path as pid 1 sees it.
    MountPoint(PathBuf),
    /// A package named by the root's marker.
    Marker(String),
}

fn read_table(path: &str) -> Result<Vec<mountinfo::Mount>> {
    crate::procfs::mount_table(path)
        .map_err(|e| Error::io("read", path, &e).with_code(code::NO_MOUNT_TABLE))
}

/// Decide our root by mount identity (see the module text).
pub fn root_identity() -> Result<Root> {
    // In a package started as a world of its own, pid 1 is the package's
    // pkginit, in the same root: the mount tables cannot tell it from the
    // system context, the root's marker can (mkpcue writes it, pkginit -p
    // writes it when missing; only root may, and only in the node's user
    // namespace does a root-owned file mean that). The node's own / has
    // none.
    if let Some(name) = read_marker(Path::new("/")) {
        diag(&format!("the root's marker names '{name}'"));
        return Ok(Root::Marker(name));
    }
    if let Some(name) = marker_in_user_ns() {
        return Ok(Root::Marker(name));
    }
    // Root can tell the system context by one stat of /proc/1/root; when
    // that says anything else, or cannot be asked, the two tables decide.
    if sys::fs::same_root_as_init() == Some(true) {
        return Ok(Root::System);
    }
    let own = read_table("/proc/self/mountinfo")?;
    let own_root = mountinfo::root_mount(&own)
        .ok_or_else(|| Error::new(code::NO_ROOT, "no mount for '/' in /proc/self/mountinfo"))?;
    let init = read_table("/proc/1/mountinfo")?;
    let init_root = mountinfo::root_mount(&init)
        .ok_or_else(|| Error::new(code::NO_ROOT, "no mount for '/' in /proc/1/mountinfo"))?;
    diag(&format!(
        "root mount {} (pid 1: {})",
        own_root.id, init_root.id
    ));
    if own_root.id == init_root.id {
        return Ok(Root::System);
    }
    if let Some(m) = init.iter().rev().find(|m| m.id == own_root.id) {
        diag(&format!("Checking {}", m.mount_point));
        return Ok(Root::MountPoint(m.path.clone()));
    }
    match read_marker(Path::new("/")) {
        Some(name) => {
            diag(&format!(
                "root mount {} not in pid 1's table; marker names '{name}'",
                own_root.id
            ));
            Ok(Root::Marker(name))
        }
        None => {
            diag(&format!(
                "root mount {} not in pid 1's table and no marker: system context",
                own_root.id
            ));
            Ok(Root::System)
        }
    }
}

/// The package named by `<root>/.pcue-package`, if root owns the file, it is
/// a regular file nobody else may write, and it holds a valid name. Root
/// means the node's root: in a user namespace someone made (`unshare -U
/// -r`) their own files look root-owned, so there no marker counts.
pub fn read_marker(root: &Path) -> Option<String> {
    let path = root.join(MARKER);
    let meta = fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.uid() != 0 || meta.mode() & 0o022 != 0 {
        diag(&format!(
            "ignoring '{}': not a root-owned file closed to others",
            path.display()
        ));
        return None;
    }
    if !sys::ids::in_initial_user_ns() {
        diag(&format!(
            "ignoring '{}': in a user namespace, root-owned means nothing",
            path.display()
        ));
        return None;
    }
    let text = sys::fs::read_text(&path).ok()?;
    let name = text.trim();
    crate::package::name::is_valid(name).then(|| name.to_string())
}

/// In a user namespace someone made (`unshare -U -r` in a package), where
/// owners are what its maker mapped and mounts may be theirs: the marker at
/// `/` names the package only when neither it nor `/` can be of the
/// caller's making, asked of the kernel (stat, statx), never of /proc: `/`
/// is the root of a mount, a directory not owned by the caller's uid there
/// and closed to group and others, and the marker a regular file on that
/// very mount, not owned by the caller's uid and closed to others. A user
/// without subordinate ids owns nothing but under that one uid (every file
/// they made, every mount they made), so a root of their own, a marker
/// bound over the real one (a /proc file of a host name they set) or a
/// chroot below a mount is refused. A user namespace mapping the caller to
/// the overflow uid (65534), which is how root's files show, cannot tell
/// the two apart: no marker counts there.
fn marker_in_user_ns() -> Option<String> {
    if sys::ids::in_initial_user_ns() {
        return None;
    }
    let me = sys::ids::effective_uid();
    let (root, marker) = (c"/", c"/.pcue-package");
    let (Some((root_mnt, true)), Some((marker_mnt, _))) =
        (sys::fs::mount_of(root), sys::fs::mount_of(marker))
    else {
        diag("in a user namespace: / is not the root of a mount, or no marker");
        return None;
    };
    let closed = |p: &str, dir: bool| {
        fs::symlink_metadata(p).is_ok_and(|m| {
            (if dir { m.is_dir() } else { m.is_file() }) && m.uid() != me && m.mode() & 0o022 == 0
        })
    };
    if marker_mnt != root_mnt || !closed("/", true) || !closed("/.pcue-package", false) {
        diag("in a user namespace: / or its marker may be of this user's making: no marker counts");
        return None;
    }
    let text = sys::fs::read_text(Path::new("/.pcue-package")).ok()?;
    let name = text.trim();
    let ok = crate::package::name::is_valid(name);
    if ok {
        diag(&format!(
            "in a user namespace: the marker of this mount's root, not this user's, names '{name}'"
        ));
    }
    ok.then(|| name.to_string())
}

/// The package whose root we are in, `root` being that root's path as pid 1
/// sees it: the registry's name for it, else the marker mkpcue wrote in it
/// (a root need not be named after its package: `PCUE_ROOT=`), else the
/// path's last component.
pub fn package_of_root(root: &Path, cfg: &Config) -> Option<String> {
    if let Some(p) = registry::scan(cfg).find(|p| p.root == root) {
        return Some(p.name);
    }
    if let Some(name) = read_marker(Path::new("/")) {
        return Some(name);
    }
    let base = root.file_name()?.to_str()?;
    crate::package::name::is_valid(base).then(|| base.to_string())
}

/// `ctxROOT` for the context we are in: `/` followed by the package's name
/// (the value execsh, pkgnet and pkginit's env file all give), `/` in the
/// system context or when the root cannot be told.
pub fn ctx_root() -> String {
    let name = match root_identity() {
        Ok(Root::MountPoint(mp)) => package_of_root(&mp, &Config::from_system()),
        Ok(Root::Marker(n)) => Some(n),
        Ok(Root::System) => None,
        Err(e) => {
            log::warn!("can't tell the package root ({}): ctxROOT=/", e.msg);
            None
        }
    };
    match name {
        Some(n) => format!("/{n}"),
        None => "/".to_string(),
    }
}

/// The connection this session came from, and how it was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Connection {
    pub ends: Endpoints,
    pub how: &'static str,
}

/// The two ends of the IP socket `fd`, IPv4-mapped addresses as IPv4 (the
/// form the registry compares).
pub fn socket_ends(fd: i32) -> Option<Endpoints> {
    let e = sys::net::endpoints(fd)?;
    Some(Endpoints {
        local: crate::registry::addr::canon(e.local),
        remote: e.remote.map(crate::registry::addr::canon),
    })
}

/// A socket on fds 0–2.
pub fn from_fds() -> Option<Connection> {
    (0..=2)
        .find_map(socket_ends)
        .map(|ends| Connection { ends, how: "fd" })
}

/// `SSH_CONNECTION="client cport server sport"`.
pub fn parse_ssh_connection(v: &str) -> Option<Endpoints> {
    let f: Vec<&str> = v.split_whitespace().collect();
    if f.len() != 4 {
        return None;
    }
    let remote = crate::registry::addr::parse(f[0])?;
    let local = crate::registry::addr::parse(f[2])?;
    Some(Endpoints {
        local,
        remote: Some(remote),
    })
}

pub fn from_ssh() -> Option<Connection> {
    let v = std::env::var("SSH_CONNECTION").ok()?;
    let ends = parse_ssh_connection(&v);
    if ends.is_none() {
        diag(&format!("ignoring malformed SSH_CONNECTION '{v}'"));
    }
    ends.map(|ends| Connection {
        ends,
        how: "SSH_CONNECTION",
    })
}

/// Daemons whose own sockets are listeners: the walk stops there.
const LISTENERS: &[&str] = &["inetd", "xinetd", "systemd", "init"];
const MAX_DEPTH: usize = 64;

/// Walk the parents up to the daemon that inetd/xinetd/sshd spawned and find
/// a connected (not listening) TCP socket among their descriptors. Needs ptrace rights
/// on those processes (same user, or root); the others are skipped.
pub fn from_parents() -> Option<Connection> {
    walk_parents(false)
}

/// The same walk, trusting only parents whose real uid is root (sshd,
/// telnetd, a daemon inetd started): what execsh records as the session's
/// host, which a user must not be able to choose with a socket of their own.
pub fn from_root_parents() -> Option<Connection> {
    walk_parents(true)
}

fn walk_parents(only_root: bool) -> Option<Connection> {
    let mut sockets: Option<Vec<procfs::net_tcp::Socket>> = None;
    let mut pid = sys::process::parent_pid();
    for _ in 0..MAX_DEPTH {
        if pid <= 1 {
            break;
        }
        let Some(stat) = procfs::read_stat(pid) else {
            break;
        };
        if LISTENERS.contains(&stat.comm.as_str()) {
            diag(&format!("reached {} ({pid})", stat.comm));
            break;
        }
        if only_root && procfs::real_uid(pid) != Some(0) {
            pid = stat.ppid;
            continue;
        }
        let Some(inodes) = procfs::socket_inodes(pid) else {
            diag(&format!(
                "parent {} ({pid}): descriptors not readable",
                stat.comm
            ));
            pid = stat.ppid;
            continue;
        };
        diag(&format!(
            "parent {} ({pid}): {} socket(s)",
            stat.comm,
            inodes.len()
        ));
        if !inodes.is_empty() {
            let table = sockets.get_or_insert_with(procfs::tcp_sockets);
            let hit = table
                .iter()
                .find(|s| s.state != procfs::net_tcp::LISTEN && inodes.contains(&s.inode));
            if let Some(s) = hit {
                diag(&format!("connection of {} ({pid})", stat.comm));
                let ends = Endpoints {
                    local: s.local,
                    remote: Some(s.remote),
                };
                return Some(Connection {
                    ends,
                    how: "parent",
                });
            }
        }
        pid = stat.ppid;
    }
    None
}

/// The session's connection, by the sources in order.
pub fn connection() -> Option<Connection> {
    let c = from_fds().or_else(from_ssh).or_else(from_parents);
    if let Some(c) = c {
        if let Some(r) = c.ends.remote {
            diag(&format!("IP address of remote system: {r}"));
        }
        diag(&format!(
            "IP address of package: {} (from {})",
            c.ends.local, c.how
        ));
    }
    c
}

/// How to look.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lookup {
    /// getcpkg -f: the connection first, and a missing one is an error.
    pub connection_first: bool,
}

/// The current package, or None for the system context.
pub fn current_package(opts: Lookup, cfg: &Config) -> Result<Option<String>> {
    if !opts.connection_first {
        match root_identity()? {
            Root::System => {}
            Root::Marker(name) => return Ok(Some(name)),
            Root::MountPoint(mp) => return Ok(package_of_root(&mp, cfg)),
        }
    }
    let Some(conn) = connection() else {
        if opts.connection_first {
            return Err(Error::new(
                code::NO_DAEMON,
                "no connection on fds 0-2, in SSH_CONNECTION or among the parents",
            ));
        }
        return Ok(None);
    };
    package_for_addr(cfg, conn.ends.local)
}

/// The package owning `ip` by the strict lookup: an address the registry
/// cannot answer for (unreadable, or refused) is an error, never the
/// system context.
pub fn package_for_addr(cfg: &Config, ip: IpAddr) -> Result<Option<String>> {
    let p = registry::Registry::find_addr_strict(cfg, ip)
        .map_err(|why| {
            Error::new(
                code::REGISTRY,
                format!("can't tell whose address {ip} is: {why}"),
            )
        })?
        .map(|p| p.name);
    if p.is_none() {
        diag(&format!("{ip} belongs to no package"));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_connection() {
        let e = parse_ssh_connection("10.1.2.3 50022 127.0.0.2 22").unwrap();
        assert_eq!(e.local, "127.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(e.remote, Some("10.1.2.3".parse().unwrap()));
        let e = parse_ssh_connection("::ffff:10.0.0.1 1 fd00::3 22").unwrap();
        assert_eq!(e.local, "fd00::3".parse::<IpAddr>().unwrap());
        assert_eq!(e.remote, Some("10.0.0.1".parse().unwrap()));
        assert_eq!(parse_ssh_connection("10.1.2.3 50022 127.0.0.2"), None);
        assert_eq!(parse_ssh_connection("x 1 y 2"), None);
    }
}
