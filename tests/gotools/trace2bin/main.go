// Command trace2bin turns Go's text-encoded trace reader tests
// ($GOROOT/src/internal/trace/testdata/tests/*.test) into binary fixtures for
// gotrace's own tests.
//
// It must be built inside $GOROOT/src/cmd/ (see ../build.sh) because it
// imports the std-internal packages internal/trace, internal/trace/testtrace
// and internal/txtar.
//
// For every NAME.test it writes into the output directory:
//
//	NAME.trace   the binary trace, produced exactly as Go's TestReaderGolden
//	             does (testtrace.ParseFile: raw.NewTextReader -> raw.NewWriter).
//	NAME.expect  the "-- expect --" section verbatim (SUCCESS or
//	             FAILURE "regexp"), followed by '#' comment lines saying where
//	             the outcome comes from (reader or validator) and whether Go's
//	             own test passes with this toolchain.
//	NAME.parsed  every event returned by internal/trace.Reader, printed with
//	             fmt.Println(ev.String()) exactly as `go tool trace -d=parsed`
//	             does. If reading stops with an error, the last line is
//	             "error: <text>" (go tool trace prints the bare text on stderr
//	             and exits 1). Written for SUCCESS and FAILURE tests alike.
//
// Event.String prints clock-snapshot wall times with time.Time.Format, which
// uses the local time zone; to keep the fixtures deterministic this tool sets
// time.Local to UTC, i.e. its output equals `TZ=UTC go tool trace -d=parsed`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"internal/trace"
	"internal/trace/testtrace"
	"internal/trace/version"
	"internal/txtar"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

func main() {
	goroot := os.Getenv("GOROOT")
	if goroot == "" {
		goroot = runtime.GOROOT()
	}
	src := flag.String("src", filepath.Join(goroot, "src/internal/trace/testdata/tests"), "directory holding Go's *.test files")
	out := flag.String("o", "tests/go-testdata", "output directory")
	verbose := flag.Bool("v", false, "print one summary line per test")
	flag.Parse()

	time.Local = time.UTC

	matches, err := filepath.Glob(filepath.Join(*src, "*.test"))
	if err != nil {
		die("glob: %v", err)
	}
	if len(matches) == 0 {
		die("no *.test files in %s", *src)
	}
	sort.Strings(matches)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		die("%v", err)
	}

	var nSuccess, nFailure, nGoTestFail int
	for _, path := range matches {
		name := strings.TrimSuffix(filepath.Base(path), ".test")
		r := convert(path)
		base := filepath.Join(*out, name)
		must(os.WriteFile(base+".trace", r.bin, 0o644))
		must(os.WriteFile(base+".expect", r.expect, 0o644))
		must(os.WriteFile(base+".parsed", r.parsed, 0o644))
		if r.failure {
			nFailure++
		} else {
			nSuccess++
		}
		if !r.goTestPasses {
			nGoTestFail++
		}
		if *verbose {
			fmt.Printf("%-70s %s\n", name, r.summary)
		}
	}
	fmt.Printf("trace2bin: %d tests: %d expect SUCCESS, %d expect FAILURE; Go's own test check fails for %d\n",
		len(matches), nSuccess, nFailure, nGoTestFail)
}

type result struct {
	bin, expect, parsed []byte
	failure             bool
	goTestPasses        bool
	summary             string
}

