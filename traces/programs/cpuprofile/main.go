// Command cpuprofile records CPU profile samples inside an execution trace.
//
// When a CPU profile is running while the execution tracer is on, the
// runtime also writes each profiling sample (100 Hz per busy thread) into the
// trace with the goroutine, P and M it hit and its stack. Two goroutines burn
// CPU in distinct functions for ~0.5 s, so the trace carries CPU sample
// events (StackSample) whose stacks name hashLoop and sortLoop.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"sync"
	"time"
)

const burn = 500 * time.Millisecond

func hashLoop(until time.Time) uint64 {
	var h uint64 = 14695981039346656037
	for time.Now().Before(until) {
		for i := 0; i < 10000; i++ {
			h ^= uint64(i)
			h *= 1099511628211
		}
	}
	return h
}

func sortLoop(until time.Time) int {
	s := make([]int, 2000)
	n := 0
	for time.Now().Before(until) {
		for i := range s {
			s[i] = (i * 7919) % len(s)
		}
		sort.Ints(s)
		n++
	}
	return n
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: cpuprofile OUT.trace")
		os.Exit(2)
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := trace.Start(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	until := time.Now().Add(burn)
	var wg sync.WaitGroup
	var h uint64
	var n int
	wg.Add(2)
	go func() { defer wg.Done(); h = hashLoop(until) }()
	go func() { defer wg.Done(); n = sortLoop(until) }()
	wg.Wait()

	trace.Stop()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "cpuprofile: hash %x, %d sorts\n", h&0xffff, n)
}
