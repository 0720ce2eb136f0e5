#!/bin/bash
# make bench: every scripts/bench.d/*.sh in turn, each measuring one applet
# against a peer tool side by side in the same run. Each prints lines
#   BENCH <what> | ours <value> | peer <name> <value> | ratio <ours/peer>
# Usage: scripts/bench.sh /path/to/pcue [name-filter]
set -euo pipefail
export PCUE=${1:?usage: bench.sh PCUE [filter]}
filter=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
export BENCH_LIB="$here/bench.d/lib.sh"
status=0
for b in "$here"/bench.d/[0-9]*.sh; do
    case $(basename "$b") in *"$filter"*) ;; *) continue ;; esac
    echo "== $(basename "$b" .sh)"
    bash "$b" || { echo "bench: $(basename "$b") failed" >&2; status=1; }
done
exit $status
