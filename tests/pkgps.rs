//! pkgps in private mount, network and pid namespaces: two package roots,
//! each running a few processes (as root, as a user the package names, as
//! one it does not, as one whose name is too long; a program named
//! `my) proc`; a process that emptied its cmdline; a zombie; a shell with
//! control and non-ASCII bytes in its arguments; one on a pty), and a
//! process in the system context. Every row pkgps prints must equal the row
//! `ps -ef` prints for the same pid, run in the system context just before
//! or just after (a sleeping process's C can drop by one between two runs).
//! The system's passwd in the sandbox (an overlay) names the package users
//! as the package's passwd does, so ps maps uids to the package's names.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::collections::{BTreeSet, HashMap};

const WORLD: &str = r#"
private_etc
export PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T" PCUE_CMVIEWCL=0
mkdir -p "$T/sg"
mkroot pkg01
mkroot pkg02
SGCONF="$T/sg" reg_cntl pkg01
SGCONF="$T/sg" reg_cntl pkg02
chmod 755 "$T"
P1=$T/pkg01 P2=$T/pkg02
echo 'longusername:x:4444:4444:Long:/:/bin/sh' >> "$P1/etc/passwd"
printf 'user:x:4242:4242::/:/bin/sh\nlongusername:x:4444:4444::/:/bin/sh\n' >> /etc/passwd
ln -sf /usr/share/zoneinfo/Asia/Kolkata /etc/localtime
cp /usr/share/zoneinfo/Asia/Kolkata "$P1/etc/localtime"
cp /usr/share/zoneinfo/Asia/Kolkata "$P2/etc/localtime"
unset TZ COLUMNS LANG LC_ALL LC_CTYPE
bgrun() { "$@" </dev/null >/dev/null 2>&1 & }
bgrun chroot "$P1" /bin/sleep 600
bgrun chroot --userspec=4242:4242 "$P1" /bin/sleep 601
bgrun chroot --userspec=4343:4343 "$P1" /bin/sleep 602
bgrun chroot --userspec=4444:4444 "$P1" /bin/sleep 603
cp /usr/bin/sleep "$P1/tmp/my) proc"
bgrun chroot --userspec=4242:4242 "$P1" "/tmp/my) proc" 604
pkgps_hide_cmdline "$P1/tmp/hide.py"
chroot --userspec=4242:4242 "$P1" /usr/bin/python3 /tmp/hide.py 'k) th' 600 </dev/null >/dev/null 2>"$T/hide.err" &
HIDE=$!
bgrun chroot "$P1" /bin/sh -c '(exit 0) & exec sleep 605'
bgrun chroot "$P1" /bin/sh -c 'sleep 606; :' "$(printf 'tab\tx')" 'é' "$(printf '\377')"
bgrun setsid script -qfc "chroot $P1 /bin/sleep 607" /dev/null
bgrun chroot "$P2" /bin/sleep 700
bgrun chroot --userspec=4242:4242 "$P2" /bin/sleep 701
bgrun sleep 800
# sshd's privilege separation: a child chrooted into a directory of the
# package root, which sees no mount as /
mkdir -p "$P1/var/empty"
bgrun chroot "$P1" /usr/bin/python3 -c 'import os, time
if os.fork() == 0:
    os.chroot("/var/empty"); os.chdir("/")
time.sleep(608)'
PRIVP=$!
pkgps_wait_empty $HIDE
# every sleeper exec'd (so chrooted): before that, a fork still shows its
# parent's command line and root
wait_until 10 '[ "$(pgrep -fc "^(/bin/)?sleep (60[0-35-7]|70[01]|800)$")" = 10 ] && pgrep -f "^/tmp/my\) proc 604$" >/dev/null' || die "the sleepers did not start"
wait_until 5 "pgrep -f '^/bin/sleep 607' >/dev/null && ps -eo stat= | grep -q Z" ||
    die "no sleep 607 beside a zombie after 5 s"
