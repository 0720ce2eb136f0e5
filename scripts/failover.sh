#!/bin/bash
# make failover: package pkg01 moves between two simulated nodes, nodeA and
# nodeB, while a client on a third node logs in to its address. First a clean
# halt on nodeA and a start on nodeB, then a crash of nodeB and a start on
# nodeA over what the crash left on the package filesystem. Each node starts
# and halts the package as Serviceguard does, calling the package's external
# script examples/serviceguard/pcue.sh. Every step says what it shows and
# checks that it did; the script exits non-zero if any step did not.
#
# Usage: scripts/failover.sh PCUE           (root: builds its own namespaces)
#        scripts/failover.sh --inside [--keys]
#            already in private mount, net, pid and uts namespaces with $PCUE
#            and $T set (tests/failover.rs runs it so in tests/common's
#            sandbox); --keys also prints the results as KEY=value lines.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" != --inside ]; then
    PCUE=$(readlink -f "${1:?usage: failover.sh PCUE}")
    . "$REPO/scripts/narrate.sh"
    in_lab failover 240 "$0" --inside
    exit
fi
KEYS=
[ "${2:-}" = --keys ] && KEYS=1

# ---- inside the lab's namespaces ------------------------------------------
mountpoint -q "$T" || mount -t tmpfs -o mode=755 pcue-failover "$T"
. "$REPO/tests/lib.sh"
set +e
. "$REPO/scripts/node.sh"
hostname lab
t0=$EPOCHREALTIME

PKG=pkg01
VIP=10.77.0.100
ROOT=$T/$PKG
IMG=$T/$PKG.img
PORT=2323
export PCUE_BIN=$T/bin           # where pcue.sh finds the applets (/corp/bin on a real node)
SCRIPT=$REPO/examples/serviceguard/pcue.sh

# ---- narration: scripts/narrate.sh ----------------------------------------
. "$REPO/scripts/narrate.sh"

# ---- Serviceguard, as the package's start and halt steps ------------------
# fsck_pkg NODE: check the package filesystem before mounting it, as
# Serviceguard does; status 1 means errors were corrected, still fit to mount.
fsck_pkg() {
    on "$1" e2fsck -p "$IMG"
    if [ "$STATUS" -le 1 ]; then ok "the package filesystem is clean"; else bad "e2fsck -p: status $STATUS"; fi
}
# sg_run NODE: what cmrunpkg does on NODE, in order: check and mount the
# package filesystem, add the package address, run the external script.
sg_run() {
    local node=$1
    heading "Serviceguard starts $PKG on $node: filesystem, address, then pcue.sh start"
    fsck_pkg "$node"
    on "$node" mount -o loop "$IMG" "$ROOT"; succeeded "mounted at $ROOT"
    on "$node" ip addr add "$VIP/24" dev eth0; succeeded "package address $VIP added"
    on "$node" "$SCRIPT" start "$PKG"; succeeded "pcue.sh start: PCUE mounts made, pkginit started"
    wait_services "$node"
}
# wait_services NODE: wait (at most 10 s) until pkginit has run the inittab's
# wait entry and started cron (exec'd, as pkgps shows) and the service,
# then show its status.
wait_services() {
    wait_until 10 "node_exec $1 '$PCUE_BIN/telinit' -p '$PKG' -s 2>/dev/null | grep -q '^sv .*running'"
    # telinit -s says "running" at fork: also wait until cron has exec'd.
    wait_until 10 "node_exec $1 '$PCUE_BIN/pkgps' -p '$PKG' 2>/dev/null | grep -q 'cron -f'"
    on "$1" "$PCUE_BIN/telinit" -p "$PKG" -s
    expect "^cr .*running" "pkginit runs cron"
    expect "^sv .*running" "and the package's service"
}
# sg_halt NODE: what cmhaltpkg does, in the reverse order.
sg_halt() {
    local node=$1
    heading "Serviceguard halts $PKG on $node: pcue.sh stop, then address, then filesystem"
    on "$node" "$SCRIPT" stop "$PKG"; succeeded "pcue.sh stop: telinit 0 waited for pkginit, PCUE mounts gone"
    on "$node" ip addr del "$VIP/24" dev eth0; succeeded "package address removed"
    on "$node" umount "$ROOT"; succeeded "package filesystem unmounted"
}

