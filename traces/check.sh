#!/bin/bash
# Sanity-checks the recorded references: every tests/golden/goVERSION/NAME.parsed.gz
# (Go 1.27's `go tool trace -d=parsed` of traces/goVERSION/NAME.trace) holds the
# events its program is meant to produce. Prints one line per trace, exits 1 if
# any check fails. Run after traces/record.sh.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
golden=$(dirname "$here")/tests/golden

# need FILE MIN ERE: at least MIN lines of FILE match ERE.
need() {
	local n
	n=$(grep -cE -- "$3" "$1" || true)
	if [ "$n" -lt "$2" ]; then
		missing="$missing [want >=$2 of /$3/, got $n]"
	fi
}

# none FILE ERE: no line of FILE matches ERE.
none() {
	if grep -qE -- "$2" "$1"; then
		missing="$missing [want no /$2/]"
	fi
}

fail=0
for t in "$here"/go1.*/*.trace; do
	v=$(basename "$(dirname "$t")")
	p=$(basename "$t" .trace)
	g=$golden/$v/$p
	if [ -e "$g.parsed.err" ]; then
		echo "$v/$p: Go's parser rejects it: $(head -c 200 "$g.parsed.err")"
		continue
	fi
	if [ ! -e "$g.parsed.gz" ]; then
		echo "$v/$p: FAIL no $g.parsed.gz"
		fail=1
		continue
	fi
	out=$(mktemp)
	zcat "$g.parsed.gz" >"$out"
	missing=
	case $p in
	leak)
		need "$out" 50 'Running->Waiting Reason="chan send"' ;;
	gcassist)
		need "$out" 20 'RangeBegin .*Name="GC mark assist"'
		need "$out" 1 'RangeBegin .*Name="GC concurrent mark phase"' ;;
	stw)
		need "$out" 8 'RangeBegin .*Name="stop-the-world \(GC sweep termination\)"'
		need "$out" 8 'RangeBegin .*Name="stop-the-world \(GC mark termination\)"'
		case $v in go1.19) ;; *) need "$out" 8 'RangeBegin .*Name="stop-the-world \(read mem stats\)"' ;; esac ;;
	syscalls)
		need "$out" 20 'GoID=[0-9]+ Running->Syscall'
		need "$out" 1 'GoID=[0-9]+ Syscall->Runnable'
		need "$out" 2 'Running->Waiting Reason="network"'
		need "$out" 1 'syscall\.Nanosleep'
		need "$out" 1 'syscall\.Fsync|os\.\(\*File\)\.Sync' ;;
	contention)
		need "$out" 10 'Running->Waiting Reason="sync"'
		need "$out" 50 'Running->Waiting Reason="network"'
		need "$out" 1 'sync\.\(\*Mutex\)\.(Lock|lockSlow)' ;;
	starved)
		# Old-format traces carry no GOMAXPROCS metric at start: check the Ps.
		case $v in
		go1.19 | go1.21) none "$out" 'ProcID=([2-9]|[1-9][0-9])' ;;
		*) need "$out" 1 'Name="/sched/gomaxprocs:threads" Value=Value\{Uint64\(2\)\}' ;;
		esac
		need "$out" 10 'Running->Runnable Reason="preempted"'
		need "$out" 20 'Running->Waiting Reason="chan receive"' ;;
	cgo)
		need "$out" 20 'GoID=[0-9]+ Running->Syscall'
		need "$out" 1 'GoID=[0-9]+ (NotExist|Undetermined)->Syscall'
		need "$out" 1 'main\._Cfunc_c_sleep_us'
		need "$out" 1 'main\.goCallback' ;;
	tasks)
		need "$out" 12 ' TaskBegin .*Type="order"'
		need "$out" 12 ' TaskBegin .*Type="ship"'
		need "$out" 24 ' TaskEnd '
		need "$out" 12 ' RegionBegin .*Type="checksum"'
		need "$out" 12 ' RegionBegin .*Type="lookupPrice"'
		need "$out" 1 ' RegionBegin .*Type="cleanup"'
		need "$out" 12 ' Log .*Category="orderID"' ;;
	cpuprofile)
		need "$out" 20 ' StackSample '
		need "$out" 1 'main\.hashLoop'
		need "$out" 1 'main\.sortLoop' ;;
	flightrec)
		need "$out" 2 ' Sync '
		need "$out" 100 'Running->Waiting Reason="(sleep|chan receive|chan send)"' ;;
	*)
		need "$out" 1 ' Sync ' ;;
	esac
	rm -f "$out"
	extra=
	[ -e "$g.unstable" ] && extra=" (parse unstable between runs)"
	if [ -n "$missing" ]; then
		echo "$v/$p: FAIL$missing$extra"
		fail=1
	else
		echo "$v/$p: ok$extra"
	fi
done
exit $fail
