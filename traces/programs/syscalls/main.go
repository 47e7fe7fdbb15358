// Command syscalls reproduces goroutines stuck in blocking system calls.
//
// Three kinds of blocking call, all from the standard library:
//   - fsync of a temporary file after each write (f.Sync),
//   - read(2) on a raw, blocking pipe (syscall.Pipe) that waits until a
//     writer goroutine writes 20 ms later,
//   - nanosleep(2) via syscall.Nanosleep.
//
// A goroutine in a syscall keeps its M; when the call lasts longer than
// ~20 µs sysmon takes its P away (a "syscall" block with the P stolen), and
// when the call returns the goroutine must get a P back before it runs again.
// The same program also reads an os.Pipe, which Go puts in non-blocking mode:
// that wait shows as a network/IO-wait block, not a syscall, for contrast.
package main

import (
	"fmt"
	"os"
	"runtime/trace"
	"sync"
	"syscall"
	"time"
)

func fsyncs(dir string) error {
	f, err := os.CreateTemp(dir, "fsync-*.dat")
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for i := 0; i < 8; i++ {
		buf[0] = byte(i)
		if _, err := f.Write(buf); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
	return nil
}

// rawPipe blocks in read(2) until the writer goroutine writes.
func rawPipe() error {
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		return err
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	done := make(chan error, 1)
	go func() {
		for i := 0; i < 4; i++ {
			time.Sleep(20 * time.Millisecond)
			if _, err := syscall.Write(p[1], []byte{byte(i)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	buf := make([]byte, 1)
	for i := 0; i < 4; i++ {
		if _, err := syscall.Read(p[0], buf); err != nil {
			return err
		}
	}
	return <-done
}

// osPipe waits on the netpoller instead: os.Pipe is non-blocking.
func osPipe() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	go func() {
		for i := 0; i < 2; i++ {
			time.Sleep(20 * time.Millisecond)
			w.Write([]byte{byte(i)})
		}
		w.Close()
	}()
	buf := make([]byte, 1)
	for i := 0; i < 2; i++ {
		if _, err := r.Read(buf); err != nil {
			return err
		}
	}
	return nil
}

func nanosleeps() error {
	for i := 0; i < 5; i++ {
		ts := syscall.NsecToTimespec(int64(10 * time.Millisecond))
		if err := syscall.Nanosleep(&ts, nil); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: syscalls OUT.trace")
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "syscalls-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)

	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := trace.Start(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	jobs := []struct {
		name string
		fn   func() error
	}{
		{"fsync", func() error { return fsyncs(dir) }},
		{"raw pipe read", rawPipe},
		{"os.Pipe read", osPipe},
		{"nanosleep", nanosleeps},
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func(i int, fn func() error) {
			defer wg.Done()
			errs[i] = fn()
		}(i, j.fn)
	}
	wg.Wait()

	trace.Stop()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i, err := range errs {
		if err != nil {
			fmt.Fprintf(os.Stderr, "syscalls: %s: %v\n", jobs[i].name, err)
			os.Exit(1)
		}
	}
	fmt.Fprintln(os.Stderr, "syscalls: ok")
}