# A client session: the commands in $T/session.sh go over TCP to the package
# address, where inetd → pkgnet → setpriv alice → /bin/sh runs them in the
# package. The client forgets its ARP cache first (Serviceguard announces a
# moved address with a gratuitous ARP; the lab has no arping).
login() {
    heading "$1"
    node_exec client ip neigh flush all
    on client timeout 40 socat -t 30 -T 30 - "TCP:$VIP:$PORT,connect-timeout=5" < "$T/session.sh"
}
cat > "$T/session.sh" <<'EOF'
echo "user=$(id -un) uid=$(id -u) host=$(hostname) package=$(/corp/bin/getcpkg) pwd=$(pwd)"
echo "runlevel=$(who -r | awk '{print $2}')"
echo "file=$(cat /home/alice/notes 2>&1)"
echo "crontab=$(crontab -l 2>&1 | grep -v '^#')"
echo "cronlog=$(tail -1 /home/alice/cron.log 2>/dev/null)"
EOF

# wtmp_history NODE: the package wtmp as utmpdump and last read it on NODE.
# BOOTS counts BOOT_TIME records (utmpdump lines starting [2]), LAST_BOOTS
# last's reboot lines, and LEVELS lists the run-levels entered, in order, from
# the RUN_LVL records ([1]: the pid field holds previous*256 + new level).
wtmp_history() {
    on "$1" utmpdump "$ROOT/var/log/wtmp"
    BOOTS=$(printf '%s\n' "$OUT" | grep -c '^\[2\]')
    local p
    LEVELS=
    for p in $(printf '%s\n' "$OUT" | sed -n 's/^\[1\] \[0*\([0-9]*\)\].*/\1/p'); do
        LEVELS="$LEVELS${LEVELS:+ }$(printf "\\$(printf %03o $((p % 256)))")"
    done
    on "$1" last -x -f "$ROOT/var/log/wtmp"
    LAST_BOOTS=$(printf '%s\n' "$OUT" | grep -c '^reboot ')
}

echo "pcue failover: package $PKG ($VIP) on an ext4 image moves between nodeA and nodeB;"
echo "a client on a third node logs in to $VIP. All of it in private namespaces."

# ---- the lab ---------------------------------------------------------------
heading "The lab: a bridge, nodes nodeA (10.77.0.1) and nodeB (10.77.0.2), a client (10.77.0.3)"
lab_up
private_etc                 # the registry file /etc/cmcluster.conf, shared by every node
setuid_copy                 # $T/bin/pcue, setuid root, with its applet links
node_create nodeA 1 && node_create nodeB 2 && node_create client 3 ||
    { bad "the nodes did not come up"; exit 1; }
for n in nodeA nodeB client; do echo "   $n: pid 1 is ${NODE_PID[$n]} in the lab, address ${NODE_IP[$n]}"; done

heading "The cluster configuration (one copy, read by both nodes): a modular package file"
SGCONF=$T/cmcluster
mkdir -p "$SGCONF/$PKG"
printf 'SGCONF=%s\nPCUE_ROOT_PREFIX=%s\n' "$SGCONF" "$T" > /etc/cmcluster.conf
cat > "$SGCONF/$PKG/$PKG.conf" <<EOF
package_name        $PKG
package_type        failover
node_name           nodeA
node_name           nodeB
ip_subnet           $LAB_NET.0
ip_address          $VIP
fs_name             $IMG
fs_directory        $ROOT
fs_type             ext4
fs_mount_opt        "-o loop"
external_script     $SCRIPT
EOF
sed 's/^/     /' "$SGCONF/$PKG/$PKG.conf"
for n in nodeA nodeB; do
    on $n "$PCUE_BIN/pkglogin" -l
    expect "^$PKG	$ROOT	$VIP" "$n reads $PKG at $VIP, root $ROOT"
done

heading "cmcheckconf: the external script validates the package on each node (package down)"
mkdir -p "$ROOT"
for n in nodeA nodeB; do
    on $n "$SCRIPT" validate "$PKG"; succeeded "pcue.sh validate on $n"
done

