#!/bin/bash
# Install what the tests, the demo and the benchmarks need on a fresh Debian
# machine. Daemons must not start on the host while their packages install,
# so a policy-rc.d that refuses every start is in place for the install only.
set -euo pipefail
need=()
want() { command -v "$1" >/dev/null 2>&1 || need+=("$2"); }
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
