//! A package's resource limits: the directives of `/etc/pcue/resources`
//! (a subset of systemd.resource-control(5)) and the cluster's overrides,
//! and what they become in cgroup v1 and v2 files. Pure: text in, limits
//! and file writes out.
//!
//! | directive      | value                                  | v2 file         | v1 file                      |
//! |----------------|----------------------------------------|-----------------|------------------------------|
//! | `CPUQuota=`    | `N%` (may exceed 100: several CPUs)    | `cpu.max`       | `cpu.cfs_quota_us` (period 100 ms) |
//! | `CPUWeight=`   | 1–10000 (default 100)                  | `cpu.weight`    | `cpu.shares` (× 1024 / 100)  |
//! | `MemoryMax=`   | bytes, K/M/G/T (1024), `N%` of RAM     | `memory.max`    | `memory.limit_in_bytes`      |
//! | `MemoryHigh=`  | as MemoryMax                           | `memory.high`   | none (v1 has no throttle)    |
//! | `TasksMax=`    | a count, `N%` of kernel.pid_max        | `pids.max`      | `pids.max`                   |
//! | `IOWeight=`    | 1–10000 (default 100)                  | `io.weight`     | `blkio.weight` (× 5, 10–1000)|
//! | `Limits=`      | `required` (default) or `best-effort`  | —               | —                            |
//!
//! `infinity` or an empty value means no limit (and clears a limit set
//! before, as in systemd). `Limits=best-effort` starts the package even
//! where a limit cannot be enforced (its controller is missing).

use std::fmt;

/// An amount that may be relative to the node (RAM, pid_max).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amount {
    Abs(u64),
    /// Parts per 10,000 of the node's figure.
    Permyriad(u64),
}

impl Amount {
    pub fn resolve(self, whole: u64) -> u64 {
        match self {
            Amount::Abs(n) => n,
            Amount::Permyriad(p) => ((whole as u128 * p as u128) / 10_000) as u64,
        }
    }
}

/// The limits of one package. `None`: no limit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// CPU time per 100 ms period, in µs (150% → 150000).
    pub cpu_quota: Option<u64>,
    pub cpu_weight: Option<u64>,
    pub memory_max: Option<Amount>,
    pub memory_high: Option<Amount>,
    pub tasks_max: Option<Amount>,
    pub io_weight: Option<u64>,
    pub best_effort: bool,
}

/// The CFS period pcue uses (systemd's default too), µs.
pub const PERIOD_US: u64 = 100_000;

/// `N%` or `N.NN%` → parts per 10,000.
fn percent(v: &str) -> Option<u64> {
    let n = v.strip_suffix('%')?;
    let (int, frac) = match n.split_once('.') {
        Some((i, f)) => (i, f),
        None => (n, ""),
    };
    if int.is_empty() || frac.len() > 2 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let i: u64 = int.parse().ok()?;
    let f: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    i.checked_mul(100)?.checked_add(f)
}

