#!/bin/bash
# make demo: a self-contained node with two packages, in private mount,
# network, pid and uts namespaces. Every step says what it shows and checks
# that it did; the demo exits non-zero if any step did not.
# Usage: scripts/demo.sh /path/to/pcue
set -uo pipefail
if [ "${1:-}" != --inside ]; then
    PCUE=$(readlink -f "${1:?usage: demo.sh PCUE}")
    export REPO=$(cd "$(dirname "$0")/.." && pwd)
    . "$REPO/scripts/narrate.sh"
    in_lab demo 120 "$0" --inside
    exit
fi

# ---- inside the namespaces ------------------------------------------------
mount -t tmpfs -o mode=755 pcue-demo "$T"
. "$REPO/tests/lib.sh"
set +e
. "$REPO/scripts/node.sh"
hostname node1
t0=$EPOCHREALTIME
. "$REPO/scripts/narrate.sh"

# step "what it shows" CMD...: run, print indented output, keep it in $OUT.
# With SHOW=N only the last N lines are printed (all are checked).
step() {
    local what=$1; shift
    printf '\n%s== %s%s\n' "$B" "$what" "$N"
    printf '   $ %s\n' "$*"
    OUT=$("$@" 2>&1)
    STATUS=$?
    local n
    n=$(printf '%s\n' "$OUT" | wc -l)
    if [ -n "${SHOW:-}" ] && [ "$n" -gt "$SHOW" ]; then
        printf '   ... (%d lines, the last %d:)\n' "$n" "$SHOW"
        printf '%s\n' "$OUT" | tail -n "$SHOW" | sed 's/^/   /'
    else
        printf '%s\n' "$OUT" | sed 's/^/   /'
    fi
}
echo "pcue demo: node1 with packages pkg01 (127.0.0.2) and pkg02 (127.0.0.3), all in private namespaces"
net_up 127.0.0.2 127.0.0.3
private_etc
setuid_copy                      # $T/bin/pcue, setuid root, with the applet links
private_run                      # the node's /run (pkginit -p keeps /run/pkginit/PKG.pid)
export PATH="$T/bin:$PATH"
echo "This is the system context of node1." > /etc/motd

# The cluster configuration: one legacy control script, one modular file.
SGCONF=$T/cmcluster
mkdir -p "$SGCONF/pkg01" "$SGCONF/pkg02"
printf 'SGCONF=%s\nPCUE_ROOT_PREFIX=%s\n' "$SGCONF" "$T" > /etc/cmcluster.conf
printf '# legacy control script\nIP[0]="127.0.0.2"; SUBNET[0]="127.0.0.0"\n' > "$SGCONF/pkg01/pkg01.cntl"
printf 'package_name pkg02\nip_subnet 127.0.0.0\nip_address 127.0.0.3\n' > "$SGCONF/pkg02/pkg02.conf"

step "The registry: pkglogin -l lists each package, its root and addresses" pkglogin -l
expect "^pkg01	$T/pkg01	127.0.0.2" "pkg01 from its control script"
expect "^pkg02	$T/pkg02	127.0.0.3" "pkg02 from its modular package file"

# Package roots built by mkpcue, each with its own users, motd and inittab.
uid=2001
size=65536
for p in pkg01 pkg02; do
    r=$T/$p
    # what the cluster does first: mount the package filesystem at its root
    mkdir -p "$r"
    mount -t tmpfs -o "size=${size}k,mode=755" "$p-fs" "$r"
    size=$((size / 2))
    SHOW=4 step "mkpcue builds the root of $p on its filesystem (own /etc, /proc, /dev, /corp/bin)" mkpcue "$p"
    expect "applets|pcue" "built, with /corp/bin"
    SHOW=4 step "mkpcue again: nothing left to do" mkpcue "$p"
    expect "nothing to do" "a second run changes nothing"
    user=$([ $p = pkg01 ] && echo alice || echo bob)
    echo "$user:x:$uid:$uid:$p user:/home/$user:/bin/sh" >> "$r/etc/passwd"
    echo "$user:x:$uid:" >> "$r/etc/group"
    mkdir -p "$r/home/$user"; chown $uid:$uid "$r/home/$user"
    echo "Welcome to package $p." > "$r/etc/motd"
    ip=$([ $p = pkg01 ] && echo 127.0.0.2 || echo 127.0.0.3)
    cat > "$r/etc/inittab" <<EOT
