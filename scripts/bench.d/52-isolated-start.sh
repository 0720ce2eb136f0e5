#!/bin/bash
# A package's start until its pkginit answers `telinit -s`, started as a
# world of its own (`pkginit -p pkg01`: pid, mount, IPC and UTS namespaces,
# pivot_root, its own /proc, the bounding set; then `telinit -p pkg01 -s`)
# against the plain-chroot mode (`chroot ROOT pkginit`; then `chroot ROOT
# telinit -s`), side by side; each start is stopped again (untimed). The
# same mkpcue root, in private mount, network and pid namespaces.
set -euo pipefail
: "${PCUE:?}" "${BENCH_LIB:?}"
N=${START_BENCH_N:-30}
. "$BENCH_LIB"
bench_sandbox "$0" "$@"
private_etc
setuid_registry
setuid_copy
private_run
reg_cntl pkg01 127.0.0.2
mkpcue_root pkg01
chmod 755 "$T"
printf 'id:3:initdefault:\nsl:3:respawn:+/bin/sleep 100000\n' > "$T/pkg01/etc/inittab"
B=$T/bin
iso() { "$B/pkginit" -p pkg01 && "$B/telinit" -p pkg01 -s >/dev/null; }
plain() { chroot "$T/pkg01" /corp/bin/pkginit && chroot "$T/pkg01" /corp/bin/telinit -s >/dev/null; }
one() { # one KIND: ms of one start until status, then stop (untimed)
    local t0 t1
    t0=$EPOCHREALTIME; "$1" || { echo "52-isolated-start: $1 start failed" >&2; exit 1; }; t1=$EPOCHREALTIME
    if [ "$1" = iso ]; then "$B/telinit" -p pkg01 -w 10 0 >/dev/null; else chroot "$T/pkg01" /corp/bin/telinit -w 10 0 >/dev/null; fi
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
}
ia=(); pa=()
for ((i = 0; i < N; i++)); do ia+=("$(one iso)"); pa+=("$(one plain)"); done
ours=$(printf '%s\n' "${ia[@]}" | median); peer=$(printf '%s\n' "${pa[@]}" | median)
report "start until telinit -s answers, isolated (median of $N)" "$ours" "plain-chroot-pkginit" "$peer" ms
