#!/bin/sh
# Writes Go's own pprof profiles of every committed trace, as
# `go tool trace -pprof=TYPE` computes them, in goprof's per-stack text form:
# tests/golden/<toolchain>/<name>.pprof.gz with one "# TYPE" section per
# profile (sched, sync, net, syscall). Needs Go 1.27 with its sources; CI
# only reads the results (tests/test_pprof.c).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
GOROOT=${GOROOT:-/usr/lib/go-1.27}
export GOROOT GOTOOLCHAIN=local
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
sh "$here/build.sh" "$tools" goprof >/dev/null
for f in "$root"/traces/go1.*/*.trace; do
	dir=$(basename "$(dirname "$f")")
	name=$(basename "$f" .trace)
	mkdir -p "$root/tests/golden/$dir"
	: >"$tools/out"
	ok=1
	for k in sched sync net syscall; do
		# A trace Go's own reader refuses (see <name>.parsed.err) has no golden.
		if ! "$GOROOT/bin/go" tool trace -pprof=$k "$f" >"$tools/p.pb.gz" 2>"$tools/err"; then
			echo "regen-pprof.sh: skipping $dir/$name: $(cat "$tools/err")" >&2
			ok=0
			break
		fi
		{ echo "# $k"; "$tools/goprof" "$tools/p.pb.gz"; } >>"$tools/out"
	done
	[ $ok = 1 ] && gzip -9n <"$tools/out" >"$root/tests/golden/$dir/$name.pprof.gz"
done
