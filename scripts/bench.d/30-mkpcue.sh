#!/bin/bash
# mkpcue: building a fresh package root, the idempotent second run, and the
# system calls of that second run (strace -f -c), inside a private mount
# namespace on a tmpfs. Peer: the paper's approach, a shell script walking
# the same layout (mkdir/ln/cp/mkfifo/mount when missing; test -d/-L/-e/-p
# and mountpoint -q per entry).
set -euo pipefail
. "$BENCH_LIB"
[ "$(id -u)" = 0 ] || { echo "bench: mkpcue needs root" >&2; exit 1; }
command -v strace >/dev/null || { echo "bench: mkpcue needs strace" >&2; exit 1; }
exec unshare --mount --propagation private bash -s <<'INNER'
set -euo pipefail
. "$BENCH_LIB"
T=$(mktemp -d)
trap 'umount -R "$T" 2>/dev/null || umount -l "$T"; rmdir "$T"' EXIT
mount -t tmpfs -o mode=755 bench "$T"
export PCUE_ROOT_PREFIX=$T PCUE_SGCONF=$T/sg PCUE_CMVIEWCL=0
mkdir "$T/sg"

# the peer: the layout as a shell script would do it
"$PCUE" mkpcue --print-layout | awk '
    skip { if ($1 == skip) skip = ""; next }
    /^[ \t]*(#|$)/ { next }
    { for (i = 1; i <= NF; i++) if ($i ~ /^<</) { skip = substr($i, 3); $i = "text" } print }' > "$T/layout.txt"
cat > "$T/peer.sh" <<'PEER'
#!/bin/bash
# peer.sh ROOT PKG: build or check a package root from layout.txt
r=$1 pkg=$2
while read -r kind path a b c rest; do
    case $rest$c$b$a in *if=*) for w in $a $b $c $rest; do
        case $w in if=*) [ -e "${w#if=}" ] || continue 2 ;; esac; done ;; esac
    p=$r/$path
    case $kind in
    root) [ -d "$r" ] || mkdir -m 755 "$r"
          mountpoint -q "$r" || { mount --bind "$r" "$r"; mount --make-private "$r"; } ;;
    dir) [ -d "$p" ] || mkdir -m "$a" "$p" ;;
    symlink) [ -L "$p" ] || ln -s "$a" "$p" ;;
    fifo) [ -p "$p" ] || mkfifo -m "$a" "$p" ;;
    file) [ -e "$p" ] || case $b in
            empty) install -m "$a" /dev/null "$p" ;;
            package) echo "$pkg" > "$p"; chmod "$a" "$p" ;;
            passwd:*|group:*) awk -F: '$3 < 1000' "${b#*:}" > "$p"; chmod "$a" "$p" ;;
            shadow:*) cp "${b#*:}" "$p"; chmod "$a" "$p" ;;
            copy:*) install -m "$a" "${b#*:}" "$p" ;;
            *) printf '# %s\n' "$pkg" > "$p"; chmod "$a" "$p" ;;
          esac ;;
    bind) mountpoint -q "$p" || {
            if [ -d "$a" ]; then [ -d "$p" ] || mkdir "$p"; else [ -e "$p" ] || touch "$p"; fi
            mount --bind "$a" "$p"
            [ "$b" = ro ] && mount -o remount,bind,ro "$p"; } ;;
    mount) mountpoint -q "$p" || { [ -d "$p" ] || mkdir "$p"; mount -t "$a" -o "$c" "$b" "$p"; } ;;
    applets) for n in $("$PCUE" --list); do [ -L "$p/$n" ] || ln -s pcue "$p/$n"; done ;;
    esac
done < "${LAYOUT:-layout.txt}"
PEER
chmod +x "$T/peer.sh"
cd "$T"

N=15
fresh() { # fresh CMD-PREFIX: median ms of N builds of new roots
    local i t0 t1 times=()
    for ((i = 0; i < N; i++)); do
        t0=$(date +%s%N); "$@" "f$RANDOM$i" >"$T/fresh.out" 2>&1 || { cat "$T/fresh.out" >&2; exit 1; }; t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]/1000}'
}

# the second run first, on a short mount table
"$PCUE" mkpcue again >/dev/null
"$T/peer.sh" "$T/peeragain" peeragain >/dev/null
"$PCUE" mkpcue again | grep -q 'nothing to do' || { echo "bench: second run did something" >&2; exit 1; }
ours_again=$(median_ms 30 "$PCUE" mkpcue again)
peer_again=$(median_ms 30 "$T/peer.sh" "$T/peeragain" peeragain)
report "mkpcue idempotent second run (ms)" "$ours_again" "sh-script" "$peer_again" ms

calls() { strace -f -c -o "$T/strace.out" "$@" >/dev/null 2>&1; awk '$NF == "total" { print $(NF-2) }' "$T/strace.out"; }
ours_calls=$(calls "$PCUE" mkpcue again)
peer_calls=$(calls "$T/peer.sh" "$T/peeragain" peeragain)
report "mkpcue second run system calls" "$ours_calls" "sh-script" "$peer_calls" calls
# fresh roots last: each adds 12 mounts, and a longer mount table slows
# every later run (ours and the peer's alike)
peer_build() { "$T/peer.sh" "$T/$1" "$1"; }
ours_fresh=$(fresh "$PCUE" mkpcue)
peer_fresh=$(fresh peer_build)
report "mkpcue fresh root (ms)" "$ours_fresh" "sh-script" "$peer_fresh" ms
entries=$(grep -c . "$T/layout.txt")
echo "BENCH-NOTE layout lines $entries; mounts per root $(awk -v r="$T/again" '$5 == r || index($5, r "/") == 1' /proc/self/mountinfo | wc -l)"
INNER
