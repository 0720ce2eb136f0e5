#!/bin/bash
# The registry lookup a connection costs (issue 20): getcpkg (root) for a
# system-context connection (a registry miss: every package must be ruled
# out), answered by the registry keeper (src/registry/keeper.rs: one
# request on a local socket), against the same lookup on an empty
# registry. Serviceguard layouts of 1,000 and 10,000 packages, CIBs of
# 1,000 and 5,000 packages (the 5,000 one is 4.7 MB, over the old 4 MiB
# cap). Also, for the record, the same miss through the index file alone
# (no keeper: one stat per source) and without either (a full read),
# against the empty registry's figure from the same registry's rounds.
set -euo pipefail
: "${PCUE:?}" "${BENCH_LIB:?}"
command -v hyperfine >/dev/null || { echo "11-registry: needs hyperfine (make deps)" >&2; exit 1; }
. "$BENCH_LIB"
bench_sandbox "$0" "$@"
mount -t tmpfs -o mode=755 bench-run /run
export PCUE_CMVIEWCL=0 PCUE_ROOT_PREFIX="$T" PCUE_CMCLUSTER_CONF="$T/none.conf"
sg() { # sg N DIR: N packages with the paper's pkgctl files
    local i
    for ((i = 1; i <= $1; i++)); do
        mkdir -p "$2/pkg$i"
        printf '# control script\nVG[0]=vg%d\nIP_ADDRESS[0]="10.%d.%d.%d"\nSUBNET[0]=10.0.0.0\n' \
            $i $((i / 65536)) $((i / 256 % 256)) $((i % 256)) > "$2/pkg$i/pkgctl"
    done
}
cib() { # cib N FILE: N groups as the README's recipe makes them
    awk -v n="$1" 'BEGIN {
        print "<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\">"
        print "<configuration><crm_config/><nodes/><resources>"
        for (i = 1; i <= n; i++) {
            a = sprintf("10.%d.%d.%d", int(i / 65536), int(i / 256) % 256, i % 256)
            printf "<group id=\"grp_pkg%d\">\n", i
            printf "  <primitive id=\"fs_pkg%d\" class=\"ocf\" provider=\"heartbeat\" type=\"Filesystem\">\n", i
            printf "    <instance_attributes id=\"fs_pkg%d-ia\">\n", i
            printf "      <nvpair id=\"fs_pkg%d-dev\" name=\"device\" value=\"/dev/vg%d/lvol1\"/>\n", i, i
            printf "      <nvpair id=\"fs_pkg%d-dir\" name=\"directory\" value=\"/pkg%d\"/>\n", i, i
            printf "      <nvpair id=\"fs_pkg%d-fst\" name=\"fstype\" value=\"ext4\"/>\n", i
            printf "    </instance_attributes>\n  </primitive>\n"
            printf "  <primitive id=\"ip_pkg%d\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\">\n", i
            printf "    <instance_attributes id=\"ip_pkg%d-ia\">\n", i
            printf "      <nvpair id=\"ip_pkg%d-ip\" name=\"ip\" value=\"%s\"/>\n", i, a
            printf "      <nvpair id=\"ip_pkg%d-cidr\" name=\"cidr_netmask\" value=\"24\"/>\n", i
            printf "    </instance_attributes>\n  </primitive>\n"
            printf "  <primitive id=\"pcue_pkg%d\" class=\"ocf\" provider=\"pcue\" type=\"package\">\n", i
            printf "    <instance_attributes id=\"pcue_pkg%d-ia\">\n", i
            printf "      <nvpair id=\"pcue_pkg%d-package\" name=\"package\" value=\"pkg%d\"/>\n", i, i
            printf "    </instance_attributes>\n  </primitive>\n</group>\n"
        }
        print "</resources><constraints/></configuration><status/></cib>"
    }' > "$2"
}
sg 1000 "$T/sg1k"; sg 10000 "$T/sg10k"
cib 1000 "$T/cib1k.xml"; cib 5000 "$T/cib5k.xml"
ssh_conn="SSH_CONNECTION='127.0.0.1 5000 127.0.0.1 22'"
look() { # look SGCONF CIB [INDEX [KEEPER_IDLE]]: the getcpkg command line for a miss
    local idx=${3:+PCUE_INDEX=$3} idle=${4:+PCUE_KEEPER_IDLE=$4}
    echo "env $ssh_conn PCUE_SGCONF=$1 PCUE_CIB=$2 $idx $idle $PCUE getcpkg -f"
}
none="$T/no-such-dir" nocib="$T/no-such-cib.xml"
# each answer checked (a miss prints nothing and exits 0), each index made
for c in "sg1k:$T/sg1k:$nocib" "sg10k:$T/sg10k:$nocib" "cib1k:$none:$T/cib1k.xml" "cib5k:$none:$T/cib5k.xml"; do
    IFS=: read -r name s x <<<"$c"
    out=$(eval "$(look "$s" "$x" "/run/$name.idx")" 2>&1) || { echo "11-registry: $name: getcpkg failed: $out" >&2; exit 1; }
    [ -z "$out" ] || { echo "11-registry: $name: '$out' for a miss" >&2; exit 1; }
    sleep 0.2; eval "$(look "$s" "$x" "/run/$name.idx")" >/dev/null
    for i in $(seq 50); do [ -f "/run/$name.idx" ] && break; sleep 0.1; done
    [ -f "/run/$name.idx" ] || { echo "11-registry: $name: no index written" >&2; exit 1; }
