// Package docs renders the parts of README.md and Pulumi.yaml that come
// from the settings table (config.Settings), the alarm thresholds
// (ops.Alarms) and the shipped stack files.
// `go generate ./...` writes them (through ./gendocs); a test fails when
// the checked-in files differ.
package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rds-app/rds-app/config"
)

// Stacks are the shipped stacks, in README's column order.
var Stacks = []string{"dev", "prod", "scale"}

const project = "rds-app"

// Render returns README.md and Pulumi.yaml (by file name) as they should
// be, given the repository root.
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
	out := map[string]string{}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		return nil, err
	}
	text := string(readme)
	for _, section := range config.Sections() {
		perStack := map[string]map[string]any{}
		for _, stack := range Stacks {
			perStack[stack] = values[stack][section]
		}
		text, err = replaceBetween(text, "<!-- BEGIN config-"+section+" -->\n", "<!-- END config-"+section+" -->", config.ReferenceTable(section, Stacks, perStack))
		if err != nil {
			return nil, fmt.Errorf("README.md: %w", err)
		}
	}
	alarms, err := AlarmTable(Stacks, values)
	if err != nil {
		return nil, fmt.Errorf("README.md's alarm table: %w", err)
	}
	if text, err = replaceBetween(text, "<!-- BEGIN alarms-table -->\n", "<!-- END alarms-table -->", alarms); err != nil {
		return nil, fmt.Errorf("README.md: %w", err)
	}
	out["README.md"] = text

	pulumiYAML, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return nil, err
	}
	text, err = replaceBetween(string(pulumiYAML), "# BEGIN generated from config/settings.go by `go generate ./...`\n", "# END generated", config.PulumiYAMLConfig(project))
	if err != nil {
		return nil, fmt.Errorf("Pulumi.yaml: %w", err)
	}
	out["Pulumi.yaml"] = text
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