wait_until 10 'PRIV=$(pgrep -P $PRIVP) && [ "$(readlink /proc/$PRIV/root)" = "$P1/var/empty" ]' || die "no privsep process"
echo "=== privsep"; echo "$PRIV"; awk '$5 == "/"' "/proc/$PRIV/mountinfo" | wc -l
# compare_run TAG CMD...: ps -ef, CMD, ps -ef again
compare_run() {
    local tag=$1 rc; shift
    echo "=== $tag ps1"; ps -ef
    echo "=== $tag pkgps"; set +e; "$@"; rc=$?; set -e
    echo "=== $tag rc"; echo "$rc"
    echo "=== $tag ps2"; ps -ef
}
echo "=== T"; echo "$T"
"#;

/// The `=== NAME` blocks of the script's output.
fn blocks(out: &str) -> HashMap<String, Vec<String>> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    let mut cur = String::new();
    for l in out.lines() {
        if let Some(n) = l.strip_prefix("=== ") {
            cur = n.to_string();
            m.entry(cur.clone()).or_default();
        } else if !cur.is_empty() {
            m.get_mut(&cur).unwrap().push(l.to_string());
        }
    }
    m
}

fn pid_of(line: &str) -> i32 {
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn by_pid(lines: &[String]) -> HashMap<i32, String> {
    lines[1..].iter().map(|l| (pid_of(l), l.clone())).collect()
}

/// pid → root directory (zombies: their parent's).
fn roots(b: &HashMap<String, Vec<String>>) -> HashMap<i32, String> {
    let raw: Vec<(i32, String)> = b["roots"]
        .iter()
        .map(|l| {
            let (p, r) = l.split_once(' ').unwrap();
            (p.parse().unwrap(), r.to_string())
        })
        .collect();
    let direct: HashMap<i32, String> = raw.iter().cloned().collect();
    raw.iter()
        .filter_map(|(p, r)| match r.strip_prefix("zombie:") {
            Some(pp) => Some((*p, direct.get(&pp.parse::<i32>().ok()?)?.clone())),
            None => Some((*p, r.clone())),
        })
        .collect()
}

/// Our row equals the `ps -ef` row taken before (`a`) or after (`z`) it,
/// byte for byte; or, for a process whose C (CPU %) is still moving, every
/// other field equals and C lies between the two snapshots' values.
fn same_row(line: &str, a: Option<&String>, z: Option<&String>) -> bool {
    if a.is_some_and(|a| a == line) || z.is_some_and(|z| z == line) {
        return true;
    }
    let (Some(a), Some(z)) = (a, z) else {
        return false;
    };
    let tok = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let (o, ta, tz) = (tok(line), tok(a), tok(z));
    let c = |t: &[String]| t.get(3).and_then(|c| c.parse::<u32>().ok());
    let others_equal = |t: &[String]| {
        t.len() == o.len()
            && t.iter()
                .zip(&o)
                .enumerate()
                .all(|(i, (x, y))| i == 3 || x == y)
    };
    match (c(&o), c(&ta), c(&tz)) {
        (Some(co), Some(ca), Some(cz)) => {
            others_equal(&ta) && others_equal(&tz) && ca.min(cz) <= co && co <= ca.max(cz)
        }
        _ => false,
    }
}

fn field_diff(ours: &str, theirs: &str) -> String {
    let a: Vec<&str> = ours.split_whitespace().collect();
    let b: Vec<&str> = theirs.split_whitespace().collect();
    let names = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"];
    let mut s = String::new();
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i).unwrap_or(&""), b.get(i).unwrap_or(&""));
        if x != y {
            s += &format!(" {}: '{x}' vs '{y}';", names.get(i).unwrap_or(&"CMD+"));
        }
    }
    s
}

