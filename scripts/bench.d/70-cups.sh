#!/bin/bash
# A package's own CUPS and atd (issue 14), side by side in private mount,
# network and pid namespaces:
#   - lp of a 1 MB file until the printer's backend has written all of it:
#     ours  lp in package pkg01, to its cupsd (the default layout's
#           configuration: DirtyCleanInterval 0, SyncOnClose Yes)
#     peer  lp on the node, to a cupsd with the node's own stock /etc/cups
#     (the same raw queue and file backend in both; rounds alternate)
#   - package start (pcue.sh start: mkpcue --mount, the check, pkginit) with
#     cupsd, atd and cron in the inittab until `lpstat -r` answers, against
#     the same start with an inittab that starts nothing.
set -euo pipefail
: "${PCUE:?}" "${BENCH_LIB:?}"
N=${CUPS_BENCH_N:-15}
STARTS=${CUPS_BENCH_STARTS:-7}
for c in cupsd lp lpadmin lpstat atd cron; do
    command -v "$c" >/dev/null || { echo "70-cups: needs $c (make deps)" >&2; exit 1; }
done
. "$BENCH_LIB"
bench_sandbox "$0" "$@"
set +e
mount -t tmpfs bench-run /run
net_up 127.0.0.2
private_etc
setuid_registry
setuid_copy
reg_cntl pkg01 127.0.0.2
# the package filesystem (a tmpfs here), which stays mounted between starts
mkdir -p "$T/pkg01"
mount -t tmpfs -o mode=755 pkg01-fs "$T/pkg01"
cups_pkg pkg01
cups_start - pkg01

# the node's own CUPS: the host's stock configuration (through the private
# /etc overlay), its state on tmpfs, the test backend among the host's
for d in /var/spool/cups /var/cache/cups /var/log/cups; do
    [ -d "$d" ] || { echo "70-cups: no $d on this host" >&2; exit 1; }
    mkdir -p "$T/node$d"; mount --bind "$T/node$d" "$d" || exit 1
done
mkdir -p /run/cups /var/spool/cups/tmp "$T/nodebackend" "$T/nodeout"
cp -a /usr/lib/cups/backend/. "$T/nodebackend/"
cp "$T/pkg01/opt/cups/backend/tofile" "$T/nodebackend/tofile"
mount --bind "$T/nodebackend" /usr/lib/cups/backend
chown lp:lp "$T/nodeout"
/usr/sbin/cupsd -f </dev/null >/dev/null 2>&1 &
node_cupsd=$!
wait_until 10 "lpstat -r 2>/dev/null | grep -q 'is running'" || { echo "70-cups: the node's cupsd did not start" >&2; exit 1; }
lpadmin -p nq -E -v "tofile:$T/nodeout/nq" || exit 1
in_pkg pkg01 lpadmin -p pq -E -v tofile:/var/spool/out/pq || exit 1
head -c 1000000 /dev/urandom | base64 -w 76 | head -c 1048576 > "$T/1mb.txt"
cp "$T/1mb.txt" "$T/pkg01/tmp/1mb.txt"

# one_job OUTFILE CMD...: ms from CMD's start until OUTFILE grew by 1 MB
cat > "$T/probe.py" <<'PY'
import os, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
size = lambda: os.path.getsize(out) if os.path.exists(out) else 0
want = size() + 1048576
t0 = time.monotonic()
subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
while size() < want:
    if time.monotonic() - t0 > 30:
        sys.exit("timeout")
    time.sleep(0.0005)
print("%.3f" % ((time.monotonic() - t0) * 1000))
PY
ours=() peer=()
for i in $(seq "$N"); do
    ours+=("$(python3 "$T/probe.py" "$T/pkg01/var/spool/out/pq" chroot "$T/pkg01" lp -d pq /tmp/1mb.txt)")
    peer+=("$(python3 "$T/probe.py" "$T/nodeout/nq" lp -d nq "$T/1mb.txt")")
done
med() { printf '%s\n' "$@" | median; }
report "lp of 1 MB until the backend has it (median of $N)" "$(med "${ours[@]}")" node-cupsd "$(med "${peer[@]}")" ms
kill "$node_cupsd"; wait "$node_cupsd" 2>/dev/null

# package start with and without its daemons
cups_stop - pkg01
with_tab='id:3:initdefault:
cups:34:respawn:/usr/sbin/cupsd -f
atd:34:respawn:/usr/sbin/atd -f
cron:34:respawn:/usr/sbin/cron -f'
bare_tab='id:3:initdefault:
nop:34:once:/bin/true'
start_ms() {
    local t0=$EPOCHREALTIME
    PCUE_BIN=$T/bin "$REPO/examples/serviceguard/pcue.sh" start pkg01 >"$T/start.err" 2>&1 || { cat "$T/start.err" >&2; return 1; }
    if [ "$1" = with ]; then
        local i
        for ((i = 0; i < 2000; i++)); do
            chroot "$T/pkg01" lpstat -r 2>/dev/null | grep -q 'is running' && break
            sleep 0.005
        done
        [ "$i" -lt 2000 ] || return 1
    fi
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
    PCUE_BIN=$T/bin "$REPO/examples/serviceguard/pcue.sh" stop pkg01 >/dev/null 2>&1
}
with=() bare=()
for i in $(seq "$STARTS"); do
    printf '%s\n' "$with_tab" > "$T/pkg01/etc/inittab"
    with+=("$(start_ms with)")
    printf '%s\n' "$bare_tab" > "$T/pkg01/etc/inittab"
    bare+=("$(start_ms bare)")
done
report "package start: cupsd+atd+cron until lpstat -r answers (median of $STARTS)" "$(med "${with[@]}")" "no-daemons" "$(med "${bare[@]}")" ms
