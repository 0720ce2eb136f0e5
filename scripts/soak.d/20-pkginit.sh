#!/bin/bash
# pkginit under churn: SOAK_PKGINIT_N (10,000) respawns and 1 MiB of noise
# on its control FIFO, in a package root built by mkpcue, the package
# started as the node starts it (mkpcue --cgroup, pkginit -p: pid 1 of its
# own namespaces, in a cgroup under the soak's own prefix).
#   - 20 respawn entries that exit at once: each is started 10 times, then
#     throttled; telinit q lifts the throttle (and checks that pkginit
#     answers), round after round until N starts;
#   - between rounds, 1/ROUNDS of 1 MiB of random bytes on /run/initctl;
#   - for a fifth of the rounds (from round 2) a package user holds a read
#     lock on wtmp: the records wait in pkginit's queue and must all arrive.
# Figures: starts, noise bytes, pkginit's RSS and descriptors after the
# first round and at the end (flat), zombies below pkginit (0), INIT and
# DEAD records in wtmp (one each per start: none lost), the level-0 stop.
set -euo pipefail
: "${PCUE:?}" "${SOAK_LIB:?}"
N=${SOAK_PKGINIT_N:-10000}
E=20
NOISE=$((1 << 20))
for c in python3 utmpdump; do
    command -v $c >/dev/null || { echo "20-pkginit: needs $c (make deps)" >&2; exit 1; }
done
. "$SOAK_LIB"
soak_sandbox "$0" "$@"
private_dev
private_etc
# a registry of the soak's own only (no Pacemaker CIB of the host's)
export SGCONF="$T/sg" PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T" PCUE_CMVIEWCL=0 PCUE_CIB="$T/no-cib.xml"
reg_cntl pkg01 127.0.0.2
mkpcue_root pkg01 >/dev/null
R=$T/pkg01
chmod 755 "$T"
mkdir -p "$T/bin"; cp "$PCUE" "$T/bin/pcue"
for a in pkginit telinit mkpcue; do ln -s pcue "$T/bin/$a"; done
{ echo "id:3:initdefault:"
  for i in $(seq -w 1 $E); do echo "r$i:3:respawn:/bin/sh -c 'echo $i >> /tmp/starts'"; done
} > "$R/etc/inittab"
tel() { "$T/bin/telinit" -p pkg01 "$@"; }
throttled() { tel -s | grep -c ' throttled until ' || true; }
starts() { wc -l < "$R/tmp/starts" 2>/dev/null || echo 0; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
zombies() { ps -e -o stat=,ppid= | awk -v p="$1" '$1 ~ /^Z/ && $2 == p' | wc -l; }
soak_start pkg01
PID=$(cat /run/pkginit/pkg01.pid)
rounds=$(( (N + E * 10 - 1) / (E * 10) ))
chunk=$(( (NOISE + rounds - 1) / rounds ))
noise=0 holder= rss0= fds0=
lock_from=2 lock_to=$((2 + (rounds + 4) / 5))
for r in $(seq 1 $rounds); do
    wait_until 60 "[ \$(throttled) = $E ]" || die "round $r: the entries were not all throttled ($(throttled))"
    if [ "$r" = 1 ]; then rss0=$(rss $PID); fds0=$(fds $PID); fi
    # a user's lock on wtmp for a fifth of the rounds (records queue, then arrive)
    if [ "$r" = "$lock_from" ]; then
        ( exec chroot --userspec=$TUID:$TGID "$R" /usr/bin/python3 -c 'import fcntl, time
f = open("/var/log/wtmp", "rb"); fcntl.lockf(f, fcntl.LOCK_SH); time.sleep(3600)' ) &
        holder=$!
    fi
    if [ "$r" = "$lock_to" ] && [ -n "$holder" ]; then kill "$holder"; wait "$holder" 2>/dev/null || true; holder=; fi
    head -c "$chunk" /dev/urandom > "$R/run/initctl"
    noise=$((noise + chunk))
    [ "$r" = "$rounds" ] || tel q || die "round $r: telinit q failed"
done
if [ -n "$holder" ]; then kill "$holder"; wait "$holder" 2>/dev/null || true; fi
wait_until 30 "[ \$(zombies $PID) = 0 ]" || true
S=$(starts)
RSS1=$(rss $PID); FDS1=$(fds $PID); Z=$(zombies $PID)
# every record written once the lock is gone
wait_until 30 "[ \$(utmpdump '$R/var/log/wtmp' 2>/dev/null | grep -c '^\[8\]') -ge $S ]" || true
INITS=$(utmpdump "$R/var/log/wtmp" 2>/dev/null | grep -c '^\[5\]' || true)
DEADS=$(utmpdump "$R/var/log/wtmp" 2>/dev/null | grep -c '^\[8\]' || true)
QUEUED=$(grep -c 'records wait in a queue' "$R/var/log/pkginit.log" || true)
BOGUS=$(grep -c 'got bogus initrequest' "$R/var/log/pkginit.log" || true)
STOP=0; tel -w 30 0 || STOP=$?
"$T/bin/mkpcue" --cgroup-remove pkg01 >/dev/null || STOP="$STOP (cgroup left busy)"
figure "pkginit respawns" "$S ($rounds rounds of $E entries x 10, throttle lifted by telinit q)"
figure "pkginit FIFO noise bytes" "$noise ($BOGUS bogus-request log lines, rate-limited)"
figure "pkginit RSS kB, after round 1/end" "$rss0/$RSS1"
figure "pkginit descriptors, after round 1/end" "$fds0/$FDS1"
figure "pkginit zombies below it at the end" "$Z"
figure "wtmp INIT/DEAD records for $S starts (a user held wtmp for rounds $lock_from-$lock_to)" "$INITS/$DEADS ($QUEUED queue episode(s) logged)"
figure "pkginit telinit 0 status" "$STOP"
[ "$S" -ge "$N" ] && [ "$noise" -ge "$NOISE" ] && [ "$Z" = 0 ] && [ "$fds0" = "$FDS1" ] \
    && [ "$RSS1" -le $((rss0 + 1024)) ] && [ "$INITS" = "$S" ] && [ "$DEADS" = "$S" ] \
    && [ "$QUEUED" -ge 1 ] && [ "$STOP" = 0 ] || die "pkginit soak: a figure is wrong"
