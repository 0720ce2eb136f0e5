//! pkginit and telinit in private mount, network and pid namespaces, in a
//! package root at $T/pkg01 built by mkpcue: run-levels, rc
//! ordering, respawn, TERM/KILL, the throttle, utmp/wtmp as `who` and
//! `last` read them, Debian's own telinit, garbage on the FIFO, orphans,
//! restart after a killed pkginit, and Debian's cron as a package service.

mod common;
use common::*;

/// The world every test starts from: a package root built by mkpcue
/// (tests/lib.sh `mkpcue_root`), whose default layout has what pkginit
/// needs: run/utmp, var/log/wtmp, var/run -> ../run, the FIFO run/initctl
/// (where Debian's telinit writes too), /bin/sh through
/// the host's /usr, and an inittab with comments only, which each test
/// replaces.
const WORLD: &str = r#"
mkpcue_root pkg01
R=$T/pkg01
mkdir -p "$R/etc/rc.d"
chmod 755 "$T"
# the rc script the inittabs use: log "NAME start|done EPOCH_NS" to /tmp/seq
cat > "$R/etc/rc.d/rc" <<'X'
#!/bin/sh
echo "$1 start $(date +%s%N) RUNLEVEL=$RUNLEVEL PREVLEVEL=$PREVLEVEL" >> /tmp/seq
[ -n "$2" ] && sleep "$2"
echo "$1 done $(date +%s%N)" >> /tmp/seq
X
chmod 755 "$R/etc/rc.d/rc"
start_pkginit() { in_pkg pkg01 /corp/bin/pkginit -l /var/log/pkginit.log "$@"; }
tel() { in_pkg pkg01 /corp/bin/telinit "$@"; }
level() { tel -s | sed -n 's/^run-level \([^ ]*\) .*/\1/p'; }
state() { tel -s | awk -v id="$1" '$1 == id { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }'; }
entry_pid() { state "$1" | sed -n 's/^running (pid \([0-9]*\))$/\1/p'; }
alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null; }
"#;

