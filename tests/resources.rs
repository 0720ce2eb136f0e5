//! Resource control (issue 19): a package started by pcue.sh gets one
//! cgroup (the unified hierarchy and v1 memory, blkio; v1 pids only with
//! TasksMax=, v1 cpu only with a CPU limit, cpuacct never: CPU time is the
//! unified cpu.stat)
//! with the limits of its /etc/pcue/resources and the cluster's overrides;
//! pkginit, execsh and pkgnet (under a real inetd) put every process of the
//! package in it; pkgstat and pkgps agree on what is in it; stop removes
//! it, a start after kill -9 of pkginit leaves one. Cgroups are the node's
//! (not namespaced): each run uses a name prefix of its own
//! (PCUE_CGROUP_PREFIX, pcue-test-PID-RANDOM) and removes it on exit.

mod common;
use common::*;

const WORLD: &str = r#"
private_dev
private_etc
mount -t tmpfs pcue-run /run
net_up 127.0.0.2
setuid_registry
reg_cntl pkg01 127.0.0.2
setuid_copy
export PCUE_CMVIEWCL=0
# the package filesystem, which the cluster mounts before pcue.sh start
mkdir -p "$T/pkg01"; mount -t tmpfs -o mode=755 pkgfs-pkg01 "$T/pkg01"
"$T/bin/mkpcue" pkg01 >/dev/null || die "mkpcue pkg01"
R="$T/pkg01"
echo "user:x:$TUID:$TGID:Package user:/home/user:/bin/sh" >> "$R/etc/passwd"
echo "user:x:$TGID:" >> "$R/etc/group"
mkdir -p "$R/home/user"; chown "$TUID:$TGID" "$R/home/user"
printf 'id:3:initdefault:\nsl:3:respawn:/bin/sleep 1001\n' > "$R/etc/inittab"
# cgroups are global: a prefix of this run's own, removed at the end
export PCUE_CGROUP_PREFIX="${PCUE_CGROUP_PREFIX:-pcue-test-$$-$RANDOM}"
CG=/sys/fs/cgroup
cg_cleanup() {
    local d i pass sd="$CG/unified/$PCUE_CGROUP_PREFIX.sd"
    # twice: a threaded (unified) cgroup's processes are killed through
    # the v1 hierarchies' cgroup.procs
    for pass in 1 2; do
        for d in $(find "$CG"/*/"$PCUE_CGROUP_PREFIX" "$sd" -mindepth 1 -depth -type d 2>/dev/null); do
            for i in $(seq 50); do
                [ -n "$(cat "$d/cgroup.procs" 2>/dev/null)" ] || break
                xargs -r kill -9 < "$d/cgroup.procs" 2>/dev/null || true
                sleep 0.05
            done
            rmdir "$d" 2>/dev/null || true
        done
    done
    rmdir "$CG"/*/"$PCUE_CGROUP_PREFIX" "$sd" 2>/dev/null || true
}
trap cg_cleanup EXIT
# cg_dirs PKG: the package's cgroup directories under this run's prefix
cg_dirs() { ls -d "$CG"/*/"$PCUE_CGROUP_PREFIX/$1" 2>/dev/null || true; }
# in_cg PID PKG: yes when PID is in PKG's cgroup in the unified hierarchy
# and in the v1 memory, pids and blkio ones (/proc/PID/cgroup)
in_cg() {
    local want="/$PCUE_CGROUP_PREFIX/$2" c
    for c in '0:' ':memory:' ':pids:' ':blkio:'; do
        grep -q "^[0-9]*$c.*:$want\$\|^[0-9]*$c$want\$" "/proc/$1/cgroup" || { echo "no:$c"; return; }
    done
    echo yes
}
# cpu_cgs PID: the v1 cpu and cpuacct cgroups under this run's prefix PID is in
cpu_cgs() { grep -E "^[0-9]+:(cpu|cpuacct):/$PCUE_CGROUP_PREFIX/" "/proc/$1/cgroup" | cut -d: -f2 | tr '\n' ' '; }
start() { env PCUE_BIN="$T/bin" "$REPO/examples/serviceguard/pcue.sh" start pkg01; }
stop() { env PCUE_BIN="$T/bin" "$REPO/examples/serviceguard/pcue.sh" stop pkg01; }
"#;

fn run(script: &str) -> String {
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

/// TasksMax=40 and MemoryMax=64M from /etc/pcue/resources: a package
/// user's fork loop is stopped below 40, a 200 MB allocation is killed and
/// counted; processes from pkginit, execsh and pkgnet are all in the
/// cgroup, in every hierarchy (unified too); pkgps lists exactly the
/// cgroup's processes and pkgstat counts them; a user cannot move a
/// process in; stop leaves no cgroup; kill -9 of pkginit then a start
/// leaves one, with the dead pkginit's leftovers gone.
#[test]
fn limits_membership_and_lifecycle() {
    require("inetd");
    require("socat");
    require("python3");
    let out = run(r#"
mkdir -p "$R/etc/pcue"; printf 'TasksMax=40\nMemoryMax=64M\n' > "$R/etc/pcue/resources"
cat > "$T/inetd.conf" <<CONF
7401 stream tcp nowait root $T/bin/pkgnet pkgnet /bin/sleep 778
7402 stream tcp wait root $T/bin/pkgnet pkgnet -a /bin/sleep 779
CONF
inetd -d "$T/inetd.conf" > "$T/inetd.log" 2>&1 &
start > "$T/start.out" 2>&1 || die "start: $(cat "$T/start.out")"
cat > "$R/tmp/fork.py" <<'PY'
import os, time
ok = fail = 0
kids = []
for i in range(80):
    try:
        p = os.fork()
    except OSError:
        fail += 1
        continue
    if p == 0:
        time.sleep(5)
        os._exit(0)
    kids.append(p)
    ok += 1
print("forked=%d failed=%d" % (ok, fail))
for k in kids:
    os.kill(k, 9)
    os.waitpid(k, 0)
PY
as_user "$T/bin/execsh" pkg01 /usr/bin/python3 /tmp/fork.py
echo "pids_events=$(cat "$CG/pids/$PCUE_CGROUP_PREFIX/pkg01/pids.events")"
hog_rc=0
as_user "$T/bin/execsh" pkg01 /usr/bin/python3 -c 'x = b"x" * (200 << 20); print("allocated")' || hog_rc=$?
echo "hog_rc=$hog_rc"
"$T/bin/pkgstat" -r -p pkg01 | awk -F '\t' 'NR == 2 { print "oom=" $15 }'
as_user "$T/bin/execsh" pkg01 /bin/sleep 777 &
socat -u TCP:127.0.0.2:7401,bind=127.0.0.1 - </dev/null >/dev/null 2>&1 &
socat -u TCP:127.0.0.2:7402,bind=127.0.0.1 - </dev/null >/dev/null 2>&1 &
wait_until 5 'pgrep -f "^(/bin/)?sleep 77[89]" | wc -l | grep -qx 2 && pgrep -f "^(/bin/)?sleep 777" >/dev/null' || die "no sessions: $(cat $T/inetd.log)"
ip=$(pkginit_pid pkg01)
echo "init=$(in_cg "$ip" pkg01)"
echo "initchild=$(in_cg "$(pgrep -f '^(/bin/)?sleep 1001')" pkg01)"
echo "execsh=$(in_cg "$(pgrep -f '^(/bin/)?sleep 777')" pkg01)"
echo "pkgnet=$(in_cg "$(pgrep -f '^(/bin/)?sleep 778')" pkg01)"
# pkgnet -a: the daemon joined the cgroup itself; the accepting pkgnet
# stays in the node's
echo "accepted=$(in_cg "$(pgrep -f '^(/bin/)?sleep 779')" pkg01)"
a=$(pgrep -fx 'pkgnet -a /bin/sleep 779' || true)
echo "acceptor=$([ -n "$a" ] && in_cg "$a" pkg01 || echo none)"
echo "inetd=$(in_cg "$(pgrep -x inetd)" pkg01)"
# no CPU limit: no cpu cgroup, and never a cpuacct one (CPU time is the
# unified cgroup's cpu.stat)
echo "cpucgs=[$(cpu_cgs "$ip")$(cpu_cgs "$(pgrep -f '^(/bin/)?sleep 777')")]"
echo "cpudirs=[$(ls -d "$CG/cpu/$PCUE_CGROUP_PREFIX" "$CG/cpuacct/$PCUE_CGROUP_PREFIX" 2>/dev/null)]"
echo "record=$(grep -v '^#' /run/pcue/cgroup/pkg01 | cut -d' ' -f1 | sort | tr '\n' ' ')"
# half a second of a package user's CPU: pkgstat's CPU time is the unified
# cgroup's (read right after it; the rest of the package sleeps)
as_user "$T/bin/execsh" pkg01 /usr/bin/python3 -c 'import time
while time.process_time() < 0.5: pass'
echo "busy_pkgstat=$("$T/bin/pkgstat" -r -p pkg01 | awk -F '\t' 'NR == 2 { print $4 }')"
echo "busy_cpustat=$(awk '$1 == "usage_usec" { print $2 }' "$CG/unified/$PCUE_CGROUP_PREFIX/pkg01/cpu.stat")"
ps=$("$T/bin/pkgps" -p pkg01 | awk 'NR > 1 { print $2 }' | sort -n | tr '\n' ' ')
cg=$(sort -n "$CG/pids/$PCUE_CGROUP_PREFIX/pkg01/cgroup.procs" | tr '\n' ' ')
# the unified cgroup is threaded here (no controller): its threads' processes
ucg=$(for t in $(cat "$CG/unified/$PCUE_CGROUP_PREFIX/pkg01/cgroup.threads"); do
    awk '/^Tgid:/ { print $2 }' "/proc/$t/status"; done | sort -nu | tr '\n' ' ')
# the session parents (execsh's, pkgnet's) joined the cgroup before they
# forked into the package: in the cgroup, outside its pid namespace
parents="$(ps -o ppid= -p "$(pgrep -f '^(/bin/)?sleep 777')") $(ps -o ppid= -p "$(pgrep -f '^(/bin/)?sleep 778')")"
echo "pkgps=$ps"
echo "cgroup=$cg"
echo "cgpkg=$(for p in $cg; do case " $parents " in *" $p "*) ;; *) echo $p ;; esac; done | tr '\n' ' ')"
echo "parents=$(for p in $parents; do case " $cg " in *" $p "*) echo in ;; *) echo out ;; esac; done | tr '\n' ' ')"
echo "unified=$ucg"
echo "utype=$(cat "$CG/unified/$PCUE_CGROUP_PREFIX/pkg01/cgroup.type")"
"$T/bin/pkgstat" -r -p pkg01 | awk -F '\t' 'NR == 2 { print "nproc=" $2; print "tasksmax=" $10; print "memmax=" $7 }'
as_user "$T/bin/pkgstat"
echo "reports=$(as_user "$T/bin/pkgstat" -s name 1 2 | grep -c '^PACKAGE ')"
echo "rawheaders=$("$T/bin/pkgstat" -r 1 2 | grep -c '^package')"
echo "rawlines=$("$T/bin/pkgstat" -r 1 2 | grep -c '^pkg01	')"
as_user sh -c "echo \$\$ > $CG/pids/$PCUE_CGROUP_PREFIX/pkg01/cgroup.procs" 2>/dev/null && echo "userjoin=yes" || echo "userjoin=no"
pkill -f '^(/bin/)?sleep 77[789]'
wait_until 5 '! pgrep -f "^(/bin/)?sleep 77[789]" >/dev/null'
stop > "$T/stop.out" 2>&1 || die "stop: $(cat "$T/stop.out")"
echo "afterstop=[$(cg_dirs pkg01)][$(ls /run/pcue/cgroup)]"
# kill -9 of pkginit, then a start
start > "$T/start.out" 2>&1 || die "start: $(cat "$T/start.out")"
old=$(pgrep -f '^(/bin/)?sleep 1001')
kill -9 "$(pkginit_pid pkg01)"
# what an earlier start with a CPU limit (or an older pcue) made: gone
mkdir -p "$CG/cpu/$PCUE_CGROUP_PREFIX/pkg01" "$CG/cpuacct/$PCUE_CGROUP_PREFIX/pkg01"
start > "$T/start2.out" 2>&1 || die "start2: $(cat "$T/start2.out")"
cat "$T/start2.out"
wait_until 5 '[ -n "$(pgrep -f "^(/bin/)?sleep 1001")" ] && [ "$(pgrep -f "^(/bin/)?sleep 1001")" != "$old" ]'
echo "dirs=$(cg_dirs pkg01 | wc -l) all=$(find "$CG"/*/"$PCUE_CGROUP_PREFIX" -mindepth 1 -maxdepth 1 -type d | wc -l)"
st=$(ps -o stat= -p "$old" || true)
echo "old_alive=$(case $st in ''|Z*) echo no ;; *) echo yes ;; esac)"
echo "init2=$(in_cg "$(pkginit_pid pkg01)" pkg01)"
stop > "$T/stop.out" 2>&1 || die "stop: $(cat "$T/stop.out")"
echo "afterstop2=[$(cg_dirs pkg01)][$(ls /run/pcue/cgroup)]"
# no TasksMax=: no pids cgroup (nothing to limit there); TASKS is the
# count of the package's threads
printf 'MemoryMax=64M\n' > "$R/etc/pcue/resources"
start > "$T/start3.out" 2>&1 || die "start3: $(cat "$T/start3.out")"
as_user "$T/bin/execsh" pkg01 /bin/sleep 780 &
wait_until 5 'pgrep -f "^(/bin/)?sleep 780" >/dev/null' || die "no session 780"
echo "record3=$(grep -v '^#' /run/pcue/cgroup/pkg01 | cut -d' ' -f1 | sort | tr '\n' ' ')"
echo "pidsdir3=[$(ls -d "$CG/pids/$PCUE_CGROUP_PREFIX/pkg01" 2>/dev/null)]"
echo "execsh3=$(grep -c ":/$PCUE_CGROUP_PREFIX/pkg01\$" "/proc/$(pgrep -f '^(/bin/)?sleep 780')/cgroup")"
"$T/bin/pkgstat" -r -p pkg01 | awk -F '\t' 'NR == 2 { print "tasks3=" $9; print "tasksmax3=" $10 }'
echo "threads3=$(wc -l < "$CG/memory/$PCUE_CGROUP_PREFIX/pkg01/tasks")"
pkill -f '^(/bin/)?sleep 780'
wait_until 5 '! pgrep -f "^(/bin/)?sleep 780" >/dev/null'
stop > "$T/stop.out" 2>&1 || die "stop3: $(cat "$T/stop.out")"
echo "afterstop3=[$(cg_dirs pkg01)][$(ls /run/pcue/cgroup)]"
"#);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    let forked: u32 = out
        .lines()
        .find_map(|l| l.strip_prefix("forked="))
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no fork count:\n{out}"));
    assert!(
        forked > 0 && forked < 40,
        "fork loop not stopped below 40: {out}"
    );
    assert!(out.contains("failed="), "{out}");
    let refused: u32 = f("pids_events").trim_start_matches("max ").parse().unwrap();
    assert!(refused > 0, "pids.events counts refused forks: {out}");
    assert_eq!(f("hog_rc"), "137", "the 200 MB allocation is killed: {out}");
    assert!(!out.contains("allocated"), "{out}");
    assert_eq!(f("oom"), "1", "pkgstat counts the OOM kill: {out}");
    for who in ["init", "initchild", "execsh", "pkgnet", "accepted", "init2"] {
        assert_eq!(f(who), "yes", "{who} in the package's cgroup: {out}");
    }
    assert_ne!(f("inetd"), "yes", "inetd stays outside: {out}");
    assert!(
        f("acceptor").starts_with("no:"),
        "the accepting pkgnet runs, in the node's cgroup: {out}"
    );
    assert_eq!(f("cpucgs"), "[]", "no cpu or cpuacct cgroup: {out}");
    assert_eq!(f("cpudirs"), "[]", "{out}");
    assert_eq!(
        f("record"),
        "blkio memory pids unified ",
        "the record lists what was made: {out}"
    );
    let busy: u64 = f("busy_pkgstat").parse().unwrap();
    let cpustat: u64 = f("busy_cpustat").parse().unwrap();
    assert!(busy >= 500_000, "pkgstat counts the busy loop: {out}");
    assert!(
        busy <= cpustat && cpustat - busy < 20_000,
        "pkgstat's CPU time is the unified cpu.stat's: {out}"
    );
    assert_eq!(
        f("pkgps"),
        f("cgpkg"),
        "pkgps lists the cgroup's processes in the package: {out}"
    );
    assert_eq!(
        f("parents"),
        "in in ",
        "the session parents are in the cgroup too: {out}"
    );
    assert_eq!(
        f("unified"),
        f("cgroup"),
        "the same on the unified hierarchy: {out}"
    );
    assert_eq!(f("utype"), "threaded", "{out}");
    let n = f("cgroup").split_whitespace().count();
    assert!(n >= 4, "{out}");
    assert_eq!(f("nproc"), n.to_string(), "pkgstat NPROC: {out}");
    assert_eq!(f("tasksmax"), "40", "{out}");
    assert_eq!(f("memmax"), "67108864", "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("pkg01 ") && l.contains("/64M") && l.contains("/40")),
        "pkgstat (as a package user) shows pkg01 with its limits: {out}"
    );
    assert_eq!(f("userjoin"), "no", "{out}");
    assert_eq!(f("reports"), "2", "pkgstat 1 2: two reports: {out}");
    assert_eq!(f("rawheaders"), "1", "pkgstat -r 1 2: one header: {out}");
    assert_eq!(
        f("rawlines"),
        "2",
        "pkgstat -r 1 2: a line per report: {out}"
    );
    assert_eq!(
        f("afterstop"),
        "[][]",
        "stop leaves no cgroup and no record: {out}"
    );
    // kill -9 of the package's pid 1 ended every process of the package
    // (its pid namespace): mkpcue --cgroup finds nothing left to kill, and
    // the old daemon is gone (below)
    assert_eq!(
        f("dirs"),
        "4 all=4",
        "one cgroup per hierarchy needed, nothing else: {out}"
    );
    assert_eq!(
        f("old_alive"),
        "no",
        "the dead pkginit's daemon is gone: {out}"
    );
    assert_eq!(f("afterstop2"), "[][]", "{out}");
    assert_eq!(
        f("record3"),
        "blkio memory unified ",
        "without TasksMax= no pids cgroup: {out}"
    );
    assert_eq!(f("pidsdir3"), "[]", "{out}");
    assert_eq!(
        f("execsh3"),
        "3",
        "execsh joined the three (unified, memory, blkio): {out}"
    );
    // pkginit, its sleep, the execsh session's parent and its sleep
    let threads: u64 = f("threads3").parse().unwrap();
    assert!(threads >= 4, "{out}");
    assert_eq!(
        f("tasks3"),
        threads.to_string(),
        "TASKS counts the threads: {out}"
    );
    assert_eq!(f("tasksmax3"), "-", "{out}");
    assert_eq!(f("afterstop3"), "[][]", "{out}");
}

