// Package docs owns the manual's generated parts and its shape: the
// configuration reference and alarm tables rendered from the settings table
// (config.Settings), the alarm thresholds (thresholds.Alarms) and the shipped stack
// files, and the accepted Trivy findings (trivyscan.Accepted), wherever in
// README.md or docs/*.md each block lives; Pulumi.yaml's config
// descriptions; and the blocks other tests keep (FindBlock, ReplaceBlock).
// `go generate ./...` writes the rendered ones (through ./gendocs); a test
// fails when the checked-in files differ, and another when a link between
// pages points nowhere.
package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/trivyscan"
)

// Stacks are the shipped stacks, in the reference tables' column order.
var Stacks = []string{"dev", "prod", "scale"}

const project = "rds-app"

// Render returns the files the generated blocks live in as they should be,
// given the repository root: each page of the manual (README.md or
// docs/*.md) that holds a configuration table (`<!-- BEGIN
// config-<section> -->`), the alarm table (`alarms-table`) or the
// accepted Trivy findings (`trivy-table`, trivyscan.Accepted), and
// Pulumi.yaml; keyed by path relative to root, slash-separated
// ("docs/configuration.md", "Pulumi.yaml"). A link to a section of the
// manual in a rendered block points at the page that has the section.
func Render(root string) (map[string]string, error) {
	values := map[string]map[string]map[string]any{} // stack -> section -> key -> value
	for _, stack := range Stacks {
		data, err := os.ReadFile(filepath.Join(root, "Pulumi."+stack+".yaml"))
		if err != nil {
			return nil, err
		}
		var file struct {
			Config map[string]map[string]any `yaml:"config"`
		}
		if err := yaml.Unmarshal(data, &file); err != nil {
			return nil, fmt.Errorf("reading Pulumi.%s.yaml: %w", stack, err)
		}
		values[stack] = map[string]map[string]any{}
		for key, v := range file.Config {
			if section, ok := strings.CutPrefix(key, project+":"); ok {
				values[stack][section] = v
			}
		}
	}

	blocks := map[string]string{} // block name -> body
	var names []string
	for _, section := range config.Sections() {
		perStack := map[string]map[string]any{}
		for _, stack := range Stacks {
			perStack[stack] = values[stack][section]
		}
		names = append(names, "config-"+section)
		blocks["config-"+section] = config.ReferenceTable(section, Stacks, perStack)
	}
	alarms, err := AlarmTable(Stacks, values)
	if err != nil {
		return nil, fmt.Errorf("rendering the alarm table: %w", err)
	}
	names = append(names, "alarms-table")
	blocks["alarms-table"] = alarms
	names = append(names, "trivy-table")
	blocks["trivy-table"] = trivyscan.Table()

	order, text, err := readPages(root)
	if err != nil {
		return nil, err
	}
	headings := map[string]map[string]bool{}
	for _, p := range order {
		headings[p] = anchors(text[p])
	}
	out := map[string]string{}
	for _, name := range names {
		p, err := holder(order, text, name)
		if err != nil {
			return nil, err
		}
		body, err := resolveAnchors(blocks[name], p, order, headings)
		if err != nil {
			return nil, fmt.Errorf("block %q: %w", name, err)
		}
		start, end, err := blockSpan(text[p], name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		text[p] = text[p][:start] + body + text[p][end:]
		out[p] = text[p]
	}

	pulumiYAML, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return nil, err
	}
	yamlText, err := replaceBetween(string(pulumiYAML), "# BEGIN generated from config/settings.go by `go generate ./...`\n", "# END generated", config.PulumiYAMLConfig(project))
	if err != nil {
		return nil, fmt.Errorf("Pulumi.yaml: %w", err)
	}
	out["Pulumi.yaml"] = yamlText
	return out, nil
}

// replaceBetween replaces the text between the begin and end markers.
func replaceBetween(text, begin, end, body string) (string, error) {
	i := strings.Index(text, begin)
	j := strings.Index(text, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("markers %q and %q not found", strings.TrimSpace(begin), end)
	}
	return text[:i+len(begin)] + body + text[j:], nil
}
