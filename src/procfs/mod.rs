//! Everything pcue reads under /proc, in one place: the process list and
//! the parent links, a process's `stat`, its sockets and real uid, mount
//! tables, the TCP tables, the boot time and uptime, the tty drivers. The
//! texts are parsed by pure modules (`stat`, `net_tcp`, `mountinfo`,
//! `tty`). What a peer tool would print from them (ps, df, pkgps's
//! listing pass) is in `crate::view`, which imports this layer, never the
//! other way.

pub mod mountinfo;
pub mod net_tcp;
pub mod stat;
pub mod tty;

use mountinfo::Mount;
pub use stat::Stat;
use std::fs;
use std::io::{self, Read};

/// When the node booted and how long ago: `btime` of /proc/stat (seconds
/// since the epoch) and the first number of /proc/uptime (seconds), what
/// turns a process's start in clock ticks into a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Boot {
    pub btime: u64,
    pub uptime: f64,
}

/// /proc/stat and /proc/uptime read and parsed.
pub fn boot() -> crate::error::Result<Boot> {
    use crate::error::Error;
    let read = |p: &str| fs::read_to_string(p).map_err(|e| Error::io("read", p, &e));
    let btime =
        btime(&read("/proc/stat")?).ok_or_else(|| Error::fail("no btime in '/proc/stat'"))?;
    let uptime =
        uptime(&read("/proc/uptime")?).ok_or_else(|| Error::fail("can't parse '/proc/uptime'"))?;
    Ok(Boot { btime, uptime })
}

