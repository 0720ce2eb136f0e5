# Shell helpers for the privileged tests. Sourced by tests/common::sandbox
# inside a private mount + network + pid namespace, where:
#   $PCUE  the static pcue binary under test
#   $T     a scratch directory, with a tmpfs mounted on it: everything the
#          test makes lives there and vanishes with the namespace.
# Nothing here touches the host's mounts, /etc or network.

set -euo pipefail

TUID=4242           # an unprivileged user with no host passwd entry
TGID=4242

# Bring lo up (every 127.x.y.z is then local) and add test addresses.
net_up() {
    ip link set lo up
    local a
    for a in "$@"; do
        case $a in
            *:*) ip -6 addr add "$a/128" dev lo nodad ;;
            *) ip addr add "$a/32" dev lo 2>/dev/null || true ;;
        esac
    done
}

# A private /etc: an overlay whose writes land in $T, so a test can write
# /etc/cmcluster.conf (what a setuid pcue reads) without touching the host.
private_etc() {
    mkdir -p "$T/etc.upper" "$T/etc.work"
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T/etc.upper,workdir=$T/etc.work" /etc
}

# A setuid-root copy of the binary at $T/bin/pcue, plus applet symlinks.
setuid_copy() {
    mkdir -p "$T/bin"
    cp "$PCUE" "$T/bin/pcue"
    chown root:root "$T/bin/pcue"
    chmod 4755 "$T/bin/pcue"
    chmod 755 "$T/bin" "$T"
    "$T/bin/pcue" --install "$T/bin" >/dev/null
}

# Run a command as the unprivileged test user, with no supplementary groups.
as_user() {
    setpriv --reuid="$TUID" --regid="$TGID" --clear-groups -- "$@"
}

# Registry entry: reg_cntl PKG ADDR... writes $SGCONF/PKG/PKG.cntl.
reg_cntl() {
    local pkg=$1; shift
    mkdir -p "$SGCONF/$pkg"
    local i=0 a
    {
        echo "# legacy control script for $pkg"
        for a in "$@"; do echo "IP[$i]=\"$a\""; i=$((i + 1)); done
    } > "$SGCONF/$pkg/$pkg.cntl"
}

# A minimal package root at $T/PKG until mkpcue builds real ones: a tmpfs
# mount point with /proc, the host's /usr read-only, the pcue binary and
# applet links in /corp/bin, and its own passwd/group with the test user.
mkroot() {
    local pkg=$1 r="$T/$1"
    mkdir -p "$r"
    mount -t tmpfs -o mode=755 "tmpfs-$pkg" "$r"
    mkdir -p "$r"/{proc,usr,etc,tmp,dev,corp/bin,home/user,run,var/log}
    chmod 1777 "$r/tmp"
    mount --bind /usr "$r/usr"
    mount -o remount,bind,ro "$r/usr"
    local l
    for l in bin sbin lib lib64; do [ -e "/usr/$l" ] && ln -s "usr/$l" "$r/$l"; done
    mount -t proc proc "$r/proc"
    for l in null zero tty urandom; do touch "$r/dev/$l"; mount --bind "/dev/$l" "$r/dev/$l"; done
    cp "$PCUE" "$r/corp/bin/pcue"
    "$r/corp/bin/pcue" --install "$r/corp/bin" >/dev/null
    printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:%s:%s:Package user:/home/user:/bin/sh\n' "$TUID" "$TGID" > "$r/etc/passwd"
    printf 'root:x:0:\ntty:x:5:\nuser:x:%s:\n' "$TGID" > "$r/etc/group"
    chown "$TUID:$TGID" "$r/home/user"
    echo "$pkg" > "$r/etc/motd"
}

# Fail the test with a message.
die() { echo "FAIL: $*" >&2; exit 1; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
    [ "$2" = "$3" ] || die "$1: expected '$2', got '$3'"
}

# pkginit
# pkgroot PKG: mkroot plus what pkginit needs: run/utmp, var/log/wtmp,
# var/run -> ../run, /run/initctl -> /tmp/initctl (for Debian's telinit),
# /bin/sh through the host's /usr, and an empty etc/inittab to fill in.
pkgroot() {
    local pkg=$1 r="$T/$1"
    mkroot "$pkg"
    mkdir -p "$r/var/log" "$r/run" "$r/etc/rc.d"
    ln -sfn ../run "$r/var/run"
    : > "$r/run/utmp"; : > "$r/var/log/wtmp"
    ln -sfn /tmp/initctl "$r/run/initctl"
    : > "$r/etc/inittab"
}

# in_pkg PKG CMD...: run CMD chrooted in the package root.
in_pkg() { local pkg=$1; shift; chroot "$T/$pkg" "$@"; }

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds (bounded).
wait_for() {
    local n=$(( $1 * 20 )) i; shift
    for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.05; done
    return 1
}

# pkginit_pid PKG: the pid in the package's pid file (empty if none).
pkginit_pid() { cat "$T/$1/run/pkginit.pid" 2>/dev/null || true; }

# wait_until SECONDS 'SHELL EXPRESSION': re-evaluate it every 50 ms until it
# holds (bounded); for conditions with $(...) that must be re-run.
wait_until() {
    local n=$(( $1 * 20 )) i
    for ((i = 0; i < n; i++)); do eval "$2" && return 0; sleep 0.05; done
    return 1
}
