//! Walking /proc for pkgps: each process's root mount, then the files ps
//! reads (`stat`, `cmdline`, the owner of `/proc/PID`). One reusable buffer;
//! a process that vanishes mid-read is reported as `Gone`.

use crate::procfs::{self, Stat};
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

/// What reading one process gave.
#[derive(Debug)]
pub enum Got<T> {
    Ok(T),
    /// It exited while we looked.
    Gone,
    /// It exists but could not be read (permission, or a malformed file).
    Unreadable(io::Error),
}

/// The fields of one process that ps -f shows.
#[derive(Clone, Debug)]
pub struct Proc {
    /// Owner of /proc/PID: the effective uid.
    pub uid: u32,
    pub stat: Stat,
    /// /proc/PID/cmdline as read, at most `ps::CMDLINE_MAX - 1` bytes.
    pub cmdline: Vec<u8>,
}

/// Counters and the time spent reading, for the debug summary.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub mountinfo_reads: usize,
    pub mountinfo_bytes: usize,
    pub mountinfo_time: Duration,
    pub proc_reads: usize,
    pub proc_time: Duration,
}

#[derive(Default)]
pub struct Scanner {
    buf: Vec<u8>,
    pub stats: Stats,
}

fn gone(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ESRCH)
}

fn classify<T>(r: io::Result<T>) -> Got<T> {
    match r {
        Ok(v) => Got::Ok(v),
        Err(e) if gone(&e) => Got::Gone,
        Err(e) => Got::Unreadable(e),
    }
}

/// The numeric entries of /proc, in directory order (ascending pids, as ps
/// lists them).
pub fn pids() -> io::Result<Vec<i32>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc")? {
        let Ok(e) = e else { continue };
        if let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) {
            if pid > 0 {
                v.push(pid);
            }
        }
    }
    Ok(v)
}

/// The mount ID of the first line of a mountinfo text, when it is whole.
fn first_mount_id(text: &[u8]) -> Option<u64> {
    let line = &text[..text.iter().position(|&b| b == b'\n')?];
    let id = line.split(|&b| b == b' ').next()?;
    std::str::from_utf8(id).ok()?.parse().ok()
}

