#!/bin/bash
# pkgnet under churn: SOAK_PKGNET_N (10,000) connections through a real
# inetd (openbsd-inetd) to package addresses (IPv4 and IPv6) and system
# addresses, in random order (seeded), while
#   - a background loop rewrites the registry all the time (atomic
#     renames, lines reordered, pkg02 switching between a legacy control
#     script and a modular file),
#   - between connections the state changes: pkg02 stopped, its root
#     unmounted, then mounted again by mkpcue and started, pkg01's root made writable by others and
#     back, pkg02's control script replaced by a FIFO and back, SGCONF
#     closed to the unprivileged service user and opened again.
# Every answer is checked against the state it was asked in: the package's
# name, "system", or nothing (refused: fail closed). Figures: connections,
# Both packages are isolated (started as the node starts them: mkpcue
# --cgroup, pkginit -p), so every package connection joins a running
# package. Figures: connections,
# misroutes (a wrong non-empty answer), package connections served by the
# system (must be 0), refusals, and the descriptors the daemon inherits
# from pkgnet, and inetd's own, at the start and at the end (flat).
# SOAK_PKGNET_MODE=accept (11-pkgnet-accept): the same with `wait`
# services served by resident pkgnet -a processes, and their memory (RSS)
# after the first connections and at the end (flat).
set -euo pipefail
: "${PCUE:?}" "${SOAK_LIB:?}"
N=${SOAK_PKGNET_N:-10000}
MODE=${SOAK_PKGNET_MODE:-nowait}
SEED=${SOAK_SEED:-11}
for c in inetd python3; do
    command -v $c >/dev/null || { echo "10-pkgnet: needs $c (make deps)" >&2; exit 1; }
done
. "$SOAK_LIB"
soak_sandbox "$0" "$@"
private_dev
private_etc
net_up 127.0.0.2 127.0.0.3 127.0.0.9 fd00::2 fd00::3
# no Pacemaker CIB (the host's, if any, is unreadable to the unprivileged
# service: its pkgnet would fail closed for every address)
export SGCONF="$T/sg" PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T" PCUE_CMVIEWCL=0 PCUE_CIB="$T/no-cib.xml"
reg_cntl pkg01 127.0.0.2 fd00::2
reg_cntl pkg02 127.0.0.3 fd00::3
for p in pkg01 pkg02; do mkpcue_root $p >/dev/null; echo $p > "$T/$p/etc/motd"; done
echo system > /etc/motd
chmod 755 "$T"
mkdir -p "$T/bin"; cp "$PCUE" "$T/bin/pcue"
for a in pkgnet pkginit telinit mkpcue; do ln -s pcue "$T/bin/$a"; done
# the daemon: the motd, then the descriptors it was handed (ls adds its own)
# (in /etc: the sandbox's own overlay, and each package's own /etc)
R=/etc/soak-report.sh
cat > "$R" <<'SH'
#!/bin/sh
read m < /etc/motd
echo "$m"
exec ls /proc/self/fd
SH
chmod 755 "$R"
for p in pkg01 pkg02; do cp "$R" "$T/$p$R"; done
# both started as the node starts them (an inittab with a respawned sleep)
for p in pkg01 pkg02; do
    printf 'id:3:initdefault:\nsl:3:respawn:+/bin/sleep 100000\n' > "$T/$p/etc/inittab"
    soak_start $p
done
if [ "$MODE" = accept ]; then
    W="wait" A="-a"
else
    W="nowait.1000000" A=""
fi
cat > "$T/inetd.conf" <<CONF
7301 stream tcp $W root $T/bin/pkgnet pkgnet $A $R
7301 stream tcp6 $W root $T/bin/pkgnet pkgnet $A $R
7302 stream tcp $W nobody $T/bin/pkgnet pkgnet $A $R
CONF
inetd -d "$T/inetd.conf" > "$T/inetd.log" 2>&1 &
INETD=$!
wait_until 10 "ss -Hltn | grep -q ':7302 '" || die "inetd did not start"

