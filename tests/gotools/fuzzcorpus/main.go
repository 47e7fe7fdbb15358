// Command fuzzcorpus converts Go's trace reader fuzz corpus
// ($GOROOT/src/internal/trace/testdata/fuzz/FuzzReader/*, files in the
// "go test fuzz v1" format holding one []byte) into raw binary inputs:
//
//	NAME.bin     the []byte value
//	NAME.expect  "accept" if Go's reader reads the whole input without error,
//	             "reject: <error text>" otherwise (newlines in the text are
//	             written as \n)
//
// "Reads without error" follows FuzzReader in internal/trace/reader_test.go:
// trace.NewReader on the bytes, then ReadEvent until it returns an error.
// FuzzReader itself only fails on a panic; here io.EOF means accept and any
// other error (from NewReader or ReadEvent) means reject. A panic in the
// reader is recovered and reported as "reject: panic: ...".
//
// The corpus files are decoded with internal/fuzz.ReadCorpus, the same code
// `go test` uses. It must be built inside $GOROOT/src/cmd/ (see ../build.sh).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"internal/fuzz"
	"internal/trace"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
)

func main() {
	goroot := os.Getenv("GOROOT")
	if goroot == "" {
		goroot = runtime.GOROOT()
	}
	src := flag.String("src", filepath.Join(goroot, "src/internal/trace/testdata/fuzz/FuzzReader"), "Go fuzz corpus directory")
	out := flag.String("o", "tests/go-fuzz", "output directory")
	verbose := flag.Bool("v", false, "print one line per entry")
	flag.Parse()

	corpus, err := fuzz.ReadCorpus(*src, []reflect.Type{reflect.TypeFor[[]byte]()})
	if err != nil {
		die("%v", err)
	}
	if len(corpus) == 0 {
		die("no corpus entries in %s", *src)
	}
	sort.Slice(corpus, func(i, j int) bool { return corpus[i].Path < corpus[j].Path })
	if err := os.MkdirAll(*out, 0o755); err != nil {
		die("%v", err)
	}
	var nAccept, nReject int
	for _, ce := range corpus {
		name := filepath.Base(ce.Path)
		b := ce.Values[0].([]byte)
		verdict := check(b)
		if verdict == "accept" {
			nAccept++
		} else {
			nReject++
		}
		base := filepath.Join(*out, name)
		must(os.WriteFile(base+".bin", b, 0o644))
		must(os.WriteFile(base+".expect", []byte(verdict+"\n"), 0o644))
		if *verbose {
			fmt.Printf("%s %5d bytes  %s\n", name, len(b), verdict)
		}
	}
	fmt.Printf("fuzzcorpus: %d entries: %d accept, %d reject\n", len(corpus), nAccept, nReject)
}

func check(b []byte) (verdict string) {
	defer func() {
		if p := recover(); p != nil {
			verdict = "reject: panic: " + oneLine(fmt.Sprint(p))
		}
	}()
	r, err := trace.NewReader(bytes.NewReader(b))
	if err != nil {
		return "reject: " + oneLine(err.Error())
	}
	for {
		_, err := r.ReadEvent()
		if err == io.EOF {
			return "accept"
		}
		if err != nil {
			return "reject: " + oneLine(err.Error())
		}
	}
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", `\n`) }

func must(err error) {
	if err != nil {
		die("%v", err)
	}
}

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "fuzzcorpus: "+format+"\n", args...)
	os.Exit(1)
}
