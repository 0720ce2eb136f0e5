#!/bin/bash
# make failover ENGINE=pacemaker: a real two-node Corosync + Pacemaker
# cluster in namespaces runs two pcue packages through the OCF agent
# ocf:pcue:package (ocf/package). pkg01 = Filesystem (ext4 image, loop) ->
# IPaddr2 10.77.0.100 -> ocf:pcue:package; pkg02 the same on its own image
# and 10.77.0.102. A client on the cluster network logs in to pkg01's
# address (inetd -> pkgnet -> the package) and asks the package's own
# service; then the owner is put in standby (the package moves), the new
# owner's node crashes (kill -9 of its pid 1: the survivor starts the
# package over what the crash left), the crashed node rejoins and the
# package moves back. Every step is checked; exit status 0 when all held.
#
# Usage: scripts/pacemaker.sh PCUE                 (root: builds its namespaces)
#        scripts/pacemaker.sh --inside [--keys]    (in private mount, net,
#            pid, uts namespaces with $PCUE and $T set; tests/pacemaker.rs)
#        scripts/pacemaker.sh --bench pcue|dummy PCUE
#            one standby switch-over and one crash failover of pkg01, timed
#            from the command (or the kill) until the client gets the
#            answer from the new node; "dummy" puts ocf:pacemaker:Dummy in
#            place of ocf:pcue:package. Prints KEY=value lines.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" != --inside ]; then
    MODE=demo
    if [ "${1:-}" = --bench ]; then MODE=${2:?usage: pacemaker.sh --bench pcue|dummy PCUE}; shift 2; fi
    PCUE=$(readlink -f "${1:?usage: pacemaker.sh PCUE}")
    args=(--inside)
    [ "$MODE" != demo ] && args+=(--bench "$MODE")
    . "$REPO/scripts/narrate.sh"
    in_lab pacemaker 300 "$0" "${args[@]}"
    exit
fi
KEYS= BENCH=
[ "${2:-}" = --keys ] && KEYS=1
[ "${2:-}" = --bench ] && { BENCH=$3; KEYS=1; }
AGENT_KIND=${BENCH:-pcue}
# FULL: the whole scenario (pkg02, logins, sessions, cron, rejoin); the
# bench runs pkg01 alone, the same group for both agents.
FULL=1
[ -n "$BENCH" ] && FULL=

# ---- inside the lab's namespaces ------------------------------------------
mountpoint -q "$T" || mount -t tmpfs -o mode=755 pcue-pacemaker "$T"
. "$REPO/tests/lib.sh"
set +e
. "$REPO/scripts/node.sh"
hostname lab
t0=$EPOCHREALTIME

. "$REPO/scripts/narrate.sh"
[ -n "$BENCH" ] && exec 3>&1 1>"$T/narration.log" || exec 3>&1
KEYFD=3
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

VIP1=10.77.0.100 VIP2=10.77.0.102
PORT=2323           # inetd -> pkgnet -> a shell as alice in the package
SVC=8000            # pkg01's own service, started by its pkginit
HPORT=2324          # inetd -> pkgnet -> hostname (the bench's answer with Dummy)
export PCUE_BIN=$T/bin

# the cluster's nodes: node_boot, cluster_up (scripts/cluster.sh)
. "$REPO/scripts/cluster.sh"


# answer NODE_EXPECTED: the client asks pkg01's answer port; true when the
# answer comes from NODE_EXPECTED.
ANSWER_PORT=$SVC
[ "$AGENT_KIND" = dummy ] && ANSWER_PORT=$HPORT
answers_from() {
    local a
    a=$(node_exec client timeout 2 socat -T 1 - "TCP:$VIP1:$ANSWER_PORT,connect-timeout=0.2" </dev/null 2>/dev/null)
    case $a in *"$1"*) return 0 ;; esac
    return 1
}
# wait_answer NODE SECONDS: poll every 0.05 s (the client forgets its ARP
# cache each time: the gratuitous ARP of IPaddr2 may come before it asks).
wait_answer() {
    local end=$((SECONDS + $2))
    while [ $SECONDS -lt $end ]; do
        node_exec client ip neigh flush all 2>/dev/null
        answers_from "$1" && return 0
        sleep 0.05
    done
    return 1
}

