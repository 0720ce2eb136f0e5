//! Parsers of the cgroup counter files pkgstat reads (v1 and v2). Pure:
//! text in, numbers out; a line they do not know is skipped.

/// The value of `key` in a flat keyed file (`key value` lines: cpu.stat,
/// memory.events, memory.oom_control, pids.events, memory.stat).
pub fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let mut f = l.split_whitespace();
        (f.next()? == key).then_some(())?;
        f.next()?.parse().ok()
    })
}

/// A single number (pids.current, memory.usage_in_bytes, cpuacct.usage).
pub fn number(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// A limit file: `max` (v2), `-1` or a value at or above 2^62 (v1
/// memory's "unlimited", rounded to pages) mean no limit.
pub fn limit(text: &str) -> Option<u64> {
    let t = text.trim();
    if t == "max" || t == "-1" {
        return None;
    }
    t.parse::<u64>().ok().filter(|n| *n < 1 << 62)
}

/// CPU quota in parts per 10,000 of one CPU: v2 `cpu.max` ("max 100000",
/// "20000 100000").
pub fn cpu_max(text: &str) -> Option<u64> {
    let mut f = text.split_whitespace();
    let q: u64 = f.next()?.parse().ok()?;
    let p: u64 = f.next()?.parse().ok().filter(|p| *p > 0)?;
    Some(q * 10_000 / p)
}

/// The same from v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`.
pub fn cfs_quota(quota: &str, period: &str) -> Option<u64> {
    let q: i64 = quota.trim().parse().ok()?;
    let p: u64 = period.trim().parse().ok().filter(|p| *p > 0)?;
    (q > 0).then(|| q as u64 * 10_000 / p)
}

/// Bytes read and written: v1 `blkio.throttle.io_service_bytes_recursive`
/// (`MAJ:MIN Read N` lines; the `Total` lines are left out).
pub fn blkio_bytes(text: &str) -> (u64, u64) {
    let (mut r, mut w) = (0u64, 0u64);
    for l in text.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() != 3 || !f[0].contains(':') {
            continue;
        }
        let Ok(n) = f[2].parse::<u64>() else { continue };
        match f[1] {
            "Read" => r = r.saturating_add(n),
            "Write" => w = w.saturating_add(n),
            _ => {}
        }
    }
    (r, w)
}

/// The same from v2 `io.stat` (`MAJ:MIN rbytes=N wbytes=N ...`).
pub fn io_stat_bytes(text: &str) -> (u64, u64) {
    let (mut r, mut w) = (0u64, 0u64);
    for l in text.lines() {
        for kv in l.split_whitespace().skip(1) {
            let Some((k, v)) = kv.split_once('=') else {
                continue;
            };
            let Ok(n) = v.parse::<u64>() else { continue };
            match k {
                "rbytes" => r = r.saturating_add(n),
                "wbytes" => w = w.saturating_add(n),
                _ => {}
            }
        }
    }
    (r, w)
}

/// The pids of a `cgroup.procs` file.
pub fn pids(text: &str) -> Vec<i32> {
    text.lines().filter_map(|l| l.trim().parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_from_this_kernel() {
        // memory.oom_control of a v1 cgroup after one OOM kill (6.18)
        let oom = "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n";
        assert_eq!(keyed(oom, "oom_kill"), Some(1));
        assert_eq!(keyed(oom, "oom"), None);
        // v2 memory.events
        let ev = "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n";
        assert_eq!(keyed(ev, "oom_kill"), Some(1));
        // v2 cpu.stat without the cpu controller (hybrid node)
        let cs = "usage_usec 1110289\nuser_usec 1070633\nsystem_usec 39656\n";
        assert_eq!(keyed(cs, "usage_usec"), Some(1_110_289));
        assert_eq!(keyed("max 21\n", "max"), Some(21));
        assert_eq!(number("20\n"), Some(20));
        assert_eq!(limit("max\n"), None);
        assert_eq!(limit("9223372036854771712\n"), None);
        assert_eq!(limit("67108864\n"), Some(67_108_864));
        assert_eq!(limit("40\n"), Some(40));
        assert_eq!(cpu_max("max 100000\n"), None);
        assert_eq!(cpu_max("150000 100000\n"), Some(15_000));
        assert_eq!(cfs_quota("-1\n", "100000\n"), None);
        assert_eq!(cfs_quota("20000\n", "100000\n"), Some(2_000));
        let blk = "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Discard 0\n8:0 Total 12288\n\
                   8:16 Read 1\n8:16 Write 2\nTotal 12291\n";
        assert_eq!(blkio_bytes(blk), (4097, 8194));
        let io = "8:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n\
                  253:0 rbytes=1 wbytes=1 rios=1 wios=1 dbytes=0 dios=0\n";
        assert_eq!(io_stat_bytes(io), (1025, 2049));
        assert_eq!(pids("12\n34\n\n"), [12, 34]);
    }

    #[test]
    fn damage_is_skipped() {
        assert_eq!(keyed("oom_kill\noom_kill x\n", "oom_kill"), None);
        assert_eq!(blkio_bytes("8:0 Read\nRead 5 6\n8:0 Read -1\n"), (0, 0));
        assert_eq!(io_stat_bytes("8:0 rbytes rbytes=x =5\n"), (0, 0));
        assert_eq!(cpu_max("150000 0"), None);
        assert_eq!(pids("a\n-\n7"), [7]);
    }
}
