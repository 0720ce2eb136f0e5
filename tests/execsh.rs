//! execsh as a real user would run it: a setuid-root copy of the binary, an
//! unprivileged caller (uid 4242), a real pseudo-terminal, and what `id`,
//! `who`, `last` and `utmpdump` see. Each test builds its own world in
//! private mount, network and pid namespaces (tests/lib.sh).

mod common;
use common::*;

/// Registry in /etc/cmcluster.conf (a private overlay), roots under $T,
/// a private /dev with its own devpts and a /dev/log that writes $T/syslog.
const WORLD: &str = r#"
private_dev
private_etc
setuid_registry
setuid_copy
reg_cntl pkg01 127.0.0.2
reg_cntl pkg02 127.0.0.3
mkroot_login pkg01
mkroot_login pkg02
chmod 755 "$T"
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
echo "ttyls=$(ls -l "$(tty)" | cut -d' ' -f1,3,4)"
echo "who=$(who | tr -s ' ' | cut -d' ' -f1,2)"
echo "ctx=$ctxROOT"
echo "home=$HOME user=$USER logname=$LOGNAME path=$PATH"
exit 7
IN
chmod 644 "$T/pkg01/tmp/inside"
set +e
setpriv --reuid=4242 --regid=4242 --groups=4999 -- /usr/bin/python3 -c "$PTY_PY" /bin/sh -c '
  echo "ttybefore=$(stat -c "%u %g %a" "$(tty)")"
  "$0" pkg01 /bin/sh /tmp/inside
  echo "rc=$?"
  echo "ttyafter=$(stat -c "%u %g %a" "$(tty)")"' "$X"
set -e
sleep 1.1 # last says "still running" for a logout in the current second
echo "last=$(last -f "$T/pkg01/var/log/wtmp" | grep -a '^user' | head -1)"
echo "dead=$(utmpdump "$T/pkg01/run/utmp" 2>/dev/null | grep -c '^\[8\]')"
echo "alive=$(utmpdump "$T/pkg01/run/utmp" 2>/dev/null | grep -c '^\[7\]' || true)"
echo "wtmp_types=$(utmpdump "$T/pkg01/var/log/wtmp" 2>/dev/null | cut -c1-3 | tr '\n' ' ')"
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
    assert_eq!(f("ttyls"), "crw--w---- user tty", "{out}");
    assert!(f("who").starts_with("user pts/"), "{out}");
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