echo "pcue on Pacemaker: two nodes n1 and n2 run Corosync and Pacemaker; pkg01 and pkg02"
echo "are groups ending in ocf:pcue:package (agent: $AGENT_KIND). All in private namespaces."

heading "The lab: a bridge, nodes n1 (10.77.0.11) and n2 (10.77.0.12), a client (10.77.0.3)"
lab_up
private_etc
setuid_copy
# libqb's shared memory files go to tmpfs of the lab and of each node,
# never to the host's /dev/shm
mount -t tmpfs -o mode=1777 shm-lab /dev/shm
# the agent, installed where Pacemaker looks for it (an overlay: the host's
# /usr/lib/ocf is not touched)
mkdir -p "$T/ocf.upper" "$T/ocf.work"
mount -t overlay overlay -o "lowerdir=/usr/lib/ocf/resource.d,upperdir=$T/ocf.upper,workdir=$T/ocf.work" /usr/lib/ocf/resource.d
install -D -m 0755 "$REPO/ocf/package" /usr/lib/ocf/resource.d/pcue/package
check "ocf:pcue:package installed under /usr/lib/ocf/resource.d/pcue" test -x /usr/lib/ocf/resource.d/pcue/package

heading "The packages' filesystems (ext4 images) and roots, built once by mkpcue"
for p in pkg01 pkg02; do
    truncate -s 32M "$T/$p.img" && mkfs.ext4 -q -L "$p" "$T/$p.img"
    mkdir -p "$T/$p"
