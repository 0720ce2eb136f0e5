#!/bin/bash
# getcpkg and pkglogin against the original shell/lsof approach and the
# exec floor. Everything runs inside a private namespace.
. "$BENCH_LIB"
in_sandbox '
net_up 127.0.0.2 127.0.0.3
export SGCONF="$T/sg" PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T" PCUE_CMVIEWCL=0
# 1,000 packages with the paper'"'"'s pkgctl files (IP_ADDRESS[0]=...)
for i in $(seq 1 1000); do
    mkdir -p "$SGCONF/pkg$i"
    printf "# control script\nVG[0]=vg$i\nIP_ADDRESS[0]=\"10.%d.%d.%d\"\nSUBNET[0]=10.0.0.0\n" $((i / 65536)) $((i / 256 % 256)) $((i % 256)) > "$SGCONF/pkg$i/pkgctl"
done
mkdir -p "$SGCONF/pkg01"; printf "IP_ADDRESS[0]=127.0.0.2\n" > "$SGCONF/pkg01/pkgctl"
mkroot pkg01

# The paper'"'"'s pkglogin: grep IP_ADDRESS out of every package'"'"'s pkgctl.
cat > "$T/pkglogin.sh" <<"EOS"
#!/bin/bash
for d in "$SGCONF"/*/; do
    if grep -Eq "^[^#]*IP_ADDRESS\[[0-9]+\]=\"?$1\"?([;[:space:]]|$)" "$d/pkgctl" 2>/dev/null; then
        basename "$d"; exit 0
    fi
done
EOS
# The paper'"'"'s getcpkg for a connection: lsof on the inetd child, then pkglogin.
cat > "$T/getcpkg-lsof.sh" <<"EOS"
#!/bin/bash
local_ip=$(lsof -n -P -a -p $PPID -d 0 -i -F n 2>/dev/null | sed -n "s/^n\([^:]*\):[0-9]*->.*/\1/p" | head -1)
[ -n "$local_ip" ] && exec "$T/pkglogin.sh" "$local_ip"
EOS
chmod +x "$T/pkglogin.sh" "$T/getcpkg-lsof.sh"
# pkg999 sorts last, so both scan every package
last=10.0.3.231
[ "$("$T/pkglogin.sh" $last)" = pkg999 ] || echo "bench: shell pkglogin gives the wrong answer" >&2
[ "$($PCUE pkglogin $last)" = pkg999 ] || echo "bench: pkglogin gives the wrong answer" >&2
ours=$(hf_ms 20 "$PCUE pkglogin $last")
peer=$(hf_ms 20 "$T/pkglogin.sh $last")
report "pkglogin, 1000 packages, last one" "$ours" "shell-grep-loop" "$peer" ms

# A connection held open on 127.0.0.2: the measuring loop runs as the
# server-side program, so fd 0 is the socket and $PPID holds it too.
cat > "$T/measure.sh" <<"EOS"
#!/bin/bash
exec 3>&1
. "$BENCH_LIB"
[ "$($PCUE getcpkg -f)" = pkg01 ] || echo "bench: getcpkg -f is wrong" >&2
[ "$(bash "$T/getcpkg-lsof.sh")" = pkg01 ] || echo "bench: the lsof pipeline is wrong" >&2
# fds 0-2 stay on the socket: median_ms redirects only stdout and stderr
ours=$(median_ms 30 "$PCUE" getcpkg -f 0<&0)
peer=$(median_ms 30 bash "$T/getcpkg-lsof.sh" 0<&0)
report "getcpkg for a connection (socket on fd 0)" "$ours" "lsof+grep-pipeline" "$peer" ms >&2
EOS
chmod +x "$T/measure.sh"
socat TCP-LISTEN:7100,bind=127.0.0.2,reuseaddr EXEC:"$T/measure.sh",nofork 2>&1 &
sleep 0.3
socat -T 120 - TCP:127.0.0.2:7100 </dev/null >/dev/null 2>&1
wait

# Inside a package: root-mount identity.
[ "$(chroot "$T/pkg01" /corp/bin/getcpkg)" = pkg01 ] || echo "bench: getcpkg in the package is wrong" >&2
ours=$(NOSHELL=1 hf_ms 50 "chroot $T/pkg01 /corp/bin/getcpkg")
floor=$(NOSHELL=1 hf_ms 50 "chroot $T/pkg01 /bin/true")
report "getcpkg inside a package (incl. chroot)" "$ours" "chroot+true" "$floor" ms

# Exec-to-exit in the system context vs a static true.
bbtrue="$(command -v busybox) true"
ours=$(NOSHELL=1 hf_ms 100 "$PCUE getcpkg")
peer=$(NOSHELL=1 hf_ms 100 "$bbtrue")
report "getcpkg exec-to-exit, system context" "$ours" "static-busybox-true" "$peer" ms
echo "size: $(stat -c %s "$PCUE") bytes; $(file -b "$PCUE" | cut -d, -f1-5)"
'
