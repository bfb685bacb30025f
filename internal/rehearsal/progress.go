package rehearsal

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/rds-app/rds-app/internal/realprovider"
)

// progress shows an apply or a destroy while it runs: how many resources
// are done of how many, which one the provider is working on, and the time
// since the start. On a terminal that is one line redrawn every second;
// elsewhere (a log, CI) a line per finished resource, and a line every
// stillEvery for a resource that takes long (the database).
type progress struct {
	w     io.Writer
	live  bool
	start time.Time
	now   func() time.Time

	mu      sync.Mutex
	total   int
	done    int
	running map[string]time.Time
	// said is, per resource, how many stillEvery periods were reported.
	said  map[string]int
	drawn bool
	quit  chan struct{}
	ended chan struct{}
}

// stillEvery is how often a log says a resource is still being worked on.
const stillEvery = 30 * time.Second

func newProgress(w io.Writer, live bool) *progress {
	p := &progress{w: w, live: live, start: time.Now(), now: time.Now,
		running: map[string]time.Time{}, said: map[string]int{}, quit: make(chan struct{}), ended: make(chan struct{})}
	if live {
		go func() {
			defer close(p.ended)
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-tick.C:
					p.mu.Lock()
					p.redraw()
					p.mu.Unlock()
				case <-p.quit:
					return
				}
			}
		}()
	} else {
		close(p.ended)
	}
	return p
}

// event takes one step Terraform reported.
func (p *progress) event(e realprovider.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if e.Action == "read" {
		// Data sources: not among the resources the plan counts.
		return
	}
	switch e.Kind {
	case realprovider.EventPlanned:
		// A second run (a destroy goes on after an emulator gap) plans
		// what is left.
		p.total = p.done + e.Total
	case realprovider.EventStart:
		p.running[e.Address] = now
	case realprovider.EventProgress:
		if p.live {
			break
		}
		if n := int(time.Duration(e.Elapsed*float64(time.Second)) / stillEvery); n > p.said[e.Address] {
			p.said[e.Address] = n
			fmt.Fprintf(p.w, "  %s  still %s %s (%s)\n", p.counter(now), ing(e.Action), e.Address, seconds(e.Elapsed))
		}
	case realprovider.EventComplete, realprovider.EventErrored:
		delete(p.running, e.Address)
		p.done++
		what := done(e.Action)
		if e.Kind == realprovider.EventErrored {
			// Whether it matters (an emulator gap does not) is known once
			// Terraform has said why: the table says.
			what = "error " + ing(e.Action)
		}
		if p.live {
			if e.Kind != realprovider.EventErrored {
				break
			}
			p.clear()
		}
		fmt.Fprintf(p.w, "  %s  %s %s (%s)\n", p.counter(now), what, e.Address, seconds(e.Elapsed))
	}
	p.redraw()
}

// finish ends the display.
func (p *progress) finish() {
	close(p.quit)
	<-p.ended
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// counter is "[12/71 1m05s]": resources done of all, time since the start.
func (p *progress) counter(now time.Time) string {
	total := "?"
	if p.total > 0 {
		total = fmt.Sprint(p.total)
	}
	return fmt.Sprintf("[%*d/%s %s]", len(total), p.done, total, now.Sub(p.start).Round(time.Second))
}

// redraw rewrites the live line (called with mu held).
func (p *progress) redraw() {
	if !p.live {
		return
	}
	now := p.now()
	fmt.Fprintf(p.w, "\r\x1b[K  %s", statusLine(p.counter(now), p.running, now))
	p.drawn = true
}

// clear removes the live line (called with mu held).
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// statusLine is the live line: the counter, then the resource the provider
// has worked on longest and how many others are in flight.
func statusLine(counter string, running map[string]time.Time, now time.Time) string {
	if len(running) == 0 {
		return counter
	}
	addrs := make([]string, 0, len(running))
	for a := range running {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool {
		if !running[addrs[i]].Equal(running[addrs[j]]) {
			return running[addrs[i]].Before(running[addrs[j]])
		}
		return addrs[i] < addrs[j]
	})
	line := fmt.Sprintf("%s %s (%s)", counter, addrs[0], now.Sub(running[addrs[0]]).Round(time.Second))
	if n := len(addrs) - 1; n > 0 {
		line += fmt.Sprintf(" and %d more", n)
	}
	return line
}

// ing is an action in progress: "create" -> "creating".
func ing(action string) string {
	switch action {
	case "create":
		return "creating"
	case "update":
		return "updating"
	case "delete":
		return "deleting"
	case "read":
		return "reading"
	}
	return action
}

// done is a finished action: "create" -> "created".
func done(action string) string {
	switch action {
	case "create":
		return "created"
	case "update":
		return "updated"
	case "delete":
		return "deleted"
	case "read":
		return "read"
	}
	return action
}

func seconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Second).String()
}