func convert(path string) result {
	// The expectation text verbatim.
	ar, err := txtar.ParseFile(path)
	if err != nil {
		die("%s: %v", path, err)
	}
	if len(ar.Files) != 2 || ar.Files[0].Name != "expect" {
		die("%s: malformed test", path)
	}
	expText := ar.Files[0].Data
	if !bytes.HasSuffix(expText, []byte("\n")) {
		expText = append(append([]byte{}, expText...), '\n')
	}

	// The binary trace, exactly as TestReaderGolden builds it.
	tr, ver, exp, err := testtrace.ParseFile(path)
	if err != nil {
		die("%v", err)
	}
	bin, err := io.ReadAll(tr)
	if err != nil {
		die("%s: %v", path, err)
	}
	failure := exp.Check(nil) != nil // FAILURE expectations reject a nil error

	// Pass 1: exactly what `go tool trace -d=parsed` prints.
	var parsed bytes.Buffer
	nEvents, readErr, atNewReader := dumpParsed(&parsed, bin)
	if readErr != nil {
		fmt.Fprintf(&parsed, "error: %v\n", readErr)
	}

	// Pass 2: what TestReaderGolden does (reader + testtrace.Validator) so we can
	// tell which part is responsible for the outcome.
	valErrs := validate(bin, ver)

	readerCheck := exp.Check(readErr) // does the reader alone meet the expectation?
	goTestPasses := readerCheck == nil && len(valErrs) == 0

	var notes []string
	switch {
	case readErr != nil && atNewReader:
		notes = append(notes, fmt.Sprintf("# reader: trace.NewReader fails: %v", oneLine(readErr.Error())))
	case readErr != nil:
		notes = append(notes, fmt.Sprintf("# reader: ReadEvent fails after %d events: %v", nEvents, oneLine(readErr.Error())))
	default:
		notes = append(notes, fmt.Sprintf("# reader: reads all %d events without error", nEvents))
	}
	if failure && readErr != nil {
		notes = append(notes, "# failure comes from the reader, not the validator")
	}
	if len(valErrs) == 0 {
		notes = append(notes, "# validator (testtrace.Validator): no errors on the events read")
	} else {
		for _, e := range valErrs {
			notes = append(notes, "# validator error: "+oneLine(e))
		}
	}
	if goTestPasses {
		notes = append(notes, "# go test (TestReaderGolden) with "+runtime.Version()+": pass")
	} else {
		why := "validator errors"
		if readerCheck != nil {
			why = oneLine(readerCheck.Error())
		}
		notes = append(notes, "# go test (TestReaderGolden) with "+runtime.Version()+": FAIL: "+why)
	}
	expect := append(expText, []byte(strings.Join(notes, "\n")+"\n")...)

	summary := fmt.Sprintf("%-7s events=%d", map[bool]string{true: "FAILURE", false: "SUCCESS"}[failure], nEvents)
	if readErr != nil {
		summary += " err=" + oneLine(readErr.Error())
	}
	if len(valErrs) > 0 {
		summary += fmt.Sprintf(" validator-errors=%d", len(valErrs))
	}
	if !goTestPasses {
		summary += " GO-TEST-FAILS"
	}
	return result{bin: bin, expect: expect, parsed: parsed.Bytes(), failure: failure, goTestPasses: goTestPasses, summary: summary}
}

// dumpParsed is cmd/trace's debugProcessedEvents with the output going to w.
// It returns the number of events printed, the error that stopped reading
// (nil at io.EOF), and whether that error came from trace.NewReader.
func dumpParsed(w io.Writer, bin []byte) (n int, err error, atNewReader bool) {
	tr, err := trace.NewReader(bytes.NewReader(bin))
	if err != nil {
		return 0, err, true
	}
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			return n, nil, false
		} else if err != nil {
			return n, err, false
		}
		fmt.Fprintln(w, ev.String())
		n++
	}
}

// validate runs the loop of reader_test.go's testReader and collects the
// validator's errors (it stops at the first reader error as that test does).
func validate(bin []byte, ver version.Version) []string {
	r, err := trace.NewReader(bytes.NewReader(bin))
	if err != nil {
		return nil
	}
	v := testtrace.NewValidator()
	v.GoVersion = ver
	var errs []string
	for {
		ev, err := r.ReadEvent()
		if err != nil {
			return errs
		}
		if err := v.Event(ev); err != nil {
			errs = append(errs, err.Error())
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
	fmt.Fprintf(os.Stderr, "trace2bin: "+format+"\n", args...)
	os.Exit(1)
}