heading "The package filesystem: an ext4 image (on the lab's tmpfs, reachable by both nodes)"
truncate -s 64M "$IMG" && mkfs.ext4 -q -L "$PKG" "$IMG"
check "mkfs.ext4 made $IMG" test -s "$IMG"
key img "$IMG"

heading "Once, on nodeA: mkpcue builds the package root on the package filesystem"
on nodeA mount -o loop "$IMG" "$ROOT"; succeeded "mounted on nodeA"
on nodeA "$PCUE_BIN/mkpcue" "$PKG" >/dev/null; succeeded "mkpcue $PKG built the root"
printf '%s\n' "$OUT" | tail -1 | sed 's/^/     /'
# The package's own user, init table, and what its cron needs (PAM, shadow).
cat > "$T/customize.sh" <<EOF
set -e
r=$ROOT
echo 'alice:x:2001:2001:pkg01 user:/home/alice:/bin/sh' >> \$r/etc/passwd
echo 'alice:x:2001:' >> \$r/etc/group
echo 'alice:*:19000:0:99999:7:::' >> \$r/etc/shadow
mkdir -p \$r/home/alice && chown 2001:2001 \$r/home/alice
echo 'Welcome to package $PKG.' > \$r/etc/motd
mkdir -p \$r/etc/pam.d \$r/etc/security
[ -e \$r/etc/pam.d/cron ] || printf '%s\n' 'auth required pam_unix.so' 'account required pam_unix.so' \
    'session required pam_env.so envfile=/var/run/pkginit.env' 'session required pam_unix.so' > \$r/etc/pam.d/cron
: > \$r/etc/security/pam_env.conf
cat > \$r/etc/inittab <<'TAB'
# pkg01: its own init
id:3:initdefault:
rc:2345:wait:/bin/sh -c 'echo "rc: level \$RUNLEVEL (was \$PREVLEVEL) on \$(hostname)" >> /var/log/rc.log'
cr:2345:respawn:/usr/sbin/cron -f
sv:345:respawn:/usr/bin/socat TCP-LISTEN:8000,bind=$VIP,reuseaddr,fork SYSTEM:'echo service of \$(/corp/bin/getcpkg) on \$(hostname)'
TAB
EOF
on nodeA bash "$T/customize.sh"; succeeded "user alice (uid 2001), inittab (level 3: cron and a service), PAM for cron"
on nodeA "$PCUE_BIN/mkpcue" --umount "$PKG"; succeeded "PCUE mounts taken down"
on nodeA umount "$ROOT"; succeeded "package filesystem unmounted: the package is down everywhere"

heading "Each node runs a real inetd: port $PORT → pkgnet → a login-like shell as alice"
cat > "$T/inetd.conf" <<EOF
$PORT stream tcp nowait root $PCUE_BIN/pkgnet pkgnet /usr/bin/setpriv --reuid=alice --regid=alice --init-groups /bin/sh
EOF
sed 's/^/     /' "$T/inetd.conf"
for n in nodeA nodeB; do
    node_exec $n inetd -d "$T/inetd.conf" > "$T/inetd-$n.log" 2>&1 &
done
for n in nodeA nodeB; do
    if wait_until 5 "node_exec $n ss -Htln | grep -q ':$PORT '"; then ok "inetd listens on $n"; else bad "no inetd on $n"; fi
done

# ---- 1. pkg01 on nodeA -----------------------------------------------------
sg_run nodeA

