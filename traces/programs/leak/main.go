// Command leak reproduces a goroutine leak.
//
// Each "request" starts a worker goroutine and waits for its answer on an
// unbuffered channel, but gives up after a short timeout. The worker finishes
// later and blocks forever sending into the channel nobody reads any more.
// In the trace the 50 workers go from running to blocked with reason
// "chan send" and never run again: they are still blocked when the trace
// stops.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/trace"
	"sync"
	"time"
)

const requests = 50

// slowWork stands for a backend call that is slower than the caller's deadline.
func slowWork(i int) int {
	time.Sleep(30 * time.Millisecond)
	return i * i
}

// fetch returns the worker's answer or gives up when ctx expires. The bug:
// ch is unbuffered, so a worker that finishes after the timeout blocks
// forever on its send.
func fetch(ctx context.Context, i int) (int, error) {
	ch := make(chan int)
	go func() {
		ch <- slowWork(i) // leaks once fetch has returned
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: leak OUT.trace")
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

	var wg sync.WaitGroup
	timeouts := 0
	var mu sync.Mutex
	for i := 0; i < requests; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
			defer cancel()
			if _, err := fetch(ctx, i); err != nil {
				mu.Lock()
				timeouts++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	// Let every worker finish slowWork and block on its send.
	time.Sleep(100 * time.Millisecond)

	trace.Stop()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "leak: %d of %d requests timed out, their workers are leaked\n", timeouts, requests)
}
