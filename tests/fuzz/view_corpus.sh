#!/bin/bash
# The viewer under the build's sanitizers: every trace in traces/ and every
# fuzz input (committed corpus, crashers, Go's fuzz corpus) is opened with
# `gotrace view --screenshot`, headless. An input whose model builds (the
# decoder accepts it and it is within the model's limits; `gotrace
# goroutines` tells) must render a frame (status 0, a PNG); any other may
# render or fail cleanly (status 1), nothing else. No input may leave a
# sanitizer report.
#   usage: view_corpus.sh GOTRACE SOURCE_DIR
set -u
gotrace=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Reports must fail the run even where the environment leaves them soft.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1
# What fontconfig and the display libraries keep until exit (see the file).
export LSAN_OPTIONS="suppressions=$src/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export SDL_VIDEODRIVER=dummy
rendered=0 refused=0 fail=0

sanitizer_clean() {
	! grep -Eq 'runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer' "$1"
}

shopt -s nullglob
for f in "$src"/traces/go1.*/*.trace "$src"/tests/fuzz/corpus/*/* "$src"/tests/fuzz/crashers/* "$src"/tests/go-fuzz/*.bin; do
	"$gotrace" goroutines "$f" >/dev/null 2>"$tmp/info.err"
	accepted=$?
	rm -f "$tmp/out.png"
	"$gotrace" view "$f" --screenshot "$tmp/out.png" >/dev/null 2>"$tmp/err"
	st=$?
	if ! sanitizer_clean "$tmp/err" || ! sanitizer_clean "$tmp/info.err"; then
		echo "FAIL $f: sanitizer report"
		sed 's/^/  /' "$tmp/err" "$tmp/info.err" | head -20
		fail=$((fail + 1))
	elif [ "$accepted" = 0 ] && { [ "$st" != 0 ] || [ ! -s "$tmp/out.png" ]; }; then
		echo "FAIL $f: its model builds, but the viewer exited $st without a frame"
		sed 's/^/  /' "$tmp/err" | head -5
		fail=$((fail + 1))
	elif [ "$accepted" != 0 ] && { [ "$st" -gt 1 ] || { [ "$st" = 0 ] && [ ! -s "$tmp/out.png" ]; }; }; then
		# The viewer may still show what it has (a cut trace with no
		# complete generation renders empty with a warning) or refuse it;
		# crashing or exiting 0 without a frame is the failure.
		echo "FAIL $f: refused elsewhere, and the viewer exited $st"
		sed 's/^/  /' "$tmp/err" | head -5
		fail=$((fail + 1))
	elif [ "$accepted" = 0 ]; then
		rendered=$((rendered + 1))
	else
		refused=$((refused + 1))
	fi
done
echo "$rendered rendered, $refused refused cleanly, $fail failed"
[ "$fail" = 0 ]
