package realprovider

import (
	"fmt"
	"sort"
	"strings"
)

// The resource types whose change a reader of a plan looks for first. They
// are types, not resources of a particular program: any program's EC2
// instances and RDS instances are its hosts and databases.
const (
	// hostType: replacing it means an outage and a new root volume.
	hostType = "aws_instance"
	// databaseType: replacing it means a new, empty database.
	databaseType = "aws_db_instance"
	// rolloutType: rerunning it redeploys what runs on the host.
	rolloutType = "aws_ssm_association"
	// groupType and templateType are hosts in an Auto Scaling group: a new
	// launch template version rolls the group (an instance refresh).
	groupType    = "aws_autoscaling_group"
	templateType = "aws_launch_template"
)

// Summary is what a plan does, sorted the way a reader of a configuration
// change needs it: by action, the host and the database first.
type Summary struct {
	// Replaced, Updated, Created and Deleted are the plan's changes by
	// action (a replacement's ReplacePaths say what forces it, an update's
	// Attributes what it changes).
	Replaced, Updated, Created, Deleted []Change
	// Reruns are the emulator-gap resources the plan would change had the
	// emulator created them (GapsAffected).
	Reruns []string

	names map[string]string
	// retained are the addresses Pulumi keeps on delete (Translation's
	// Retained): Terraform plans to delete them, Pulumi leaves them in AWS.
	retained map[string]bool
}

// Summarise sorts a plan's changes (Meaningful ones) of the translation tr,
// and the emulator-gap resources it would rerun.
func Summarise(changes []Change, tr *Translation, reruns []string) Summary {
	s := Summary{Reruns: append([]string(nil), reruns...), names: map[string]string{}, retained: map[string]bool{}}
	for _, c := range changes {
		switch {
		case c.Replaced():
			s.Replaced = append(s.Replaced, c)
		case c.Actions[0] == "update":
			s.Updated = append(s.Updated, c)
		case c.Actions[0] == "create":
			s.Created = append(s.Created, c)
		case c.Actions[0] == "delete":
			s.Deleted = append(s.Deleted, c)
		}
	}
	if tr != nil {
		for addr, r := range tr.Addresses {
			s.names[addr] = r.Name
		}
		for _, addr := range tr.Retained {
			s.retained[addr] = true
		}
	}
	for _, list := range [][]Change{s.Replaced, s.Updated, s.Created, s.Deleted} {
		s.sortImportantFirst(list)
	}
	sort.Slice(s.Reruns, func(i, j int) bool { return s.item(s.Reruns[i], nil) < s.item(s.Reruns[j], nil) })
	return s
}

// sortImportantFirst orders changes as their items read, the host and the
// database first: they are what the reader looks for.
func (s Summary) sortImportantFirst(changes []Change) {
	sort.SliceStable(changes, func(i, j int) bool {
		if a, b := important(changes[i].Type), important(changes[j].Type); a != b {
			return a
		}
		return s.item(changes[i].Address, s.Why(changes[i])) < s.item(changes[j].Address, s.Why(changes[j]))
	})
}

// Why is what a change is about: the attributes that force a replacement,
// or those an update changes (none for a creation or deletion).
func (s Summary) Why(c Change) []string {
	switch {
	case c.Replaced():
		return c.ReplacePaths
	case c.Actions[0] == "update":
		return c.Attributes
	}
	return nil
}

// KeepsOld reports whether a replacement or deletion leaves the old
// resource in AWS: Pulumi retains it on delete, which Terraform's plan
// cannot say.
func (s Summary) KeepsOld(c Change) bool {
	return s.retained[c.Address] && (c.Replaced() || c.Actions[0] == "delete")
}

// KeptNote is what KeepsOld adds to a change's line.
const KeptNote = "the old one is kept"

// item is one resource in Markdown: "`db_instance database` (port)".
func (s Summary) item(addr string, why []string) string {
	text := "`" + s.Name(addr) + "`"
	if len(why) > 0 {
		text += " (" + strings.Join(why, ", ") + ")"
	}
	return text
}

func important(typ string) bool { return typ == hostType || typ == databaseType }

// Empty reports whether the plan changes nothing.
func (s Summary) Empty() bool {
	return len(s.Replaced)+len(s.Updated)+len(s.Created)+len(s.Deleted)+len(s.Reruns) == 0
}

// ReplacesHost reports whether an EC2 instance is replaced.
func (s Summary) ReplacesHost() bool { return replacesType(s.Replaced, hostType) }

