//! execsh as a real user would run it: a setuid-root copy of the binary, an
//! unprivileged caller (uid 4242), a real pseudo-terminal, and what `id`,
//! `who`, `last` and `utmpdump` see. Each test builds its own world in
//! private mount, network and pid namespaces (tests/lib.sh).

mod common;
use common::*;

/// Registry in /etc/cmcluster.conf (a private overlay), roots under $T,
/// a private /dev with its own devpts and a /dev/log that writes $T/syslog.
/// The package roots are built by mkpcue (tests/lib.sh `mkpcue_root`, run
/// as root with the same SGCONF and PCUE_ROOT_PREFIX the setuid execsh reads
/// from /etc/cmcluster.conf): a private self-bind, /usr and /etc read-only,
/// /proc, run/utmp, var/log/wtmp, and a devpts instance of the package's
/// own at /dev/pts. The callers' terminals are ptys of the sandbox's devpts
/// (the system context); an interactive session gets a pty of the
/// package's devpts, which execsh relays to the caller's (issue 12).
const WORLD: &str = r#"
private_dev
private_etc
private_run
setuid_registry
setuid_copy
# pkg_root PKG: mkpcue's root plus the test user (mkpcue_root), a
# supplementary group of the user's and a motd only this package has
pkg_root() {
    mkpcue_root "$1"
    echo "ops:x:4300:user" >> "$T/$1/etc/group"
    echo "$1" > "$T/$1/etc/motd"
    # an account migrated from an old system, its GECOS in Latin-1: it
    # must not spoil the file for the others
    printf 'jose:x:4545:4545:Jos\351 Mar\355a:/:/bin/sh\n' >> "$T/$1/etc/passwd"
}
reg_cntl pkg01 127.0.0.2
reg_cntl pkg02 127.0.0.3
pkg_root pkg01
pkg_root pkg02
chmod 755 "$T"
# both started as the node starts them: a world of their own each
iso_start pkg01
iso_start pkg02
X="$T/bin/execsh"
unset SHELL
# a fingerprint of every utmp and wtmp under $T
records() { cat "$T"/*/run/utmp "$T"/*/var/log/wtmp 2>/dev/null | md5sum | cut -c1-32; }
"#;

