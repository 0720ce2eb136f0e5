//! Namespaces and capabilities: what makes a package a world of its own.
//! A pidfd of a package's pkginit and setns through it; unshare, a slave
//! mount tree, the host name, pivot_root, the package's own /proc; the
//! capability bounding set, the permitted and effective sets, the dumpable
//! bit. Single-threaded callers only (setns of a mount namespace needs it).

use super::{Error, Result};
use nix::errno::Errno;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::CloneFlags;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;

/// A pidfd of `pid`: it pins the process, so a pid reused after it died is
/// never taken for it.
pub fn pidfd_open(pid: i32) -> Result<OwnedFd> {
    // SAFETY: pidfd_open with no flags; the result is checked.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(Error::call("open a pidfd of", pid, Errno::last()));
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// The process of `pidfd` has not ended (pidfd_send_signal with signal 0).
pub fn pidfd_alive(pidfd: BorrowedFd) -> bool {
    // SAFETY: signal 0 with no siginfo and no flags: a check, nothing sent.
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            0,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    r == 0
}

/// Which namespaces a setns or unshare is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The pid namespace (for the children to come).
    Pid,
    /// Mount, IPC and UTS: the package's files, IPC objects and host name.
    Rest,
}

fn flags(w: Which) -> CloneFlags {
    match w {
        Which::Pid => CloneFlags::CLONE_NEWPID,
        Which::Rest => {
            CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWIPC | CloneFlags::CLONE_NEWUTS
        }
    }
}

/// setns(pidfd, …): join the namespaces of the process of `pidfd`. Joining
/// the mount namespace also makes its root our root and cwd.
pub fn join(pidfd: BorrowedFd, w: Which) -> Result<()> {
    nix::sched::setns(pidfd, flags(w)).map_err(|e| {
        Error::call(
            "join",
            match w {
                Which::Pid => "the package's pid namespace",
                Which::Rest => "the package's mount, IPC and UTS namespaces",
            },
            e,
        )
    })?;
    if w == Which::Rest {
        nix::unistd::chdir("/").map_err(|e| Error::call("chdir", "/", e))?;
    }
    Ok(())
}

/// setns(ns, CLONE_NEWPID) with a pid namespace file (`/proc/self/ns/pid`
/// opened earlier): the children to come are born in it again.
pub fn join_pid_ns_file(ns: BorrowedFd) -> Result<()> {
    nix::sched::setns(ns, CloneFlags::CLONE_NEWPID)
        .map_err(|e| Error::call("join", "our own pid namespace again", e))
}

/// unshare(2) the namespaces `w`.
pub fn unshare(w: Which) -> Result<()> {
    nix::sched::unshare(flags(w)).map_err(|e| {
        Error::call(
            "make",
            match w {
                Which::Pid => "a pid namespace",
                Which::Rest => "mount, IPC and UTS namespaces",
            },
            e,
        )
    })
}

/// Make every mount of our (new) mount namespace a slave: what we mount
/// or unmount never reaches the node; what the node mounts below a shared
/// mount still reaches us.
pub fn make_slave() -> Result<()> {
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_SLAVE,
        None::<&str>,
    )
    .map_err(|e| Error::call("make a slave of", "/", e))
}

pub fn set_hostname(name: &str) -> Result<()> {
    nix::unistd::sethostname(name).map_err(|e| Error::call("set the host name to", name, e))
}

/// Make the directory `root` our `/` by pivot_root: chdir to its path
/// `shown` in our new mount namespace (a descriptor opened before the
/// unshare names a mount of the old one, which pivot_root refuses), check
/// that it is the very directory `root` (same device and inode),
/// pivot_root(".", "."), detach the old root stacked on it, chdir("/").
/// Every process of this mount namespace whose root was the old one moves
/// too: call it in a namespace of our own.
pub fn pivot_to(root: BorrowedFd, shown: &str) -> Result<()> {
    nix::unistd::chdir(shown).map_err(|e| Error::call("chdir", shown, e))?;
    let here = std::fs::metadata(".").map_err(|e| Error::io("stat", shown, &e))?;
    if fd_id(root) != Some((here.dev(), here.ino())) {
        return Err(Error::refused(format!(
            "package root '{shown}' changed while starting"
        )));
    }
    nix::unistd::pivot_root(".", ".").map_err(|e| Error::call("pivot_root to", shown, e))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(|e| Error::call("detach", "the old root", e))?;
    nix::unistd::chdir("/").map_err(|e| Error::call("chdir", "/", e))
}

