#!/bin/bash
# pkgnet: connections per second through a real inetd (openbsd-inetd) to a
# trivial service (cat /etc/motd), all on loopback inside private mount,
# network and pid namespaces:
#   ours  inetd -> pkgnet -> join pkg01 (started as a world of its own by
#         pkginit -p: its namespaces, a fork, the bounding set) -> cat
#   ours  inetd (a wait service) -> one pkgnet -a accepting every
#         connection -> join pkg01 -> cat (no pkgnet executed per connection)
#   peer  inetd -> cat directly (system context)
#   peer  inetd -> the paper's Figure 3 wrapper: sh, getcpkg, chroot(1), cat
set -euo pipefail
: "${PCUE:?}" "${BENCH_LIB:?}"
N=${PKGNET_BENCH_N:-200}
command -v inetd >/dev/null || { echo "40-pkgnet: needs inetd (make deps)" >&2; exit 1; }
. "$BENCH_LIB"
bench_sandbox "$0" "$@"
mount -t tmpfs bench-run /run
net_up 127.0.0.2
export SGCONF="$T/sg" PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T" PCUE_CMVIEWCL=0
reg_cntl pkg01 127.0.0.2
pkgroot pkg01
mkdir -p "$T/bin"; cp "$PCUE" "$T/bin/pcue"; "$T/bin/pcue" --install "$T/bin" >/dev/null
iso_start pkg01
cat > "$T/fig3" <<SH
#!/bin/sh
Pkg=\$($T/bin/getcpkg -f)
if [ -n "\$Pkg" ]; then exec chroot $T/\$Pkg "\$@"; else exec "\$@"; fi
SH
chmod 755 "$T/fig3"
cat > "$T/inetd.conf" <<CONF
7401 stream tcp nowait.100000 root $T/bin/pkgnet pkgnet /bin/cat /etc/motd
7402 stream tcp nowait.100000 root /bin/cat cat /etc/motd
7403 stream tcp nowait.100000 root $T/fig3 fig3 /bin/cat /etc/motd
7404 stream tcp wait root $T/bin/pkgnet pkgnet -a /bin/cat /etc/motd
CONF
inetd -d "$T/inetd.conf" >/dev/null 2>&1 &
ask() { socat -T 5 - "TCP:127.0.0.2:$1,bind=127.0.0.1" </dev/null; }
for i in $(seq 100); do ask 7402 >/dev/null 2>&1 && break; sleep 0.05; done
[ "$(ask 7401)" = pkg01 ] || { echo "40-pkgnet: pkgnet did not answer pkg01" >&2; exit 1; }
[ "$(ask 7403)" = pkg01 ] || { echo "40-pkgnet: the Figure 3 wrapper did not answer pkg01" >&2; exit 1; }
[ "$(ask 7404)" = pkg01 ] || { echo "40-pkgnet: pkgnet -a did not answer pkg01" >&2; exit 1; }
# interleaved: R rounds, each timing N/R sequential connections to each
# port in turn (the order rotating), so that load from others falls on
# all alike; connections per second over each port's total time
R=10
declare -A ns=([7401]=0 [7402]=0 [7403]=0 [7404]=0)
ports=(7401 7402 7403 7404)
for ((r = 0; r < R; r++)); do
    for ((k = 0; k < 4; k++)); do
        p=${ports[$(((r + k) % 4))]}
        t0=$(date +%s%N)
        for ((i = 0; i < N / R; i++)); do ask "$p" >/dev/null; done
        t1=$(date +%s%N)
        ns[$p]=$((ns[$p] + t1 - t0))
    done
done
rate() { awk -v n=$((N / R * R)) -v ns="${ns[$1]}" 'BEGIN { printf "%.1f", n / (ns / 1e9) }'; }
ours=$(rate 7401); direct=$(rate 7402); fig3=$(rate 7403); accepting=$(rate 7404)
report "pkgnet connections/s ($N, into pkg01, interleaved)" "$ours" "inetd-direct" "$direct" conn/s
report "pkgnet -a connections/s ($N, into pkg01, interleaved)" "$accepting" "inetd-direct" "$direct" conn/s
report "pkgnet connections/s ($N, into pkg01, interleaved)" "$ours" "figure3-sh-getcpkg-chroot" "$fig3" conn/s
"$T/bin/telinit" -p pkg01 -w 10 0 >/dev/null || { echo "40-pkgnet: telinit -p pkg01 0 failed: $?" >&2; exit 1; }
