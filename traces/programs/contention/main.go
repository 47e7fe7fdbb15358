// Command contention reproduces mutex contention in an HTTP server.
//
// An HTTP server on 127.0.0.1 (port chosen by the OS) serves every request
// under one shared sync.Mutex, holding it for about 300 µs of work. Six
// concurrent clients send 15 requests each, so most handlers queue on the
// lock: in the trace handler goroutines block with reason "sync" and are
// unblocked by whichever handler unlocks, and the clients' goroutines wait on
// the network (netpoller) for their responses. The server is shut down
// cleanly at the end.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/trace"
	"strconv"
	"sync"
	"time"
)

const (
	clients   = 6
	perClient = 15
	holdFor   = 300 * time.Microsecond
)

var (
	mu      sync.Mutex
	counter int
)

func handler(w http.ResponseWriter, r *http.Request) {
	mu.Lock()
	// Critical section: busy work while holding the lock.
	start := time.Now()
	x := 0
	for time.Since(start) < holdFor {
		x++
	}
	counter++
	n := counter
	mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, strconv.Itoa(n))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: contention OUT.trace")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: http.HandlerFunc(handler)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := trace.Start(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	url := "http://" + ln.Addr().String() + "/"
	client := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true},
		Timeout:   10 * time.Second,
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perClient; i++ {
				resp, err := client.Get(url)
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)

	// Close the client's idle connections first: the transport may have dialed
	// a spare connection that never carried a request, and Shutdown treats
	// such a "new" connection as busy for its first 5 seconds.
	client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	shutdownErr := srv.Shutdown(ctx)
	cancel()
	<-served

	trace.Stop()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for err := range errs {
		fmt.Fprintln(os.Stderr, "contention: client:", err)
		os.Exit(1)
	}
	if shutdownErr != nil {
		fmt.Fprintln(os.Stderr, "contention: shutdown:", shutdownErr)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "contention: served %d requests\n", counter)
}