done
# The cluster configuration, seeded before the cluster starts (so the short
# dc-deadtime applies from the first election): cluster options, both groups,
# location preferences and stickiness.
ops() {
    printf '<operations><op id="%s-start" name="start" interval="0s" timeout="60s"/>' "$1"
    printf '<op id="%s-stop" name="stop" interval="0s" timeout="90s"/>' "$1"
    printf '<op id="%s-monitor" name="monitor" interval="10s" timeout="30s"/></operations>' "$1"
}
group() { # group PKG VIP
    local p=$1 ip=$2 agent
    if [ "$AGENT_KIND" = dummy ]; then
        agent="<primitive id=\"pcue_$p\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">$(ops "pcue_$p")</primitive>"
    else
        agent="<primitive id=\"pcue_$p\" class=\"ocf\" provider=\"pcue\" type=\"package\">
  <instance_attributes id=\"pcue_$p-ia\">
    <nvpair id=\"pcue_$p-package\" name=\"package\" value=\"$p\"/>
    <nvpair id=\"pcue_$p-root\" name=\"root\" value=\"$T/$p\"/>
    <nvpair id=\"pcue_$p-pcue_bin\" name=\"pcue_bin\" value=\"$T/bin\"/>
    <nvpair id=\"pcue_$p-grace\" name=\"grace\" value=\"10\"/>
    <nvpair id=\"pcue_$p-tasks_max\" name=\"tasks_max\" value=\"300\"/>
  </instance_attributes>$(ops "pcue_$p")</primitive>"
    fi
    cat <<XML
<group id="grp_$p">
<primitive id="fs_$p" class="ocf" provider="heartbeat" type="Filesystem">
  <instance_attributes id="fs_$p-ia">
    <nvpair id="fs_$p-device" name="device" value="$T/$p.img"/>
    <nvpair id="fs_$p-directory" name="directory" value="$T/$p"/>
    <nvpair id="fs_$p-fstype" name="fstype" value="ext4"/>
    <nvpair id="fs_$p-options" name="options" value="loop"/>
  </instance_attributes>$(ops "fs_$p")</primitive>
<primitive id="ip_$p" class="ocf" provider="heartbeat" type="IPaddr2">
  <instance_attributes id="ip_$p-ia">
    <nvpair id="ip_$p-ip" name="ip" value="$ip"/>
    <nvpair id="ip_$p-cidr" name="cidr_netmask" value="24"/>
    <nvpair id="ip_$p-nic" name="nic" value="eth0"/>
  </instance_attributes>$(ops "ip_$p")</primitive>
$agent
</group>
XML
}
(
    export CIB_file=$T/seed-cib.xml
    cibadmin --empty > "$CIB_file"
    crm_attribute --type crm_config --name stonith-enabled --update false
    crm_attribute --type crm_config --name no-quorum-policy --update stop
    crm_attribute --type crm_config --name dc-deadtime --update 2s
    cibadmin --create --scope configuration --xml-text '<rsc_defaults><meta_attributes id="rsc-options"><nvpair id="rsc-options-stickiness" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>'
    cibadmin --create --scope resources --xml-text "$(group pkg01 $VIP1)"
    [ -n "$FULL" ] && cibadmin --create --scope resources --xml-text "$(group pkg02 $VIP2)"
    cibadmin --create --scope constraints --xml-text '<rsc_location id="loc_pkg01" rsc="grp_pkg01" node="n1" score="50"/>'
    [ -n "$FULL" ] && cibadmin --create --scope constraints --xml-text '<rsc_location id="loc_pkg02" rsc="grp_pkg02" node="n2" score="50"/>'
    crm_verify --xml-file "$CIB_file"
) 2>&1 | sed 's/^/     /'
check "the seed CIB verifies (crm_verify)" crm_verify --xml-file "$T/seed-cib.xml"
if [ "$AGENT_KIND" = pcue ]; then
    # pcue's registry reads this same CIB: mkpcue finds each root there
    # (PCUE_ROOT_PREFIX only as a guard: every root is in the CIB)
    PKGS="pkg01 ${FULL:+pkg02}"
    for p in $PKGS; do
        mount -o loop "$T/$p.img" "$T/$p" &&
        PCUE_CIB=$T/seed-cib.xml PCUE_ROOT_PREFIX=$T "$T/bin/mkpcue" "$p" >/dev/null || bad "mkpcue $p"
    done
    cat > "$T/pkg01/etc/inittab" <<TAB
id:3:initdefault:
cr:2345:respawn:/usr/sbin/cron -f
sv:345:respawn:/usr/bin/socat TCP-LISTEN:$SVC,bind=$VIP1,reuseaddr,fork SYSTEM:'echo service of \$(/corp/bin/getcpkg) on \$(/etc/lab-node)'
TAB
    [ -n "$FULL" ] && printf 'id:3:initdefault:\nsl:2345:respawn:/bin/sleep 100000\n' > "$T/pkg02/etc/inittab"
    r=$T/pkg01
    # the host name inside is the package's own (its UTS namespace): which
    # node runs it shows through the network, which stays the node's
    cat > "$r/etc/lab-node" <<NODE
#!/bin/sh
case "\$(cat /proc/net/fib_trie 2>/dev/null)" in
*"-- $LAB_NET.11
"*) echo n1 ;;
*"-- $LAB_NET.12
"*) echo n2 ;;
*) echo unknown ;;
esac
NODE
    chmod 755 "$r/etc/lab-node"
    echo 'alice:x:2001:2001:pkg01 user:/home/alice:/bin/sh' >> "$r/etc/passwd"
    echo 'alice:x:2001:' >> "$r/etc/group"
    echo 'alice:*:19000:0:99999:7:::' >> "$r/etc/shadow"
    mkdir -p "$r/home/alice" && chown 2001:2001 "$r/home/alice"
    mkdir -p "$r/etc/pam.d" "$r/etc/security"
    [ -e "$r/etc/pam.d/cron" ] || printf '%s\n' 'auth required pam_unix.so' 'account required pam_unix.so' \
        'session required pam_env.so envfile=/var/run/pkginit.env' 'session required pam_unix.so' > "$r/etc/pam.d/cron"
    : > "$r/etc/security/pam_env.conf"
    for p in $PKGS; do
        PCUE_CIB=$T/seed-cib.xml PCUE_ROOT_PREFIX=$T "$T/bin/mkpcue" --umount "$p" >/dev/null && umount "$T/$p" || bad "umount $p"
    done
    ok "roots built ($PKGS; pkg01: alice, cron, a service on $VIP1:$SVC); filesystems unmounted"
