//! The fuzz pass of issue 11: every parser that reads what someone else
//! wrote (control script, modular file, cmcluster.conf, cmviewcl output,
//! inittab, layout, passwd/group, mountinfo, /proc/PID/stat,
//! /proc/net/tcp*, initctl request, utmp record, and issue 12-14's: the
//! Pacemaker CIB and crm_mon status, a package's PAM stacks, cupsd.conf
//! and cups-files.conf) gets inputs made by
//! mutating real samples with a seeded generator (xorshift64*; no crate),
//! and must:
//! - not panic;
//! - stay within a bound of time (2 s) and memory (peak heap of 64 bytes
//!   per input byte plus 1 MiB, counted by this binary's allocator) per
//!   input;
//! - still use a well-formed part of a damaged file: a known-good line
//!   after the damage is parsed (each parser reports malformed lines and
//!   goes on). The layout is the exception by design: its first error
//!   stops it, and that error names its line.
//!
//! `PCUE_FUZZ_N` inputs per parser (default 2000), `PCUE_FUZZ_SEED`
//! (default 11). The figures (inputs, time, peak memory per parser) are
//! printed: `cargo test --test fuzz -- --nocapture`.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints]); the
// figures are printed on purpose
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use pcue::parsers::{cgroup_stat, resources};
use pcue::parsers::{cib, cups, initctl, inittab, layout, loginstack, mountinfo, parse};
use pcue::parsers::{net_tcp as nettcp, stat as procstat};
use pcue::{passwd, utmp};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Heap in use and its peak, per thread (each test runs on its own).
struct Counting;

thread_local! {
    static IN_USE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn add(n: usize) {
    let _ = IN_USE.try_with(|u| {
        let v = u.get() + n;
        u.set(v);
        let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
    });
}

fn sub(n: usize) {
    let _ = IN_USE.try_with(|u| u.set(u.get().saturating_sub(n)));
}

// SAFETY: every call goes to the system allocator unchanged; only counts
// (thread-local cells without destructors) are kept beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        add(l.size());
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        sub(l.size());
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        add(new);
        sub(l.size());
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// xorshift64* (Vigna): small, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, salt: &str) -> Rng {
        let mut s = seed ^ 0x9E37_79B9_7F4A_7C15;
        for b in salt.bytes() {
            s = (s ^ b as u64).wrapping_mul(0x100_0000_01B3);
        }
        Rng(s | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes the parsers give meaning to, and some they should not.
const INTERESTING: &[u8] = b"\0\n\r\t :=#;|\"'[]\\/-.,()+*~%0123456789abcxyzSRAZ\xe9\xff\x80";

const MAX_LEN: usize = 1 << 18;

/// One to eight mutations of a sample: bit flips, interesting bytes,
/// random bytes, deletions, duplications, a splice from another sample,
/// huge fields, truncation, a line broken at a blank.
fn mutate(rng: &mut Rng, sample: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut b = sample.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(b.len() + 1);
        match rng.below(11) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => {
                let c = INTERESTING[rng.below(INTERESTING.len())];
                b.insert(at, c);
            }
            3 => {
                for _ in 0..1 + rng.below(16) {
                    b.insert(at.min(b.len()), rng.next() as u8);
                }
            }
            4 if !b.is_empty() => {
                let len = 1 + rng.below(64.min(b.len()));
                let s = rng.below(b.len() - len + 1);
                b.drain(s..s + len);
            }
            5 if !b.is_empty() => {
                let len = 1 + rng.below(256.min(b.len()));
                let s = rng.below(b.len() - len + 1);
                let piece = b[s..s + len].to_vec();
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(b.len() + 1);
                    b.splice(at..at, piece.iter().copied());
                }
            }
            6 if !others.is_empty() => {
                let o = &others[rng.below(others.len())];
                if !o.is_empty() {
                    let s = rng.below(o.len());
                    let len = 1 + rng.below(o.len() - s);
                    b.splice(at..at, o[s..s + len].iter().copied());
                }
            }
            7 => {
                // a huge field: digits that overflow, or a long word
                let c = if rng.below(2) == 0 { b'9' } else { b'A' };
                let n = [20, 300, 5000, 70000][rng.below(4)];
                b.splice(at..at, std::iter::repeat_n(c, n));
            }
            8 => b.truncate(at),
            9 if !b.is_empty() => {
                // break a line at a blank: its tail (options, an argument)
                // becomes a line of its own
                let i = rng.below(b.len());
                if let Some(off) = b[i..].iter().position(|&c| c == b' ' || c == b'\t') {
                    b[i + off] = b'\n';
                }
            }
            _ => {
                let c = [b'\n', b' ', b':', b'='][rng.below(4)];
                b.insert(at, c);
            }
        }
        b.truncate(MAX_LEN);
    }
    b
}

