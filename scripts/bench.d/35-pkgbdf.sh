#!/bin/bash
# pkgbdf against coreutils df -k, side by side, in a private mount namespace
# holding 1,000 tmpfs mounts: 900 in the system context and a package root
# holding 100 (its root and 99 below it).
#   1. pkgbdf (every filesystem) vs df -k
#   2. pkgbdf -p pkg for the package's 100 vs df -k given those 100 mount
#      points as operands (the closest df comes to "this package only")
# The two commands run alternately (so a busy machine slows both alike);
# wall time and CPU time (user+system), median of 31 runs each. Needs
# root (unshare, mount).
set -euo pipefail
# shellcheck source=lib.sh
. "$BENCH_LIB"
runs=31
if [ "${1:-}" != inner ]; then
    base=$(mktemp -d /tmp/pcue-bench-bdf.XXXXXX)
    rc=0
    # a pid namespace too, so that pid 1 shares our mounts as on a node
    unshare --mount --propagation private --pid --fork --mount-proc \
        bash "$0" inner "$base" || rc=$?
    rmdir "$base"
    exit $rc
fi
B=$2

# side_by_side WHAT PEERNAME -- OURS... -- PEER...: alternate runs, report
# the wall-time and CPU-time medians.
side_by_side() {
    local what=$1 peername=$2; shift 3
    local ours=() peer=() i
    while [ "$1" != -- ]; do ours+=("$1"); shift; done
    shift
    peer=("$@")
    local tw=() tc=() pw=() pc=() t0 t1 c
    TIMEFORMAT='%3U %3S'
    for ((i = 0; i < runs; i++)); do
        t0=$(date +%s%N); c=$( { time "${ours[@]}" >/dev/null 2>&1; } 2>&1 ); t1=$(date +%s%N)
        tw+=($(( (t1 - t0) / 1000 ))); tc+=("$(awk -v a="$c" 'BEGIN { split(a, f, " "); printf "%d", (f[1] + f[2]) * 1000000 }')")
        t0=$(date +%s%N); c=$( { time "${peer[@]}" >/dev/null 2>&1; } 2>&1 ); t1=$(date +%s%N)
        pw+=($(( (t1 - t0) / 1000 ))); pc+=("$(awk -v a="$c" 'BEGIN { split(a, f, " "); printf "%d", (f[1] + f[2]) * 1000000 }')")
    done
    med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]/1000}'; }
    report "$what, wall (median of $runs)" "$(med "${tw[@]}")" "$peername" "$(med "${pw[@]}")" ms
    report "$what, cpu user+sys (median of $runs)" "$(med "${tc[@]}")" "$peername" "$(med "${pc[@]}")" ms
}
mount -t tmpfs bench-base "$B"
mkdir "$B/pkgb"
mount -t tmpfs pkgb-root "$B/pkgb"
for i in $(seq 900); do
    mkdir "$B/m$i"
    mount -t tmpfs -o size=1m "sys$i" "$B/m$i"
done
for i in $(seq 99); do
    mkdir "$B/pkgb/m$i"
    mount -t tmpfs -o size=1m "pkg$i" "$B/pkgb/m$i"
done
export PCUE_ROOT_PREFIX=$B PCUE_SGCONF=$B/no-registry PCUE_CMVIEWCL=0
n=$(wc -l < /proc/self/mountinfo)
# both list the same filesystems (a benchmark of different work is
# worthless); lines with a % are the header and one per filesystem
ours_n=$("$PCUE" pkgbdf | grep -c %)
peer_n=$(df -k | grep -c %)
[ "$ours_n" = "$peer_n" ] || { echo "bench: pkgbdf lists $ours_n lines, df $peer_n" >&2; exit 1; }
side_by_side "pkgbdf, all of $n mounts" "df -k" -- "$PCUE" pkgbdf -- df -k

points=("$B/pkgb")
for i in $(seq 99); do points+=("$B/pkgb/m$i"); done
ours_n=$("$PCUE" pkgbdf -p pkgb | grep -c %)
peer_n=$(df -k "${points[@]}" | grep -c %)
[ "$ours_n" = "$peer_n" ] || { echo "bench: pkgbdf -p lists $ours_n lines, df $peer_n" >&2; exit 1; }
side_by_side "pkgbdf -p, a package of 100 among $n mounts" "df -k 100 operands" \
    -- "$PCUE" pkgbdf -p pkgb -- df -k "${points[@]}"
