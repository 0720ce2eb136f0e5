//! Reading every process for a listing (pkgps): each one's root mount,
//! then the files ps reads (`stat`, `cmdline`, the owner of `/proc/PID`).
//! One reusable buffer; a process that vanishes mid-read is `Gone`.
//!
//! Speed: a process's root mount is nearly always the first line of its
//! mount table, so the table is read only as far as the first line on `/`
//! when that decides the answer (see `Scanner::root_of`): one small read
//! per process that is not listed, against ps's three.

use crate::procfs::mountinfo::{self, Mount};
use crate::procfs::stat::{self, Stat};
use crate::sys::{self, Errno};
use std::collections::HashMap;
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
    /// /proc/PID/cmdline as read, at most `procfs::CMDLINE_MAX - 1` bytes.
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

/// Our own mount table as `Scanner::root_of` needs it: each mount ID, and
/// whether it is the only mount on its mount point.
#[derive(Clone, Debug, Default)]
pub struct OwnMounts {
    alone: HashMap<u64, bool>,
}

impl OwnMounts {
    pub fn new(table: &[Mount]) -> OwnMounts {
        let mut on: HashMap<&std::path::Path, usize> = HashMap::new();
        for m in table {
            *on.entry(m.path.as_path()).or_default() += 1;
        }
        let alone = table
            .iter()
            .map(|m| (m.id, on.get(m.path.as_path()) == Some(&1)))
            .collect();
        OwnMounts { alone }
    }

    /// What one line of a process's table (mount ID, mount point) tells,
    /// `first` when it is the first line (see `Scanner::root_of`).
    fn decides(&self, (id, mount_point): (u64, &[u8]), first: bool) -> Says {
        match self.alone.get(&id) {
            // not ours: nor is its root, whichever it is
            None if first => Says::Root(id),
            // a mount made after we read our table: look at everything
            None => Says::ReadAll,
            // on `/`, and nothing else is mounted there, over it or under it
            Some(true) if mount_point == b"/" => Says::Root(id),
            Some(false) if mount_point == b"/" => Says::ReadAll,
            Some(_) => Says::Next,
        }
    }
}

/// What a line of a mount table says about the process's root mount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Says {
    Root(u64),
    /// Read the whole table to know.
    ReadAll,
    /// Not yet: look at the next line.
    Next,
}

pub struct Scanner {
    /// Zeroed once and grown only for a very large mount table; `len`
    /// bytes of it hold what the last read gave.
    buf: Vec<u8>,
    len: usize,
    /// The path being opened, NUL-terminated.
    path: Vec<u8>,
    ours: OwnMounts,
    pub stats: Stats,
}

fn gone(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || sys::errno_of(e) == Errno::ESRCH
}

fn classify<T>(r: io::Result<T>) -> Got<T> {
    match r {
        Ok(v) => Got::Ok(v),
        Err(e) if gone(&e) => Got::Gone,
        Err(e) => Got::Unreadable(e),
    }
}

/// The mount ID and the mount point (escaped, as written) of the first
/// line of a mountinfo text, once the text holds them whole (a blank
/// follows the mount point).
fn fields(text: &[u8]) -> Option<(u64, &[u8])> {
    let line = match text.iter().position(|&b| b == b'\n') {
        Some(n) => &text[..n],
        None => text,
    };
    let mut f = line.split(|&b| b == b' ');
    let id = std::str::from_utf8(f.next()?).ok()?.parse().ok()?;
    let mount_point = f.nth(3)?;
    // the options must have begun: the mount point is not cut
    f.next()?;
    Some((id, mount_point))
}

impl Scanner {
    /// A scanner comparing each process's mounts with `own_table`, the
    /// mount table of this process.
    pub fn new(own_table: &[Mount]) -> Scanner {
        Scanner {
            buf: vec![0; 64 * 1024],
            len: 0,
            path: Vec::with_capacity(64),
            ours: OwnMounts::new(own_table),
            stats: Stats::default(),
        }
    }

