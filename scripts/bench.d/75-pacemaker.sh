#!/bin/bash
# Failover under a real two-node Corosync + Pacemaker cluster in namespaces
# (scripts/pacemaker.sh --bench): seconds from the command (standby of the
# owner) or the kill (-9 of the owner's pid 1) until the client gets pkg01's
# answer from the new node. Ours: the group Filesystem -> IPaddr2 ->
# ocf:pcue:package, answered by the package's own service (started by its
# pkginit); peer: the same group with ocf:pacemaker:Dummy in its place,
# answered by the node's inetd. The ratio is the cost pcue adds to a
# failover. PACEMAKER_BENCH_N cycles each (default 2), median reported.
set -euo pipefail
: "${PCUE:?}" "${BENCH_LIB:?}"
. "$BENCH_LIB"
N=${PACEMAKER_BENCH_N:-2}
REPO=$(cd "$(dirname "$BENCH_LIB")/../.." && pwd)
for c in corosync pacemakerd inetd socat; do
    command -v $c >/dev/null || { echo "75-pacemaker: needs $c (make deps)" >&2; exit 1; }
done
median() { sort -g | awk '{ a[NR] = $1 } END { printf "%.2f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
declare -A standby crash
for kind in pcue dummy; do
    for ((i = 0; i < N; i++)); do
        out=$(bash "$REPO/scripts/pacemaker.sh" --bench "$kind" "$PCUE") ||
            { echo "75-pacemaker: the $kind cycle failed" >&2; printf '%s\n' "$out" >&2; exit 1; }
        standby[$kind]+="$(printf '%s\n' "$out" | sed -n 's/^standby_s=//p') "
        crash[$kind]+="$(printf '%s\n' "$out" | sed -n 's/^crash_s=//p') "
    done
done
m() { printf '%s\n' $1 | median; }
report "pacemaker standby switch-over of pkg01, s (median of $N)" "$(m "${standby[pcue]}")" "ocf:pacemaker:Dummy" "$(m "${standby[dummy]}")" s
report "pacemaker crash failover of pkg01, s (median of $N)" "$(m "${crash[pcue]}")" "ocf:pacemaker:Dummy" "$(m "${crash[dummy]}")" s
