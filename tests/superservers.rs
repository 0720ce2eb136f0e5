//! pkgnet behind the other superservers (issue 12): Debian's xinetd
//! (extracted under target/xinetd by scripts/deps.sh: it conflicts with
//! openbsd-inetd) and systemd's `systemd-socket-activate`, with `--inetd`
//! (the connection on fds 0-1) and without (LISTEN_FDS: fd 0 is /dev/null,
//! fd 3 the connection). Each routes 127.0.0.2 into pkg01 and 127.0.0.1
//! into the system context; a socket pkgnet cannot route (one listening on
//! every address) is refused with a LOG_AUTH line, never served from the
//! system context.

mod common;
use common::*;
use std::path::Path;

const WORLD: &str = r#"
private_dev
private_etc
mount -t tmpfs pcue-run /run
net_up 127.0.0.2
setuid_registry
reg_cntl pkg01 127.0.0.2
mkpcue_root pkg01
echo pkg01 > "$T/pkg01/etc/motd"
echo system > /etc/motd
P="$T/bin/pcue"; mkdir -p "$T/bin"; cp "$PCUE" "$P"; ln -s pcue "$T/bin/pkgnet"
# started as the node starts it (pkginit -p): connections join it
ln -s pcue "$T/bin/pkginit"; iso_start pkg01
# a socket-activated daemon (sd_listen_fds style): answers on fd 3 with
# where it runs and what it was passed
for etc in /etc "$T/pkg01/etc"; do
    cat > "$etc/sdserve" <<'S'
#!/bin/sh
pid=$$
echo "motd=$(cat /etc/motd) ctx=$ctxROOT fds=$LISTEN_FDS pid=$([ "$LISTEN_PID" = "$pid" ] && echo ok) fd0=$(readlink /proc/self/fd/0)" >&3
S
    chmod 755 "$etc/sdserve"
done
ask() { socat -t 5 -T 5 - "TCP:$1,bind=127.0.0.1" </dev/null 2>/dev/null || true; }
"#;