# the background rewriter: same packages, same addresses, new files
cat > "$T/rewrite.sh" <<'SH'
#!/bin/bash
i=0
while [ ! -e "$T/stop" ]; do
    i=$((i + 1))
    d="$SGCONF/pkg01"
    if ((i % 2)); then
        printf '# rewrite %s\nIP[1]="fd00::2"; IP[0]=127.0.0.2\n' $i > "$d/.new"
    else
        printf 'IP[0]=127.0.0.2\nIP[1]=fd00::2 # rewrite %s\n' $i > "$d/.new"
    fi
    mv -f "$d/.new" "$d/pkg01.cntl"
    d="$SGCONF/pkg02"
    if ((i % 50 == 0)); then   # legacy -> modular and back, unless a FIFO is there
        flock "$T/lock02" bash -c '
            d=$1
            if [ -p "$d/pkg02.cntl" ] || [ -p "$d/pkg02.conf" ]; then exit 0; fi
            if [ -e "$d/pkg02.cntl" ]; then
                printf "package_name pkg02\nip_address fd00::3\nip_address 127.0.0.3\n" > "$d/.new"
                mv -f "$d/.new" "$d/pkg02.conf"; rm -f "$d/pkg02.cntl"
            else
                printf "IP[0]=127.0.0.3\nIP[1]=fd00::3\n" > "$d/.new"
                mv -f "$d/.new" "$d/pkg02.cntl"; rm -f "$d/pkg02.conf"
            fi' sh "$d"
    fi
    sleep 0.01
done
SH
chmod 755 "$T/rewrite.sh"
"$T/rewrite.sh" &
REWRITER=$!
inetd_fds() { ls /proc/$INETD/fd | wc -l; }
# the resident pkgnet -a processes' memory, in kB (summed)
acceptors_rss() { ps -o rss= -C pkgnet | awk '{ s += $1 } END { print s + 0 }'; }
echo "inetd_fds_start=$(inetd_fds)" > "$T/figures"

PCUE_SRC=$(cd "$(dirname "$SOAK_LIB")/../.." && pwd) python3 - "$N" "$SEED" "$T" > "$T/driver.out" <<'PY'
import os, random, socket, subprocess, sys
n, seed, T = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(seed)
owner = {"127.0.0.2": "pkg01", "fd00::2": "pkg01", "127.0.0.3": "pkg02", "fd00::3": "pkg02",
         "127.0.0.1": "system", "::1": "system", "127.0.0.9": "system"}
def sh(cmd):
    subprocess.run(["bash", "-c", cmd], check=True, stdout=subprocess.DEVNULL)
