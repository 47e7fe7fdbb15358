#!/bin/sh
# Writes Go's own MMU numbers for every committed v2 trace as
# tests/golden/<toolchain>/<name>.mmu.json, using gommu (internal/trace's
# MutatorUtilizationV2 and MMUCurve, what `go tool trace`'s MMU page shows).
# One line per flag set below, each the exact text of
# `gotrace mmu --format json FLAGS`; tests/test_mmu.c runs the same sets.
# Needs Go 1.27 with its sources; CI only reads the results.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
sh "$here/build.sh" "$tools" gommu >/dev/null
for f in "$root"/traces/go1.2[2-7]/*.trace; do
	case $(head -c 7 "$f") in
	"go 1.22" | "go 1.23" | "go 1.25" | "go 1.26") ;;
	*) continue ;;
	esac
	dir=$(basename "$(dirname "$f")")
	name=$(basename "$f" .trace)
	mkdir -p "$root/tests/golden/$dir"
	out="$root/tests/golden/$dir/$name.mmu.json"
	{
		# Keep in step with mmu_flag_sets in tests/test_mmu.c.
		"$tools/gommu" "$f"
		"$tools/gommu" --include stw,background,assist,sweep "$f"
		"$tools/gommu" --per-proc "$f"
		"$tools/gommu" --per-proc --include stw,background,assist,sweep "$f"
		"$tools/gommu" --include assist,sweep "$f"
	} >"$out.tmp"
	mv "$out.tmp" "$out"
done
