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

# execsh/pkgnet (issue 4)

# A private /dev: a tmpfs with the few devices the tests use, a new devpts
# instance (the ptys a test makes are its own, mode 0600, no tty group) and
# /dev/log, a datagram socket whose lines land in $T/syslog.
private_dev() {
    mkdir -p "$T/hostdev"
    mount --rbind /dev "$T/hostdev"
    mount -t tmpfs -o mode=755 pcue-dev /dev
    local d
    for d in null zero full random urandom tty; do
        touch "/dev/$d"; mount --bind "$T/hostdev/$d" "/dev/$d"
    done
    mkdir /dev/pts
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0600 devpts /dev/pts
    ln -s pts/ptmx /dev/ptmx
    : > "$T/syslog"
    socat -u UNIX-RECV:/dev/log,mode=0666 OPEN:"$T/syslog",append </dev/null >/dev/null 2>&1 &
    for d in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
    [ -S /dev/log ] || die "no /dev/log"
}

# on_pty CMD...: run CMD on a new pseudo-terminal (python3's pty.spawn); the
# terminal's output comes out on stdout; exits with CMD's status.
PTY_PY='import os, pty, sys
st = pty.spawn(sys.argv[1:])
sys.exit(os.waitstatus_to_exitcode(st) & 255)'
on_pty() { /usr/bin/python3 -c "$PTY_PY" "$@"; }
user_pty() { as_user /usr/bin/python3 -c "$PTY_PY" "$@"; }

# Registry in /etc/cmcluster.conf (what a setuid pcue reads): SGCONF=$T/sg,
# roots under $T. Needs private_etc.
setuid_registry() {
    export SGCONF="$T/sg"
    mkdir -p "$SGCONF"
    printf 'SGCONF=%s\nPCUE_ROOT_PREFIX=%s\n' "$SGCONF" "$T" > /etc/cmcluster.conf
}

# pkgbdf
# bdf_world PKG: filesystems of distinct sizes in package PKG's root (made
# by mkroot): tmpfs of 7 MiB at /var and 13 MiB (1000 inodes) at /data,
# an ext4 image loop-mounted at /ext, each with files written so that
# used is not zero; a symlink /link -> /data/d.
bdf_world() {
    local pkg=$1 r="$T/$1" i
    mkdir -p "$r/var" "$r/data" "$r/ext"
    mount -t tmpfs -o size=7m "tmpfs-var-$pkg" "$r/var"
    mount -t tmpfs -o size=13m,nr_inodes=1000 "tmpfs-data-$pkg" "$r/data"
    head -c 1500000 /dev/zero > "$r/var/f"
    mkdir -p "$r/data/d"
    for i in $(seq 20); do echo "$i" > "$r/data/d/$i"; done
    head -c 3000000 /dev/urandom > "$r/data/big"
    truncate -s 24M "$T/$pkg.img"
    mkfs.ext4 -q -F "$T/$pkg.img"
    mount -o loop "$T/$pkg.img" "$r/ext"
    head -c 2000000 /dev/zero > "$r/ext/f"
    ln -s /data/d "$r/link"
    # mkroot binds /usr and the device files from the host's filesystems,
    # whose numbers move while others build and test: bind them from
    # filesystems the test owns instead (bdf_host), so that every number
    # pkgbdf and df print of the package stays put between their runs
    bdf_host
    umount "$r/usr"
    mount --bind "$T/hostfs/usr" "$r/usr"
    mount -o remount,bind,ro "$r/usr"
    for i in null zero tty urandom; do
        umount "$r/dev/$i"; mount --bind "$T/hostdev/$i" "$r/dev/$i"
    done
    chmod 755 "$T"
}

# bdf_host: filesystems the test owns that stand in for the host's (once):
# read-only overlays of the host's root filesystem at $T/hostfs and of its
# /dev at $T/hostdev, whose numbers are those of their upper layers' tmpfs
# (host-upper), which nothing writes to; and at $T/host the root of a
# machine made of them alone: /usr bound from $T/hostfs, /dev from
# $T/hostdev and pcue at /pcue (on_host runs a command there; a test binds
# there what else that machine is to hold).
bdf_host() {
    [ -d "$T/host/usr" ] && return 0
    local u="$T/host.upper" h="$T/host" l
    mkdir -p "$u" "$T/hostfs" "$T/hostdev" "$h"
    mount -t tmpfs -o size=1m,mode=755 host-upper "$u"
    mkdir -p "$u"/fs/{up,work} "$u"/dev/{up,work}
    mount -t overlay -o "ro,lowerdir=/,upperdir=$u/fs/up,workdir=$u/fs/work" hostfs "$T/hostfs"
    mount -t overlay -o "ro,lowerdir=/dev,upperdir=$u/dev/up,workdir=$u/dev/work" hostdev "$T/hostdev"
    mount -t tmpfs -o mode=755 host-root "$h"
    mkdir -p "$h"/{usr,dev,proc,tmp}
    mount --bind "$T/hostfs/usr" "$h/usr"
    mount -o remount,bind,ro "$h/usr"
    mount --bind "$T/hostdev" "$h/dev"
    for l in bin sbin lib lib64; do [ -e "/usr/$l" ] && ln -s "usr/$l" "$h/$l"; done
    cp "$PCUE" "$h/pcue"
}

