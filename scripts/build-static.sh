#!/bin/bash
# Build the stripped, statically linked pcue binary and copy it to $1.
# musl (added with rustup when missing) first; glibc with +crt-static if the
# musl target cannot be had. Fails unless file(1) says "statically linked".
set -euo pipefail
out=${1:-target/pcue}
musl=x86_64-unknown-linux-musl
if ! rustup target list --installed 2>/dev/null | grep -qx "$musl"; then
    rustup target add "$musl" >&2 || echo "build: no musl target; falling back to glibc +crt-static" >&2
fi
if rustup target list --installed 2>/dev/null | grep -qx "$musl"; then
    # non-PIE by default so file(1) says "statically linked"; STATIC_PIE=1
    # keeps a static-pie (ASLR for the binary's own text)
    flags="-C target-feature=+crt-static"
    [ "${STATIC_PIE:-0}" = 1 ] || flags="$flags -C relocation-model=static"
    RUSTFLAGS="$flags" cargo build --release --locked --target "$musl" >&2
    src=target/$musl/release/pcue
else
    host=$(rustc -vV | sed -n 's/^host: //p')
    RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$host" >&2
    src=target/$host/release/pcue
fi
mkdir -p "$(dirname "$out")"
cp -f "$src" "$out.tmp" && mv -f "$out.tmp" "$out"
desc=$(file -b "$out")
case "$desc" in
    *"statically linked"*|*"static-pie linked"*) ;;
    *) echo "build: $out is not statically linked: $desc" >&2; exit 1 ;;
esac
case "$desc" in
    *"not stripped"*) echo "build: $out is not stripped" >&2; exit 1 ;;
esac
echo "build: $out: $(stat -c %s "$out") bytes, $desc" >&2