/// Bytes with an optional K, M, G, T suffix (powers of 1024).
fn bytes(v: &str) -> Option<u64> {
    let (num, mult) = match v.as_bytes().last()? {
        b'K' | b'k' => (&v[..v.len() - 1], 1u64 << 10),
        b'M' | b'm' => (&v[..v.len() - 1], 1 << 20),
        b'G' | b'g' => (&v[..v.len() - 1], 1 << 30),
        b'T' | b't' => (&v[..v.len() - 1], 1 << 40),
        _ => (v, 1),
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num.parse::<u64>().ok()?.checked_mul(mult)
}

fn weight(v: &str) -> Option<u64> {
    let n: u64 = v
        .parse()
        .ok()
        .filter(|_| v.bytes().all(|b| b.is_ascii_digit()))?;
    (1..=10_000).contains(&n).then_some(n)
}

fn unlimited(v: &str) -> bool {
    v.is_empty() || v == "infinity"
}

impl Limits {
    /// Apply one `Directive=value` (a line of the file, or an override).
    /// The message of an error is the part after `FILE:LINE: `.
    pub fn set(&mut self, line: &str) -> Result<(), String> {
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("malformed line '{line}': expected Directive=value"));
        };
        let (key, v) = (key.trim(), value.trim());
        let bad = || format!("bad value '{v}' for {key}=");
        match key {
            "CPUQuota" => {
                self.cpu_quota = if unlimited(v) {
                    None
                } else {
                    // percent of one CPU; the kernel's minimum quota is 1 ms
                    let p = percent(v).filter(|p| *p > 0).ok_or_else(bad)?;
                    Some((p * PERIOD_US / 10_000).max(1_000))
                }
            }
            "CPUWeight" => {
                self.cpu_weight = if unlimited(v) {
                    None
                } else {
                    Some(weight(v).ok_or_else(bad)?)
                }
            }
            "IOWeight" => {
                self.io_weight = if unlimited(v) {
                    None
                } else {
                    Some(weight(v).ok_or_else(bad)?)
                }
            }
            "MemoryMax" | "MemoryHigh" => {
                let a = if unlimited(v) {
                    None
                } else if v.ends_with('%') {
                    Some(Amount::Permyriad(
                        percent(v)
                            .filter(|p| *p > 0 && *p <= 10_000)
                            .ok_or_else(bad)?,
                    ))
                } else {
                    Some(Amount::Abs(bytes(v).filter(|b| *b > 0).ok_or_else(bad)?))
                };
                if key == "MemoryMax" {
                    self.memory_max = a;
                } else {
                    self.memory_high = a;
                }
            }
            "TasksMax" => {
                self.tasks_max = if unlimited(v) {
                    None
                } else if v.ends_with('%') {
                    Some(Amount::Permyriad(
                        percent(v)
                            .filter(|p| *p > 0 && *p <= 10_000)
                            .ok_or_else(bad)?,
                    ))
                } else {
                    let n: u64 = v
                        .parse()
                        .ok()
                        .filter(|n| *n > 0 && v.bytes().all(|b| b.is_ascii_digit()))
                        .ok_or_else(bad)?;
                    Some(Amount::Abs(n))
                }
            }
            "Limits" => {
                self.best_effort = match v {
                    "required" | "" => false,
                    "best-effort" => true,
                    _ => {
                        return Err(format!(
                            "bad value '{v}' for Limits=: required or best-effort"
                        ))
                    }
                }
            }
            "" => return Err(format!("malformed line '{line}': expected Directive=value")),
            _ => return Err(format!("unknown directive '{key}'")),
        }
        Ok(())
    }

    /// Parse a resources file: every good line applied, one
    /// `FILE:LINE: message` for each bad one.
    pub fn parse(text: &str, file: &str) -> (Limits, Vec<String>) {
        let mut l = Limits::default();
        let mut errs = Vec::new();
        l.apply_text(text, file, &mut errs);
        (l, errs)
    }

    pub fn apply_text(&mut self, text: &str, file: &str, errs: &mut Vec<String>) {
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            // a [Section] header as in a unit file is accepted and ignored
            if line.starts_with('[') && line.ends_with(']') {
                continue;
            }
            if let Err(m) = self.set(line) {
                errs.push(format!("{file}:{}: {m}", i + 1));
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.directives().is_empty()
    }

    /// The limits set, as directives (`TasksMax=40`), in table order.
    pub fn directives(&self) -> Vec<String> {
        let amount = |a: Amount, bytes: bool| match a {
            Amount::Abs(n) if bytes => human_bytes(n),
            Amount::Abs(n) => n.to_string(),
            Amount::Permyriad(p) => pct(p),
        };
        let mut v = Vec::new();
        if let Some(q) = self.cpu_quota {
            v.push(format!("CPUQuota={}", pct(q * 10_000 / PERIOD_US)));
        }
        if let Some(w) = self.cpu_weight {
            v.push(format!("CPUWeight={w}"));
        }
        if let Some(a) = self.memory_max {
            v.push(format!("MemoryMax={}", amount(a, true)));
        }
        if let Some(a) = self.memory_high {
            v.push(format!("MemoryHigh={}", amount(a, true)));
        }
        if let Some(a) = self.tasks_max {
            v.push(format!("TasksMax={}", amount(a, false)));
        }
        if let Some(w) = self.io_weight {
            v.push(format!("IOWeight={w}"));
        }
        v
    }
}

fn pct(permyriad: u64) -> String {
    if permyriad % 100 == 0 {
        format!("{}%", permyriad / 100)
    } else {
        format!("{}.{:02}%", permyriad / 100, permyriad % 100)
    }
}

