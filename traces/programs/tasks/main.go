// Command tasks exercises user annotations: tasks, regions and logs.
//
// Four "orders" are processed concurrently, each as a trace task with a
// subtask for shipping. Inside, nested regions (trace.WithRegion and
// trace.StartRegion) mark the phases and trace.Log records key/value
// messages. In the trace these become UserTaskBegin/End, UserRegionBegin/End
// and UserLog events attached to the goroutines that ran them; one region
// also spans a channel wait on another goroutine's result.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/trace"
	"strconv"
	"sync"
	"time"
)

const orders = 4

func checksum(n int) int {
	x := 0
	for i := 0; i < n; i++ {
		x = x*31 + i
	}
	return x
}

func processOrder(ctx context.Context, id int) {
	ctx, task := trace.NewTask(ctx, "order")
	defer task.End()
	trace.Log(ctx, "orderID", strconv.Itoa(id))

	trace.WithRegion(ctx, "validate", func() {
		trace.WithRegion(ctx, "checksum", func() {
			trace.Logf(ctx, "checksum", "%d", checksum(200000))
		})
		time.Sleep(2 * time.Millisecond)
	})

	r := trace.StartRegion(ctx, "price")
	result := make(chan int)
	go func() {
		// Runs in the same task, on another goroutine.
		defer trace.StartRegion(ctx, "lookupPrice").End()
		time.Sleep(time.Duration(3+id) * time.Millisecond)
		result <- 100 * id
	}()
	price := <-result
	trace.Log(ctx, "price", strconv.Itoa(price))
	r.End()

	sctx, ship := trace.NewTask(ctx, "ship")
	trace.WithRegion(sctx, "label", func() {
		time.Sleep(time.Millisecond)
	})
	trace.Log(sctx, "", "shipped") // empty category
	ship.End()
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tasks OUT.trace")
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

	ctx := context.Background()
	var wg sync.WaitGroup
	for round := 0; round < 3; round++ {
		for i := 0; i < orders; i++ {
			wg.Add(1)
			go func(id int) {
				defer wg.Done()
				processOrder(ctx, id)
			}(round*orders + i)
		}
		wg.Wait()
	}
	// A region outside any task, and a log outside any task.
	trace.WithRegion(ctx, "cleanup", func() { time.Sleep(time.Millisecond) })
	trace.Log(ctx, "done", "all orders")

	trace.Stop()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "tasks: ok")
}