# on_host CMD...: CMD in the system context of the machine at $T/host
# (bdf_host): a new pid namespace whose init has that root, so that
# /proc/1/root is the caller's root, and the mount table shows nothing but
# the filesystems the test made.
on_host() { unshare --mount --pid --fork --root="$T/host" --mount-proc "$@"; }

# bdf_rounds TAG PKGBDF-CMD DF-CMD: three rounds of pkgbdf, df, pkgbdf,
# each output after a "=== TAG.p1.N" / ".d.N" / ".p2.N" line (and a last
# "=== TAG.end"): pkgbdf must agree with the df run between its two runs,
# round after round.
bdf_rounds() {
    local i
    for i in 1 2 3; do
        echo "=== $1.p1.$i"; eval "$2" || true
        echo "=== $1.d.$i"; eval "$3" || true
        echo "=== $1.p2.$i"; eval "$2" || true
    done
    echo "=== $1.end"
}

# mkpcue
# A real package root at $T/PKG built by mkpcue from its built-in layout
# (the root bound onto itself, /usr and /etc read-only, /proc, /dev, the
# pcue binary at /corp/bin), plus the test user (uid/gid 4242, "user") in
# the package's own passwd and group, with a home. Prints nothing.
mkpcue_root() {
    local pkg=$1 r="$T/$1"
    PCUE_ROOT_PREFIX="$T" PCUE_SGCONF="${PCUE_SGCONF:-$T/sg}" PCUE_CMVIEWCL=0 \
        "$PCUE" mkpcue "$pkg" >/dev/null || die "mkpcue $pkg failed"
    grep -q '^user:' "$r/etc/passwd" ||
        echo "user:x:$TUID:$TGID:Package user:/home/user:/bin/sh" >> "$r/etc/passwd"
    grep -q '^user:' "$r/etc/group" || echo "user:x:$TGID:" >> "$r/etc/group"
    mkdir -p "$r/home/user"
    chown "$TUID:$TGID" "$r/home/user"
}

# pkgps
# pkgps_hide_cmdline FILE: write a python3 script that empties its own
# /proc/PID/cmdline (PR_SET_MM_MAP with arg_end = arg_start: no privilege
# needed), renames itself to $1 (prctl PR_SET_NAME) and sleeps $2 seconds.
# ps shows such a process like a kernel thread: [name].
pkgps_hide_cmdline() {
    cat > "$1" <<'PY'
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
names = "start_code end_code start_data end_data start_brk brk start_stack arg_start arg_end env_start env_end"
class Map(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in names.split()] + [
        ("auxv", ctypes.c_void_p), ("auxv_size", ctypes.c_uint32), ("exe_fd", ctypes.c_uint32)]
f = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
g = lambda n: int(f[n - 3])
libc.sbrk.restype = ctypes.c_void_p
m = Map(g(26), g(27), g(45), g(46), g(47), libc.sbrk(0), g(28), g(48), g(48), g(50), g(51), None, 0, 0xffffffff)
if libc.prctl(35, 14, ctypes.byref(m), ctypes.sizeof(m), 0) != 0:  # PR_SET_MM, PR_SET_MM_MAP
    sys.exit("prctl(PR_SET_MM_MAP) failed: errno %d" % ctypes.get_errno())
libc.prctl(15, sys.argv[1].encode(), 0, 0, 0)  # PR_SET_NAME
time.sleep(float(sys.argv[2]))
PY
}

# pkgps_wait_empty PID: wait (at most 5 s) until PID's cmdline is empty.
pkgps_wait_empty() {
    local i
    for i in $(seq 50); do
        [ -e "/proc/$1/cmdline" ] && [ ! -s "/proc/$1/cmdline" ] && return 0
        sleep 0.1
    done
    die "pid $1 did not empty its cmdline"
}

# pkgps_roots: for every pid ps -e shows, "PID ROOT" where ROOT is its root
# directory as root reads it (readlink /proc/PID/root), or "zombie:PPID".
pkgps_roots() {
    local p r
    for p in $(ps -e -o pid=); do
        if r=$(readlink "/proc/$p/root" 2>/dev/null); then
            echo "$p $r"
        else
            r=$(ps -o ppid= -p "$p" | tr -d ' ') || true
            if [ -n "$r" ]; then echo "$p zombie:$r"; fi
        fi
    done
}