/// Bytes as the largest exact unit (64M, 1536K), else plain.
pub fn human_bytes(n: u64) -> String {
    for (s, sh) in [("T", 40), ("G", 30), ("M", 20), ("K", 10)] {
        if n >= 1 << sh && n % (1 << sh) == 0 {
            return format!("{}{s}", n >> sh);
        }
    }
    n.to_string()
}

/// The cgroup version a controller is on, on this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ver {
    V1,
    V2,
}

/// One value to write into a package's cgroup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    /// The controller (v1 hierarchy name, or v2 controller).
    pub ctrl: &'static str,
    pub file: &'static str,
    pub value: String,
    /// The directive that asks for it; `None` for a reset to the default
    /// (skipped where the file is missing).
    pub by: Option<String>,
}

/// A limit this node cannot enforce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub directive: String,
    pub why: String,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.directive, self.why)
    }
}

/// The node's figures relative limits are taken of.
#[derive(Clone, Copy, Debug)]
pub struct NodeFigures {
    pub mem_total: u64,
    pub pid_max: u64,
}

/// Every write that sets `l` on a fresh or a reused cgroup: the limits set,
/// and every other known limit back to its default (a leftover cgroup may
/// hold old values). `ver(ctrl)` says where a controller is (`None`:
/// nowhere on this node). A set limit whose controller is missing is in the
/// second list.
pub fn writes(
    l: &Limits,
    node: NodeFigures,
    ver: impl Fn(&str) -> Option<Ver>,
) -> (Vec<Write>, Vec<Missing>) {
    let mut w = Vec::new();
    let mut missing = Vec::new();
    let dir = l.directives();
    let by = |prefix: &str| dir.iter().find(|d| d.starts_with(prefix)).cloned();
    let mut put = |ctrl: &'static str,
                   v1: Option<&'static str>,
                   v2: &'static str,
                   value: Option<String>,
                   default: &str,
                   directive: Option<String>| {
        match (ver(ctrl), value) {
            (Some(Ver::V2), Some(v)) => w.push(Write {
                ctrl,
                file: v2,
                value: v,
                by: directive,
            }),
            (Some(Ver::V2), None) => w.push(Write {
                ctrl,
                file: v2,
                value: default.to_string(),
                by: None,
            }),
            (Some(Ver::V1), value) => match (v1, value) {
                (Some(f), Some(v)) => w.push(Write {
                    ctrl,
                    file: f,
                    value: v,
                    by: directive,
                }),
                (Some(f), None) => w.push(Write {
                    ctrl,
                    file: f,
                    value: default.to_string(),
                    by: None,
                }),
                (None, Some(_)) => missing.push(Missing {
                    directive: directive.unwrap_or_default(),
                    why: format!("cgroup v1 {ctrl} has no equivalent"),
                }),
                (None, None) => {}
            },
            (None, Some(_)) => missing.push(Missing {
                directive: directive.unwrap_or_default(),
                why: format!("this node has no {ctrl} controller"),
            }),
            (None, None) => {}
        }
    };
    // cpu: v2 cpu.max holds quota and period; v1 has them apart
    let v2cpu = ver("cpu") == Some(Ver::V2);
    if !v2cpu && ver("cpu").is_some() {
        put(
            "cpu",
            Some("cpu.cfs_period_us"),
            "cpu.max",
            None,
            &PERIOD_US.to_string(),
            None,
        );
    }
    let quota = l.cpu_quota.map(|q| {
        if v2cpu {
            format!("{q} {PERIOD_US}")
        } else {
            q.to_string()
        }
    });
    let qdefault = if v2cpu {
        format!("max {PERIOD_US}")
    } else {
        "-1".to_string()
    };
    put(
        "cpu",
        Some("cpu.cfs_quota_us"),
        "cpu.max",
        quota,
        &qdefault,
        by("CPUQuota="),
    );
    let weight = l.cpu_weight.map(|x| {
        if v2cpu {
            x.to_string()
        } else {
            (x * 1024 / 100).clamp(2, 262_144).to_string()
        }
    });
    put(
        "cpu",
        Some("cpu.shares"),
        "cpu.weight",
        weight,
        if v2cpu { "100" } else { "1024" },
        by("CPUWeight="),
    );
    let v2mem = ver("memory") == Some(Ver::V2);
    put(
        "memory",
        Some("memory.limit_in_bytes"),
        "memory.max",
        l.memory_max.map(|a| a.resolve(node.mem_total).to_string()),
        if v2mem { "max" } else { "-1" },
        by("MemoryMax="),
    );
    put(
        "memory",
        None,
        "memory.high",
        l.memory_high.map(|a| a.resolve(node.mem_total).to_string()),
        "max",
        by("MemoryHigh="),
    );
    put(
        "pids",
        Some("pids.max"),
        "pids.max",
        l.tasks_max
            .map(|a| a.resolve(node.pid_max).max(1).to_string()),
        "max",
        by("TasksMax="),
    );
    let v2io = ver("io") == Some(Ver::V2) || ver("blkio") == Some(Ver::V2);
    let io = l.io_weight.map(|x| {
        if v2io {
            format!("default {x}")
        } else {
            (x * 500 / 100).clamp(10, 1000).to_string()
        }
    });
    put(
        if v2io { "io" } else { "blkio" },
        Some("blkio.weight"),
        "io.weight",
        io,
        if v2io { "default 100" } else { "500" },
        by("IOWeight="),
    );
    (w, missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODE: NodeFigures = NodeFigures {
        mem_total: 1 << 30,
        pid_max: 4_194_304,
    };

    #[test]
    fn a_file_with_every_directive() {
        let text = "# limits of pkg01\n[Slice]\nCPUQuota=150%\nCPUWeight=200\n\
                    MemoryMax=64M\nMemoryHigh = 48M\nTasksMax=40\nIOWeight=300\n";
        let (l, errs) = Limits::parse(text, "/pkg01/etc/pcue/resources");
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(l.cpu_quota, Some(150_000));
        assert_eq!(l.cpu_weight, Some(200));
        assert_eq!(l.memory_max, Some(Amount::Abs(64 << 20)));
        assert_eq!(l.memory_high, Some(Amount::Abs(48 << 20)));
        assert_eq!(l.tasks_max, Some(Amount::Abs(40)));
        assert_eq!(l.io_weight, Some(300));
        assert_eq!(
            l.directives(),
            [
                "CPUQuota=150%",
                "CPUWeight=200",
                "MemoryMax=64M",
                "MemoryHigh=48M",
                "TasksMax=40",
                "IOWeight=300"
            ]
        );
    }

    #[test]
    fn bad_lines_name_file_and_line_and_the_rest_applies() {
        let text = "TasksMax=40\nMemoryMax 64M\nFooBar=1\nMemoryMax=lots\nCPUQuota=12.5%\n=3\n";
        let (l, errs) = Limits::parse(text, "/p/etc/pcue/resources");
        assert_eq!(
            errs,
            [
                "/p/etc/pcue/resources:2: malformed line 'MemoryMax 64M': expected Directive=value",
                "/p/etc/pcue/resources:3: unknown directive 'FooBar'",
                "/p/etc/pcue/resources:4: bad value 'lots' for MemoryMax=",
                "/p/etc/pcue/resources:6: malformed line '=3': expected Directive=value",
            ]
        );
        assert_eq!(l.tasks_max, Some(Amount::Abs(40)));
        assert_eq!(l.memory_max, None);
        assert_eq!(l.cpu_quota, Some(12_500));
    }

    #[test]
    fn values_systemd_accepts_and_refuses() {
        let mut l = Limits::default();
        for ok in [
            "MemoryMax=1G",
            "MemoryMax=1536K",
            "MemoryMax=50%",
            "TasksMax=10%",
            "CPUQuota=1%",
            "CPUQuota=400%",
            "CPUWeight=1",
            "CPUWeight=10000",
            "Limits=best-effort",
            "MemoryMax=infinity",
            "TasksMax=",
        ] {
            l.set(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        assert!(l.best_effort);
        assert_eq!(l.memory_max, None, "infinity clears");
        assert_eq!(l.tasks_max, None, "an empty value clears");
        for bad in [
            "CPUQuota=0%",
            "CPUQuota=150",
            "CPUQuota=1.234%",
            "CPUWeight=0",
            "CPUWeight=10001",
            "CPUWeight=-5",
            "IOWeight=x",
            "MemoryMax=0",
            "MemoryMax=-1",
            "MemoryMax=12X",
            "MemoryMax=101%",
            "TasksMax=0",
            "TasksMax=+3",
            "Limits=maybe",
            "MemoryMax=99999999999999999999T",
        ] {
            assert!(Limits::default().set(bad).is_err(), "{bad} accepted");
        }
        let mut l = Limits::default();
        l.set("CPUQuota=0.5%").unwrap();
        assert_eq!(l.cpu_quota, Some(1_000), "the kernel's minimum quota");
    }

    #[test]
    fn overrides_win_over_the_file() {
        let (mut l, _) = Limits::parse("TasksMax=40\nMemoryMax=64M\n", "f");
        l.set("TasksMax=100").unwrap();
        l.set("MemoryMax=infinity").unwrap();
        assert_eq!(l.directives(), ["TasksMax=100"]);
    }

    fn v1_here(c: &str) -> Option<Ver> {
        // this kind of machine: cpu, memory, pids, blkio on v1, no io on v2
        ["cpu", "cpuacct", "memory", "pids", "blkio"]
            .contains(&c)
            .then_some(Ver::V1)
    }

    #[test]
    fn v1_files_and_resets() {
        let (l, _) = Limits::parse(
            "TasksMax=40\nMemoryMax=64M\nCPUQuota=20%\nCPUWeight=50\n",
            "f",
        );
        let (w, missing) = writes(&l, NODE, v1_here);
        assert!(missing.is_empty(), "{missing:?}");
        let got: Vec<(&str, &str, Option<&str>)> = w
            .iter()
            .map(|w| (w.file, w.value.as_str(), w.by.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("cpu.cfs_period_us", "100000", None),
                ("cpu.cfs_quota_us", "20000", Some("CPUQuota=20%")),
                ("cpu.shares", "512", Some("CPUWeight=50")),
                ("memory.limit_in_bytes", "67108864", Some("MemoryMax=64M")),
                ("pids.max", "40", Some("TasksMax=40")),
                ("blkio.weight", "500", None),
            ]
        );
        // nothing set: every file back to its default
        let (w, _) = writes(&Limits::default(), NODE, v1_here);
        let got: Vec<(&str, &str)> = w.iter().map(|w| (w.file, w.value.as_str())).collect();
        assert_eq!(
            got,
            [
                ("cpu.cfs_period_us", "100000"),
                ("cpu.cfs_quota_us", "-1"),
                ("cpu.shares", "1024"),
                ("memory.limit_in_bytes", "-1"),
                ("pids.max", "max"),
                ("blkio.weight", "500"),
            ]
        );
    }

    #[test]
    fn a_limit_without_its_controller_is_missing() {
        let (l, _) = Limits::parse("MemoryHigh=32M\nTasksMax=5\nIOWeight=200\n", "f");
        let (_, missing) = writes(&l, NODE, |c| (c == "cpu").then_some(Ver::V1));
        let m: Vec<String> = missing.iter().map(|m| m.to_string()).collect();
        assert_eq!(
            m,
            [
                "MemoryHigh=32M: this node has no memory controller",
                "TasksMax=5: this node has no pids controller",
                "IOWeight=200: this node has no blkio controller",
            ]
        );
        let (_, missing) = writes(&l, NODE, v1_here);
        assert_eq!(
            missing,
            [Missing {
                directive: "MemoryHigh=32M".into(),
                why: "cgroup v1 memory has no equivalent".into()
            }]
        );
    }

    #[test]
    fn v2_files() {
        let (l, _) = Limits::parse(
            "CPUQuota=150%\nMemoryMax=50%\nMemoryHigh=1G\nTasksMax=1%\nIOWeight=300\n",
            "f",
        );
        let (w, missing) = writes(&l, NODE, |_| Some(Ver::V2));
        assert!(missing.is_empty());
        let got: Vec<(&str, &str)> = w.iter().map(|w| (w.file, w.value.as_str())).collect();
        assert_eq!(
            got,
            [
                ("cpu.max", "150000 100000"),
                ("cpu.weight", "100"),
                ("memory.max", "536870912"),
                ("memory.high", "1073741824"),
                ("pids.max", "41943"),
                ("io.weight", "default 300"),
            ]
        );
    }
}