# $p: its own init
id:3:initdefault:
rc:2345:wait:/bin/sh -c 'echo "rc: level \$RUNLEVEL (was \$PREVLEVEL) in \$ctxROOT" >> /var/log/rc.log'
cr:2345:respawn:/usr/sbin/cron -f
sv:345:respawn:/usr/bin/socat TCP-LISTEN:8000,bind=$ip,reuseaddr,fork SYSTEM:'echo service of \$(/corp/bin/getcpkg)'
x4:4:respawn:/bin/sleep 100000
EOT
    uid=$((uid + 1))
done

# pkg01 gets its own sshd: host keys on the package's filesystem, a config
# listening on the package's address, and an inittab entry; carol is an
# account of pkg01 only, made with the standard tools from the node.
ssh-keygen -A -f "$T/pkg01" >/dev/null
printf 'ListenAddress 127.0.0.2\nPidFile /run/sshd.pid\nUsePAM yes\nKbdInteractiveAuthentication no\n' > "$T/pkg01/etc/ssh/sshd_config"
echo "ss:345:respawn:/usr/sbin/sshd -D -f /etc/ssh/sshd_config" >> "$T/pkg01/etc/inittab"
step "useradd --root makes carol, an account of pkg01 only" useradd --root "$T/pkg01" -m -u 2101 -s /bin/bash carol
expect "^ *$" "made"
export HOME=$T/client; mkdir -p -m 700 "$HOME"
ssh-keygen -q -t ed25519 -N '' -f "$HOME/id"
mkdir -p -m 700 "$T/pkg01/home/carol/.ssh"; cp "$HOME/id.pub" "$T/pkg01/home/carol/.ssh/authorized_keys"
chown -R 2101:2101 "$T/pkg01/home/carol/.ssh"
echo "127.0.0.2 $(cat "$T/pkg01/etc/ssh/ssh_host_ed25519_key.pub")" > "$HOME/known_hosts"
SSH=(ssh -F /dev/null -i "$HOME/id" -o UserKnownHostsFile="$HOME/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR)

for p in pkg01 pkg02; do
    step "pkginit -p starts $p as a world of its own: its init is pid 1 of its namespaces (run-level 3 from its inittab)" pkginit -p $p
    # the service starts after the rc wait entry is done
    wait_until 10 "telinit -p $p -s | grep -q 'sv.*running'"
    step "telinit -p $p -s (from the node): $p's level and entries" telinit -p $p -s
    expect "3" "run-level 3"
    expect "sv.*running" "the package's service is running"
done

# A real inetd with pkgnet in front of a login-like service: a banner script
# at the same path in the system and in each package (inetd splits server
# arguments on blanks, so no inline shell).
for etc in /etc "$T/pkg01/etc" "$T/pkg02/etc"; do
    printf '#!/bin/sh\n# login-like banner: where this connection landed\ncat /etc/motd\necho "context: ${ctxROOT:-/}"\n' > "$etc/pcue-banner"
    chmod 755 "$etc/pcue-banner"
done
cat > "$T/inetd.conf" <<EOT
2323 stream tcp nowait root $T/bin/pkgnet pkgnet /etc/pcue-banner
EOT
inetd -d "$T/inetd.conf" >"$T/inetd.log" 2>&1 &
wait_until 5 "ss -Htln | grep -q ':2323 '"
for a in 127.0.0.2 127.0.0.3 127.0.0.1; do
    where=$([ $a = 127.0.0.1 ] && echo "the system context: no package owns it" || echo "its package")
    step "A connection to $a:2323 lands in $where (inetd → pkgnet)" socat -t 10 -T 10 - TCP:$a:2323
    case $a in
        127.0.0.2) expect "Welcome to package pkg01" "pkg01's motd"; expect "context: /pkg01" ;;
        127.0.0.3) expect "Welcome to package pkg02" "pkg02's motd"; expect "context: /pkg02" ;;
        *) expect "system context of node1" "the system's motd"; expect "context: /$" ;;
    esac
