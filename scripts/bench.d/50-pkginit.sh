#!/bin/bash
# pkginit against Debian's sysvinit init (pid 1 of its own pid namespace) in
# the same role, side by side: respawn latency (median over 100 kills),
# telinit 3 -> 50 entries running, leaving the level (ours: telinit 0 ->
# pkginit gone; sysvinit: telinit 2 -> the 50 stopped, it cannot exit), and
# idle RSS/CPU sampled over 30 s. Runs in private mount/pid namespaces.
set -euo pipefail
. "$BENCH_LIB"
here=$(cd "$(dirname "$0")/../.." && pwd)
SYSV=$here/target/sysvinit/sbin/init
[ -x "$SYSV" ] || { echo "bench: $SYSV missing (scripts/deps.sh)" >&2; exit 1; }
IDLE=${PKGINIT_IDLE:-30}
export PCUE SYSV IDLE here

exec unshare --mount --propagation private --pid --fork --mount-proc bash -c '
set -euo pipefail
. "$BENCH_LIB"
T=$(mktemp -d /tmp/pcue-bench-pkginit.XXXX)
mount -t tmpfs bench "$T"
trap "umount -l $T 2>/dev/null; rmdir $T" EXIT
. "$here/tests/lib.sh"
set +e
# the same package root for both, with 50 level-3 entries and a respawn one
d=0
for p in ours sysv; do
    d=$((d + 1))
    pkgroot $p
    { echo "id:2:initdefault:"
      # 12 respawn entries, killed 9 times each: under the throttle
      for k in $(seq 10 21); do echo "r$k:2345:respawn:/bin/sleep ${d}1000$k"; done
      for i in $(seq 10 59); do echo "e$i:3:respawn:/bin/sleep ${d}0000$i"; done
    } > "$T/$p/etc/inittab"
    : > "$T/$p/dev/console"; mount --bind /dev/null "$T/$p/dev/console"
done
mkdir -p "$T/sysv/opt"; cp "$SYSV" "$T/sysv/opt/init"; ln -sf init "$T/sysv/opt/telinit"
rm -f "$T/sysv/run/initctl"     # sysvinit makes its own FIFO there
running() { pgrep -f "^/bin/sleep $1" >/dev/null; }

# pids of processes whose command line is exactly "ARGS"
cat > "$T/probe.py" <<"PY"
import os, sys, time, signal
def pids(pat):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                c = open("/proc/%s/cmdline" % d, "rb").read().replace(b"\0", b" ").strip()
            except OSError:
                continue
            if c.decode(errors="replace").startswith(pat):
                out.append(int(d))
    return out
def respawn(prefix, n):
    # 9 kills per entry: sysvinit and pkginit both stop respawning an
    # entry started 10 times in 120 s
    times = []
    for i in range(n):
        pat = "%s%02d" % (prefix, 10 + i // 9)
        old = pids(pat)
        if len(old) != 1:
            time.sleep(0.05); continue
        t0 = time.monotonic()
        os.kill(old[0], signal.SIGKILL)
        while True:
            now = pids(pat)
            if now and now[0] != old[0]:
                break
            if time.monotonic() - t0 > 10:
                print("timeout", file=sys.stderr); return "n/a"
        times.append((time.monotonic() - t0) * 1000)
        time.sleep(0.02)
    times.sort()
    return "%.3f" % times[len(times) // 2]
def count_until(pat, want, t0, limit=30):
    while time.monotonic() - t0 < limit:
        if len(pids(pat)) == want:
            return "%.1f" % ((time.monotonic() - t0) * 1000)
        time.sleep(0.001)
    return "n/a"
cmd = sys.argv[1]
if cmd == "respawn":
    print(respawn(sys.argv[2], int(sys.argv[3])))
elif cmd == "level":
    # level PAT WANT CMD...: run CMD, time until WANT processes match PAT
    import subprocess
    t0 = time.monotonic()
    subprocess.run(sys.argv[4:])
    print(count_until(sys.argv[2], int(sys.argv[3]), t0))
elif cmd == "gone":
    t0 = time.monotonic()
    import subprocess
    subprocess.run(sys.argv[3:])
    pid = int(sys.argv[2])
    while os.path.exists("/proc/%d" % pid) and time.monotonic() - t0 < 30:
        try:
            if open("/proc/%d/stat" % pid).read().split(")")[1].split()[0] == "Z":
                break
        except OSError:
            break
        time.sleep(0.001)
    print("%.1f" % ((time.monotonic() - t0) * 1000))
PY

# ours
chroot "$T/ours" /corp/bin/pkginit
ours=$(cat "$T/ours/run/pkginit.pid")
wait_for 5 running 1100021
# sysvinit: pid 1 of a pid namespace of its own, chrooted in its root
unshare --pid --fork chroot "$T/sysv" /opt/init >/dev/null 2>&1 &
wait_for 5 running 2100021 || echo "bench: sysvinit did not start" >&2
sysv=$(pgrep -x init | head -1)

ro=$(python3 "$T/probe.py" respawn "/bin/sleep 11000" 100)
rs=$(python3 "$T/probe.py" respawn "/bin/sleep 21000" 100)
report "respawn: entry killed -> restarted (median of 100)" "$ro" sysvinit-init "$rs" ms

lo=$(python3 "$T/probe.py" level "/bin/sleep 10000" 50 chroot "$T/ours" /corp/bin/telinit 3)
ls=$(python3 "$T/probe.py" level "/bin/sleep 20000" 50 chroot "$T/sysv" /opt/telinit 3)
report "telinit 3: 50 entries running" "$lo" sysvinit-init "$ls" ms

# idle: RSS (kB) and CPU ticks of each init, sampled every 5 s
echo "idle samples over ${IDLE}s (t rss_ours cpu_ours rss_sysv cpu_sysv):"
stat_of() { awk "{print \$14 + \$15}" /proc/$1/stat; }
rss_of() { awk "/^VmRSS/ {print \$2}" /proc/$1/status; }
c0o=$(stat_of $ours); c0s=$(stat_of $sysv)
for t in $(seq 0 5 "$IDLE"); do
    echo "  $t $(rss_of $ours) $(stat_of $ours) $(rss_of $sysv) $(stat_of $sysv)"
    [ "$t" -lt "$IDLE" ] && sleep 5
done
report "idle ${IDLE}s: CPU ticks used" "$(( $(stat_of $ours) - c0o ))" sysvinit-init "$(( $(stat_of $sysv) - c0s ))" ticks
report "idle: resident memory" "$(rss_of $ours)" sysvinit-init "$(rss_of $sysv)" kB

go=$(python3 "$T/probe.py" gone "$ours" chroot "$T/ours" /corp/bin/telinit 0)
gs=$(python3 "$T/probe.py" level "/bin/sleep 20000" 0 chroot "$T/sysv" /opt/telinit 2)
report "leave level 3 (ours: telinit 0 -> pkginit gone; sysvinit: telinit 2 -> 50 stopped)" "$go" sysvinit-init "$gs" ms
kill -9 "$sysv" 2>/dev/null
'