cat > "$T/first.sh" <<'EOF'
echo "user=$(id -un) uid=$(id -u) host=$(hostname) package=$(/corp/bin/getcpkg)"
cd /home/alice && echo "written by $(id -un) on $(hostname)" > notes && echo "wrote=$(cat notes)"
echo '* * * * * echo "cron ran on $(hostname) as $(id -un) in $(/corp/bin/getcpkg)" >> /home/alice/cron.log' | crontab -
echo "crontab_status=$?"
echo "crontab=$(crontab -l 2>&1 | grep -v '^#')"
EOF
heading "The client logs in to $VIP: lands in $PKG on nodeA, writes a file, adds a crontab line as alice"
node_exec client ip neigh flush all
on client timeout 40 socat -t 30 -T 30 - "TCP:$VIP:$PORT,connect-timeout=5" < "$T/first.sh"
expect "^user=alice uid=2001 host=$PKG package=$PKG$" "alice (the package's passwd) in $PKG on nodeA (the host name is the package's)"
expect "^wrote=written by alice on $PKG$" "a file in her package home"
expect "^crontab_status=0$" "crontab - as alice in the package"
expect '^crontab=\* \* \* \* \* echo "cron ran on' "her crontab line"
key a_host "$(value user | sed 's/.*host=\([^ ]*\).*/\1/')"
key a_file "$(value wrote)"
CRONTAB_A=$(value crontab)
key a_crontab "$CRONTAB_A"
on nodeA ls -l "$ROOT/var/spool/cron/crontabs"
expect " alice$" "the crontab is a file on the package filesystem"
wtmp_history nodeA
same "one BOOT_TIME record (utmpdump)" 1 "$BOOTS"
same "one reboot line (last -x)" 1 "$LAST_BOOTS"
same "run-level 3 entered" 3 "$LEVELS"
key a_boots "$BOOTS"

# ---- 2. clean failover to nodeB -------------------------------------------
sg_halt nodeA
on nodeA losetup -j "$IMG"
[ -z "$OUT" ] && ok "the loop device was freed on unmount" || bad "a loop device still holds $IMG"
sg_run nodeB

login "The client's same connection to $VIP now lands in $PKG on nodeB"
expect "^user=alice uid=2001 host=$PKG package=$PKG " "alice in $PKG, now on nodeB"
expect "^file=written by alice on $PKG$" "the file she wrote on nodeA"
same "the same crontab" "$CRONTAB_A" "$(value crontab)"
expect "^runlevel=3$" "who -r in the package: run-level 3, from inittab"
key b_host "$(value user | sed 's/.*host=\([^ ]*\).*/\1/')"
key b_user "$(value user | sed 's/^\([^ ]*\) .*/\1/')"
key b_file "$(value file)"
key b_crontab "$(value crontab)"
key b_runlevel "$(value runlevel)"

heading "On nodeB: the package's wtmp and utmp, as last, who and utmpdump read them"
on nodeB who -r "$ROOT/run/utmp"
expect "run-level 3" "who -r on the package utmp"
wtmp_history nodeB
same "two BOOT_TIME records: nodeA's start and nodeB's (utmpdump)" 2 "$BOOTS"
same "two reboot lines (last -x)" 2 "$LAST_BOOTS"
same "run-levels: 3 on nodeA, 0 at its halt, 3 on nodeB" "3 0 3" "$LEVELS"
key b_boots "$BOOTS"
key b_last_boots "$LAST_BOOTS"
key b_levels "$LEVELS"
wait_until 5 "node_exec nodeB ss -Htln | grep -q ':8000 '"
on client timeout 10 socat -t 10 -T 10 - "TCP:$VIP:8000,connect-timeout=5"
expect "^service of $PKG on $PKG$" "the package's own service answers from nodeB"
key b_service "$OUT"

heading "Cron on nodeB runs alice's job from the moved crontab (cron wakes each minute: up to ~60 s)"
CRON_A=$(node_exec nodeB sh -c "cat '$ROOT/home/alice/cron.log' 2>/dev/null | wc -l")
if wait_until 75 "[ \"\$(node_exec nodeB sh -c \"cat '$ROOT/home/alice/cron.log' 2>/dev/null | wc -l\")\" -gt $CRON_A ]"; then
    on nodeB tail -n 1 "$ROOT/home/alice/cron.log"
    expect "^cron ran on $PKG as alice in $PKG$" "a new line: the job ran on nodeB, as alice, in $PKG"
    key b_cron "$(printf '%s\n' "$OUT" | tail -1)"
else
    bad "no job ran on nodeB within 75 s"
    key b_cron none
fi

# ---- 3. nodeB crashes; nodeA takes over ------------------------------------
heading "nodeB crashes: every process killed at once, no telinit 0, no umount"
on nodeB cat "$ROOT/run/pkginit.pid"
STALE_PID=$OUT
check "nodeB is gone" node_kill nodeB
# The cluster declares nodeB dead; its filesystem mount went with its mount
# namespace, and the loop device with the last reference to the filesystem.
if wait_until 10 '[ -z "$(losetup -j "$IMG")" ]'; then ok "nodeB's loop device is released"; else bad "$IMG is still attached"; fi

