# Helpers for the soak scripts (sourced).

# soak_sandbox "$0" "$@" (from a soak script, after sourcing this file): the
# first call runs the script again inside private mount, network, pid, uts
# and ipc namespaces (bounded to 30 minutes); inside, it gets a tmpfs
# scratch directory $T, removed on exit, and the tests' shell helpers
# (tests/lib.sh). Nothing of the host's mounts, /etc or network is touched.
soak_sandbox() {
    if [ -z "${PCUE_SOAK_NS:-}" ]; then
        exec unshare --mount --propagation private --net --pid --fork --mount-proc --uts --ipc \
            env PCUE_SOAK_NS=1 timeout --kill-after=10 1800 bash "$@"
    fi
    T=$(mktemp -d /tmp/pcue-soak-XXXXXX); export T
    mount -t tmpfs -o mode=755 soak "$T"
    # the daemons a soak started go first, then the scratch mounts (all of
    # it dies with the pid namespace anyway); the script's status stands
    trap 'kill $(jobs -p) 2>/dev/null; umount -R -l "$T" 2>/dev/null; rmdir "$T" 2>/dev/null; true' EXIT
    . "$(dirname "$SOAK_LIB")/../../tests/lib.sh"
}

# figure WHAT VALUE: one result line.
figure() { printf 'SOAK %s: %s\n' "$1" "$2"; }
