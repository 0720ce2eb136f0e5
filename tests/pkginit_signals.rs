//! pkginit's own signals, as its manual page promises them (issue 21):
//! SIGHUP re-reads the inittab, SIGUSR1 reopens the control FIFO (a /run
//! mounted over the old one: telinit reaches pkginit again), SIGINT and
//! SIGTERM take the package to level 0, each logged by name. In a package
//! root built by mkpcue, in private namespaces.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

const WORLD: &str = r#"
mkpcue_root pkg01
R=$T/pkg01
chmod 755 "$T"
cat > "$R/etc/inittab" <<'X'
id:3:initdefault:
a:3:respawn:/bin/sleep 1001
z:0:wait:/bin/sh -c 'echo level0 >> /tmp/seq'
X
start_pkginit() { in_pkg pkg01 /corp/bin/pkginit -l /var/log/pkginit.log "$@"; }
tel() { in_pkg pkg01 /corp/bin/telinit "$@"; }
state() { tel -s | awk -v id="$1" '$1 == id { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }'; }
entry_pid() { state "$1" | sed -n 's/^running (pid \([0-9]*\))$/\1/p'; }
# gone, or a zombie nobody reaps in the sandbox
gone() { local s; s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true); [ -z "$s" ] || [ "$s" = Z ]; }
"#;

fn run(script: &str) -> String {
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

#[test]
fn sighup_rereads_and_sigusr1_reopens_the_fifo() {
    let out = run(r#"
start_pkginit
wait_until 5 'test -n "$(entry_pid a)"' || die "a did not start"
p=$(pkginit_pid pkg01)
echo 'b:3:respawn:/bin/sleep 1002' >> "$R/etc/inittab"
kill -HUP "$p"
wait_until 5 'test -n "$(entry_pid b)"' || die "SIGHUP: b did not start"
echo "hup=$(grep -c '^reload 1 ok$' "$R/run/pkginit.status")"
# a new /run over the old one hides the FIFO: telinit finds none, until
# SIGUSR1 makes pkginit open (and make) it again
a=$(entry_pid a)
mount -t tmpfs -o mode=755 newrun "$R/run"
echo "before=$(tel q >/dev/null 2>&1; echo $?)"
kill -USR1 "$p"
wait_until 5 '[ -p "$R/run/initctl" ]' || die "SIGUSR1: no FIFO made: $(cat "$R/var/log/pkginit.log")"
echo "after=$(tel q >/dev/null 2>&1; echo $?)"
echo "a_alive=$(kill -0 "$a" && echo yes)"
wait_until 5 '[ -s "$R/run/pkginit.status" ]' || die "no status file in the new /run"
echo "status_a=$(grep -c '^entry a respawn 3 running ' "$R/run/pkginit.status")"
tel 0 || die "telinit 0 failed"
wait_until 10 'gone $p' || die "pkginit did not exit"
sed 's/^[^]]*]: /log: /' "$R/var/log/pkginit.log"
"#);
    assert_eq!(field(&out, "hup"), Some("1"), "{out}");
    assert_ne!(
        field(&out, "before"),
        Some("0"),
        "no FIFO before SIGUSR1: {out}"
    );
    assert_eq!(
        field(&out, "after"),
        Some("0"),
        "telinit q after SIGUSR1: {out}"
    );
    assert_eq!(field(&out, "a_alive"), Some("yes"), "{out}");
    assert_eq!(
        field(&out, "status_a"),
        Some("1"),
        "the status file written again: {out}"
    );
    assert!(out.contains("log: got SIGHUP: re-reading inittab"), "{out}");
    assert!(
        out.contains("log: got SIGUSR1: /run/initctl reopened"),
        "{out}"
    );
}

#[test]
fn sigint_and_sigterm_go_to_level_0() {
    let out = run(r#"
for sig in INT TERM; do
    : > "$R/tmp/seq"
    start_pkginit
    wait_until 5 'test -n "$(entry_pid a)"' || die "a did not start"
    p=$(pkginit_pid pkg01); a=$(entry_pid a)
    kill -"$sig" "$p"
    wait_until 10 'gone $p' || die "SIG$sig: pkginit did not exit"
    echo "$sig.level0=$(cat "$R/tmp/seq")"
    echo "$sig.a=$(gone "$a" && echo stopped)"
    echo "$sig.log=$(grep -c "got SIG$sig: going to level 0" "$R/var/log/pkginit.log")"
done
"#);
    for sig in ["INT", "TERM"] {
        assert_eq!(
            field(&out, &format!("{sig}.level0")),
            Some("level0"),
            "{out}"
        );
        assert_eq!(field(&out, &format!("{sig}.a")), Some("stopped"), "{out}");
    }
    assert_eq!(field(&out, "INT.log"), Some("1"), "{out}");
    assert_eq!(field(&out, "TERM.log"), Some("1"), "{out}");
}