/// Check run `tag`: pkgps's rows (after `strip` leading bytes) are exactly
/// the processes `want` accepts (and `self_cmd`, pkgps itself), each equal
/// to its ps -ef row before or after. Returns pkgps's rows by pid.
fn check(
    b: &HashMap<String, Vec<String>>,
    tag: &str,
    strip: usize,
    want: &dyn Fn(i32) -> bool,
    self_cmd: Option<&str>,
) -> HashMap<i32, String> {
    let ours = &b[&format!("{tag} pkgps")];
    let ps1 = &b[&format!("{tag} ps1")];
    let ps2 = by_pid(&b[&format!("{tag} ps2")]);
    assert_eq!(b[&format!("{tag} rc")], vec!["0"], "{tag}: exit status");
    assert_eq!(ours[0][strip..], ps1[0], "{tag}: header");
    let ps1 = by_pid(ps1);
    let mut got = HashMap::new();
    let mut selves = 0;
    for row in &ours[1..] {
        let line = &row[strip..];
        let pid = pid_of(line);
        if self_cmd.is_some_and(|c| line.ends_with(&format!(" {c}"))) && !ps1.contains_key(&pid) {
            selves += 1;
            continue;
        }
        assert!(want(pid), "{tag}: pid {pid} should not be listed: {row}");
        let (a, z) = (ps1.get(&pid), ps2.get(&pid));
        assert!(
            same_row(line, a, z),
            "{tag}: pid {pid} differs from ps -ef:\n ours {line}\n ps   {}\n{}",
            a.or(z).map(String::as_str).unwrap_or("(not in ps)"),
            field_diff(line, a.or(z).map(String::as_str).unwrap_or(""))
        );
        got.insert(pid, row.clone());
    }
    if self_cmd.is_some() {
        assert_eq!(selves, 1, "{tag}: pkgps lists itself once");
    }
    let expected: BTreeSet<i32> = ps1
        .keys()
        .filter(|p| ps2.contains_key(p) && want(**p))
        .copied()
        .collect();
    let listed: BTreeSet<i32> = got.keys().copied().collect();
    assert!(
        expected.is_subset(&listed),
        "{tag}: missing {:?}",
        expected.difference(&listed).collect::<Vec<_>>()
    );
    got
}

fn row_with<'a>(rows: &'a HashMap<i32, String>, cmd_end: &str) -> &'a str {
    let hits: Vec<&String> = rows.values().filter(|r| r.ends_with(cmd_end)).collect();
    assert_eq!(hits.len(), 1, "one row ending in '{cmd_end}': {rows:#?}");
    hits[0]
}

