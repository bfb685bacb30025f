package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manualPage is the page of the manual that shows how to connect.
var manualPage = filepath.Join("..", "..", "docs", "connecting.md")

// Every rds-app-db command line in the manual's "Connecting" section
// (docs/connecting.md) is one the command accepts: it gets past parsing
// (to the first missing tool or file, since nothing may start here)
// instead of a usage error.
func TestDocsCommandLinesParse(t *testing.T) {
	data, err := os.ReadFile(manualPage)
	require.NoError(t, err)
	page := string(data)
	start := strings.Index(page, "\n## Connecting\n")
	require.GreaterOrEqual(t, start, 0, "%s has a Connecting section", manualPage)
	section := page[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}

	var lines []string
	for _, line := range strings.Split(section, "\n") {
		if rest, ok := strings.CutPrefix(line, "rds-app-db "); ok {
			lines = append(lines, rest)
		}
	}
	require.GreaterOrEqual(t, len(lines), 4, "the section shows the everyday commands")
	seen := map[string]bool{}
	for _, line := range lines {
		args := shellWords(t, line)
		code, _, stderr := runQuiet(t, args...)
		assert.Equal(t, 1, code, "docs/connecting.md: rds-app-db %s\n%s", line, stderr)
		assert.NotContains(t, stderr, "Usage:", "docs/connecting.md: rds-app-db %s", line)
		for _, a := range args {
			seen[a] = true
		}
	}
	for _, cmd := range []string{"psql", "url", "load", "dump", "restore", "tunnel"} {
		assert.True(t, seen[cmd], "docs/connecting.md shows rds-app-db %s", cmd)
	}
}

// shellWords splits a manual's command line as the shell would, for the
// little shell it uses: words, single quotes, and a trailing # comment.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var word strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			word.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == '#' && !inWord:
			return words
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	require.False(t, quoted, "unbalanced quote in %q", line)
	if inWord {
		words = append(words, word.String())
	}
	return words
}
