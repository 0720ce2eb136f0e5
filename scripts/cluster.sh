# A Corosync + Pacemaker cluster of simulated nodes (scripts/node.sh), two
# nodes n1 and n2: sourced inside the lab by scripts/pacemaker.sh (make
# failover ENGINE=pacemaker, tests/pacemaker.rs) and
# scripts/pacemaker-readme.sh (the README's recipes, tests/pacemaker.rs).
# Needs $T, node.sh and tests/lib.sh (wait_until).

# cluster_conf: one corosync configuration for both nodes, n1 ($LAB_NET.11)
# and n2 ($LAB_NET.12), in $T/corosync (each node's /etc/corosync): knet,
# token 1000 ms, two_node, logging to the node's /var/log/corosync.
cluster_conf() {
    mkdir -p "$T/corosync/uidgid.d"
    corosync-keygen -k "$T/corosync/authkey" >/dev/null 2>&1
    cat > "$T/corosync/corosync.conf" <<EOF
totem {
    version: 2
    cluster_name: pcue
    transport: knet
    crypto_cipher: aes256
    crypto_hash: sha256
    token: 1000
}
nodelist {
    node {
        name: n1
        nodeid: 1
        ring0_addr: $LAB_NET.11
    }
    node {
        name: n2
        nodeid: 2
        ring0_addr: $LAB_NET.12
    }
}
quorum {
    provider: corosync_votequorum
    two_node: 1
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_stderr: no
    to_syslog: no
}
EOF
    chmod 400 "$T/corosync/authkey"
}

# node_boot NAME IPSUFFIX: a node (scripts/node.sh) with the private state a
# cluster node needs (/dev/shm for libqb, /var/lib/{pacemaker,corosync}, its
# logs and /etc/corosync), its CIB seeded from $T/seed-cib.xml, then
# corosync and pacemakerd, and inetd when $T/inetd.conf exists.
node_boot() {
    local n=$1 d=$T/$1
    node_create "$n" "$2" || return 1
    mkdir -p "$d/log-pacemaker" "$d/log-corosync"
    chown hacluster:haclient "$d/log-pacemaker"
    node_exec "$n" sh -c "
        mount -t tmpfs -o mode=1777 shm-$n /dev/shm &&
        mount -t tmpfs -o mode=755 pcmk-$n /var/lib/pacemaker &&
        mount -t tmpfs -o mode=755 cs-$n /var/lib/corosync &&
        mount --bind '$d/log-pacemaker' /var/log/pacemaker &&
        mount --bind '$d/log-corosync' /var/log/corosync &&
        mount --bind '$T/corosync' /etc/corosync &&
        mkdir -p /run/lock /run/resource-agents &&
        for s in cib pengine blackbox cores; do install -d -o hacluster -g haclient -m 0750 /var/lib/pacemaker/\$s; done &&
        install -o hacluster -g haclient -m 0600 '$T/seed-cib.xml' /var/lib/pacemaker/cib/cib.xml" || return 1
    node_exec "$n" setsid corosync -f </dev/null >"$d/corosync.out" 2>&1 &
    local i
    for i in $(seq 100); do
        node_exec "$n" corosync-cmapctl -g totem.cluster_name >/dev/null 2>&1 && break
        sleep 0.1
    done
    node_exec "$n" corosync-cmapctl -g totem.cluster_name >/dev/null 2>&1 ||
        { echo "cluster.sh: corosync did not come up on $n in 10 s: $(tail -n 5 "$d/corosync.out")" >&2; return 1; }
    node_exec "$n" env PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none \
        setsid pacemakerd </dev/null >"$d/pacemakerd.out" 2>&1 &
    # a real inetd on every node: pkgnet routes a package address into its package
    [ -e "$T/inetd.conf" ] || return 0
    node_exec "$n" inetd -d "$T/inetd.conf" >"$d/inetd.log" 2>&1 &
}

# cluster_up NODE COUNT: COUNT nodes online, as crm_mon on NODE sees it.
cluster_up() {
    [ "$(node_exec "$1" crm_mon -1 --output-as=xml 2>/dev/null | grep -c '<node name=.* online="true"')" = "$2" ]
}
