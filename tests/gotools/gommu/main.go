// gommu prints Go's own minimum mutator utilization for a trace: the
// functions `go tool trace`'s MMU page calls (internal/trace's
// MutatorUtilizationV2, NewMMUCurve, MMU and Examples), over the events
// cmd/trace keeps, in the exact text of `gotrace mmu --format json`, so the
// two can be diffed.
//
//	gommu [--include LIST] [--exclude LIST] [--per-proc] FILE
//
// LIST is a comma-separated subset of stw,background,assist,sweep. The
// default set is the page's default checkboxes: stw,background,assist.
package main

import (
	"bytes"
	"fmt"
	"internal/trace"
	"io"
	"os"
	"strings"
	"time"
)

var flagNames = []struct {
	name string
	flag trace.UtilFlags
}{
	{"stw", trace.UtilSTW},
	{"background", trace.UtilBackground},
	{"assist", trace.UtilAssist},
	{"sweep", trace.UtilSweep},
}

const defaultFlags = trace.UtilSTW | trace.UtilBackground | trace.UtilAssist

// The worst windows are listed for these sizes (those within the trace),
// ten each as the page's details list does.
var exampleWindows = []time.Duration{100 * time.Microsecond, time.Millisecond, 10 * time.Millisecond,
	100 * time.Millisecond, time.Second}

const nExamples = 10

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gommu [--include LIST] [--exclude LIST] [--per-proc] FILE")
	os.Exit(2)
}

func parseList(s string) trace.UtilFlags {
	var f trace.UtilFlags
	for _, n := range strings.Split(s, ",") {
		found := false
		for _, fn := range flagNames {
			if fn.name == n {
				f |= fn.flag
				found = true
			}
		}
		if !found && n != "" {
			usage()
		}
	}
	return f
}

func main() {
	flags := defaultFlags
	path := ""
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "--include", "--exclude":
			if i+1 >= len(args) {
				usage()
			}
			i++
			if a == "--include" {
				flags = flags&trace.UtilPerProc | parseList(args[i])
			} else {
				flags &^= parseList(args[i])
			}
		case "--per-proc":
			flags |= trace.UtilPerProc
		default:
			if path != "" || strings.HasPrefix(a, "-") {
				usage()
			}
			path = a
		}
	}
	if path == "" {
		usage()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	events, err := readEvents(data)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	util := trace.MutatorUtilizationV2(events, flags)
	curve := trace.NewMMUCurve(util)
	fmt.Print(render(flags, events, util, curve))
}

// readEvents reads the trace as cmd/trace's parseTrace does: after an error
// it keeps the events up to the last Sync.
func readEvents(data []byte) ([]trace.Event, error) {
	r, err := trace.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var events []trace.Event
	valid := 0
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			valid = len(events)
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "gommu: keeping events up to the last sync after: %v\n", err)
			break
		}
		events = append(events, ev)
		if ev.Kind() == trace.EventSync {
			valid = len(events)
		}
	}
	if valid == 0 {
		return nil, fmt.Errorf("no complete generation")
	}
	return events[:valid], nil
}

// windows lists 1us, 2us, 5us, 10us, ... below the span of the utilization
// functions, then that span itself.
func windows(span int64) []time.Duration {
	var ws []time.Duration
	if span <= 0 {
		return ws
	}
	for dec := int64(1000); dec < span; dec *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if dec*m < span {
				ws = append(ws, time.Duration(dec*m))
			}
		}
	}
	return append(ws, time.Duration(span))
}

func render(flags trace.UtilFlags, events []trace.Event, util [][]trace.MutatorUtil, curve *trace.MMUCurve) string {
	var b strings.Builder
	b.WriteString(`{"include":[`)
	n := 0
	for _, fn := range flagNames {
		if flags&fn.flag != 0 {
			if n > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q", fn.name)
			n++
		}
	}
	// The span of the utilization functions, as the page bounds its plot.
	var span int64
	if len(util) > 0 {
		lo, hi := util[0][0].Time, util[0][len(util[0])-1].Time
		for _, u := range util[1:] {
			lo = min(lo, u[0].Time)
			hi = max(hi, u[len(u)-1].Time)
		}
		span = hi - lo
	}
	t0 := int64(events[0].Time())
	fmt.Fprintf(&b, `],"per_proc":%t,"series":%d,"span_ns":%d,"mmu":[`, flags&trace.UtilPerProc != 0, len(util), span)
	for i, w := range windows(span) {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%d,%.17g]", int64(w), curve.MMU(w))
	}
	b.WriteString(`],"worst":[`)
	n = 0
	for _, w := range exampleWindows {
		if int64(w) > span {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		fmt.Fprintf(&b, `{"window_ns":%d,"windows":[`, int64(w))
		for i, uw := range curve.Examples(w, nExamples) {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "[%d,%.17g]", uw.Time-t0, uw.MutatorUtil)
		}
		b.WriteString("]}")
	}
	b.WriteString("]}\n")
	return b.String()
}
