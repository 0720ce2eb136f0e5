# Helpers for the soak scripts (sourced).

# soak_sandbox "$0" "$@" (from a soak script, after sourcing this file): the
# first call runs the script again inside private mount, network, pid, uts
# and ipc namespaces (bounded to 30 minutes), with a cgroup prefix of its
# own (PCUE_CGROUP_PREFIX: cgroups are the node's, not the namespace's),
# removed once the namespaces are gone (one left fails the soak); then exits
# with the script's status.
# Inside, it gets a tmpfs scratch directory $T, removed on exit, a private
# /run (the node's /run/pkginit/PKG.pid, cgroup records and registry index)
# and the tests' shell helpers (tests/lib.sh). Nothing of the host's mounts,
# /etc, /run, network or cgroups is touched.
soak_sandbox() {
    if [ -z "${PCUE_SOAK_NS:-}" ]; then
        local rc=0
        export PCUE_CGROUP_PREFIX="pcue-soak-$$-$RANDOM"
        unshare --mount --propagation private --net --pid --fork --mount-proc --uts --ipc \
            env PCUE_SOAK_NS=1 timeout --kill-after=10 1800 bash "$@" || rc=$?
        soak_cgroups_remove "$PCUE_CGROUP_PREFIX" || rc=1
        exit $rc
    fi
    T=$(mktemp -d /tmp/pcue-soak-XXXXXX); export T
    mount -t tmpfs -o mode=755 soak "$T"
    mount -t tmpfs -o mode=755 soak-run /run
    # the daemons a soak started go first, then the scratch mounts (all of
    # it dies with the pid namespace anyway); the script's status stands
    trap 'kill $(jobs -p) 2>/dev/null; umount -R -l "$T" 2>/dev/null; rmdir "$T" 2>/dev/null; true' EXIT
    . "$(dirname "$SOAK_LIB")/../../tests/lib.sh"
}

# soak_cgroups_remove PREFIX: remove the cgroups a soak's packages left
# under PREFIX in every hierarchy, the deepest first (their processes died
# with the pid namespace; a dying one may hold a cgroup for a moment:
# bounded retries). Says so and fails when one is left.
soak_cgroups_remove() {
    local p=$1 i d left
    [ -n "$p" ] || return 0
    for i in $(seq 100); do
        left=$(find /sys/fs/cgroup/*/"$p" /sys/fs/cgroup/"$p" -depth -type d 2>/dev/null || true)
        [ -n "$left" ] || return 0
        for d in $left; do rmdir "$d" 2>/dev/null || true; done
        sleep 0.05
    done
    echo "soak: cgroups left under prefix $p: $left" >&2
    return 1
}

# soak_start PKG: start PKG as the node does (pcue.sh start): its cgroup
# made under this soak's prefix by mkpcue --cgroup, which runs pkginit -p
# (pid 1 of the package's own namespaces, joined to the cgroup). Needs the
# applet links in $T/bin and the registry.
soak_start() {
    "$T/bin/mkpcue" --cgroup "$1" -- "$T/bin/pkginit" -p "$1" -l /var/log/pkginit.log ||
        die "start of $1 failed"
}

# soak_stop PKG: stop PKG as the node does (pcue.sh stop): telinit -p PKG 0
# returns once pkginit has exited; then its cgroup is removed.
soak_stop() {
    "$T/bin/telinit" -p "$1" -w 60 0 || die "stop of $1 failed"
    "$T/bin/mkpcue" --cgroup-remove "$1" >/dev/null || die "cgroup of $1 left busy"
}

# figure WHAT VALUE: one result line.
figure() { printf 'SOAK %s: %s\n' "$1" "$2"; }
