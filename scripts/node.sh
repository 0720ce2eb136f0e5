# Simulated cluster nodes on one machine (sourced by the demo, the failover
# script and its test). Call inside a private mount + net + pid namespace (the
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

# node_create NAME IPSUFFIX: a node with its own pid 1 (a sleeping shell),
# hostname NAME and address $LAB_NET.IPSUFFIX on eth0.
node_create() {
    local name=$1 ip="$LAB_NET.$2" ready
    ready=$(mktemp -u "$T/ready.XXXX")
    mkfifo "$ready"
    unshare --net --mount --propagation private --uts --pid --fork --mount-proc \
        bash -c 'hostname "$1"; echo up > "$2"; exec sleep infinity' node "$name" "$ready" 2>/dev/null &
    local launcher=$! line holder
    read -r line < "$ready"
    rm -f "$ready"
    holder=$(pgrep -P "$launcher")   # the node's pid 1, seen from the lab
    NODE_PID[$name]=$holder
    NODE_IP[$name]=$ip
    ip link add "v-$name" type veth peer name "b-$name"
    ip link set "b-$name" master br-lab up
    ip link set "v-$name" netns "$holder"
    node_exec "$name" sh -c "ip link set lo up; ip link set v-$name name eth0; ip addr add $ip/24 dev eth0; ip link set eth0 up"
}

# node_exec NAME CMD...: run CMD inside the node (all its namespaces).
node_exec() {
    local name=$1; shift
    nsenter -t "${NODE_PID[$name]}" --net --mount --uts --pid --root --wd -- "$@"
}

# node_kill NAME: the node dies at once, as in a crash: its pid 1 is killed,
# which kills every process in it; its mounts go with its mount namespace.
node_kill() {
    kill -9 "${NODE_PID[$1]}" 2>/dev/null || true
    local i
    for i in $(seq 100); do kill -0 "${NODE_PID[$1]}" 2>/dev/null || break; sleep 0.05; done
    ip link del "b-$1" 2>/dev/null || true
}

# pkg_ip_add NODE ADDR / pkg_ip_del NODE ADDR: move a package address.
pkg_ip_add() { node_exec "$1" ip addr add "$2/24" dev eth0; }
pkg_ip_del() { node_exec "$1" ip addr del "$2/24" dev eth0; }
