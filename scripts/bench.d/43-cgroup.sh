#!/bin/bash
# Resource control (README "Resource control"), side by side in one run:
#   execsh pkg01 /bin/true as a user, with the package's cgroup recorded
#     (execsh joins it: three hierarchies here, the package sets no CPU
#     or task limit: unified, memory, blkio) vs the same without a record;
#   a connection through a real inetd to pkgnet -> /bin/true in pkg01, with
#     the cgroup vs without, and the same through pkgnet -a (its daemon's
#     process joins) (target for all: ratio <= 1.05);
#   pkgstat -r for 100 packages vs cat(1) of the same counter files.
# CGROUP_BENCH_LIMIT=CPUQuota=200% (or TasksMax=500, say) gives pkg01 that
# limit: its cgroup is then in the v1 cpu (or pids) hierarchy too.
# Runs alternate (with, without, with, ...) so that load from others on the
# machine falls on both. Private mount, network and pid namespaces;
# the cgroups are the node's, under a prefix of this run's own, removed.
set -euo pipefail
: "${PCUE:?}" "${BENCH_LIB:?}"
N=${CGROUP_BENCH_N:-600}
command -v inetd >/dev/null || { echo "43-cgroup: needs inetd (make deps)" >&2; exit 1; }
. "$BENCH_LIB"
bench_sandbox "$0" "$@"
mount -t tmpfs bench-run /run
net_up 127.0.0.2
private_etc
setuid_registry
setuid_copy
export PCUE_CMVIEWCL=0
export PCUE_CGROUP_PREFIX="pcue-bench-$(cut -c1-8 /proc/sys/kernel/random/uuid)"
CG=/sys/fs/cgroup
cg_cleanup() {
    local rc=$? d
    bench_kill_left   # no process left in a cgroup of ours
    for d in "$CG"/*/"$PCUE_CGROUP_PREFIX"/*/; do rmdir "$d" 2>/dev/null || true; done
    rmdir "$CG"/*/"$PCUE_CGROUP_PREFIX" 2>/dev/null || true
    bench_leave
    exit $rc
}
trap cg_cleanup EXIT
private_run
reg_cntl pkg01 127.0.0.2
pkgroot pkg01
chmod 755 "$T"
"$T/bin/mkpcue" --cgroup ${CGROUP_BENCH_LIMIT:+--limit "$CGROUP_BENCH_LIMIT"} pkg01 >/dev/null || { echo "43-cgroup: mkpcue --cgroup failed" >&2; exit 1; }
iso_start pkg01
cat > "$T/inetd.conf" <<CONF
7501 stream tcp nowait.100000 root $T/bin/pkgnet pkgnet /bin/true
7502 stream tcp wait root $T/bin/pkgnet pkgnet -a /bin/true
CONF
inetd -d "$T/inetd.conf" >/dev/null 2>&1 &
ask() { socat -T 5 - "TCP:127.0.0.2:${1:-7501},bind=127.0.0.1" </dev/null; }
for i in $(seq 100); do ask >/dev/null 2>&1 && break; sleep 0.05; done
rec=/run/pcue/cgroup/pkg01
as_user "$T/bin/execsh" pkg01 /bin/true </dev/null || { echo "43-cgroup: execsh failed" >&2; exit 1; }
# the joins happen: execsh's process lands in the package's cgroup
as_user "$T/bin/execsh" pkg01 /bin/cat /proc/self/cgroup | grep -q "^0::/$PCUE_CGROUP_PREFIX/pkg01$" ||
    { echo "43-cgroup: execsh did not join" >&2; exit 1; }
# interleaved: each iteration times one run with the record (the join)
# and one without, so that load from others falls on both alike. The
# difference is about 3 % of an entry, while one entry's time varies by
# 20 % from run to run here (an idle virtual CPU woken or not): 600 pairs
# put the ratio of the medians within about 1 % (200 drifted from 1.03 to
# 1.08 between runs); the two halves' ratios are printed beside it.
pair_ms() { # pair_ms N CMD...: "MEDIAN_WITH MEDIAN_WITHOUT" in ms, then the
    # ratio of the two medians in the first and in the second half of the pairs
    local n=$1 i t0 t1 w=() o=(); shift
    for ((i = 0; i < n; i++)); do
        # which goes first alternates, so neither always follows the mv
        if ((i % 2)); then mv "$rec" "$T/rec"; fi
        t0=$EPOCHREALTIME; "$@" >/dev/null 2>&1 </dev/null; t1=$EPOCHREALTIME
        if ((i % 2)); then o+=("$t0 $t1"); mv "$T/rec" "$rec"; else w+=("$t0 $t1"); mv "$rec" "$T/rec"; fi
        t0=$EPOCHREALTIME; "$@" >/dev/null 2>&1 </dev/null; t1=$EPOCHREALTIME
        if ((i % 2)); then w+=("$t0 $t1"); else o+=("$t0 $t1"); mv "$T/rec" "$rec"; fi
    done
    local h=$((n / 2)) r1 r2
    med() { printf '%s\n' "$@" | span_median; }
    r1=$(awk -v a="$(med "${w[@]:0:h}")" -v b="$(med "${o[@]:0:h}")" 'BEGIN { printf "%.2f", a / b }')
    r2=$(awk -v a="$(med "${w[@]:h}")" -v b="$(med "${o[@]:h}")" 'BEGIN { printf "%.2f", a / b }')
    echo "$(med "${w[@]}") $(med "${o[@]}") $r1 $r2"
}
read -r e n h1 h2 <<< "$(pair_ms "$N" as_user "$T/bin/execsh" pkg01 /bin/true)"
report "execsh pkg01 /bin/true with cgroup join (median of $N interleaved pairs; halves $h1, $h2)" "$e" "execsh-without-cgroup" "$n" ms
read -r e n h1 h2 <<< "$(pair_ms "$N" ask)"
report "inetd->pkgnet->/bin/true in pkg01 with cgroup join (median of $N interleaved pairs; halves $h1, $h2)" "$e" "pkgnet-without-cgroup" "$n" ms
read -r e n h1 h2 <<< "$(pair_ms "$N" ask 7502)"
report "inetd->pkgnet -a->/bin/true in pkg01 with cgroup join (median of $N interleaved pairs; halves $h1, $h2)" "$e" "pkgnet-a-without-cgroup" "$n" ms
# pkgstat for 100 packages vs cat of the counter files it reads
for i in $(seq -w 0 99); do
    "$T/bin/mkpcue" --cgroup "p$i" >/dev/null || { echo "43-cgroup: mkpcue --cgroup p$i failed" >&2; exit 1; }
done
files=()
for i in $(seq -w 0 99); do
    u="$CG/unified/$PCUE_CGROUP_PREFIX/p$i"; v="$PCUE_CGROUP_PREFIX/p$i"
    # (no cpu or pids cgroup: these packages set no CPU or task limit;
    # TASKS is the count of the memory cgroup's tasks)
    files+=("/run/pcue/cgroup/p$i" "$CG/memory/$v/cgroup.procs" "$u/cpu.stat" "$CG/memory/$v/tasks"
        "$CG/memory/$v/memory.usage_in_bytes"
        "$CG/memory/$v/memory.limit_in_bytes" "$CG/memory/$v/memory.oom_control"
        "$CG/blkio/$v/blkio.throttle.io_service_bytes_recursive")
done
[ "$("$T/bin/pkgstat" -r | wc -l)" = 102 ] || { echo "43-cgroup: pkgstat does not list 101 packages" >&2; exit 1; }
ours=$(median_ms 50 "$T/bin/pkgstat" -r)
peer=$(median_ms 50 cat "${files[@]}")
report "pkgstat -r, 101 packages (median of 50)" "$ours" "cat-of-the-same-${#files[@]}-files" "$peer" ms
for i in $(seq -w 0 99); do "$T/bin/mkpcue" --cgroup-remove "p$i" >/dev/null; done
"$T/bin/telinit" -p pkg01 -w 10 0 >/dev/null
"$T/bin/mkpcue" --cgroup-remove pkg01 >/dev/null
