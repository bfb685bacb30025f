package main

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// progress shows how far a long transfer is, on one line that it redraws.
// It draws only on a terminal: in a log, a line per step would be noise.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	live   bool
	label  string
	total  int64 // 0 when unknown
	done   int64
	shown  int64 // the last step drawn: a percent, or whole MiB
	drawn  bool
	closed bool
}

func newProgress(w io.Writer, label string, total int64) *progress {
	return &progress{w: w, live: isTerminal(w), label: label, total: total, shown: -1}
}

// add counts n more bytes.
func (p *progress) add(n int64) { p.set(p.current() + n) }

func (p *progress) current() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// set records that done bytes are through, and redraws when the shown
// step (percent, or MiB when the total is unknown) changed.
func (p *progress) set(done int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = done
	if !p.live || p.closed {
		return
	}
	step := done >> 20
	if p.total > 0 {
		step = done * 100 / p.total
	}
	if step == p.shown {
		return
	}
	p.shown = step
	p.drawn = true
	fmt.Fprintf(p.w, "\r%s", p.line())
}

func (p *progress) line() string {
	if p.total > 0 {
		return fmt.Sprintf("%s: %3d%% (%s of %s)", p.label, p.done*100/p.total, mib(p.done), mib(p.total))
	}
	return fmt.Sprintf("%s: %s", p.label, mib(p.done))
}

// finish ends the progress line, so that what follows starts on its own.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn && !p.closed {
		fmt.Fprintln(p.w)
	}
	p.closed = true
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// progressReader counts what is read through it.
type progressReader struct {
	r io.Reader
	p *progress
}

func (r progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.p.add(int64(n))
	return n, err
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