/// The `btime` line of /proc/stat's text.
pub fn btime(stat: &str) -> Option<u64> {
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

/// The first number of /proc/uptime's text (seconds since boot).
pub fn uptime(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// The most bytes of /proc/PID/cmdline that procps-ng's library reads,
/// less one (what ps shows at most).
pub const CMDLINE_MAX: usize = 2 * 64 * 1024;

/// The tty drivers of /proc/tty/drivers; none when it cannot be read.
pub fn tty_drivers() -> Vec<tty::TtyDriver> {
    fs::read_to_string("/proc/tty/drivers")
        .map(|t| tty::parse(&t))
        .unwrap_or_default()
}

/// The numeric entries of /proc, in directory order (ascending pids, as ps
/// lists them).
pub fn pids() -> io::Result<Vec<i32>> {
    let mut v = Vec::new();
    for e in fs::read_dir("/proc")? {
        let Ok(e) = e else { continue };
        if let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) {
            if pid > 0 {
                v.push(pid);
            }
        }
    }
    Ok(v)
}

/// `/proc/PID/stat` read and parsed; None when the process is gone (or
/// its file cannot be read).
pub fn read_stat(pid: i32) -> Option<Stat> {
    // bytes: a command name may hold any byte but NUL
    stat::parse_bytes(&fs::read(format!("/proc/{pid}/stat")).ok()?)
}

/// The direct children of `ppid` that exist now, in pid order.
pub fn children(ppid: i32) -> Vec<i32> {
    pids()
        .unwrap_or_default()
        .into_iter()
        .filter(|&pid| read_stat(pid).is_some_and(|s| s.ppid == ppid))
        .collect()
}

/// Where `/proc/PID/NAME` points (`root`, `cwd`, `exe`); None when it
/// cannot be followed (gone, or another user's process).
pub fn link(pid: i32, name: &str) -> Option<std::path::PathBuf> {
    fs::read_link(format!("/proc/{pid}/{name}")).ok()
}

/// The real uid of `pid`, from `/proc/PID/status`.
pub fn real_uid(pid: i32) -> Option<u32> {
    status_uids(&fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// The real uid of a `/proc/PID/status` text (its `Uid:` line).
pub fn status_uids(status: &str) -> Option<u32> {
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The `NSpid:` line of a `/proc/PID/status` text: the process's pid in
/// each pid namespace from the one of that /proc down to its own. More
/// than one field: it is in a pid namespace below that of the /proc read.
pub fn nspid(status: &str) -> Option<Vec<i32>> {
    let v: Vec<i32> = status
        .lines()
        .find_map(|l| l.strip_prefix("NSpid:"))?
        .split_whitespace()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    (!v.is_empty()).then_some(v)
}

/// The inodes of the sockets among `pid`'s descriptors; None when they
/// may not be read (another user's process, without
/// ptrace rights on it).
pub fn socket_inodes(pid: i32) -> Option<Vec<u64>> {
    let rd = fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    let inodes = rd
        .flatten()
        .filter_map(|e| fs::read_link(e.path()).ok())
        .filter_map(|l| {
            let l = l.to_str()?;
            l.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
        })
        .collect();
    Some(inodes)
}

/// Every TCP socket of our network namespace, IPv4 and IPv6.
pub fn tcp_sockets() -> Vec<net_tcp::Socket> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|p| fs::read_to_string(p).ok())
        .flat_map(|t| net_tcp::parse(&t))
        .collect()
}

/// A whole mount table, e.g. `/proc/self/mountinfo`.
pub fn mount_table(path: &str) -> io::Result<Vec<Mount>> {
    // one buffer sized for a busy node: procfs gives no size
    let mut bytes = Vec::with_capacity(256 * 1024);
    fs::File::open(path)?.read_to_end(&mut bytes)?;
    Ok(mountinfo::parse(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nspid_and_uid_lines() {
        let s = "Name:\tsleep\nUid:\t4242\t4242\t4242\t4242\nNSpid:\t64\t7\n";
        assert_eq!(nspid(s), Some(vec![64, 7]));
        assert_eq!(status_uids(s), Some(4242));
        assert_eq!(nspid("NSpid:\t1\n"), Some(vec![1]));
        assert_eq!(nspid("NSpid:\n"), None);
        assert_eq!(nspid("NSpid:\t1\tx\n"), None);
        assert_eq!(nspid("Name:\tx\n"), None);
    }

    #[test]
    fn boot_numbers_from_real_texts() {
        // a 6.8 kernel's /proc/stat (cpu lines cut) and /proc/uptime
        let stat = "cpu  10132153 290696 3084719 46828483 16683 0 25195 0 0 0\n\
                    intr 1462898 0 9 0 0\nctxt 2159427\nbtime 1764582393\n\
                    processes 82375\nprocs_running 2\n";
        assert_eq!(btime(stat), Some(1764582393));
        assert_eq!(btime("cpu 1 2 3\nbtime x\n"), None);
        assert_eq!(btime("processes 1\n"), None);
        assert_eq!(uptime("350735.47 234388.90\n"), Some(350735.47));
        assert_eq!(uptime(""), None);
        assert_eq!(uptime("up 3\n"), None);
    }
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    /// A process whose name is not UTF-8 is still read (getcpkg's parent
    /// walk, pkginit's shutdown and telinit depend on it).
    #[test]
    fn read_stat_of_a_process_with_a_latin1_name() {
        use std::os::unix::ffi::OsStrExt;
        let dir = std::env::temp_dir().join(format!("pcue-comm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let exe = dir.join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
        std::fs::copy("/bin/sleep", &exe).unwrap();
        let mut child = Command::new(&exe).arg("10").spawn().unwrap();
        let pid = child.id() as i32;
        // the name changes at exec: wait for it (bounded)
        let mut seen = None;
        for _ in 0..200 {
            seen = read_stat(pid).map(|s| s.comm_raw);
            if seen.as_deref() == Some(b"caf\xe9") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(seen.as_deref(), Some(&b"caf\xe9"[..]));
    }

    /// The child walk finds a child and not its own child (pkginit's
    /// shutdown signals only what it started).
    #[test]
    fn children_are_direct_children_only() {
        let me = std::process::id() as i32;
        let mut sh = Command::new("/bin/sh")
            .args(["-c", "sleep 30 & echo $!; wait"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        io::BufReader::new(sh.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let grandchild: i32 = line.trim().parse().unwrap();
        let kids = children(me);
        let gkids = children(sh.id() as i32);
        let killed = Command::new("kill")
            .args(["-9", &grandchild.to_string()])
            .status()
            .unwrap();
        sh.wait().unwrap();
        assert!(killed.success());
        assert!(kids.contains(&(sh.id() as i32)), "{kids:?}");
        assert!(!kids.contains(&grandchild), "{kids:?}");
        assert_eq!(gkids, vec![grandchild]);
        assert!(!children(me).contains(&(sh.id() as i32)), "reaped");
    }

    #[test]
    fn own_process_is_listed_and_read() {
        let me = std::process::id() as i32;
        assert!(pids().unwrap().contains(&me));
        assert_eq!(read_stat(me).map(|s| s.pid), Some(me));
        let id = Command::new("id").arg("-ru").output().unwrap().stdout;
        let uid = String::from_utf8(id).unwrap().trim().parse().ok();
        assert_eq!(real_uid(me), uid);
        assert_eq!(read_stat(i32::MAX), None);
        assert_eq!(link(me, "cwd"), std::env::current_dir().ok());
        assert_eq!(link(i32::MAX, "cwd"), None);
        let own = mount_table("/proc/self/mountinfo").unwrap();
        assert!(
            mountinfo::root_mount(&own).is_some(),
            "our own table has a root"
        );
    }
}
