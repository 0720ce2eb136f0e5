//! pkginit's syslog relay delivers to a real node syslog (issue 21): a
//! systemd-journald node, whose /dev/log is a link to
//! /run/systemd/journal/dev-log, and an rsyslog node, whose /dev/log is
//! rsyslog's own socket. Each line keeps its sender's credentials (the
//! journal's _UID and _PID, rsyslog's trusted uid and pid are the package
//! user's process, not pkginit's), RFC 5424 lines arrive in the local
//! socket's format with the package's tag, and what cannot be delivered is
//! counted and shown (telinit -s, pkginit's log), never dropped in
//! silence. In private namespaces with their own /run and /dev.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

const WORLD: &str = r#"
private_dev
private_etc
mount -t tmpfs pcue-run /run
setuid_registry
reg_cntl pkg01 127.0.0.2
R=$T/pkg01
# send.py TAG MSG SECONDS: one line to /dev/log as TAG[pid], then stay
# alive SECONDS (the relay passes the pid on: it must still exist);
# prints the pid
mkdir -p "$T/tools"
cat > "$T/tools/send.py" <<'PY'
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(("<34>%s[%d]: %s" % (sys.argv[1], os.getpid(), sys.argv[2])).encode(), "/dev/log")
print(os.getpid(), flush=True)
time.sleep(float(sys.argv[3]))
PY
start_pkg() {
    mkpcue_root pkg01
    cp "$T/tools/send.py" "$R/tmp/send.py"
    printf 'id:3:initdefault:\nsl:3:respawn:/bin/sleep 1000\n' > "$R/etc/inittab"
    in_pkg pkg01 /corp/bin/pkginit -l /var/log/pkginit.log || die "pkginit did not start"
    wait_until 5 '[ -S "$R/dev/log" ]' || die "no relay socket at /dev/log: $(cat "$R/var/log/pkginit.log")"
}
as_pkg_user() { in_pkg pkg01 setpriv --reuid="$TUID" --regid="$TGID" --clear-groups "$@"; }
"#;

