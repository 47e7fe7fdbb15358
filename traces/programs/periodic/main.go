// periodic: a mostly idle service that wakes every 25ms for a little work,
// traced for about 2.5 seconds.
//
// The runtime starts a new trace generation about once a second, so this
// trace has several generations. Real traces of services are long and
// multi-generation; the shape exercises what crosses generation boundaries:
// goroutines blocked across them, tickers, a task that spans them, and a
// trace cut short after some complete generations.
package main

import (
	"context"
	"os"
	"runtime/trace"
	"sync"
	"time"
)

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	ctx, task := trace.NewTask(context.Background(), "service")
	requests := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range requests {
				trace.WithRegion(ctx, "handle", func() {
					buf := make([]byte, 64<<10)
					for i := range buf {
						buf[i] = byte(n + i)
					}
				})
			}
		}()
	}
	tick := time.NewTicker(25 * time.Millisecond)
	deadline := time.Now().Add(2500 * time.Millisecond)
	for n := 0; time.Now().Before(deadline); n++ {
		<-tick.C
		requests <- n
	}
	tick.Stop()
	close(requests)
	wg.Wait()
	task.End()
	trace.Stop()
	f.Close()
}
