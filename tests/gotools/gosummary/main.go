// gosummary prints Go's own goroutine summaries (internal/trace's
// Summarizer, what `go tool trace`'s goroutine analysis pages show) for a
// trace, one JSON object per goroutine sorted by id, in the exact text form
// of `gotrace goroutines --format jsonl`, so the two can be diffed.
//
//	gosummary FILE > FILE.goroutines.jsonl
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"internal/trace"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gosummary FILE")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r, err := trace.NewReader(bytes.NewReader(data))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s := trace.NewSummarizer()
	var t0 trace.Time
	first := true
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if first {
			t0 = ev.Time()
			first = false
		}
		s.Event(&ev)
	}
	sum := s.Finalize()
	ids := make([]int64, 0, len(sum.Goroutines))
	for id := range sum.Goroutines {
		ids = append(ids, int64(id))
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := os.Stdout
	for _, id := range ids {
		g := sum.Goroutines[trace.GoID(id)]
		var b strings.Builder
		fmt.Fprintf(&b, `{"id":%d,"name":%s,"creation_ns":%d,"start_ns":%s,"end_ns":%s,"exec_ns":%d,"sched_wait_ns":%d,"block_ns":{`,
			id, str(g.Name), int64(g.CreationTime-t0), opt(g.StartTime, t0), opt(g.EndTime, t0),
			int64(g.ExecTime), int64(g.SchedWaitTime))
		writeMap(&b, g.BlockTimeByReason)
		fmt.Fprintf(&b, `},"syscall_ns":%d,"syscall_block_ns":%d,"range_ns":{`, int64(g.SyscallTime), int64(g.SyscallBlockTime))
		writeMap(&b, g.RangeTime)
		fmt.Fprintf(&b, `},"total_ns":%d}`, int64(g.TotalTime))
		fmt.Fprintln(out, b.String())
	}
}

func str(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func opt(t, t0 trace.Time) string {
	if t == 0 {
		return "null"
	}
	return fmt.Sprint(int64(t - t0))
}

func writeMap[D ~int64](b *strings.Builder, m map[string]D) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, "%s:%d", str(k), int64(m[k]))
	}
}
