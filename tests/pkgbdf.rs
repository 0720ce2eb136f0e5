//! pkgbdf against coreutils df, in private mount, pid and network
//! namespaces: a package root (mkroot) holding tmpfs of 7 and 13 MiB and a
//! loop-mounted ext4, with files written in each (tests/lib.sh bdf_world).
//!
//! Both tools' outputs are parsed and compared field by field (device,
//! kbytes, used, avail, %, mount point). Each comparison runs three rounds
//! of pkgbdf, df, pkgbdf, and every filesystem must agree in every round:
//! the package's /usr and device files are bound from filesystems the test
//! owns (tests/lib.sh bdf_host), not from the host's, whose numbers move
//! while others build. Only the real host's own filesystems, in the system
//! context, are compared by what cannot move: name, mount point and size.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::collections::BTreeMap;

const WORLD: &str = r#"
export SGCONF="$T/sg" PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T" PCUE_CMVIEWCL=0
mkroot pkg01
bdf_world pkg01
R="$T/pkg01"
inside() { chroot --userspec=$TUID:$TGID "$R" "$@"; }
echo "T=$T"
"#;

fn run(script: &str) -> String {
    require("mkfs.ext4");
    require("df");
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

/// The text after each `=== key` line, by key.
fn sections(out: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut key: Option<String> = None;
    for l in out.lines() {
        if let Some(k) = l.strip_prefix("=== ") {
            key = Some(k.to_string());
            m.insert(k.to_string(), String::new());
        } else if let Some(k) = &key {
            let s = m.get_mut(k).unwrap();
            s.push_str(l);
            s.push('\n');
        }
    }
    m
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    name: String,
    nums: Vec<String>,
    dir: String,
}

/// The first `n` words of `s` and the rest (the mount point, which may
/// hold spaces).
fn words(s: &str, n: usize) -> Option<(Vec<String>, String)> {
    let mut rest = s.trim_start();
    let mut out = Vec::new();
    for _ in 0..n {
        let end = rest.find(char::is_whitespace)?;
        out.push(rest[..end].to_string());
        rest = rest[end..].trim_start();
    }
    Some((out, rest.to_string()))
}

/// pkgbdf's table: a line holding only a name continues on the next one.
fn parse_bdf(text: &str, ncols: usize) -> Vec<Line> {
    let mut lines = text.lines();
    let head = lines.next().expect("a header");
    assert!(head.starts_with("Filesystem "), "header: {head}");
    let mut out = Vec::new();
    let mut pending: Option<String> = None;
    for l in lines {
        let (name, body) = match pending.take() {
            Some(n) => {
                assert!(
                    l.starts_with(&" ".repeat(19)),
                    "continuation indented to the column: {l:?}"
                );
                (n, l.to_string())
            }
            None => {
                let t = l.trim_end();
                if !t.contains(char::is_whitespace) {
                    pending = Some(t.to_string());
                    continue;
                }
                let (w, rest) = words(l, 1).unwrap();
                (w[0].clone(), rest)
            }
        };
        let (nums, dir) = words(&body, ncols).unwrap_or_else(|| panic!("short line {l:?}"));
        out.push(Line { name, nums, dir });
    }
    assert!(pending.is_none(), "a name without numbers: {text}");
    out
}

/// df's table (coreutils never wraps): name, four numbers, mount point.
fn parse_df(text: &str) -> Vec<Line> {
    let mut lines = text.lines();
    let head = lines.next().expect("a header");
    assert!(head.starts_with("Filesystem"), "header: {head}");
    lines
        .map(|l| {
            let (mut w, dir) = words(l, 5).unwrap_or_else(|| panic!("short df line {l:?}"));
            let name = w.remove(0);
            Line { name, nums: w, dir }
        })
        .collect()
}

fn by_dir(v: Vec<Line>) -> BTreeMap<String, Line> {
    let mut m = BTreeMap::new();
    for l in v {
        let d = l.dir.clone();
        assert!(m.insert(d.clone(), l).is_none(), "{d} listed twice");
    }
    m
}

/// `iused + ifree` of a pkgbdf -i row, as df -i's Inodes column.
fn inodes_total(p: &Line) -> String {
    match (p.nums[4].parse::<u64>(), p.nums[5].parse::<u64>()) {
        (Ok(u), Ok(f)) => (u + f).to_string(),
        _ => p.nums[4].clone(),
    }
}

/// Compare the rounds of `tag`: in each, pkgbdf before and after df shows
/// the filesystems df shows, under the same device names, and each row's
/// numbers are df's and the same in both pkgbdf runs, except for the mount
/// points in `moving` (filesystems of the host, which others write to
/// while the test runs): of those, what cannot move, the size (kbytes, or
/// the inode count with -i). Returns pkgbdf's first round.
fn compare(
    secs: &BTreeMap<String, String>,
    tag: &str,
    inodes: bool,
    moving: &[&str],
) -> BTreeMap<String, Line> {
    let ncols = if inodes { 7 } else { 4 };
    let get = |k: String| {
        secs.get(&k)
            .unwrap_or_else(|| panic!("no section {k}: {secs:#?}"))
            .clone()
    };
    let same = |p: &Line, d: &Line| -> bool {
        if inodes {
            p.nums[4..7] == d.nums[1..4] && d.nums[0] == inodes_total(p)
        } else {
            p.nums[..4] == d.nums[..4]
        }
    };
    let size = |p: &Line| -> String {
        if inodes {
            inodes_total(p)
        } else {
            p.nums[0].clone()
        }
    };
    let mut first = None;
    for i in 1..=3 {
        let p1 = by_dir(parse_bdf(&get(format!("{tag}.p1.{i}")), ncols));
        let d = by_dir(parse_df(&get(format!("{tag}.d.{i}"))));
        let p2 = by_dir(parse_bdf(&get(format!("{tag}.p2.{i}")), ncols));
        let dirs = |m: &BTreeMap<String, Line>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(
            dirs(&p1),
            dirs(&d),
            "{tag} round {i}: the same filesystems as df"
        );
        assert_eq!(dirs(&p1), dirs(&p2), "{tag} round {i}: pkgbdf twice");
        for (dir, p) in &p1 {
            let (dl, q) = (&d[dir], &p2[dir]);
            assert_eq!(p.name, dl.name, "{tag} round {i} {dir}: device name");
            assert_eq!(p.name, q.name, "{tag} round {i} {dir}: device name");
            if moving.contains(&dir.as_str()) {
                // df's first number: 1K-blocks, or Inodes with -i
                assert_eq!(size(p), dl.nums[0], "{tag} round {i} {dir}: size");
                assert_eq!(size(p), size(q), "{tag} round {i} {dir}: size");
            } else {
                assert!(
                    same(p, dl) && p == q,
                    "{tag} round {i} {dir}: pkgbdf {p:?}, df {dl:?}, pkgbdf {q:?}"
                );
            }
        }
        first.get_or_insert(p1);
    }
    first.unwrap()
}

fn num(l: &Line, i: usize) -> u64 {
    l.nums[i].parse().unwrap()
}

/// Inside the package as an unprivileged user: the package's filesystems
/// only, prefix stripped, the numbers of df -k and df -i run there too.
#[test]
fn inside_package_unprivileged_matches_df() {
    let out = run(r#"
echo "uid=$(inside /usr/bin/id -u)"
bdf_rounds k 'inside /corp/bin/pkgbdf' 'inside /usr/bin/df -k'
bdf_rounds i 'inside /corp/bin/pkgbdf -i' 'inside /usr/bin/df -i'
"#);
    assert_eq!(field(&out, "uid"), Some("4242"));
    let secs = sections(&out);
    let own = ["/", "/var", "/data", "/ext"];
    let k = compare(&secs, "k", false, &[]);
    for d in own.iter().chain(&["/usr"]) {
        assert!(k.contains_key(*d), "{d} missing: {k:#?}");
    }
    assert!(!k.contains_key("/proc"), "pseudo filesystem shown");
    let t = field(&out, "T").unwrap();
    for d in k.keys() {
        assert!(
            !d.contains(t) && !d.contains("pkg01"),
            "prefix not stripped: {d}"
        );
    }
    assert_eq!(num(&k["/var"], 0), 7168, "size=7m");
    assert_eq!(num(&k["/data"], 0), 13312, "size=13m");
    for d in ["/var", "/data", "/ext"] {
        assert!(num(&k[d], 1) > 0, "{d}: used is not zero");
    }
    assert_eq!(k["/var"].name, "tmpfs-var-pkg01");
    let i = compare(&secs, "i", true, &[]);
    assert_eq!(
        num(&i["/data"], 4) + num(&i["/data"], 5),
        1000,
        "nr_inodes=1000"
    );
    assert!(num(&i["/data"], 4) >= 22, "20 files, a directory, the root");
}

/// From the system context, -p shows what df shows inside the package,
/// as root and as an unprivileged user; other packages are refused, bad
/// names too, and a setuid pkgbdf ignores PCUE_ROOT_PREFIX.
#[test]
fn package_from_system_context() {
    let out = run(r#"
bdf_rounds p '"$PCUE" pkgbdf -p pkg01' 'inside /usr/bin/df -k'
bdf_rounds pu 'as_user "$PCUE" pkgbdf -p pkg01 -i' 'inside /usr/bin/df -i'
bdf_rounds own 'inside /corp/bin/pkgbdf -p pkg01' 'inside /usr/bin/df -k'
mkdir -p "$T/pkg02"
rc=0; inside /corp/bin/pkgbdf -p pkg02 2>"$T/e1" || rc=$?
echo "other=$rc $(cat "$T/e1")"
rc=0; "$PCUE" pkgbdf -p nosuch 2>"$T/e2" || rc=$?
echo "nosuch=$rc $(wc -l < "$T/e2") $(cat "$T/e2")"
rc=0; "$PCUE" pkgbdf -p pkg02 2>"$T/e3" || rc=$?
echo "empty=$rc $(cat "$T/e3")"
rc=0; "$PCUE" pkgbdf -p ../etc 2>"$T/e4" || rc=$?
echo "badname=$rc $(cat "$T/e4")"
# setuid-root and called by a user: the environment may not move the roots
setuid_copy
rc=0; as_user "$T/bin/pkgbdf" -p pkg01 >/dev/null 2>"$T/e5" || rc=$?
echo "setuid=$rc $(cat "$T/e5")"
"#);
    let secs = sections(&out);
    let p = compare(&secs, "p", false, &[]);
    for d in ["/", "/var", "/data", "/ext", "/usr"] {
        assert!(p.contains_key(d), "{d} missing: {p:#?}");
    }
    compare(&secs, "pu", true, &[]);
    compare(&secs, "own", false, &[]);
    let other = field(&out, "other").unwrap();
    assert_eq!(
        other,
        "1 pkgbdf: can't show package 'pkg02' from inside package 'pkg01'"
    );
    let nosuch = field(&out, "nosuch").unwrap();
    assert!(
        nosuch.starts_with("1 1 pkgbdf: can't stat '")
            && nosuch.ends_with("/nosuch': No such file or directory"),
        "{nosuch}"
    );
    let empty = field(&out, "empty").unwrap();
    assert!(
        empty.starts_with("1 pkgbdf: nothing is mounted at or under"),
        "{empty}"
    );
    assert_eq!(
        field(&out, "setuid"),
        Some("1 pkgbdf: can't stat '/pkg01': No such file or directory"),
        "PCUE_ROOT_PREFIX ignored when setuid"
    );
    let bad = field(&out, "badname").unwrap();
    assert!(
        bad.starts_with("2 pkgbdf: invalid package name '../etc'"),
        "{bad}"
    );
}

/// Without -p in the system context: every filesystem, as df shows them,
/// with the package's mount points under their real paths and its /usr
/// bind left out as a duplicate. Once on a machine made of the test's own
/// filesystems (tests/lib.sh on_host), every number df's; once on the real
/// host, whose filesystems others write to, every number of the test's own
/// filesystems and the size of the host's.
#[test]
fn system_context_matches_df() {
    let out = run(r#"
mkdir -p "$T/host$R"
mount --rbind "$R" "$T/host$R"
bdf_rounds h 'on_host /pcue pkgbdf' 'on_host /usr/bin/df -k'
bdf_rounds s '"$PCUE" pkgbdf' 'df -k'
"#);
    let t = field(&out, "T").unwrap();
    let pkg = |d: &str| format!("{t}/pkg01{d}");
    let secs = sections(&out);
    let h = compare(&secs, "h", false, &[]);
    let dirs: Vec<&str> = h.keys().map(String::as_str).collect();
    let mut want = vec![
        "/".to_string(),
        "/dev".into(),
        "/usr".into(),
        pkg(""),
        pkg("/data"),
        pkg("/dev/tty"),
        pkg("/ext"),
        pkg("/var"),
    ];
    want.sort();
    assert_eq!(dirs, want, "{h:#?}");
    assert_eq!(h["/"].name, "host-root");
    assert_eq!(h["/usr"].name, "hostfs");
    // on the real host: what others write to may move between two runs
    let df_dirs: Vec<String> = parse_df(&secs["s.d.1"])
        .into_iter()
        .map(|l| l.dir)
        .collect();
    let moving: Vec<&str> = df_dirs
        .iter()
        .map(String::as_str)
        .filter(|d| !d.starts_with(t))
        .collect();
    assert!(moving.contains(&"/"), "{df_dirs:?}");
    let s = compare(&secs, "s", false, &moving);
    for d in ["", "/var", "/data", "/ext"] {
        assert!(s.contains_key(&pkg(d)), "{} missing: {s:#?}", pkg(d));
    }
    for d in ["/usr", "/proc"] {
        assert!(!s.contains_key(&pkg(d)), "{} shown: {s:#?}", pkg(d));
        assert!(!h.contains_key(&pkg(d)), "{} shown: {h:#?}", pkg(d));
    }
}

/// -l, -t and the pseudo filesystems df leaves out.
#[test]
fn types_local_and_pseudo() {
    let out = run(r#"
mkdir -p "$R/remote" "$R/dev/pts" "$R/sys" "$R/mq"
mount -t tmpfs -o size=3m server:/export "$R/remote"
echo data > "$R/remote/f"
mount -t devpts -o newinstance devpts "$R/dev/pts"
mount -t sysfs sysfs "$R/sys"
mount -t mqueue mqueue "$R/mq"
bdf_rounds all 'inside /corp/bin/pkgbdf' 'inside /usr/bin/df -k'
bdf_rounds l 'inside /corp/bin/pkgbdf -l' 'inside /usr/bin/df -k -l'
bdf_rounds e 'inside /corp/bin/pkgbdf -t ext4' 'inside /usr/bin/df -k -t ext4'
bdf_rounds tm '"$PCUE" pkgbdf -p pkg01 -t tmpfs' 'inside /usr/bin/df -k -t tmpfs'
echo "=== dfa"
inside /usr/bin/df -a --output=target
"#);
    let secs = sections(&out);
    let all = compare(&secs, "all", false, &[]);
    for d in ["/", "/var", "/data", "/ext", "/remote", "/usr"] {
        assert!(all.contains_key(d), "{d} missing: {all:#?}");
    }
    let mounted: Vec<&str> = secs["dfa"].lines().map(str::trim).collect();
    for pseudo in ["/proc", "/dev/pts", "/sys", "/mq"] {
        assert!(
            mounted.contains(&pseudo),
            "{pseudo} is not mounted: {mounted:?}"
        );
        assert!(!all.contains_key(pseudo), "{pseudo} shown");
    }
    assert_eq!(all["/remote"].name, "server:/export");
    let l = compare(&secs, "l", false, &[]);
    assert!(
        !l.contains_key("/remote") && l.contains_key("/data"),
        "{l:#?}"
    );
    let e = compare(&secs, "e", false, &[]);
    let e: Vec<&str> = e.keys().map(String::as_str).collect();
    assert!(e.contains(&"/ext"), "{e:?}");
    assert!(!e.contains(&"/var") && !e.contains(&"/"), "{e:?}");
    let tm = compare(&secs, "tm", false, &[]);
    let tm: Vec<&str> = tm.keys().map(String::as_str).collect();
    assert_eq!(tm, ["/", "/data", "/remote", "/var"]);
}

/// File and device operands, inside the package and with -p (resolved in
/// the package root), and an unknown one.
#[test]
fn operands() {
    let out = run(r#"
LOOP=$(findmnt -n -o SOURCE "$R/ext")
bdf_rounds f 'inside /corp/bin/pkgbdf /data/d/3 /var/f /ext /' 'inside /usr/bin/df -k /data/d/3 /var/f /ext /'
bdf_rounds pf '"$PCUE" pkgbdf -p pkg01 /link/3 ../../var/f /ext/. /' 'inside /usr/bin/df -k /link/3 /var/f /ext /'
bdf_rounds proc 'inside /corp/bin/pkgbdf /proc' 'inside /usr/bin/df -k /proc'
bdf_rounds dev '"$PCUE" pkgbdf "$LOOP"' 'df -k "$LOOP"'
rc=0; inside /corp/bin/pkgbdf /nonexistent /data > "$T/o1" 2>"$T/e1" || rc=$?
echo "missing=$rc $(wc -l < "$T/e1") $(cat "$T/e1")"
echo "=== missing.out"; cat "$T/o1"; echo "=== missing.end"
rc=0; "$PCUE" pkgbdf -p pkg01 /nonexistent 2>"$T/e2" || rc=$?
echo "pmissing=$rc $(cat "$T/e2")"
"#);
    let secs = sections(&out);
    let f = compare(&secs, "f", false, &[]);
    let dirs: Vec<&str> = f.keys().map(String::as_str).collect();
    assert_eq!(dirs, ["/", "/data", "/ext", "/var"]);
    let pf = compare(&secs, "pf", false, &[]);
    assert_eq!(pf, f, "-p resolves /link and .. inside the root");
    let proc = compare(&secs, "proc", false, &[]);
    assert_eq!(
        proc["/proc"].nums,
        ["0", "0", "0", "-"],
        "a named pseudo fs is shown"
    );
    let t = field(&out, "T").unwrap();
    let ext = format!("{t}/pkg01/ext");
    let dev = compare(&secs, "dev", false, &[]);
    assert!(dev[&ext].name.starts_with("/dev/loop"), "{dev:#?}");
    assert_eq!(
        field(&out, "missing"),
        Some("1 1 pkgbdf: can't stat '/nonexistent': No such file or directory")
    );
    let rest = parse_bdf(&secs["missing.out"], 4);
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].dir, "/data", "the other operand is still shown");
    assert_eq!(
        field(&out, "pmissing"),
        Some("1 pkgbdf: can't stat '/nonexistent': No such file or directory")
    );
}

/// A long device name goes on its own line; a long mount point is printed
/// whole; both still agree with df.
#[test]
fn long_names_wrap() {
    let out = run(r#"
LONG=/var/lib/a/rather/long/mount/point/for/a/package/filesystem
mkdir -p "$R$LONG"
mount -t tmpfs -o size=5m a-rather-long-device-name-for-pkg01 "$R$LONG"
echo hello > "$R$LONG/f"
bdf_rounds w 'inside /corp/bin/pkgbdf' 'inside /usr/bin/df -k'
echo "=== raw"
inside /corp/bin/pkgbdf
"#);
    let secs = sections(&out);
    let long = "/var/lib/a/rather/long/mount/point/for/a/package/filesystem";
    let w = compare(&secs, "w", false, &[]);
    assert_eq!(w[long].nums[0], "5120");
    let raw: Vec<&str> = secs["raw"].lines().collect();
    let at = raw
        .iter()
        .position(|l| *l == "a-rather-long-device-name-for-pkg01")
        .unwrap_or_else(|| panic!("the name alone on a line: {raw:#?}"));
    let next = raw[at + 1];
    assert!(next.starts_with(&" ".repeat(19)), "{next:?}");
    assert!(next.ends_with(&format!("% {long}")), "{next:?}");
    // the short names keep the numbers on their own line, aligned
    let var = raw
        .iter()
        .find(|l| l.starts_with("tmpfs-var-pkg01"))
        .unwrap();
    let kb_end = raw[0].find("kbytes").unwrap() + "kbytes".len();
    assert_eq!(
        var[..kb_end].trim_start_matches("tmpfs-var-pkg01").trim(),
        "7168"
    );
    assert_eq!(next[..kb_end].trim(), "5120");
}

#[test]
fn usage_errors() {
    let t = TempDir::new("bdfusage");
    for args in [&["-x"][..], &["-t"], &["-p"]] {
        let out = applet(&t, "pkgbdf", args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("pkgbdf: "), "{err}");
    }
    let out = applet(&t, "pkgbdf", &["--help"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("EXIT STATUS"));
}
