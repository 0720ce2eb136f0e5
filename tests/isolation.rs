//! A started package is a world of its own (issue 18): pkginit as pid 1 of
//! the package's pid, mount, IPC and UTS namespaces, started from the node
//! with `pkginit -p`; execsh and pkgnet join it; the package's root has a
//! reduced capability bounding set; stop and kill -9 end every process of
//! the package. Real pkginit, execsh, inetd + pkgnet, each test in private
//! namespaces (tests/lib.sh).

mod common;
use common::*;

const WORLD: &str = r#"
private_dev
private_etc
private_run
setuid_registry
setuid_copy
net_up 127.0.0.2 127.0.0.3
reg_cntl pkg01 127.0.0.2
reg_cntl pkg02 127.0.0.3
mkpcue_root pkg01
mkpcue_root pkg02
chmod 755 "$T"
X="$T/bin/execsh"
"#;

fn run(script: &str) -> String {
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

/// The capabilities no package may hold (numbers, for CapBnd).
const NEVER: &[(u32, &str)] = &[
    (21, "SYS_ADMIN"),
    (16, "SYS_MODULE"),
    (17, "SYS_RAWIO"),
    (22, "SYS_BOOT"),
    (25, "SYS_TIME"),
    (12, "NET_ADMIN"),
    (2, "DAC_READ_SEARCH"),
    (27, "MKNOD"),
    (32, "MAC_OVERRIDE"),
    (33, "MAC_ADMIN"),
    (34, "SYSLOG"),
    (39, "BPF"),
    (19, "SYS_PTRACE"),
];

fn check_bounding(what: &str, hex: &str) {
    let v = u64::from_str_radix(hex.trim(), 16).unwrap_or_else(|_| panic!("{what}: '{hex}'"));
    for (n, name) in NEVER {
        assert_eq!(
            v & (1 << n),
            0,
            "{what}: CAP_{name} in the bounding set {hex}"
        );
    }
    // and what the package's daemons need is there
    for (n, name) in [
        (6, "SETGID"),
        (7, "SETUID"),
        (10, "NET_BIND_SERVICE"),
        (18, "SYS_CHROOT"),
    ] {
        assert_ne!(v & (1 << n), 0, "{what}: CAP_{name} missing from {hex}");
    }
}

#[test]
fn two_packages_with_the_same_uid_see_and_signal_only_their_own() {
    let out = run(r#"
iso_start pkg01
iso_start pkg02
echo secret02 > "$T/pkg02/home/user/only02"; chown 4242:4242 "$T/pkg02/home/user/only02"; chmod 600 "$T/pkg02/home/user/only02"
mkdir -p "$T/nodehome"; echo nodesecret > "$T/nodehome/onlynode"; chown -R 4242:4242 "$T/nodehome"; chmod 600 "$T/nodehome/onlynode"
# a process of uid 4242 in pkg02, and one in the node
as_user "$X" pkg02 /bin/sleep 600 </dev/null >/dev/null 2>&1 & V2=$!
as_user /bin/sleep 600 & VN=$!
wait_until 5 '[ -n "$(in_pidns "$(iso_pid pkg02)" | while read p; do grep -l "^sleep" /proc/$p/comm 2>/dev/null; done)" ]' || die "no sleep in pkg02"
P2S=$(for p in $(in_pidns "$(iso_pid pkg02)"); do grep -q '^sleep$' /proc/$p/comm && [ "$(stat -c %u /proc/$p)" = 4242 ] && echo $p; done | head -1)
cat > "$T/pkg01/tmp/probe" <<PROBE
echo "pid1=\$(tr '\0' ' ' < /proc/1/cmdline)"
pl=\$(ps -e -o comm=)
echo "procs=\$(echo "\$pl" | sort -u | tr '\n' ' ')"
echo "host=\$(hostname)"
n=0
for r in /proc/[0-9]*/root; do
  for f in home/user/only02 ${T#/}/nodehome/onlynode; do
    if cat "\$r/\$f" 2>/dev/null; then n=\$((n+1)); fi
  done
done
echo "reached=\$n"
kill -9 -1 2>/dev/null
echo done
PROBE
chmod 644 "$T/pkg01/tmp/probe"
as_user "$X" pkg01 /bin/sh /tmp/probe || true
sleep 0.3
echo "p2alive=$(alive $P2S && echo yes || echo no)"
echo "nodealive=$(alive $VN && echo yes || echo no)"
echo "p2init=$(alive "$(iso_pid pkg02)" && echo yes || echo no)"
kill $VN $V2 2>/dev/null || true
"#);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    assert!(
        f("pid1").starts_with("/") && f("pid1").contains("pkginit -p pkg01"),
        "pid 1 is the package's pkginit: {out}"
    );
    assert_eq!(f("host"), "pkg01", "{out}");
    // only pkg01's: its pkginit, the inittab's sleep, the probe's shell and ps
    assert_eq!(f("procs"), "pkginit ps sh sleep ", "{out}");
    assert_eq!(
        f("reached"),
        "0",
        "no /proc/*/root reaches pkg02 or the node: {out}"
    );
    assert!(
        !out.contains("secret02") && !out.contains("nodesecret"),
        "{out}"
    );
    assert_eq!(
        f("p2alive"),
        "yes",
        "kill -9 -1 in pkg01 spares pkg02: {out}"
    );
    assert_eq!(f("nodealive"), "yes", "and the node: {out}");
    assert_eq!(f("p2init"), "yes", "{out}");
}

#[test]
fn the_package_root_is_not_the_node_root() {
    require("python3");
    let out = run(r#"
cat > "$T/pkg01/tmp/escape.py" <<'PY'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
err = lambda: os.strerror(ctypes.get_errno())
out = open("/tmp/escape.out", "w")
def say(k, v): out.write("%s=%s\n" % (k, v)); out.flush()
try:
    say("proc1root", os.readlink("/proc/1/root"))
except OSError as e:
    say("proc1root", e.strerror)
say("selfroot", os.readlink("/proc/self/root"))
say("marker", open("/.pcue-package").read().strip())
os.makedirs("/tmp/x", exist_ok=True)
fd = os.open("/", os.O_RDONLY)
os.chroot("/tmp/x"); os.fchdir(fd)
for _ in range(64): os.chdir("..")
os.chroot(".")
say("escape", open("/.pcue-package").read().strip() if os.path.exists("/.pcue-package") else "ESCAPED:" + " ".join(sorted(os.listdir("/"))))
say("mount", "ok" if libc.mount(b"none", b"/tmp/x", b"tmpfs", 0, None) == 0 else err())
say("umount", "ok" if libc.umount2(b"/usr", 2) == 0 else err())
say("hostname", "ok" if libc.sethostname(b"evil", 4) == 0 else err())
say("mknod", "ok" if os.system("mknod /tmp/dev b 8 0 2>/dev/null") == 0 else "refused")
say("capbnd", [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapBnd")][0])
say("capeff", [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0])
say("done", "yes")
PY
printf 'id:3:initdefault:\nsl:3:respawn:+/bin/sleep 100000\nes:3:once:+/usr/bin/python3 /tmp/escape.py\n' > "$T/pkg01/etc/inittab"
iso_start pkg01
wait_until 10 'grep -q "^done=yes" "$T/pkg01/tmp/escape.out" 2>/dev/null' || die "escape.py did not finish: $(cat $T/pkg01/var/log/pkginit.log)"
cat "$T/pkg01/tmp/escape.out"
P=$(iso_pid pkg01)
echo "initbnd=$(grep CapBnd /proc/$P/status | cut -f2)"
echo "initeff=$(grep CapEff /proc/$P/status | cut -f2)"
echo "initdump=$(stat -c %U /proc/$P/status)"
# execsh -u root: the same bounding set
echo "execshbnd=$("$X" -u root pkg01 /bin/sh -c 'grep CapBnd /proc/self/status | cut -f2')"
"#);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    // pid 1 is pkginit, not dumpable: its root is closed even to the
    // package's root; any other process's root is the package's /
    assert_eq!(f("proc1root"), "Permission denied", "{out}");
    assert_eq!(f("selfroot"), "/", "{out}");
    assert_eq!(f("marker"), "pkg01", "{out}");
    assert_eq!(
        f("escape"),
        "pkg01",
        "chroot+fchdir stays in the package: {out}"
    );
    assert_eq!(f("mount"), "Operation not permitted", "{out}");
    assert_eq!(f("umount"), "Operation not permitted", "{out}");
    assert_eq!(f("hostname"), "Operation not permitted", "{out}");
    assert_eq!(f("mknod"), "refused", "{out}");
    check_bounding("inittab entry", f("capbnd"));
    check_bounding("execsh -u root", f("execshbnd"));
    check_bounding("pkginit", f("initbnd"));
    assert_eq!(
        f("capeff"),
        f("capbnd"),
        "root's effective set is the bounding set: {out}"
    );
    // pkginit keeps CAP_SYS_ADMIN for itself (its syslog relay), and is
    // not dumpable (its /proc files are root's; no ptrace without
    // CAP_SYS_PTRACE, which nothing in the package has)
    let eff = u64::from_str_radix(f("initeff"), 16).unwrap();
    assert_ne!(eff & (1 << 21), 0, "{out}");
    assert_eq!(f("initdump"), "root", "{out}");
}

#[test]
fn pkgnet_serves_inside_the_running_package_and_refuses_a_stopped_one() {
    require("socat");
    require("inetd");
    let out = run(r#"
iso_start pkg01
cat > "$T/pkg01/tmp/svc" <<'S'
#!/bin/sh
echo "pid1=$(tr '\0' ' ' < /proc/1/cmdline)"
echo "host=$(hostname)"
echo "bnd=$(grep CapBnd /proc/self/status | cut -f2)"
S
chmod 755 "$T/pkg01/tmp/svc"
cp "$T/pkg01/tmp/svc" "$T/pkg02/tmp/svc"
cat > "$T/inetd.conf" <<IC
127.0.0.2:7777 stream tcp nowait root $T/bin/pkgnet pkgnet /tmp/svc
127.0.0.3:7777 stream tcp nowait root $T/bin/pkgnet pkgnet /tmp/svc
IC
inetd -d -i "$T/inetd.conf" >/dev/null 2>&1 & I=$!
wait_until 5 'ss -Htln | grep -q 127.0.0.3:7777' || die "inetd did not listen"
socat -T5 - TCP:127.0.0.2:7777 </dev/null
echo "stopped=[$(socat -T5 - TCP:127.0.0.3:7777 </dev/null 2>&1)]"
wait_log 5 1 "to 127.0.0.3 (package 'pkg02'): package 'pkg02' is not running" || die "no LOG_AUTH line: $(cat "$T/syslog")"
echo "log=$(grep -a -c "package 'pkg02' is not running" "$T/syslog")"
kill $I
"#);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    assert!(f("pid1").contains("pkginit -p pkg01"), "{out}");
    assert_eq!(f("host"), "pkg01", "{out}");
    check_bounding("pkgnet's daemon", f("bnd"));
    assert_eq!(f("stopped"), "[]", "closed without a byte: {out}");
    assert_eq!(f("log"), "1", "{out}");
}

#[test]
fn execsh_into_a_package_that_is_not_running_is_for_root_only() {
    let out = run(r#"
set +e
as_user "$X" pkg02 /bin/true 2>&1; echo "user=$?"
"$X" pkg02 /bin/sh -c 'echo "bnd=$(grep CapBnd /proc/self/status | cut -f2)"' 2>&1; echo "root=$?"
set -e
wait_log 5 1 "refused uid 4242 entry to package 'pkg02': package 'pkg02' is not running"
"#);
    assert!(
        out.contains("execsh: package 'pkg02' is not running\nuser=1"),
        "{out}"
    );
    assert!(out.contains("root=0"), "{out}");
    check_bounding("root's plain root", field(&out, "bnd").unwrap());
}

#[test]
fn stop_with_open_sessions_ends_them_with_their_logouts_and_unmounts() {
    require("socat");
    require("inetd");
    require("utmpdump");
    require("python3");
    let out = run(r#"
cat > "$T/pkg01/tmp/svc" <<'S'
#!/bin/sh
trap 'echo "logout of the connection" >> /tmp/svc.log; exit 0' TERM
echo "in $(hostname)"
sleep 120 & wait
S
chmod 755 "$T/pkg01/tmp/svc"
printf 'id:3:initdefault:\nsl:3:respawn:+/bin/sleep 100000\n' > "$T/pkg01/etc/inittab"
PCUE_BIN="$T/bin" "$REPO/examples/serviceguard/pcue.sh" start pkg01 > "$T/start.out" 2>&1 || die "pcue.sh start: $(cat "$T/start.out")"
echo "127.0.0.2:7777 stream tcp nowait root $T/bin/pkgnet pkgnet /tmp/svc" > "$T/inetd.conf"
inetd -d -i "$T/inetd.conf" >/dev/null 2>&1 & I=$!
wait_until 5 'ss -Htln | grep -q 127.0.0.2:7777' || die "inetd did not listen"
socat -T60 - TCP:127.0.0.2:7777 </dev/null > "$T/conn.out" & C=$!
user_pty "$X" pkg01 /bin/sh -c 'sleep 120' > "$T/pty.out" 2>&1 & E=$!
wait_until 5 'grep -q "in pkg01" "$T/conn.out"' || die "no connection"
wait_until 5 'utmpdump "$T/pkg01/run/utmp" 2>/dev/null | grep -q "^\[7\]"' || die "no login"
P=$(iso_pid pkg01)
set +e
PCUE_BIN="$T/bin" "$REPO/examples/serviceguard/pcue.sh" stop pkg01 > "$T/stop.out" 2>&1
echo "stop=$?"
set -e
echo "left=$(in_pidns $P | wc -l)"
echo "holders=$(for p in /proc/[0-9]*; do [ "$(stat -L -c %d:%i $p/root 2>/dev/null)" = "$(stat -c %d:%i "$T/pkg01")" ] && echo ${p#/proc/}; done | wc -l)"
echo "mounted=$(findmnt -rn -o TARGET | grep -c "^$T/pkg01/" || true)"
echo "execsh_logout=$(utmpdump "$T/pkg01/var/log/wtmp" 2>/dev/null | grep -c '^\[8\] .*\[pts/' || true)"
echo "utmp_alive=$(utmpdump "$T/pkg01/run/utmp" 2>/dev/null | grep -c '^\[7\]' || true)"
echo "conn_logout=$(grep -c 'logout of the connection' "$T/pkg01/tmp/svc.log" 2>/dev/null || true)"
set +e; wait $E; echo "execsh=$?"; wait $C; set -e
kill $I
"#);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    assert_eq!(f("stop"), "0", "{out}");
    assert_eq!(f("left"), "0", "no process of the package left: {out}");
    assert_eq!(f("holders"), "0", "nothing holds the package root: {out}");
    assert_eq!(
        f("mounted"),
        "0",
        "everything below the root unmounted: {out}"
    );
    assert_eq!(f("execsh_logout"), "1", "execsh's logout: {out}");
    assert_eq!(f("utmp_alive"), "0", "{out}");
    assert_eq!(
        f("conn_logout"),
        "1",
        "the connection's daemon got SIGTERM first: {out}"
    );
    assert_eq!(f("execsh"), "143", "the session's shell got SIGTERM: {out}");
}

#[test]
fn kill_9_of_pkginit_ends_the_package_and_a_restart_works() {
    let out = run(r#"
printf 'id:3:initdefault:\nsl:3:respawn:/bin/sleep 100000\nor:3:once:/bin/sh -c "/bin/sleep 100001 & exit 0"\n' > "$T/pkg01/etc/inittab"
iso_start pkg01
as_user "$X" pkg01 /bin/sleep 100002 </dev/null >/dev/null 2>&1 & E=$!
P=$(iso_pid pkg01)
wait_until 5 '[ "$(in_pidns $P | wc -l)" -ge 4 ]' || die "package not up: $(in_pidns $P)"
echo "before=$(in_pidns $P | wc -l)"
kill -9 $P
wait_until 5 "! alive $P" || die "pkginit survived"
sleep 0.3
echo "sleeps=$(pgrep -c -f '^/bin/sleep 10000[012]' || true)"
set +e; wait $E; echo "execsh=$?"; set -e
iso_start pkg01
P2=$(iso_pid pkg01)
echo "restarted=$([ "$P2" != "$P" ] && alive $P2 && echo yes)"
echo "status=$("$T/bin/telinit" -p pkg01 -s | head -1)"
echo "inside=$(as_user "$X" pkg01 /bin/sh -c 'pl=$(ps -e -o comm=); echo "$pl" | sort -u | tr "\n" " "')"
"$T/bin/telinit" -p pkg01 0
echo "after=$(alive $P2 && echo alive || echo gone)"
"#);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    assert_eq!(
        f("sleeps"),
        "0",
        "every process of the package died with pkginit: {out}"
    );
    assert_eq!(f("execsh"), "137", "the session was killed: {out}");
    assert_eq!(f("restarted"), "yes", "{out}");
    assert_eq!(
        f("status"),
        "run-level 3 (previous N), pkginit pid 1",
        "{out}"
    );
    assert_eq!(f("inside"), "pkginit ps sh sleep ", "{out}");
    assert_eq!(f("after"), "gone", "{out}");
}

#[test]
fn only_the_nodes_root_starts_and_drives_a_package_from_the_node() {
    let out = run(r#"
set +e
as_user "$T/bin/pkginit" -p pkg01 2>&1; echo "start=$?"
as_user "$T/bin/telinit" -p pkg01 -s 2>&1; echo "telinit=$?"
"$T/bin/telinit" -p pkg01 -s 2>&1; echo "notrunning=$?"
set -e
iso_start pkg01
set +e
"$T/bin/pkginit" -p pkg01 > "$T/again" 2>&1; echo "again=$?"
sed 's/pid [0-9]*/pid N/' "$T/again"
"#);
    assert!(
        out.contains("pkginit: -p is the node's root's: it starts a package\nstart=1"),
        "{out}"
    );
    assert!(
        out.contains("telinit: -p is the node's root's\ntelinit=1"),
        "{out}"
    );
    assert!(
        out.contains("telinit: pkginit is not running in package 'pkg01'\nnotrunning=1"),
        "{out}"
    );
    assert!(
        out.contains("again=1\npkginit: package 'pkg01' is already running (pkginit pid N)"),
        "{out}"
    );
}

#[test]
fn pkgps_lists_the_package_by_its_pid_namespace_inside_and_from_the_node() {
    let out = run(r#"
iso_start pkg01
iso_start pkg02
as_user "$X" pkg01 /bin/sleep 600 </dev/null >/dev/null 2>&1 & E=$!
P=$(iso_pid pkg01)
wait_until 5 '[ "$(in_pidns $P | wc -l)" -ge 3 ]' || die "no session"
# from the node: the package's processes (node pids), rows as ps -ef
"$T/bin/pkgps" -p pkg01 > "$T/pp"
ps -ef > "$T/ps"
echo "pids=$(tail -n +2 "$T/pp" | awk '{print $2}' | sort -n | tr '\n' ' ')"
echo "want=$(in_pidns $P | sort -n | tr '\n' ' ')"
# root's rows byte for byte (ps -ef on the node has no name for uid 4242)
echo "rootrows=$(grep '^root ' "$T/pp" | while IFS= read -r l; do grep -qxF -- "$l" "$T/ps" && echo same || echo "DIFF:$l"; done | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
echo "header=$([ "$(head -1 "$T/pp")" = "$(head -1 "$T/ps")" ] && echo same || { head -1 "$T/pp"; head -1 "$T/ps"; })"
# -a: each process labelled with its package, pkg01's by its pid namespace
echo "alabel=$("$T/bin/pkgps" -a | awk -v p="$P" '$3 == p {print $1}')"
echo "alabel2=$("$T/bin/pkgps" -a | awk -v p="$(iso_pid pkg02)" '$3 == p {print $1}')"
# inside: pkgps and ps -ef agree on every byte
"$X" pkg01 /bin/sh -c 'pkgps > /tmp/pp; ps -ef > /tmp/ps; grep -v " ps -ef$" /tmp/ps | grep -v " pkgps$" > /tmp/ps2; grep -v " pkgps$" /tmp/pp | grep -v " ps -ef$" > /tmp/pp2; cmp /tmp/pp2 /tmp/ps2 && echo inside=same; wc -l < /tmp/pp2 | sed "s/^/insiderows=/"'
kill $E 2>/dev/null || true
"#);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    assert_eq!(f("pids"), f("want"), "{out}");
    assert!(
        f("rootrows").ends_with(" same;") && !f("rootrows").contains("DIFF"),
        "{out}"
    );
    assert_eq!(f("header"), "same", "{out}");
    assert_eq!(f("alabel"), "pkg01", "{out}");
    assert_eq!(f("alabel2"), "pkg02", "{out}");
    assert_eq!(f("inside"), "same", "{out}");
    assert!(f("insiderows").parse::<u32>().unwrap() >= 4, "{out}");
}

#[test]
fn mkpcue_check_runs_its_command_inside_the_package() {
    let out = run(r#"
[ -x /usr/sbin/cupsd ] || die "no /usr/sbin/cupsd: make deps-test installs cups-daemon"
[ -f "$T/pkg01/etc/cups/cupsd.conf" ] || die "mkpcue made no /etc/cups/cupsd.conf"
# the package's cupsd (the one --check runs as cupsd -t) says where it runs
cat > "$T/cupsd" <<'S'
#!/bin/sh
echo "pid1=$(tr '\0' ' ' < /proc/1/cmdline)"
echo "host=$(hostname)"
echo "bnd=$(grep CapBnd /proc/self/status | cut -f2)"
echo "procs=$(cat /proc/[0-9]*/comm | sort -u | tr '\n' ' ')"
exit 1
S
chmod 755 "$T/cupsd"
mount --bind "$T/cupsd" "$T/pkg01/usr/sbin/cupsd"
printf 'id:3:initdefault:\nsl:3:respawn:+/bin/sleep 100000\ncu:5:respawn:/usr/sbin/cupsd -f\n' > "$T/pkg01/etc/inittab"
# not running: the plain root, with the package's bounding set
"$T/bin/mkpcue" --check pkg01 | sed -n 's/^cupsd -t: /stopped_/p' || true
iso_start pkg01
"$T/bin/mkpcue" --check pkg01 | sed -n 's/^cupsd -t: /running_/p' || true
"#);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    check_bounding("--check's command, package stopped", f("stopped_bnd"));
    assert!(
        !f("stopped_pid1").contains("pkginit"),
        "no pkginit runs: {out}"
    );
    // running: its pid 1, its host name, its /proc, its bounding set
    assert!(
        f("running_pid1").contains("pkginit -p pkg01"),
        "pid 1 is the package's pkginit: {out}"
    );
    assert_eq!(f("running_host"), "pkg01", "{out}");
    check_bounding("--check's command, package running", f("running_bnd"));
    // its /proc shows the package's processes, not mkpcue on the node
    assert!(f("stopped_procs").contains("mkpcue"), "{out}");
    assert!(
        f("running_procs").contains("pkginit") && !f("running_procs").contains("mkpcue"),
        "only the package's processes in its /proc: {out}"
    );
}

#[test]
fn pkgps_lists_an_isolated_package_for_any_user_as_ps_ef_shows_it() {
    require("busybox");
    require("unshare");
    let out = run(r#"
# the node knows the package's user by the same name: ps -ef's rows then
# match pkgps's byte for byte
echo "user:x:$TUID:$TGID:Package user:/:/bin/sh" >> /etc/passwd
# an inittab entry, and one chrooted below the root (as sshd does)
printf 'id:3:initdefault:\nsl:3:respawn:+/bin/sleep 100000\nch:3:once:/usr/sbin/chroot /usr /bin/busybox sleep 100003\n' > "$T/pkg01/etc/inittab"
iso_start pkg01
iso_start pkg02
# a session of the user (setns'd: its parent is on the node), with a
# child in a mount namespace of its own made in a user namespace
as_user "$X" pkg01 /bin/sh -c 'unshare -U -r -m /bin/sleep 100004 & exec /bin/sleep 100005' </dev/null >/dev/null 2>&1 &
# an orphan: reparented to pkginit
as_user "$X" pkg01 /bin/sh -c '/bin/sleep 100006 </dev/null >/dev/null 2>&1 & exit 0'
as_user "$X" pkg02 /bin/sleep 100007 </dev/null >/dev/null 2>&1 &
P=$(iso_pid pkg01)
wait_until 5 '[ "$(in_pidns $P | wc -l)" -ge 6 ]' || die "package not up: $(in_pidns $P)"
set +e
as_user "$T/bin/pkgps" -p pkg01 > "$T/upp"; echo "urc=$?"
set -e
as_user ps -ef > "$T/ups"
"$T/bin/pkgps" -p pkg01 > "$T/rpp"
echo "upids=$(tail -n +2 "$T/upp" | awk '{print $2}' | sort -n | tr '\n' ' ')"
echo "rpids=$(tail -n +2 "$T/rpp" | awk '{print $2}' | sort -n | tr '\n' ' ')"
echo "want=$(in_pidns $P | sort -n | tr '\n' ' ')"
echo "sleeps=$(grep -o 'sleep 10000[0-9]' "$T/upp" | sort | tr '\n' ' ')"
echo "rows=$(tail -n +2 "$T/upp" | while IFS= read -r l; do grep -qxF -- "$l" "$T/ups" && echo same || echo "DIFF:$l"; done | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
echo "header=$([ "$(head -1 "$T/upp")" = "$(head -1 "$T/ups")" ] && echo same || head -1 "$T/upp")"
as_user "$T/bin/pkgps" -a > "$T/upa"
echo "alabel=$(awk -v p="$P" '$3 == p {print $1}' "$T/upa")"
echo "alabel2=$(awk -v p="$(iso_pid pkg02)" '$3 == p {print $1}' "$T/upa")"
# -a names pkg01 every process -p lists whose root mount is pkginit's (the
# two on other mounts it cannot place without the namespace link: ?)
echo "amissing=[$(tail -n +2 "$T/upp" | grep -v 'sleep 10000[34]$' | awk '{print $2}' | while read p; do awk -v p="$p" '$3 == p && $1 == "pkg01"' "$T/upa" | grep -q . || echo "$p"; done)]"
echo "aother=$(grep -E 'sleep 10000[34]$' "$T/upa" | awk '{print $1}' | tr '\n' ' ')"
"#);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    assert_eq!(f("urc"), "0", "{out}");
    assert_eq!(f("upids"), f("want"), "the user's pkgps -p: {out}");
    assert_eq!(f("rpids"), f("want"), "root's pkgps -p: {out}");
    assert_eq!(
        f("sleeps"),
        "sleep 100000 sleep 100003 sleep 100004 sleep 100005 sleep 100006 ",
        "{out}"
    );
    let rows = f("rows");
    assert!(
        rows.ends_with(" same;") && !rows.contains("DIFF"),
        "every row as the user's ps -ef prints it: {out}"
    );
    assert_eq!(f("header"), "same", "{out}");
    assert_eq!(f("alabel"), "pkg01", "{out}");
    assert_eq!(f("alabel2"), "pkg02", "{out}");
    assert_eq!(f("amissing"), "[]", "{out}");
    assert_eq!(f("aother"), "? ? ", "{out}");
}

#[test]
fn getcpkg_in_a_user_namespace_of_the_packages_user_names_the_package_and_no_other() {
    require("unshare");
    let out = run(r#"
iso_start pkg01
iso_start pkg02
cat > "$T/pkg01/tmp/userns" <<'S'
#!/bin/sh
# in a user namespace of one's own, root there: the same root, mounts, pids
echo "plain=[$(getcpkg)]"
echo "userns=[$(unshare -U -r /corp/bin/getcpkg 2>&1)]"
echo "usernsmap=[$(unshare -U --map-user=65534 --map-group=65534 /corp/bin/getcpkg 2>&1)]"
# a root of one's own making with a marker naming another package: chrooted
# into it, in a mount namespace of one's own (the root a bind mount), and
# as pid 1 of a pid namespace of one's own with its own /proc
mkdir -p /tmp/fake/proc /tmp/fake/corp/bin
cp /corp/bin/pcue /tmp/fake/corp/bin/pcue
ln -sf pcue /tmp/fake/corp/bin/getcpkg
echo pkg02 > /tmp/fake/.pcue-package
chmod 644 /tmp/fake/.pcue-package
echo "chroot=[$(unshare -U -r --root=/tmp/fake /corp/bin/getcpkg 2>&1)]"
echo "chrootm=[$(unshare -U -r -m sh -c 'mount --rbind /proc /tmp/fake/proc && exec /usr/sbin/chroot /tmp/fake /corp/bin/getcpkg' 2>&1)]"
echo "bindroot=[$(unshare -U -r -m sh -c 'mount --bind /tmp/fake /tmp/fake && mount --rbind /proc /tmp/fake/proc && exec /usr/sbin/chroot /tmp/fake /corp/bin/getcpkg' 2>&1)]"
echo "pidns=[$(unshare -U -r -m -p -f sh -c 'mount --bind /tmp/fake /tmp/fake && mount -t proc proc /tmp/fake/proc && exec /usr/sbin/chroot /tmp/fake /corp/bin/getcpkg' 2>&1)]"
# a marker bound over the real one: a /proc file (root's) of a host name
# of the user's choosing
echo "hostmark=[$(unshare -U -r -m -u sh -c 'hostname pkg02 && mount --bind /proc/sys/kernel/hostname /.pcue-package && echo "$(cat /.pcue-package):$(/corp/bin/getcpkg)"' 2>&1)]"
# the same with every file of the user's shown as 65534, nobody's uid
echo "pidnsmap=[$(unshare -U -r -m -p -f sh -c 'mount --bind /tmp/fake /tmp/fake && mount -t proc proc /tmp/fake/proc && exec unshare -U --map-user=65534 --map-group=65534 --root=/tmp/fake /corp/bin/getcpkg' 2>&1)]"
S
chmod 755 "$T/pkg01/tmp/userns"
as_user "$X" pkg01 /tmp/userns
"#);
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    assert_eq!(f("plain"), "[pkg01]", "{out}");
    assert_eq!(f("userns"), "[pkg01]", "still the package: {out}");
    // mapped to the overflow uid, root's files look like the user's own:
    // no marker counts there (getcpkg says nothing), and none is claimed
    assert_eq!(f("usernsmap"), "[]", "{out}");
    assert_eq!(
        f("hostmark"),
        "[pkg02:]",
        "the bind worked, not claimed: {out}"
    );
    for k in ["chroot", "chrootm", "bindroot", "pidns", "pidnsmap"] {
        assert!(
            !f(k).contains("pkg02"),
            "{k}: no other package claimed: {out}"
        );
    }
}