/// A /proc of our pid namespace at /proc: the layout's (the node's pid
/// namespace) is detached first. Call it from inside the new pid
/// namespace: a proc mount shows the pid namespace of who mounts it.
pub fn mount_own_proc() -> Result<()> {
    let _ = umount2("/proc", MntFlags::MNT_DETACH);
    if std::fs::symlink_metadata("/proc").is_err() {
        nix::unistd::mkdir("/proc", nix::sys::stat::Mode::from_bits_truncate(0o555))
            .map_err(|e| Error::call("make", "/proc", e))?;
    }
    mount(
        Some("proc"),
        "/proc",
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .map_err(|e| Error::call("mount", "/proc", e))
}

/// Drop from the bounding set every capability not in `keep` (a bit per
/// capability number), and clear the ambient set. What we execute from
/// then on can never gain the dropped ones. Needs CAP_SETPCAP: call it
/// while still root.
pub fn drop_bounding(keep: u64) -> Result<()> {
    // capability numbers are 0 to the kernel's last one; past it the kernel
    // says EINVAL, and that is the end (no read of cap_last_cap needed)
    for cap in 0..64u32 {
        if keep & (1u64 << cap) != 0 {
            continue;
        }
        // SAFETY: prctl with integer arguments only.
        let r = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
        if r != 0 {
            let e = Errno::last();
            if e == Errno::EINVAL && cap > 0 {
                break;
            }
            return Err(Error::call("drop from the bounding set", cap, e));
        }
    }
    // SAFETY: prctl with integer arguments only.
    let r = unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    };
    if r != 0 {
        return Err(Error::call(
            "clear",
            "the ambient capabilities",
            Errno::last(),
        ));
    }
    Ok(())
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Our permitted and effective capabilities become `keep` (a bit per
/// capability) — as far as we hold them: a node (a container) may lack
/// some — and the inheritable set empty.
pub fn limit_own(keep: u64) -> Result<()> {
    let keep = keep & own_set("CapPrm").unwrap_or(keep);
    let hdr = CapHeader {
        version: 0x2008_0522, // _LINUX_CAPABILITY_VERSION_3
        pid: 0,
    };
    let lo = keep as u32;
    let hi = (keep >> 32) as u32;
    let data = [
        CapData {
            effective: lo,
            permitted: lo,
            inheritable: 0,
        },
        CapData {
            effective: hi,
            permitted: hi,
            inheritable: 0,
        },
    ];
    // SAFETY: capset with a version-3 header and its two data words.
    let r = unsafe { libc::syscall(libc::SYS_capset, &hdr as *const CapHeader, data.as_ptr()) };
    if r != 0 {
        return Err(Error::call("set", "pkginit's capabilities", Errno::last()));
    }
    Ok(())
}

/// Not dumpable: no core file, /proc/PID files owned by root, and no
/// ptrace without CAP_SYS_PTRACE, which nothing in a package has.
pub fn set_nondumpable() -> Result<()> {
    // SAFETY: prctl with integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
    if r != 0 {
        return Err(Error::call("clear", "the dumpable flag", Errno::last()));
    }
    Ok(())
}

/// (device, inode) of `/proc/PID/ns/NAME`, which names the namespace.
pub fn ns_id(pid: i32, name: &str) -> Option<(u64, u64)> {
    let m = std::fs::metadata(format!("/proc/{pid}/ns/{name}")).ok()?;
    Some((m.dev(), m.ino()))
}

/// (device, inode) of our own namespace NAME (`/proc/self/ns/NAME`).
pub fn own_ns_id(name: &str) -> Option<(u64, u64)> {
    let m = std::fs::metadata(format!("/proc/self/ns/{name}")).ok()?;
    Some((m.dev(), m.ino()))
}

/// The fdinfo of a pidfd (`/proc/self/fdinfo/FD`): its `NSpid:` line
/// names the process's pid in each pid namespace, the innermost last.
pub fn pidfd_fdinfo(pidfd: BorrowedFd) -> Option<String> {
    std::fs::read_to_string(format!("/proc/self/fdinfo/{}", pidfd.as_raw_fd())).ok()
}

/// (device, inode) of `/proc/PID/root`: the directory that is its `/`.
pub fn root_id(pid: i32) -> Option<(u64, u64)> {
    let m = std::fs::metadata(format!("/proc/{pid}/root")).ok()?;
    Some((m.dev(), m.ino()))
}

/// (device, inode) of an open descriptor (an O_PATH one too).
pub fn fd_id(fd: BorrowedFd) -> Option<(u64, u64)> {
    nix::sys::stat::fstat(fd.as_raw_fd())
        .ok()
        .map(|s| (s.st_dev, s.st_ino))
}

/// A capability set of the calling process as /proc shows it (`CapBnd`,
/// `CapPrm`...).
pub fn own_set(which: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix(which)?.strip_prefix(':'))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn a_pidfd_fdinfo_names_the_pid_and_our_namespaces_are_ours() {
        let me = std::process::id() as i32;
        let fd = pidfd_open(me).unwrap();
        let info = pidfd_fdinfo(fd.as_fd()).unwrap();
        let nspid = info.lines().find_map(|l| l.strip_prefix("NSpid:")).unwrap();
        assert_eq!(
            nspid.split_whitespace().next(),
            Some(me.to_string().as_str()),
            "{info}"
        );
        assert_eq!(own_ns_id("pid"), ns_id(me, "pid"));
        assert_eq!(own_ns_id("user"), ns_id(me, "user"));
        assert!(own_ns_id("pid").is_some());
    }
}