/// A parser under test: runs on the damaged input (with `canary` appended
/// on a line of its own when there is one) and says whether the canary's
/// line was used.
struct Target {
    name: &'static str,
    samples: Vec<Vec<u8>>,
    canary: &'static str,
    run: fn(&[u8]) -> bool,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn live(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("sample {path}: {e}"))
}

const CONTROL_SCRIPT: &str = r#"#!/usr/bin/sh
# legacy package control script (excerpt)
VGCHANGE="vgchange -a e"
VG[0]=vg01
LV[0]=/dev/vg01/lvol1; FS[0]=/pkg01a; FS_MOUNT_OPT[0]="-o rw";
#IP[0]=""
IP[0]=192.10.25.12
SUBNET[0]=192.10.25.0
IP[1]="2001::1"
IP_ADDRESS[0]="127.0.0.2"; IP_ADDRESS[1]='::ffff:127.0.0.9' # the site's own
SERVICE_NAME[0]="xclock"
SERVICE_CMD[0]="/usr/bin/X11/xclock -display 192.10.25.54:0"
SERVICE_RESTART[0]="-r 2"
PCUE_ROOT=/export/pkg01
"#;

const MODULAR: &str = "package_name      pkg1
package_type      failover
node_name         node1
node_name         node2
auto_run          yes
ip_subnet         192.10.25.0
ip_address        192.10.25.12
ip_address        192.10.25.13
ip_subnet         fd00::
ip_address        fd00::12
fs_name           /dev/vg01/lvol1
fs_directory      /pkg1
fs_mount_opt      \"-o rw\"
PEV_PCUE_ROOT     /export/pkg1
";

const CMCLUSTER_CONF: &str = "# Serviceguard configuration
SGCONF=/usr/local/cmcluster/conf
SGSBIN=\"/usr/local/cmcluster/bin\"
SGLBIN=/usr/local/cmcluster/bin
SGRUN=/usr/local/cmcluster/run
PCUE_ROOT_PREFIX=/srv
";

const CMVIEWCL: &str = "package:pkg1|name=pkg1
package:pkg1|status=up
package:pkg1|state=running
package:pkg1|owner=ftsys9
package:pkg1|style=modular
package:pkg1|run_script=/etc/cmcluster/pkg1/pkg1.cntl
package:pkg1|node:ftsys9|status=up
package:pkg2|name=pkg2
package:pkg2|status=down
package:pkg2|state=halted
node:ftsys9|status=up
";

const INITTAB: &str = "# /etc/inittab of a package
id:3:initdefault:
si::sysinit:/etc/rc.d/rc.sysinit
l0:0:wait:/etc/rc.d/rc 0
l3:3:wait:/etc/rc.d/rc 3
cr:2345:respawn:/usr/sbin/cron -f
ss:345:respawn:+/usr/sbin/sshd -D
ca:12345:ctrlaltdel:/sbin/shutdown -t1 -a -r now
pf::powerwait:/etc/init.d/powerfail start
x1:a:ondemand:/bin/echo a
";

// the default layout's login stack (reduced) and Debian 12's stock CUPS
const PAM_LOGIN: &str = "auth     requisite pam_nologin.so
@include common-auth
@include common-account
@include common-session
session  optional pam_motd.so motd=/etc/motd
@include common-password
auth [success=1 default=ignore] pam_unix.so nullok
-session optional pam_systemd.so
";
const PAM_SESSION: &str = "session  required pam_limits.so
session  required pam_unix.so
session  required pam_env.so readenv=1 envfile=/var/run/pkginit.env
";
const CUPSD_CONF: &str = "LogLevel warn
Listen localhost:631
Listen /run/cups/cups.sock
Listen [fd00::2]:631
Port 632
Browsing Yes
<Location />
  Order allow,deny
</Location>
";
const CUPS_FILES_CONF: &str = "SystemGroup lpadmin root
PeerCred on
User lp
LogFileGroup adm
AccessLog /var/log/cups/access_log
ErrorLog syslog
CacheDir /var/cache/cups
";

