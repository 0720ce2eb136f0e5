#!/bin/bash
# pcue — Serviceguard external script (modular packages) that starts and
# stops a package's PCUE. Serviceguard runs it after it has mounted the
# package filesystems and added the package IP addresses (start), and before
# it removes them (stop):
#
#   external_script   $SGCONF/scripts/ext/pcue.sh
#
# Legacy packages call the same functions from customer_defined_run_cmds and
# customer_defined_halt_cmds in the control script:
#
#   function customer_defined_run_cmds  { /etc/cmcluster/scripts/ext/pcue.sh start pkg01; test_return 51; }
#   function customer_defined_halt_cmds { /etc/cmcluster/scripts/ext/pcue.sh stop pkg01;  test_return 52; }
#
# Order (README, "Start and stop order"):
#   start: filesystems mounted → IPs added → pcue.sh start (mkpcue --mount,
#          pkginit) → services
#   stop:  pcue.sh stop (telinit 0 waits for pkginit, mkpcue --umount) →
#          IPs removed → filesystems unmounted
#
# Usage: pcue.sh start|stop|validate [PKG]   (PKG defaults to $SG_PACKAGE)
set -u
PCUE_BIN=${PCUE_BIN:-/corp/bin}
STOP_TIMEOUT=${PCUE_STOP_TIMEOUT:-60}

op=${1:-}
pkg=${2:-${SG_PACKAGE:-}}
say() { echo "pcue.sh: $pkg: $*"; }

if [ -z "$op" ] || [ -z "$pkg" ]; then
    echo "usage: pcue.sh start|stop|validate [PKG]" >&2
    exit 2
fi

root=$("$PCUE_BIN/pkglogin" -l | awk -F '\t' -v p="$pkg" '$1 == p { print $2 }')
if [ -z "$root" ]; then
    say "not in the registry"
    exit 1
fi

case $op in
validate)
    [ -d "$root" ] || { say "no package root $root"; exit 1; }
    "$PCUE_BIN/mkpcue" --check "$pkg"
    ;;
start)
    # The package filesystem is mounted at $root: put the PCUE mounts on it
    # (proc, dev, usr, /corp/bin...), then the package's own init.
    "$PCUE_BIN/mkpcue" --mount "$pkg" || { say "mkpcue --mount failed"; exit 1; }
    chroot "$root" /corp/bin/pkginit || { say "pkginit did not start"; exit 1; }
    say "started"
    ;;
stop)
    # telinit 0 runs the level-0 entries, stops every process of the package
    # and waits until pkginit has gone; only then may the mounts go.
    if [ -p "$root/tmp/initctl" ]; then
        chroot "$root" /corp/bin/telinit -w "$STOP_TIMEOUT" 0 || say "pkginit did not stop cleanly"
    fi
    "$PCUE_BIN/mkpcue" --umount "$pkg" || { say "mkpcue --umount: mounts still busy"; exit 1; }
    say "stopped"
    ;;
*)
    echo "usage: pcue.sh start|stop|validate [PKG]" >&2
    exit 2
    ;;
esac
