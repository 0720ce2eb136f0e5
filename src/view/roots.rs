//! Which root mount each process has (pkgps's first pass), in pid order.
//! A zombie, and a process whose mount table has no `/` (it chrooted into
//! a directory, as sshd does into /var/empty), take their parent's, up the
//! tree as far as needed. The reading is behind `Source`, so the rules are
//! tested with a fake.

use super::scan::{Got, Scanner};
use std::collections::HashMap;
use std::io;

/// How far a process without a root mount of its own is followed up its
/// parents (each step is a process that chrooted again, or a zombie).
pub const PARENT_HOPS: usize = 64;

/// What the pass reads about one process.
pub trait Source {
    /// Its root mount ID; `Ok(None)` when its table has no `/`.
    fn root_of(&mut self, pid: i32) -> Got<Option<u64>>;
    /// Its state letter and parent pid.
    fn parent_of(&mut self, pid: i32) -> Got<(char, i32)>;
}

impl Source for Scanner {
    fn root_of(&mut self, pid: i32) -> Got<Option<u64>> {
        Scanner::root_of(self, pid)
    }

    fn parent_of(&mut self, pid: i32) -> Got<(char, i32)> {
        match self.stat_of(pid) {
            Got::Ok(s) => Got::Ok((s.state, s.ppid)),
            Got::Gone => Got::Gone,
            Got::Unreadable(e) => Got::Unreadable(e),
        }
    }
}

/// Where a process's root mount comes from.
#[derive(Clone, Copy)]
enum Via {
    Mount(u64),
    /// A zombie, or a process chrooted below its root mount: its parent's.
    Parent(i32),
}

/// The root mount ID of each of `pids` that could be told, in their order,
/// and how many could not (unreadable, or no ancestor with a root mount).
/// Processes that exit meanwhile are left out.
pub fn roots(src: &mut impl Source, pids: &[i32]) -> (Vec<(i32, u64)>, usize) {
    let mut out: Vec<(i32, Via)> = Vec::with_capacity(pids.len());
    let mut unreadable = 0;
    for &pid in pids {
        let err: Option<io::Error> = match src.root_of(pid) {
            Got::Ok(Some(id)) => {
                out.push((pid, Via::Mount(id)));
                continue;
            }
            Got::Gone => continue,
            Got::Ok(None) => None,
            Got::Unreadable(e) => Some(e),
        };
        match src.parent_of(pid) {
            Got::Ok((state, ppid)) if err.is_none() || state == 'Z' => {
                out.push((pid, Via::Parent(ppid)))
            }
            Got::Gone => {}
            other => {
                match (err, other) {
                    (Some(e), _) => log::debug!("pid {pid}: can't read its mountinfo: {e}"),
                    (None, Got::Unreadable(e)) => {
                        log::debug!("pid {pid}: can't read its stat: {e}")
                    }
                    (None, _) => {}
                }
                unreadable += 1;
            }
        }
    }
    let known: HashMap<i32, Via> = out.iter().copied().collect();
    let resolve = |mut via: Via| {
        for _ in 0..PARENT_HOPS {
            match via {
                Via::Mount(id) => return Some(id),
                Via::Parent(pp) => via = *known.get(&pp)?,
            }
        }
        None
    };
    let mut res = Vec::with_capacity(out.len());
    for (pid, via) in out {
        match resolve(via) {
            Some(i) => res.push((pid, i)),
            None => {
                log::debug!("pid {pid}: no root mount of its own, nor a known ancestor's");
                unreadable += 1;
            }
        }
    }
    (res, unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process as the fake shows it.
    #[derive(Clone, Copy)]
    enum P {
        /// Root mount ID.
        Root(u64),
        /// No `/` in its table; state, parent.
        Below(char, i32),
        /// A zombie: mountinfo unreadable; parent.
        Zombie(i32),
        /// Neither file readable.
        Hidden,
        /// Mount table unreadable, stat fine, not a zombie.
        NoTable(i32),
        /// Exited after the listing.
        Gone,
    }

    struct Fake(HashMap<i32, P>);

    fn denied<T>() -> Got<T> {
        Got::Unreadable(io::Error::from(io::ErrorKind::PermissionDenied))
    }

    impl Source for Fake {
        fn root_of(&mut self, pid: i32) -> Got<Option<u64>> {
            match self.0.get(&pid) {
                Some(P::Root(id)) => Got::Ok(Some(*id)),
                Some(P::Below(..)) => Got::Ok(None),
                Some(P::Zombie(_) | P::Hidden | P::NoTable(_)) => denied(),
                Some(P::Gone) | None => Got::Gone,
            }
        }

        fn parent_of(&mut self, pid: i32) -> Got<(char, i32)> {
            match self.0.get(&pid) {
                Some(P::Root(_)) => Got::Ok(('S', 1)),
                Some(P::Below(state, pp)) => Got::Ok((*state, *pp)),
                Some(P::Zombie(pp)) => Got::Ok(('Z', *pp)),
                Some(P::NoTable(pp)) => Got::Ok(('S', *pp)),
                Some(P::Hidden) => denied(),
                Some(P::Gone) | None => Got::Gone,
            }
        }
    }

    fn run(procs: &[(i32, P)]) -> (Vec<(i32, u64)>, usize) {
        let pids: Vec<i32> = procs.iter().map(|p| p.0).collect();
        roots(&mut Fake(procs.iter().copied().collect()), &pids)
    }

    #[test]
    fn own_mounts_and_inherited_ones() {
        let (r, bad) = run(&[
            (1, P::Root(22)),
            (10, P::Root(800)),
            // sshd's privilege separation below its root, and its child
            (11, P::Below('S', 10)),
            (12, P::Below('S', 11)),
            // a zombie of the package, another of the system
            (13, P::Zombie(10)),
            (14, P::Zombie(1)),
            (15, P::Gone),
        ]);
        assert_eq!(
            r,
            vec![
                (1, 22),
                (10, 800),
                (11, 800),
                (12, 800),
                (13, 800),
                (14, 22)
            ]
        );
        assert_eq!(bad, 0);
    }

    #[test]
    fn what_cannot_be_told_is_counted() {
        let (r, bad) = run(&[
            (1, P::Root(22)),
            // hidepid: nothing readable
            (20, P::Hidden),
            // a table unreadable although the process is no zombie
            (21, P::NoTable(1)),
            // a parent that is not in the listing (exited, or hidden)
            (22, P::Below('S', 99)),
            (23, P::Below('S', 20)),
            // a loop of parents (a pid reused meanwhile) ends
            (30, P::Below('S', 31)),
            (31, P::Below('S', 30)),
        ]);
        assert_eq!(r, vec![(1, 22)]);
        assert_eq!(bad, 6);
    }

    #[test]
    fn the_walk_up_is_bounded() {
        let mut procs = vec![(1, P::Root(22))];
        for pid in 2..(PARENT_HOPS as i32 + 3) {
            procs.push((pid, P::Below('S', pid - 1)));
        }
        let (r, bad) = run(&procs);
        assert_eq!(r.len(), PARENT_HOPS);
        assert_eq!(bad, procs.len() - PARENT_HOPS);
        assert!(r.iter().all(|&(_, id)| id == 22));
    }
}
