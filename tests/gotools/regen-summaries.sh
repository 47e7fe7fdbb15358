#!/bin/sh
# Writes Go's own goroutine summaries for every committed v2 trace as
# tests/golden/<toolchain>/<name>.goroutines.jsonl.gz, using gosummary
# (internal/trace's Summarizer, what `go tool trace` shows). Needs Go 1.27
# with its sources; CI only reads the results.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
sh "$here/build.sh" "$tools" >/dev/null
for f in "$root"/traces/go1.*/*.trace; do
	case $(head -c 7 "$f") in
	"go 1.22" | "go 1.23" | "go 1.25" | "go 1.26") ;;
	*) continue ;;
	esac
	dir=$(basename "$(dirname "$f")")
	name=$(basename "$f" .trace)
	mkdir -p "$root/tests/golden/$dir"
	"$tools/gosummary" "$f" | gzip -9n >"$root/tests/golden/$dir/$name.goroutines.jsonl.gz"
done