fi
cat > "$T/inetd.conf" <<EOF
$PORT stream tcp nowait root $T/bin/pkgnet pkgnet /usr/bin/setpriv --reuid=alice --regid=alice --init-groups /bin/sh
$HPORT stream tcp nowait root $T/bin/pkgnet pkgnet /bin/hostname
EOF

# ---- corosync: one configuration for both nodes (scripts/cluster.sh) -----
cluster_conf

heading "Boot: corosync (token 1000 ms, two_node) and pacemakerd on n1 and n2"
tb=$EPOCHREALTIME
node_boot n1 11 && node_boot n2 12 && node_create client 3 || { bad "the nodes did not boot"; exit 1; }
if wait_until 60 'cluster_up n1 2'; then ok "n1 and n2 online ($(elapsed $tb $EPOCHREALTIME) s)"; else bad "the cluster did not form"; fi
owner() { node_exec "$1" "$T/bin/pkglogin" -l 2>/dev/null | awk -F '\t' -v p="$2" '$1 == p { print $4 }'; }
group_on() { # group_on ASKNODE GROUP NODE: crm_mon says every member is Started on NODE
    local x
    x=$(node_exec "$1" crm_mon -1 --output-as=xml 2>/dev/null) || return 1
    local want started
    want=$(printf '%s\n' "$x" | grep -c "<resource id=\"[a-z]*_${2#grp_}\"")
    started=$(printf '%s\n' "$x" | grep -A1 "<resource id=\"[a-z]*_${2#grp_}\" .*role=\"Started\"" | grep -c "<node name=\"$3\"")
    [ "$want" -ge 3 ] && [ "$started" = "$want" ]
}
if wait_until 60 "group_on n1 grp_pkg01 n1"; then ok "pkg01 started on n1 ($(elapsed $tb $EPOCHREALTIME) s after boot)"; else bad "pkg01 did not start on n1"; fi
key boot_s "$(elapsed $tb $EPOCHREALTIME)"

if [ -n "$FULL" ]; then
    wait_until 60 "group_on n1 grp_pkg02 n2" && ok "pkg02 started on n2" || bad "pkg02 did not start on n2"
    heading "pcue's registry on a Pacemaker node: pkglogin -l reads the CIB, crm_mon the owners"
    on n1 "$T/bin/pkglogin" -l
    expect "^pkg01	$T/pkg01	$VIP1	n1$" "pkg01 at $VIP1, root on its filesystem, owned by n1"
    expect "^pkg02	$T/pkg02	$VIP2	n2$" "pkg02 at $VIP2, owned by n2"
    key reg_pkg01 "$(printf '%s\n' "$OUT" | awk -F '\t' '$1 == "pkg01" { print $3 " " $4 }')"
    on n1 "$T/bin/pkglogin" "$VIP1"
    expect "^pkg01$" "pkglogin $VIP1"
    on n2 ls -l /run/pcue/cib.xml
    expect "^-rw-r--r-- .* /run/pcue/cib.xml" "the agent's public copy of the CIB on n2 (probes write it too)"

    heading "The client: pkg01's own service, and a login through inetd -> pkgnet"
    wait_until 10 "node_exec n1 ss -Htln | grep -q ':$SVC '"
    on client timeout 10 socat -T 5 - "TCP:$VIP1:$SVC,connect-timeout=5"
    expect "^service of pkg01 on n1$" "the package's service answers from inside pkg01 on n1"
    key a_service "$OUT"
    cat > "$T/first.sh" <<'EOF'
