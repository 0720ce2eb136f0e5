# Narration for the scenario scripts (scripts/demo.sh, failover.sh,
# pacemaker.sh), sourced by them: each step says what it shows and checks
# that it did; FAILED counts the checks that did not. $OUT and $STATUS are
# the last command's output and exit status.
if [ -t 1 ]; then B=$'\033[1m' G=$'\033[32m' R=$'\033[31m' N=$'\033[0m'; else B= G= R= N=; fi
FAILED=0
heading() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
# on NODE CMD...: run CMD on NODE (scripts/node.sh), show it and its output
# (indented), keep the output in $OUT and the status in $STATUS.
on() {
    local node=$1; shift
    printf '   %s# %s\n' "$node" "$*"
    OUT=$(node_exec "$node" "$@" 2>&1)
    STATUS=$?
    [ -n "$OUT" ] && printf '%s\n' "$OUT" | sed 's/^/     /'
    return $STATUS
}
ok() { printf '   %sok%s: %s\n' "$G" "$N" "$*"; }
bad() { printf '   %sFAILED%s: %s\n' "$R" "$N" "$*"; FAILED=$((FAILED + 1)); }
# expect PATTERN [WHY]: the last command's output matches (grep -E); read
# from a here-string, as a pipe would let grep -q's early exit fail the
# writer under pipefail. reject PATTERN [WHY]: it does not.
expect() { if grep -Eq -- "$1" <<< "$OUT"; then ok "${2:-shows /$1/}"; else bad "${2:-} (expected /$1/)"; fi; }
reject() { if grep -Eq -- "$1" <<< "$OUT"; then bad "${2:-} (found /$1/)"; else ok "${2:-does not show /$1/}"; fi; }
# succeeded WHY: the last command exited 0.
succeeded() { if [ "$STATUS" = 0 ]; then ok "$1"; else bad "$1 (exit status $STATUS)"; fi; }
# check WHY CMD...: CMD must succeed.
check() { local why=$1; shift; if "$@"; then ok "$why"; else bad "$why"; fi; }
# same WHY EXPECTED ACTUAL: two strings are equal.
same() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1 (expected '$2', got '$3')"; fi; }
# key NAME VALUE: a result as a NAME=value line for the tests (when KEYS is
# set), on descriptor KEYFD (default 1).
key() { [ -n "${KEYS:-}" ] && printf '%s=%s\n' "$1" "$2" >&"${KEYFD:-1}"; return 0; }
# value KEY: from the last command's output, the value of a KEY=value line.
value() { sed -n "s/^$1=//p" <<< "$OUT" | head -1; }

# in_lab NAME SECONDS SCRIPT ARGS...: from the host, as root, run `bash
# SCRIPT ARGS...` (the scenario's inside) in new private mount, network,
# pid, uts and ipc namespaces, at most SECONDS, with $PCUE and a scratch
# directory $T (/tmp/pcue-NAME.XXXXXX) exported; then, seen from the host
# once the namespaces are gone, no loop device may still hold a file of
# $T. Returns the scenario's status, or 1 for a loop device left behind.
in_lab() {
    local name=$1 secs=$2 rc left
    shift 2
    [ "$(id -u)" = 0 ] || { echo "$name: needs root (it builds private namespaces)" >&2; return 1; }
    T=$(mktemp -d "/tmp/pcue-$name.XXXXXX")
    chmod 755 "$T"
    # cgroups are the node's: the packages' go under a prefix of this run's
    # own (src/cgroup), removed below once the namespaces are gone
    PCUE_CGROUP_PREFIX=${PCUE_CGROUP_PREFIX:-pcue-$name-${T##*.}}
    export PCUE T PCUE_CGROUP_PREFIX
    timeout --kill-after=5 "$secs" unshare --mount --propagation private --net --pid --uts --ipc --fork --mount-proc \
        bash "$@"
    rc=$?
    left=$(losetup -a | grep -F "$T/")
    if [ -n "$left" ]; then
        echo "$name: a loop device still holds a file of $T:" >&2
        printf '%s\n' "$left" >&2
        rc=1
    fi
    rmdir "$T" 2>/dev/null
    cg_remove "$PCUE_CGROUP_PREFIX"
    return $rc
}

# cg_remove PREFIX: remove the (empty) cgroups under PREFIX in every
# hierarchy, then PREFIX itself (a process just killed may hold one for a
# moment: at most 2 s).
cg_remove() {
    local i d
    for i in $(seq 100); do
        for d in /sys/fs/cgroup/*/"$1"/*/*/ /sys/fs/cgroup/*/"$1"/*/; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
        for d in /sys/fs/cgroup/*/"$1"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
        compgen -G "/sys/fs/cgroup/*/$1" >/dev/null || return 0
        sleep 0.02
    done
    return 1
}
