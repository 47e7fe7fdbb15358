//go:build go1.25

// Command flightrec writes a flight-recorder snapshot.
//
// The flight recorder (runtime/trace.FlightRecorder, Go 1.25+) keeps the last
// few seconds of execution trace in memory instead of streaming it; on an
// interesting event the program dumps that window with WriteTo. The snapshot
// is an ordinary trace file but starts in the middle of the program's life:
// goroutines already exist and are in some state when its first generation
// begins, and there is no clean "trace start". This program runs a small
// worker pool for about 1.2 s (so the recorder holds more than one
// generation), notices a "slow request", and snapshots the recorder.
package main

import (
	"fmt"
	"os"
	"runtime/trace"
	"sync"
	"time"
)

const (
	jobCount = 1200 // 4 workers x 4 ms each: about 1.2 s, so more than one generation
	slowJob  = 1100 // the request that triggers the snapshot
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: flightrec OUT.trace")
		os.Exit(2)
	}
	jobs := make(chan int)
	results := make(chan time.Duration)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				start := time.Now()
				d := 4 * time.Millisecond
				if j == slowJob {
					d = 30 * time.Millisecond // the slow request
				}
				time.Sleep(d)
				buf := make([]byte, 1024)
				buf[0] = byte(j)
				results <- time.Since(start)
			}
		}()
	}

	// The recorder starts while the pool already exists: its workers are
	// blocked on the jobs channel when the first generation begins.
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{
		MinAge:   500 * time.Millisecond,
		MaxBytes: 1 << 20,
	})
	if err := fr.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	go func() {
		for j := 0; j < jobCount; j++ {
			jobs <- j
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()

	snapshotted := false
	var err error
	for d := range results {
		if d > 20*time.Millisecond && !snapshotted {
			snapshotted = true
			var f *os.File
			if f, err = os.Create(os.Args[1]); err == nil {
				_, err = fr.WriteTo(f)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
		}
	}
	fr.Stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "flightrec:", err)
		os.Exit(1)
	}
	if !snapshotted {
		fmt.Fprintln(os.Stderr, "flightrec: no slow request seen")
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "flightrec: snapshot written")
}