echo "user=$(id -un) host=$(/etc/lab-node) package=$(/corp/bin/getcpkg)"
cd /home/alice && echo "written by $(id -un) on $(/etc/lab-node)" > notes && echo "wrote=$(cat notes)"
echo '* * * * * echo "cron ran on $(/etc/lab-node) as $(id -un) in $(/corp/bin/getcpkg)" >> /home/alice/cron.log' | crontab -
echo "crontab=$(crontab -l 2>&1 | grep -v '^#')"
EOF
    on client timeout 20 socat -t 10 -T 10 - "TCP:$VIP1:$PORT,connect-timeout=5" < "$T/first.sh"
    expect "^user=alice host=n1 package=pkg01$" "alice of the package's passwd, in pkg01 on n1 (pkgnet)"
    expect "^wrote=written by alice on n1$" "a file in her home on the package filesystem"
    key a_login "$(value user)"
    CRONTAB=$(value crontab)
    [ -n "$CRONTAB" ] && ok "her crontab line" || bad "no crontab"

    heading "An execsh session of alice left open on n1"
    node_exec n1 bash -c ". '$REPO/tests/lib.sh'; set +e; on_pty '$T/bin/execsh' -u alice pkg01 /bin/sh -c 'sleep 600'" >/dev/null 2>&1 &
    if wait_until 10 "node_exec n1 '$T/bin/pkgps' -p pkg01 | grep -q 'sleep 600'"; then ok "execsh session running in pkg01 on n1"; else bad "no execsh session"; fi
fi

# ---- 1. standby of the owner ------------------------------------------------
heading "Standby: crm_attribute --node n1 --name standby --update on (crm node standby n1)"
ts=$EPOCHREALTIME
on n1 crm_attribute --node n1 --name standby --update on
if wait_answer n2 60; then
    te=$EPOCHREALTIME; ok "the client gets pkg01's answer from n2 after $(elapsed $ts $te) s"
    key standby_s "$(elapsed $ts $te)"
else
    bad "pkg01 did not answer from n2"; key standby_s fail
fi
wait_until 30 "group_on n2 grp_pkg01 n2" && ok "crm_mon: grp_pkg01 started on n2" || bad "grp_pkg01 not on n2"
on n2 crm_attribute --node n1 --name standby --update off

if [ -n "$FULL" ]; then
    ROOT=$T/pkg01
    on n2 "$T/bin/pkglogin" -l
    expect "^pkg01	.*	n2$" "pkglogin -l: pkg01 on n2"
    cat > "$T/session.sh" <<'EOF'
