#!/bin/bash
# pkgps against ps: with N extra sleepers in a private pid namespace (half of
# them chrooted into a package root), `pkgps` run inside the package vs
# `ps -ef`, and `pkgps -a` vs `ps -eo pid,args`, at N = 500, 5000, 20000
# (PKGPS_BENCH_SIZES overrides; 20000 needs ~4 GB free, ulimit -u and 25,000
# free pids under pid_max, counted as tasks: every thread takes a pid).
# pkgps's own debug line says how much of its time went to reading /proc.
# Everything lives in the namespace and dies with it.
set -euo pipefail
. "$BENCH_LIB"
[ "$(id -u)" = 0 ] || { echo "60-pkgps: needs root (namespaces)" >&2; exit 1; }
command -v busybox >/dev/null || { echo "60-pkgps: needs busybox" >&2; exit 1; }
sizes=${PKGPS_BENCH_SIZES:-"500 5000 20000"}
avail=$(awk '/MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
nproc_limit=$(ulimit -u)
# the sleepers take pids from the host's pid_max too, and so does every
# thread of every process (the machine's task count is /proc/loadavg's
# fourth field): leave others 5,000, checked again before each size grows
# (pids_free, also in the namespace), since others start and stop at will
pids_free() { local l; read -r _ _ _ l _ < /proc/loadavg; echo $(( $(cat /proc/sys/kernel/pid_max) - ${l#*/} )); }
keep=""
for n in $sizes; do
    if [ "$(pids_free)" -lt $((n + 5000)) ] || { [ "$n" -gt 5000 ] && { [ "$avail" -lt 6000 ] ||
        { [ "$nproc_limit" != unlimited ] && [ "$nproc_limit" -lt $((n + 1000)) ]; }; }; }; then
        echo "60-pkgps: skipping $n processes (MemAvailable ${avail} MB, ulimit -u $nproc_limit, $(pids_free) pids free)"
        continue
    fi
    keep="$keep $n"
done
T=$(mktemp -d /tmp/pkgps-bench.XXXXXX)
trap 'rmdir "$T"' EXIT
export SIZES="$keep" BENCH_LIB PCUE T
export -f pids_free

unshare --mount --propagation private --pid --fork --mount-proc \
    timeout --kill-after=10 1800 bash -c '
set -euo pipefail
. "$BENCH_LIB"
mount -t tmpfs bench "$T"
R=$T/pkg01
mkdir "$R"; mount -t tmpfs pkg01 "$R"
mkdir -p "$R"/{proc,usr,etc,tmp,dev,corp/bin}
touch "$R/dev/null"; mount --bind /dev/null "$R/dev/null"
mount --bind /usr "$R/usr"; mount -o remount,bind,ro "$R/usr"
for l in bin sbin lib lib64; do [ -e "/usr/$l" ] && ln -s "usr/$l" "$R/$l"; done
mount -t proc proc "$R/proc"
cp "$PCUE" "$R/corp/bin/pcue"; "$R/corp/bin/pcue" --install "$R/corp/bin" >/dev/null
printf "root:x:0:0:root:/:/bin/sh\n" > "$R/etc/passwd"
nprocs() { ls -d /proc/[0-9]* 2>/dev/null | wc -l; }
base=$(nprocs)
have=0
# add N sleepers, half inside the package; wait (bounded) until they run
grow() {
    local n=$1 half=$(( $1 / 2 )) i
    chroot "$R" /bin/busybox sh -c "i=0; while [ \$i -lt $half ]; do /bin/busybox sleep 100000 </dev/null >/dev/null 2>&1 & i=\$((i+1)); done; wait" </dev/null >/dev/null 2>&1 &
    busybox sh -c "i=0; while [ \$i -lt $((n - half)) ]; do busybox sleep 100000 </dev/null >/dev/null 2>&1 & i=\$((i+1)); done; wait" </dev/null >/dev/null 2>&1 &
    have=$((have + n))
    for i in $(seq 240); do
        [ "$(nprocs)" -ge $((base + have)) ] && return 0
        sleep 0.5
    done
    echo "60-pkgps: only $(nprocs) processes after 120 s" >&2; exit 1
}
for n in $SIZES; do
    if [ "$(pids_free)" -lt $((n - have + 5000)) ]; then
        echo "60-pkgps: skipping $n processes and more ($(pids_free) pids free now)"
        break
    fi
    grow $((n - have))
    total=$(nprocs)
    inside=$(chroot "$R" /corp/bin/pkgps | tail -n +2 | wc -l)
    ours=$(median_ms 5 chroot "$R" /corp/bin/pkgps)
    peer=$(median_ms 5 ps -ef)
    report "pkgps in a package, $total processes ($inside listed) vs ps -ef" "$ours" "ps -ef" "$peer" ms
    ours=$(median_ms 5 "$PCUE" pkgps -a)
    peer=$(median_ms 5 ps -eo pid,args)
    report "pkgps -a, $total processes" "$ours" "ps -eo pid,args" "$peer" ms
    dbg=$(chroot "$R" /usr/bin/env PCUE_LOG=debug /corp/bin/pkgps 2>&1 >/dev/null | grep "processes scanned")
    echo "INFO pkgps at $total processes: ${dbg#pkgps: }"
    dbg=$(PCUE_LOG=debug "$PCUE" pkgps -a 2>&1 >/dev/null | grep "processes scanned")
    echo "INFO pkgps -a at $total processes: ${dbg#pkgps: }"
done
'
