// Command starved reproduces a CPU-starved scheduler.
//
// With GOMAXPROCS(2), six goroutines spin on the CPU, so there are always more
// runnable goroutines than Ps. A latency-sensitive ping-pong pair exchanges
// a message over unbuffered channels every millisecond: each time one side
// wakes (from the timer or from the other's send) it becomes runnable but
// must wait for a P until a spinner is preempted (every ~10 ms). In the
// trace the pair shows long runnable-but-not-running gaps (scheduler
// latency) while both Ps are busy with spinners. It runs for about 1.2 s so
// that Go 1.22+ traces span more than one generation (one per second).
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

const (
	spinners = 6
	rounds   = 50
	maxTime  = 1200 * time.Millisecond
)

func spin(stop *int32) uint64 {
	var x uint64 = 1
	for atomic.LoadInt32(stop) == 0 {
		for i := 0; i < 1000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	return x
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: starved OUT.trace")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(2)
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := trace.Start(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	var stop int32
	var wg sync.WaitGroup
	for i := 0; i < spinners; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			spin(&stop)
		}()
	}

	ping, pong := make(chan time.Time), make(chan time.Time)
	go func() { // ponger
		for t := range ping {
			pong <- t
		}
		close(pong)
	}()
	deadline := time.Now().Add(maxTime)
	var worst time.Duration
	n := 0
	for ; n < rounds && time.Now().Before(deadline); n++ {
		start := time.Now()
		time.Sleep(time.Millisecond)
		ping <- time.Now()
		<-pong
		// Ideally ~1 ms; the excess is time spent runnable without a P.
		if d := time.Since(start); d > worst {
			worst = d
		}
	}
	close(ping)
	<-pong
	atomic.StoreInt32(&stop, 1)
	wg.Wait()

	trace.Stop()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "starved: %d rounds of 1 ms sleep + round trip, worst %v\n", n, worst)
}