// ReplacesDatabase reports whether an RDS instance is replaced.
func (s Summary) ReplacesDatabase() bool { return replacesType(s.Replaced, databaseType) }

// RedeploysContainer reports whether the rollout would run again.
func (s Summary) RedeploysContainer() bool {
	for _, addr := range s.Reruns {
		if strings.HasPrefix(addr, rolloutType+".") {
			return true
		}
	}
	return false
}

// ReplacesHostWithGroup reports whether a single host gives way to an Auto
// Scaling group: an EC2 instance is deleted and a group created.
func (s Summary) ReplacesHostWithGroup() bool {
	return replacesType(s.Deleted, hostType) && replacesType(s.Created, groupType)
}

// ReplacesGroupWithHost reports the way back: a group deleted, an instance
// created.
func (s Summary) ReplacesGroupWithHost() bool {
	return replacesType(s.Deleted, groupType) && replacesType(s.Created, hostType)
}

// RollsGroup reports whether an Auto Scaling group gets a new launch
// template version in place, which starts an instance refresh.
func (s Summary) RollsGroup() bool {
	return replacesType(s.Updated, templateType) && replacesType(s.Updated, groupType)
}

func replacesType(changes []Change, typ string) bool {
	for _, c := range changes {
		if c.Type == typ {
			return true
		}
	}
	return false
}

// Verdict is the outcome in a few words: "no change", "in place", "in
// place, redeploys the container", "in place, rolls the hosts", "replaces
// the host", "replaces the host with hosts behind a load balancer" (or the
// way back), "replaces the database" or "replaces the database and the
// host".
func (s Summary) Verdict() string {
	switch {
	case s.Empty():
		return "no change"
	case s.ReplacesDatabase() && s.ReplacesHost():
		return "replaces the database and the host"
	case s.ReplacesDatabase():
		return "replaces the database"
	case s.ReplacesHost():
		return "replaces the host"
	case s.ReplacesHostWithGroup():
		return "replaces the host with hosts behind a load balancer"
	case s.ReplacesGroupWithHost():
		return "replaces the hosts behind a load balancer with one host"
	case s.RollsGroup():
		return "in place, rolls the hosts"
	case s.RedeploysContainer():
		return "in place, redeploys the container"
	}
	return "in place"
}

// Disruptive reports whether the plan replaces the host or the database,
// or moves between one host and a group: what a reader must not miss.
func (s Summary) Disruptive() bool {
	return s.ReplacesHost() || s.ReplacesDatabase() || s.ReplacesHostWithGroup() || s.ReplacesGroupWithHost()
}

// Name is how a summary names a resource: its Terraform type without
// "aws_" and its Pulumi name ("db_instance database").
func (s Summary) Name(addr string) string {
	typ, name, _ := strings.Cut(addr, ".")
	if n, ok := s.names[addr]; ok {
		name = n
	}
	return strings.TrimPrefix(typ, "aws_") + " " + name
}

// Markdown is the summary as a row of docs/configuration.md's "What a change
// does" table: the verdict (bold when something is replaced) and the plan in
// one line, at most four resources per action.
func (s Summary) Markdown() (verdict, plan string) {
	if s.Empty() {
		return "no change", "nothing"
	}
	verdict = s.Verdict()
	if s.Disruptive() {
		verdict = "**" + verdict + "**"
	}
	var parts []string
	add := func(label string, items []string) {
		if len(items) == 0 {
			return
		}
		const shown = 4
		more := ""
		if len(items) > shown {
			more = fmt.Sprintf(" and %d more", len(items)-shown)
			items = items[:shown]
		}
		parts = append(parts, label+strings.Join(items, ", ")+more)
	}
	items := func(changes []Change) []string {
		var out []string
		for _, c := range changes {
			why := s.Why(c)
			if s.KeepsOld(c) {
				// "(name; the old one is kept)"
				why = []string{strings.TrimPrefix(strings.Join(why, ", ")+"; "+KeptNote, "; ")}
			}
			out = append(out, s.item(c.Address, why))
		}
		return out
	}
	add("replaces ", items(s.Replaced))
	add("updates ", items(s.Updated))
	add("creates ", items(s.Created))
	add("deletes ", items(s.Deleted))
	var reruns []string
	for _, addr := range s.Reruns {
		reruns = append(reruns, s.item(addr, nil))
	}
	add("reruns (emulator gap, from its inputs) ", reruns)
	return verdict, strings.Join(parts, "; ")
}
