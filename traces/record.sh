#!/bin/bash
# Records the test traces and Go's reference output for them.
#
#   traces/record.sh [VERSION...]      e.g.  traces/record.sh 1.22 1.27
#
#   PROGRAMS="periodic" traces/record.sh   records only the programs named
#
# For every Go toolchain /usr/lib/go-VERSION (all installed ones by default),
# builds each program in traces/programs/ (except busy, see record-big.sh),
# runs it to write traces/goVERSION/NAME.trace, then writes what Go's own
# parser makes of it:
#
#   tests/golden/goVERSION/NAME.parsed.gz   TZ=UTC go tool trace -d=parsed, gzip -9n
#   tests/golden/goVERSION/NAME.parsed.err  its stderr instead, if the parser fails
#   tests/golden/goVERSION/NAME.unstable    for old-format (v1) traces whose parse
#                                           differed between runs (PARSE_RUNS, default 5;
#                                           the .gz is the first run)
#
# The reference parser is Go 1.27's (override with GO_REF=/path/to/go).
# Programs are built in GOPATH mode (GO111MODULE=off), offline, with cgo on.
# Re-running replaces the outputs of the versions it is given (the programs
# are timing-dependent, so traces change every run). traces/check.sh then
# checks that each reference holds the events its program is meant to produce.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
programs=${PROGRAMS:-"leak gcassist stw syscalls contention starved cgo tasks cpuprofile flightrec periodic"}
ref=${GO_REF:-/usr/lib/go-1.27/bin/go}

export GOTOOLCHAIN=local GO111MODULE=off CGO_ENABLED=1 GOFLAGS=
unset GOROOT GOPATH 2>/dev/null || true

if [ $# -gt 0 ]; then
	versions=$(for v in "$@"; do echo "${v#go}"; done)
else
	versions=$(for d in /usr/lib/go-1.*; do [ -x "$d/bin/go" ] && echo "${d#/usr/lib/go-}"; done | sort -t. -k1,1n -k2,2n)
fi
[ -x "$ref" ] || { echo "record.sh: reference go $ref not found" >&2; exit 1; }
[ -n "$versions" ] || { echo "record.sh: no Go toolchains found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failures=0
for v in $versions; do
	gobin=/usr/lib/go-$v/bin/go
	if [ ! -x "$gobin" ]; then
		echo "record.sh: $gobin not found" >&2
		exit 1
	fi
	minor=${v#1.}
	minor=${minor%%.*}
	outdir=$here/go$v
	golden=$repo/tests/golden/go$v
	mkdir -p "$outdir" "$golden"
	for p in $programs; do
		if [ "$p" = flightrec ] && [ "$minor" -lt 25 ]; then
			continue # the flight recorder API is Go 1.25+
		fi
		bin=$tmp/$p-$v
		(cd "$here/programs/$p" && "$gobin" build -o "$bin" .)
		# Write to a temp file first so an interrupted run leaves no half trace.
		if ! timeout 120 "$bin" "$tmp/$p.trace"; then
			echo "record.sh: go$v $p: program failed" >&2
			failures=$((failures + 1))
			continue
		fi
		mv "$tmp/$p.trace" "$outdir/$p.trace"
		printf 'go%s %-11s %8d bytes\n' "$v" "$p" "$(stat -c %s "$outdir/$p.trace")"

		rm -f "$golden/$p.parsed.gz" "$golden/$p.parsed.err" "$golden/$p.unstable"
		if ! TZ=UTC "$ref" tool trace -d=parsed "$outdir/$p.trace" >"$tmp/parsed.1" 2>"$tmp/err"; then
			cp "$tmp/err" "$golden/$p.parsed.err"
			echo "record.sh: go$v $p: go tool trace -d=parsed failed, see tests/golden/go$v/$p.parsed.err" >&2
			continue
		fi
		if [ "$minor" -le 21 ]; then
			# Go's reader of the old format can order ties differently run to
			# run (e.g. goroutines already runnable when tracing started).
			for i in $(seq 2 "${PARSE_RUNS:-5}"); do
				TZ=UTC "$ref" tool trace -d=parsed "$outdir/$p.trace" >"$tmp/parsed.$i" 2>/dev/null || true
				if ! cmp -s "$tmp/parsed.1" "$tmp/parsed.$i"; then
					echo "go$v/$p.trace: go tool trace -d=parsed output differs between runs; $p.parsed.gz is the first run" >"$golden/$p.unstable"
				fi
			done
			if [ -e "$golden/$p.unstable" ]; then
				echo "record.sh: go$v $p: parse is unstable" >&2
			fi
		fi
		gzip -9n <"$tmp/parsed.1" >"$golden/$p.parsed.gz"
	done
done

# Go's own goroutine summaries of the new recordings, for the model's tests.
sh "$repo/tests/gotools/regen-summaries.sh"

if [ "$failures" -gt 0 ]; then
	echo "record.sh: $failures program run(s) failed" >&2
	exit 1
fi