/// The main comparison: inside pkg01 as an unprivileged user, in UTF-8 and
/// C locales, in another time zone and on a narrow screen; then -p pkg02
/// and -a from the system context. About 10 s.
#[test]
fn rows_equal_ps_ef_inside_and_outside() {
    let script = format!(
        "{WORLD}{}",
        r#"
echo "=== roots"; pkgps_roots
IN="chroot --userspec=4242:4242 $P1 /corp/bin/pkgps"
(export LC_ALL=C.UTF-8; compare_run utf8 $IN)
(export LC_ALL=C; compare_run c $IN)
(export LC_ALL=C.UTF-8 TZ=America/St_Johns; compare_run tz $IN)
(export LC_ALL=C.UTF-8 COLUMNS=70; compare_run cols $IN)
(export LC_ALL=C.UTF-8; compare_run p2 as_user "$PCUE" pkgps -p pkg02)
(export LC_ALL=C.UTF-8; compare_run all "$PCUE" pkgps -a)
echo "=== hide.err"; cat "$T/hide.err"
"#
    );
    let out = sandbox_ok(&script);
    let b = blocks(&out);
    let t = b["T"][0].clone();
    let roots = roots(&b);
    let (p1, p2) = (format!("{t}/pkg01"), format!("{t}/pkg02"));
    // a process chrooted below the package root is in the package
    let under = |r: &str, root: &str| r == root || r.starts_with(&format!("{root}/"));
    let in1 = |pid: i32| roots.get(&pid).is_some_and(|r| under(r, &p1));
    let in2 = |pid: i32| roots.get(&pid).is_some_and(|r| *r == p2);
    assert!(
        roots.values().filter(|r| **r == p1).count() >= 10,
        "the world has pkg01's processes: {roots:?}"
    );

    let privsep: i32 = b["privsep"][0].parse().unwrap();
    assert_eq!(
        b["privsep"][1], "0",
        "the privsep process sees no mount as /"
    );
    assert_eq!(roots[&privsep], format!("{p1}/var/empty"));

    let utf8 = check(&b, "utf8", 0, &in1, Some("/corp/bin/pkgps"));
    assert!(utf8.contains_key(&privsep), "privsep listed: {utf8:#?}");
    assert!(row_with(&utf8, " /bin/sleep 600").starts_with("root "));
    assert!(row_with(&utf8, " /bin/sleep 601").starts_with("user "));
    assert!(
        row_with(&utf8, " /bin/sleep 602").starts_with("4343 "),
        "unknown uid"
    );
    assert!(row_with(&utf8, " /bin/sleep 603").starts_with("longuse+ "));
    assert!(row_with(&utf8, " /tmp/my) proc 604").starts_with("user "));
    assert!(row_with(&utf8, " [k) th]").starts_with("user "));
    assert!(row_with(&utf8, " [sh] <defunct>").starts_with("root "));
    row_with(&utf8, " sleep 606; : tab?x é ?");
    let tty = row_with(&utf8, " /bin/sleep 607");
    assert!(tty.contains(" pts/"), "controlling terminal shown: {tty}");

    let c = check(&b, "c", 0, &in1, Some("/corp/bin/pkgps"));
    row_with(&c, " sleep 606; : tab.x ?? ?");
    let tz = check(&b, "tz", 0, &in1, Some("/corp/bin/pkgps"));
    let stime = |r: &str| r.split_whitespace().nth(4).unwrap().to_string();
    assert_ne!(
        stime(row_with(&utf8, " /bin/sleep 600")),
        stime(row_with(&tz, " /bin/sleep 600")),
        "STIME follows the time zone"
    );
    let cols = check(&b, "cols", 0, &in1, Some("/corp/bin/pkgps"));
    assert!(cols.values().all(|r| r.len() <= 70), "{cols:#?}");
    assert!(cols.values().any(|r| r.len() == 70), "some row was cut");

    let p = check(&b, "p2", 0, &in2, None);
    assert_eq!(p.len(), 2, "pkg02 runs two processes: {p:#?}");

    // -a: everything, the PACKAGE column naming each root
    let labels: HashMap<i32, String> = b["all pkgps"][1..]
        .iter()
        .map(|r| (pid_of(&r[9..]), r[..8].trim().to_string()))
        .collect();
    let all = check(&b, "all", 9, &|_| true, Some("pkgps -a"));
    assert!(all.len() >= 15, "{all:#?}");
    for pid in all.keys() {
        let want = match roots.get(pid).map(String::as_str) {
            Some(r) if under(r, &p1) => "pkg01",
            Some(r) if r == p2 => "pkg02",
            Some("/") => "-",
            // started after the roots were read: the test's own shells
            None => "-",
            other => panic!("pid {pid} has root {other:?}"),
        };
        assert_eq!(labels[pid], want, "PACKAGE of pid {pid}");
    }
    assert!(all.contains_key(&privsep), "privsep in -a");
    assert!(b["hide.err"].is_empty(), "{:?}", b["hide.err"]);
}

