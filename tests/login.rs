//! Logging in to a package as a person would (issue 12): real daemons
//! (Debian's openbsd-inetd, inetutils telnetd and login, OpenSSH's sshd),
//! real clients (telnet driven by expect, ssh, scp), and accounts made with
//! the standard tools (`useradd --root`, `chpasswd --root`) that exist only
//! in the package's passwd and shadow. Each test builds its world in private
//! mount, network, pid and uts namespaces (tests/lib.sh); addresses are
//! loopback ones inside that network namespace.
//!
//! pkg01's root is `$T/roots/alpha` (`PCUE_ROOT=` in its control script):
//! not `/<name>`, so every path must still say pkg01 and `ctxROOT=/pkg01`.

mod common;
use common::*;

/// The node: a private /etc and /dev (its /dev/log writes $T/syslog), the
/// registry (pkg01 = 127.0.0.2 + fd00::2 rooted at $T/roots/alpha, pkg02 =
/// 127.0.0.3 at $T/pkg02), both roots built by the setuid mkpcue from its
/// default layout, and three users: alice only in pkg01, carol only in
/// pkg02, bob only in the system.
const WORLD: &str = r#"
private_dev
private_etc
mount -t tmpfs pcue-run /run
# the node's own logins (bob by telnet, alice by the node's sshd) write
# wtmp and lastlog: the sandbox's, never the host's
mount -t tmpfs pcue-log /var/log
: > /var/log/wtmp; : > /var/log/lastlog; chgrp utmp /var/log/wtmp /var/log/lastlog
net_up 127.0.0.2 127.0.0.3 fd00::2
setuid_copy
setuid_registry
export PATH="$T/bin:$PATH"
reg_cntl pkg01 127.0.0.2 fd00::2
echo "PCUE_ROOT=$T/roots/alpha" >> "$SGCONF/pkg01/pkg01.cntl"
reg_cntl pkg02 127.0.0.3
mkdir -p "$T/roots/alpha"
R="$T/roots/alpha"
mkpcue pkg01 > "$T/mkpcue1.log" || { cat "$T/mkpcue1.log"; die "mkpcue pkg01"; }
mkpcue pkg02 > "$T/mkpcue2.log" || { cat "$T/mkpcue2.log"; die "mkpcue pkg02"; }
# package-only accounts, made as an administrator would
useradd --root "$R" -m -u 2001 -s /bin/bash alice || die "useradd --root alice"
echo 'alice:alice-pw' | chpasswd --root "$R" || die "chpasswd --root alice"
useradd --root "$T/pkg02" -m -u 2002 -s /bin/bash carol || die "useradd --root carol"
echo 'carol:carol-pw' | chpasswd --root "$T/pkg02" || die "chpasswd --root carol"
useradd -u 2003 -m -d "$T/bob" -s /bin/bash bob || die "useradd bob"
echo 'bob:bob-pw' | chpasswd || die "chpasswd bob"
# both started as the node starts them (pkginit -p): every way in joins
iso_start pkg01 "$R"
iso_start pkg02
"#;