/// A malformed line and an unknown directive are named with file and line
/// and the rest is applied; a limit the node cannot enforce refuses the
/// start with the reason and leaves nothing, unless Limits=best-effort; the
/// cluster's value wins over the file's; a record that is not root's or
/// names anything but a cgroup makes execsh refuse (fail closed).
#[test]
fn messages_and_what_is_applied() {
    let out = run(r#"
mkdir -p "$R/etc/pcue"
# a malformed line and an unknown directive: named, the rest applied
printf 'TasksMax=40\nMemoryMax 64M\nFooBar=1\nCPUQuota=20%%\n' > "$R/etc/pcue/resources"
start > "$T/out" 2>&1 || die "start: $(cat "$T/out")"
grep 'resources:' "$T/out" | sed 's/^/msg1: /'
d="$CG/%s/$PCUE_CGROUP_PREFIX/pkg01"
echo "pids_max=$(cat "$CG/pids/$PCUE_CGROUP_PREFIX/pkg01/pids.max")"
echo "quota=$(cat "$CG/cpu/$PCUE_CGROUP_PREFIX/pkg01/cpu.cfs_quota_us")"
echo "mem_limit=$(cat "$CG/memory/$PCUE_CGROUP_PREFIX/pkg01/memory.limit_in_bytes")"
# a CPU limit: the cpu cgroup, pkginit in it, pkgstat shows the quota
echo "cpu_in=$(cpu_cgs "$(pkginit_pid pkg01)")"
echo "quota_pct=$("$T/bin/pkgstat" -r -p pkg01 | awk -F '\t' 'NR == 2 { print $5 }')"
stop > "$T/out" 2>&1 || die "stop: $(cat "$T/out")"
# a limit this node cannot enforce (blkio here has no blkio.weight; v1
# memory has no MemoryHigh): the start is refused, nothing is left
printf 'TasksMax=30\nIOWeight=200\nMemoryHigh=32M\n' > "$R/etc/pcue/resources"
rc=0; start > "$T/out" 2>&1 || rc=$?
echo "refused_rc=$rc"
grep "can't enforce" "$T/out" | sed 's/^/msg2: /'
echo "refused_left=[$(cg_dirs pkg01)][$(ls /run/pcue/cgroup)][$(pkginit_pid pkg01)]"
"$T/bin/mkpcue" --umount pkg01 >/dev/null
# best effort: started, the rest applied, a warning; the cluster's value
# (PEV_PCUE_TASKS_MAX) wins over the file's
printf 'TasksMax=30\nIOWeight=200\nLimits=best-effort\n' > "$R/etc/pcue/resources"
PEV_PCUE_TASKS_MAX=25 start > "$T/out" 2>&1 || die "start: $(cat "$T/out")"
grep "not enforced" "$T/out" | sed 's/^/msg3: /'
echo "pids_max2=$(cat "$CG/pids/$PCUE_CGROUP_PREFIX/pkg01/pids.max")"
# started again without a CPU limit: no cpu cgroup any more
echo "cpu_gone=[$(ls -d "$CG/cpu/$PCUE_CGROUP_PREFIX" 2>/dev/null)][$(cpu_cgs "$(pkginit_pid pkg01)")]"
echo "quota_none=$("$T/bin/pkgstat" -r -p pkg01 | awk -F '\t' 'NR == 2 { print $5 }')"
# a CPUQuota= applied to the running package: its processes move in
printf 'TasksMax=30\nIOWeight=200\nLimits=best-effort\nCPUQuota=30%%\n' > "$R/etc/pcue/resources"
"$T/bin/mkpcue" --cgroup pkg01 > "$T/out" 2>&1 || die "mkpcue --cgroup: $(cat "$T/out")"
echo "live_cpu=$(cpu_cgs "$(pkginit_pid pkg01)")$(cpu_cgs "$(pgrep -f '^(/bin/)?sleep 1001')")"
echo "live_quota=$(cat "$CG/cpu/$PCUE_CGROUP_PREFIX/pkg01/cpu.cfs_quota_us")"
# a record not made by root, or naming anything but a cgroup: execsh refuses
cp /run/pcue/cgroup/pkg01 "$T/rec.good"
sed -i "s#^pids .*#pids $T/pkg01#" /run/pcue/cgroup/pkg01
rc=0; as_user "$T/bin/execsh" pkg01 /bin/true 2> "$T/err" || rc=$?
echo "forged_rc=$rc forged_msg=$(cat "$T/err")"
# a directory off the cgroup filesystem holding a file named tasks: the
# file opens, its filesystem (fstatfs of the very descriptor) refuses it,
# and nothing is written
mkdir -p "$T/fake/pkg01"; : > "$T/fake/pkg01/tasks"
sed -i "s#^pids .*#pids $T/fake/pkg01#" /run/pcue/cgroup/pkg01
rc=0; as_user "$T/bin/execsh" pkg01 /bin/true 2> "$T/err" || rc=$?
echo "faketasks_rc=$rc faketasks_msg=$(cat "$T/err") faketasks_size=$(stat -c %s "$T/fake/pkg01/tasks")"
cp "$T/rec.good" /run/pcue/cgroup/pkg01; chmod 666 /run/pcue/cgroup/pkg01
rc=0; as_user "$T/bin/execsh" pkg01 /bin/true 2> "$T/err" || rc=$?
echo "openrec_rc=$rc openrec_msg=$(cat "$T/err")"
chmod 644 /run/pcue/cgroup/pkg01
cp "$T/rec.good" /run/pcue/cgroup/pkg01; chown "$TUID" /run/pcue/cgroup/pkg01
rc=0; as_user "$T/bin/execsh" pkg01 /bin/true 2> "$T/err" || rc=$?
echo "userrec_rc=$rc userrec_msg=$(cat "$T/err")"
chown 0 /run/pcue/cgroup/pkg01
rc=0; as_user "$T/bin/execsh" pkg01 /bin/true 2> "$T/err" || rc=$?
echo "good_rc=$rc"
stop > "$T/out" 2>&1 || die "stop: $(cat "$T/out")"
echo "end=[$(cg_dirs pkg01)]"
# a node whose pid 1 is systemd (/run/systemd/system): nothing is made
# behind its back. Outside a scope systemd delegated for the package the
# start is refused with the way to do it; inside one (simulated: a shell in
# a cgroup named pcue-pkg01.scope, as systemd-run --scope makes it) the
# package's leaf is made in the scope and recorded, and stop leaves the
# scope to systemd
mkdir -p /run/systemd/system
printf 'TasksMax=30\n' > "$R/etc/pcue/resources"
rc=0; start > "$T/out" 2>&1 || rc=$?
echo "sd_refused_rc=$rc"
echo "sd_msg=$(grep -c "pkg01: systemd manages this node's cgroups: start the package in a scope it delegates (systemd-run --scope --unit=pcue-pkg01 -p Delegate=yes" "$T/out")"
echo "sd_props=$("$T/bin/mkpcue" --cgroup-properties --limit MemoryMax=1G pkg01 2>/dev/null)"
echo "sd_nothing=[$(cg_dirs pkg01)][$(ls /run/pcue/cgroup)]"
"$T/bin/mkpcue" --umount pkg01 >/dev/null
# (beside this run's prefix, whose unified cgroups are threaded)
scope="$CG/unified/$PCUE_CGROUP_PREFIX.sd/pcue-pkg01.scope"
mkdir -p "$scope"
( echo "$BASHPID" > "$scope/cgroup.procs"; start ) > "$T/out" 2>&1 || die "start in the scope: $(cat "$T/out")"
echo "sd_record=$(grep -v '^#' /run/pcue/cgroup/pkg01)"
echo "sd_init=$(grep '^0::' "/proc/$(pkginit_pid pkg01)/cgroup")"
echo "sd_v1=$(grep -c ":pids:/$PCUE_CGROUP_PREFIX/" "/proc/$(pkginit_pid pkg01)/cgroup" || true)"
stop > "$T/out" 2>&1 || die "stop: $(cat "$T/out")"
echo "sd_leaf_left=$(ls "$scope" | grep -cx pkg01 || true)"
echo "sd_scope_kept=$([ -d "$scope" ] && echo yes || echo no)"
rmdir /run/systemd/system
rmdir "$scope" "${scope%/*}"
"#);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    assert!(
        out.contains("resources:2: malformed line 'MemoryMax 64M': expected Directive=value"),
        "{out}"
    );
    assert!(
        out.contains("resources:3: unknown directive 'FooBar'"),
        "{out}"
    );
    assert_eq!(f("pids_max"), "40", "{out}");
    assert_eq!(f("quota"), "20000", "{out}");
    assert_eq!(
        f("mem_limit"),
        "9223372036854771712",
        "the malformed MemoryMax is not applied: {out}"
    );
    assert_eq!(f("refused_rc"), "1", "{out}");
    assert!(
        out.contains(
            "msg2: mkpcue: pkg01: can't enforce MemoryHigh=32M: cgroup v1 memory has no equivalent; \
             IOWeight=200: this node's blkio has no blkio.weight; not started"
        ),
        "{out}"
    );
    assert_eq!(
        f("refused_left"),
        "[][][]",
        "no cgroup, record or pkginit: {out}"
    );
    assert!(
        out.contains("msg3: mkpcue: pkg01: not enforced (Limits=best-effort): IOWeight=200"),
        "{out}"
    );
    assert_eq!(f("pids_max2"), "25", "PEV_PCUE_TASKS_MAX wins: {out}");
    assert_eq!(f("cpu_in"), "cpu ", "CPUQuota=: the cpu cgroup: {out}");
    assert_eq!(f("quota_pct"), "20.0", "pkgstat shows the quota: {out}");
    assert_eq!(f("cpu_gone"), "[][]", "{out}");
    assert_eq!(f("quota_none"), "-", "no CPU limit: none shown: {out}");
    assert_eq!(f("live_cpu"), "cpu cpu ", "{out}");
    assert_eq!(f("live_quota"), "30000", "{out}");
    assert!(
        f("forged_rc").starts_with("1 forged_msg=execsh: cgroup record"),
        "{out}"
    );
    assert!(f("forged_rc").ends_with("is not a cgroup"), "{out}");
    assert!(
        f("faketasks_rc").starts_with("1 faketasks_msg=execsh: cgroup record")
            && f("faketasks_rc").contains("fake/pkg01 is not a cgroup")
            && f("faketasks_rc").ends_with("faketasks_size=0"),
        "{out}"
    );
    assert!(
        f("openrec_rc").starts_with("1 ") && f("openrec_rc").ends_with(": open to others"),
        "{out}"
    );
    assert!(f("userrec_rc").starts_with("1 "), "{out}");
    assert!(f("userrec_rc").ends_with("not owned by root"), "{out}");
    assert_eq!(f("good_rc"), "0", "{out}");
    assert_eq!(f("end"), "[]", "{out}");
    assert_eq!(f("sd_refused_rc"), "1", "{out}");
    assert_eq!(f("sd_msg"), "1", "{out}");
    assert_eq!(f("sd_props"), "-p MemoryMax=1G -p TasksMax=30", "{out}");
    assert_eq!(f("sd_nothing"), "[][]", "{out}");
    let scope_leaf = "/pcue-pkg01.scope/pkg01";
    assert!(
        f("sd_record").starts_with("unified /sys/fs/cgroup/unified/")
            && f("sd_record").ends_with(scope_leaf),
        "{out}"
    );
    assert!(
        f("sd_init").starts_with("0::/") && f("sd_init").ends_with(scope_leaf),
        "{out}"
    );
    assert_eq!(
        f("sd_v1"),
        "0",
        "no v1 hierarchy touched in systemd mode: {out}"
    );
    assert_eq!(f("sd_leaf_left"), "0", "{out}");
    assert_eq!(f("sd_scope_kept"), "yes", "{out}");
}