/// Refusals and exit codes; unreadable processes are skipped and counted.
#[test]
fn errors_and_unreadable_processes() {
    let script = format!(
        "{WORLD}{}",
        r#"
set +e
as_user "$PCUE" pkgps >/dev/null 2>"$T/e"; echo "sys_rc=$?"; echo "sys_msg=$(cat "$T/e")"
chroot --userspec=4242:4242 "$P1" /corp/bin/pkgps -a >/dev/null 2>"$T/e"; echo "in_a_rc=$?"; echo "in_a_msg=$(cat "$T/e")"
"$PCUE" pkgps -p nosuch >/dev/null 2>"$T/e"; echo "nopkg_rc=$?"; echo "nopkg_msg=$(cat "$T/e")"
"$PCUE" pkgps -p ../etc >/dev/null 2>&1; echo "badname_rc=$?"
"$PCUE" pkgps -a -p pkg01 >/dev/null 2>&1; echo "both_rc=$?"
"$PCUE" pkgps -x >/dev/null 2>&1; echo "badopt_rc=$?"
mkdir "$T/empty"; mount -t tmpfs empty "$T/empty"
"$PCUE" pkgps -p empty > "$T/o" 2>&1; echo "empty_rc=$?"; echo "empty_lines=$(wc -l < "$T/o")"
# hidepid=1 on pkg02's /proc: other users' files there cannot be read
mount -o remount,hidepid=1 "$P2/proc"
chroot --userspec=4242:4242 "$P2" /usr/bin/env PCUE_LOG=debug /corp/bin/pkgps >"$T/o" 2>"$T/e"; echo "hide_rc=$?"
echo "hide_rows=$(tail -n +2 "$T/o" | awk '{print $NF}' | sort | tr '\n' ' ')"
echo "hide_users=$(tail -n +2 "$T/o" | awk '{print $1}' | sort -u | tr '\n' ' ')"
echo "hide_debug=$(grep 'unreadable skipped' "$T/e")"
echo "hide_visible=$(ls -d /proc/[0-9]* | wc -l)"
"#
    );
    let out = sandbox_ok(&script);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("{k} missing: {out}"));
    assert_eq!(f("sys_rc"), "1");
    assert_eq!(f("sys_msg"), "pkgps: not in a package (use -p PKG or -a)");
    assert_eq!(f("in_a_rc"), "1");
    assert_eq!(
        f("in_a_msg"),
        "pkgps: -p and -a work only in the system context"
    );
    assert_eq!(f("nopkg_rc"), "1");
    assert!(
        f("nopkg_msg").starts_with("pkgps: package 'nosuch' is not mounted"),
        "{out}"
    );
    assert_eq!(f("badname_rc"), "2");
    assert_eq!(f("both_rc"), "2");
    assert_eq!(f("badopt_rc"), "2");
    assert_eq!(
        f("empty_rc"),
        "1",
        "no process: header only, status 1 as ps"
    );
    assert_eq!(f("empty_lines"), "1");
    assert_eq!(f("hide_rc"), "0", "{out}");
    assert_eq!(
        f("hide_rows"),
        "/corp/bin/pkgps 701 ",
        "only its own user's"
    );
    assert_eq!(f("hide_users"), "user ");
    let dbg = f("hide_debug");
    // "... N unreadable skipped; ...", whatever prefix the logger gives
    let words: Vec<&str> = dbg.split(' ').collect();
    let n: usize = words
        .windows(2)
        .find(|w| w[1] == "unreadable")
        .and_then(|w| w[0].parse().ok())
        .unwrap_or_else(|| panic!("{dbg}"));
    assert!(
        n >= 10,
        "root's and others' processes counted as unreadable: {dbg}"
    );
}