fn run(script: &str) -> String {
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

/// telnet → openbsd-inetd → pkgnet → inetutils telnetd → login, all inside
/// pkg01 for 127.0.0.2: alice, who exists only in pkg01's passwd/shadow,
/// logs in with her password and lands in the package on one of its own
/// ptys; a wrong password, a system-only user and pkg02's user are refused;
/// the login reaches the node's syslog, also after the node's syslog daemon
/// restarted.
#[test]
fn telnet_login_with_a_package_only_account() {
    for c in ["inetd", "telnet", "expect", "login", "socat", "utmpdump"] {
        require(c);
    }
    require("/usr/sbin/telnetd");
    let out = run(r#"
grep -q '^alice:' /etc/passwd && die "alice leaked into the system's passwd"
grep -q '^alice:\$6\$' "$R/etc/shadow" || die "chpasswd --root did not write pkg01's shadow"
cat > "$T/inetd.conf" <<C
telnet stream tcp nowait root $T/bin/pkgnet pkgnet /usr/sbin/telnetd
C
inetd -d "$T/inetd.conf" > "$T/inetd.log" 2>&1 &
wait_until 5 "ss -Htln | grep -q ':23 '" || die "inetd is not listening"
cat > "$T/telnet.exp" <<'X'
# telnet.exp HOST USER PASSWORD: log in, report, log out
set timeout 20
lassign $argv host user pass
spawn telnet $host
expect -re "login: $" { send "$user\r" } timeout { puts "@@ no login prompt"; exit 2 } eof { exit 3 }
expect "assword:" { send "$pass\r" } timeout { puts "@@ no password prompt"; exit 2 } eof { exit 3 }
expect -re {\$ $} {} "incorrect" { puts "\n@@ refused"; exit 4 } timeout { puts "@@ no shell prompt"; exit 2 }
send "echo \"@@ pkg=\$(getcpkg) ctx=\$ctxROOT user=\$(id -un) uid=\$(id -u)\"; echo \"@@ tty=\$(tty) dev=\$(test -c \$(tty) && echo yes)\"; echo \"@@ who=\$(who | grep -c alice)\"; logger -t pkgtest from-the-package; echo @@END\r"
expect "@@END\r\n" {} timeout { puts "@@ no end"; exit 2 }
expect -re {\$ $}
send "exit\r"
expect eof
exit 0
X
# tn HOST USER PASSWORD NAME: log in by telnet, the transcript in $T/NAME.out; prints the status
tn() { local rc=0; expect "$T/telnet.exp" "$1" "$2" "$3" > "$T/$4.out" || rc=$?; echo "$rc"; }
echo "alice_rc=$(tn 127.0.0.2 alice alice-pw alice)"
tr -d '\r' < "$T/alice.out" | grep -a '^@@ '
line=$(tr -d '\r' < "$T/alice.out" | sed -n 's|^@@ tty=/dev/\([^ ]*\) .*|\1|p')
# Debian's login writes the session's USER_PROCESS to utmp only (who
# inside saw alice); wtmp gets telnetd's LOGIN_PROCESS for the line and
# the DEAD_PROCESS of the logout, and utmp is empty again
wait_until 5 '[ -z "$(who "$R/run/utmp")" ]' || die "a session is still in pkg01's utmp"
echo "last=$(last -f "$R/var/log/wtmp" | grep -c "^\.telnet  *$line .*127\.0\.0\.2")"
echo "dead=$(utmpdump "$R/var/log/wtmp" 2>/dev/null | grep -c "^\[8\] .*\[$line *\] .*\[127\.0\.0\.2 *\]")"
echo "wrong_rc=$(tn 127.0.0.2 alice wrong-pw wrong)"
echo "bob_rc=$(tn 127.0.0.2 bob bob-pw bob)"
echo "carol_rc=$(tn 127.0.0.2 carol carol-pw carol)"
# the same bob on the system's address: the system's login lets him in
echo "bobsys_rc=$(tn 127.0.0.1 bob bob-pw bobsys)"
tr -d '\r' < "$T/bobsys.out" | grep -a '^@@ ' | sed 's/^@@ /@@ sys_/'
echo "node_wtmp=$(utmpdump /var/log/wtmp 2>/dev/null | grep -c '\[alice' || true) bob=$(utmpdump /var/log/wtmp 2>/dev/null | grep -c '^\[7\] .*\[bob' || true)"
wait_log 5 1 'pkgtest: from-the-package' || die "the package's syslog line never reached the node"
wait_log 5 1 "login\[[0-9]*\]: pam_unix(login:session): session opened for user alice" || die "no session line"
# the node's syslog daemon restarts: a new socket at /dev/log
kill $(pgrep -x socat)
wait_until 5 '! pgrep -x socat >/dev/null'
rm -f /dev/log
socat -u UNIX-RECV:/dev/log,mode=0666 OPEN:"$T/syslog",append </dev/null >/dev/null 2>&1 &
wait_until 5 '[ -S /dev/log ]' || die "no new /dev/log"
chroot "$R" /usr/bin/logger -t pkgtest after-restart
wait_log 5 1 'pkgtest: after-restart' || die "a restart of the node's syslog cut the package off"
echo "syslog_after_restart=yes"
"#);
    let want = [
        ("alice_rc", "0"),
        ("@@ pkg", "pkg01 ctx=/pkg01 user=alice uid=2001"),
        ("wrong_rc", "4"),
        ("bob_rc", "4"),
        ("carol_rc", "4"),
        ("bobsys_rc", "0"),
        ("@@ sys_pkg", " ctx= user=bob uid=2003"),
        ("last", "1"),
        ("dead", "1"),
        ("node_wtmp", "0 bob=1"),
        ("syslog_after_restart", "yes"),
    ];
    for (k, v) in want {
        assert_eq!(field(&out, k), Some(v), "{k}: {out}");
    }
    let tty = field(&out, "@@ tty").unwrap_or("");
    assert!(
        tty.starts_with("/dev/pts/") && tty.ends_with(" dev=yes"),
        "the session's tty is one of the package's ptys: {out}"
    );
    assert_eq!(field(&out, "@@ who"), Some("1"), "{out}");
}

/// The client side of ssh: a key for alice and bob, known_hosts holding
/// pkg01's host key (from the package's filesystem) for its addresses, and
/// `sshc`/`scpc`, which trust nothing else (StrictHostKeyChecking yes).
const CLIENT: &str = r#"
export HOME="$T/client"; mkdir -p "$HOME"; chmod 700 "$HOME"
ssh-keygen -q -t ed25519 -N '' -f "$HOME/id" || die "ssh-keygen"
OPTS="-F /dev/null -i $HOME/id -o UserKnownHostsFile=$HOME/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=10"
sshc() { ssh $OPTS "$@"; }
scpc() { scp $OPTS "$@"; }
# authorized_keys NAME HOME UID: let the client's key in
authorize() {
    mkdir -p -m 700 "$2/.ssh"; cp "$HOME/id.pub" "$2/.ssh/authorized_keys"
    chmod 600 "$2/.ssh/authorized_keys"; chown -R "$3:$3" "$2/.ssh"
}
"#;

/// A per-package OpenSSH sshd, started by pkginit from the package's inittab
/// on the package's addresses (IPv4 and IPv6), with host keys made on the
/// package's filesystem by `ssh-keygen -A -f ROOT` (the README's step): a key
/// login as alice lands in pkg01 on one of its ptys, with utmp records;
/// scp writes into the package; a system-only user is refused; without the
/// package's PAM stack for sshd nobody gets in, and `mkpcue --check` says why.
#[test]
fn package_sshd_started_by_pkginit() {
    for c in ["ssh", "scp", "ssh-keygen", "/usr/sbin/sshd", "utmpdump"] {
        require(c);
    }
    let out = run(&format!(
        "{CLIENT}{}",
        r#"
ssh-keygen -A -f "$R" >/dev/null || die "ssh-keygen -A -f ROOT"
for a in 127.0.0.2 fd00::2; do echo "$a $(cat "$R/etc/ssh/ssh_host_ed25519_key.pub")"; done > "$HOME/known_hosts"
cat > "$R/etc/ssh/sshd_config" <<C
ListenAddress 127.0.0.2
ListenAddress [fd00::2]
PidFile /run/sshd.pid
UsePAM yes
KbdInteractiveAuthentication no
PrintMotd no
SetEnv PATH=/usr/local/bin:/usr/bin:/bin:/corp/bin
Subsystem sftp /usr/lib/openssh/sftp-server
C
authorize alice "$R/home/alice" 2001
authorize bob "$T/bob" 2003
cat > "$R/etc/inittab" <<C
id:3:initdefault:
ss:345:respawn:/usr/sbin/sshd -D -e -f /etc/ssh/sshd_config
cx:345:once:/bin/sh -c 'echo "\$ctxROOT" > /tmp/ctx.out'
C
"$T/bin/telinit" -p pkg01 0 || die "telinit -p pkg01 0"
rm -f "$R/run/pkginit.env"; mkpcue pkg01 > /dev/null || die "mkpcue pkg01 again"
echo "mkpcue_env=$(cat "$R/run/pkginit.env")"
pkginit -p pkg01 -c /var/log/console || die "pkginit"
wait_until 5 '[ -s "$R/tmp/ctx.out" ]' || die "the once entry did not run"
echo "child_ctx=$(cat "$R/tmp/ctx.out")"
echo "pkginit_env=$(cat "$R/run/pkginit.env")"
wait_until 10 "ss -Htln | grep -q '127.0.0.2:22 '" || { cat "$R/var/log/console"; die "sshd is not listening"; }
wait_until 5 "ss -Htln | grep -q 'fd00::2\]:22 '" || die "sshd is not listening on fd00::2"
sshd=$(ss -Htlnp | sed -n 's/.*127.0.0.2:22 .*pid=\([0-9]*\).*/\1/p' | head -1)
echo "sshd_root=$(stat -L -c %d:%i /proc/$sshd/root)"
echo "root=$(stat -c %d:%i "$R")"
echo "sshd_pidns=$([ "$(readlink /proc/$sshd/ns/pid)" = "$(readlink /proc/$(iso_pid pkg01)/ns/pid)" ] && echo pkg01)"
sshc alice@127.0.0.2 'echo "pkg=$(getcpkg) ctx=$ctxROOT user=$(id -un)"; echo "path=$PATH"' || die "ssh alice"
sshc -tt alice@127.0.0.2 'echo "tty=$(tty) dev=$(test -c $(tty) && echo yes)"; echo "who=$(who | grep -c "^alice ")"' | tr -d '\r'
echo "v6=$(sshc 'alice@fd00::2' getcpkg)"
echo payload > "$T/f.txt"
scpc "$T/f.txt" alice@127.0.0.2:/home/alice/f.txt || die "scp"
echo "scp=$(cat "$R/home/alice/f.txt") $(stat -c %u "$R/home/alice/f.txt")"
rc=0; sshc bob@127.0.0.2 true 2>/dev/null || rc=$?; echo "bob_rc=$rc"
echo "wtmp=$(utmpdump "$R/var/log/wtmp" 2>/dev/null | grep -c '^\[7\] .*\[alice')"
# an administrator's own login stack is kept by mkpcue, as every file
printf '# site login stack\n@include common-auth\n@include common-account\n@include common-session\n' > "$T/pkg02/etc/pam.d/login"
mkpcue pkg02 > "$T/again.out" || die "mkpcue pkg02 again"
echo "kept=$(head -1 "$T/pkg02/etc/pam.d/login") $(grep -c '^keep /etc/pam.d/login' "$T/again.out")"
# no PAM stack for sshd: pam.d/other denies everything
mv "$R/etc/pam.d/sshd" "$T/pam-sshd"
rc=0; sshc alice@127.0.0.2 true 2>/dev/null || rc=$?; echo "nostack_rc=$rc"
rc=0; mkpcue --check pkg01 > "$T/check.out" || rc=$?; echo "check_rc=$rc"
grep -a 'pam.d/sshd' "$T/check.out" | sed 's/^/check: /'
mv "$T/pam-sshd" "$R/etc/pam.d/sshd"
telinit -p pkg01 0; echo "telinit0=$?"
"#
    ));
    assert_eq!(field(&out, "sshd_root"), field(&out, "root"), "{out}");
    assert_eq!(field(&out, "sshd_pidns"), Some("pkg01"), "{out}");
    let want = [
        ("pkg", "pkg01 ctx=/pkg01 user=alice"),
        ("who", "1"),
        ("v6", "pkg01"),
        ("scp", "payload 2001"),
        ("bob_rc", "255"),
        ("nostack_rc", "255"),
        ("check_rc", "1"),
        ("telinit0", "0"),
        ("mkpcue_env", "ctxROOT=/pkg01"),
        ("kept", "# site login stack 1"),
        ("child_ctx", "/pkg01"),
        ("pkginit_env", "ctxROOT=/pkg01"),
    ];
    for (k, v) in want {
        assert_eq!(field(&out, k), Some(v), "{k}: {out}");
    }
    assert!(
        field(&out, "path").is_some_and(|p| p.split(':').any(|d| d == "/corp/bin")),
        "{out}"
    );
    let tty = field(&out, "tty").unwrap_or("");
    assert!(
        tty.starts_with("/dev/pts/") && tty.ends_with(" dev=yes"),
        "{out}"
    );
    assert!(field(&out, "wtmp").is_some_and(|n| n != "0"), "{out}");
    assert!(out.contains("check: /etc/pam.d/sshd"), "{out}");
}

/// A terminal driven as a person would: `driver.py PROG ARGS...` runs PROG
/// on a new pty (the caller's terminal), types what stdin's lines say and
/// reports what a peer sees. Commands, one a line:
///   send TEXT       type TEXT and a newline
///   expect TEXT     wait (10 s at most) until TEXT appears in the output
///   size R C        resize the terminal (TIOCSWINSZ: the session leader
///                   gets SIGWINCH)
///   hangup          close the terminal (the caller's terminal vanishes)
///   wait            wait for PROG; print rc=STATUS and the terminal's
///                   owner, mode and settings before and after
const DRIVER: &str = r#"
cat > "$T/driver.py" <<'PY'
import os, sys, time, select, fcntl, termios, struct
m, s = os.openpty()
name = os.ttyname(s)
fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
def look():
    st = os.stat(name)
    return "%d:%d:%o:%s" % (st.st_uid, st.st_gid, st.st_mode & 0o7777, termios.tcgetattr(s))
before = look()
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(s, fd)
    os.execv(sys.argv[1], sys.argv[1:])
out = b''
def pump(t):
    global out
    r, _, _ = select.select([m], [], [], t)
    if r:
        try:
            out += os.read(m, 65536)
        except OSError:
            return False
    return True
status = None
for line in sys.stdin.read().splitlines():
    cmd, _, arg = line.partition(' ')
    if cmd == 'send':
        os.write(m, arg.encode() + b'\n')
    elif cmd == 'expect':
        end = time.time() + 10
        while arg.encode() not in out and time.time() < end:
            pump(0.1)
        print("expect %s: %s" % (arg, 'ok' if arg.encode() in out else 'TIMEOUT'))
    elif cmd == 'size':
        r, c = arg.split()
        fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack('HHHH', int(r), int(c), 0, 0))
    elif cmd == 'hangup':
        os.close(m)
        m = None
    elif cmd == 'wait':
        end = time.time() + 10
        while status is None and time.time() < end:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p:
                status = os.waitstatus_to_exitcode(st)
            elif m is not None:
                pump(0.05)
            else:
                time.sleep(0.05)
        print("rc=%s" % status)
        if m is not None:
            now = look()
            print("terminal_same=%s" % ('yes' if now == before else 'no: %s -> %s' % (before, now)))
sys.stdout.write(out.decode('utf-8', 'replace').replace('\r', '') + '\n')
PY
"#;

/// execsh on a terminal: the session runs on a pty of the package's devpts,
/// relayed to the caller's; `tty` names a device that exists in the
/// package, `who am i` shows the session on it, `stty size` follows a
/// resize, the exit status is the shell's, job control works, and the
/// caller's terminal ends as it began (owner, mode, settings). A caller
/// whose terminal hangs up ends the session and its logout is recorded.
#[test]
fn execsh_relays_a_terminal_of_the_package() {
    require("python3");
    require("utmpdump");
    let out = run(&format!(
        "{DRIVER}{}",
        r#"
chmod 755 "$T" "$T/roots"
echo 'PS1="pkg\$ "; export PS1' > "$R/home/alice/.profile"; chown 2001:2001 "$R/home/alice/.profile"
alice() { setpriv --reuid=2001 --regid=2001 --clear-groups -- "$@"; }
alice python3 "$T/driver.py" "$T/bin/execsh" pkg01 /bin/bash -l > "$T/relay.out" <<'D'
expect pkg$
send echo "tty=$(tty) exists=$(test -c $(tty) && echo yes) pkg=$(getcpkg)"; echo "whoami=$(who am i | cut -d' ' -f1,2- | tr -s ' ' | cut -d' ' -f1,2)"; echo "size=$(stty size)"; echo @@$((1+1))
expect @@2
size 33 101
send echo "resized=$(stty size)"; echo @@$((2+1))
expect @@3
send sleep 30 & echo "bg=$(jobs | wc -l)"; kill %1; wait; echo @@$((3+1))
expect @@4
send exit 5
wait
D
sed 's/^/r: /' "$T/relay.out"
grep -a '^\(rc\|terminal_same\|tty\|whoami\|size\|resized\|bg\)=' "$T/relay.out" | tr -d '\r'
echo "dead=$(utmpdump "$R/run/utmp" 2>/dev/null | grep -c '^\[8\]')"
# the caller's terminal vanishes mid-session
alice python3 "$T/driver.py" "$T/bin/execsh" pkg01 /bin/bash -l > "$T/hup.out" <<'D'
expect pkg$
hangup
wait
D
echo "hup_$(grep -a '^rc=' "$T/hup.out")"
echo "hup_dead=$(utmpdump "$R/run/utmp" 2>/dev/null | grep -c '^\[8\]')"
echo "hup_alive=$(utmpdump "$R/run/utmp" 2>/dev/null | grep -c '^\[7\]' || true)"
echo "hup_left=$(pgrep -u 2001 | wc -l)"
"#
    ));
    let tty = field(&out, "tty").unwrap_or("");
    assert!(
        tty.starts_with("/dev/pts/") && tty.ends_with(" exists=yes pkg=pkg01"),
        "{out}"
    );
    let pts = tty
        .split(' ')
        .next()
        .unwrap_or("")
        .trim_start_matches("/dev/");
    assert_eq!(
        field(&out, "whoami"),
        Some(format!("alice {pts}").as_str()),
        "{out}"
    );
    assert_eq!(field(&out, "size"), Some("24 80"), "{out}");
    assert_eq!(
        field(&out, "resized"),
        Some("33 101"),
        "SIGWINCH passed on: {out}"
    );
    assert_eq!(field(&out, "bg"), Some("1"), "job control: {out}");
    assert_eq!(field(&out, "rc"), Some("5"), "{out}");
    assert_eq!(field(&out, "terminal_same"), Some("yes"), "{out}");
    assert_eq!(field(&out, "dead"), Some("1"), "{out}");
    assert_eq!(
        field(&out, "hup_rc"),
        Some("129"),
        "the shell got SIGHUP: {out}"
    );
    assert_eq!(field(&out, "hup_dead"), Some("1"), "logout written: {out}");
    assert_eq!(field(&out, "hup_alive"), Some("0"), "{out}");
    assert_eq!(field(&out, "hup_left"), Some("0"), "{out}");
}

/// The node's own sshd hands a login on a package address to the package:
/// by the profile snippet (examples/ssh/pcue-handoff.sh in /etc/profile.d,
/// the paper's way) for interactive logins, and by the ForceCommand
/// wrapper (examples/ssh/pcue-forcecommand.sh), which keeps the client's
/// command, so `ssh host cmd`, scp and sftp run inside the package. alice
/// has uid 2001 on the node and in pkg01; bob exists only on the node.
#[test]
fn node_sshd_hands_off_to_the_package() {
    for c in ["ssh", "scp", "ssh-keygen", "/usr/sbin/sshd"] {
        require(c);
    }
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ssh");
    let out = run(&format!(
        "EX={}\n{CLIENT}{}",
        examples.display(),
        r#"
mkdir -p /run/sshd "$T/hostkeys"
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkeys/key" || die "host key"
for a in 127.0.0.1 127.0.0.2; do echo "[$a]:2222 $(cat "$T/hostkeys/key.pub")"; echo "[$a]:2223 $(cat "$T/hostkeys/key.pub")"; done > "$HOME/known_hosts"
useradd -u 2001 -m -d "$T/alice" -s /bin/bash alice || die "useradd alice (node)"
authorize alice "$T/alice" 2001
authorize bob "$T/bob" 2003
# the examples, installed where the binary is
sed "s#/corp/bin#$T/bin#g" "$EX/pcue-handoff.sh" > /etc/profile.d/pcue-handoff.sh
sed "s#/corp/bin#$T/bin#g" "$EX/pcue-forcecommand.sh" > "$T/bin/pcue-forcecommand.sh"
chmod 755 "$T/bin/pcue-forcecommand.sh"
cat > "$T/sshd_config" <<C
ListenAddress 127.0.0.1:2222
ListenAddress 127.0.0.2:2222
ListenAddress 127.0.0.2:2223
HostKey $T/hostkeys/key
PidFile $T/sshd.pid
UsePAM yes
KbdInteractiveAuthentication no
Subsystem sftp /usr/lib/openssh/sftp-server
Match LocalPort 2223
    ForceCommand $T/bin/pcue-forcecommand.sh
C
/usr/sbin/sshd -D -e -f "$T/sshd_config" > "$T/sshd.log" 2>&1 &
wait_until 10 "ss -Htln | grep -q '127.0.0.2:2223 '" || { cat "$T/sshd.log"; die "sshd is not listening"; }
login() { # login ADDR USER: an interactive ssh login, its lines
    printf 'echo "@@ pkg=$(getcpkg) ctx=${ctxROOT:-none} user=$(id -un) tty=$(test -c "$(tty)" && echo ok)"\nexit 3\n' |
        sshc -tt -p 2222 "$2@$1" 2>&1 | tr -d '\r' | grep -a '^@@ \|execsh:' || true
}
login 127.0.0.2 alice | sed 's/^@@ /handoff_/'
login 127.0.0.1 alice | sed 's/^@@ /system_/'
echo "bob=$(login 127.0.0.2 bob | head -1)"
echo "fc_cmd=$(sshc -p 2223 alice@127.0.0.2 'echo "$(getcpkg) $ctxROOT $(id -un)"; echo "a b  c"' | tr '\n' '|')"
rc=0; sshc -p 2223 alice@127.0.0.2 'exit 7' || rc=$?; echo "fc_rc=$rc"
echo payload > "$T/f.txt"
scpc -P 2223 "$T/f.txt" alice@127.0.0.2:sftp.txt || die "scp (sftp) through ForceCommand"
scpc -O -P 2223 "$T/f.txt" alice@127.0.0.2:scp.txt || die "scp -O through ForceCommand"
echo "fc_files=$(cat "$R/home/alice/sftp.txt" "$R/home/alice/scp.txt" | tr '\n' ' ')"
echo "fc_node=$(ls "$T/alice" | grep -c '\.txt$' || true)"
"#
    ));
    let want = [
        ("handoff_pkg", "pkg01 ctx=/pkg01 user=alice tty=ok"),
        ("system_pkg", " ctx=none user=alice tty=ok"),
        ("bob", "execsh: you have no account in package 'pkg01'"),
        ("fc_cmd", "pkg01 /pkg01 alice|a b  c|"),
        ("fc_rc", "7"),
        ("fc_files", "payload payload "),
        ("fc_node", "0"),
    ];
    for (k, v) in want {
        assert_eq!(field(&out, k), Some(v), "{k}: {out}");
    }
}

/// A package set up as the README says, followed as an administrator would
/// (issue 21, items 13-17): the README's inittab line for sshd with the
/// example `sshd_config.package`, a stock Debian `sshd_config` beside it,
/// and the README's cron line.
/// - 14: sshd logs to syslog: alice's `Accepted` line reaches the node as
///   `pkg01/sshd[pid]` (with the old `-e` it went to pkginit's /dev/null);
/// - 16: `ssh ADDR getcpkg` finds getcpkg through the stock sshd_config too
///   (the PATH comes from the package's PAM environment, not `SetEnv`);
/// - 15: `ssh -L` through the example config is refused, where the stock
///   one forwards to the node's loopback-only service;
/// - 13: `su -` and `su -l` work inside the package (PAM service `su-l`),
///   and `mkpcue --check` names a `su-l` that falls to `other`;
/// - 17: the package's cron finds `/etc/crontab` and `/etc/cron.d` (a job
///   put there runs) and logs neither STAT FAILED nor OPENDIR FAILED.
#[test]
fn a_package_set_up_as_the_readme_says() {
    for c in [
        "ssh",
        "ssh-keygen",
        "/usr/sbin/sshd",
        "/usr/sbin/cron",
        "socat",
        "su",
    ] {
        require(c);
    }
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ssh/sshd_config.package");
    // the README's inittab line for the package's sshd, as an
    // administrator copies it
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let at = readme
        .find("`ss:345:respawn:")
        .expect("README gives the package sshd's inittab line");
    let ssline = readme[at + 1..]
        .split('`')
        .next()
        .unwrap()
        .replace('\n', " ");
    let out = run(&format!(
        "EXAMPLE={}\nSSLINE='{}'\n{CLIENT}{}",
        example.display(),
        ssline,
        r#"
ssh-keygen -A -f "$R" >/dev/null || die "ssh-keygen -A -f ROOT"
for a in 127.0.0.2 '[127.0.0.2]:2222'; do echo "$a $(cat "$R/etc/ssh/ssh_host_ed25519_key.pub")"; done > "$HOME/known_hosts"
sed 's/^ListenAddress .*/ListenAddress 127.0.0.2/' "$EXAMPLE" > "$R/etc/ssh/sshd_config"
cp /usr/share/openssh/sshd_config "$R/etc/ssh/sshd_config.stock"
authorize alice "$R/home/alice" 2001
echo "ssline=$SSLINE"
cat > "$R/etc/inittab" <<C
id:3:initdefault:
$SSLINE
st:345:respawn:/usr/sbin/sshd -D -f /etc/ssh/sshd_config.stock -o ListenAddress=127.0.0.2:2222 -o PidFile=/run/sshd-stock.pid
cr:2345:respawn:/usr/sbin/cron -f
C
# a system job of the package, as an administrator adds one
echo '@reboot root echo "cron.d job ran in $(/corp/bin/getcpkg)" > /tmp/crond.out' > "$R/etc/cron.d/pcue-test" ||
    die "the package has no /etc/cron.d"
# started as the README says (the world's start had the default inittab)
"$T/bin/telinit" -p pkg01 0 || die "telinit -p pkg01 0"
pkginit -p pkg01 -l /var/log/pkginit.log || die "pkginit"
wait_until 10 "ss -Htln | grep -q '127.0.0.2:22 '" || die "the README's sshd is not listening"
wait_until 10 "ss -Htln | grep -q '127.0.0.2:2222 '" || die "the stock sshd is not listening"
# 14: the README's sshd logs to syslog: its lines reach the node's (before
# any login through the stock one, which logs there too)
echo "example_cmd=$(sshc alice@127.0.0.2 getcpkg 2>&1)"
wait_log 10 1 'pkg01/sshd\[[0-9]*\]: Accepted publickey for alice' && echo "accepted=yes" || echo "accepted=no"
# 16: a command through the stock sshd_config finds the package's applets
echo "stock_cmd=$(sshc -p 2222 alice@127.0.0.2 'getcpkg; echo "$PATH"' 2>&1 | tr '\n' ' ')"
# 15: a service of the node on its loopback only
socat TCP-LISTEN:7631,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo node-only' </dev/null >/dev/null 2>&1 &
wait_until 5 "ss -Htln | grep -q '127.0.0.1:7631 '" || die "no node service"
# fwd PORT LOCAL: ssh -L LOCAL:127.0.0.1:7631 through the sshd on PORT; what a client of LOCAL gets
fwd() {
    sshc -N -p "$1" -L "127.0.0.1:$2:127.0.0.1:7631" alice@127.0.0.2 2>"$T/fwd$2.err" &
    local pid=$!
    wait_until 10 "ss -Htln | grep -q '127.0.0.1:$2 '" || die "ssh -L did not listen on $2"
    echo "[$(socat -T 5 - TCP:127.0.0.1:$2 </dev/null 2>/dev/null)]"
    kill $pid; wait $pid 2>/dev/null || true
}
echo "fwd_stock=$(fwd 2222 7002)"
echo "fwd_example=$(fwd 22 7003)"
wait_log 5 1 'pkg01/sshd\[[0-9]*\]: refused local port forward: .* target 127.0.0.1 port 7631' &&
    echo "fwd_refused_logged=yes" || echo "fwd_refused_logged=no"
# 13: su - and su -l inside the package, as the package's root
echo "su_dash=$("$T/bin/execsh" pkg01 /bin/su - alice -c 'echo "$(id -un) $(getcpkg) $PWD"' 2>&1)"
echo "su_l=$("$T/bin/execsh" pkg01 /bin/su -l alice -c 'echo "$(id -un) $ctxROOT"' 2>&1)"
echo "su_plain=$("$T/bin/execsh" pkg01 /bin/su alice -c 'id -un' 2>&1)"
mv "$R/etc/pam.d/su-l" "$T/su-l.saved"
rc=0; mkpcue --check pkg01 > "$T/check.out" || rc=$?
echo "check_rc=$rc"
grep -a 'su-l' "$T/check.out" | sed 's/^/check: /'
mv "$T/su-l.saved" "$R/etc/pam.d/su-l"
# 16: without the package's PATH files a stock sshd_config's command finds
# no getcpkg, and --check says why
mkdir "$T/saved"; mv "$R/etc/security/path.env" "$R/etc/security/path-root.env" "$T/saved/"
echo "nopath_cmd=$(sshc -p 2222 alice@127.0.0.2 getcpkg 2>&1 | tail -1)"
rc=0; mkpcue --check pkg01 > "$T/check2.out" || rc=$?
grep -a 'pam_env' "$T/check2.out" | sed 's/^/check2: /' || true
mv "$T/saved/path.env" "$T/saved/path-root.env" "$R/etc/security/"
# 17: cron read /etc/cron.d (its @reboot job ran) and logged no failure
wait_until 10 '[ -s "$R/tmp/crond.out" ]' && echo "crond=$(cat "$R/tmp/crond.out")" || echo "crond=none"
wait_log 5 1 'pkg01/cron\[[0-9]*\]: ' || die "no line of the package's cron reached syslog"
echo "cron_lines=$(grep -a -c 'pkg01/cron\[' "$T/syslog")"
echo "cron_failed=$(grep -a -c -e 'STAT FAILED' -e 'OPENDIR FAILED' "$T/syslog" || true)"
grep -a 'pkg01/cron\[' "$T/syslog" | tr '\0' '\n' | sed 's/^/cron: /' | head -20
telinit -p pkg01 0; echo "telinit0=$?"
"#
    ));
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    assert_eq!(
        f("ssline"),
        "ss:345:respawn:/usr/sbin/sshd -D -f /etc/ssh/sshd_config",
        "{out}"
    );
    assert!(f("stock_cmd").starts_with("pkg01 "), "{out}");
    assert!(
        f("stock_cmd")
            .trim_end()
            .split(':')
            .any(|d| d == "/corp/bin"),
        "{out}"
    );
    assert_eq!(f("example_cmd"), "pkg01", "{out}");
    assert_eq!(
        f("accepted"),
        "yes",
        "sshd's Accepted line in the node's syslog: {out}"
    );
    assert_eq!(
        f("fwd_stock"),
        "[node-only]",
        "the test's forwarding does forward: {out}"
    );
    assert_eq!(f("fwd_example"), "[]", "the example refuses ssh -L: {out}");
    assert_eq!(f("fwd_refused_logged"), "yes", "{out}");
    assert_eq!(f("su_dash"), "alice pkg01 /home/alice", "{out}");
    assert_eq!(f("su_l"), "alice /pkg01", "{out}");
    assert_eq!(f("su_plain"), "alice", "{out}");
    assert_eq!(f("check_rc"), "1", "{out}");
    assert!(
        out.contains("check: /etc/pam.d/su-l: missing: su-l falls to /etc/pam.d/other"),
        "{out}"
    );
    assert!(
        f("nopath_cmd").contains("getcpkg: command not found"),
        "{out}"
    );
    assert!(
        out.contains("check2: /etc/pam.d/sshd: no session pam_env gives PATH a /corp/bin"),
        "{out}"
    );
    assert_eq!(f("crond"), "cron.d job ran in pkg01", "{out}");
    assert_eq!(f("cron_failed"), "0", "{out}");
    assert!(f("cron_lines").parse::<u32>().unwrap_or(0) >= 1, "{out}");
    assert_eq!(f("telinit0"), "0", "{out}");
}