echo "user=$(id -un) host=$(/etc/lab-node) package=$(/corp/bin/getcpkg)"
echo "runlevel=$(who -r | awk '{print $2}')"
echo "file=$(cat /home/alice/notes 2>&1)"
echo "crontab=$(crontab -l 2>&1 | grep -v '^#')"
EOF
    node_exec client ip neigh flush all
    on client timeout 20 socat -t 10 -T 10 - "TCP:$VIP1:$PORT,connect-timeout=5" < "$T/session.sh"
    expect "^user=alice host=n2 package=pkg01$" "alice in pkg01, now on n2"
    expect "^file=written by alice on n1$" "her file from n1"
    same "her crontab" "$CRONTAB" "$(value crontab)"
    expect "^runlevel=3$" "run-level 3 (who -r in the package)"
    key b_login "$(value user)"
    key b_file "$(value file)"
    key b_runlevel "$(value runlevel)"
    on n2 utmpdump "$ROOT/var/log/wtmp"
    BOOTS=$(printf '%s\n' "$OUT" | grep -c '^\[2\]')
    LOGOUTS=$(printf '%s\n' "$OUT" | grep -c '^\[8\] .*\[pts/')
    same "two BOOT_TIME records in the package wtmp (n1's start, n2's)" 2 "$BOOTS"
    same "the execsh session left on n1 was ended by the stop, its logout recorded" 1 "$LOGOUTS"
    key b_boots "$BOOTS"
    key b_logouts "$LOGOUTS"
    on n2 last -f "$ROOT/var/log/wtmp" alice
    expect "^alice .* - " "last: alice's session has an end"
    on n2 bash -c ". '$REPO/tests/lib.sh'; set +e; on_pty '$T/bin/execsh' -u alice pkg01 /bin/sh -c 'echo in=\$(/corp/bin/getcpkg) host=\$(/etc/lab-node) user=\$(id -un) uts=\$(hostname)'"
    expect "in=pkg01 host=n2 user=alice" "execsh on n2: alice in pkg01"
    key b_execsh "$(printf '%s\n' "$OUT" | grep -o 'in=.*' | tr -d '\r' | head -1)"
    on n2 "$T/bin/execsh" -u root pkg01 /corp/bin/getcpkg
    expect "^pkg01$" "getcpkg inside the package on n2"
    on n2 "$T/bin/pkgps" -p pkg01
    expect "pkginit -p pkg01" "pkgps -p pkg01 on n2: its pkginit"
    on n2 "$T/bin/pkgbdf" -p pkg01
    expect "^/dev/loop[0-9]+ .* /$" "pkgbdf -p pkg01 on n2: the package filesystem at its /"
    key b_pkgbdf "$(printf '%s\n' "$OUT" | awk '$NF == "/" { print $1 " " $NF }' | sed 's/[0-9]* / /')"
    # the agent's tasks_max parameter (in the CIB): the package's cgroup on
    # n2 has it, and holds the package's processes
    on n2 "$T/bin/pkgstat" -r -p pkg01
    TMAX=$(printf '%s\n' "$OUT" | awk -F '\t' 'NR == 2 { print $10 }')
    NPROC=$(printf '%s\n' "$OUT" | awk -F '\t' 'NR == 2 { print $2 }')
    same "pkgstat -p pkg01 on n2: TasksMax=300 from the agent's tasks_max" 300 "$TMAX"
    check "pkgstat -p pkg01 on n2: the package's processes in its cgroup" test "${NPROC:-0}" -gt 0
    key b_tasks_max "$TMAX"

    heading "Cron on n2 runs alice's job from the moved crontab (cron wakes each minute)"
    if wait_until 75 "node_exec n2 grep -q 'cron ran on n2' '$ROOT/home/alice/cron.log' 2>/dev/null"; then
        on n2 tail -n 1 "$ROOT/home/alice/cron.log"
        expect "^cron ran on n2 as alice in pkg01$" "the job ran on n2, as alice, in pkg01"
        key b_cron "$OUT"
    else
        bad "no cron job ran on n2 within 75 s"; key b_cron none
    fi
    # the node pid of pkg01's pkginit on n2 (the package's own pid file
    # says 1: pkginit is pid 1 of the package wherever it runs)
    on n2 cat /run/pkginit/pkg01.pid
    STALE=$OUT
fi

# ---- 2. crash of the owner ------------------------------------------------
heading "Crash: kill -9 of n2's pid 1 (every process of the node, its mounts with it)"
ts=$EPOCHREALTIME
check "n2 is gone" node_kill n2
if wait_answer n1 90; then
    te=$EPOCHREALTIME; ok "the client gets pkg01's answer from n1 after $(elapsed $ts $te) s"
    key crash_s "$(elapsed $ts $te)"
else
    bad "pkg01 did not answer from n1 after the crash"; key crash_s fail