/// -a and -p against roots someone else controls: a package passwd with a
/// Latin-1 GECOS (its users still named), one that is a FIFO and one that
/// is a symlink to /dev/zero (refused: uids numeric, no hang, no memory
/// blow-up); roots no package has (named by their mount point, even one
/// at a path ending in a package's name; never by their passwd, a FIFO
/// here); a process in another mount namespace (`?`, named from the
/// system's passwd). -p through a symlinked root prefix, with STIME in the
/// package's time zone as inside it.
#[test]
fn foreign_roots_and_hostile_passwd_files() {
    let script = r#"
private_etc
export PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T" PCUE_CMVIEWCL=0 SGCONF="$T/sg"
unset TZ COLUMNS LANG LC_ALL LC_CTYPE
mkdir -p "$T/sg"
chmod 755 "$T"
for p in pkg01 pkg03 pkg04; do mkroot $p; reg_cntl $p; done
mkroot x/pkg01
mkroot evil
printf 'op:x:4545:4545:Jos\351 Mar\355a:/:/bin/sh\n' >> "$T/pkg01/etc/passwd"
rm "$T/pkg03/etc/passwd" "$T/evil/etc/passwd"
mkfifo "$T/pkg03/etc/passwd" "$T/evil/etc/passwd"
ln -sf /dev/zero "$T/pkg04/etc/passwd"
ln -sf /usr/share/zoneinfo/Asia/Kolkata /etc/localtime
cp /usr/share/zoneinfo/America/St_Johns "$T/pkg01/etc/localtime"
ln -s "$T" "$T/link"
bgrun() { "$@" </dev/null >/dev/null 2>&1 & }
bgrun chroot --userspec=4545:4545 "$T/pkg01" /bin/sleep 900
bgrun chroot "$T/pkg03" /bin/sleep 903
bgrun chroot "$T/pkg04" /bin/sleep 904
bgrun chroot "$T/x/pkg01" /bin/sleep 905
bgrun chroot "$T/evil" /bin/sleep 906
bgrun unshare -m sleep 909
wait_until 10 '[ "$(pgrep -fc "^(/bin/)?sleep 90[0345-69]$")" = 6 ]' || die "the sleepers did not start"
echo "T=$T"
set +e
(ulimit -v 1000000; timeout 10 "$PCUE" pkgps -a >"$T/a" 2>"$T/a.err"); echo "all_rc=$?"
echo "all_err=$(head -c 300 "$T/a.err" | tr '\n' ' ')"
for n in 900 903 904 905 906 909; do
    echo "all_$n=$(grep -E " (/bin/)?sleep $n\$" "$T/a" | awk '{print $1 "|" $2}')"
done
PCUE_ROOT_PREFIX="$T/link" "$PCUE" pkgps -p pkg01 > "$T/p" 2>&1; echo "link_rc=$?"
echo "link_900=$(grep ' /bin/sleep 900$' "$T/p" | awk '{print $1 "|" $5}')"
echo "in_900=$(chroot "$T/pkg01" /corp/bin/pkgps | grep ' /bin/sleep 900$' | awk '{print $1 "|" $5}')"
echo "sys_900=$(ps -ef | grep ' /bin/sleep 900$' | awk '{print $5}')"
# a user's mount namespace with a huge table costs pkgps -a its first
# few KiB, not the whole table
kib() { PCUE_LOG=debug "$PCUE" pkgps -a 2>&1 >/dev/null | sed -n 's/.* mountinfo files (\([0-9]*\) KiB).*/\1/p'; }
before=$(kib)
long=$T/$(printf 'm%.0s' $(seq 200))
mkdir -p "$long"
unshare -m sh -c 'for i in $(seq 2000); do mount -t tmpfs -o size=4k t "$1" || exit 1; done; exec sleep 910' - "$long" </dev/null >/dev/null 2>&1 &
wait_until 60 'pgrep -fx "sleep 910" >/dev/null' || die "no big namespace"
big=$(pgrep -fx "sleep 910")
echo "big_kib=$(( $(wc -c < /proc/$big/mountinfo) / 1024 ))"
echo "extra_kib=$(( $(kib) - before ))"
# the same from a setuid-root install run by a user: musl takes no zone
# file from TZ then, so the package's zone must arrive as a rule
setuid_copy
echo "SGCONF=$T/sg" > /etc/cmcluster.conf
echo "PCUE_ROOT=\"$T/pkg01\"" >> "$T/sg/pkg01/pkg01.cntl"
as_user "$T/bin/pkgps" -p pkg01 > "$T/s" 2>&1; echo "suid_rc=$?"
echo "suid_900=$(grep ' /bin/sleep 900$' "$T/s" | awk '{print $1 "|" $5}')"
"#;
    let out = sandbox_ok(script);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("{k} missing: {out}"));
    let t = f("T");
    assert_eq!(f("all_rc"), "0", "-a finishes: {out}");
    assert_eq!(f("all_900"), "pkg01|op", "Latin-1 GECOS: still named");
    assert_eq!(f("all_903"), "pkg03|0", "FIFO passwd: numeric");
    assert_eq!(f("all_904"), "pkg04|0", "/dev/zero passwd: numeric");
    assert_eq!(f("all_905"), format!("{t}/x/pkg01|root"), "not pkg01");
    assert_eq!(f("all_906"), format!("{t}/evil|root"));
    assert_eq!(f("all_909"), "?|root", "other mount namespace");
    assert_eq!(f("link_rc"), "0", "{out}");
    let (link, inside) = (f("link_900"), f("in_900"));
    assert!(link.starts_with("op|"), "{out}");
    assert_eq!(link, inside, "-p: STIME in the package's time zone");
    let big: u64 = f("big_kib").parse().unwrap();
    let extra: i64 = f("extra_kib").parse().unwrap();
    assert!(big > 400, "the namespace's table is large: {big} KiB");
    assert!(extra <= 8, "read {extra} KiB more for it ({big} KiB table)");
    assert_eq!(f("suid_rc"), "0", "{out}");
    assert_eq!(f("suid_900"), inside, "setuid -p: the package's zone too");
    assert_ne!(
        link.split('|').nth(1).unwrap(),
        f("sys_900"),
        "the package's zone is not the system's"
    );
}
