#!/bin/bash
# The README's Pacemaker recipes, run as they stand there (tests/pacemaker.rs):
# a two-node Corosync + Pacemaker cluster in namespaces whose configuration
# is empty (fencing on, as Pacemaker has it by default); then the README's
# fencing line and crm recipe for crmsh: pkg01 (Filesystem -> IPaddr2 ->
# ocf:pcue:package) must start on node1 with no failed action; the group is
# stopped and removed, fencing put back on, and the same with the README's
# fencing line and recipe for pcs. The recipes are read from README.md at
# run time; only the site's names are replaced by the lab's (the device, a
# loop device of an ext4 image; the directory; the address; node1 -> n1;
# pcue_bin, where the lab has pcue). Prints KEY=value lines; exit status 0
# when every step held.
#
# Usage: scripts/pacemaker-readme.sh PCUE       (root: builds its namespaces)
#        scripts/pacemaker-readme.sh --inside   (in private mount, net, pid,
#            uts namespaces with $PCUE and $T set; tests/pacemaker.rs)
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" != --inside ]; then
    PCUE=$(readlink -f "${1:?usage: pacemaker-readme.sh PCUE}")
    . "$REPO/scripts/narrate.sh"
    in_lab pacemaker-readme 280 "$0" --inside
    exit
fi

mountpoint -q "$T" || mount -t tmpfs -o mode=755 pcue-pcmk-readme "$T"
. "$REPO/tests/lib.sh"
set +e
. "$REPO/scripts/node.sh"
. "$REPO/scripts/narrate.sh"
. "$REPO/scripts/cluster.sh"
hostname lab
KEYS=1
VIP=10.77.0.100

