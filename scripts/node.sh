# Simulated cluster nodes on one machine (sourced by the failover script, its
# test and the demo). Call inside a private mount + net + pid namespace (the
# "lab"): every node is a child namespace set (net, mount, uts, pid) joined by
# veth to a bridge in the lab's network namespace, with addresses on
# 10.77.0.0/24 that exist only inside these namespaces. Nothing reaches the
# host's network; everything vanishes with the lab.

LAB_NET=10.77.0
declare -A NODE_PID NODE_IP

lab_up() {
    ip link set lo up
    ip link add br-lab type bridge
    ip link set br-lab up
}

# node_create NAME IPSUFFIX: a node with its own pid 1, hostname NAME,
# address $LAB_NET.IPSUFFIX on eth0 and a /run of its own (a tmpfs: a daemon's
# pid file lands there, not in the host's /run). Its pid 1 is a bash that
# sleeps and, like init, reaps the orphans reparented to it (a detached
# pkginit that exits). Fails (status 1) when the node does not come up within
# 10 s.
node_create() {
    local name=$1 ip="$LAB_NET.$2" ready
    ready=$(mktemp -u "$T/ready.XXXX")
    mkfifo "$ready"
    unshare --net --mount --propagation private --uts --pid --fork --mount-proc \
        bash -c 'hostname "$1"; mount -t tmpfs -o mode=755 "run-$1" /run; echo up > "$2"; while :; do sleep 3600 & wait $!; done' \
        node "$name" "$ready" </dev/null >/dev/null 2>&1 &
    local launcher=$! line= holder= i
    # A node that dies before it writes would leave the read blocked: read
    # with a timeout, and open the FIFO read-write so the open cannot block.
    read -r -t 10 line <> "$ready" || true
    rm -f "$ready"
    [ "$line" = up ] || { echo "node_create $name: the node did not come up" >&2; return 1; }
    for i in $(seq 50); do
        holder=$(pgrep -P "$launcher") && break
        sleep 0.05
    done
    [ -n "$holder" ] || { echo "node_create $name: no pid 1" >&2; return 1; }
    NODE_PID[$name]=$holder
    NODE_IP[$name]=$ip
    ip link add "v-$name" type veth peer name "b-$name"
    ip link set "b-$name" master br-lab up
    ip link set "v-$name" netns "$holder"
    node_exec "$name" sh -c "ip link set lo up; ip link set v-$name name eth0; ip addr add $ip/24 dev eth0; ip link set eth0 up"
}

# node_exec NAME CMD...: run CMD inside the node (all its namespaces), in the
# directory its pid 1 started in.
node_exec() {
    local name=$1; shift
    nsenter -t "${NODE_PID[$name]}" --net --mount --uts --pid --root --wd -- "$@"
}

# node_kill NAME: the node dies at once, as in a crash: its pid 1 is killed,
# which kills every process in its pid namespace; its mounts go with its
# mount namespace, its addresses with its network namespace. Returns when
# pid 1 is gone (at most 5 s); status 1 if it is not.
node_kill() {
    local pid=${NODE_PID[$1]} i
    kill -9 "$pid" 2>/dev/null || true
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    ip link del "b-$1" 2>/dev/null || true
    ! kill -0 "$pid" 2>/dev/null
}

# pkg_ip_add NODE ADDR / pkg_ip_del NODE ADDR: move a package address (a
# secondary address on the node's eth0, as cmmodnet adds it).
pkg_ip_add() { node_exec "$1" ip addr add "$2/24" dev eth0; }
pkg_ip_del() { node_exec "$1" ip addr del "$2/24" dev eth0; }