fn targets() -> Vec<Target> {
    let utmp_rec = {
        let mut u = utmp::Utmp::now(7);
        u.pid = 4242;
        u.line = "pts/3".into();
        u.id = "ts/3".into();
        u.user = "alice".into();
        u.host = "10.1.2.3".into();
        u.encode().to_vec()
    };
    let boot = utmp::Utmp::now(2).encode().to_vec();
    let req = initctl::Request {
        cmd: initctl::CMD_RUNLVL,
        runlevel: b'2' as i32,
        sleeptime: 5,
        data: Vec::new(),
    }
    .encode()
    .to_vec();
    vec![
        Target {
            name: "resources file",
            samples: vec![b"# pkg01\n[Slice]\nCPUQuota=150%\nCPUWeight=200\nMemoryMax=64M\nMemoryHigh=48M\nTasksMax=40\nIOWeight=300\nLimits=best-effort\n".to_vec()],
            canary: "TasksMax=7777",
            run: |b| {
                let (l, _) = resources::Limits::parse(&text(b), "/etc/pcue/resources");
                l.tasks_max == Some(resources::Amount::Abs(7777))
            },
        },
        Target {
            name: "cgroup counter files",
            samples: vec![
                b"oom_kill_disable 0\nunder_oom 0\noom_kill 1\n".to_vec(),
                b"8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n".to_vec(),
                b"8:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n".to_vec(),
                live("/sys/fs/cgroup/unified/cpu.stat"),
                live("/sys/fs/cgroup/memory/memory.stat"),
            ],
            canary: "canary77 7777",
            run: |b| {
                let t = text(b);
                let _ = cgroup_stat::blkio_bytes(&t);
                let _ = cgroup_stat::io_stat_bytes(&t);
                let _ = cgroup_stat::pids(&t);
                let _ = (cgroup_stat::limit(&t), cgroup_stat::cpu_max(&t), cgroup_stat::number(&t));
                cgroup_stat::keyed(&t, "canary77") == Some(7777)
            },
        },
        Target {
            name: "control script",
            samples: vec![CONTROL_SCRIPT.into(), live("/etc/profile")],
            canary: "IP[7]=10.77.77.77",
            run: |b| {
                let (p, _) = parse::control_script(&text(b));
                p.addrs.contains(&ip("10.77.77.77"))
            },
        },
        Target {
            name: "modular package file",
            samples: vec![MODULAR.into()],
            canary: "ip_address 10.77.77.77",
            run: |b| {
                let (p, _) = parse::modular(&text(b));
                p.addrs.contains(&ip("10.77.77.77"))
            },
        },
        Target {
            name: "cmcluster.conf",
            samples: vec![CMCLUSTER_CONF.into()],
            canary: "PCUE_CANARY=77",
            run: |b| {
                let (kv, _) = parse::key_values(&text(b));
                kv.iter().any(|(k, v)| k == "PCUE_CANARY" && v == "77")
            },
        },
        Target {
            name: "cmviewcl output",
            samples: vec![CMVIEWCL.into()],
            canary: "package:canary77|owner=node77",
            run: |b| {
                let (p, _) = parse::cmviewcl_lines(&text(b));
                p.iter()
                    .any(|p| p.name == "canary77" && p.owner.as_deref() == Some("node77"))
            },
        },
        Target {
            name: "inittab",
            samples: vec![INITTAB.into()],
            canary: "q9:2345:respawn:/bin/canary77",
            run: |b| {
                let t = inittab::parse(&text(b), "/etc/inittab");
                t.entries.iter().any(|e| e.process == "/bin/canary77")
            },
        },
        Target {
            name: "layout",
            samples: vec![pcue::parsers::DEFAULT_LAYOUT.into()],
            canary: "",
            run: |b| match layout::parse(&text(b)) {
                Ok(_) => true,
                Err(e) => e.starts_with("line "),
            },
        },
        Target {
            name: "passwd",
            samples: vec![live("/etc/passwd")],
            canary: "canary77:x:7777:7777:Canary:/home/c:/bin/sh",
            run: |b| {
                let (u, _) = passwd::parse_passwd_bytes(b);
                passwd::by_name(&u, "canary77").is_some_and(|u| u.uid == 7777)
            },
        },
        Target {
            name: "group",
            samples: vec![live("/etc/group")],
            canary: "canary77:x:7777:alice,bob",
            run: |b| {
                let (g, _) = passwd::parse_group(&text(b));
                passwd::groups_of(&g, "bob", 1).contains(&7777)
            },
        },
        Target {
            name: "mountinfo",
            samples: vec![live("/proc/self/mountinfo"), live("/proc/1/mountinfo")],
            canary: "99977 1 0:77 / /canary\\04077 rw,relatime - tmpfs canary rw",
            run: |b| {
                // pkgps's reader of a table's first fields, on the same bytes
                let _ = mountinfo::root_mount_id(b);
                mountinfo::parse(b)
                    .iter()
                    .any(|m| m.id == 99977 && m.mount_point == "/canary 77")
            },
        },
        Target {
            name: "/proc/PID/stat",
            samples: vec![live("/proc/self/stat"), live("/proc/1/stat")],
            canary: "",
            run: |b| {
                let _ = procstat::parse_bytes(b);
                true
            },
        },
        Target {
            name: "/proc/net/tcp*",
            samples: vec![
                live("/proc/net/tcp"),
                live("/proc/net/tcp6"),
                b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 20 4 30 10 -1\n".to_vec(),
            ],
            canary: "  77: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777777 1 0000000000000000 100 0 0 10 0",
            run: |b| nettcp::parse(&text(b)).iter().any(|s| s.inode == 777777),
        },
        Target {
            name: "initctl request",
            samples: vec![req.clone(), [req.clone(), req.clone()].concat()],
            canary: "",
            run: |b| {
                // the damaged bytes, then one whole request: it still counts
                let good = initctl::Request {
                    cmd: initctl::CMD_RUNLVL,
                    runlevel: b'3' as i32,
                    sleeptime: 5,
                    data: Vec::new(),
                }
                .encode();
                let buf = [b, &good[..]].concat();
                let (reqs, _) = initctl::split(&buf);
                let _ = initctl::split(b);
                reqs.last()
                    .is_some_and(|r| r.as_ref().is_ok_and(|r| r.runlevel == b'3' as i32))
                    // the damage made a request's magic whose 384 bytes
                    // swallow the good one: the good one's bytes are junk
                    || b.windows(4).any(|w| w == initctl::MAGIC.to_ne_bytes())
            },
        },
        Target {
            name: "Pacemaker CIB",
            samples: vec![
                include_bytes!("../src/registry/testdata/cib.xml").to_vec(),
                include_bytes!("../src/registry/testdata/cib-with-status.xml").to_vec(),
            ],
            // XML has no line after its end: no panic, bounded, is the test
            canary: "",
            run: |b| {
                let _ = cib::packages(&text(b));
                true
            },
        },
        Target {
            name: "crm_mon status",
            samples: vec![
                include_bytes!("../src/registry/testdata/crm_mon.xml").to_vec(),
                include_bytes!("../src/registry/testdata/crm_mon-n1-down.xml").to_vec(),
            ],
            canary: "",
            run: |b| {
                let _ = cib::active_nodes(&text(b));
                true
            },
        },
        Target {
            name: "PAM stack",
            samples: vec![PAM_LOGIN.into(), PAM_SESSION.into()],
            canary: "frobcanary required pam_unix.so",
            run: |b| {
                // login and common-auth are the damaged file: its
                // `@include common-auth` leads back to it, as deep as it
                // goes; the other services include it too
                let t = text(b);
                let read = |p: &str| {
                    Some(match p {
                        "/etc/pam.d/login" | "/etc/pam.d/common-auth" => t.clone(),
                        _ if p.starts_with("/etc/pam.d/") => {
                            "account required pam_unix.so\n@include common-auth\n".to_string()
                        }
                        _ => "ENV_PATH PATH=/bin:/corp/bin\n".to_string(),
                    })
                };
                loginstack::check(&read, &|p: &str| p.len() % 2 == 0)
                    .iter()
                    .any(|p| p.contains("unknown type 'frobcanary'"))
            },
        },
        Target {
            name: "cupsd.conf",
            samples: vec![CUPSD_CONF.into(), CUPS_FILES_CONF.into()],
            canary: "Listen 10.77.77.77:631",
            run: |b| {
                let t = text(b);
                let me = [ip("10.77.77.77")];
                let _ = cups::needs(&t);
                let _ = cups::inittab_runs_cupsd(&t);
                let _ = cups::problems("pkg01", &t, &t, &t, &t, &me, |d| d.len() % 2 == 0);
                cups::own_listens(&t, &me).contains(&(me[0], 631))
            },
        },
        Target {
            name: "utmp record",
            samples: vec![utmp_rec, boot],
            canary: "",
            run: |b| {
                // a damaged record beside a good one: the good one decodes
                let good = utmp::Utmp::now(8);
                let mut file = b.to_vec();
                file.resize(384, 0);
                file.extend_from_slice(&good.encode());
                let recs: Vec<Option<utmp::Utmp>> =
                    file.chunks(384).map(utmp::Utmp::decode).collect();
                let _ = utmp::Utmp::decode(b);
                recs.len() == 2 && recs[1].as_ref() == Some(&good)
            },
        },
    ]
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fuzz(t: &Target) {
    let n = env_num("PCUE_FUZZ_N", 2000);
    let seed = env_num("PCUE_FUZZ_SEED", 11);
    let mut rng = Rng::new(seed, t.name);
    let start = Instant::now();
    let (mut worst_time, mut worst_mem, mut canaries, mut bytes) =
        (Duration::ZERO, 0usize, 0u64, 0u64);
    // the samples themselves first: the canary is used on a clean file
    for s in &t.samples {
        let mut input = s.clone();
        if !t.canary.is_empty() {
            input.push(b'\n');
            input.extend_from_slice(t.canary.as_bytes());
            input.push(b'\n');
        }
        assert!(
            (t.run)(&input),
            "{}: a clean sample's good line was not used",
            t.name
        );
    }
    for i in 0..n {
        let s = &t.samples[rng.below(t.samples.len())];
        let mut input = mutate(&mut rng, s, &t.samples);
        if !t.canary.is_empty() {
            input.push(b'\n');
            input.extend_from_slice(t.canary.as_bytes());
            input.push(b'\n');
        }
        bytes += input.len() as u64;
        let base = IN_USE.with(Cell::get);
        PEAK.with(|p| p.set(base));
        let t0 = Instant::now();
        let run = t.run;
        let ok = std::panic::catch_unwind(|| run(&input));
        let took = t0.elapsed();
        let peak = PEAK.with(Cell::get) - base;
        let shown = || String::from_utf8_lossy(&input[..input.len().min(300)]).into_owned();
        let Ok(used) = ok else {
            panic!(
                "{}: input {i} (seed {seed}) panicked the parser: {:?}",
                t.name,
                shown()
            );
        };
        assert!(
            took < Duration::from_secs(2),
            "{}: input {i} (seed {seed}, {} bytes) took {took:?}",
            t.name,
            input.len()
        );
        assert!(
            peak <= 64 * input.len() + (1 << 20),
            "{}: input {i} (seed {seed}, {} bytes) used {peak} bytes of heap",
            t.name,
            input.len()
        );
        assert!(
            used,
            "{}: input {i} (seed {seed}): the good line after the damage was not used: {:?}",
            t.name,
            shown()
        );
        canaries += used as u64;
        worst_time = worst_time.max(took);
        worst_mem = worst_mem.max(peak);
    }
    println!(
        "FUZZ {}: {n} inputs ({} KiB), {:.2} s, slowest {:.1} ms, peak heap {} KiB, good part used {canaries}/{n}",
        t.name,
        bytes / 1024,
        start.elapsed().as_secs_f64(),
        worst_time.as_secs_f64() * 1000.0,
        worst_mem / 1024
    );
}

fn by_name(name: &str) -> Target {
    targets()
        .into_iter()
        .find(|t| t.name == name)
        .expect("target")
}

#[test]
fn control_script() {
    fuzz(&by_name("control script"));
}
#[test]
fn modular_package_file() {
    fuzz(&by_name("modular package file"));
}
#[test]
fn cmcluster_conf() {
    fuzz(&by_name("cmcluster.conf"));
}
#[test]
fn cmviewcl_output() {
    fuzz(&by_name("cmviewcl output"));
}
#[test]
fn inittab() {
    fuzz(&by_name("inittab"));
}
#[test]
fn layout() {
    fuzz(&by_name("layout"));
}
#[test]
fn passwd() {
    fuzz(&by_name("passwd"));
}
#[test]
fn group() {
    fuzz(&by_name("group"));
}
#[test]
fn mountinfo() {
    fuzz(&by_name("mountinfo"));
}
#[test]
fn proc_stat() {
    fuzz(&by_name("/proc/PID/stat"));
}
#[test]
fn proc_net_tcp() {
    fuzz(&by_name("/proc/net/tcp*"));
}
#[test]
fn initctl_request() {
    fuzz(&by_name("initctl request"));
}
#[test]
fn pacemaker_cib() {
    fuzz(&by_name("Pacemaker CIB"));
}
#[test]
fn crm_mon_status() {
    fuzz(&by_name("crm_mon status"));
}
#[test]
fn pam_stack() {
    fuzz(&by_name("PAM stack"));
}
#[test]
fn cupsd_conf() {
    fuzz(&by_name("cupsd.conf"));
}
#[test]
fn utmp_record() {
    fuzz(&by_name("utmp record"));
}
#[test]
fn resources_file() {
    fuzz(&by_name("resources file"));
}
#[test]
fn cgroup_counter_files() {
    fuzz(&by_name("cgroup counter files"));
}
