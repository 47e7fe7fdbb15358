#!/bin/bash
# Records a big trace from traces/programs/busy (not kept in the repo).
#
#   traces/record-big.sh DURATION TOOLCHAIN OUT
#   e.g. traces/record-big.sh 20s 1.27 /tmp/big/busy-1.27.trace
#
# TOOLCHAIN is a version with a /usr/lib/go-VERSION (1.27 or go1.27) or the
# path of a go binary. The size grows with DURATION, roughly 5-10 MB/s
# depending on the machine and the Go version.
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 DURATION TOOLCHAIN OUT" >&2
	exit 2
fi
dur=$1 tc=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)

case $tc in
*/*) gobin=$tc ;;
*) gobin=/usr/lib/go-${tc#go}/bin/go ;;
esac
[ -x "$gobin" ] || { echo "record-big.sh: $gobin not found" >&2; exit 1; }

export GOTOOLCHAIN=local GO111MODULE=off CGO_ENABLED=1 GOFLAGS=
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$here/programs/busy" && "$gobin" build -o "$tmp/busy" .)
mkdir -p "$(dirname "$out")"
start=$(date +%s.%N)
"$tmp/busy" "$out.tmp" "$dur"
mv "$out.tmp" "$out"
end=$(date +%s.%N)
printf '%s: %d bytes in %.1f s\n' "$out" "$(stat -c %s "$out")" "$(awk "BEGIN{print $end - $start}")"