/// The mount ID of the last (topmost) line of a mountinfo text whose mount
/// point is `/`. Only fields 1 and 5 are looked at.
pub fn root_mount_id(text: &[u8]) -> Option<u64> {
    let mut found = None;
    for line in text.split(|&b| b == b'\n') {
        let mut f = line.split(|&b| b == b' ');
        let id = f.next();
        let mp = f.nth(3);
        if mp == Some(b"/") {
            if let Some(id) = id
                .and_then(|s| std::str::from_utf8(s).ok())
                .and_then(|s| s.parse().ok())
            {
                found = Some(id);
            }
        }
    }
    found
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner {
            buf: Vec::with_capacity(64 * 1024),
            stats: Stats::default(),
        }
    }

    /// Read `path` whole (or its first `limit` bytes) into the buffer.
    fn slurp(&mut self, path: &str, limit: usize) -> io::Result<usize> {
        self.buf.clear();
        let mut f = File::open(path)?;
        self.fill(&mut f, limit)
    }

    /// Go on reading `f` into the buffer until it holds `limit` bytes or
    /// the file ends.
    fn fill(&mut self, f: &mut File, limit: usize) -> io::Result<usize> {
        loop {
            if self.buf.len() >= limit {
                self.buf.truncate(limit);
                break;
            }
            let start = self.buf.len();
            let want = (limit - start).min(32 * 1024);
            self.buf.resize(start + want, 0);
            match f.read(&mut self.buf[start..]) {
                Ok(0) => {
                    self.buf.truncate(start);
                    break;
                }
                Ok(n) => self.buf.truncate(start + n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => self.buf.truncate(start),
                Err(e) => return Err(e),
            }
        }
        Ok(self.buf.len())
    }

    /// The root mount ID of process `pid`, from its mountinfo. `Ok(None)`
    /// when the table was read but no mount is `/` in it: the process
    /// chrooted into a directory below its root mount (sshd's privilege
    /// separation into /var/empty), which hides every mount that is not
    /// under it. A zombie has no mount table left (the kernel says EINVAL):
    /// `Unreadable`.
    ///
    /// `ours`: the mount IDs of our own table. When the first mount of the
    /// process's table is not among them, neither is its root (what lies
    /// below our root we see whole), and that first ID is the answer: a
    /// table in another mount namespace, however large a user made it, is
    /// not read past its first few KiB.
    pub fn root_of(&mut self, pid: i32, ours: &HashSet<u64>) -> Got<Option<u64>> {
        const HEAD: usize = 4096;
        let t0 = Instant::now();
        self.buf.clear();
        let r = File::open(format!("/proc/{pid}/mountinfo")).and_then(|mut f| {
            if self.fill(&mut f, HEAD)? == HEAD {
                if let Some(id) = first_mount_id(&self.buf).filter(|id| !ours.contains(id)) {
                    return Ok(Some(id));
                }
                self.fill(&mut f, usize::MAX)?;
            }
            Ok(root_mount_id(&self.buf))
        });
        self.stats.mountinfo_reads += 1;
        self.stats.mountinfo_bytes += self.buf.len();
        self.stats.mountinfo_time += t0.elapsed();
        classify(r)
    }

    /// /proc/PID/stat alone.
    pub fn stat_of(&mut self, pid: i32) -> Got<Stat> {
        match classify(self.slurp(&format!("/proc/{pid}/stat"), 4096)) {
            Got::Ok(_) => match procfs::parse_stat_bytes(&self.buf) {
                Some(s) => Got::Ok(s),
                None => {
                    Got::Unreadable(io::Error::new(io::ErrorKind::InvalidData, "malformed stat"))
                }
            },
            Got::Gone => Got::Gone,
            Got::Unreadable(e) => Got::Unreadable(e),
        }
    }

    /// Everything ps -f shows about `pid`.
    pub fn proc_of(&mut self, pid: i32) -> Got<Proc> {
        let t0 = Instant::now();
        let r = self.proc_inner(pid);
        self.stats.proc_reads += 1;
        self.stats.proc_time += t0.elapsed();
        r
    }

    fn proc_inner(&mut self, pid: i32) -> Got<Proc> {
        let uid = match classify(std::fs::metadata(format!("/proc/{pid}"))) {
            Got::Ok(m) => m.uid(),
            Got::Gone => return Got::Gone,
            Got::Unreadable(e) => return Got::Unreadable(e),
        };
        let stat = match self.stat_of(pid) {
            Got::Ok(s) => s,
            Got::Gone => return Got::Gone,
            Got::Unreadable(e) => return Got::Unreadable(e),
        };
        // an unreadable cmdline shows as [comm], as in ps
        let cmdline = match self.slurp(&format!("/proc/{pid}/cmdline"), crate::ps::CMDLINE_MAX - 1)
        {
            Ok(_) => self.buf.clone(),
            Err(e) if gone(&e) => return Got::Gone,
            Err(_) => Vec::new(),
        };
        Got::Ok(Proc { uid, stat, cmdline })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topmost_root_wins() {
        let t = b"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw - proc proc rw
800 22 0:80 / /pkg01 rw - tmpfs tmpfs rw
801 22 8:1 /srv / rw - ext4 /dev/sda1 rw
802 801 0:81 / /x\\040/ rw - tmpfs t rw
";
        assert_eq!(root_mount_id(t), Some(801));
        assert_eq!(
            root_mount_id(b"612 598 0:71 / /pkg rw - tmpfs t rw\n"),
            None
        );
        assert_eq!(root_mount_id(b""), None);
        // a chrooted process sees its package root first, as "/"
        let chroot = b"640 630 0:82 / / rw,relatime - tmpfs tmpfs-pkg01 rw,mode=755
641 640 8:1 /usr /usr ro,relatime - ext4 /dev/root rw
642 640 0:83 / /proc rw,relatime - proc proc rw
";
        assert_eq!(root_mount_id(chroot), Some(640));
    }

    #[test]
    fn reads_itself() {
        let mut s = Scanner::new();
        let me = std::process::id() as i32;
        let ours: HashSet<u64> = crate::mountinfo::read("/proc/self/mountinfo")
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        assert!(matches!(s.root_of(me, &ours), Got::Ok(Some(_))));
        assert_eq!(
            first_mount_id(b"25 1 0:22 / / rw - ext4 x rw\n26"),
            Some(25)
        );
        assert_eq!(first_mount_id(b"25 1 0:22 / / rw"), None, "not whole");
        match s.proc_of(me) {
            Got::Ok(p) => {
                assert_eq!(p.stat.pid, me);
                assert!(!p.cmdline.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(s.proc_of(i32::MAX), Got::Gone));
        assert!(pids().unwrap().contains(&me));
    }
}