    /// What the buffer holds.
    fn data(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Read `path` whole (or its first `limit` bytes) into the buffer: a
    /// file the kernel serves in one read when asked for enough (`stat`,
    /// `cmdline`), so that a short read is its end.
    fn slurp(&mut self, path: &str, limit: usize) -> io::Result<usize> {
        self.len = 0;
        let mut f = self.open(path)?;
        self.fill(&mut f, limit, true)
    }

    /// Open `path` for reading (one system call: see `sys::fs::open_read`).
    fn open(&mut self, path: &str) -> io::Result<File> {
        self.path.clear();
        self.path.extend_from_slice(path.as_bytes());
        self.path.push(0);
        let c = std::ffi::CStr::from_bytes_with_nul(&self.path)
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        sys::fs::open_read(c)
    }

    /// Go on reading `f` into the buffer until it holds `limit` bytes or
    /// the file ends. `short_is_end`: a read that gives less than was
    /// asked is the end, and no read is spent on seeing it; not so for a
    /// mount table, which the kernel serves at most a page per read.
    fn fill(&mut self, f: &mut impl Read, limit: usize, short_is_end: bool) -> io::Result<usize> {
        while self.len < limit {
            if self.len == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let end = limit.min(self.buf.len());
            match f.read(&mut self.buf[self.len..end]) {
                Ok(0) => break,
                Ok(n) => {
                    self.len += n;
                    if short_is_end && self.len < end {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.len)
    }

    /// The root mount ID of process `pid`, from its mountinfo: the last
    /// (topmost) mount on `/`. `Ok(None)` when the table was read but no
    /// mount is `/` in it: the process chrooted into a directory below its
    /// root mount (sshd's privilege separation into /var/empty), which
    /// hides every mount that is not under it. A zombie has no mount table
    /// left (the kernel says EINVAL): `Unreadable`.
    ///
    /// The table is read a line at a time, as far as needed (the root is
    /// usually the first line):
    /// - the first line's mount is not in our table: then neither is the
    ///   process's root (what lies below our root we see whole), and that
    ///   first ID is the answer, so a table in another mount namespace,
    ///   however large a user made it, costs one small read;
    /// - a line on `/` whose mount is alone on its mount point in our
    ///   table: no other line of the process's table can be on `/`.
    ///
    /// Otherwise (a process chrooted below a mount, mounts stacked on one
    /// another, more than 4 KiB before the root) the whole table is read.
    pub fn root_of(&mut self, pid: i32) -> Got<Option<u64>> {
        // The kernel formats lines until a read is served: asking for less
        // than a line formats that line alone. Its first five fields (the
        // mount ID to the mount point) nearly always fit in this.
        const STEP: usize = 32;
        // not within this: read the whole table
        const HEAD: usize = 4096;
        let t0 = Instant::now();
        self.len = 0;
        let opened = self.open(&format!("/proc/{pid}/mountinfo"));
        let r = opened.and_then(|mut f| {
            // where the line being looked at starts
            let mut at = 0;
            loop {
                let line = &self.data()[at..];
                let says = match fields(line) {
                    Some(l) => self.ours.decides(l, at == 0),
                    None => Says::Next,
                };
                match says {
                    Says::Root(id) => return Ok(Some(id)),
                    Says::ReadAll => break,
                    Says::Next if fields(line).is_some() => {
                        if let Some(n) = line.iter().position(|&b| b == b'\n') {
                            at += n + 1;
                            continue;
                        }
                    }
                    Says::Next => {}
                }
                // more of the table
                if self.len >= HEAD {
                    break;
                }
                // 32, 512, 4096: few reads, few lines formatted past the root
                let asked = (16 * self.len).clamp(STEP, HEAD);
                if self.fill(&mut f, asked, false)? < asked {
                    // the whole table is in
                    return Ok(mountinfo::root_mount_id(self.data()));
                }
            }
            self.fill(&mut f, usize::MAX, false)?;
            Ok(mountinfo::root_mount_id(self.data()))
        });
        self.stats.mountinfo_reads += 1;
        self.stats.mountinfo_bytes += self.len;
        self.stats.mountinfo_time += t0.elapsed();
        classify(r)
    }

    /// /proc/PID/stat alone.
    pub fn stat_of(&mut self, pid: i32) -> Got<Stat> {
        match classify(self.slurp(&format!("/proc/{pid}/stat"), 4096)) {
            Got::Ok(_) => match stat::parse_bytes(self.data()) {
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
        let cmdline = match self.slurp(
            &format!("/proc/{pid}/cmdline"),
            crate::procfs::CMDLINE_MAX - 1,
        ) {
            Ok(_) => self.data().to_vec(),
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
    fn a_line_on_slash_decides_when_nothing_is_stacked() {
        let ours = crate::procfs::mountinfo::parse(
            b"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw - proc proc rw
800 22 0:80 / /pkg01 rw - tmpfs tmpfs rw
801 22 8:1 /srv / rw - ext4 /dev/sda1 rw
810 22 0:90 / /pkg02 rw - tmpfs tmpfs rw
811 810 0:91 / /pkg02 rw - tmpfs tmpfs rw
",
        );
        let own = OwnMounts::new(&ours);
        let says = |t: &'static [u8], first| own.decides(fields(t).unwrap(), first);
        use Says::*;
        // a package's process: its root first, shown as /
        assert_eq!(says(b"800 22 0:80 / / rw - tmpfs t rw\n", true), Root(800));
        // a table in another namespace: none of its IDs are ours
        assert_eq!(says(b"5 1 0:5 / / rw - ext4 x rw\n", true), Root(5));
        assert_eq!(says(b"5 1 0:5 / /y rw - ext4 x rw\n", true), Root(5));
        // not ours after a line that was: mounted since we looked
        assert_eq!(says(b"5 1 0:5 / /y rw - ext4 x rw\n", false), ReadAll);
        // a mount over our root, or a package root mounted twice: read on
        assert_eq!(says(b"22 1 8:1 / / rw - ext4 x rw\n", true), ReadAll);
        assert_eq!(says(b"810 22 0:90 / / rw - tmpfs t rw\n", false), ReadAll);
        // a mount below the root listed before it, or a process chrooted
        // below its root mount: the next line
        assert_eq!(says(b"23 22 0:21 / /proc rw - proc p rw\n", true), Next);
        assert_eq!(says(b"800 22 0:80 / / rw - tmpfs t rw\n", false), Root(800));
        assert_eq!(
            fields(b"25 1 0:22 / /a\\040b rw - ext4 x rw\n26").map(|l| l.1),
            Some(&b"/a\\040b"[..])
        );
        assert_eq!(fields(b"25 1 0:22 / /"), None, "the mount point may go on");
        assert_eq!(fields(b"25 1 0:22 / /a "), Some((25, &b"/a"[..])));
        assert_eq!(fields(b"25 1 0:22 /"), None);
        assert_eq!(fields(b"x 1 0:22 / / rw\n"), None);
    }

    /// Gives at most 100 bytes a read, as the kernel gives a page.
    struct Paged(io::Cursor<Vec<u8>>);

    impl Read for Paged {
        fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
            let n = b.len().min(100);
            self.0.read(&mut b[..n])
        }
    }

    #[test]
    fn a_table_served_a_page_a_read_is_read_whole() {
        let text: Vec<u8> = (0..1000).map(|i| b'0' + (i % 10) as u8).collect();
        let mut s = Scanner::new(&[]);
        let mut f = Paged(io::Cursor::new(text.clone()));
        assert_eq!(s.fill(&mut f, usize::MAX, false).unwrap(), 1000);
        assert_eq!(s.data(), &text[..]);
        s.len = 0;
        let mut f = Paged(io::Cursor::new(text.clone()));
        assert_eq!(s.fill(&mut f, 250, false).unwrap(), 250);
        s.len = 0;
        let mut f = Paged(io::Cursor::new(text));
        assert_eq!(s.fill(&mut f, 4096, true).unwrap(), 100, "short is the end");
        // larger than the buffer: it grows
        s.len = 0;
        let mut f = io::Cursor::new(vec![b'x'; 200_000]);
        assert_eq!(s.fill(&mut f, usize::MAX, false).unwrap(), 200_000);
    }

    #[test]
    fn reads_itself() {
        let own = crate::procfs::mount_table("/proc/self/mountinfo").unwrap();
        let mut s = Scanner::new(&own);
        let me = std::process::id() as i32;
        let root = crate::procfs::mountinfo::root_mount(&own).unwrap().id;
        assert!(matches!(s.root_of(me), Got::Ok(Some(id)) if id == root));
        // something else on our root's mount point: the table is read whole
        let mut stacked = own.clone();
        let mut other = crate::procfs::mountinfo::root_mount(&own).unwrap().clone();
        other.id = u64::MAX;
        stacked.push(other);
        let mut s = Scanner::new(&stacked);
        assert!(matches!(s.root_of(me), Got::Ok(Some(id)) if id == root));
        let whole = std::fs::read("/proc/self/mountinfo").unwrap().len();
        assert!(s.stats.mountinfo_bytes >= whole - 64, "{:?}", s.stats);
        // no table of ours: the first line is not ours, and the answer
        let mut s = Scanner::new(&[]);
        assert!(matches!(s.root_of(me), Got::Ok(Some(id)) if id == own[0].id));
        assert!(s.stats.mountinfo_bytes < whole.min(4096), "{:?}", s.stats);
        assert!(matches!(s.root_of(i32::MAX), Got::Gone));
        match s.proc_of(me) {
            Got::Ok(p) => {
                assert_eq!(p.stat.pid, me);
                assert!(!p.cmdline.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(s.proc_of(i32::MAX), Got::Gone));
    }
}
