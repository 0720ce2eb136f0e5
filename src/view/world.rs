//! The processes of a package started as a world of its own (`pkginit -p`),
//! told from what any user may read: pkgps -p and -a for a caller who
//! cannot follow other users' `/proc/PID/ns/pid` links (everyone but the
//! node's root, who reads those links: one per process).
//!
//! - The package's pkginit is the process `/run/pkginit/PKG.pid` names
//!   (root's file), counted only when `/proc/PID/status` shows it owned by
//!   root and pid 1 of a pid namespace below ours (more than one `NSpid`
//!   field, the last 1), and its root mount (its `mountinfo`, readable by
//!   anyone) is the package root: the same filesystem and the same path in
//!   it as the node's mount on the package root.
//! - Its processes are those whose root mount is pkginit's (mount IDs are
//!   unique across mount namespaces: one small read of the first line of
//!   `/proc/PID/mountinfo`), plus those that show no mount of ours as their
//!   root (a process chrooted below its root mount, as sshd does, one in a
//!   mount namespace of its own made in a user namespace, a zombie) whose
//!   nearest ancestor with a root mount that tells is one of them; each
//!   then confirmed in pkginit's pid namespace by its `NSpid` depth (what a
//!   process of the package starts stays in its pid namespace or below it,
//!   and one below has more fields). So the mount namespace finds them and
//!   the pid namespace decides: `telinit -p`'s request (in the package's
//!   mount namespace only) and a pid namespace made inside are left out,
//!   as the namespace links leave them out.
//! - What this cannot see: a process the node's root put into the
//!   package's pid namespace alone (`nsenter -t PID -p`, without its mount
//!   namespace); every way in of pcue's joins both.
//!
//! The reading is behind [`Facts`], so the rules are tested with a fake.

use super::roots::PARENT_HOPS;
use super::scan::{Got, Scanner};
use crate::procfs::{self, mountinfo::Mount};
use std::collections::{HashMap, HashSet};
use std::io;

/// A running package's pkginit as any user can tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Init {
    /// Its pid as we see it.
    pub pid: i32,
    /// How many pid namespaces deep it is from ours (its `NSpid` fields).
    pub depth: usize,
    /// The ID of its root mount (in its own mount namespace).
    pub root_mount: u64,
}

/// Package `name`'s pkginit, when it runs as a world of its own on the
/// root mounted as `node_root` (our mount on the package root).
pub fn find(name: &str, node_root: &Mount) -> Option<Init> {
    let path = crate::session::pid_file(name);
    let text = std::fs::read_to_string(&path).ok()?;
    let pid: i32 = text.trim().parse().ok().filter(|p| *p > 1)?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let ns = procfs::nspid(&status)?;
    let uid = procfs::status_uids(&status)?;
    let table = procfs::mount_table(&format!("/proc/{pid}/mountinfo")).ok()?;
    let root = crate::procfs::mountinfo::root_mount(&table)?;
    let ok = ns.len() > 1
        && ns.last() == Some(&1)
        && uid == 0
        && root.dev == node_root.dev
        && root.root == node_root.root;
    if !ok {
        log::debug!(
            "{}: pid {pid} is not package {name}'s pkginit",
            path.display()
        );
        return None;
    }
    Some(Init {
        pid,
        depth: ns.len(),
        root_mount: root.id,
    })
}

/// What the rules read about one process.
pub trait Facts {
    /// Its root mount ID; `Ok(None)` when its table has no `/`.
    fn root_of(&mut self, pid: i32) -> Got<Option<u64>>;
    /// Its state letter and parent pid.
    fn parent_of(&mut self, pid: i32) -> Got<(char, i32)>;
    /// How many pid namespaces deep it is (its `NSpid` fields).
    fn depth_of(&mut self, pid: i32) -> Got<usize>;
}

impl Facts for Scanner {
    fn root_of(&mut self, pid: i32) -> Got<Option<u64>> {
        Scanner::root_of(self, pid)
    }

    fn parent_of(&mut self, pid: i32) -> Got<(char, i32)> {
        super::roots::Source::parent_of(self, pid)
    }