done
wait_until 5 "ss -Htln | grep -q '127.0.0.2:8000 '"
step "The package service answers on its own address" socat -t 10 -T 10 - TCP:127.0.0.2:8000
expect "service of pkg01"

wait_until 10 "ss -Htln | grep -q '127.0.0.2:22 '"
step "carol logs in to pkg01 by ssh (pkg01's sshd, started by its pkginit; its host key known)" \
    "${SSH[@]}" carol@127.0.0.2 'id; getcpkg; echo "ctxROOT=$ctxROOT"; grep -c "^carol:" /etc/passwd'
expect "uid=2101\(carol\)" "carol's account from pkg01's passwd"
expect "^ *pkg01$" "getcpkg says pkg01"
expect "ctxROOT=/pkg01"
step "the node's passwd has no carol" grep -c '^carol:' /etc/passwd
expect "^ *0$" "an account of the package only"

step "An execsh session on alice's own terminal (uid 2001) in pkg01: id, pwd, getcpkg, who" \
    setpriv --reuid=2001 --regid=2001 --clear-groups script -qec "$T/bin/execsh pkg01 /bin/sh -c 'id; pwd; getcpkg; who'" /dev/null
expect "uid=2001\(alice\) gid=2001\(alice\)" "alice's ids from pkg01's passwd"
expect "^ */home/alice" "her package home"
expect "^ *pkg01" "getcpkg says pkg01"
expect "alice +pts/" "who (pkg01's utmp) shows her session"
sleep 1.1   # last(1) says "still running" for a logout in the current second
step "After the session: last on pkg01's wtmp shows the login and logout" last -f "$T/pkg01/var/log/wtmp"
expect "alice +pts/.*- [0-9]" "a login with a logout time"

for p in pkg01 pkg02; do
    step "pkgps inside $p: only $p's processes, its pkginit as pid 1" execsh -u root $p /corp/bin/pkgps
    expect "cron" "its cron"
    reject "inetd" "not the node's inetd"
    step "pkgbdf inside $p: its filesystems, without the /$p prefix" execsh -u root $p /corp/bin/pkgbdf
    expect "^ *$p-fs .* /$" "its own filesystem shows as /"
    reject "$T" "no host paths"
done
step "For contrast, the system's ps -ef sees everything" ps -ef
expect "inetd" && expect "pkginit"
step "and df the real mount points" df -k
expect "pkg01-fs .* $T/pkg01\$" "pkg01's filesystem at its real path"

step "telinit 4 in pkg01: the level-4 entry starts, level 3 stays up" execsh -u root pkg01 /corp/bin/telinit 4
wait_until 5 "telinit -p pkg01 -s | grep -q 'x4.*running'"
step "telinit -s in pkg01 after the change" execsh -u root pkg01 /corp/bin/telinit -s
expect "4" "run-level 4"
expect "x4.*running" "the level-4 entry started"
step "who -r on pkg01's utmp" who -r "$T/pkg01/run/utmp"
expect "run-level 4"
step "telinit 2 in pkg01: the service (levels 345) and x4 stop" execsh -u root pkg01 /corp/bin/telinit 2
wait_until 5 "telinit -p pkg01 -s | grep -Eq 'sv.*(stopped|off)'"
step "telinit -s in pkg01" execsh -u root pkg01 /corp/bin/telinit -s
expect "sv.*(stopped|off)" "the service stopped"
step "last -x on pkg01's wtmp: the run-level history" last -x -f "$T/pkg01/var/log/wtmp"
expect "runlevel"

for p in pkg01 pkg02; do
    step "telinit -p $p 0 (from the node) stops $p's init, every process of $p with it, and waits" telinit -p $p 0
    [ $STATUS = 0 ] && OUT="$OUT stopped" ; expect "stopped" "telinit 0 returned success"
done
elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
echo
if [ $FAILED = 0 ]; then
    echo "demo: every step showed what it claims ($elapsed s). Everything lived in namespaces and is gone."
    exit 0
fi
echo "demo: $FAILED check(s) FAILED ($elapsed s)"
exit 1
