//! pkgstat — resource use of each package, from its cgroup.

use crate::args;
use crate::cgroup::{self, resources::human_bytes, Cgroup, Sample};
use crate::error::{Error, Result};
use argh::{ArgsInfo, FromArgs};
use std::ffi::OsString;
use std::io::Write;
use std::time::{Duration, Instant};

pub const HELP: &str = "\
NAME
    pkgstat - resource use of each package: processes, CPU, memory, tasks, I/O
SYNOPSIS
    pkgstat [-r] [-s KEY] [-p PKG] [INTERVAL [COUNT]]
DESCRIPTION
    Print one line per package running on this node, read from the
    package's cgroup (made at package start by mkpcue --cgroup, named in
    /run/pcue/cgroup/PKG), in the spirit of prstat -Z and systemd-cgtop:
      PACKAGE  the package.
      NPROC    processes in the package's cgroup (pkgps -p PKG lists the
               same processes).
      CPU%     CPU used over the interval, in percent of one CPU (up to 100
               times the number of CPUs: the scale of CPUQuota=), then
               /QUOTA% where a CPUQuota= is set.
      TIME     CPU time used since the cgroup was made, [H:]MM:SS.
      MEMORY   memory charged to the package (its processes' pages and the
               page cache they caused), then /LIMIT where MemoryMax= is set.
      MEM%     MEMORY in percent of the node's memory.
      TASKS    tasks (threads) in the package, then /LIMIT where TasksMax=
               is set.
      READ/s, WRITE/s  bytes per second read from and written to block
               devices (a network filesystem's I/O is not counted).
      OOM      processes of the package the OOM killer ended (MemoryMax=).
    Without INTERVAL, CPU%, READ/s and WRITE/s are averages since the
    package's cgroup was made; with INTERVAL (seconds), pkgstat prints a
    report every INTERVAL seconds, COUNT times (without COUNT until it is
    interrupted), each after the first over the last interval. Lines are
    sorted by CPU% (highest first), then by name. A last line sums the
    packages and gives the node's CPUs and memory. A figure this node does
    not count (no such controller) is printed as -.
    Any user may run pkgstat: it reads only world-readable cgroup files.
    Inside a package there is no record: no line.
OPTIONS
    -p PKG  Only package PKG; exit status 1 when it has no cgroup here.
    -s KEY  Sort by cpu (default), time, mem, tasks, nproc, io or name.
    -r  Machine-readable: tab-separated fields with a header line (once),
        raw numbers, - for none: package nproc cpu_pct cpu_usec
        cpu_quota_pct mem_bytes mem_max_bytes mem_pct tasks tasks_max
        read_bytes write_bytes read_bps write_bps oom_kills since (the
        cgroup's creation time, seconds since the epoch).
EXIT STATUS
    0   Success.
    1   -p PKG has no cgroup on this node, or its record is not safe; or
        standard output could not be written (a closed pipe: silently).
    2   Bad arguments.
FILES
    /run/pcue/cgroup/PKG  The record of PKG's cgroup, written at package
        start by mkpcue --cgroup, removed at stop by mkpcue --cgroup-remove.
    /sys/fs/cgroup/...  The counters: cgroup.procs, pids.current, pids.max
        (a package without TasksMax= has no pids cgroup: the memory
        cgroup's tasks, counted), memory.usage_in_bytes,
        memory.limit_in_bytes, memory.oom_control,
        cpu.cfs_quota_us (only with a CPU limit),
        blkio.throttle.io_service_bytes_recursive (cgroup v1); cpu.stat
        (CPU time, also in the unified hierarchy of a hybrid node),
        memory.current, memory.max, memory.events, pids.*, io.stat, cpu.max
        (cgroup v2); cpuacct.usage only on a node without cgroup v2.
SEE ALSO
    pkgps(8), mkpcue(8), prstat(1M), systemd-cgtop(1)
";

#[derive(FromArgs, ArgsInfo)]
#[argh(help_triggers("--help"))]
/// Resource use of each package.
struct Args {
    /// only this package
    #[argh(option, short = 'p')]
    pkg: Option<String>,
    /// sort key
    #[argh(option, short = 's')]
    sort: Option<String>,
    /// machine-readable output
    #[argh(switch, short = 'r')]
    raw: bool,
    /// interval and count
    #[argh(positional)]
    operands: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Cpu,
    Time,
    Mem,
    Tasks,
    Nproc,
    Io,
    Name,
}

/// One package's line: the sample and the rates over the interval.
struct Line {
    pkg: String,
    since: i64,
    s: Sample,
    /// percent of one CPU, × 100
    cpu: Option<u64>,
    read_bps: Option<u64>,
    write_bps: Option<u64>,
}

fn number(v: &str, what: &str) -> Result<u64> {
    v.parse::<u64>()
        .ok()
        .filter(|n| *n > 0 && v.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| Error::usage(format!("bad {what} '{v}'")))
}

pub fn main(argv: &[OsString]) -> Result<i32> {
    let a: Args = args::parse("pkgstat", HELP, argv)?;
    let key = match a.sort.as_deref().unwrap_or("cpu") {
        "cpu" => Key::Cpu,
        "time" => Key::Time,
        "mem" => Key::Mem,
        "tasks" => Key::Tasks,
        "nproc" => Key::Nproc,
        "io" => Key::Io,
        "name" => Key::Name,
        k => return Err(Error::usage(format!("bad sort key '{k}'"))),
    };
    if a.operands.len() > 2 {
        return Err(Error::usage(format!("extra operand '{}'", a.operands[2])));
    }
    let interval = a
        .operands
        .first()
        .map(|v| number(v, "interval"))
        .transpose()?;
    let count = a.operands.get(1).map(|v| number(v, "count")).transpose()?;
    if let Some(p) = &a.pkg {
        crate::package::name::check(p)?;
    }
    let (mem_total, ncpu) = cgroup::node();
    let mut out = std::io::stdout().lock();
    let mut prev: Vec<(String, Sample)> = Vec::new();
    let mut at = Instant::now();
    let mut n = 0u64;
    loop {
        let groups = collect(a.pkg.as_deref())?;
        let now = Instant::now();
        let dt_us = now.duration_since(at).as_micros() as u64;
        let wall = crate::sys::time::now();
        let mut lines: Vec<Line> = groups
            .into_iter()
            .map(|c| {
                let s = cgroup::sample(&c);
                let before = prev.iter().find(|(p, _)| *p == c.pkg).map(|(_, s)| s);
                // the first report: since the cgroup was made
                let (base, span_us) = match before {
                    Some(b) if dt_us > 0 => (b.clone(), dt_us),
                    _ => (
                        Sample {
                            cpu_usec: Some(0),
                            io_read: Some(0),
                            io_write: Some(0),
                            ..Sample::default()
                        },
                        ((wall - c.since).max(1) as u64) * 1_000_000,
                    ),
                };
                let rate = |x: Option<u64>, y: Option<u64>, scale: u64| {
                    Some(x?.saturating_sub(y?) * scale / span_us.max(1))
                };
                Line {
                    cpu: rate(s.cpu_usec, base.cpu_usec, 10_000),
                    read_bps: rate(s.io_read, base.io_read, 1_000_000),
                    write_bps: rate(s.io_write, base.io_write, 1_000_000),
                    pkg: c.pkg,
                    since: c.since,
                    s,
                }
            })
            .collect();
        sort(&mut lines, key);
        let text = if a.raw {
            raw(&lines, mem_total, n == 0)
        } else {
            table(&lines, mem_total, ncpu, n > 0)
        };
        out.write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| crate::out::write_error(&e))?;
        n += 1;
        let Some(iv) = interval else { break };
        if count.is_some_and(|c| n >= c) {
            break;
        }
        prev = lines.into_iter().map(|l| (l.pkg, l.s)).collect();
        at = now;
        std::thread::sleep(Duration::from_secs(iv));
    }
    Ok(0)
}

fn collect(only: Option<&str>) -> Result<Vec<Cgroup>> {
    if let Some(p) = only {
        return match cgroup::record(p)? {
            Some(c) => Ok(vec![c]),
            None => Err(Error::fail(format!(
                "package '{p}' has no cgroup on this node"
            ))),
        };
    }
    let mut v = Vec::new();
    for r in cgroup::records() {
        match r {
            Ok(c) => v.push(c),
            Err(e) => log::warn!("{}", e.msg),
        }
    }
    Ok(v)
}

fn sort(lines: &mut [Line], key: Key) {
    let k = |l: &Line| -> u64 {
        match key {
            Key::Cpu => l.cpu.unwrap_or(0),
            Key::Time => l.s.cpu_usec.unwrap_or(0),
            Key::Mem => l.s.mem.unwrap_or(0),
            Key::Tasks => l.s.tasks.unwrap_or(0),
            Key::Nproc => l.s.pids.len() as u64,
            Key::Io => l.read_bps.unwrap_or(0) + l.write_bps.unwrap_or(0),
            Key::Name => 0,
        }
    };
    lines.sort_by(|a, b| k(b).cmp(&k(a)).then_with(|| a.pkg.cmp(&b.pkg)));
}

fn opt(v: Option<u64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_else(|| "-".into())
}

/// Parts per 10,000 as a percentage with one decimal.
fn pct(p: u64) -> String {
    format!("{}.{}", p / 100, (p % 100) / 10)
}

fn mem_pct(mem: Option<u64>, total: u64) -> Option<u64> {
    let m = mem?;
    (total > 0).then(|| (m as u128 * 10_000 / total as u128) as u64)
}

fn raw(lines: &[Line], mem_total: u64, header: bool) -> String {
    let mut s = String::new();
    if header {
        s.push_str(
            "package\tnproc\tcpu_pct\tcpu_usec\tcpu_quota_pct\tmem_bytes\tmem_max_bytes\tmem_pct\t\
             tasks\ttasks_max\tread_bytes\twrite_bytes\tread_bps\twrite_bps\toom_kills\tsince\n",
        );
    }
    for l in lines {
        let f = [
            l.pkg.clone(),
            l.s.pids.len().to_string(),
            l.cpu.map(pct).unwrap_or_else(|| "-".into()),
            opt(l.s.cpu_usec),
            l.s.cpu_quota.map(pct).unwrap_or_else(|| "-".into()),
            opt(l.s.mem),
            opt(l.s.mem_max),
            mem_pct(l.s.mem, mem_total)
                .map(pct)
                .unwrap_or_else(|| "-".into()),
            opt(l.s.tasks),
            opt(l.s.tasks_max),
            opt(l.s.io_read),
            opt(l.s.io_write),
            opt(l.read_bps),
            opt(l.write_bps),
            opt(l.s.oom_kills),
            l.since.to_string(),
        ];
        s.push_str(&f.join("\t"));
        s.push('\n');
    }
    s
}

/// Bytes for people: 512, 1.5K, 64M, 2.0G.
fn size(n: u64) -> String {
    if n < 1024 {
        return n.to_string();
    }
    let exact = human_bytes(n);
    if exact.len() <= 4 && !exact.bytes().last().is_some_and(|b| b.is_ascii_digit()) {
        return exact;
    }
    let mut v = n as f64;
    for u in ["K", "M", "G", "T"] {
        v /= 1024.0;
        if v < 1024.0 || u == "T" {
            return format!("{v:.1}{u}");
        }
    }
    n.to_string()
}

fn time(usec: u64) -> String {
    let s = usec / 1_000_000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn with_limit(v: String, limit: Option<String>) -> String {
    match limit {
        Some(l) => format!("{v}/{l}"),
        None => v,
    }
}

fn table(lines: &[Line], mem_total: u64, ncpu: u64, gap: bool) -> String {
    let mut rows: Vec<Vec<String>> = vec![[
        "PACKAGE", "NPROC", "CPU%", "TIME", "MEMORY", "MEM%", "TASKS", "READ/s", "WRITE/s", "OOM",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()];
    let (mut procs, mut tasks) = (0usize, 0u64);
    for l in lines {
        procs += l.s.pids.len();
        tasks += l.s.tasks.unwrap_or(0);
        let dash = || "-".to_string();
        rows.push(vec![
            l.pkg.clone(),
            l.s.pids.len().to_string(),
            with_limit(
                l.cpu.map(pct).unwrap_or_else(dash),
                l.s.cpu_quota
                    .map(|q| format!("{}%", pct(q).trim_end_matches(".0"))),
            ),
            l.s.cpu_usec.map(time).unwrap_or_else(dash),
            with_limit(
                l.s.mem.map(size).unwrap_or_else(dash),
                l.s.mem_max.map(size),
            ),
            mem_pct(l.s.mem, mem_total).map(pct).unwrap_or_else(dash),
            with_limit(opt(l.s.tasks), l.s.tasks_max.map(|t| t.to_string())),
            l.read_bps.map(size).unwrap_or_else(dash),
            l.write_bps.map(size).unwrap_or_else(dash),
            opt(l.s.oom_kills),
        ]);
    }
    let mut width = vec![0; rows[0].len()];
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            width[i] = width[i].max(c.len());
        }
    }
    let mut s = String::new();
    if gap {
        s.push('\n');
    }
    for r in &rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i == 0 {
                line.push_str(&format!("{c:<w$}", w = width[0]));
            } else {
                line.push_str(&format!(" {c:>w$}", w = width[i]));
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s.push_str(&format!(
        "Total: {} package{}, {procs} process{}, {tasks} task{}; node: {ncpu} CPU{}, {} memory\n",
        lines.len(),
        if lines.len() == 1 { "" } else { "s" },
        if procs == 1 { "" } else { "es" },
        if tasks == 1 { "" } else { "s" },
        if ncpu == 1 { "" } else { "s" },
        size(mem_total)
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(pkg: &str, cpu: u64) -> Line {
        Line {
            pkg: pkg.into(),
            since: 0,
            s: Sample {
                pids: vec![1, 2],
                tasks: Some(3),
                tasks_max: Some(40),
                cpu_usec: Some(61_500_000),
                mem: Some(3 << 20),
                mem_max: Some(64 << 20),
                oom_kills: Some(1),
                ..Sample::default()
            },
            cpu: Some(cpu),
            read_bps: None,
            write_bps: None,
        }
    }

    #[test]
    fn a_table_with_limits_beside_the_figures() {
        let mut l = vec![line("pkg02", 120), line("pkg01", 2500)];
        sort(&mut l, Key::Cpu);
        let t = table(&l, 1 << 30, 2, false);
        assert_eq!(
            t,
            "PACKAGE NPROC CPU% TIME MEMORY MEM% TASKS READ/s WRITE/s OOM\n\
             pkg01       2 25.0 1:01 3M/64M  0.2  3/40      -       -   1\n\
             pkg02       2  1.2 1:01 3M/64M  0.2  3/40      -       -   1\n\
             Total: 2 packages, 4 processes, 6 tasks; node: 2 CPUs, 1G memory\n"
        );
        let r = raw(&l[..1], 1 << 30, true);
        assert_eq!(
            r.lines().nth(1),
            Some("pkg01\t2\t25.0\t61500000\t-\t3145728\t67108864\t0.2\t3\t40\t-\t-\t-\t-\t1\t0")
        );
        assert_eq!(size(1536), "1.5K");
        assert_eq!(size(200 << 20), "200M");
        assert_eq!(time(3_723_000_000), "1:02:03");
    }
}
