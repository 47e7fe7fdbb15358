// Command cgo reproduces time spent in C through cgo.
//
// Several goroutines call a C function that sleeps in usleep(3). A cgo call
// is traced as a syscall: the goroutine keeps its M for the whole C call,
// sysmon takes its P away when it lasts long, and the goroutine must get a P
// back when C returns. Then a thread created in C with pthread_create calls
// an exported Go function several times (see cthread.c): each callback
// appears in the trace as a goroutine that is created (or reused) on a thread
// Go did not start, runs, and goes back to C, so an extra M shows up with
// short bursts of Go code on it; each callback sends on a channel to a Go
// consumer goroutine, so the callback's stack appears in the trace.
package main

/*
#cgo LDFLAGS: -lpthread
void c_sleep_us(unsigned int us);
int c_thread_callbacks(int n);
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/trace"
	"sync"
	"sync/atomic"
)

var (
	callbacks int64
	events    = make(chan int) // from the C thread to a Go consumer
)

//export goCallback
func goCallback(i C.int) {
	// A little Go work on the C thread, including an allocation, then hand
	// the result to a Go goroutine: the send unblocks (or waits for) the
	// consumer, so the callback's own stack shows up in the trace.
	s := make([]int, 64)
	for j := range s {
		s[j] = int(i) * j
	}
	atomic.AddInt64(&callbacks, 1)
	events <- s[63]
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: cgo OUT.trace")
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
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				C.c_sleep_us(C.uint(5000 + 1000*g)) // 5-8 ms in C
			}
		}(g)
	}
	consumed := make(chan int)
	go func() {
		n := 0
		for range events {
			n++
		}
		consumed <- n
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if C.c_thread_callbacks(20) != 0 {
			fmt.Fprintln(os.Stderr, "cgo: pthread_create failed")
			os.Exit(1)
		}
	}()
	wg.Wait()
	close(events)
	received := <-consumed

	trace.Stop()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "cgo: %d callbacks from the C thread, %d events received\n", atomic.LoadInt64(&callbacks), received)
}
