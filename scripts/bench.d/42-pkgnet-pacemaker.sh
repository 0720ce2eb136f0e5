#!/bin/bash
# pkgnet on a Pacemaker node: connections per second through a real inetd
# when the registry is the cluster's CIB file (answered by the registry
# keeper that pkgnet's first connection started, as on a node: one request
# on a local socket per connection, no stat of the sources, no parse, no
# process spawned), against inetd running the service directly. The CIB is the offline fixture made by cibadmin and
# crm_simulate (src/registry/testdata), pkg01's address moved to 127.0.0.2.
#   ours  inetd -> pkgnet (CIB registry) -> join pkg01 (pkginit -p) -> cat
#   ours  inetd (a wait service) -> one pkgnet -a accepting every
#         connection (CIB registry) -> join pkg01 -> cat
#   peer  inetd -> cat directly (system context)
set -euo pipefail
: "${PCUE:?}" "${BENCH_LIB:?}"
N=${PKGNET_BENCH_N:-200}
command -v inetd >/dev/null || { echo "42-pkgnet-pacemaker: needs inetd (make deps)" >&2; exit 1; }
. "$BENCH_LIB"
bench_sandbox "$0" "$@"
mount -t tmpfs -o mode=755 bench-run /run
net_up 127.0.0.2
REPO=$(cd "$(dirname "$BENCH_LIB")/../.." && pwd)
sed -e 's/10\.77\.0\.100/127.0.0.2/' -e "s|/srv/pkg02|$T/pkg02|" \
    "$REPO/src/registry/testdata/cib-with-status.xml" > "$T/cib.xml"
export PCUE_CIB="$T/cib.xml" PCUE_SGCONF="$T/no-sg" PCUE_ROOT_PREFIX="$T" PCUE_CMVIEWCL=0
export PCUE_INDEX=/run/pcue-registry.idx
pkgroot pkg01
mkdir -p "$T/bin"; cp "$PCUE" "$T/bin/pcue"; "$T/bin/pcue" --install "$T/bin" >/dev/null
iso_start pkg01
cat > "$T/inetd.conf" <<CONF
7411 stream tcp nowait.100000 root $T/bin/pkgnet pkgnet /bin/cat /etc/motd
7412 stream tcp nowait.100000 root /bin/cat cat /etc/motd
7413 stream tcp wait root $T/bin/pkgnet pkgnet -a /bin/cat /etc/motd
CONF
inetd -d "$T/inetd.conf" >/dev/null 2>&1 &
ask() { socat -T 5 - "TCP:127.0.0.2:$1,bind=127.0.0.1" </dev/null; }
for i in $(seq 100); do ask 7412 >/dev/null 2>&1 && break; sleep 0.05; done
[ "$(ask 7411)" = pkg01 ] || { echo "42-pkgnet-pacemaker: pkgnet did not answer pkg01 from the CIB" >&2; exit 1; }
[ "$(ask 7413)" = pkg01 ] || { echo "42-pkgnet-pacemaker: pkgnet -a did not answer pkg01 from the CIB" >&2; exit 1; }
sleep 0.2; ask 7411 >/dev/null
for i in $(seq 50); do [ -f /run/pcue-registry.idx ] && break; sleep 0.1; done
[ -f /run/pcue-registry.idx ] || { echo "42-pkgnet-pacemaker: no registry index written" >&2; exit 1; }
keeper=$(pgrep -x pcue-keeper) || { echo "42-pkgnet-pacemaker: no registry keeper" >&2; exit 1; }
# Interleaved rounds (the machine is shared: load comes and goes), the
# connections of each side summed over the rounds.
ROUNDS=10
per=$(( (N + ROUNDS - 1) / ROUNDS ))
ns_ours=0 ns_direct=0 ns_accepting=0
timed() { # timed PORT: nanoseconds for $per sequential connections
    local t0 t1 i
    t0=$(date +%s%N)
    for ((i = 0; i < per; i++)); do ask "$1" >/dev/null; done
    t1=$(date +%s%N)
    echo $((t1 - t0))
}
for ((r = 0; r < ROUNDS; r++)); do
    ns_ours=$((ns_ours + $(timed 7411)))
    ns_direct=$((ns_direct + $(timed 7412)))
    ns_accepting=$((ns_accepting + $(timed 7413)))
done
rate() { awk -v n=$((per * ROUNDS)) -v ns="$1" 'BEGIN { printf "%.1f", n / (ns / 1e9) }'; }
report "pkgnet connections/s on a Pacemaker node ($((per * ROUNDS)) in $ROUNDS interleaved rounds, CIB $(wc -c < "$T/cib.xml") bytes, into pkg01)" \
    "$(rate $ns_ours)" "inetd-direct" "$(rate $ns_direct)" conn/s
report "pkgnet -a connections/s on a Pacemaker node ($((per * ROUNDS)) in $ROUNDS interleaved rounds, into pkg01)" \
    "$(rate $ns_accepting)" "inetd-direct" "$(rate $ns_direct)" conn/s
"$T/bin/telinit" -p pkg01 -w 10 0 >/dev/null
# the same keeper answered throughout (it, inetd and pkgnet -a go with the
# sandbox: bench_leave)
[ "$(pgrep -x pcue-keeper)" = "$keeper" ] || { echo "42-pkgnet-pacemaker: the keeper changed" >&2; exit 1; }