# states: (name, enter, leave, which addresses are refused: a set of owners, or "all-but-pkg01")
states = [
    # stopped and unmounted (the node's stop), then mounted and started again
    ("pkg02-unmounted", "soak_stop pkg02; umount -R $T/pkg02",
        "mkpcue_root pkg02 >/dev/null; soak_start pkg02", {"pkg02"}),
    ("pkg01-writable", "chmod 757 $T/pkg01", "chmod 755 $T/pkg01", {"pkg01"}),
    # the package file (legacy or modular, whichever the rewriter left) a FIFO
    ("pkg02-fifo", "flock $T/lock02 bash -c 'cd $SGCONF/pkg02; f=$(ls pkg02.c*); "
        "mv $f $T/saved; echo $f > $T/saved.name; mkfifo $f'",
        "flock $T/lock02 bash -c 'cd $SGCONF/pkg02; f=$(cat $T/saved.name); rm $f; mv $T/saved $f'",
        {"pkg02", "system"}),
    ("sgconf-closed", "chmod 700 $SGCONF", "chmod 755 $SGCONF", "nobody"),
]
lib = ". %s/tests/lib.sh; . %s; " % (os.environ["PCUE_SRC"], os.environ["SOAK_LIB"])
def ask(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind(("::1" if fam == socket.AF_INET6 else "127.0.0.1", 0))
    s.connect((addr, port))
    data = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
    s.close()
    return data.decode(errors="replace").split()
count = dict(total=0, ok=0, misroute=0, system_for_pkg=0, refused_expected=0, refused_race=0)
fds = []
races = {}  # (state, owner asked, port) -> count
state = None
for i in range(n):
    if i == min(500, n // 2):
        rss_early = subprocess.run(["bash", "-c", "ps -o rss= -C pkgnet | awk '{ s += $1 } END { print s + 0 }'"],
                                   capture_output=True, text=True).stdout.strip()
    if i % 250 == 0:
        if state:
            sh(lib + state[2])
            state = None
        if (i // 250) % 2 == 1:
            state = states[(i // 500) % len(states)]
            sh(lib + state[1])
    addrs = list(owner)
    addr = rnd.choice(addrs)
    port = 7301
    if state and state[3] == "nobody" or rnd.random() < 0.1:
        if ":" not in addr:
            port = 7302
    want = owner[addr]
    # the unprivileged service cannot chroot: a package address is refused
    refused = (port == 7302 and want != "system") or (state is not None and (
        (state[3] == "nobody" and port == 7302) or
        (isinstance(state[3], set) and want in state[3])))
    got = ask(addr, port)
    count["total"] += 1
    name = got[0] if got else ""
    if len(got) > 1:
        fds.append(len(got) - 1)  # what ls saw: handed down, plus its own
    if name == "":
        if refused:
            count["refused_expected"] += 1
        else:
            count["refused_race"] += 1
            k = "%s/%s/%d" % (state[0] if state else "steady", want, port)
            races[k] = races.get(k, 0) + 1
    elif name == want and not refused:
        count["ok"] += 1
    else:
        count["misroute"] += 1
        if name == "system" and want != "system":
            count["system_for_pkg"] += 1
        print("MISROUTE %d %s:%d state=%s want=%s got=%s" % (i, addr, port, state and state[0], want, name), file=sys.stderr)
if state:
    sh(lib + state[2])
for k, v in count.items():
    print("%s=%d" % (k, v))
print("races=%s" % (" ".join("%s:%d" % kv for kv in sorted(races.items())) or "none"))
print("rss_early=%s" % rss_early)
print("fds_start=%s" % (fds[0] if fds else "?"))
print("fds_end=%s" % (fds[-1] if fds else "?"))
print("fds_max=%s" % (max(fds) if fds else "?"))
PY
touch "$T/stop"; wait $REWRITER || true
echo "inetd_fds_end=$(inetd_fds)" >> "$T/figures"
echo "rss_end=$(acceptors_rss)" >> "$T/figures"
cat "$T/driver.out" >> "$T/figures"
f() { sed -n "s/^$1=//p" "$T/figures"; }
figure "pkgnet connections" "$(f total) (seed $SEED)"
figure "pkgnet served as expected" "$(f ok)"
figure "pkgnet misroutes" "$(f misroute)"
figure "pkgnet package connections served by the system" "$(f system_for_pkg)"
figure "pkgnet refused while their package was broken (fail closed)" "$(f refused_expected)"
figure "pkgnet refused in a race with a registry rewrite" "$(f refused_race) (state/package asked/port: $(f races))"
figure "pkgnet descriptors handed to the daemon, start/end/max" "$(f fds_start)/$(f fds_end)/$(f fds_max)"
figure "inetd descriptors, start/end" "$(f inetd_fds_start)/$(f inetd_fds_end)"
[ "$MODE" = accept ] && figure "pkgnet -a resident memory (RSS kB, summed), after min(500, N/2) connections/at the end" "$(f rss_early)/$(f rss_end)"
if [ "$MODE" = accept ]; then
    # heap warm-up aside, nothing grows with the connections served
    [ "$(f rss_end)" -le $(($(f rss_early) + 256)) ] || die "pkgnet -a grew: $(f rss_early) kB -> $(f rss_end) kB"
fi
[ "$(f misroute)" = 0 ] && [ "$(f system_for_pkg)" = 0 ] \
    && [ "$(f total)" = "$N" ] && [ "$(f fds_start)" = "$(f fds_end)" ] && [ "$(f fds_max)" = "$(f fds_start)" ] \
    && [ "$(f inetd_fds_start)" = "$(f inetd_fds_end)" ] \
    && [ "$(f ok)" -ge $((N / 2)) ] || die "pkgnet soak: a figure is wrong"
