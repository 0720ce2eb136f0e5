#!/bin/bash
# Logging in to a package (issue 12), side by side in one run:
# - an ssh key login to pkg01's own sshd (started by pkginit, host keys in
#   the package) running getcpkg, against the same login to the node's sshd
#   (127.0.0.1) running getcpkg (median of 20 each);
# - execsh's interactive session setup on a terminal (`script -qc`): with
#   the pty relay (a root built by mkpcue, with its devpts) against without
#   (a root without devpts: the session runs on the caller's terminal);
# - 100 MB through execsh's relay (`execsh pkg01 cat FILE` under script)
#   against `script -qc "cat FILE"` (one pty, no relay).
# Private mount, network and pid namespaces; /etc and /run are private.
set -euo pipefail
: "${PCUE:?}" "${BENCH_LIB:?}"
N=${LOGIN_BENCH_N:-20}
. "$BENCH_LIB"
bench_sandbox "$0" "$@"
for c in sshd ssh ssh-keygen script; do
    command -v "$c" >/dev/null || [ -x "/usr/sbin/$c" ] || { echo "45-login: $c missing" >&2; exit 1; }
done
private_dev
private_etc
mount -t tmpfs bench-run /run
mount -t tmpfs bench-log /var/log   # the node sshd's wtmp and lastlog
mkdir -p /run/sshd
net_up 127.0.0.2 127.0.0.3
setuid_copy
setuid_registry
export PATH="$T/bin:$PATH"
reg_cntl pkg01 127.0.0.2
reg_cntl pkg02 127.0.0.3
chmod 755 "$T"
mkpcue pkg01 >/dev/null || { echo "45-login: mkpcue failed" >&2; exit 1; }
R="$T/pkg01"
mkroot pkg02   # no devpts: execsh runs the session on the caller's terminal
useradd --root "$R" -m -u 4242 -s /bin/sh user
useradd -u 4242 -m -d "$T/user" -s /bin/sh user
export HOME="$T/client"; mkdir -p "$HOME"; chmod 700 "$HOME"
ssh-keygen -q -t ed25519 -N '' -f "$HOME/id"
for d in "$R/home/user" "$T/user"; do
    mkdir -p -m 700 "$d/.ssh"; cp "$HOME/id.pub" "$d/.ssh/authorized_keys"; chown -R 4242:4242 "$d/.ssh"
done
ssh-keygen -A -f "$R" >/dev/null
mkdir -p "$T/hostkeys"; ssh-keygen -q -t ed25519 -N '' -f "$T/hostkeys/key"
{ echo "127.0.0.2 $(cat "$R/etc/ssh/ssh_host_ed25519_key.pub")"; echo "127.0.0.1 $(cat "$T/hostkeys/key.pub")"; } > "$HOME/known_hosts"
printf 'ListenAddress 127.0.0.2\nPidFile /run/sshd.pid\nUsePAM yes\nKbdInteractiveAuthentication no\nSetEnv PATH=/usr/local/bin:/usr/bin:/bin:/corp/bin\n' > "$R/etc/ssh/sshd_config"
printf 'id:3:initdefault:\nss:3:respawn:/usr/sbin/sshd -D -e -f /etc/ssh/sshd_config\n' > "$R/etc/inittab"
# both started as the node starts them: a world of their own (pkginit -p)
iso_start pkg01
mkdir -p "$T/pkg02/var/run" "$T/pkg02/var/log"   # what pkginit writes
iso_start pkg02
printf 'ListenAddress 127.0.0.1\nHostKey %s\nPidFile %s\nUsePAM yes\nKbdInteractiveAuthentication no\n' "$T/hostkeys/key" "$T/sshd.pid" > "$T/sshd_config"
/usr/sbin/sshd -D -e -f "$T/sshd_config" > "$T/sshd.log" 2>&1 &
wait_until 10 "ss -Htln | grep -q '127.0.0.2:22 ' && ss -Htln | grep -q '127.0.0.1:22 '" || { echo "45-login: sshd not listening" >&2; exit 1; }
SSH=(ssh -F /dev/null -i "$HOME/id" -o UserKnownHostsFile="$HOME/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR)
[ "$("${SSH[@]}" user@127.0.0.2 getcpkg)" = pkg01 ] || { echo "45-login: package login failed" >&2; exit 1; }
ours=$(median_ms "$N" "${SSH[@]}" user@127.0.0.2 getcpkg)
peer=$(median_ms "$N" "${SSH[@]}" user@127.0.0.1 "$T/bin/getcpkg")
report "ssh key login + getcpkg, package sshd vs node sshd (median of $N)" "$ours" "node-sshd" "$peer" ms

# interactive execsh: with the relay (pkg01) and without (pkg02)
session() { as_user script -qec "$T/bin/execsh $1 /bin/true" /dev/null; }
session pkg01 >/dev/null || { echo "45-login: execsh session failed" >&2; exit 1; }
M=${LOGIN_BENCH_SESSIONS:-50}
with=$(median_ms "$M" session pkg01)
without=$(median_ms "$M" session pkg02)
report "execsh interactive session setup, pty relay vs none (median of $M)" "$with" "no-relay" "$without" ms

# 100 MB through the relay
head -c 100M /dev/zero > "$R/tmp/100M"; chmod 644 "$R/tmp/100M"
through() { as_user script -qec "$T/bin/execsh pkg01 /bin/cat /tmp/100M" /dev/null > /dev/null; }
plain() { as_user script -qec "cat $R/tmp/100M" /dev/null > /dev/null; }
ours=$(median_ms 3 through)
peer=$(median_ms 3 plain)
report "100 MB through execsh's pty relay vs script -qc cat (median of 3)" "$ours" "script-qc-cat" "$peer" ms
# stop what runs from $T, so that the sandbox's tmpfs can be unmounted
for p in pkg01 pkg02; do "$T/bin/telinit" -p $p -w 10 0 >/dev/null 2>&1 || true; done
kill "$(cat "$T/sshd.pid")" $(pgrep -x socat) 2>/dev/null || true
wait_until 5 '! pgrep -x sshd >/dev/null && ! pgrep -x socat >/dev/null' || true
cd /
umount -R "$R" 2>/dev/null || umount -R -l "$R" 2>/dev/null || true
exit 0
