# Helpers for the benchmark scripts (sourced). Times are wall-clock medians
# of repeated runs, measured side by side with the peer in the same run.

# median_ms N CMD...: run CMD N times, print the median in milliseconds.
median_ms() {
    local n=$1; shift
    local i t0 t1 times=()
    for ((i = 0; i < n; i++)); do
        t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]/1000}'
}

# report WHAT OURS PEERNAME PEER UNIT: one result line, ratio ours/peer.
report() {
    local ratio
    ratio=$(awk -v a="$2" -v b="$4" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    printf 'BENCH %s | ours %s %s | peer %s %s %s | ratio %s\n' "$1" "$2" "$5" "$3" "$4" "$5" "$ratio"
}
