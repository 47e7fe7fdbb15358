// Command goreader benchmarks Go's own trace reader (internal/trace.Reader,
// the one `go tool trace` uses) on one file.
//
//	goreader [-keep] [-n N] FILE
//
// The file is read into memory first; the decode time covers
// trace.NewReader plus ReadEvent until io.EOF. It prints one line of
// key=value figures:
//
//	go         toolchain whose internal/trace did the decoding
//	format     trace format version from the file header (Go 1.27 writes "go 1.26 trace")
//	bytes      file size
//	events     events returned by ReadEvent
//	syncs      EventSync events (one per generation, plus the v2 end sync)
//	read_s     time to read the file into memory
//	decode_s   decode wall time (best of -n runs)
//	total_s    read_s + decode_s
//	MB_s       bytes / decode_s / 1e6
//	MB_s_total bytes / total_s / 1e6
//	events_s   events / decode_s
//	rss_MB     peak RSS of the process (VmHWM from /proc/self/status, MiB)
//	keep       whether all events were kept in a []trace.Event (as go tool trace does)
//	error      the reader error, if decoding stopped early (then exit status 1)
//
// It must be built inside $GOROOT/src/cmd/ (see ../build.sh).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"internal/trace"
	"internal/trace/version"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	keep := flag.Bool("keep", false, "keep every event in a slice (as go tool trace does) to show the memory that costs")
	runs := flag.Int("n", 1, "decode this many times and report the fastest run")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: goreader [-keep] [-n N] FILE\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	path := flag.Arg(0)

	t0 := time.Now()
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "goreader: %v\n", err)
		os.Exit(1)
	}
	readDur := time.Since(t0)

	format := "?"
	if v, err := version.ReadHeader(bytes.NewReader(data)); err == nil {
		format = fmt.Sprintf("1.%d", int(v))
	}

	var (
		best    time.Duration = -1
		nEv     int
		nSync   int
		readErr error
		kept    []trace.Event
	)
	for i := 0; i < max(*runs, 1); i++ {
		kept = nil
		runtime.GC()
		start := time.Now()
		n, s, evs, err := decode(data, *keep)
		d := time.Since(start)
		if best < 0 || d < best {
			best = d
		}
		nEv, nSync, readErr, kept = n, s, err, evs
	}

	decodeS := best.Seconds()
	totalS := decodeS + readDur.Seconds()
	mb := float64(len(data)) / 1e6
	fields := []string{
		"go=" + runtime.Version(),
		"format=" + format,
		"bytes=" + strconv.Itoa(len(data)),
		"events=" + strconv.Itoa(nEv),
		"syncs=" + strconv.Itoa(nSync),
		fmt.Sprintf("read_s=%.4f", readDur.Seconds()),
		fmt.Sprintf("decode_s=%.4f", decodeS),
		fmt.Sprintf("total_s=%.4f", totalS),
		fmt.Sprintf("MB_s=%.1f", mb/decodeS),
		fmt.Sprintf("MB_s_total=%.1f", mb/totalS),
		fmt.Sprintf("events_s=%.0f", float64(nEv)/decodeS),
		fmt.Sprintf("rss_MB=%.1f", peakRSSMB()),
		"keep=" + strconv.FormatBool(*keep),
	}
	if readErr != nil {
		fields = append(fields, "error="+strconv.Quote(readErr.Error()))
	}
	fmt.Println(strings.Join(fields, " "))
	runtime.KeepAlive(kept)
	runtime.KeepAlive(data)
	if readErr != nil {
		os.Exit(1)
	}
}

func decode(data []byte, keep bool) (n, syncs int, evs []trace.Event, err error) {
	r, err := trace.NewReader(bytes.NewReader(data))
	if err != nil {
		return 0, 0, nil, err
	}
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			return n, syncs, evs, nil
		}
		if err != nil {
			return n, syncs, evs, err
		}
		n++
		if ev.Kind() == trace.EventSync {
			syncs++
		}
		if keep {
			evs = append(evs, ev)
		}
	}
}

// peakRSSMB returns VmHWM from /proc/self/status in MiB (-1 if unavailable).
func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fs := strings.Fields(rest)
			if len(fs) >= 1 {
				kb, err := strconv.ParseFloat(fs[0], 64)
				if err == nil {
					return kb / 1024
				}
			}
		}
	}
	return -1
}
