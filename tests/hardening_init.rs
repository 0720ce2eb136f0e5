//! Issue 11's defects 4-7 and pkginit's syslog, each as the hostile review
//! found it: a package user planting or racing the control FIFO, holding a
//! read lock on a stale pid file or on utmp/wtmp, and an inittab with one
//! Latin-1 byte; pkginit's log lines lost inside a package. Each runs in
//! private namespaces (tests/lib.sh) in a root built by mkpcue, with the
//! node's /dev/log relayed to $T/syslog.

mod common;
use common::*;

const WORLD: &str = r#"
private_dev
mkpcue_root pkg01
R=$T/pkg01
chmod 755 "$T"
start_pkginit() { in_pkg pkg01 /corp/bin/pkginit -l /var/log/pkginit.log "$@"; }
tel() { in_pkg pkg01 /corp/bin/telinit "$@"; }
level() { tel -s | sed -n 's/^run-level \([^ ]*\) .*/\1/p'; }
as_pkg_user() { chroot --userspec=$TUID:$TGID "$R" "$@"; }
# hold_lock FILE: a package user's read lock on FILE (inside the package),
# held until the holder is killed; prints the holder's pid
hold_lock() {
    ( exec chroot --userspec=$TUID:$TGID "$R" /usr/bin/python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "rb"); fcntl.lockf(f, fcntl.LOCK_SH); print("locked", flush=True); time.sleep(600)' "$1" > "$T/lock.$$.$RANDOM" ) &
    local pid=$!
    wait_until 5 "grep -q locked $T/lock.* 2>/dev/null" || die "no lock on $1"
    rm -f "$T"/lock.*
    echo "$pid"
}
"#;