    fn depth_of(&mut self, pid: i32) -> Got<usize> {
        match std::fs::read_to_string(format!("/proc/{pid}/status")) {
            Ok(s) => match procfs::nspid(&s) {
                Some(v) => Got::Ok(v.len()),
                None => {
                    Got::Unreadable(io::Error::new(io::ErrorKind::InvalidData, "no NSpid line"))
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => Got::Gone,
            Err(e) if crate::sys::errno_of(&e) == crate::sys::Errno::ESRCH => Got::Gone,
            Err(e) => Got::Unreadable(e),
        }
    }
}

/// How a process is placed.
#[derive(Clone, Copy)]
enum Via {
    /// Its root mount is pkginit's.
    Package,
    /// Its root mount is one of ours: the node's mount namespace.
    Node,
    /// Its parent's answer (no root mount that tells).
    Parent(i32),
}

/// The processes of `pids` in `init`'s pid namespace, in their order, and
/// how many could not be told; `ours` are the mount IDs of our own table.
/// Processes that exit meanwhile are left out.
pub fn members(
    src: &mut impl Facts,
    pids: &[i32],
    init: &Init,
    ours: &HashSet<u64>,
) -> (Vec<i32>, usize) {
    let mut placed: Vec<(i32, Via)> = Vec::with_capacity(pids.len());
    let mut unreadable = 0;
    for &pid in pids {
        let err = match src.root_of(pid) {
            Got::Ok(Some(id)) if id == init.root_mount => {
                placed.push((pid, Via::Package));
                continue;
            }
            Got::Ok(Some(id)) if ours.contains(&id) => {
                placed.push((pid, Via::Node));
                continue;
            }
            Got::Gone => continue,
            Got::Ok(_) => None,
            Got::Unreadable(e) => Some(e),
        };
        match src.parent_of(pid) {
            Got::Ok((state, ppid)) if err.is_none() || state == 'Z' => {
                placed.push((pid, Via::Parent(ppid)))
            }
            Got::Gone => {}
            _ => {
                log::debug!("pid {pid}: can't tell its root mount");
                unreadable += 1;
            }
        }
    }
    let known: HashMap<i32, Via> = placed.iter().copied().collect();
    let in_package = |mut via: Via| {
        for _ in 0..PARENT_HOPS {
            match via {
                Via::Package => return true,
                Via::Node => return false,
                Via::Parent(pp) => match known.get(&pp) {
                    Some(v) => via = *v,
                    None => return false,
                },
            }
        }
        false
    };
    let mut out = Vec::new();
    for (pid, via) in placed {
        if !in_package(via) {
            continue;
        }
        match src.depth_of(pid) {
            Got::Ok(d) if d == init.depth => out.push(pid),
            Got::Ok(_) | Got::Gone => {}
            Got::Unreadable(e) => {
                log::debug!("pid {pid}: can't read its pid namespaces: {e}");
                unreadable += 1;
            }
        }
    }
    (out, unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process as the fake shows it: root mount (None: no `/`; Err: a
    /// zombie's unreadable table), state, parent, NSpid depth.
    struct P(std::result::Result<Option<u64>, ()>, char, i32, usize);

    struct Fake(HashMap<i32, P>);

    impl Facts for Fake {
        fn root_of(&mut self, pid: i32) -> Got<Option<u64>> {
            match self.0.get(&pid) {
                Some(P(Ok(r), ..)) => Got::Ok(*r),
                Some(P(Err(()), ..)) => Got::Unreadable(io::Error::other("EINVAL")),
                None => Got::Gone,
            }
        }
        fn parent_of(&mut self, pid: i32) -> Got<(char, i32)> {
            match self.0.get(&pid) {
                Some(p) => Got::Ok((p.1, p.2)),
                None => Got::Gone,
            }
        }
        fn depth_of(&mut self, pid: i32) -> Got<usize> {
            match self.0.get(&pid) {
                Some(p) => Got::Ok(p.3),
                None => Got::Gone,
            }
        }
    }

    #[test]
    fn the_mount_namespace_finds_them_and_the_pid_namespace_decides() {
        const NODE: u64 = 22;
        const PKG: u64 = 148;
        let procs = [
            (1, P(Ok(Some(NODE)), 'S', 0, 1)),
            // pkginit and an inittab entry
            (55, P(Ok(Some(PKG)), 'S', 1, 2)),
            (56, P(Ok(Some(PKG)), 'S', 55, 2)),
            // execsh's parent (chrooted on the node) and its session
            (63, P(Ok(Some(86)), 'S', 1, 1)),
            (64, P(Ok(Some(PKG)), 'S', 63, 2)),
            // sshd's privilege separation: no `/` in its table
            (70, P(Ok(None), 'S', 56, 2)),
            // a mount namespace made in a user namespace, and its child
            (71, P(Ok(Some(900)), 'S', 64, 2)),
            (72, P(Ok(Some(900)), 'S', 71, 2)),
            // a zombie of the package
            (73, P(Err(()), 'Z', 56, 2)),
            // a pid namespace made inside: below the package's
            (74, P(Ok(Some(PKG)), 'S', 64, 3)),
            // telinit -p's request: the package's mounts, the node's pids
            (80, P(Ok(Some(PKG)), 'S', 1, 1)),
            // another package: its own root mount
            (90, P(Ok(Some(300)), 'S', 1, 2)),
            (91, P(Ok(None), 'S', 90, 2)),
            // a chroot on the node below a mount
            (95, P(Ok(None), 'S', 1, 1)),
        ];
        let pids: Vec<i32> = procs.iter().map(|(p, _)| *p).chain([99]).collect();
        let mut f = Fake(procs.into_iter().collect());
        let init = Init {
            pid: 55,
            depth: 2,
            root_mount: PKG,
        };
        let ours: HashSet<u64> = [NODE, 86].into_iter().collect();
        let (m, unreadable) = members(&mut f, &pids, &init, &ours);
        assert_eq!(m, [55, 56, 64, 70, 71, 72, 73]);
        assert_eq!(unreadable, 0);
    }

    #[test]
    fn a_cycle_of_parents_ends() {
        let mut f = Fake(
            [(10, P(Ok(None), 'S', 11, 2)), (11, P(Ok(None), 'S', 10, 2))]
                .into_iter()
                .collect(),
        );
        let init = Init {
            pid: 5,
            depth: 2,
            root_mount: 1,
        };
        let (m, _) = members(&mut f, &[10, 11], &init, &HashSet::new());
        assert!(m.is_empty());
    }
}
