#!/bin/sh
# A real window under Xvfb: gotrace view opens it, draws the first frame
# after loading, reads the presented pixels back into a PNG and quits; the
# picture is then checked like the headless screenshots. Skipped (77) when
# Xvfb is not installed.
# usage: test_window.sh GOTRACE TEST_SCREENSHOT SOURCE_DIR
set -u
gotrace=$1 checker=$2 src=$3
command -v xvfb-run >/dev/null 2>&1 && command -v Xvfb >/dev/null 2>&1 || {
	echo "Xvfb not installed: skipped"
	exit 77
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Under AddressSanitizer, no leak check here: SDL dlopens X11 and GL
# drivers and unloads them at SDL_Quit, so LeakSanitizer sees their
# allocations from an "<unknown module>" that no suppression can name. The
# headless screenshot test runs the same draw code with leak checks on.
# Last one wins: put ours after whatever CI set.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export SDL_VIDEODRIVER=x11
for t in starved gcassist; do
	xvfb-run -a -s "-screen 0 1400x900x24" \
		"$gotrace" view "$src/traces/go1.26/$t.trace" --window --size 1200x760 --screenshot "$out/$t.png" || {
		echo "FAIL: gotrace view --window on $t"
		exit 1
	}
	"$checker" --png "$out/$t.png" || exit 1
done
echo ok