# pkginit
# pkgroot PKG: mkroot plus what pkginit needs: run/utmp, var/log/wtmp,
# var/run -> ../run (pkginit makes its FIFO /run/initctl),
# /bin/sh through the host's /usr, and an empty etc/inittab to fill in.
pkgroot() {
    local pkg=$1 r="$T/$1"
    mkroot "$pkg"
    mkdir -p "$r/var/log" "$r/run" "$r/etc/rc.d"
    ln -sfn ../run "$r/var/run"
    : > "$r/run/utmp"; : > "$r/var/log/wtmp"
    : > "$r/etc/inittab"
}

# in_pkg PKG CMD...: run CMD chrooted in the package root.
in_pkg() { local pkg=$1; shift; chroot "$T/$pkg" "$@"; }

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds (bounded).
# Expired: says so on stderr and returns 1 (under set -e, the test fails
# with that message; `wait_for ... || die WHY` says more).
wait_for() {
    local n=$(( $1 * 20 )) s=$1 i; shift
    for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.05; done
    echo "wait_for: gave up after $s s: $*" >&2
    return 1
}

# pkginit_pid PKG: the node pid of PKG's pkginit: the node's pid file of a
# package started with pkginit -p (its own pid file says 1), else the pid
# in the package's pid file (plain-chroot mode); empty if none.
pkginit_pid() { cat "/run/pkginit/$1.pid" 2>/dev/null || cat "$T/$1/run/pkginit.pid" 2>/dev/null || true; }

# wait_log SECONDS N PATTERN: wait until $T/syslog (private_dev's relay)
# holds at least N lines matching PATTERN; the relay writes asynchronously.
wait_log() {
    local wl_n=$2 wl_pat=$3
    wait_until "$1" '[ "$(grep -a -c -e "$wl_pat" "$T/syslog")" -ge "$wl_n" ]' 2>/dev/null && return 0
    echo "wait_log: gave up after $1 s: fewer than $wl_n line(s) of $T/syslog match '$wl_pat'" >&2
    return 1
}

# wait_until SECONDS 'SHELL EXPRESSION': re-evaluate it every 50 ms until it
# holds (bounded); for conditions with $(...) that must be re-run.
# Expired: says so on stderr and returns 1, as wait_for.
wait_until() {
    local n=$(( $1 * 20 )) i
    for ((i = 0; i < n; i++)); do eval "$2" && return 0; sleep 0.05; done
    echo "wait_until: gave up after $1 s: $2" >&2
    return 1
}

