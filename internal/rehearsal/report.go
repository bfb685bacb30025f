package rehearsal

// The tables the rehearsal prints. Pure formatting: everything here is
// tested without a tool.

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/rds-app/rds-app/internal/realprovider"
)

// result is how the apply table words a verdict.
func result(v realprovider.Verdict) string {
	switch v {
	case realprovider.ProgramDefect:
		return "FAILED"
	case realprovider.NotReached:
		return "not reached"
	}
	return string(v)
}

// tally counts an apply's rows by verdict.
type tally struct{ created, gaps, failed, notReached int }

func count(rows []realprovider.Row) tally {
	var t tally
	for _, r := range rows {
		switch r.Verdict {
		case realprovider.Created:
			t.created++
		case realprovider.EmulatorGap:
			t.gaps++
		case realprovider.ProgramDefect:
			t.failed++
		case realprovider.NotReached:
			t.notReached++
		}
	}
	return t
}

// ok reports whether everything was created but the listed emulator gaps.
func (t tally) ok() bool { return t.failed == 0 && t.notReached == 0 }

func (t tally) String() string {
	return fmt.Sprintf("%d created, %d emulator %s, %d failed, %d not reached",
		t.created, t.gaps, plural(t.gaps, "gap", "gaps"), t.failed, t.notReached)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// applyTable lists every resource: what became of it, how long the
// provider took, and why when it was not created (a failure's message is
// the provider's, indented under its row).
func applyTable(rows []realprovider.Row) string {
	width := len("RESOURCE")
	for _, r := range rows {
		width = max(width, len(r.Address))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  %-12s %6s  %s\n", width, "RESOURCE", "RESULT", "TIME", "WHY")
	for _, r := range rows {
		why := ""
		switch r.Verdict {
		case realprovider.EmulatorGap:
			why = gapReason(r.Address, r.Detail)
		case realprovider.NotReached:
			why = "something it depends on failed"
		}
		line := fmt.Sprintf("%-*s  %-12s %6s  %s", width, r.Address, result(r.Verdict), seconds(r.Seconds), why)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
		if r.Verdict == realprovider.ProgramDefect {
			for _, l := range strings.Split(strings.TrimSpace(r.Detail), "\n") {
				b.WriteString("    " + l + "\n")
			}
		}
	}
	fmt.Fprintf(&b, "%d resources: %s\n", len(rows), count(rows))
	return b.String()
}

// gapReason says why an emulator gap does not matter, from gaps.go.
func gapReason(addr, api string) string {
	typ, _, _ := strings.Cut(addr, ".")
	for _, g := range realprovider.EmulatorGaps {
		if g.ResourceType == typ && g.API == api && g.Phase == realprovider.PhaseApply {
			return api + ", which moto lacks: " + g.Why
		}
	}
	return api
}

// outputsTable lists the stack outputs with the emulator's values, and
// those the rehearsal cannot show because a resource they need is missing.
func outputsTable(values map[string]any, missing map[string][]string) string {
	names := make([]string, 0, len(values)+len(missing))
	width := 0
	for n := range values {
		names = append(names, n)
	}
	for n := range missing {
		names = append(names, n)
	}
	for _, n := range names {
		width = max(width, len(n))
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		if addrs, ok := missing[n]; ok {
			fmt.Fprintf(&b, "  %-*s  (not known: it needs %s, which was not created)\n", width, n, strings.Join(addrs, ", "))
			continue
		}
		fmt.Fprintf(&b, "  %-*s  %s\n", width, n, display(values[n]))
	}
	return b.String()
}

// display is an output value as `pulumi stack output` prints it: a string
// as it is, anything else as JSON.
func display(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// changeTable says what the planned change does: the verdict, a loud line
// when the database or the host is replaced, then every resource the plan
// touches with what forces its replacement or what it updates.
func changeTable(s realprovider.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Outcome: %s\n", s.Verdict())
	for _, c := range s.Replaced {
		why := strings.Join(c.ReplacePaths, ", ")
		switch c.Type {
		case "aws_db_instance":
			fmt.Fprintf(&b, "!!! THIS REPLACES THE DATABASE: %s is created anew (forced by %s): a new, empty database; the data does not move\n", c.Address, why)
		case "aws_instance":
			fmt.Fprintf(&b, "!!! THIS REPLACES THE HOST: %s is created anew (forced by %s): minutes of downtime and a new root volume; the Elastic IP stays\n", c.Address, why)
		}
	}
	if s.Empty() {
		return b.String()
	}
	type line struct{ action, addr, why string }
	var lines []line
	kept := func(c realprovider.Change, why string) string {
		if !s.KeepsOld(c) {
			return why
		}
		return strings.TrimPrefix(why+"; "+realprovider.KeptNote+" (retained on delete)", "; ")
	}
	for _, c := range s.Replaced {
		lines = append(lines, line{"replaced", c.Address, kept(c, "forced by "+strings.Join(c.ReplacePaths, ", "))})
	}
	for _, c := range s.Updated {
		lines = append(lines, line{"updated in place", c.Address, strings.Join(c.Attributes, ", ")})
	}
	for _, c := range s.Created {
		lines = append(lines, line{"created", c.Address, ""})
	}
	for _, c := range s.Deleted {
		lines = append(lines, line{"deleted", c.Address, kept(c, "")})
	}
	for _, addr := range s.Reruns {
		lines = append(lines, line{"runs again", addr, "an emulator gap: decided from its inputs"})
	}
	width := len("RESOURCE")
	for _, l := range lines {
		width = max(width, len(l.addr))
	}
	fmt.Fprintf(&b, "%-16s  %-*s  %s\n", "ACTION", width, "RESOURCE", "WHY / WHAT CHANGES")
	for _, l := range lines {
		b.WriteString(strings.TrimRight(fmt.Sprintf("%-16s  %-*s  %s", l.action, width, l.addr, l.why), " ") + "\n")
	}
	return b.String()
}
