//! `/proc/<pid>/stat`: the fields we need, safe against any `comm`.
//!
//! comm sits in parentheses and may itself hold spaces and `)`; the fields
//! after it start after the *last* `)`.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stat {
    pub pid: i32,
    pub comm: String,
    pub state: char,
    pub ppid: i32,
    pub pgrp: i32,
    pub session: i32,
    pub tty_nr: i32,
    pub utime: u64,
    pub stime: u64,
    pub starttime: u64,
}

pub fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    if close < open {
        return None;
    }
    let pid = text[..open].trim().parse().ok()?;
    let comm = text[open + 1..close].to_string();
    let rest: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // rest[0] is field 3 (state); field N is rest[N-3].
    let f = |n: usize| rest.get(n - 3).copied();
    Some(Stat {
        pid,
        comm,
        state: f(3)?.chars().next()?,
        ppid: f(4)?.parse().ok()?,
        pgrp: f(5)?.parse().ok()?,
        session: f(6)?.parse().ok()?,
        tty_nr: f(7)?.parse().ok()?,
        utime: f(14)?.parse().ok()?,
        stime: f(15)?.parse().ok()?,
        starttime: f(22)?.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain() {
        let l = "1234 (sshd) S 1 1234 1234 0 -1 4194560 1169 0 0 0 3 5 0 0 20 0 1 0 3461 15720448 1940 18446744073709551615 1 1 0 0 0 0 0 4096 81925 0 0 0 17 1 0 0 0 0 0";
        let s = parse_stat(l).unwrap();
        assert_eq!(
            (s.pid, s.comm.as_str(), s.state, s.ppid),
            (1234, "sshd", 'S', 1)
        );
        assert_eq!((s.utime, s.stime, s.starttime), (3, 5, 3461));
    }

    #[test]
    fn comm_with_paren_and_space() {
        let l = "77 (a) b) (c) R 5 77 77 34816 77 4194304 90 0 0 0 1 2 0 0 20 0 1 0 999 1 1 1";
        let s = parse_stat(l).unwrap();
        assert_eq!(s.comm, "a) b) (c");
        assert_eq!(
            (s.state, s.ppid, s.tty_nr, s.starttime),
            ('R', 5, 34816, 999)
        );
    }

    #[test]
    fn truncated() {
        assert_eq!(parse_stat("12 (x) S 1 2"), None);
        assert_eq!(parse_stat(""), None);
    }
}
