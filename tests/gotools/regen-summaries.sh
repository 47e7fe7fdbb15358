#!/bin/sh
# Writes Go's own goroutine summaries for every committed trace Go reads as
# tests/golden/<toolchain>/<name>.goroutines.jsonl.gz (and for Go's reader
# tests as tests/go-testdata/<name>.goroutines.jsonl), using gosummary
# (internal/trace's Summarizer, what `go tool trace` shows). Needs Go 1.27
# with its sources; CI only reads the results.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
sh "$here/build.sh" "$tools" >/dev/null
for f in "$root"/traces/go1.*/*.trace; do
	dir=$(basename "$(dirname "$f")")
	name=$(basename "$f" .trace)
	mkdir -p "$root/tests/golden/$dir"
	out=$root/tests/golden/$dir/$name.goroutines.jsonl.gz
	# Traces Go's reader rejects have no summary.
	if "$tools/gosummary" "$f" >"$tools/summary" 2>/dev/null; then
		gzip -9n <"$tools/summary" >"$out"
	else
		rm -f "$out"
	fi
done
# Go's own reader tests that decode.
for f in "$root"/tests/go-testdata/*.trace; do
	grep -q '^SUCCESS' "${f%.trace}.expect" || continue
	"$tools/gosummary" "$f" >"${f%.trace}.goroutines.jsonl"
done
