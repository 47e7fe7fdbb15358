#!/bin/sh
# Build the Go-side helper tools (trace2bin, goreader, fuzzcorpus, gosummary).
#
#   tests/gotools/build.sh [OUTDIR [TOOL...]]   (default OUTDIR: build-go/)
#
# Without TOOL names it builds every tests/gotools/<tool>/main.go.
#
# The tools import std-internal packages (internal/trace, internal/trace/testtrace,
# internal/trace/raw, internal/fuzz, internal/txtar), which Go only allows for code
# living under $GOROOT/src. So each tool is copied to $GOROOT/src/cmd/gotrace-<tool>/,
# built with that GOROOT's go command, and the copy is removed again (also on failure).
#
# GOROOT defaults to /usr/lib/go-1.27 (the Go 1.27 toolchain with its sources,
# package golang-1.27-src). Writing into $GOROOT/src/cmd needs write access there.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
GOROOT=${GOROOT:-/usr/lib/go-1.27}
out=${1:-build-go}
[ $# -gt 0 ] && shift
tools="$*"
if [ -z "$tools" ]; then
    for m in "$here"/*/main.go; do
        tools="$tools $(basename "$(dirname "$m")")"
    done
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

export GOROOT GOTOOLCHAIN=local GOFLAGS= GO111MODULE=
gobin="$GOROOT/bin/go"
[ -x "$gobin" ] || { echo "build.sh: no go command at $gobin" >&2; exit 1; }
[ -d "$GOROOT/src/internal/trace" ] || { echo "build.sh: $GOROOT/src/internal/trace missing (install the Go source package)" >&2; exit 1; }

copies=""
cleanup() { for d in $copies; do rm -rf "$d"; done; }
trap cleanup EXIT INT TERM

for tool in $tools; do
    [ -f "$here/$tool/main.go" ] || { echo "build.sh: no $here/$tool/main.go" >&2; exit 1; }
    dst="$GOROOT/src/cmd/gotrace-$tool"
    rm -rf "$dst"
    mkdir -p "$dst"
    copies="$copies $dst"
    cp "$here/$tool/main.go" "$dst/main.go"
    (cd "$GOROOT/src/cmd" && "$gobin" build -o "$out/$tool" "./gotrace-$tool")
    rm -rf "$dst"
    echo "built $out/$tool ($("$gobin" env GOVERSION))"
done
