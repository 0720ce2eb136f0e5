//! The text of `/proc/PID/stat` (pure): the fields we need, safe against
//! any `comm`. comm sits in parentheses and may itself hold spaces and `)`;
//! the fields after it start after the *last* `)`.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stat {
    pub pid: i32,
    /// comm, lossily decoded (for messages and matching).
    pub comm: String,
    /// comm as the kernel gave it (for faithful escaping, as ps does).
    pub comm_raw: Vec<u8>,
    pub state: char,
    pub ppid: i32,
    pub pgrp: i32,
    pub session: i32,
    pub tty_nr: i32,
    pub tpgid: i32,
    pub utime: u64,
    pub stime: u64,
    /// Kernel priority (field 18): 20 + nice for normal tasks.
    pub priority: i64,
    pub nice: i64,
    pub num_threads: i64,
    /// Clock ticks after boot.
    pub starttime: u64,
    /// Virtual memory size in bytes.
    pub vsize: u64,
    /// Resident set size in pages.
    pub rss: i64,
}

/// A `/proc/PID/stat` text as read: comm may hold any byte but NUL and is
/// kept raw.
pub fn parse_bytes(b: &[u8]) -> Option<Stat> {
    let open = b.iter().position(|&c| c == b'(')?;
    let close = b.iter().rposition(|&c| c == b')')?;
    if close < open {
        return None;
    }
    let pid = std::str::from_utf8(&b[..open]).ok()?.trim().parse().ok()?;
    let comm_raw = b[open + 1..close].to_vec();
    let comm = String::from_utf8_lossy(&comm_raw).into_owned();
    let rest = std::str::from_utf8(&b[close + 1..]).ok()?;
    let rest: Vec<&str> = rest.split_ascii_whitespace().collect();
    // rest[0] is field 3 (state); field N is rest[N-3].
    let f = |n: usize| rest.get(n - 3).copied();
    Some(Stat {
        pid,
        comm,
        comm_raw,
        state: f(3)?.chars().next()?,
        ppid: f(4)?.parse().ok()?,
        pgrp: f(5)?.parse().ok()?,
        session: f(6)?.parse().ok()?,
        tty_nr: f(7)?.parse().ok()?,
        tpgid: f(8)?.parse().ok()?,
        utime: f(14)?.parse().ok()?,
        stime: f(15)?.parse().ok()?,
        priority: f(18)?.parse().ok()?,
        nice: f(19)?.parse().ok()?,
        num_threads: f(20)?.parse().ok()?,
        starttime: f(22)?.parse().ok()?,
        vsize: f(23)?.parse().ok()?,
        rss: f(24)?.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<Stat> {
        parse_bytes(text.as_bytes())
    }

    #[test]
    fn plain() {
        let l = "1234 (sshd) S 1 1234 1234 0 -1 4194560 1169 0 0 0 3 5 0 0 20 0 1 0 3461 15720448 1940 18446744073709551615 1 1 0 0 0 0 0 4096 81925 0 0 0 17 1 0 0 0 0 0";
        let s = parse(l).unwrap();
        assert_eq!(
            (s.pid, s.comm.as_str(), s.state, s.ppid),
            (1234, "sshd", 'S', 1)
        );
        assert_eq!((s.utime, s.stime, s.starttime), (3, 5, 3461));
        assert_eq!((s.priority, s.nice, s.num_threads), (20, 0, 1));
        assert_eq!((s.vsize, s.rss, s.tpgid), (15720448, 1940, -1));
    }

    #[test]
    fn real_line_from_linux_6() {
        // /proc/self/stat of `cat` on Linux 6.18
        let l = "2314 (cat) R 2312 2312 5565 0 -1 4194304 103 0 0 0 0 0 0 0 20 0 1 0 93382 3133440 387 18446744073709551615 94582498254848 94582498274729 140728818623328 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 94582498290736 94582498292352 94583408996352 140728818629332 140728818629352 140728818629352 140728818630635 0\n";
        let s = parse(l).unwrap();
        assert_eq!((s.pid, s.ppid, s.session, s.tty_nr), (2314, 2312, 5565, 0));
        assert_eq!((s.starttime, s.vsize, s.rss), (93382, 3133440, 387));
        // a niced multi-threaded task: priority 39, nice 19, 4 threads
        let n = "9 (w) S 1 9 9 34817 9 0 0 0 0 0 7 1 0 0 39 19 4 0 50 1 1 1";
        let s = parse(n).unwrap();
        assert_eq!(
            (s.priority, s.nice, s.num_threads, s.tty_nr),
            (39, 19, 4, 34817)
        );
    }

    #[test]
    fn raw_comm_bytes_survive() {
        let l = b"5 (a\xff) b\tc) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 1 1 1".to_vec();
        let s = parse_bytes(&l).unwrap();
        assert_eq!(s.comm_raw, b"a\xff) b\tc");
        assert_eq!(s.comm, "a\u{fffd}) b\tc");
        assert_eq!((s.state, s.starttime), ('S', 9));
    }

    #[test]
    fn comm_with_paren_and_space() {
        let l = "77 (a) b) (c) R 5 77 77 34816 77 4194304 90 0 0 0 1 2 0 0 20 0 1 0 999 1 1 1";
        let s = parse(l).unwrap();
        assert_eq!(s.comm, "a) b) (c");
        assert_eq!(
            (s.state, s.ppid, s.tty_nr, s.starttime),
            ('R', 5, 34816, 999)
        );
    }

    #[test]
    fn truncated() {
        assert_eq!(parse("12 (x) S 1 2"), None);
        assert_eq!(parse(""), None);
    }
}