fn run(script: &str) -> String {
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

#[test]
fn systemd_socket_activate_with_and_without_inetd() {
    require("systemd-socket-activate");
    require("socat");
    let out = run(r#"
systemd-socket-activate -l 127.0.0.2:7402 -l 127.0.0.1:7402 -a "$T/bin/pkgnet" /etc/sdserve > "$T/ssa.log" 2>&1 &
systemd-socket-activate --inetd -l 127.0.0.2:7403 -l 127.0.0.1:7403 -a "$T/bin/pkgnet" /bin/cat /etc/motd > "$T/ssai.log" 2>&1 &
# Accept=no on every address: pkgnet gets the listening socket itself
systemd-socket-activate -l 7404 "$T/bin/pkgnet" /etc/sdserve > "$T/ssaw.log" 2>&1 &
wait_until 5 "ss -Htln | grep -q '127.0.0.1:7403 '" || die "not listening"
wait_until 5 "ss -Htln | grep -q ':7404 '" || die "not listening on 7404"
echo "fd3_pkg=$(ask 127.0.0.2:7402)"
echo "fd3_sys=$(ask 127.0.0.1:7402)"
echo "inetd_pkg=$(ask 127.0.0.2:7403)"
echo "inetd_sys=$(ask 127.0.0.1:7403)"
echo "wild=[$(ask 127.0.0.2:7404)]"
wait_log 5 1 'refused socket-activated connection from -: descriptor 3 listens on every address' || { cat "$T/ssaw.log"; die "no refusal logged"; }
echo "refused=$(grep -a -c 'pkgnet.*refused socket-activated connection from -: descriptor 3 listens on every address (\(0\.0\.0\.0\|::\)), packages. too' "$T/syslog")"
echo "routed=$(grep -a -c 'pkgnet.*127.0.0.1 -> 127.0.0.2 -> pkg01 -> /etc/sdserve (socket activation)' "$T/syslog")"
"#);
    assert_eq!(
        field(&out, "fd3_pkg"),
        Some("motd=pkg01 ctx=/pkg01 fds=1 pid=ok fd0=/dev/null"),
        "{out}"
    );
    assert_eq!(
        field(&out, "fd3_sys"),
        Some("motd=system ctx=/ fds=1 pid=ok fd0=/dev/null"),
        "{out}"
    );
    assert_eq!(field(&out, "inetd_pkg"), Some("pkg01"), "{out}");
    assert_eq!(field(&out, "inetd_sys"), Some("system"), "{out}");
    assert_eq!(field(&out, "wild"), Some("[]"), "{out}");
    assert_eq!(field(&out, "refused"), Some("1"), "{out}");
    assert_eq!(field(&out, "routed"), Some("1"), "{out}");
}

#[test]
fn xinetd_routes_each_address() {
    require("socat");
    let xinetd = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/xinetd/usr/sbin/xinetd");
    assert!(
        xinetd.exists(),
        "this test needs Debian's xinetd extracted at {}; `make deps` does it",
        xinetd.display()
    );
    let out = run(&format!(
        "XINETD={}\n{}",
        xinetd.display(),
        r#"
cat > "$T/xinetd.conf" <<C
defaults
{
}
service pcue-test
{
    type        = UNLISTED
    port        = 7405
    socket_type = stream
    protocol    = tcp
    wait        = no
    user        = root
    server      = $T/bin/pkgnet
    server_args = /bin/cat /etc/motd
}
C
"$XINETD" -dontfork -f "$T/xinetd.conf" -pidfile "$T/xinetd.pid" > "$T/xinetd.log" 2>&1 &
wait_until 5 "ss -Htln | grep -q ':7405 '" || { cat "$T/xinetd.log"; die "xinetd is not listening"; }
echo "pkg=$(ask 127.0.0.2:7405)"
echo "sys=$(ask 127.0.0.1:7405)"
"#
    ));
    assert_eq!(field(&out, "pkg"), Some("pkg01"), "{out}");
    assert_eq!(field(&out, "sys"), Some("system"), "{out}");
}

/// The daemon inherits every descriptor, not only those LISTEN_FDS names
/// (issue 21): a package's connection on descriptor 3 with LISTEN_FDS=0 is
/// routed into the package, one on descriptor 4 beside a system connection
/// on 3 with LISTEN_FDS=1 is refused, and so is one on descriptor 5 beside
/// an inetd connection of the system on descriptor 0 — never served in the
/// system context.
#[test]
fn every_inherited_ip_socket_counts() {
    require("python3");
    let out = run(r#"
# fdexec SPEC... -- CMD: FD=ADDR puts on FD an accepted TCP connection
# whose local address is ADDR, FD=null /dev/null; then runs CMD with
# stdout to $T/out
cat > "$T/fdexec.py" <<'PY'
import os, socket, sys
i = sys.argv.index("--")
keep = []
for spec in sys.argv[1:i]:
    fd, what = spec.split("=")
    fd = int(fd)
    if what == "null":
        s = os.open("/dev/null", os.O_RDWR)
    else:
        l = socket.socket(); l.bind((what, 0)); l.listen(1)
        c = socket.create_connection(l.getsockname(), source_address=("127.0.0.1", 0))
        a, _ = l.accept()
        keep += [l, c, a]
        s = a.fileno()
    os.dup2(s, fd)
    os.set_inheritable(fd, True)
out = os.open(os.environ["T"] + "/out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.dup2(out, 1)
r = os.spawnv(os.P_WAIT, sys.argv[i + 1], sys.argv[i + 1:])
print("rc=%d" % r, file=sys.stderr)
PY
echo "a_rc=$(env LISTEN_FDS=0 python3 "$T/fdexec.py" 0=null 3=127.0.0.2 -- "$T/bin/pkgnet" /bin/cat /etc/motd 2>&1 | sed -n 's/^rc=//p')"
echo "a_out=$(cat "$T/out")"
echo "b_rc=$(env LISTEN_FDS=1 python3 "$T/fdexec.py" 0=null 3=127.0.0.1 4=127.0.0.2 -- "$T/bin/pkgnet" /bin/cat /etc/motd 2>&1 | sed -n 's/^rc=//p')"
echo "b_out=[$(cat "$T/out")]"
echo "c_rc=$(env -u LISTEN_FDS python3 "$T/fdexec.py" 0=127.0.0.1 5=127.0.0.2 -- "$T/bin/pkgnet" /bin/cat /etc/motd 2>&1 | sed -n 's/^rc=//p')"
echo "c_out=[$(cat "$T/out")]"
wait_log 5 2 'pkgnet.*refused.*belongs to another context' || die "no refusal logged: $(cat "$T/syslog")"
grep -a 'pkgnet.*refused' "$T/syslog" | sed 's/^.*pkgnet\[[0-9]*\]: /refused=/'
"#);
    assert_eq!(
        field(&out, "a_out"),
        Some("pkg01"),
        "LISTEN_FDS=0, fd 3 a package's: {out}"
    );
    assert_eq!(field(&out, "a_rc"), Some("0"), "{out}");
    assert_eq!(field(&out, "b_out"), Some("[]"), "refused: {out}");
    assert_eq!(field(&out, "b_rc"), Some("125"), "{out}");
    assert_eq!(field(&out, "c_out"), Some("[]"), "refused: {out}");
    assert_eq!(field(&out, "c_rc"), Some("125"), "{out}");
    assert!(
        out.contains("refused=refused socket-activated connection from 127.0.0.1: descriptor 4 (127.0.0.2) belongs to another context than descriptor 3"),
        "{out}"
    );
    assert!(
        out.contains("refused=refused connection from 127.0.0.1 to 127.0.0.1: descriptor 5 (127.0.0.2) belongs to another context than descriptor 0"),
        "{out}"
    );
}
