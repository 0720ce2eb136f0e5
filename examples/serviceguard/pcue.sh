#!/bin/bash
# pcue.sh — Serviceguard external script that starts and stops a package's
# PCUE (its chroot world and its own init, pkginit).
#
# Modular package: name it in the package configuration file,
#
#   external_script   /etc/cmcluster/pkg01/pcue.sh
#
# and Serviceguard calls it with start, stop or validate and the package name
# in SG_PACKAGE. It runs "start" after the package's filesystems are mounted
# and its IP addresses added, and before the package services start; "stop"
# after the services are halted, and before the addresses are removed and the
# filesystems unmounted.
#
# Legacy package: call it from the control script (pkg01.cntl), whose start
# also mounts the filesystems and adds the addresses before
# customer_defined_run_cmds, and whose halt runs customer_defined_halt_cmds
# before removing them:
#
#   function customer_defined_run_cmds
#   {
#       /etc/cmcluster/pkg01/pcue.sh start pkg01
#       test_return 51
#   }
#   function customer_defined_halt_cmds
#   {
#       /etc/cmcluster/pkg01/pcue.sh stop pkg01
#       test_return 52
#   }
#
# Order (README, "Start and stop order"):
#   start: package filesystem mounted at the root → IPs added → pcue.sh start
#          (mkpcue --mount, then pkginit, which brings up the inittab's
#          services) → Serviceguard services
#   stop:  Serviceguard services halted → pcue.sh stop (telinit 0 waits for
#          pkginit to stop every process of the package, then mkpcue
#          --umount) → IPs removed → filesystem unmounted
#
# Usage: pcue.sh start|stop|validate [PKG]   (PKG defaults to $SG_PACKAGE)
# Environment: PCUE_BIN (where pcue and its applets are, /corp/bin),
#   PCUE_STOP_TIMEOUT (seconds telinit 0 may take, 60).
# Exit status: 0 done, 1 failed (Serviceguard then fails the package start or
#   halt), 2 usage.
set -u
PCUE_BIN=${PCUE_BIN:-/corp/bin}
STOP_TIMEOUT=${PCUE_STOP_TIMEOUT:-60}

op=${1:-}
pkg=${2:-${SG_PACKAGE:-}}
say() { echo "pcue.sh: $pkg: $*"; }
usage() { echo "usage: pcue.sh start|stop|validate [PKG]" >&2; exit 2; }

case $op in start | stop | validate) ;; *) usage ;; esac
[ -n "$pkg" ] || usage
[ -x "$PCUE_BIN/pcue" ] || { say "no pcue binary at $PCUE_BIN/pcue"; exit 1; }

# The package root from the registry (the same Serviceguard files).
root=$("$PCUE_BIN/pkglogin" -l | awk -F '\t' -v p="$pkg" '$1 == p { print $2; exit }')
if [ -z "$root" ]; then
    say "not in the registry (pkglogin -l)"
    exit 1
fi

# in_pkg CMD...: run a pcue applet inside the package root.
in_pkg() { chroot "$root" "$@"; }
# pkginit_up: a pkginit is running in this package on this node.
pkginit_up() { in_pkg /corp/bin/pkginit --status >/dev/null 2>&1; }

case $op in
validate)
    # Run on every node when the configuration is checked, usually while the
    # package is down there: the mount point must exist; where the package
    # is up, its root must match the mkpcue layout.
    [ -d "$root" ] || { say "no mount point $root for the package filesystem"; exit 1; }
    if pkginit_up; then
        "$PCUE_BIN/mkpcue" --check "$pkg" || { say "the root differs from the layout"; exit 1; }
    fi
    say "valid"
    ;;
start)
    # The package filesystem is mounted at $root: put the PCUE mounts on it
    # (/usr, /proc, /dev, /corp/bin...), then start the package's own init,
    # which returns once it runs (its log: /var/log/pkginit.log in the root).
    mountpoint -q "$root" || { say "$root is not mounted: mount the package filesystem first"; exit 1; }
    "$PCUE_BIN/mkpcue" --mount "$pkg" || { say "mkpcue --mount failed"; exit 1; }
    in_pkg /corp/bin/pkginit -l /var/log/pkginit.log || { say "pkginit did not start"; exit 1; }
    say "started"
    ;;
stop)
    # telinit 0 runs the level-0 entries, stops every process of the package
    # and returns when pkginit has exited; only then may the mounts go.
    if pkginit_up; then
        in_pkg /corp/bin/telinit -w "$STOP_TIMEOUT" 0 || say "pkginit did not stop within $STOP_TIMEOUT s"
    else
        say "no pkginit running here"
    fi
    "$PCUE_BIN/mkpcue" --umount "$pkg" || { say "mkpcue --umount: mounts still busy"; exit 1; }
    say "stopped"
    ;;
esac
