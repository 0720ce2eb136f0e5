#!/bin/bash
# make soak: every scripts/soak.d/*.sh in turn, each a long run of one
# applet under hostile churn in private namespaces. Each prints its figures
# as "SOAK <what>: <value>" lines and exits non-zero when one is wrong.
# Usage: scripts/soak.sh /path/to/pcue [name-filter]
set -euo pipefail
export PCUE=${1:?usage: soak.sh PCUE [filter]}
filter=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
export SOAK_LIB="$here/soak.d/lib.sh"
[ "$(id -u)" = 0 ] || { echo "soak: needs root (private namespaces)" >&2; exit 1; }
status=0
for s in "$here"/soak.d/[0-9]*.sh; do
    case $(basename "$s") in *"$filter"*) ;; *) continue ;; esac
    echo "== $(basename "$s" .sh)"
    bash "$s" || { echo "soak: $(basename "$s") FAILED" >&2; status=1; }
done
exit $status
