// Command million traces 1,000,000 goroutines that each block briefly.
//
// It exists to check that gotrace handles a trace with a million
// goroutines end to end (decoder, model, gaps and goroutine reports); the
// trace is large, so it is recorded to a scratch path, not kept in the
// repository:
//
//	go run . /tmp/million.trace
//
// All goroutines are alive at once: each parks on a shared channel that is
// closed once the last one has started, so every goroutine is created,
// runs, blocks, is unblocked, runs again and exits.
package main

import (
	"fmt"
	"os"
	"runtime/trace"
	"sync"
)

const n = 1_000_000

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: million OUT.trace")
		os.Exit(2)
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := trace.Start(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	release := make(chan struct{})
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			<-release // blocks until every goroutine exists
			done.Done()
		}()
	}
	started.Wait()
	close(release)
	done.Wait()
	trace.Stop()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