done
# one keeper per registry
keepers=$(pgrep -x pcue-keeper | wc -l)
[ "$keepers" = 4 ] || { echo "11-registry: $keepers keepers running, not 4" >&2; exit 1; }
# the keeper's answer timed beside the empty registry's: 6 rounds of 10
# runs each (hyperfine, no shell), the two alternating, the order rotating;
# the median of each side's round medians (load that comes and goes falls
# on both alike)
beside() { # beside CMD_A CMD_B: "MEDIAN_A MEDIAN_B" in ms
    local r a=() b=()
    for ((r = 0; r < 6; r++)); do
        if ((r % 2)); then
            b+=("$(NOSHELL=1 hf_ms 10 "$2")"); a+=("$(NOSHELL=1 hf_ms 10 "$1")")
        else
            a+=("$(NOSHELL=1 hf_ms 10 "$1")"); b+=("$(NOSHELL=1 hf_ms 10 "$2")")
        fi
    done
    med() { sort -g | awk '{v[NR]=$1} END {printf "%.3f", (v[int((NR+1)/2)] + v[int(NR/2)+1]) / 2}'; }
    echo "$(printf '%s\n' "${a[@]}" | med) $(printf '%s\n' "${b[@]}" | med)"
}
for c in "sg1k:$T/sg1k:$nocib:1000 Serviceguard packages" "sg10k:$T/sg10k:$nocib:10000 Serviceguard packages" \
         "cib1k:$none:$T/cib1k.xml:1000 CIB packages ($(stat -c %s "$T/cib1k.xml") bytes)" \
         "cib5k:$none:$T/cib5k.xml:5000 CIB packages ($(stat -c %s "$T/cib5k.xml") bytes)"; do
    IFS=: read -r name s x what <<<"$c"
    read -r ours empty <<<"$(beside "$(look "$s" "$x" "/run/$name.idx")" "$(look "$none" "$nocib")")"
    report "getcpkg, system-context connection (registry miss), keeper, $what" "$ours" "empty-registry" "$empty" ms
    file=$(NOSHELL=1 hf_ms 10 "$(look "$s" "$x" "/run/$name.idx" 0)")
    report "the same miss through the index file alone (no keeper), $what" "$file" "empty-registry" "$empty" ms
    raw=$(NOSHELL=1 hf_ms 10 "$(look "$s" "$x")")
    report "the same miss without the index, $what" "$raw" "empty-registry" "$empty" ms
done
echo "index sizes: $(cd /run && stat -c '%n %s' sg1k.idx sg10k.idx cib1k.idx cib5k.idx | tr '\n' ' ')"
echo "keepers: $(pgrep -x pcue-keeper | wc -l) (they end with the bench's pid namespace)"