# readme_block PREFIX: the README's code block whose first line starts with
# PREFIX (nothing when there is none).
readme_block() {
    awk -v want="$1" '
        /^```/ { if (inb) { if (hit) exit; inb = 0; next } inb = 1; first = 1; next }
        inb { if (first) { hit = (index($0, want) == 1); first = 0 } if (hit) print }
    ' "$REPO/README.md"
}
# lab_names: the site's names of the README replaced by the lab's.
lab_names() {
    sed -e "s#/dev/vg01/lvol1#$LOOP#g" -e "s#directory=/pkg01#directory=$T/pkg01#g" \
        -e "s#192\.10\.25\.12#$VIP#g" -e 's#node1#n1#g' \
        -e "s#package=pkg01#package=pkg01 pcue_bin=$T/bin#g"
}

heading "The lab: nodes n1 and n2 on a bridge; pkg01's filesystem on a loop device"
lab_up
private_etc
setuid_copy
mount -t tmpfs -o mode=1777 shm-lab /dev/shm
# what crmsh and pcs write (their logs, crmsh's history) stays in the lab
mount -t tmpfs -o mode=755 log-lab /var/log
mkdir -p /var/log/pacemaker /var/log/corosync /var/log/crmsh
[ -d /var/lib/pcsd ] && mount -t tmpfs -o mode=700 pcsd-lab /var/lib/pcsd
export HOME=$T/home
mkdir -p "$HOME"
mkdir -p "$T/ocf.upper" "$T/ocf.work"
mount -t overlay overlay -o "lowerdir=/usr/lib/ocf/resource.d,upperdir=$T/ocf.upper,workdir=$T/ocf.work" /usr/lib/ocf/resource.d
install -D -m 0755 "$REPO/ocf/package" /usr/lib/ocf/resource.d/pcue/package
# the agent's default root: PCUE_ROOT_PREFIX/pkg01
printf 'PCUE_ROOT_PREFIX=%s\nSGCONF=%s\n' "$T" "$T/sg" > /etc/cmcluster.conf
truncate -s 32M "$T/pkg01.img" && mkfs.ext4 -q -L pkg01 "$T/pkg01.img"
LOOP=$(losetup -f --show "$T/pkg01.img") || { bad "no loop device"; exit 1; }
cleanup() {
    local n
    for n in n1 n2; do [ -n "${NODE_PID[$n]:-}" ] && node_kill "$n" >/dev/null 2>&1; done
    umount "$T/pkg01" 2>/dev/null
    losetup -d "$LOOP" 2>/dev/null
}
trap cleanup EXIT
mkdir -p "$T/pkg01"
if mount "$LOOP" "$T/pkg01" && "$T/bin/mkpcue" pkg01 >/dev/null; then
    printf 'id:3:initdefault:\nsl:2345:respawn:/bin/sleep 100000\n' > "$T/pkg01/etc/inittab"
    "$T/bin/mkpcue" --umount pkg01 >/dev/null; umount "$T/pkg01"
    ok "pkg01's root built on $LOOP (mkpcue), unmounted"
else
    bad "mkpcue pkg01"; exit 1
fi

heading "Boot: an empty configuration (fencing on, Pacemaker's default)"
(
    export CIB_file=$T/seed-cib.xml
    cibadmin --empty > "$CIB_file"
    # the lab's only setting: a quick first election
    crm_attribute --type crm_config --name dc-deadtime --update 2s
) >/dev/null 2>&1
cluster_conf
node_boot n1 11 && node_boot n2 12 || { bad "the nodes did not boot"; exit 1; }
if wait_until 60 'cluster_up n1 2'; then ok "n1 and n2 online"; else bad "the cluster did not form"; exit 1; fi

# started_on NODE: every member of group pkg01 Started on NODE, as crm_mon says
started_on() {
    local x
    x=$(node_exec n1 crm_mon -1 --output-as=xml 2>/dev/null) || return 1
    [ "$(printf '%s\n' "$x" | grep -A1 '<resource id="[a-z]*_pkg01" .*role="Started"' | grep -c "<node name=\"$1\"")" = 3 ]
}
# settle: the cluster has no action left to take (at most 90 s)
settle() { node_exec n1 crm_resource --wait --timeout=90s >/dev/null 2>&1; }

# recipe TOOL FENCING-PREFIX RECIPE-PREFIX: the README's fencing line for
# TOOL and its recipe, on n1; then pkg01 must run on n1 with nothing failed.
recipe() {
    local tool=$1 fence script
    fence=$(readme_block "$2" | grep "^$tool ")
    script=$(readme_block "$3")
    heading "The README's $tool recipe"
    [ -n "$fence" ] || bad "the README has no fencing line for $tool"
    [ -n "$script" ] || bad "the README has no $tool recipe"
    [ -n "$fence" ] && [ -n "$script" ] || { key "${tool}_rc" missing; return 1; }
    printf '%s\n%s\n' "$fence" "$script" | lab_names > "$T/$tool.sh"
    sed 's/^/     /' "$T/$tool.sh"
    node_exec n1 bash -euo pipefail -c "cd '$T' && . '$T/$tool.sh'" > "$T/$tool.out" 2>&1
    STATUS=$?
    sed 's/^/     | /' "$T/$tool.out"
    succeeded "the recipe ran"
    key "${tool}_rc" "$STATUS"
    # a recipe that failed has nothing to wait for
    [ "$STATUS" = 0 ] && wait_until 90 'started_on n1' && settle
    if started_on n1; then ok "pkg01 started on n1"; key "${tool}_started" n1; else bad "pkg01 is not started on n1"; key "${tool}_started" no; fi
    OUT=$(node_exec n1 crm_mon -1 --output-as=xml 2>/dev/null)
    key "${tool}_failures" "$(printf '%s\n' "$OUT" | grep -c '<failure ')"
    reject '<failure ' "no failed action"
    OUT=$(node_exec n1 chroot "$T/pkg01" /corp/bin/telinit -s 2>&1 | head -1)
    expect '^run-level 3' "pkginit runs in pkg01 on n1, at run-level 3"
    key "${tool}_level" "$(cut -d' ' -f1-2 <<< "$OUT")"
    OUT=$(node_exec n1 ip -o -4 addr show)
    key "${tool}_vip" "$(grep -c " $VIP/24 " <<< "$OUT")"
}

unmounted() { ! node_exec n1 mountpoint -q "$T/pkg01"; }
# remove: stop pkg01, delete it and its constraint, fencing back on
remove() {
    heading "pkg01 stopped and removed; fencing back to Pacemaker's default"
    node_exec n1 crm_resource --resource pkg01 --meta --set-parameter target-role --parameter-value Stopped >/dev/null 2>&1
    settle
    node_exec n1 cibadmin --delete --xml-text '<rsc_location id="pkg01-prefers-n1"/>' >/dev/null 2>&1
    node_exec n1 cibadmin --delete --xml-text '<rsc_location id="location-pkg01-n1-50"/>' >/dev/null 2>&1
    node_exec n1 cibadmin --delete --xml-text '<group id="pkg01"/>'
    node_exec n1 crm_attribute --type crm_config --name stonith-enabled --delete >/dev/null 2>&1
    settle
    check "no resource left" test "$(node_exec n1 crm_mon -1 --output-as=xml 2>/dev/null | grep -c '<resource ')" = 0
    check "pkg01's root unmounted on n1" unmounted
}

recipe crm 'crm configure property stonith-enabled' "crm configure <<'EOF'"
remove
recipe pcs 'crm configure property stonith-enabled' 'pcs cluster cib '

heading "The end"
cleanup
trap - EXIT
key loops_left "$(losetup -a | grep -cF "$T/")"
key failed "$FAILED"
[ "$FAILED" = 0 ]
