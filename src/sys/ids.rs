//! User and group ids: whether we run setuid, the environment we may trust
//! then, giving up privilege for good, the ids of this process, and whether
//! its user namespace is the node's.

use super::{Error, Result};
use nix::unistd::{getegid, geteuid, getgid, getuid, Gid, Uid};
use std::sync::OnceLock;

static SETUID: OnceLock<bool> = OnceLock::new();

/// True when the binary was started with more privilege than its caller
/// (setuid/setgid bit or file capabilities: the kernel's AT_SECURE).
/// Computed once at start, before any drop, so it stays true afterwards.
pub fn is_setuid() -> bool {
    *SETUID.get_or_init(|| {
        // SAFETY: getauxval has no preconditions.
        let secure = unsafe { libc::getauxval(libc::AT_SECURE) } != 0;
        secure || getuid() != geteuid() || getgid() != getegid()
    })
}

/// The environment, unless we run setuid: then every variable that would change
/// a path or a config is ignored: a setuid caller must not choose them.
pub fn trusted_env(name: &str) -> Option<String> {
    if is_setuid() {
        return None;
    }
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Give up the effective ids for the real ones, for good: gid first, then uid,
/// then check that root cannot be regained. Supplementary groups are the
/// caller's own (setuid execution does not change them) and are kept.
pub fn drop_privileges() -> Result<()> {
    let (uid, gid) = (getuid(), getgid());
    nix::unistd::setresgid(gid, gid, gid).map_err(|e| Error::call("setgid", gid, e))?;
    nix::unistd::setresuid(uid, uid, uid).map_err(|e| Error::call("setuid", uid, e))?;
    check_dropped(uid, gid)
}

/// Make the real and saved uid root too, as login(1) and su(1) keep their
/// session parent: a process whose real and saved uid are not the
/// caller's cannot be signalled by the caller (kill(2) compares them with
/// the sender's), so the caller cannot kill the process that owes the
/// session its logout. SIGCONT from the caller's own session still
/// reaches it (job control), and the kernel's signals (a hangup) do.
pub fn become_root() -> Result<()> {
    let root = Uid::from_raw(0);
    nix::unistd::setresuid(root, root, root).map_err(|e| Error::call("setuid", 0, e))
}

/// After a drop to `uid`/`gid`: every id is the target and, for a non-root
/// target, setuid(0) fails.
fn check_dropped(uid: Uid, gid: Gid) -> Result<()> {
    let ok = geteuid() == uid && getuid() == uid && getegid() == gid && getgid() == gid;
    if !ok {
        return Err(Error::refused("can't drop privileges: ids did not change"));
    }
    if !uid.is_root() && nix::unistd::setuid(Uid::from_raw(0)).is_ok() {
        return Err(Error::refused(
            "can't drop privileges: root could be regained",
        ));
    }
    Ok(())
}

/// Supplementary groups, gid, uid — in that order — then check that every
/// id took and, for a non-root uid, that root cannot be regained.
pub fn become_user(groups: &[u32], gid: u32, uid: u32) -> Result<()> {
    let gids: Vec<Gid> = groups.iter().map(|g| Gid::from_raw(*g)).collect();
    nix::unistd::setgroups(&gids).map_err(|e| Error::call("setgroups", gid, e))?;
    let (g, u) = (Gid::from_raw(gid), Uid::from_raw(uid));
    nix::unistd::setresgid(g, g, g).map_err(|e| Error::call("setgid", gid, e))?;
    nix::unistd::setresuid(u, u, u).map_err(|e| Error::call("setuid", uid, e))?;
    let mut now: Vec<u32> = nix::unistd::getgroups()
        .map_err(|e| Error::call("getgroups", uid, e))?
        .into_iter()
        .map(|g| g.as_raw())
        .collect();
    let mut want = groups.to_vec();
    now.sort_unstable();
    want.sort_unstable();
    want.dedup();
    if now != want {
        return Err(Error::refused(
            "can't drop privileges: groups did not change",
        ));
    }
    check_dropped(u, g)?;
    if uid != 0 && nix::unistd::setgid(Gid::from_raw(0)).is_ok() {
        return Err(Error::refused(
            "can't drop privileges: group root could be regained",
        ));
    }
    Ok(())
}

/// Our real uid.
pub fn real_uid() -> u32 {
    getuid().as_raw()
}

/// Our effective uid.
pub fn effective_uid() -> u32 {
    geteuid().as_raw()
}
/// The inode number the kernel gives the initial user namespace
/// (PROC_USER_INIT_INO).
const INIT_USER_NS_INO: u64 = 0xEFFF_FFFD;

/// Whether this process is in the initial user namespace, where uid 0 is
/// the node's root (in a namespace a user made, their own files show as
/// uid 0). Asked of the kernel through a pidfd (PIDFD_GET_USER_NAMESPACE,
/// Linux 6.11), which a caller cannot fake with mounts of their own; on
/// older kernels through /proc/self/ns/user. False when neither answers.
pub fn in_initial_user_ns() -> bool {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    // _IO(0xFF, 9)
    const PIDFD_GET_USER_NAMESPACE: libc::c_ulong = 0xFF09;
    // SAFETY: pidfd_open on our own pid with no flags; the result is checked.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) };
    if pidfd >= 0 {
        // SAFETY: pidfd_open returned a fresh descriptor that nothing else owns.
        let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as RawFd) };
        // SAFETY: this ioctl takes no argument and returns a new descriptor.
        let ns = unsafe { libc::ioctl(pidfd.as_raw_fd(), PIDFD_GET_USER_NAMESPACE as _, 0) };
        if ns >= 0 {
            // SAFETY: the ioctl returned a fresh descriptor that nothing else owns.
            let ns = unsafe { OwnedFd::from_raw_fd(ns) };
            return nix::sys::stat::fstat(ns.as_raw_fd())
                .is_ok_and(|st| st.st_ino == INIT_USER_NS_INO);
        }
    }
    nix::sys::stat::stat("/proc/self/ns/user").is_ok_and(|st| st.st_ino == INIT_USER_NS_INO)
}
