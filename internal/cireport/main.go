// Command cireport reads `go test -json` on its standard input, prints what
// plain `go test` would print (each package's closing line, and the whole
// output of a test that failed), and ends with where the time went: each
// layer's wall time and the ten slowest tests. .ci/run pipes the README's
// test command through it; it exits non-zero when a test or package
// failed, or when the input held no test event at all.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
)

func main() {
	layers := flagLayers(os.Args[1:])
	r, err := read(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cireport:", err)
		os.Exit(2)
	}
	fmt.Print(r.summary(layers, 10))
	if r.failed || r.tests == 0 {
		os.Exit(1)
	}
}

// flagLayers parses "name=pkgprefix,pkgprefix" arguments, in order; a
// package belongs to the first layer one of whose prefixes it starts with.
// "name:=seconds" is a layer timed before the tests ran (format and vet).
func flagLayers(args []string) []layer {
	var out []layer
	for _, a := range args {
		if name, secs, ok := strings.Cut(a, ":="); ok {
			var s float64
			if _, err := fmt.Sscan(secs, &s); err != nil {
				fmt.Fprintf(os.Stderr, "cireport: %q: %v\n", a, err)
				os.Exit(2)
			}
			out = append(out, layer{name: name, seconds: s})
			continue
		}
		name, prefixes, ok := strings.Cut(a, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "cireport: %q is not layer=package-prefix[,package-prefix]\n", a)
			os.Exit(2)
		}
		out = append(out, layer{name: name, prefixes: strings.Split(prefixes, ",")})
	}
	return out
}

type layer struct {
	name     string
	prefixes []string
	// seconds is a layer's time measured before the tests (no packages).
	seconds float64
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Time    time.Time
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type pkgRun struct {
	start, end time.Time
	elapsed    float64
}

type testRun struct {
	pkg, name string
	elapsed   float64
}

type report struct {
	pkgs   map[string]*pkgRun
	order  []string
	tests  int
	slow   []testRun
	failed bool
}

// read consumes the events, writing to out what plain `go test` prints.
func read(in io.Reader, out io.Writer) (*report, error) {
	r := &report{pkgs: map[string]*pkgRun{}}
	// A test's output is held until it ends: printed only if it failed.
	held := map[string][]string{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Build errors and the like come as plain text.
			fmt.Fprintln(out, string(line))
			continue
		}
		switch e.Action {
		case "build-output":
			fmt.Fprint(out, e.Output)
			continue
		case "build-fail":
			r.failed = true
			continue
		}
		p := r.pkgs[e.Package]
		if p == nil && e.Package != "" {
			p = &pkgRun{start: e.Time}
			r.pkgs[e.Package] = p
			r.order = append(r.order, e.Package)
		}
		key := e.Package + " " + e.Test
		switch {
		case e.Action == "output" && e.Test != "":
			held[key] = append(held[key], e.Output)
		case e.Action == "output":
			// The package's own lines: its closing line, a panic, a
			// failure outside a test. Verbose framing is dropped.
			if !strings.HasPrefix(e.Output, "=== ") && !strings.HasPrefix(e.Output, "--- PASS") &&
				!strings.HasPrefix(e.Output, "--- SKIP") && strings.TrimSpace(e.Output) != "PASS" {
				fmt.Fprint(out, e.Output)
			}
		case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			if e.Action == "fail" {
				r.failed = true
				for _, o := range held[key] {
					fmt.Fprint(out, o)
				}
			}
			delete(held, key)
			if e.Action != "skip" {
				r.tests++
				if !strings.Contains(e.Test, "/") {
					r.slow = append(r.slow, testRun{pkg: e.Package, name: e.Test, elapsed: e.Elapsed})
				}
			}
		case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			p.end, p.elapsed = e.Time, e.Elapsed
			if e.Action == "fail" {
				r.failed = true
				// A test still running when its package failed (Go's
				// timeout, a panic) never ended: its output, the panic
				// and the goroutines with it, is the failure's story.
				prefix := e.Package + " "
				for _, k := range slices.Sorted(maps.Keys(held)) {
					if strings.HasPrefix(k, prefix) {
						for _, o := range held[k] {
							fmt.Fprint(out, o)
						}
						delete(held, k)
					}
				}
			}
		}
	}
	return r, sc.Err()
}

// summary is the closing table: each layer's wall time (the time in which
// at least one of its packages ran: packages run side by side, and a
// layer's small packages run scattered among the others' long ones) and
// the n slowest top-level tests.
func (r *report) summary(layers []layer, n int) string {
	var b strings.Builder
	b.WriteString("\nWhere the test time went (wall time per layer: while any of its packages ran; layers run side by side):\n\n")
	fmt.Fprintf(&b, "| %-28s | %9s | %s\n", "layer", "wall", "packages (their own time)")
	for _, l := range append(layers, layer{name: "unit and mock", prefixes: []string{""}}) {
		if l.prefixes == nil {
			fmt.Fprintf(&b, "| %-28s | %8.0fs | before the tests\n", l.name, l.seconds)
			continue
		}
		var runs []pkgRun
		var parts []string
		for _, name := range r.order {
			if layerOf(layers, name) != l.name {
				continue
			}
			p := r.pkgs[name]
			if p.end.IsZero() {
				continue
			}
			runs = append(runs, *p)
			if p.elapsed >= 1 {
				parts = append(parts, fmt.Sprintf("%s %.0fs", shortName(name), p.elapsed))
			}
		}
		if len(runs) == 0 {
			continue
		}
		if len(parts) == 0 {
			parts = []string{"each under 1s"}
		}
		fmt.Fprintf(&b, "| %-28s | %8.0fs | %s\n", l.name, covered(runs).Seconds(), strings.Join(parts, ", "))
	}
	slowest := append([]testRun(nil), r.slow...)
	sort.SliceStable(slowest, func(i, j int) bool { return slowest[i].elapsed > slowest[j].elapsed })
	if len(slowest) > n {
		slowest = slowest[:n]
	}
	fmt.Fprintf(&b, "\nThe %d slowest tests:\n\n", len(slowest))
	for _, t := range slowest {
		fmt.Fprintf(&b, "%8.1fs  %s  %s\n", t.elapsed, shortName(t.pkg), t.name)
	}
	fmt.Fprintf(&b, "\n%d tests ran.\n", r.tests)
	return b.String()
}

// covered is how long at least one of runs was running.
func covered(runs []pkgRun) time.Duration {
	sort.Slice(runs, func(i, j int) bool { return runs[i].start.Before(runs[j].start) })
	var total time.Duration
	var from, to time.Time
	for _, r := range runs {
		if r.start.After(to) {
			total += to.Sub(from)
			from, to = r.start, r.end
		} else if r.end.After(to) {
			to = r.end
		}
	}
	return total + to.Sub(from)
}

func layerOf(layers []layer, pkg string) string {
	for _, l := range layers {
		for _, p := range l.prefixes {
			if p == "" {
				continue
			}
			if strings.HasPrefix(pkg, p) {
				return l.name
			}
		}
	}
	return "unit and mock"
}

func shortName(pkg string) string {
	if _, rest, ok := strings.Cut(pkg, "/rds-app/rds-app/"); ok {
		return rest
	}
	return pkg
}