fi
if [ -n "$FULL" ]; then
    on n1 cat "$ROOT/run/pkginit.pid"
    INSIDE=$OUT
    on n1 cat /run/pkginit/pkg01.pid
    [ -n "$STALE" ] && [ "$INSIDE" = 1 ] && node_exec n1 kill -0 "$OUT" 2>/dev/null &&
        ok "a new pkginit (node pid $OUT, pid 1 in the package), started over n2's stale pid file (n2's pid $STALE)" ||
        bad "pid file $INSIDE, node pid $OUT (n2's $STALE)"
    on n1 utmpdump "$ROOT/var/log/wtmp"
    same "a third BOOT_TIME record" 3 "$(printf '%s\n' "$OUT" | grep -c '^\[2\]')"
    key c_boots "$(printf '%s\n' "$OUT" | grep -c '^\[2\]')"
    node_exec client ip neigh flush all
    on client timeout 20 socat -t 10 -T 10 - "TCP:$VIP1:$PORT,connect-timeout=5" < "$T/session.sh"
    expect "^user=alice host=n1 package=pkg01$" "alice in pkg01 on n1 again"
    expect "^file=written by alice on n1$" "her file survived the crash"
    key c_login "$(value user)"
    key c_file "$(value file)"
    on n1 tail -n 1 "$ROOT/home/alice/cron.log"
    expect "cron ran on n2" "the cron line written on n2 survived"
    key c_cronlog "$OUT"
    wait_until 30 "group_on n1 grp_pkg02 n1" && ok "pkg02 failed over to n1 too" || bad "pkg02 not on n1"
fi

if [ -n "$FULL" ]; then
    # ---- 3. rejoin and move back --------------------------------------------
    heading "n2 reboots and rejoins; pkg01 moves back with crm_resource --move"
    tr=$EPOCHREALTIME
    node_boot n2 12 || bad "n2 did not boot"
    if wait_until 60 'cluster_up n1 2'; then ok "n2 rejoined after $(elapsed $tr $EPOCHREALTIME) s"; else bad "n2 did not rejoin"; fi
    key rejoin_s "$(elapsed $tr $EPOCHREALTIME)"
    # what crm_resource --move does (a cli-prefer location), by id: right
    # after a rejoin crm_resource may find the node's name twice
    on n1 cibadmin --create --scope constraints --xml-text '<rsc_location id="move-back" rsc="grp_pkg01" node="n2" score="INFINITY"/>'
    succeeded "a location constraint sends pkg01 to n2"
    if wait_answer n2 60; then ok "pkg01 answers from n2 again"; key back "n2"; else bad "pkg01 did not move back"; key back fail; fi
    on n1 cibadmin --delete --scope constraints --xml-text '<rsc_location id="move-back"/>'
    succeeded "the constraint removed (stickiness keeps pkg01 on n2)"
fi

# ---- the end ---------------------------------------------------------------
heading "The end: the nodes die with their namespaces; the loop devices with their mounts"
for n in n1 n2 client; do [ -n "${NODE_PID[$n]:-}" ] && node_kill "$n" >/dev/null 2>&1; done
for p in pkg01 ${FULL:+pkg02}; do
    if wait_until 10 '[ -z "$(losetup -j "$T/'$p'.img")" ]'; then ok "no loop device holds $p.img"; else bad "a loop device still holds $p.img"; fi
done
key loops_left "$(losetup -a | grep -cF "$T/")"
elapsed=$(elapsed "$t0" "$EPOCHREALTIME")
key total_s "$elapsed"
key failed "$FAILED"
if [ $FAILED = 0 ]; then
    echo; echo "pacemaker: every step showed what it claims ($elapsed s)."
    exit 0
fi
echo; echo "pacemaker: $FAILED check(s) FAILED ($elapsed s)"
[ -n "$BENCH" ] && cat "$T/narration.log" >&2
exit 1
