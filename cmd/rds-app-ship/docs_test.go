package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shipSection is the manual's "Shipping a new version" (docs/deploys.md),
// up to the next section of its level.
func shipSection(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "deploys.md"))
	require.NoError(t, err)
	page := string(data)
	start := strings.Index(page, "\n## Shipping a new version\n")
	require.GreaterOrEqual(t, start, 0, "docs/deploys.md has a Shipping a new version section")
	section := page[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	return section
}

// Every rds-app-ship command line in README.md and the manual's section is
// one the command accepts, and the section names every flag.
func TestDocsCommandLines(t *testing.T) {
	section := shipSection(t)
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	var lines []string
	for _, text := range []string{section, string(readme)} {
		for _, line := range strings.Split(text, "\n") {
			if _, rest, ok := strings.Cut(line, "bin/rds-app-ship "); ok {
				if before, _, found := strings.Cut(rest, "#"); found {
					rest = before
				}
				lines = append(lines, strings.TrimSpace(rest))
			}
		}
	}
	require.GreaterOrEqual(t, len(lines), 3, "README.md and the section show the command")
	for _, line := range lines {
		_, err := parseOptions(strings.Fields(line))
		assert.NoError(t, err, "rds-app-ship %s", line)
	}

	fs := flag.NewFlagSet("rds-app-ship", flag.ContinueOnError)
	defaultOptions().register(fs)
	fs.VisitAll(func(f *flag.Flag) {
		assert.Contains(t, section, "--"+f.Name, "docs/deploys.md, Shipping a new version, explains --%s", f.Name)
	})
	for _, env := range []string{envRegistry} {
		assert.Contains(t, section, env)
	}
}