# cups (printing and at jobs in a package)
REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# cups_pkg PKG: in the root at $T/PKG (a directory or a mounted package
# filesystem), build the package with mkpcue's default layout (which has the
# CUPS and atd entries when the host has cupsd and atd), then add what a
# package admin adds: the test user (passwd, group, shadow, home), an
# inittab running cupsd and atd, and the test backend "tofile" in the
# package's ServerBin: tofile:/PATH appends each job, after a "job=N
# user=U title=T" line, to PATH in the package (/var/spool/out belongs to
# lp, as whom cupsd runs backends). Needs private_etc, setuid_registry and
# setuid_copy, and PKG registered (reg_cntl). Prints nothing.
cups_pkg() {
    local pkg=$1 r="$T/$1"
    mkdir -p "$r"
    PCUE_CMVIEWCL=0 "$T/bin/mkpcue" "$pkg" >/dev/null || die "mkpcue $pkg failed"
    echo "user:x:$TUID:$TGID:Package user:/home/user:/bin/sh" >> "$r/etc/passwd"
    echo "user:x:$TGID:" >> "$r/etc/group"
    echo 'user:*:19000:0:99999:7:::' >> "$r/etc/shadow"
    mkdir -p "$r/home/user" "$r/var/spool/out"
    chown "$TUID:$TGID" "$r/home/user"
    chown lp:lp "$r/var/spool/out"
    printf 'id:3:initdefault:\ncups:34:respawn:/usr/sbin/cupsd -f\natd:34:respawn:/usr/sbin/atd -f\n' > "$r/etc/inittab"
    cat > "$r/opt/cups/backend/tofile" <<'BACKEND'
#!/bin/sh
# tofile:/PATH appends each job to PATH (a CUPS backend of the tests)
if [ $# -eq 0 ]; then echo 'direct tofile "Unknown" "Test file"'; exit 0; fi
{
    echo "job=$1 user=$2 title=$3"
    if [ -n "$6" ]; then cat -- "$6"; else cat; fi
} >> "${DEVICE_URI#tofile:}" || exit 1
BACKEND
    chmod 755 "$r/opt/cups/backend/tofile"
}

# on_node NODE CMD...: CMD on simulated node NODE (sim_node), or here when NODE
# is "-".
on_node() { local n=$1; shift; if [ "$n" = - ]; then "$@"; else node_do "$n" "$@"; fi; }

# cups_start NODE PKG: what the cluster script does at package start on NODE
# (pcue.sh start: mkpcue --mount, pkginit), then wait until the package's
# cupsd answers on its socket (at most 10 s; dies if it does not).
cups_start() {
    on_node "$1" env PCUE_BIN="$T/bin" "$REPO/examples/serviceguard/pcue.sh" start "$2" >/dev/null ||
        die "pcue.sh start $2 on $1"
    wait_until 10 "on_node $1 chroot '$T/$2' lpstat -r 2>/dev/null | grep -q 'is running'" ||
        die "$2: cupsd did not come up on $1: $(on_node "$1" cat "$T/$2/var/log/cups/error_log" "$T/$2/var/log/pkginit.log" 2>&1)"
}

# cups_stop NODE PKG: pcue.sh stop on NODE (telinit 0, mkpcue --umount).
cups_stop() {
    on_node "$1" env PCUE_BIN="$T/bin" "$REPO/examples/serviceguard/pcue.sh" stop "$2" >/dev/null ||
        die "pcue.sh stop $2 on $1"
}

# printed NODE PKG QUEUE: the jobs the test backend wrote for QUEUE in PKG,
# one "job=N user=U title=T" line each.
printed() { on_node "$1" cat "$T/$2/var/spool/out/$3" 2>/dev/null | grep -a '^job=' || true; }

# sim_node NAME: a simulated node sharing the sandbox's network (the package
# addresses are on lo) with mount, pid and uts namespaces and a /run of its
# own; NODE[NAME] is its pid 1 as seen from here. node_do NAME CMD... runs
# CMD there; node_crash NAME kills every process of the node at once (its
# mounts go with it).
declare -A NODE
sim_node() {
    local fifo="$T/.node.$1" line= i pid=
    mkfifo "$fifo"
    unshare --mount --propagation private --uts --pid --fork --mount-proc \
        bash -c 'hostname "$1"; mount -t tmpfs -o mode=755 "run-$1" /run; echo up > "$2"; while :; do sleep 3600 & wait $!; done' \
        node "$1" "$fifo" </dev/null >/dev/null 2>&1 &
    local launcher=$!
    read -r -t 10 line <> "$fifo" || true
    rm -f "$fifo"
    [ "$line" = up ] || die "node $1 did not come up"
    for i in $(seq 50); do pid=$(pgrep -P "$launcher") && break; sleep 0.05; done
    [ -n "$pid" ] || die "node $1: no pid 1"
    NODE[$1]=$pid
}
node_do() { local n=$1; shift; nsenter -t "${NODE[$n]}" --mount --uts --pid --root --wd -- "$@"; }
node_crash() {
    local pid=${NODE[$1]} i
    kill -9 "$pid"
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
    die "node $1 did not die"
}

# isolation (issue 18)
# private_run: a tmpfs on /run (the node's /run/pkginit/PKG.pid, where
# pkginit -p keeps the node pid of each package's pkginit).
private_run() { mount -t tmpfs -o mode=755 pcue-run /run; }

# iso_start PKG [ROOT]: start PKG (its root ROOT, $T/PKG by default) as
# the node does (pkginit -p, pid 1 of the package's own namespaces); an
# inittab with a respawned sleep when the package has none. Needs the
# applet links in $T/bin, the registry and private_run.
iso_start() {
    local r=${2:-$T/$1}
    grep -q '^[^#]' "$r/etc/inittab" 2>/dev/null || printf 'id:3:initdefault:\nsl:3:respawn:+/bin/sleep 100000\n' > "$r/etc/inittab"
    "$T/bin/pkginit" -p "$1" -l /var/log/pkginit.log || die "pkginit -p $1 failed"
}

# alive PID: PID exists and is not a zombie (the sandbox's pid 1 does
# not reap a started pkginit that exited).
alive() { [ -e "/proc/$1" ] && ! grep -q '^[^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

# iso_pid PKG: the node pid of PKG's pkginit.
iso_pid() { cat "/run/pkginit/$1.pid"; }

# in_pidns PID: the node pids of every live process (no zombie) in the pid
# namespace of PID.
in_pidns() {
    local ns p
    ns=$(readlink "/proc/$1/ns/pid") || return 0
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && alive "${p#/proc/}" && echo "${p#/proc/}"
    done
    return 0
}
