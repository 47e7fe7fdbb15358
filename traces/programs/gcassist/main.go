// Command gcassist reproduces a GC mark-assist storm.
//
// A live heap of about 24 MB made of small pointerful nodes keeps the
// garbage collector busy marking, while allocation-heavy workers build and
// drop short linked lists as fast as they can. A goroutine that allocates
// while the GC is marking must pay for it by doing marking work itself, so
// the workers' execution is interrupted by "GC mark assist" ranges, and
// GC cycles follow each other closely.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/trace"
	"sync"
)

type node struct {
	next  *node
	left  *node
	value [4]int64
}

const (
	liveNodes = 512 << 10 // 512 Ki nodes of 48 bytes (in 48-byte size class): ~24 MB
	workers   = 4
	rounds    = 30    // lists built per worker
	listLen   = 20000 // nodes per list
)

var live []*node

func buildLive() {
	live = make([]*node, liveNodes)
	for i := range live {
		n := &node{}
		if i > 0 {
			n.left = live[i-1]
		}
		live[i] = n
	}
}

func churn(seed int) int64 {
	var sum int64
	for r := 0; r < rounds; r++ {
		var head *node
		for i := 0; i < listLen; i++ {
			head = &node{next: head}
			head.value[0] = int64(i + seed)
		}
		for n := head; n != nil; n = n.next {
			sum += n.value[0]
		}
		// Also keep replacing part of the live heap so marking has to follow
		// fresh pointers.
		live[(seed*rounds+r)%liveNodes] = head
	}
	return sum
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gcassist OUT.trace")
		os.Exit(2)
	}
	buildLive()
	runtime.GC()

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
	sums := make([]int64, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			sums[w] = churn(w)
		}(w)
	}
	wg.Wait()

	trace.Stop()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "gcassist: %d GCs, live nodes %d, checksum %d\n", ms.NumGC, len(live), sums[0])
}