fn run(script: &str) -> String {
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

#[test]
fn levels_rc_order_respawn_and_stop_with_kill_after_grace() {
    let out = run(r#"
cat > "$R/etc/inittab" <<'X'
# a package inittab
id:2:initdefault:
si::sysinit:/etc/rc.d/rc si
l2:2:wait:/etc/rc.d/rc l2 0.4
o2:2:once:/etc/rc.d/rc o2
d1:23:respawn:/bin/sleep 1001
l3:3:wait:/etc/rc.d/rc l3 0.3
w3:3:wait:/etc/rc.d/rc w3 0.2
o3:3:once:/etc/rc.d/rc o3
st:3:respawn:exec sh -c 'trap "" TERM; while :; do sleep 0.05; done'
nc:3:respawn:/bin/sleep 1002
l0:0:wait:/etc/rc.d/rc l0
X
start_pkginit; echo "startrc=$?"
wait_for 10 grep -q "o2 done" "$R/tmp/seq" || die "level 2 did not finish"
echo "seq2=$(awk '{print $1 "-" $2}' "$R/tmp/seq" | tr '\n' ' ')"
grep -q "l2 start .* RUNLEVEL=2 PREVLEVEL=N" "$R/tmp/seq" && echo "env2=ok"
wait_until 5 'test -n "$(entry_pid d1)"'
echo "level=$(level)"
# respawn: kill the daemon, a new one comes
d1=$(entry_pid d1); kill "$d1"
wait_until 5 '[ -n "$(entry_pid d1)" ] && [ "$(entry_pid d1)" != "$d1" ]' || die "d1 not restarted"
new=$(entry_pid d1); [ "$new" != "$d1" ] && echo "respawned=yes"
: > "$R/tmp/seq"
tel 3; echo "tel3=$?"
wait_for 10 grep -q "o3 done" "$R/tmp/seq" || die "level 3 did not finish"
echo "seq3=$(awk '{print $1 "-" $2}' "$R/tmp/seq" | tr '\n' ' ')"
echo "d1same=$([ "$(entry_pid d1)" = "$new" ] && echo yes)"
wait_until 5 'test -n "$(entry_pid st)"' || die "st not running"
st=$(entry_pid st); nc=$(entry_pid nc)
# leave level 3 with a 2 s grace: nc goes on TERM, st only on KILL
t0=$(date +%s%N)
tel -t 2 2; echo "tel2=$?"
wait_for 10 dead "$nc" || die "nc survived"
t_nc=$(date +%s%N)
wait_for 10 dead "$st" || die "st survived KILL"
t_st=$(date +%s%N)
echo "gap_term_ms=$(( (t_nc - t0) / 1000000 ))"
echo "gap_kill_ms=$(( (t_st - t0) / 1000000 ))"
echo "gap: TERM-obeying entry gone after $(( (t_nc - t0) / 1000000 )) ms, TERM-ignoring one after $(( (t_st - t0) / 1000000 )) ms (grace 2 s)" >&2
# reaped, then published: wait for the status to follow
wait_until 5 '[ "$(state st)" = "stopped (signal 9)" ]'
echo "st_state=$(state st)"
echo "level_after=$(level)"
who -r "$R/run/utmp" | sed 's/^ */who=/'
grep -c "Switching to runlevel" "$R/var/log/pkginit.log" | sed 's/^/switches=/'
ipid=$(cat "$R/run/pkginit.pid")
tel 0; echo "tel0=$?"
# when telinit 0 returns, pkginit itself is gone (at most a zombie, which
# holds no mount): a stop script may unmount at once
st=$(awk '{print $3}' "/proc/$ipid/stat" 2>/dev/null || true)
echo "init_after_tel0=${st:-gone}"
c=0; PCUE_ROOT_PREFIX="$T" PCUE_SGCONF="${PCUE_SGCONF:-$T/sg}" PCUE_CMVIEWCL=0 "$PCUE" mkpcue --umount pkg01 >&2 || c=$?
echo "umount_after_tel0=$c"
last -x -f "$R/var/log/wtmp" >&2
echo "last=$(last -x -f "$R/var/log/wtmp" | awk '/^runlevel/ {print $4} /^reboot/ {print "boot"}' | tr -d ')' | tr '\n' ' ')"
utmpdump "$R/var/log/wtmp" 2>/dev/null | grep -c '^\[5\]' | sed 's/^/init_records=/'
utmpdump "$R/var/log/wtmp" 2>/dev/null | grep -c '^\[8\]' | sed 's/^/dead_records=/'
echo "seq0=$(awk '{print $1 "-" $2}' "$R/tmp/seq" | tail -2 | tr '\n' ' ')"
"#);
    assert_eq!(field(&out, "startrc"), Some("0"), "{out}");
    assert_eq!(
        field(&out, "seq2"),
        Some("si-start si-done l2-start l2-done o2-start o2-done "),
        "sysinit, then the wait entry l2 before the once entry o2: {out}"
    );
    assert_eq!(field(&out, "env2"), Some("ok"), "{out}");
    assert_eq!(field(&out, "level"), Some("2"), "{out}");
    assert_eq!(field(&out, "respawned"), Some("yes"), "{out}");
    assert_eq!(field(&out, "tel3"), Some("0"), "{out}");
    assert_eq!(
        field(&out, "seq3"),
        Some("l3-start l3-done w3-start w3-done o3-start o3-done "),
        "each wait entry holds back the later ones: {out}"
    );
    assert_eq!(
        field(&out, "d1same"),
        Some("yes"),
        "d1 belongs to 2 and 3: left alone: {out}"
    );
    let gap: u64 = field(&out, "gap_kill_ms").unwrap().parse().unwrap();
    assert!(
        gap >= 1000,
        "the TERM-ignoring entry died only after the grace time (2 s): {gap} ms"
    );
    assert_eq!(field(&out, "st_state"), Some("stopped (signal 9)"), "{out}");
    assert_eq!(field(&out, "level_after"), Some("2"), "{out}");
    let who = field(&out, "who").unwrap_or("");
    assert!(
        who.starts_with("run-level 2") && who.ends_with("last=3"),
        "who -r reads the package's utmp: {out}"
    );
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
    assert!(
        matches!(field(&out, "init_after_tel0"), Some("gone" | "Z")),
        "pkginit outlived telinit 0: {out}"
    );
    assert_eq!(
        field(&out, "umount_after_tel0"),
        Some("0"),
        "nothing busy after telinit 0: {out}"
    );
    assert_eq!(
        field(&out, "last"),
        Some("0 2 3 2 boot "),
        "last -x -f shows the level history, newest first: {out}"
    );
    let inits: u32 = field(&out, "init_records").unwrap().parse().unwrap();
    let deads: u32 = field(&out, "dead_records").unwrap().parse().unwrap();
    assert!(
        inits >= 10 && deads >= inits,
        "INIT/DEAD_PROCESS per entry: {out}"
    );
    assert_eq!(field(&out, "seq0"), Some("l0-start l0-done "), "{out}");
}

#[test]
fn throttle_ten_starts_then_disabled_and_telinit_q_lifts_it() {
    let out = run(r#"
cat > "$R/etc/inittab" <<'X'
id:3:initdefault:
ff:3:respawn:echo started >> /tmp/ff
X
start_pkginit
wait_for 10 grep -q 'respawning too fast' "$R/var/log/pkginit.log" || die "no throttle message"
# throttled, and no start of it still running: nothing can add a line now
wait_until 5 '[ "$(state ff | cut -d" " -f1)" = throttled ] && [ -z "$(pgrep -P "$(pkginit_pid pkg01)")" ]' ||
    die "ff is not throttled, or a start of it still runs"
echo "starts=$(wc -l < "$R/tmp/ff")"
echo "msg=$(grep -o 'Id "ff" respawning too fast: disabled for 5 minutes' "$R/var/log/pkginit.log" | head -1)"
echo "state=$(state ff | cut -d' ' -f1)"
tel -s >&2
tel q; echo "telq=$?"
wait_until 10 'test "$(wc -l < "$R/tmp/ff")" -ge 20' || die "telinit q did not lift the throttle"
wait_until 5 'test "$(grep -c "respawning too fast" "$R/var/log/pkginit.log")" -ge 2'
echo "starts_after=$(wc -l < "$R/tmp/ff")"
echo "msgs=$(grep -c 'respawning too fast' "$R/var/log/pkginit.log")"
tel 0
"#);
    assert_eq!(
        field(&out, "starts"),
        Some("10"),
        "exactly 10 starts: {out}"
    );
    assert_eq!(
        field(&out, "msg"),
        Some("Id \"ff\" respawning too fast: disabled for 5 minutes"),
        "{out}"
    );
    assert_eq!(field(&out, "state"), Some("throttled"), "{out}");
    assert_eq!(field(&out, "telq"), Some("0"));
    assert_eq!(
        field(&out, "starts_after"),
        Some("20"),
        "q re-enables it for another 10: {out}"
    );
    assert_eq!(field(&out, "msgs"), Some("2"), "{out}");
}

/// `telinit -w` with the largest number it accepts waits like any other
/// (it aborted on adding that many seconds to the clock, after the request
/// was sent, so a stop script saw 134 while the package stopped).
#[test]
fn telinit_0_with_the_largest_wait_waits() {
    let out = run(r#"
cat > "$R/etc/inittab" <<'X'
id:2:initdefault:
s2:2:respawn:/bin/sleep 1002
X
start_pkginit
rc=0; tel -w 18446744073709551615 0 2> "$T/err" || rc=$?; echo "rc=$rc"
echo "err=$(head -c 200 "$T/err" | tr '\n' ' ')"
test -e "$R/run/pkginit.pid" || echo "gone=yes"
"#);
    assert_eq!(field(&out, "rc"), Some("0"), "{out}");
    assert_eq!(field(&out, "err"), Some(""), "{out}");
    assert_eq!(field(&out, "gone"), Some("yes"), "{out}");
}

/// Debian's sysvinit telinit (scripts/deps.sh extracts it into
/// target/sysvinit) talks to pkginit through /run/initctl.
#[test]
fn debian_telinit_changes_the_package_level() {
    let sysv = concat!(env!("CARGO_MANIFEST_DIR"), "/target/sysvinit/sbin/init");
    assert!(
        std::path::Path::new(sysv).exists(),
        "{sysv} missing: scripts/deps.sh extracts sysvinit-core"
    );
    let out = run(&format!(
        r#"
mkdir -p "$R/opt"; cp {sysv} "$R/opt/telinit"
cat > "$R/etc/inittab" <<'X'
id:2:initdefault:
d3:3:respawn:/bin/sleep 1003
X
start_pkginit
echo "before=$(level)"
in_pkg pkg01 /opt/telinit 3; echo "debrc=$?"
wait_until 5 'test "$(level)" = 3' || die "level did not change"
echo "after=$(level)"
wait_until 5 'test -n "$(entry_pid d3)"' && echo "d3=running"
in_pkg pkg01 /opt/telinit -t 1 5; echo "debrc5=$?"
wait_until 5 'test "$(level)" = 5' && echo "five=yes"
grep -o 'request: run-level 5 (grace 1 s)' "$R/var/log/pkginit.log" | sed 's/^/req=/'
in_pkg pkg01 /opt/telinit 0
wait_for 10 test ! -e "$R/run/pkginit.pid" && echo "gone=yes"
"#
    ));
    assert_eq!(field(&out, "before"), Some("2"), "{out}");
    assert_eq!(field(&out, "debrc"), Some("0"), "{out}");
    assert_eq!(field(&out, "after"), Some("3"), "{out}");
    assert_eq!(field(&out, "d3"), Some("running"), "{out}");
    assert_eq!(field(&out, "five"), Some("yes"), "{out}");
    assert_eq!(field(&out, "req"), Some("request: run-level 5 (grace 1 s)"));
    assert_eq!(field(&out, "gone"), Some("yes"), "{out}");
}

#[test]
fn garbage_on_the_fifo_leaves_it_running_and_responsive() {
    let out = run(r#"
set +e
cat > "$R/etc/inittab" <<'X'
id:2:initdefault:
d3:3:respawn:/bin/sleep 1003
X
start_pkginit
pid=$(pkginit_pid pkg01)
F=$R/run/initctl
head -c 100 /dev/urandom > "$F"                       # random bytes
printf 'x' > "$F"                                     # a short write
python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<iiii368s", 0x12345678, 1, 0x33, 3, b""))' > "$F"   # wrong magic
python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<iiii368s", 0x03091969, 1, 0x53, 3, b""))' > "$F"   # level S
python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<iiii368s", 0x03091969, 1, 0x39, 3, b""))' > "$F"   # level 9
python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<iiii368s", 0x03091969, 2, 0x33, 3, b""))' > "$F"   # powerfail
python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<iiii", 0x03091969, 1, 0x33, 3))' > "$F"            # 16 bytes
timeout 20 head -c 1048576 /dev/urandom > "$F"; echo "noise=$?"   # 1 MiB of noise
# the framed requests above were read and refused before the noise
wait_until 5 'test "$(grep -c "got bogus initrequest" "$R/var/log/pkginit.log")" -ge 4' ||
    echo "no bogus lines logged" >&2
echo "alive=$(alive "$pid" && echo yes)"
echo "level=$(level)"
tel 3; echo "tel3=$?"
wait_until 5 'test "$(level)" = 3' && echo "responsive=yes"
grep -c 'got bogus initrequest' "$R/var/log/pkginit.log" | sed 's/^/bogus=/'
grep -m1 -o 'got bogus initrequest: wrong magic[^"]*\|got bogus initrequest: run-level S[^"]*' "$R/var/log/pkginit.log" >&2 || true
echo "cpu=$(awk '{print $14 + $15}' /proc/$pid/stat)"
# the FIFO replaced under it: reopened
mkfifo -m 600 "$F.new"; mv -f "$F.new" "$F"
wait_for 5 grep -q 'initctl replaced: reopened' "$R/var/log/pkginit.log"
tel 2; echo "tel2=$?"
wait_until 5 'test "$(level)" = 2' && echo "reopened=yes"
# one that other users could write: the library remakes it, and its warning
# reaches the detached pkginit's -l file (its stderr is /dev/null)
mkfifo -m 666 "$F.bad"; mv -f "$F.bad" "$F"
wait_for 5 grep -q 'initctl: not ours or open to other writers: made anew' "$R/var/log/pkginit.log" && echo "untrusted_logged=yes"
wait_until 5 'test "$(stat -c %a "$F")" = 600' && echo "untrusted_remade=yes"
wait_until 5 'test "$(grep -c "initctl replaced: reopened" "$R/var/log/pkginit.log")" -ge 2'
tel 3; echo "tel3b=$?"
wait_until 5 'test "$(level)" = 3' && echo "remade_works=yes"
rm -f "$F"
wait_until 5 'test -p "$F"'
echo "recreated=$(test -p "$F" && echo yes)"
tel 0; echo "tel0=$?"
"#);
    assert_eq!(field(&out, "noise"), Some("0"), "1 MiB was read: {out}");
    assert_eq!(field(&out, "alive"), Some("yes"), "{out}");
    assert_eq!(
        field(&out, "level"),
        Some("2"),
        "no garbage changed the level: {out}"
    );
    assert_eq!(field(&out, "tel3"), Some("0"), "{out}");
    assert_eq!(field(&out, "responsive"), Some("yes"), "{out}");
    let bogus: u32 = field(&out, "bogus").unwrap().parse().unwrap();
    assert!(bogus >= 4, "bogus requests are logged: {out}");
    assert_eq!(field(&out, "reopened"), Some("yes"), "{out}");
    assert_eq!(
        field(&out, "untrusted_logged"),
        Some("yes"),
        "a library warning in a detached pkginit reaches its log file: {out}"
    );
    assert_eq!(field(&out, "untrusted_remade"), Some("yes"), "{out}");
    assert_eq!(field(&out, "tel3b"), Some("0"), "{out}");
    assert_eq!(field(&out, "remade_works"), Some("yes"), "{out}");
    assert_eq!(field(&out, "recreated"), Some("yes"), "{out}");
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
}

#[test]
fn orphans_reaped_no_zombies_clean_exit_and_restart_after_kill() {
    let out = run(r#"
set +e
cat > "$R/etc/inittab" <<'X'
id:3:initdefault:
dd:3:once:/bin/sh -c '(setsid sleep 1004 &); (sleep 0.2 &); exit 0'
ig:3:once:sh -c '(trap "" TERM; exec sleep 1005) & exit 0'
X
# errors at start: no inittab, an empty one, a second pkginit
mv "$R/etc/inittab" "$R/etc/inittab.x"
start_pkginit 2>"$T/e1"; echo "noinittab=$?"; echo "noinittab_msg=$(cat "$T/e1")"
: > "$R/etc/inittab"
start_pkginit 2>"$T/e2"; echo "empty=$?"; echo "empty_msg=$(cat "$T/e2")"
mv "$R/etc/inittab.x" "$R/etc/inittab"
t0=$(date +%s%N); tel 3 2>"$T/e3"; echo "norun=$?"; echo "norun_msg=$(cat "$T/e3")"
echo "norun_ms=$(( ($(date +%s%N) - t0) / 1000000 ))" >&2
# foreground, so its exit status is ours to see
in_pkg pkg01 /corp/bin/pkginit -n -l /var/log/pkginit.log 2>"$T/fg.err" & fg=$!
wait_until 5 'test -n "$(pkginit_pid pkg01)"' || die "no pid file"
start_pkginit 2>"$T/e4"; echo "second=$?"; echo "second_msg=$(cat "$T/e4")"
pid=$(pkginit_pid pkg01)
wait_for 5 pgrep -f '^sleep 1004$' >/dev/null || die "no orphan"
orphan=$(pgrep -f '^sleep 1004$')
# its parent shell exits soon after forking it: then pkginit adopts it
wait_until 5 '[ "$(awk "{print \$4}" /proc/$orphan/stat)" = "$pid" ]'
echo "orphan_parent=$([ "$(awk '{print $4}' /proc/$orphan/stat)" = "$pid" ] && echo pkginit)"
wait_until 5 '[ "$(ps -e -o stat= | grep -c "^Z")" = 0 ]'
echo "zombies_mid=$(ps -e -o stat= | grep -c '^Z' || true)"
tel 0; echo "tel0=$?"
wait "$fg"; echo "fgrc=$?"
echo "zombies=$(ps -e -o stat= | grep -c '^Z' || true)"
echo "leftover=$(pgrep -f '^sleep 100[45]$' | wc -l)"
echo "pidfile=$(test -e "$R/run/pkginit.pid" && echo present || echo gone)"
# a killed pkginit leaves its pid file, FIFO and utmp behind: no obstacle
start_pkginit; echo "restart=$?"
pid2=$(pkginit_pid pkg01)
kill -9 "$pid2"
# gone or a zombie (this sandbox's pid 1 does not reap): its FIFO is closed
wait_until 5 'case $(ps -o stat= -p "$pid2") in Z*|"") true;; *) false;; esac'
echo "stale=$(test -s "$R/run/pkginit.pid" && test -p "$R/run/initctl" && echo yes)"
tel 3 2>/dev/null; echo "stale_tel=$?"
start_pkginit; echo "after_kill=$?"
# the starter returns once pkginit runs; its level follows when boot is done
wait_until 5 'test "$(level)" = 3'
echo "level=$(level)"
tel 0; echo "final=$?"
"#);
    assert_eq!(field(&out, "noinittab"), Some("1"), "{out}");
    assert_eq!(
        field(&out, "noinittab_msg"),
        Some("pkginit: can't open '/etc/inittab': No such file or directory")
    );
    assert_eq!(field(&out, "empty"), Some("1"), "{out}");
    assert_eq!(
        field(&out, "empty_msg"),
        Some("pkginit: no usable entries in /etc/inittab")
    );
    assert_eq!(field(&out, "norun"), Some("1"), "{out}");
    assert_eq!(
        field(&out, "norun_msg"),
        Some("telinit: pkginit is not running in this package")
    );
    assert_eq!(field(&out, "second"), Some("1"), "{out}");
    assert!(
        field(&out, "second_msg")
            .unwrap_or("")
            .starts_with("pkginit: pkginit is already running in this package (pid "),
        "{out}"
    );
    assert_eq!(field(&out, "orphan_parent"), Some("pkginit"), "{out}");
    assert_eq!(field(&out, "zombies_mid"), Some("0"), "{out}");
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
    assert_eq!(field(&out, "fgrc"), Some("0"), "pkginit exits 0: {out}");
    assert_eq!(field(&out, "zombies"), Some("0"), "{out}");
    assert_eq!(field(&out, "leftover"), Some("0"), "orphans stopped: {out}");
    assert_eq!(field(&out, "pidfile"), Some("gone"), "{out}");
    assert_eq!(field(&out, "restart"), Some("0"), "{out}");
    assert_eq!(field(&out, "stale"), Some("yes"), "{out}");
    assert_eq!(field(&out, "stale_tel"), Some("1"), "{out}");
    assert_eq!(field(&out, "after_kill"), Some("0"), "{out}");
    assert_eq!(field(&out, "level"), Some("3"), "{out}");
    assert_eq!(field(&out, "final"), Some("0"), "{out}");
}

/// Debian's cron as a package service, started by pkginit: its job runs
/// inside the package (getcpkg says pkg01, ctxROOT is /pkg01) and
/// the host never runs it. Takes about a minute: cron runs jobs on the
/// minute.
#[test]
fn cron_runs_package_jobs_inside_the_package() {
    require("cron");
    let out = run(r#"
tag=pcue-cron-$$-$RANDOM
# what cron needs in a chroot comes from mkpcue's default layout: the
# package's passwd, group and shadow, the host's NSS configuration, PAM
# for cron (ctxROOT from pkginit's env file through pam_env) and the spool
# /var/spool/cron/crontabs. The test adds only root's crontab.
printf '* * * * * { /corp/bin/getcpkg; echo "$ctxROOT"; } > /tmp/%s.out 2>&1\n' "$tag" > "$R/var/spool/cron/crontabs/root"
chmod 600 "$R/var/spool/cron/crontabs/root"
cat > "$R/etc/inittab" <<'X'
id:2:initdefault:
cr:2345:respawn:/usr/sbin/cron -f
X
start_pkginit -c /var/log/console
wait_until 5 'test -n "$(entry_pid cr)"' || die "cron not running"
echo "cron_in_pkg=$(readlink /proc/$(entry_pid cr)/root)"
wait_for 75 test -s "$R/tmp/$tag.out" || { cat "$R/var/log/console" >&2; die "the cron job did not run"; }
wait_until 5 '[ "$(wc -l < "$R/tmp/$tag.out")" -ge 2 ]'
echo "job_pkg=$(sed -n 1p "$R/tmp/$tag.out")"
echo "job_ctxroot=$(sed -n 2p "$R/tmp/$tag.out")"
echo "root=$R"
echo "host_ran=$(test -e "/tmp/$tag.out" && echo yes || echo no)"
echo "host_crontab=$(grep -rl "$tag" /var/spool/cron/crontabs /etc/crontab /etc/cron.d 2>/dev/null | wc -l)"
tel 0; echo "tel0=$?"
echo "cron_left=$(pgrep -x cron -a | grep -c . || true)" >&2
"#);
    assert_eq!(field(&out, "cron_in_pkg"), field(&out, "root"), "{out}");
    assert_eq!(field(&out, "job_pkg"), Some("pkg01"), "{out}");
    // one ctxROOT everywhere (issue 12): /pkg01, as execsh and pkgnet give it
    assert_eq!(field(&out, "job_ctxroot"), Some("/pkg01"), "{out}");
    assert_eq!(field(&out, "host_ran"), Some("no"), "{out}");
    assert_eq!(field(&out, "host_crontab"), Some("0"), "{out}");
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
}

/// A control FIFO that a user owns and anyone may write (a user cannot make
/// one in root's /run; this one an admin left) is not trusted: pkginit
/// makes its own, and the user can neither write a request nor stop the
/// package.
#[test]
fn a_fifo_planted_by_a_user_is_replaced() {
    let out = run(r#"
set +e
cat > "$R/etc/inittab" <<'X'
id:3:initdefault:
d3:3:respawn:/bin/sleep 1003
X
rm -f "$R/run/initctl"
# a user cannot plant one in /run; a FIFO of theirs that got there (by an
# admin's hand) is no more trusted
chroot --userspec=$TUID:$TGID "$R" /usr/bin/mkfifo -m 666 /run/initctl 2>/dev/null && die "a user made /run/initctl"
mkfifo -m 666 "$R/run/initctl"; chown $TUID:$TGID "$R/run/initctl"
echo "planted=$(stat -c '%u %a' "$R/run/initctl")"
start_pkginit; echo "start=$?"
pid=$(pkginit_pid pkg01)
echo "fifo=$(stat -c '%u %a %F' "$R/run/initctl")"
chroot --userspec=$TUID:$TGID "$R" /corp/bin/telinit 0 2>"$T/err"; echo "user_tel0=$?"
echo "user_err=$(head -1 "$T/err")"
# a request of root's after it: answered, so anything the user's telinit
# had managed to write before it was read first
tel q; echo "telq=$?"
wait_for 5 grep -q 're-reading inittab' "$R/var/log/pkginit.log" || echo "q unanswered" >&2
echo "still=$(kill -0 "$pid" 2>/dev/null && echo running)"
echo "level=$(level)"
tel 0; echo "tel0=$?"
"#);
    assert_eq!(field(&out, "planted"), Some("4242 666"), "{out}");
    assert_eq!(field(&out, "start"), Some("0"), "{out}");
    assert_eq!(field(&out, "fifo"), Some("0 600 fifo"), "{out}");
    assert_eq!(field(&out, "user_tel0"), Some("1"), "{out}");
    assert_eq!(field(&out, "telq"), Some("0"), "{out}");
    assert_eq!(field(&out, "still"), Some("running"), "{out}");
    assert_eq!(field(&out, "level"), Some("3"), "{out}");
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
}

/// Level 0 stops a chain of daemons that ignore TERM, each in a session of
/// its own and reparented to pkginit only while the shutdown runs; and a
/// descriptor the start script left open reaches neither pkginit nor its
/// entries.
#[test]
fn level_0_stops_orphan_chains_and_no_descriptor_leaks_in() {
    let out = run(r#"
set +e
cat > "$R/etc/rc.d/t2" <<'X'
#!/bin/sh
trap '' TERM
exec /bin/sleep 1008
X
cat > "$R/etc/rc.d/t1" <<'X'
#!/bin/sh
trap '' TERM
/usr/bin/setsid /etc/rc.d/t2 &
exec /bin/sleep 1007
X
chmod 755 "$R/etc/rc.d/t1" "$R/etc/rc.d/t2"
cat > "$R/etc/inittab" <<'X'
id:3:initdefault:
xx:3:once:/usr/bin/setsid /etc/rc.d/t1
d3:3:respawn:/bin/sleep 1003
X
( exec 7>>"$T/ctl.log"; start_pkginit ); echo "start=$?"
pid=$(pkginit_pid pkg01)
wait_until 50 '[ "$(pgrep -fc "^/bin/sleep 100[78]$")" = 2 ]' || true
d3=$(entry_pid d3)
# the start script's descriptor, by where it points (numbers are reused)
leaks() { for f in /proc/$1/fd/*; do readlink "$f"; done | grep -c 'ctl\.log'; }
echo "leak_init=$(leaks $pid) leak_entry=$(leaks $d3) log_open_here=$(ls -l /proc/$$/fd | grep -c ctl.log)"
echo "chain=$(pgrep -fc '^/bin/sleep 100[78]$')"
tel -t 1 0; echo "tel0=$?"
echo "left=$(pgrep -fc '^/bin/sleep 100[378]$')"
"#);
    assert_eq!(field(&out, "start"), Some("0"), "{out}");
    assert_eq!(
        field(&out, "leak_init"),
        Some("0 leak_entry=0 log_open_here=0"),
        "{out}"
    );
    assert_eq!(
        field(&out, "chain"),
        Some("2"),
        "both daemons of the chain ran: {out}"
    );
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
    assert_eq!(
        field(&out, "left"),
        Some("0"),
        "nothing of the package survives level 0: {out}"
    );
}
