#!/bin/sh
# `meson install` into a temporary directory: every file lands where it
# should, and a program outside the tree builds against the installed
# library with pkg-config and reads a trace.
#   usage: install.sh BUILD_DIR SOURCE_DIR SANITIZE
set -eu
build=$1
src=$2
sanitize=${3:-none}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$tmp/install.log" 2>&1 || {
	cat "$tmp/install.log"
	exit 1
}
prefix=$(sed -n 's/^prefix=//p' "$build/meson-private/gotrace.pc")
root=$dest$prefix
fail=0
need() { # PATH-GLOB: some installed file's path ends like this
	found=$(find "$root" -path "*/$1" | head -1)
	if [ -n "$found" ]; then echo "ok: ${found#"$dest"}"; else echo "FAIL: nothing installed as */$1"; fail=1; fi
}
need bin/gotrace
need include/gotrace/decoder.h
need include/gotrace/status.h
need 'lib*/libgotrace.so'
need pkgconfig/gotrace.pc
need share/man/man1/gotrace.1
need share/applications/gotrace.desktop
need share/mime/packages/gotrace.xml
need bash-completion/completions/gotrace
[ "$fail" = 0 ] || exit 1

pcdir=$(dirname "$(find "$root" -name gotrace.pc | head -1)")
libdir=$(dirname "$(find "$root" -name 'libgotrace.so*' | head -1)")
export PKG_CONFIG_PATH="$pcdir"
flags=$(pkg-config --define-variable=prefix="$root" --cflags --libs gotrace)
echo "pkg-config --cflags --libs gotrace: $flags"
san=
[ "$sanitize" = none ] || san="-fsanitize=$sanitize"
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Werror $san -o "$tmp/consumer" "$src/tests/install/consumer.c" $flags
LD_LIBRARY_PATH=$libdir "$tmp/consumer" "$src/traces/go1.27/stw.trace"
LD_LIBRARY_PATH=$libdir "$root/bin/gotrace" info "$src/traces/go1.27/stw.trace" | head -3
echo "installed and usable"
