// Command busy generates big traces: a busy service running for a while.
//
//	busy OUT.trace DURATION      (for example: busy /tmp/big.trace 30s)
//
// It is not recorded by traces/record.sh and its traces are never committed;
// traces/record-big.sh runs it. An accept loop spawns a goroutine per
// request at a steady rate; each request goes through a pipeline of stages
// connected by channels, takes a shared cache lock, allocates, sleeps on
// timers and sometimes fans out sub-requests. Background goroutines run
// tickers, a batcher and a periodic "compaction" that allocates a lot, so
// the GC runs often. The result is a dense trace with every common event
// kind, at several MB per second.
package main

import (
	"fmt"
	"math/rand"
	"os"
	"runtime/trace"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

type request struct {
	id    int
	key   string
	reply chan []byte
}

type cache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *cache) get(k string) ([]byte, bool) {
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	return v, ok
}

func (c *cache) put(k string, v []byte) {
	c.mu.Lock()
	if len(c.m) > 20000 {
		for k2 := range c.m { // evict a few
			delete(c.m, k2)
			if len(c.m) < 15000 {
				break
			}
		}
	}
	c.m[k] = v
	c.mu.Unlock()
}

// burst requests are started every 500 µs (about 100k requests/s).
const burst = 100

var (
	served   int64
	cacheHit int64
	sink     atomic.Value
)

func compute(key string, n int) []byte {
	buf := make([]byte, 0, 256)
	h := uint32(2166136261)
	for i := 0; i < n; i++ {
		for j := 0; j < len(key); j++ {
			h ^= uint32(key[j])
			h *= 16777619
		}
	}
	for i := 0; i < 32; i++ {
		buf = strconv.AppendUint(buf, uint64(h>>uint(i%24)), 16)
	}
	return buf
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: busy OUT.trace DURATION")
		os.Exit(2)
	}
	dur, err := time.ParseDuration(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "busy:", err)
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

	c := &cache{m: make(map[string][]byte)}
	stage1 := make(chan *request, 64)
	stage2 := make(chan *request, 64)
	batch := make(chan int, 1024)
	stop := make(chan struct{})
	var bg sync.WaitGroup

	// Stage 1 workers: parse and look up the cache.
	var s1 sync.WaitGroup
	for w := 0; w < 8; w++ {
		s1.Add(1)
		go func() {
			defer s1.Done()
			for r := range stage1 {
				if v, ok := c.get(r.key); ok {
					atomic.AddInt64(&cacheHit, 1)
					r.reply <- v
					continue
				}
				stage2 <- r
			}
		}()
	}
	// Stage 2 workers: compute, sometimes fan out, store.
	var s2 sync.WaitGroup
	for w := 0; w < 8; w++ {
		s2.Add(1)
		go func(w int) {
			defer s2.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for r := range stage2 {
				var v []byte
				if rng.Intn(8) == 0 {
					// Fan out to sub-requests and merge.
					parts := make(chan []byte, 4)
					for i := 0; i < 4; i++ {
						d := time.Duration(50+rng.Intn(200)) * time.Microsecond
						go func(i int, key string) {
							time.Sleep(d)
							parts <- compute(key+strconv.Itoa(i), 20)
						}(i, r.key)
					}
					for i := 0; i < 4; i++ {
						v = append(v, <-parts...)
					}
				} else {
					v = compute(r.key, 50+rng.Intn(100))
				}
				c.put(r.key, v)
				r.reply <- v
			}
		}(w)
	}
	// Batcher: collects ids and flushes on size or timer.
	bg.Add(1)
	go func() {
		defer bg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var pending []int
		for {
			select {
			case id, ok := <-batch:
				if !ok {
					return
				}
				pending = append(pending, id)
				if len(pending) >= 128 {
					sort.Ints(pending)
					pending = pending[:0]
				}
			case <-t.C:
				if len(pending) > 0 {
					sort.Ints(pending)
					pending = pending[:0]
				}
			}
		}
	}()
	// Compaction: periodically allocates a burst of pointerful garbage.
	bg.Add(1)
	go func() {
		defer bg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				m := make(map[int]*[16]int64, 20000)
				for i := 0; i < 20000; i++ {
					m[i] = new([16]int64)
				}
				sink.Store(m)
			}
		}
	}()

	// Accept loop: a goroutine per request, at a steady rate.
	deadline := time.Now().Add(dur)
	var reqs sync.WaitGroup
	id := 0
	rng := rand.New(rand.NewSource(1))
	for time.Now().Before(deadline) {
		for i := 0; i < burst; i++ {
			id++
			reqs.Add(1)
			key := "k" + strconv.Itoa(rng.Intn(50000))
			go func(id int, key string) {
				defer reqs.Done()
				r := &request{id: id, key: key, reply: make(chan []byte, 1)}
				select {
				case stage1 <- r:
				case <-time.After(100 * time.Millisecond):
					return
				}
				v := <-r.reply
				if len(v) > 0 {
					atomic.AddInt64(&served, 1)
				}
				batch <- id
			}(id, key)
		}
		time.Sleep(500 * time.Microsecond)
	}
	reqs.Wait()
	close(stage1)
	close(stop)
	s1.Wait() // no stage 1 worker can send to stage 2 any more
	close(stage2)
	s2.Wait()
	close(batch)
	bg.Wait()

	trace.Stop()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "busy: %d requests, %d served, %d cache hits\n", id, atomic.LoadInt64(&served), atomic.LoadInt64(&cacheHit))
}
