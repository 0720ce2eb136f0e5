# Helpers for the benchmark scripts (sourced). Times are wall-clock medians
# of repeated runs, measured side by side with the peer in the same run.

# median: the median of the numbers on standard input, one a line.
median() {
    sort -g | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]}'
}

# span_median: the median length in ms of the spans "T0 T1" (seconds, as
# $EPOCHREALTIME gives them) on standard input, one a line.
span_median() {
    awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' | median
}

# median_ms N CMD...: run CMD N times, print the median in milliseconds.
median_ms() {
    local n=$1; shift
    local i t0 t1 spans=()
    for ((i = 0; i < n; i++)); do
        t0=$EPOCHREALTIME; "$@" >/dev/null 2>/dev/null || true; t1=$EPOCHREALTIME
        spans+=("$t0 $t1")
    done
    printf '%s\n' "${spans[@]}" | span_median
}

# inter_ms N FN...: run the shell functions FN... N rounds each, in turn
# (the order rotating each round), so that load from others on the machine
# falls on all alike; print the median of each in ms, in the order given.
inter_ms() {
    local n=$1 i j k t0 t1; shift
    local fns=("$@") d
    d=$(mktemp -d)
    for ((i = 0; i < n; i++)); do
        for ((k = 0; k < ${#fns[@]}; k++)); do
            j=$(((i + k) % ${#fns[@]}))
            t0=$EPOCHREALTIME; "${fns[j]}" >/dev/null 2>&1 || true; t1=$EPOCHREALTIME
            echo "$t0 $t1" >> "$d/$j"
        done
    done
    local m=()
    for ((j = 0; j < ${#fns[@]}; j++)); do
        m+=("$(span_median < "$d/$j")")
    done
    echo "${m[*]}"
    rm -rf "$d"
}

# report WHAT OURS PEERNAME PEER UNIT: one result line, ratio ours/peer.
report() {
    local ratio
    ratio=$(awk -v a="$2" -v b="$4" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    printf 'BENCH %s | ours %s %s | peer %s %s %s | ratio %s\n' "$1" "$2" "$5" "$3" "$4" "$5" "$ratio"
}

# hf_ms RUNS CMD: median wall time of CMD (a shell string) in ms, by
# hyperfine (warm-up 3); -N (no intermediate shell) when NOSHELL=1.
hf_ms() {
    local runs=$1 cmd=$2 json
    json=$(mktemp)
    local opt=()
    [ "${NOSHELL:-0}" = 1 ] && opt=(-N)
    hyperfine "${opt[@]}" --style none --warmup 3 --runs "$runs" --export-json "$json" "$cmd" >/dev/null 2>&1 || { rm -f "$json"; echo "hyperfine failed: $cmd" >&2; return 1; }
    python3 -c 'import json,sys; print("%.3f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$json"
    rm -f "$json"
}

# in_sandbox SCRIPT: run SCRIPT in private mount+net+pid namespaces with a
# tmpfs on $T (as the tests do); everything vanishes with it.
in_sandbox() {
    local t
    t=$(mktemp -d)
    T=$t unshare --mount --propagation private --net --pid --fork --mount-proc \
        bash -c "mount -t tmpfs -o mode=755 pcue-bench \"\$T\"; . \"$(dirname "$BENCH_LIB")/../../tests/lib.sh\"; set +e; . \"$BENCH_LIB\"; $1"
    local rc=$?
    rmdir "$t" 2>/dev/null
    return $rc
}

# bench_sandbox "$0" "$@" (from a bench script, after sourcing this file):
# the first call runs the script again inside private mount, network and pid
# namespaces (bounded to BENCH_TIMEOUT seconds, 10 minutes by default);
# inside, it gets a tmpfs scratch directory $T, removed on exit, and the
# tests' shell helpers.
bench_sandbox() {
    if [ -z "${PCUE_BENCH_NS:-}" ]; then
        exec unshare --mount --propagation private --net --pid --fork --mount-proc \
            env PCUE_BENCH_NS="$(readlink /proc/self/ns/pid)" timeout --kill-after=10 "${BENCH_TIMEOUT:-600}" bash "$@"
    fi
    T=$(mktemp -d /tmp/pcue-bench-XXXXXX); export T
    mount -t tmpfs -o mode=755 bench "$T"
    # on exit, whatever happened, the script's own status stands
    trap 'rc=$?; bench_leave; exit $rc' EXIT
    . "$(dirname "$BENCH_LIB")/../../tests/lib.sh"
}

# bench_kill_left: what a bench left running (packages, daemons, inetd, a
# resident pkgnet -a, sleepers) is killed, in the sandbox's own pid
# namespace only (PCUE_BENCH_NS names the one it was made from: never a
# kill -1 there), and given a moment to go.
bench_kill_left() {
    disown -a 2>/dev/null
    if [ "$(readlink /proc/self/ns/pid)" != "$PCUE_BENCH_NS" ]; then
        kill -9 -1 2>/dev/null
        sleep 0.1
    fi
    return 0
}

# bench_leave: bench_kill_left, then the scratch mount goes.
bench_leave() {
    bench_kill_left
    umount -R -l "$T" 2>/dev/null
    rmdir "$T" 2>/dev/null
    return 0
}