fn run(script: &str) -> String {
    require("python3");
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

/// Defect 4: the control FIFO lives in root's /run, where no package user
/// can plant, replace or race the name; what a user plants in /tmp (where
/// it used to be) changes nothing; a /run others may write to stops
/// pkginit; telinit writes through no symlink; mkpcue makes a FIFO that is
/// not the layout's anew (never `keep`), and refuses a file there.
#[test]
fn the_control_fifo_is_out_of_users_reach() {
    let out = run(r#"
set +e
cat > "$R/etc/inittab" <<'X'
id:3:initdefault:
d2:2:respawn:/bin/sleep 1002
X
# a user in the package: nothing of theirs can take the FIFO's name
as_pkg_user /bin/sh -c 'ln -s /tmp/mine /run/initctl' 2>/dev/null; echo "user_link=$?"
# what used to work: the FIFO gone from /tmp (a tmp cleaner), the user's
# symlink, then their own FIFO, in its place
rm -f "$R/tmp/initctl"
as_pkg_user /bin/sh -c 'ln -s /dev/null /tmp/initctl'
start_pkginit 2>"$T/e"; echo "start=$?"; cat "$T/e" >&2
as_pkg_user /bin/sh -c 'rm -f /tmp/initctl; mkfifo -m 600 /tmp/initctl'
as_pkg_user /bin/sh -c 'exec 3<>/tmp/initctl; sleep 5; timeout 1 head -c 384 <&3 | wc -c > /tmp/stolen' &
tel 2; echo "tel2=$?"
wait_until 5 'test "$(level)" = 2'; echo "level=$(level)"
wait_until 8 'test -s "$R/tmp/stolen"'; echo "stolen=$(cat "$R/tmp/stolen")"
# root's telinit never follows a link at the FIFO's name (one only root
# could put there: a slip, or the old layout's link)
as_pkg_user /usr/bin/mkfifo -m 600 /tmp/mine; exec 4<>"$R/tmp/mine"
ln -s /tmp/mine "$R/run/initctl.lnk"; mv -T "$R/run/initctl.lnk" "$R/run/initctl"
tel 3 2>"$T/e"; echo "tel_link=$?"; echo "tel_link_msg=$(cat "$T/e")"
echo "other_got=$(timeout 1 head -c 384 <&4 | wc -c)"
rm "$R/run/initctl"
wait_for 5 grep -q 'initctl replaced: reopened' "$R/var/log/pkginit.log"
tel 0; echo "tel0=$?"
# a /run others may write to: no pkginit
chmod 1777 "$R/run"
start_pkginit 2>"$T/e"; echo "open_run=$?"; echo "open_run_msg=$(cat "$T/e")"
chmod 755 "$R/run"
# mkpcue: the old layout's link, a user's FIFO, a file, where the FIFO goes
mk() { PCUE_ROOT_PREFIX="$T" PCUE_SGCONF="$T/sg" PCUE_CMVIEWCL=0 "$PCUE" mkpcue pkg01 2>&1; }
rm -f "$R/run/initctl"; ln -s /tmp/initctl "$R/run/initctl"
mk > "$T/m1"; echo "mk_link=$?"
grep -i 'initctl' "$T/m1" | sed 's/^/mk_link_says=/'
echo "after_link=$(stat -c '%F %a %U' "$R/run/initctl")"
rm -f "$R/run/initctl"; mkfifo -m 666 "$R/run/initctl"; chown $TUID:$TGID "$R/run/initctl"
mk > "$T/m2"; echo "mk_fifo=$?"
grep -i 'initctl' "$T/m2" | sed 's/^/mk_fifo_says=/'
echo "after_fifo=$(stat -c '%F %a %U' "$R/run/initctl")"
rm -f "$R/run/initctl"; echo data > "$R/run/initctl"
mk > "$T/m3"; echo "mk_file=$?"
grep -i 'initctl' "$T/m3" | sed 's/^/mk_file_says=/'
echo "file_kept=$(cat "$R/run/initctl")"
"#);
    assert_eq!(field(&out, "user_link"), Some("1"), "{out}");
    assert_eq!(
        field(&out, "start"),
        Some("0"),
        "a user's link in /tmp stops nothing: {out}"
    );
    assert_eq!(field(&out, "tel2"), Some("0"), "{out}");
    assert_eq!(field(&out, "level"), Some("2"), "{out}");
    assert_eq!(
        field(&out, "stolen"),
        Some("0"),
        "the user's FIFO got nothing: {out}"
    );
    assert_eq!(field(&out, "tel_link"), Some("1"), "{out}");
    assert_eq!(
        field(&out, "tel_link_msg"),
        Some("telinit: can't write '/run/initctl': a symlink, not pkginit's FIFO"),
        "{out}"
    );
    assert_eq!(field(&out, "other_got"), Some("0"), "{out}");
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
    assert_eq!(field(&out, "open_run"), Some("1"), "{out}");
    assert_eq!(
        field(&out, "open_run_msg"),
        Some(
            "pkginit: can't keep the control FIFO /run/initctl from users: \
             '/run' is writable by others (mode 1777)"
        ),
        "{out}"
    );
    assert_eq!(field(&out, "mk_link"), Some("0"), "{out}");
    assert!(
        out.contains("mk_link_says=mkfifo /run/initctl 0640 0:0 over a symlink to /tmp/initctl"),
        "{out}"
    );
    assert_eq!(field(&out, "after_link"), Some("fifo 640 root"), "{out}");
    assert_eq!(field(&out, "mk_fifo"), Some("0"), "{out}");
    assert!(
        out.contains("mk_fifo_says=mkfifo /run/initctl 0640 0:0 over a fifo 0666 4242:4242"),
        "{out}"
    );
    assert!(!out.contains("keep /run/initctl"), "never kept: {out}");
    assert_eq!(field(&out, "after_fifo"), Some("fifo 640 root"), "{out}");
    assert_eq!(field(&out, "mk_file"), Some("1"), "{out}");
    assert!(
        field(&out, "mk_file_says")
            .is_some_and(|l| l.contains("/run/initctl: a regular file, not a fifo")),
        "{out}"
    );
    assert_eq!(field(&out, "file_kept"), Some("data"), "{out}");
}

/// Defect 5: a package user's read lock on the pid file a killed pkginit
/// left neither stops the package from starting nor makes telinit -s take
/// the user's process for pkginit.
#[test]
fn a_users_lock_on_a_stale_pid_file_stops_nothing() {
    let out = run(r#"
set +e
printf 'id:3:initdefault:\nd3:3:respawn:/bin/sleep 1003\n' > "$R/etc/inittab"
start_pkginit; echo "first=$?"
old=$(pkginit_pid pkg01)
kill -9 "$old"
wait_until 5 'case $(ps -o stat= -p "$old") in Z*|"") true;; *) false;; esac'
pkill -f '^/bin/sleep 1003$'
holder=$(hold_lock /run/pkginit.pid)
tel -s > "$T/s" 2>&1; echo "status_rc=$?"; echo "status=$(head -1 "$T/s")"
# two starters at once (a retry racing the first): one runs, one yields
start_pkginit 2>"$T/e1" & s1=$!
start_pkginit 2>"$T/e2" & s2=$!
r1=0; wait $s1 || r1=$?; r2=0; wait $s2 || r2=$?
cat "$T/e1" "$T/e2" >&2
echo "start=$(echo $r1 $r2 | tr ' ' '\n' | sort | tr '\n' ' ')"
echo "yield_msg=$(cat "$T/e1" "$T/e2" | sed 's/(pid [0-9]*)/(pid N)/')"
new=$(pkginit_pid pkg01)
echo "one_pkginit=$(ps -e -o stat=,comm= | awk '$2 == "pkginit" && $1 !~ /^Z/' | wc -l)"
echo "new_is_new=$([ -n "$new" ] && [ "$new" != "$old" ] && [ "$new" != "$holder" ] && echo yes)"
wait_until 5 'test "$(level)" = 3'
echo "status_pid=$(tel -s | sed -n 's/.*pkginit pid \([0-9]*\).*/\1/p' | sed "s/^$new\$/new/")"
grep -c 'a stale pid file someone held a read lock on: replaced' "$R/var/log/pkginit.log" | sed 's/^/logged=/'
tel -w 10 0; echo "tel0=$?"
kill "$holder"
"#);
    assert_eq!(field(&out, "first"), Some("0"), "{out}");
    assert_eq!(field(&out, "status_rc"), Some("1"), "{out}");
    assert_eq!(
        field(&out, "status"),
        Some("telinit: pkginit is not running in this package"),
        "{out}"
    );
    assert_eq!(field(&out, "start"), Some("0 1 "), "one started: {out}");
    assert_eq!(
        field(&out, "yield_msg"),
        Some("pkginit: pkginit is already running in this package (pid N)"),
        "{out}"
    );
    assert_eq!(field(&out, "one_pkginit"), Some("1"), "{out}");
    assert_eq!(field(&out, "new_is_new"), Some("yes"), "{out}");
    assert_eq!(field(&out, "status_pid"), Some("new"), "{out}");
    assert_eq!(field(&out, "logged"), Some("1"), "{out}");
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
}

/// Defect 6: package users holding read locks on utmp and wtmp do not hold
/// up pkginit: a level change stopping 12 entries is done at once, the
/// records wait and are written once the locks are gone.
#[test]
fn users_locks_on_utmp_and_wtmp_hold_up_nothing() {
    let out = run(r#"
set +e
{ echo "id:3:initdefault:"
  for i in $(seq 10 21); do echo "e$i:3:respawn:/bin/sleep 10$i"; done
} > "$R/etc/inittab"
start_pkginit; echo "start=$?"
wait_until 10 '[ "$(pgrep -fc "^/bin/sleep 10[12][0-9]$")" = 12 ]' || die "entries not running"
u=$(hold_lock /run/utmp); w=$(hold_lock /var/log/wtmp)
tel 2; echo "tel2=$?"
# the level change and the 12 stops, whatever the locks
if wait_until 5 '[ "$(level)" = 2 ] && [ "$(pgrep -fc "^/bin/sleep 10[12][0-9]$")" = 0 ]'; then echo "prompt=yes"; fi
wait_for 5 grep -q "/run/utmp: locked by pid $u: records wait in a queue" "$R/var/log/pkginit.log" && echo "queued_logged=yes"
echo "dead_while_locked=$(utmpdump "$R/var/log/wtmp" 2>/dev/null | grep -c '^\[8\]')"
kill "$u" "$w"
# both holders gone (in either order): both queues written
wait_until 5 '[ "$(utmpdump "$R/var/log/wtmp" 2>/dev/null | grep -c "^\[8\]")" -ge 12 ] && who -r "$R/run/utmp" | grep -q "run-level 2"'
echo "dead_after=$(utmpdump "$R/var/log/wtmp" 2>/dev/null | grep -c '^\[8\]')"
echo "who=$(who -r "$R/run/utmp" | awk '{print $1, $2}')"
echo "last=$(last -x -f "$R/var/log/wtmp" | awk '/^runlevel/ {print $4}' | tr -d ')' | tr '\n' ' ')"
tel -w 10 0; echo "tel0=$?"
"#);
    assert_eq!(field(&out, "start"), Some("0"), "{out}");
    assert_eq!(field(&out, "tel2"), Some("0"), "{out}");
    assert_eq!(field(&out, "prompt"), Some("yes"), "{out}");
    assert_eq!(field(&out, "queued_logged"), Some("yes"), "{out}");
    assert_eq!(
        field(&out, "dead_while_locked"),
        Some("0"),
        "nothing written under the lock: {out}"
    );
    assert_eq!(
        field(&out, "dead_after"),
        Some("12"),
        "every stop recorded once the lock was gone: {out}"
    );
    assert_eq!(field(&out, "who"), Some("run-level 2"), "{out}");
    assert_eq!(field(&out, "last"), Some("2 3 "), "{out}");
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
}

/// Defect 7: one Latin-1 byte in the inittab stops nothing, and a reload
/// that fails (an inittab gone, or left without one usable line) says so
/// to telinit q and telinit -s, keeping the old table.
#[test]
fn a_latin1_inittab_starts_and_a_failing_reload_says_so() {
    let out = run(r#"
set +e
printf '# caf\xe9 du coin\nid:3:initdefault:\nd3:3:respawn:/bin/sleep 1003 # r\xe9seau\n' > "$R/etc/inittab"
start_pkginit 2>"$T/e"; echo "start=$?"; cat "$T/e" >&2
wait_until 5 'test "$(level)" = 3'; echo "level=$(level)"
pgrep -f '^/bin/sleep 1003$' >/dev/null && echo "d3=running"
printf 'id:3:initdefault:\nd3:3:respawn:/bin/sleep 1003\nd4:3:respawn:/bin/sleep 1004 # \xe0 jour\n' > "$R/etc/inittab"
tel q; echo "q_ok=$?"
wait_until 5 'pgrep -f "^/bin/sleep 1004$" >/dev/null' && echo "d4=running"
mv "$R/etc/inittab" "$R/etc/inittab.x"
tel q 2>"$T/e"; echo "q_gone=$?"; echo "q_gone_msg=$(cat "$T/e")"
echo '# only a comment' > "$R/etc/inittab"
tel q 2>"$T/e"; echo "q_empty=$?"; echo "q_empty_msg=$(cat "$T/e")"
tel -s | grep '^last reload' | sed 's/^/s_says=/'
echo "still=$(pgrep -fc '^/bin/sleep 100[34]$')"
tel -w 10 0; echo "tel0=$?"
"#);
    assert_eq!(field(&out, "start"), Some("0"), "{out}");
    assert_eq!(field(&out, "level"), Some("3"), "{out}");
    assert_eq!(field(&out, "d3"), Some("running"), "{out}");
    assert_eq!(field(&out, "q_ok"), Some("0"), "{out}");
    assert_eq!(field(&out, "d4"), Some("running"), "{out}");
    assert_eq!(field(&out, "q_gone"), Some("1"), "{out}");
    assert_eq!(
        field(&out, "q_gone_msg"),
        Some(
            "telinit: pkginit kept its old table: \
             can't open '/etc/inittab': No such file or directory"
        ),
        "{out}"
    );
    assert_eq!(field(&out, "q_empty"), Some("1"), "{out}");
    assert_eq!(
        field(&out, "q_empty_msg"),
        Some("telinit: pkginit kept its old table: no usable entries in /etc/inittab"),
        "{out}"
    );
    assert_eq!(
        field(&out, "s_says"),
        Some("last reload failed, old table kept: no usable entries in /etc/inittab"),
        "{out}"
    );
    assert_eq!(field(&out, "still"), Some("2"), "{out}");
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
}

/// pkginit's log lines reach the node's syslog from inside a package built
/// by mkpcue (its /dev/log), also after the node's syslog daemon made a
/// new socket.
#[test]
fn pkginit_logs_reach_the_nodes_syslog() {
    let out = run(r#"
set +e
printf 'id:3:initdefault:\nd3:3:respawn:/bin/sleep 1003\n' > "$R/etc/inittab"
in_pkg pkg01 /corp/bin/pkginit; echo "start=$?"
wait_log 5 1 'pkginit\[[0-9]*\]: pkginit .* started' && echo "started_logged=yes"
# the node's syslog daemon restarts: a new socket at /dev/log
pkill -x socat
wait_until 5 '! pgrep -x socat >/dev/null'
rm -f /dev/log; : > "$T/syslog2"
socat -u UNIX-RECV:/dev/log,mode=0666 OPEN:"$T/syslog2",append </dev/null >/dev/null 2>&1 &
wait_until 5 'test -S /dev/log'
tel q; echo "q=$?"
wait_until 5 'grep -a -q "re-reading inittab" "$T/syslog2"' && echo "after_restart=yes"
tel -w 10 0; echo "tel0=$?"
"#);
    assert_eq!(field(&out, "start"), Some("0"), "{out}");
    assert_eq!(field(&out, "started_logged"), Some("yes"), "{out}");
    assert_eq!(field(&out, "q"), Some("0"), "{out}");
    assert_eq!(field(&out, "after_restart"), Some("yes"), "{out}");
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
}

/// Issue 12: a line a package program sends to its /dev/log reaches the
/// node's syslog tagged with the package's name (pkginit's relay), a
/// forged tag stays behind the real one, a node syslog restart does not
/// cut the package off; a package user's flood of 1 MiB of datagrams
/// leaves pkginit answering telinit -s; at level 0 the layout's link is
/// back, and mkpcue --check takes the relay's socket for the link's place.
#[test]
fn package_syslog_lines_carry_the_package_name() {
    let out = run(r#"
set +e
printf 'id:3:initdefault:\nd3:3:respawn:/bin/sleep 1003\n' > "$R/etc/inittab"
echo "link_before=$(readlink "$R/dev/log")"
start_pkginit; echo "start=$?"
echo "dev_log=$(stat -c '%F %a' "$R/dev/log")"
as_pkg_user /usr/bin/logger -t app hello-tagged
wait_log 5 1 'pkg01/app: hello-tagged' && echo "tagged=yes"
as_pkg_user /usr/bin/logger -t pkg02/sshd forged-line
wait_log 5 1 'pkg01/pkg02/sshd: forged-line' && echo "forged_behind=yes"
echo "forged_bare=$(grep -a -o '[ >]pkg02/sshd: forged-line' "$T/syslog" | wc -l)"
PCUE_ROOT_PREFIX="$T" PCUE_SGCONF="$T/sg" PCUE_CMVIEWCL=0 "$PCUE" mkpcue --check pkg01 > "$T/chk" 2>&1
echo "check_dev_log=$(grep -c 'dev/log' "$T/chk")"
# the node's syslog daemon restarts: a new socket at /dev/log
pkill -x socat
wait_until 5 '! pgrep -x socat >/dev/null'
rm -f /dev/log
# (a 64 KiB buffer: a longer line than the relay's 8 KiB would show)
socat -b 65536 -u UNIX-RECV:/dev/log,mode=0666 OPEN:"$T/syslog",append </dev/null >/dev/null 2>&1 &
wait_until 5 'test -S /dev/log'
as_pkg_user /usr/bin/logger -t app after-restart
wait_log 5 1 'pkg01/app: after-restart' && echo "after_restart=yes"
# a package user floods /dev/log: 1 MiB of 1 KiB lines and a few 60 KiB
# datagrams, never waiting; pkginit keeps answering
as_pkg_user /usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.setblocking(False)
big = b"<13>flood: " + b"y" * 60000
line = b"<13>flood: " + b"x" * 1013
sent = n = 0; t = time.time()
while sent < (1 << 20) and time.time() - t < 20:
    m = big if n % 256 == 0 else line
    try:
        s.sendto(m, "/dev/log"); sent += len(m); n += 1
    except BlockingIOError:
        time.sleep(0.0005)
print("flood_sent=%d" % n)' > "$T/flood" &
fp=$!
answered=0
for i in 1 2 3 4 5; do timeout 5 /usr/sbin/chroot "$R" /corp/bin/telinit -s >/dev/null && answered=$((answered + 1)); done
echo "answered=$answered"
wait $fp; cat "$T/flood"
as_pkg_user /usr/bin/logger -t app after-flood
wait_log 10 1 'pkg01/app: after-flood' && echo "after_flood=yes"
echo "flood_relayed=$(grep -a -o 'pkg01/flood: ' "$T/syslog" | wc -l)"
echo "flood_longest=$(grep -a -o 'pkg01/flood: y*' "$T/syslog" | awk '{ if (length > m) m = length } END { print m }')"
tel -w 10 0; echo "tel0=$?"
echo "link_after=$(readlink "$R/dev/log")"
"#);
    assert_eq!(field(&out, "link_before"), Some("/system/dev/log"), "{out}");
    assert_eq!(field(&out, "start"), Some("0"), "{out}");
    assert_eq!(field(&out, "dev_log"), Some("socket 666"), "{out}");
    assert_eq!(field(&out, "tagged"), Some("yes"), "{out}");
    assert_eq!(field(&out, "forged_behind"), Some("yes"), "{out}");
    assert_eq!(field(&out, "forged_bare"), Some("0"), "{out}");
    assert_eq!(field(&out, "check_dev_log"), Some("0"), "{out}");
    assert_eq!(field(&out, "after_restart"), Some("yes"), "{out}");
    assert_eq!(field(&out, "answered"), Some("5"), "{out}");
    assert!(field(&out, "flood_sent").is_some(), "{out}");
    assert_eq!(field(&out, "after_flood"), Some("yes"), "{out}");
    // a 60 KiB datagram arrives cut to 8 KiB: the tag and 8192 bytes less
    // the line's head, never more
    let longest: usize = field(&out, "flood_longest")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(longest > 0 && longest <= 8192 + 6, "{out}");
    assert_eq!(field(&out, "tel0"), Some("0"), "{out}");
    assert_eq!(field(&out, "link_after"), Some("/system/dev/log"), "{out}");
}
