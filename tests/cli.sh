#!/bin/bash
# The command line's contract: exit status 0/1/2, one-line errors of the form
# `gotrace: FILE: offset N: what`, `-` for standard input, and a warning (not
# a failure) for a trace cut short after complete generations.
#   usage: cli.sh GOTRACE SOURCE_DIR
set -u
gotrace=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

check() { # name, expected status, command...
	local name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name: exit $got, want $want"
		sed 's/^/  stderr: /' "$tmp/err" | head -5
	fi
}

expect_in() { # name, out or err (of the last check), regexp
	if grep -Eq "$3" "$tmp/$2"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $1: std$2 does not match /$3/:"
		sed 's/^/  /' "$tmp/$2" | head -8
	fi
}
expect_err() { expect_in "$1" err "$2"; }
expect_out() { expect_in "$1" out "$2"; }

trace=$(ls "$src"/traces/go1.2[2-9]/*.trace | head -1)

check "no arguments" 2 "$gotrace"
check "unknown command" 2 "$gotrace" frobnicate x
check "dump without file" 2 "$gotrace" dump
check "unknown option" 2 "$gotrace" dump --bogus "$trace"
check "help" 0 "$gotrace" --help
check "dump help" 0 "$gotrace" dump --help

check "missing file" 1 "$gotrace" dump "$tmp/nope.trace"
expect_err "missing file message" "^gotrace: .*/nope.trace: No such file or directory$"

printf 'this is not a trace at all' >"$tmp/junk"
check "not a trace" 1 "$gotrace" dump "$tmp/junk"
expect_err "not a trace message" "^gotrace: .*/junk: offset 0: bad file format: not a Go execution trace\?$"

: >"$tmp/empty"
check "empty file" 1 "$gotrace" info "$tmp/empty"
expect_err "empty file message" "^gotrace: .*/empty: offset 0: "

printf 'go 1.99 trace\0\0\0' >"$tmp/future"
check "future version" 1 "$gotrace" dump "$tmp/future"
expect_err "future version message" "offset 0: unsupported trace version go 1.99; gotrace supports"

check "dump real trace" 0 "$gotrace" dump "$trace"
check "dump from stdin" 0 sh -c "\"$gotrace\" dump - < \"$trace\""
check "info real trace" 0 "$gotrace" info "$trace"

# A cut inside the first generation leaves nothing usable: an error.
head -c 40 "$trace" >"$tmp/cut-early"
check "cut in first generation" 1 "$gotrace" dump "$tmp/cut-early"
expect_err "cut early message" "^gotrace: .*/cut-early: offset [0-9]+: .*no complete generation"

# A cut after complete generations: what was read, a warning, status 0.
big=
for f in "$src"/traces/go1.2[2-9]/*.trace; do
	gens=$("$gotrace" info "$f" 2>/dev/null | sed -n 's/^generations: *//p')
	if [ "${gens:-0}" -ge 2 ]; then big=$f; break; fi
done
[ -n "$big" ] || { echo "FAIL: no trace with two generations"; exit 1; }
size=$(stat -c %s "$big")
head -c $((size - 7)) "$big" >"$tmp/cut-late"
check "cut after complete generations" 0 "$gotrace" dump "$tmp/cut-late"
expect_err "cut late warning" "^gotrace: .*/cut-late: warning: trace cut short at offset [0-9]+: .*lost [0-9]+ of $((size - 7)) bytes"

# export: usage errors, and a gzipped profile out.
check "export without format" 2 "$gotrace" export "$trace"
check "export unknown profile" 2 "$gotrace" export --format pprof --profile heap "$trace"
for k in sched sync net syscall gaps; do
	check "export pprof $k" 0 "$gotrace" export --format pprof --profile $k --min 0 -o "$tmp/$k.pb.gz" "$trace"
	check "export pprof $k is gzip" 0 gzip -t "$tmp/$k.pb.gz"
done
check "export chrome" 0 "$gotrace" export --format chrome --from 1ms --to 5ms -o "$tmp/trace.json" "$trace"
check "export chrome has events" 0 grep -q '"traceEvents":\[' "$tmp/trace.json"

# mmu: usage errors, both formats, and a trace cut short.
check "mmu help" 0 "$gotrace" mmu --help
check "mmu without file" 2 "$gotrace" mmu
check "mmu unknown source" 2 "$gotrace" mmu --exclude gc "$trace"
check "mmu unknown format" 2 "$gotrace" mmu --format csv "$trace"
check "mmu text" 0 "$gotrace" mmu --exclude sweep --per-proc "$trace"
check "mmu json" 0 "$gotrace" mmu --format=json --include stw,sweep "$trace"
check "mmu cut late" 0 "$gotrace" mmu "$tmp/cut-late"
check "mmu cut early" 1 "$gotrace" mmu "$tmp/cut-early"

# bench: usage errors, a broken trace, and repeated rounds on a real one.
check "bench without file" 2 "$gotrace" bench
check "bench repeat 0" 2 "$gotrace" bench --repeat 0 "$trace"
check "bench repeat not a number" 2 "$gotrace" bench --repeat x "$trace"
check "bench cut early" 1 env GOTRACE_GOREADER=/nonexistent "$gotrace" bench "$tmp/cut-early"
check "bench rounds" 0 env GOTRACE_GOREADER=/nonexistent "$gotrace" bench --repeat 2 "$trace"
expect_out "bench events" "^file=.* events=[1-9][0-9]*$"
expect_out "bench rounds line" "^rounds: +2, each figure the median round"
expect_out "bench decode line" "^decode: +[0-9.]+ s +[0-9.]+ MB/s .* peak RSS +[0-9.]+ MB"
expect_out "bench model line" "^decode\+model: .* model \+ level of detail add"
expect_out "bench report line" "^gap report: .* report [0-9.]+ s"
expect_out "bench without go reader" "^go reader: +not run"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
