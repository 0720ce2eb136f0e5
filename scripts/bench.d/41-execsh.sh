#!/bin/bash
# execsh: `execsh pkg01 /bin/true` (non-interactive, setuid-root copy, run
# by an unprivileged user) into pkg01 started as a world of its own
# (pkginit -p: execsh joins its namespaces, forks, drops the bounding set)
# against `chroot /pkg01 /bin/true` run by root.
# Also against `chroot --userspec` (root entering and dropping to the user,
# what execsh does minus the checks). All go through setpriv, so they pay the same launcher,
# and the runs are interleaved (ours, chroot, chroot --userspec, in turn),
# so that load from others falls on all alike. Private mount, network and
# pid namespaces; /etc is an overlay there.
set -euo pipefail
: "${PCUE:?}" "${BENCH_LIB:?}"
N=${EXECSH_BENCH_N:-200}
. "$BENCH_LIB"
bench_sandbox "$0" "$@"
private_etc
setuid_registry
setuid_copy
private_run
reg_cntl pkg01 127.0.0.2
pkgroot pkg01
chmod 755 "$T"
iso_start pkg01
as_user "$T/bin/execsh" pkg01 /bin/true </dev/null || { echo "41-execsh: execsh failed" >&2; exit 1; }
ours() { as_user "$T/bin/execsh" pkg01 /bin/true </dev/null; }
peer() { setpriv --reuid=0 --regid=0 --clear-groups -- chroot "$T/pkg01" /bin/true; }
spec() { setpriv --reuid=0 --regid=0 --clear-groups -- chroot --userspec=4242:4242 "$T/pkg01" /bin/true; }
# interleaved: each round runs the three in turn
read -r o p s <<< "$(inter_ms "$N" ours peer spec)"
report "execsh pkg01 /bin/true (median of $N, interleaved)" "$o" "chroot-as-root" "$p" ms
report "execsh pkg01 /bin/true (median of $N, interleaved)" "$o" "chroot-userspec-as-root" "$s" ms
"$T/bin/telinit" -p pkg01 -w 10 0 >/dev/null