fn run(script: &str) -> String {
    require("python3");
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

/// systemd-journald on the node: /dev/log -> /run/systemd/journal/dev-log.
#[test]
fn journald_gets_the_package_user_s_line_with_its_credentials() {
    let jd = "/lib/systemd/systemd-journald";
    assert!(
        std::path::Path::new(jd).exists(),
        "this test needs {jd}; `make deps` installs systemd"
    );
    require("journalctl");
    let out = run(r#"
/lib/systemd/systemd-journald > "$T/journald.out" 2>&1 &
wait_until 5 '[ -S /run/systemd/journal/dev-log ]' || die "journald did not start: $(cat "$T/journald.out")"
rm -f /dev/log; ln -s /run/systemd/journal/dev-log /dev/log
start_pkg
upid=$(as_pkg_user python3 /tmp/send.py sshd 'Accepted password for root' 2)
as_pkg_user logger -u /dev/log --rfc5424 -t app5424 hello-5424
j() { journalctl -D /run/log/journal -o verbose --no-pager "$@" 2>/dev/null; }
wait_until 10 'j SYSLOG_IDENTIFIER=pkg01/sshd | grep -q "MESSAGE=Accepted password for root"' ||
    die "the package user's line did not reach journald: $(j | grep -a 'MESSAGE=' | tail -5)"
wait_until 10 'j SYSLOG_IDENTIFIER=pkg01/app5424 | grep -q "MESSAGE=.*hello-5424"' ||
    die "the RFC 5424 line did not reach journald as pkg01/app5424: $(j | grep -a -e 'MESSAGE=' -e IDENTIFIER | tail -8)"
echo "upid=$upid"
echo "uid=$(j SYSLOG_IDENTIFIER=pkg01/sshd | sed -n 's/^ *_UID=//p')"
echo "pid=$(j SYSLOG_IDENTIFIER=pkg01/sshd | sed -n 's/^ *_PID=//p')"
echo "gid=$(j SYSLOG_IDENTIFIER=pkg01/sshd | sed -n 's/^ *_GID=//p')"
echo "uid5424=$(j SYSLOG_IDENTIFIER=pkg01/app5424 | sed -n 's/^ *_UID=//p')"
echo "pkginit_lines=$(j SYSLOG_IDENTIFIER=pkg01/pkginit | grep -c '^ *MESSAGE=')"
in_pkg pkg01 /corp/bin/telinit -s | sed -n 's/^syslog relay: /relay=/p'
# level 0: the layout's link is back, and an untagged line still arrives
in_pkg pkg01 /corp/bin/telinit 0 || die "telinit 0 failed"
echo "link=$(readlink "$R/dev/log")"
as_pkg_user logger -t untagged after-level-0
wait_until 10 'j SYSLOG_IDENTIFIER=untagged | grep -q "MESSAGE=after-level-0"' ||
    die "the untagged line after level 0 did not reach journald"
echo "untagged_uid=$(j SYSLOG_IDENTIFIER=untagged | sed -n 's/^ *_UID=//p')"
"#);
    let upid = field(&out, "upid").unwrap_or("?");
    assert_eq!(
        field(&out, "uid"),
        Some("4242"),
        "_UID is the user's: {out}"
    );
    assert_eq!(field(&out, "gid"), Some("4242"), "{out}");
    assert_eq!(
        field(&out, "pid"),
        Some(upid),
        "_PID is the sender's: {out}"
    );
    assert_eq!(field(&out, "uid5424"), Some("4242"), "{out}");
    assert_ne!(
        field(&out, "pkginit_lines"),
        Some("0"),
        "pkginit's own lines: {out}"
    );
    assert!(
        field(&out, "relay").is_some_and(
            |r| r.starts_with("2 line(s) to /system/run/systemd/journal/dev-log, 0 dropped")
        ),
        "{out}"
    );
    assert_eq!(field(&out, "link"), Some("/system/dev/log"), "{out}");
    assert_eq!(field(&out, "untagged_uid"), Some("4242"), "{out}");
}

/// rsyslog on the node: /dev/log is rsyslog's socket (imuxsock); a
/// per-package filter on programname catches the package's lines, RFC
/// 5424 ones too, with the sender's uid and pid as rsyslog trusts them.
#[test]
fn rsyslog_gets_every_line_under_the_package_s_name() {
    require("rsyslogd");
    let out = run(r#"
rm -f /dev/log
mkdir -p "$T/rs"
cat > "$T/rs.conf" <<EOF
global(workDirectory="$T/rs")
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.Annotate="on" SysSock.ParseTrusted="on")
template(name="t" type="string" string="%programname%|%syslogtag%|%\$!uid%|%\$!pid%|%msg%\n")
if \$programname == "pkg01" then action(type="omfile" file="$T/pkg01.log" template="t")
*.* action(type="omfile" file="$T/all.log" template="t")
EOF
rsyslogd -n -f "$T/rs.conf" -i "$T/rs.pid" > "$T/rs.out" 2>&1 &
wait_until 5 '[ -S /dev/log ]' || die "rsyslogd did not start: $(cat "$T/rs.out")"
start_pkg
upid=$(as_pkg_user python3 /tmp/send.py sshd 'Accepted password for root' 2)
as_pkg_user logger -u /dev/log --rfc5424 -t app5424 hello-5424
wait_until 10 'grep -q "hello-5424" "$T/all.log" && grep -q "Accepted password" "$T/all.log"' ||
    die "lines did not reach rsyslog: $(cat "$T/all.log")"
echo "upid=$upid"
grep -a 'Accepted password' "$T/pkg01.log" | sed 's/^/user=/'
grep -a 'hello-5424' "$T/pkg01.log" | sed 's/^/r5424=/'
echo "own=$(grep -c '^pkg01|pkg01/pkginit' "$T/pkg01.log")"
"#);
    let upid = field(&out, "upid").unwrap_or("?");
    assert_eq!(
        field(&out, "user"),
        Some(format!("pkg01|pkg01/sshd[{upid}]:|4242|{upid}| Accepted password for root").as_str()),
        "{out}"
    );
    // logger's structured data ([timeQuality ...]) is kept before the text
    let r = field(&out, "r5424").unwrap_or_default();
    assert!(
        r.starts_with("pkg01|pkg01/app5424:|4242|") && r.ends_with("] hello-5424"),
        "the RFC 5424 line under programname pkg01: {out}"
    );
    assert_ne!(field(&out, "own"), Some("0"), "pkginit's own lines: {out}");
}

/// No node socket at all (the node's syslog gone): every line is counted
/// as dropped, with the reason, in the status telinit -s shows and in
/// pkginit's log at level 0.
#[test]
fn drops_are_counted_and_shown() {
    let out = run(r#"
start_pkg
rm -f /dev/log
as_pkg_user python3 /tmp/send.py app 'lost line' 0 >/dev/null
as_pkg_user python3 /tmp/send.py app 'lost line' 0 >/dev/null
wait_until 5 'grep -q "dropped 2" "$R/run/pkginit.status"' || die "no drop counted: $(cat "$R/run/pkginit.status")"
in_pkg pkg01 /corp/bin/telinit -s | sed -n 's/^syslog relay: /relay=/p'
in_pkg pkg01 /corp/bin/telinit 0 || die "telinit 0 failed"
# reported at once, then at most once a minute, and at level 0: in all, 2
echo "logged=$(sed -n "s|^.*syslog relay: \([0-9]*\) line(s) dropped: '/system/dev/log': No such file or directory$|\1|p" "$R/var/log/pkginit.log" | awk '{ s += $1 } END { print s + 0 }')"
"#);
    assert_eq!(
        field(&out, "relay"),
        Some("0 line(s) to /system/dev/log, 2 dropped (latest: '/system/dev/log': No such file or directory)"),
        "{out}"
    );
    assert_eq!(field(&out, "logged"), Some("2"), "{out}");
}

/// pkginit without the capabilities to send another process's
/// credentials (CAP_SETUID, CAP_SETGID, CAP_SYS_ADMIN out of its bounding
/// set): the kernel refuses them, and lines still reach the node, as
/// pkginit's own, with the reason logged once.
#[test]
fn without_the_capabilities_lines_go_as_pkginit_s_own() {
    let out = run(r#"
mkpcue_root pkg01
cp "$T/tools/send.py" "$R/tmp/send.py"
printf 'id:3:initdefault:\nsl:3:respawn:/bin/sleep 1000\n' > "$R/etc/inittab"
in_pkg pkg01 setpriv --bounding-set -setuid,-setgid,-sys_admin /corp/bin/pkginit -l /var/log/pkginit.log ||
    die "pkginit did not start"
wait_until 5 '[ -S "$R/dev/log" ]' || die "no relay socket"
as_pkg_user python3 /tmp/send.py app 'without caps 1' 0 >/dev/null
as_pkg_user python3 /tmp/send.py app 'without caps 2' 0 >/dev/null
# private_dev's receiver writes datagrams without newlines: count matches
wait_until 5 '[ "$(grep -ao "pkg01/app\[[0-9]*\]: without caps" "$T/syslog" | wc -l)" -ge 2 ]' ||
    die "lines did not arrive: $(cat "$T/syslog")"
echo "refused=$(grep -c "syslog relay: the kernel refuses to pass on senders' credentials: Operation not permitted: lines go with pkginit's own" "$R/var/log/pkginit.log")"
in_pkg pkg01 /corp/bin/telinit -s | sed -n 's/^syslog relay: /relay=/p'
"#);
    assert_eq!(field(&out, "refused"), Some("1"), "said once: {out}");
    assert_eq!(
        field(&out, "relay"),
        Some("2 line(s) to /system/dev/log, 0 dropped"),
        "{out}"
    );
}
