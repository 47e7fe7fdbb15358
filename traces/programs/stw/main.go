// Command stw reproduces stop-the-world pauses.
//
// The main goroutine repeatedly forces a full collection with runtime.GC()
// and reads runtime.ReadMemStats(), both of which stop the world, while a
// few other goroutines are busy computing and allocating. In the trace every
// P is stopped at once during each "stop-the-world (...)" range (GC sweep
// termination, GC mark termination, read mem stats) and the workers are
// descheduled together for its length.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/trace"
	"sync"
	"sync/atomic"
)

const (
	cycles  = 8
	workers = 3
)

var sink [][]byte

func work(stop *int32, id int) int {
	n := 0
	local := make([][]byte, 0, 64)
	for atomic.LoadInt32(stop) == 0 {
		// Some CPU and a little allocation.
		x := 0
		for i := 0; i < 20000; i++ {
			x += i * id
		}
		local = append(local, make([]byte, 256))
		if len(local) == cap(local) {
			local = local[:0]
		}
		n += x & 1
	}
	return n
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: stw OUT.trace")
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

	var stop int32
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			work(&stop, w+1)
		}(w)
	}

	var ms runtime.MemStats
	for i := 0; i < cycles; i++ {
		sink = append(sink, make([]byte, 64<<10))
		runtime.GC()
		runtime.ReadMemStats(&ms)
	}
	atomic.StoreInt32(&stop, 1)
	wg.Wait()

	trace.Stop()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "stw: %d GCs, total pause %d ns\n", ms.NumGC, ms.PauseTotalNs)
}
