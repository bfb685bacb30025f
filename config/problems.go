package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Problem is one thing wrong with the configuration, tied to the key path the
// user typed (for example "rds-app:network.azCount").
type Problem struct {
	Key     string
	Message string
}

func (p Problem) String() string { return p.Key + ": " + p.Message }

// Problems is every problem found in one pass over the configuration. It is
// returned as a single error so that a user fixes everything in one round.
type Problems []Problem

func (ps Problems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid configuration (%d problem%s):", len(ps), plural(len(ps)))
	for _, p := range ps {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// add records a problem; format and args build the message.
func (ps *Problems) add(key, format string, args ...any) {
	*ps = append(*ps, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// sortBySection orders problems by section (in the order given, unknown
// sections last), keeping the order they were found in within a section.
func (ps Problems) sortBySection(project string, sections []string) {
	rank := func(p Problem) int {
		name := strings.TrimPrefix(p.Key, project+":")
		if i := strings.IndexAny(name, ".["); i >= 0 {
			name = name[:i]
		}
		if i := slices.Index(sections, name); i >= 0 {
			return i
		}
		return len(sections)
	}
	sort.SliceStable(ps, func(i, j int) bool { return rank(ps[i]) < rank(ps[j]) })
}
