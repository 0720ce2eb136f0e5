#!/bin/bash
# Install what the tests, the demo and the benchmarks need on a fresh Debian
# machine. Daemons must not start on the host while their packages install,
# so a policy-rc.d that refuses every start is in place for the install only.
#
# Usage: scripts/deps.sh [GROUP]: what one make target needs, so that the
# first command a new user runs installs little (make demo: a dozen small
# packages at most). GROUP is one of
#   demo       make demo: the node with two packages (inetd, cron, socat, ssh)
#   failover   make failover: the demo's and e2fsprogs
#   pacemaker  make failover ENGINE=pacemaker: also Corosync and Pacemaker
#   test       make test: everything listed here but hyperfine, and Debian's
#              sysvinit telinit and xinetd, extracted under target/
#   soak       make soak: as test
#   bench      make bench, and all (the default, make deps): everything
# DEPS_DRY_RUN=1: print the missing packages the group needs, one a line,
# and install nothing.
set -euo pipefail
group=${1:-all}
DEMO="openbsd-inetd cron socat util-linux bsdutils procps iproute2 coreutils
      openssh-server openssh-client passwd libpam-modules"
FAILOVER="$DEMO e2fsprogs"
PACEMAKER="$FAILOVER corosync pacemaker pacemaker-cli-utils resource-agents psmisc kmod"
case $group in
    demo) only=$DEMO ;;
    failover) only=$FAILOVER ;;
    pacemaker) only=$PACEMAKER ;;
    test | soak | bench | all) only= ;;
    *) echo "deps: unknown group '$group' (demo, failover, pacemaker, test, soak, bench, all)" >&2; exit 2 ;;
esac
# for_group PACKAGE: the group needs it (hyperfine only bench's and all's)
for_group() {
    case $1 in hyperfine) [ "$group" = bench ] || [ "$group" = all ]; return ;; esac
    [ -z "$only" ] && return 0
    case " $(echo $only) " in *" $1 "*) return 0 ;; esac
    return 1
}
need=()
want() { for_group "$2" || return 0; command -v "$1" >/dev/null 2>&1 || need+=("$2"); }
want inetd openbsd-inetd
want cron cron
want socat socat
want unshare util-linux
want setpriv util-linux
want utmpdump util-linux
want last util-linux
want script bsdutils
want ps procps
want ip iproute2
want file file
want lsof lsof
want strace strace
want hyperfine hyperfine
want mkfs.ext4 e2fsprogs
want busybox busybox-static
want python3 python3
want findmnt util-linux
want mountpoint util-linux
want chroot coreutils
# a package's own print spooler and at daemon (tests/cups.rs)
want cupsd cups-daemon
want lp cups-client
want lpstat cups-client
want lpadmin cups-client
want cupsenable cups-client
want atd at
want at at
# logging in to a package as a person would (issue 12): real daemons and clients
want sshd openssh-server
want ssh openssh-client
want ssh-keygen openssh-client
want telnetd inetutils-telnetd
want telnet inetutils-telnet
want expect expect
want login login
want useradd passwd
want chpasswd passwd
want systemd-socket-activate systemd
want groff groff-base
want man man-db
# the README followed as written (tests/login.rs, tests/cups.rs,
# tests/pacemaker.rs): su, CUPS's socket backend (Debian's cups package;
# cups-daemon has none), crmsh and pcs (pcsd is kept from starting)
want su util-linux
want /usr/lib/cups/backend/socket cups
want crm crmsh
want pcs pcs
# the syslog relay delivered to a real rsyslog (tests/syslog.rs); journald
# comes with systemd
want rsyslogd rsyslog
[ -e /usr/lib/x86_64-linux-gnu/security/pam_unix.so ] || [ -e /lib/x86_64-linux-gnu/security/pam_unix.so ] ||
    need+=(libpam-modules)
# Pacemaker: a real two-node Corosync+Pacemaker cluster in namespaces
# (tests/pacemaker.rs, make failover ENGINE=pacemaker), the OCF tools that
# check the pcue agent, and the offline CIB tools the registry tests use.
want corosync corosync
want pacemakerd pacemaker
want crm_mon pacemaker-cli-utils
want crm_simulate pacemaker-cli-utils
want ocf-tester resource-agents
want xmllint libxml2-utils
want fuser psmisc
want modprobe kmod
if [ -n "${DEPS_DRY_RUN:-}" ]; then
    [ ${#need[@]} -eq 0 ] || printf '%s\n' "${need[@]}"
    exit 0
fi
if [ ${#need[@]} -gt 0 ]; then
    mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
    echo "deps: installing ${need[*]}" >&2
    made_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    trap '[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || true
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >&2
fi
case $group in test | soak | bench | all) ;; *) exit 0 ;; esac
# Debian's sysvinit telinit, extracted (not installed) for the pkginit tests.
sysv=target/sysvinit
if [ ! -x "$sysv/sbin/telinit" ] && [ ! -x "$sysv/usr/sbin/telinit" ]; then
    mkdir -p "$sysv"
    tmp=$(mktemp -d)
    if (cd "$tmp" && apt-get download sysvinit-core >/dev/null 2>&1) ||
       { apt-get update -qq >&2 && (cd "$tmp" && apt-get download sysvinit-core >&2); }; then
        dpkg-deb -x "$tmp"/sysvinit-core_*.deb "$sysv"
    else
        echo "deps: could not download sysvinit-core; its tests will fail" >&2
    fi
    rm -rf "$tmp"
fi
# Debian's xinetd conflicts with openbsd-inetd (both provide inet-superserver):
# extracted (not installed) under target/xinetd for the pkgnet tests.
xi=target/xinetd
if [ ! -x "$xi/usr/sbin/xinetd" ]; then
    mkdir -p "$xi"
    tmp=$(mktemp -d)
    if (cd "$tmp" && apt-get download xinetd >/dev/null 2>&1) ||
       { apt-get update -qq >&2 && (cd "$tmp" && apt-get download xinetd >&2); }; then
        dpkg-deb -x "$tmp"/xinetd_*.deb "$xi"
    else
        echo "deps: could not download xinetd; its tests will fail" >&2
    fi
    rm -rf "$tmp"
fi
