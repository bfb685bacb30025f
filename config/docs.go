package config

import (
	"fmt"
	"strings"
)

// ReferenceTable renders docs/configuration.md's table for one section from
// the settings table. stackValues holds, per stack name (in column order), the section's
// values as the stack file sets them.
func ReferenceTable(section string, stacks []string, stackValues map[string]map[string]any) string {
	var b strings.Builder
	b.WriteString("| Key | Type | Default |")
	for _, s := range stacks {
		b.WriteString(" " + s + " |")
	}
	b.WriteString(" Allowed | What it does | A change |\n| --- | --- | --- |")
	for range stacks {
		b.WriteString(" --- |")
	}
	b.WriteString(" --- | --- | --- |\n")
	for _, st := range Settings {
		if st.Section != section {
			continue
		}
		typ := string(st.Kind)
		if st.Unit != "" {
			typ += " (" + st.Unit + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |", st.Name, typ, st.DefaultText())
		for _, s := range stacks {
			v, ok := stackValues[s][st.Name]
			if ok {
				fmt.Fprintf(&b, " `%s` |", render(v))
			} else {
				b.WriteString(" default |")
			}
		}
		rule := st.Rule
		if rule == "" && st.Kind == Boolean {
			rule = "true or false"
		}
		effect := string(st.Effect)
		if st.Effect == ReplacesHost || st.Effect == ReplacesDatabase {
			effect = "**" + effect + "**"
		}
		fmt.Fprintf(&b, " %s | %s | %s |\n", cell(rule), cell(st.Doc), effect)
	}
	return b.String()
}

// cell escapes what would break a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// PulumiYAMLConfig renders the `config:` block of Pulumi.yaml: one object
// per section, described key by key from the settings table.
func PulumiYAMLConfig(project string) string {
	var b strings.Builder
	b.WriteString("config:\n")
	for _, section := range sections {
		fmt.Fprintf(&b, "  %s:%s:\n    type: object\n    description: >-\n", project, section)
		var parts []string
		for _, st := range Settings {
			if st.Section != section {
				continue
			}
			rule := st.Rule
			if rule == "" {
				rule = "true or false"
			}
			def := strings.NewReplacer("`", "", "**", "").Replace(st.DefaultText())
			parts = append(parts, fmt.Sprintf("%s (%s: %s; default %s; a change: %s).", st.Name, st.Kind, rule, def, st.Effect))
		}
		b.WriteString(wrap(sectionTitle[section]+" Keys: "+strings.Join(parts, " "), 100, "      "))
	}
	return b.String()
}

var sectionTitle = map[string]string{
	SectionNetwork:  "The VPC and who may reach the application.",
	SectionDatabase: "The RDS PostgreSQL instance.",
	SectionApp:      "The application host and its container.",
	SectionOps:      "Day-2 operations: alarms, where they are sent, and backups restored on a schedule.",
}

// wrap folds text into lines of at most width, each with indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
	return b.String()
}
