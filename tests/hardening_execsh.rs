//! Issue 11's defects 8 and 9, as the hostile review found them: a caller
//! who SIGKILLs the interactive execsh parent (a login in utmp forever,
//! "gone - no logout", a terminal left lent), and one who hands execsh a
//! pty of a devpts mounted in a user namespace of their own, whose record
//! then lands in the slot of the user really on the node's pts/0. Run in
//! private namespaces (tests/lib.sh) with a setuid copy of the binary.

mod common;
use common::*;

const WORLD: &str = r#"
private_dev
private_etc
private_run
setuid_registry
setuid_copy
reg_cntl pkg01 127.0.0.2
reg_cntl pkg02 127.0.0.3
mkpcue_root pkg01
mkpcue_root pkg02
chmod 755 "$T"
iso_start pkg01
iso_start pkg02
X="$T/bin/execsh"
unset SHELL
alive() { utmpdump "$T/$1/run/utmp" 2>/dev/null | grep -c '^\[7\]' || true; }
# the sessions' records (pkginit's boot and run-level records left out)
types() { utmpdump "$T/$1/var/log/wtmp" 2>/dev/null | cut -c1-3 | grep -E '\[(7|8)\]' | tr '\n' ' '; }
"#;

fn run(script: &str) -> String {
    require("python3");
    require("utmpdump");
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

/// Defect 8: the caller cannot kill the session's parent (it kills only
/// its own shell), and however the session ends — the shell killed, the
/// parent's kill refused — utmp loses the login, wtmp gets the logout and
/// the caller's terminal keeps its owner and mode.
#[test]
fn the_caller_cannot_kill_the_session_parent() {
    let out = run(r#"
set +e
# the parent (the execsh that owes the logout) is outside the package's
# pid namespace: the shell inside cannot even name it (its PPID is 0); the
# caller tries to SIGKILL it from the node while the shell runs, then the
# shell ends; a second session's shell is killed by SIGKILL
setpriv --reuid=4242 --regid=4242 --clear-groups -- /usr/bin/python3 -c "$PTY_PY" /bin/sh -c '
  echo "ttybefore=$(stat -c "%u %g %a" "$(tty)")"
  ( sleep 1; kill -KILL $(pgrep -o -f "pkg01 /bin/sh -c echo ppid"); echo "kill=$?" ) &
  "$0" pkg01 /bin/sh -c "echo ppid=\$PPID; sleep 2; exit 4"; rc=$?; wait; (exit $rc)
  echo "rc1=$?"
  "$0" pkg01 /bin/sh -c "kill -KILL \$\$"
  echo "rc2=$?"
  echo "ttyafter=$(stat -c "%u %g %a" "$(tty)")"' "$X" | tr -d '\r' > "$T/out"
cat "$T/out"
echo "alive=$(alive pkg01)"
echo "wtmp=$(types pkg01)"
# last says "still running" for a logout in the second time(2) gives it, and
# time(2) reads the kernel's coarse clock, which can still show the last
# second just after date(1) shows the next: wait until two seconds are past
t0=$(date +%s)
wait_until 4 '[ "$(date +%s)" -gt "$((t0 + 1))" ]' || die "the clock stands still"
echo "gone=$(last -f "$T/pkg01/var/log/wtmp" | grep -c 'gone - no logout')"
echo "logged_out=$(last -f "$T/pkg01/var/log/wtmp" | grep -a '^user' | grep -c ' - ')"
"#);
    assert_eq!(
        field(&out, "kill"),
        Some("1"),
        "the caller's kill is refused: {out}"
    );
    assert_eq!(field(&out, "ppid"), Some("0"), "{out}");
    assert_eq!(field(&out, "rc1"), Some("4"), "{out}");
    assert_eq!(
        field(&out, "rc2"),
        Some("137"),
        "128+9 for a killed shell: {out}"
    );
    assert_eq!(field(&out, "alive"), Some("0"), "no login left: {out}");
    assert_eq!(field(&out, "wtmp"), Some("[7] [8] [7] [8] "), "{out}");
    assert_eq!(field(&out, "gone"), Some("0"), "{out}");
    assert_eq!(field(&out, "logged_out"), Some("2"), "{out}");
    assert_eq!(
        field(&out, "ttyafter"),
        field(&out, "ttybefore"),
        "the caller's terminal as it was: {out}"
    );
}

/// Defect 9: a pty of a devpts the caller mounted in a user namespace of
/// their own names no record: the record of the user really on the node's
/// pts/0 stays (pkg02 has no devpts: the session would run on the caller's
/// terminal and name it).
#[test]
fn a_pty_of_the_callers_own_devpts_names_no_record() {
    let out = run(r#"
set +e
rm -f "$T/pkg02/dev/ptmx"
# root, really logged in on the node's /dev/pts/0, in pkg02
on_pty "$X" pkg02 /bin/sh -c 'sleep 8' > /dev/null 2>&1 &
wait_until 5 '[ "$(alive pkg02)" = 1 ]' || die "no login of root"
echo "victim=$(utmpdump "$T/pkg02/run/utmp" 2>/dev/null | grep '^\[7\]' | awk -F'] \\[' '{print $4 "@" $5}' | tr -d ' ')"
# the caller's own devpts, in a user namespace of theirs: its pts/0
as_user unshare -U -r -m /usr/bin/python3 -c '
import fcntl, os, struct, subprocess, time
subprocess.run(["mount", "-t", "devpts", "-o", "newinstance,ptmxmode=0666", "devpts", "/dev/pts"], check=True)
m = os.open("/dev/pts/ptmx", os.O_RDWR | os.O_NOCTTY)
fcntl.ioctl(m, 0x40045431, struct.pack("i", 0))             # TIOCSPTLCK: unlock
n = struct.unpack("I", fcntl.ioctl(m, 0x80045430, b"\0" * 4))[0]  # TIOCGPTN
s = os.open("/dev/pts/%d" % n, os.O_RDWR | os.O_NOCTTY)
print(os.getpid(), s, n, flush=True)
time.sleep(30)' > "$T/own" &
wait_until 10 'test -s "$T/own"' || die "no devpts of the caller's"
read -r pid fd n < "$T/own"
echo "own_pts=$n"
as_user "$X" pkg02 /bin/sh -c 'echo ran; exit 0' < "/proc/$pid/fd/$fd" > "$T/forged" 2>&1; echo "forged_rc=$?"
cat "$T/forged" >&2
echo "after=$(utmpdump "$T/pkg02/run/utmp" 2>/dev/null | grep '^\[7\]' | awk -F'] \\[' '{print $4 "@" $5}' | tr -d ' ')"
echo "who=$("$X" pkg02 who | awk '{print $1 "@" $2}')"
echo "wtmp=$(types pkg02)"
kill "$pid" 2>/dev/null
"#);
    assert_eq!(field(&out, "victim"), Some("root@pts/0"), "{out}");
    assert_eq!(field(&out, "own_pts"), Some("0"), "{out}");
    assert_eq!(field(&out, "forged_rc"), Some("0"), "{out}");
    assert_eq!(
        field(&out, "after"),
        Some("root@pts/0"),
        "root's record untouched: {out}"
    );
    assert_eq!(field(&out, "who"), Some("root@pts/0"), "{out}");
    assert_eq!(
        field(&out, "wtmp"),
        Some("[7] "),
        "no login or logout of the caller's on pts/0: {out}"
    );
}

/// Issue 21: execsh reads the dispositions it restores before exec without
/// changing them. Under nohup (SIGHUP ignored) and with SIGTERM ignored,
/// every rt_sigaction of execsh held 300 ms by strace and a SIGHUP and a
/// SIGTERM sent to it every 50 ms meanwhile, the program still runs: no
/// window where either is at its default, killing execsh.
#[test]
fn ignored_signals_stay_ignored_while_execsh_starts() {
    require("strace");
    let out = run(r#"
( trap '' HUP TERM
  exec strace -f -qq -o "$T/strace.log" -e trace=rt_sigaction \
      -e inject=rt_sigaction:delay_exit=300000 \
      "$X" pkg01 /bin/sh -c 'echo survived' ) > "$T/out" 2>&1 &
s=$!
# signals from the first traced call of execsh on, to the pid strace names
wait_until 5 'grep -q rt_sigaction "$T/strace.log"' || die "strace shows no rt_sigaction"
c=$(awk 'NR == 1 { print $1 }' "$T/strace.log")
sent=0
for i in $(seq 200); do
    kill -HUP "$c" 2>/dev/null || break
    kill -TERM "$c" 2>/dev/null || break
    sent=$((sent + 1)); sleep 0.05
done
rc=0; wait "$s" || rc=$?
echo "rc=$rc"
echo "sent=$sent"
echo "out=$(tr '\n' ' ' < "$T/out")"
echo "killed=$(grep -c 'killed by' "$T/strace.log" || true)"
"#);
    assert!(
        field(&out, "sent").is_some_and(|n| n.parse::<u32>().unwrap_or(0) >= 3),
        "signals were sent while execsh started: {out}"
    );
    assert_eq!(field(&out, "out"), Some("survived "), "{out}");
    assert_eq!(field(&out, "rc"), Some("0"), "{out}");
    assert_eq!(field(&out, "killed"), Some("0"), "{out}");
}