fn run(script: &str) -> String {
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

/// The pty output, with the terminal's CRs gone.
fn lines(out: &str) -> String {
    out.replace('\r', "")
}

#[test]
fn interactive_session_on_a_pty() {
    require("python3");
    require("utmpdump");
    let out = lines(&run(r#"
cat > "$T/pkg01/tmp/inside" <<'IN'
echo "uid=$(id -u)"
echo "gids=$(id -G)"
echo "pwd=$(pwd)"
echo "pkg=$(/corp/bin/getcpkg)"
echo "tty=$(tty)"
echo "ttyls=$(ls -lL /proc/self/fd/0 | cut -d' ' -f1,3,4)"
echo "ttydev=$(stat -L -c %t:%T /proc/self/fd/0)"
echo "ttyfs=$(stat -L -c %d /proc/self/fd/0) pkgfs=$(stat -c %d /dev/pts/ptmx)"
echo "ttyexists=$(test -c "$(tty)" && echo yes)"
echo "pkgpts=$(ls /dev/pts | tr '\n' ' ')"
echo "who=$(who | tr -s ' ' | cut -d' ' -f1,2)"
echo "ctx=$ctxROOT"
echo "home=$HOME user=$USER logname=$LOGNAME path=$PATH"
exit 7
IN
chmod 644 "$T/pkg01/tmp/inside"
set +e
setpriv --reuid=4242 --regid=4242 --groups=4999 -- /usr/bin/python3 -c "$PTY_PY" /bin/sh -c '
  echo "outtty=$(tty)"
  echo "outdev=$(stat -c %t:%T "$(tty)")"
  echo "outfs=$(stat -c %d "$(tty)")"
  echo "sttybefore=$(stty -g)"
  echo "ttybefore=$(stat -c "%u %g %a" "$(tty)")"
  "$0" pkg01 /bin/sh /tmp/inside
  echo "rc=$?"
  echo "ttyafter=$(stat -c "%u %g %a" "$(tty)")"
  echo "sttyafter=$(stty -g)"' "$X"
set -e
# last says "still running" for a logout in the second time(2) gives it, and
# time(2) reads the kernel's coarse clock, which can still show the last
# second just after date(1) shows the next: wait until two seconds are past
t0=$(date +%s)
wait_until 4 '[ "$(date +%s)" -gt "$((t0 + 1))" ]' || die "the clock stands still"
echo "last=$(last -f "$T/pkg01/var/log/wtmp" | grep -a '^user' | head -1)"
echo "dead=$(utmpdump "$T/pkg01/run/utmp" 2>/dev/null | grep -c '^\[8\]')"
echo "alive=$(utmpdump "$T/pkg01/run/utmp" 2>/dev/null | grep -c '^\[7\]' || true)"
# the session's records (pkginit's boot and run-level ones left out)
echo "wtmp_types=$(utmpdump "$T/pkg01/var/log/wtmp" 2>/dev/null | cut -c1-3 | grep -E '\[(7|8)\]' | tr '\n' ' ')"
wait_log 5 1 'uid 4242 entered package .pkg01. as user on /dev/pts/'
echo "log=$(grep -a -c 'uid 4242 entered package .pkg01. as user on /dev/pts/' "$T/syslog")"
"#));
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    assert_eq!(f("uid"), "4242", "{out}");
    assert_eq!(
        f("gids"),
        "4242 4300",
        "package groups only, not the caller's 4999: {out}"
    );
    assert_eq!(f("pwd"), "/home/user");
    assert_eq!(f("pkg"), "pkg01");
    // issue 12: the session's terminal is a pty of the package's own
    // devpts (execsh relays the caller's to it), the user's, group tty of
    // the package, mode 0620; before, it was the caller's pty of the
    // system context, which `tty` inside could not name
    assert_eq!(f("ttyls"), "crw--w---- user tty", "{out}");
    let (ttyfs, pkgfs) = f("ttyfs").split_once(" pkgfs=").unwrap();
    assert_eq!(ttyfs, pkgfs, "the package's devpts: {out}");
    assert_ne!(ttyfs, f("outfs"), "not the caller's devpts: {out}");
    assert_eq!(f("ttyexists"), "yes", "{out}");
    let tty = f("tty");
    assert!(tty.starts_with("/dev/pts/"), "{out}");
    assert_eq!(
        f("pkgpts"),
        format!("{} ptmx ", &tty[9..]),
        "the package's own devpts instance holds the session's pty only: {out}"
    );
    // who in the package names the package's pty
    assert!(f("outtty").starts_with("/dev/pts/"), "{out}");
    assert_eq!(f("who"), format!("user {}", &tty[5..]), "{out}");
    assert_eq!(f("sttyafter"), f("sttybefore"), "termios restored: {out}");
    assert_eq!(f("ctx"), "/pkg01");
    assert_eq!(
        f("home"),
        "/home/user user=user logname=user path=/usr/local/bin:/usr/bin:/bin:/corp/bin"
    );
    assert_eq!(f("rc"), "7", "the program's status: {out}");
    assert_eq!(f("ttybefore"), "4242 4242 600", "{out}");
    assert_eq!(
        f("ttyafter"),
        "4242 4242 600",
        "owner and mode restored: {out}"
    );
    let last = f("last");
    assert!(last.contains("pts/"), "{out}");
    assert!(
        !last.contains("still logged in") && last.contains(" - "),
        "a logout time: {out}"
    );
    assert_eq!(f("dead"), "1", "{out}");
    assert_eq!(f("alive"), "0", "{out}");
    assert_eq!(f("wtmp_types"), "[7] [8] ", "{out}");
    assert_eq!(f("log"), "1", "syslog LOG_AUTH line: {out}");
}

/// Every refusal: a clear one-line message, exit 1, the program never runs,
/// and no utmp or wtmp under $T changes by a byte. Run on a pty, so that a
/// session that got through would write utmp.
#[test]
fn hostile_input_is_refused_and_writes_nothing() {
    require("python3");
    let out = lines(&run(r#"
for p in pkgsym pkgg pkgw pkgu pkgnone pkguid pkgnm pkgdeep pkglnk; do reg_cntl $p; done
# Each bad root is a good mkpcue root spoiled in one way only, by hand
# after mkpcue (which would not build it so): the refusal can only come
# from that one flaw.
# a symlink to a good root, planted where the root should be
ln -s pkg01 "$T/pkgsym"
pkg_root pkgg; chmod 775 "$T/pkgg"
pkg_root pkgw; chmod 757 "$T/pkgw"
pkg_root pkgu; chown 4242 "$T/pkgu"
pkg_root pkgnone; sed -i '/^user:/d' "$T/pkgnone/etc/passwd"
pkg_root pkguid; sed -i 's/^user:x:4242:/user:x:5000:/' "$T/pkguid/etc/passwd"
iso_start pkgnone; iso_start pkguid
# a complete root whose mounts are gone: a plain directory, not a mount point
pkg_root pkgnm; umount -R "$T/pkgnm"
# a complete root below a directory the user owns (the registry puts it there)
mkdir -p "$T/udir/pkgdeep"
echo "PCUE_ROOT=\"$T/udir/pkgdeep\"" >> "$SGCONF/pkgdeep/pkgdeep.cntl"
PCUE_CMVIEWCL=0 "$PCUE" mkpcue pkgdeep >/dev/null || die "mkpcue pkgdeep"
echo "user:x:4242:4242:Package user:/:/bin/sh" >> "$T/udir/pkgdeep/etc/passwd"
chown 4242 "$T/udir"
ln -s . "$T/lnk"; echo "PCUE_ROOT=\"$T/lnk/pkg01\"" >> "$SGCONF/pkglnk/pkglnk.cntl"
# a registry of the user's own, with a package 'evil'
mkdir -p "$T/evilsg/evil"; echo 'IP[0]=127.0.0.9' > "$T/evilsg/evil/evil.cntl"
echo "SGCONF=$T/evilsg" > "$T/evil.conf"; chown -R 4242 "$T/evilsg" "$T/evil.conf"
long=$(printf 'a%.0s' $(seq 10000))
nhostile=0
hostile() { # hostile KEY [VAR=VALUE...] -- ARGS...
    local key=$1; shift
    local envs=() before rc=0 out
    nhostile=$((nhostile + 1))
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
    before=$(records)
    out=$(user_pty env "${envs[@]}" "$X" "$@" /bin/echo ENTERED 2>&1 | tr -d '\r') || rc=$?
    echo "${key}_rc=$rc"
    echo "${key}_msg=$(printf '%s\n' "$out" | head -1)"
    echo "${key}_lines=$(printf '%s\n' "$out" | grep -c .)"
    echo "${key}_entered=$(printf '%s\n' "$out" | grep -c ENTERED || true)"
    [ "$before" = "$(records)" ] && echo "${key}_same=yes" || echo "${key}_same=no"
}
hostile dotdot -- ../tmp/x
hostile slash -- /
hostile unknown -- nosuch
hostile symlink -- pkgsym
hostile groupw -- pkgg
hostile worldw -- pkgw
hostile owned -- pkgu
hostile noacct -- pkgnone
hostile otheruid -- pkguid
hostile notmount -- pkgnm
hostile deep -- pkgdeep
hostile lnk -- pkglnk
hostile long -- "$long"
hostile nonutf8 -- $'pk\xffg'
hostile uroot -- -u root pkg01
hostile evil PCUE_SGCONF="$T/evilsg" PCUE_CMCLUSTER_CONF="$T/evil.conf" -- evil
hostile preload LD_PRELOAD=/nonexistent.so PCUE_ROOT_PREFIX=/ -- nosuch
wait_log 5 "$nhostile" 'execsh.*refused uid 4242 entry to package'
echo "syslog_refusals=$(grep -a -c 'execsh.*refused uid 4242 entry to package' "$T/syslog")"
grep -a 'no account' "$T/syslog" | head -1 | sed 's/^.*execsh/syslog_noacct=execsh/'
"#));
    let cases: &[(&str, &str)] = &[
        (
            "dotdot",
            "execsh: invalid package name '../tmp/x': must start with a letter or digit",
        ),
        (
            "slash",
            "execsh: invalid package name '/': must start with a letter or digit",
        ),
        ("unknown", "execsh: unknown package 'nosuch'"),
        ("symlink", "/pkgsym' is a symbolic link"),
        (
            "groupw",
            "/pkgg' is writable by group or others (mode 0775)",
        ),
        (
            "worldw",
            "/pkgw' is writable by group or others (mode 0757)",
        ),
        ("owned", "/pkgu' is owned by uid 4242, not root"),
        ("noacct", "execsh: you have no account in package 'pkgnone'"),
        (
            "otheruid",
            "execsh: you have no account in package 'pkguid'",
        ),
        ("notmount", "/pkgnm' is not a mount point"),
        (
            "deep",
            "/udir' above the package root is owned by uid 4242, not root",
        ),
        ("lnk", "/lnk' above the package root is a symbolic link"),
        ("long", "': longer than 39 characters"),
        (
            "nonutf8",
            "execsh: invalid package name 'pk\u{fffd}g': not valid UTF-8",
        ),
        ("uroot", "execsh: -u is only for root"),
        ("evil", "execsh: unknown package 'evil'"),
        ("preload", "execsh: unknown package 'nosuch'"),
    ];
    for (key, want) in cases {
        let f = |k: &str| {
            field(&out, &format!("{key}_{k}"))
                .unwrap_or_else(|| panic!("no {key}_{k} in:\n{out}"))
                .to_string()
        };
        let msg = f("msg");
        assert!(
            msg.starts_with("execsh: ") && msg.ends_with(want),
            "{key}: want '{want}', got '{msg}'\n{out}"
        );
        assert_eq!(f("rc"), "1", "{key}: exit status\n{out}");
        assert_eq!(f("lines"), "1", "{key}: one line\n{out}");
        assert_eq!(f("entered"), "0", "{key}: the program ran\n{out}");
        assert_eq!(f("same"), "yes", "{key}: utmp/wtmp changed\n{out}");
    }
    assert_eq!(
        field(&out, "syslog_refusals"),
        Some(cases.len().to_string().as_str()),
        "one LOG_AUTH line per refusal: {out}"
    );
    assert!(
        field(&out, "syslog_noacct").unwrap_or_default().ends_with(
            "refused uid 4242 entry to package 'pkgnone': you have no account in package 'pkgnone'"
        ),
        "{out}"
    );
}

/// What the caller's environment cannot do: pick the registry or the root,
/// reach the program (LD_*, PCUE_*, IFS, ENV, BASH_ENV), hijack the program
/// lookup through PATH, or pick a shell that is not in the package.
#[test]
fn hostile_environment_is_dropped() {
    require("python3");
    let out = lines(&run(r#"
# an alternative registry and root that would pass every check (by hand,
# not by mkpcue: it stands for one the caller made up and names in PCUE_*)
mkdir -p "$T/evil/pkg01" "$T/evilsg/pkg01"
mount -t tmpfs evil "$T/evil/pkg01"
cp -a "$T/pkg01/etc" "$T/evil/pkg01/"; echo evil > "$T/evil/pkg01/etc/motd"
echo "PCUE_ROOT=\"$T/evil/pkg01\"" > "$T/evilsg/pkg01/pkg01.cntl"
echo "SGCONF=$T/evilsg" > "$T/evil.conf"
# a program the user planted, first in the PATH they pass
printf '#!/bin/sh\necho HIJACKED\n' > "$T/pkg01/tmp/id"; chmod 755 "$T/pkg01/tmp/id"
E=(LD_PRELOAD=/tmp/evil.so LD_LIBRARY_PATH=/tmp PCUE_SGCONF="$T/evilsg"
   PCUE_CMCLUSTER_CONF="$T/evil.conf" PCUE_ROOT_PREFIX="$T/evil" PCUE_LOG=trace
   IFS=x ENV=/tmp/e BASH_ENV=/tmp/e PATH=/tmp:/usr/bin:/bin TERM=vt100
   LANG=C.UTF-8 LC_TIME=C TZ=UTC COLUMNS=120 SHELL=/nonexistent)
echo "motd=$(as_user env "${E[@]}" "$X" pkg01 /bin/cat /etc/motd </dev/null)"
echo "id=$(as_user env "${E[@]}" "$X" pkg01 id -u </dev/null)"
as_user env "${E[@]}" "$X" pkg01 /usr/bin/env </dev/null | sort | sed 's/^/env:/'
# SHELL: not in the package -> passwd shell with a warning; in it -> used
printf 'echo "shell=$SHELL zero=$0"; exit\n' | user_pty env SHELL=/nonexistent "$X" pkg01 | tr -d '\r' | grep -a -o -e '^execsh.*' -e 'shell=/[^ ]* zero=.*' | sed 's/^/a_/'
printf 'echo "shell=$SHELL zero=$0"; exit\n' | user_pty env SHELL=/bin/bash "$X" pkg01 | tr -d '\r' | grep -a -o 'shell=/[^ ]* zero=.*' | sed 's/^/b_/'
# non-UTF-8 program arguments pass through byte for byte
echo "bytes=$(as_user "$X" pkg01 /usr/bin/printf '%s' $'\xff\xfe' </dev/null | od -An -tx1 | tr -d ' ')"
# root may enter as a package user with -u
echo "u=$("$X" -u user pkg01 /usr/bin/id -u </dev/null)"
"#));
    assert_eq!(field(&out, "motd"), Some("pkg01"), "{out}");
    assert_eq!(
        field(&out, "id"),
        Some("4242"),
        "/tmp/id must not run: {out}"
    );
    let env: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("env:")).collect();
    let names: Vec<&str> = env.iter().filter_map(|l| l.split('=').next()).collect();
    assert_eq!(
        names,
        [
            "COLUMNS", "HOME", "LANG", "LC_TIME", "LOGNAME", "PATH", "SHELL", "TERM", "TZ", "USER",
            "ctxROOT"
        ],
        "{out}"
    );
    assert!(env.contains(&"PATH=/usr/local/bin:/usr/bin:/bin:/corp/bin"));
    assert!(env.contains(&"SHELL=/bin/sh"), "{out}");
    assert!(env.contains(&"TERM=vt100") && env.contains(&"ctxROOT=/pkg01"));
    assert!(
        out.contains(
            "a_execsh: SHELL '/nonexistent' is not a program in package 'pkg01'; using '/bin/sh'"
        ),
        "{out}"
    );
    assert_eq!(field(&out, "a_shell"), Some("/bin/sh zero=-sh"), "{out}");
    assert_eq!(
        field(&out, "b_shell"),
        Some("/bin/bash zero=-bash"),
        "{out}"
    );
    assert_eq!(field(&out, "bytes"), Some("fffe"), "{out}");
    assert_eq!(field(&out, "u"), Some("4242"), "{out}");
}

/// 50 sessions at once, each on its own pty: the utmp lock keeps every
/// record, and every login gets its logout. (About 5 s.)
#[test]
fn fifty_concurrent_sessions() {
    require("python3");
    require("utmpdump");
    let out = run(r#"
pids=()
base=$(stat -c %s "$T/pkg01/var/log/wtmp")
for i in $(seq 50); do
    user_pty "$X" pkg01 /bin/sh -c 'sleep 0.5; exit 3' > "$T/s$i" 2>&1 & pids+=($!)
done
bad=0
for i in "${!pids[@]}"; do
    rc=0; wait "${pids[$i]}" || rc=$?
    [ "$rc" = 3 ] && continue
    bad=$((bad + 1))
    # what the session said: why it failed is then in the test's message
    echo "session $((i + 1)) exited $rc: $(tr -d '\r' < "$T/s$((i + 1))" | tr '\n' '|' | tail -c 200)"
done
echo "bad=$bad"
echo "alive=$(utmpdump "$T/pkg01/run/utmp" 2>/dev/null | grep -c '^\[7\]' || true)"
echo "dead=$(utmpdump "$T/pkg01/run/utmp" 2>/dev/null | grep -c '^\[8\]' || true)"
echo "logins=$(utmpdump "$T/pkg01/var/log/wtmp" 2>/dev/null | grep -c '^\[7\] .* \[user *\]' || true)"
echo "logouts=$(utmpdump "$T/pkg01/var/log/wtmp" 2>/dev/null | grep -c '^\[8\]' || true)"
echo "wtmpsize=$(( $(stat -c %s "$T/pkg01/var/log/wtmp") - base ))"
echo "lines=$(utmpdump "$T/pkg01/var/log/wtmp" 2>/dev/null | grep '^\[7\]' | awk -F'] \\[' '{print $5}' | sort -u | wc -l)"
"#);
    assert_eq!(field(&out, "bad"), Some("0"), "every session ran: {out}");
    assert_eq!(field(&out, "alive"), Some("0"), "{out}");
    // a pty freed by one session may serve a later one: one slot per line
    assert_eq!(field(&out, "dead"), field(&out, "lines"), "{out}");
    assert_eq!(field(&out, "logins"), Some("50"), "{out}");
    assert_eq!(field(&out, "logouts"), Some("50"), "{out}");
    assert_eq!(field(&out, "wtmpsize"), Some("38400"), "{out}");
}

/// A session that arrives over TCP: a root-owned daemon (socat as root,
/// like sshd or telnetd) holds the connection and gives the user a pty of
/// their own; utmp's host is the client's address. A forged SSH_CONNECTION
/// changes nothing, and a connection held by the user's own process (which
/// the user could aim anywhere) is not taken as the host.
#[test]
fn remote_host_of_a_network_session_is_recorded() {
    require("socat");
    require("utmpdump");
    let out = lines(&run(r#"
net_up 127.0.0.2
cat > "$T/login" <<EOS
#!/bin/sh
chown $TUID "\$(tty)"; chmod 620 "\$(tty)"
exec setpriv --reuid=$TUID --regid=$TGID --clear-groups env SSH_CONNECTION='10.6.6.6 1 127.0.0.2 22' $X pkg01 /bin/sh -c who
EOS
chmod 755 "$T/login"
session() { # session PORT: serve one login on 127.0.0.2:PORT, connect from 127.0.0.1
    local port=$1
    wait_until 5 'out=$(socat -t 10 -T 10 - TCP:127.0.0.2:$port,bind=127.0.0.1 </dev/null 2>/dev/null)' ||
        die "nothing answers on 127.0.0.2:$port"
    printf '%s\n' "$out"
}
socat -t 10 TCP-LISTEN:7301,bind=127.0.0.2,reuseaddr EXEC:"$T/login",pty,setsid,ctty,stderr &
root_who=$(session 7301); wait $! || true
printf '%s\n' "$root_who" | sed 's/^/who: /'
echo "who_host=$(printf '%s\n' "$root_who" | awk '/^user / { print $NF }' | tr -d '()')"
utmpdump "$T/pkg01/var/log/wtmp" 2>/dev/null | awk -F'] \\[' '/^\[7\]/ { print "dump_host=" $6; print "dump_addr=" $7 }' | tr -d ' '
echo "forged=$(cat "$T"/pkg01/run/utmp "$T"/pkg01/var/log/wtmp | grep -c 10.6.6.6 || true)"
# the user's own socat holds the connection: no host recorded
as_user socat -t 10 TCP-LISTEN:7302,bind=127.0.0.2,reuseaddr EXEC:"$X pkg01 /bin/sh -c who",pty,setsid,ctty,stderr &
user_who=$(session 7302); wait $! || true
echo "user_host=[$(printf '%s\n' "$user_who" | awk '/^user / && /\(/ { print $NF }')]"
"#));
    assert_eq!(field(&out, "who_host"), Some("127.0.0.1"), "{out}");
    assert_eq!(field(&out, "dump_host"), Some("127.0.0.1"), "{out}");
    assert_eq!(field(&out, "dump_addr"), Some("127.0.0.1"), "{out}");
    assert_eq!(field(&out, "forged"), Some("0"), "{out}");
    assert_eq!(field(&out, "user_host"), Some("[]"), "{out}");
}

/// A program that cannot run: the child's exec fails after the session
/// began, so the child says why (on the session's terminal, or on the
/// caller's standard error) and ends with 127 (not found) or 126 (not
/// executable), and the parent still writes the logout and gives the
/// terminal back.
#[test]
fn a_program_that_cannot_run_ends_the_child_with_its_error_and_the_logout() {
    require("python3");
    require("utmpdump");
    let out = lines(&run(r#"
set +e
setpriv --reuid=4242 --regid=4242 --clear-groups -- /usr/bin/python3 -c "$PTY_PY" /bin/sh -c '
  echo "sttybefore=$(stty -g)"
  "$0" pkg01 /no/such/program
  echo "rc1=$?"
  echo "sttyafter=$(stty -g)"' "$X" > "$T/pty.out" 2>&1
as_user "$X" pkg01 /no/such/program </dev/null 2> "$T/err2"; echo "rc2=$?"
as_user "$X" pkg01 /etc/motd </dev/null 2> "$T/err3"; echo "rc3=$?"
set -e
tr -d '\r' < "$T/pty.out" | grep -E '^(rc1|stty)'
echo "msg1=$(tr -d '\r' < "$T/pty.out" | grep -c "^execsh: can't execute '/no/such/program': No such file or directory$")"
echo "msg2=$(cat "$T/err2")"
echo "msg3=$(cat "$T/err3")"
echo "wtmp_types=$(utmpdump "$T/pkg01/var/log/wtmp" 2>/dev/null | cut -c1-3 | grep -E '\[(7|8)\]' | tr '\n' ' ')"
echo "alive=$(utmpdump "$T/pkg01/run/utmp" 2>/dev/null | grep -c '^\[7\]' || true)"
"#));
    let f = |k| field(&out, k).unwrap_or_else(|| panic!("no {k} in:\n{out}"));
    assert_eq!(f("rc1"), "127", "{out}");
    assert_eq!(
        f("msg1"),
        "1",
        "the child's message on the session's terminal: {out}"
    );
    assert_eq!(f("sttyafter"), f("sttybefore"), "termios restored: {out}");
    assert_eq!(f("wtmp_types"), "[7] [8] ", "login, then the logout: {out}");
    assert_eq!(f("alive"), "0", "{out}");
    assert_eq!(f("rc2"), "127", "{out}");
    assert_eq!(
        f("msg2"),
        "execsh: can't execute '/no/such/program': No such file or directory",
        "{out}"
    );
    assert_eq!(f("rc3"), "126", "{out}");
    assert_eq!(
        f("msg3"),
        "execsh: can't execute '/etc/motd': Permission denied",
        "{out}"
    );
}
