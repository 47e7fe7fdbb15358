#!/bin/sh
# Where Go is installed: `go tool pprof -top` of gotrace's profiles against
# the same view of `go tool trace -pprof=TYPE`, for each profile type.
#
#   tests/gotools/compare-pprof.sh GOTRACE [TRACE...]   (default: traces/go1.27/*.trace)
#
# Exits 1 on the first difference, printing both tables.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
gotrace=$1
shift
[ $# -gt 0 ] || set -- "$root"/traces/go1.27/*.trace
GOROOT=${GOROOT:-/usr/lib/go-1.27}
export GOROOT GOTOOLCHAIN=local
go="$GOROOT/bin/go"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$@"; do
	for k in sched sync net syscall; do
		"$go" tool trace -pprof=$k "$f" >"$tmp/go.pb.gz"
		"$gotrace" export --format pprof --profile $k -o "$tmp/ours.pb.gz" "$f"
		# Line 1 names the file; the rest is the table.
		"$go" tool pprof -top -nodecount=100000 "$tmp/go.pb.gz" 2>/dev/null | tail -n +2 >"$tmp/go.top"
		"$go" tool pprof -top -nodecount=100000 "$tmp/ours.pb.gz" 2>/dev/null | tail -n +2 >"$tmp/ours.top"
		if ! cmp -s "$tmp/go.top" "$tmp/ours.top"; then
			echo "$f $k: go tool pprof -top differs" >&2
			diff "$tmp/go.top" "$tmp/ours.top" >&2 || true
			exit 1
		fi
		echo "$f $k: same ($(sed -n 's/^Showing nodes accounting for \([^,]*\),.* of \(.*\) total/\2 total/p' "$tmp/ours.top"))"
	done
done