heading "Serviceguard starts $PKG on nodeA: first, what the crash left on the package filesystem"
fsck_pkg nodeA
on nodeA mount -o loop "$IMG" "$ROOT"; succeeded "mounted at $ROOT"
on nodeA sh -c "cd $ROOT; ls -l run/pkginit.pid run/initctl run/utmp; echo pid file: \$(cat run/pkginit.pid)"
expect "^p.* run/initctl$" "the FIFO is still there"
expect "pid file: $STALE_PID$" "nodeB's pid file, naming a pkginit that no longer exists"
key stale_pid "$STALE_PID"
on nodeA who -r "$ROOT/run/utmp"
expect "run-level 3" "the utmp still says run-level 3 (nodeB's)"
on nodeA ip addr add "$VIP/24" dev eth0; succeeded "package address $VIP added"
on nodeA "$SCRIPT" start "$PKG"; succeeded "pcue.sh start: pkginit starts over the stale state"
key c_start "$STATUS"
on nodeA tail -n 3 "$ROOT/var/log/pkginit.log"
expect "pkginit .* started \(pid [0-9]+\)" "pkginit's log on the package filesystem: started"
on nodeA cat "$ROOT/run/pkginit.pid"
NEW_PID=$OUT
wait_services nodeA
key c_pid "$NEW_PID"
on nodeA "$PCUE_BIN/pkgps" -p "$PKG"
expect "pkginit" "pkgps -p: the new pkginit"
expect "cron -f" "its cron"
# Every INIT_PROCESS record in the package utmp is now one of nodeA's live
# processes in the package: nodeB's records were replaced, not kept.
on nodeA utmpdump "$ROOT/run/utmp"
# (their pids are the package's own: checked inside it)
INITS=$(printf '%s\n' "$OUT" | sed -n 's/^\[5\] \[0*\([0-9]*\)\].*/\1/p' | tr '\n' ' ')
all=$(echo $INITS | wc -w)
live=$(node_exec nodeA "$PCUE_BIN/execsh" -u root "$PKG" /bin/sh -c "n=0; for p in $INITS; do [ -d /proc/\$p ] && n=\$((n+1)); done; echo \$n" </dev/null)
same "each of the $all INIT_PROCESS records in utmp is a live process of the package on nodeA" "$all" "$live"
key c_utmp_init "$live/$all"

login "The client's same connection to $VIP lands in $PKG on nodeA again"
expect "^user=alice uid=2001 host=$PKG package=$PKG " "alice in $PKG on nodeA"
expect "^file=written by alice on $PKG$" "her file survived the crash"
expect "^runlevel=3$" "run-level 3"
expect "^cronlog=cron ran on $PKG" "the last cron line written on nodeB survived too"
key c_host "$(value user | sed 's/.*host=\([^ ]*\).*/\1/')"
key c_file "$(value file)"
key c_runlevel "$(value runlevel)"
key c_crontab "$(value crontab)"
wtmp_history nodeA
same "a third BOOT_TIME record (utmpdump)" 3 "$BOOTS"
same "three reboot lines (last -x)" 3 "$LAST_BOOTS"
same "run-levels: no level 0 from the crashed nodeB, then 3 on nodeA" "3 0 3 3" "$LEVELS"
key c_boots "$BOOTS"
key c_last_boots "$LAST_BOOTS"
key c_levels "$LEVELS"

# ---- the end: halt cleanly, nothing left -----------------------------------
sg_halt nodeA
key end_halt "$STATUS"
node_kill nodeA; node_kill client
wait_until 10 '[ -z "$(losetup -j "$IMG")" ]'
LOOPS=$(losetup -j "$IMG" | grep -c .)
[ "$LOOPS" = 0 ] && ok "no loop device holds $IMG" || bad "$LOOPS loop device(s) still hold $IMG"
key loops_left "$LOOPS"

elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
key failed "$FAILED"
echo
if [ $FAILED = 0 ]; then
    echo "failover: every step showed what it claims ($elapsed s). Everything lived in namespaces and is gone."
    exit 0
fi
echo "failover: $FAILED check(s) FAILED ($elapsed s)"
exit 1
