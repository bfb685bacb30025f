package realprovider

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Reach is what a plan of t against baseline's applied state can touch:
// every resource and data source (data.<type>.<name>) whose configuration
// differs between the two (added, removed or changed, its lifecycle
// included), and every resource that depends on one of those, transitively,
// in either: a replaced resource's new ID, or a data source read anew,
// reaches whatever takes a value from it. Two changes whose reaches are
// disjoint can be planned together and told apart by address.
func (t *Translation) Reach(baseline *Translation) map[string]bool {
	before, after := baseline.blocks(), t.blocks()
	reach := map[string]bool{}
	for addr := range joined(before, after) {
		if before[addr] != after[addr] {
			reach[addr] = true
		}
	}
	// dependents[a] are the blocks that refer to a, in either translation.
	dependents := map[string][]string{}
	for _, blocks := range []map[string]string{before, after} {
		for addr, body := range blocks {
			for _, ref := range references(body) {
				dependents[ref] = append(dependents[ref], addr)
			}
		}
	}
	queue := slices.Collect(maps.Keys(reach))
	for len(queue) > 0 {
		addr := queue[0]
		queue = queue[1:]
		for _, d := range dependents[addr] {
			if !reach[d] {
				reach[d] = true
				queue = append(queue, d)
			}
		}
	}
	return reach
}

// blocks are the translation's resources and data sources as JSON, by
// address.
func (t *Translation) blocks() map[string]string {
	out := map[string]string{}
	resources, _ := t.Document["resource"].(map[string]map[string]any)
	for typ, named := range resources {
		for name, body := range named {
			text, _ := json.Marshal(body)
			out[typ+"."+name] = string(text)
		}
	}
	data, _ := t.Document["data"].(map[string]map[string]any)
	for typ, named := range data {
		for name, body := range named {
			text, _ := json.Marshal(body)
			out["data."+typ+"."+name] = string(text)
		}
	}
	return out
}

func joined(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// blockRefRE matches a reference to a resource or data source in a
// block's JSON: "${aws_x.name.attr}", "${data.aws_x.name.attr}", or a
// depends_on entry "aws_x.name".
var blockRefRE = regexp.MustCompile(`(?:\$\{|")((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)(?:\.[a-z0-9_]+(?:\[[0-9]+\])?)*(?:\}|")`)

// references are the addresses a block's JSON names.
func references(body string) []string {
	var out []string
	for _, m := range blockRefRE.FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[1], "_") || strings.HasPrefix(m[1], "data.") {
			out = append(out, m[1])
		}
	}
	return out
}
