// goprof prints a pprof profile (as `go tool trace -pprof=TYPE` writes it)
// in a stable text form: one line per distinct stack with its summed count
// and delay, sorted by stack, then the totals. Go writes samples in map
// order, so only this per-stack view can be compared with gotrace's.
//
//	goprof PROFILE
//
// Each line is "COUNT NS FRAME;FRAME;..." (leaf first), a frame being
// "0xPC FUNC:LINE"; tests/test_pprof.c prints gotrace's profiles the same way.
package main

import (
	"fmt"
	"internal/profile"
	"os"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: goprof PROFILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	p, err := profile.Parse(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	type tot struct{ count, ns int64 }
	by := map[string]*tot{}
	var all tot
	for _, s := range p.Sample {
		var frames []string
		for _, loc := range s.Location {
			for _, l := range loc.Line {
				frames = append(frames, fmt.Sprintf("%#x %s:%d", loc.Address, l.Function.Name, l.Line))
			}
		}
		k := strings.Join(frames, ";")
		t := by[k]
		if t == nil {
			t = &tot{}
			by[k] = t
		}
		t.count += s.Value[0]
		t.ns += s.Value[1]
		all.count += s.Value[0]
		all.ns += s.Value[1]
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%d %d %s\n", by[k].count, by[k].ns, k)
	}
	fmt.Printf("total %d %d\n", all.count, all.ns)
}
