package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the repository root, seen from this package's directory.
const repoRoot = "../.."

// maxREADMELines is how long the front page may grow: it says what the
// program builds, how to try, deploy, ship and test it, and links to the
// manual in docs/ for everything else.
const maxREADMELines = 260

// TestREADMEIsTheFrontPage: README.md stays short; the manual is docs/.
func TestREADMEIsTheFrontPage(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	require.NoError(t, err)
	lines := strings.Count(string(data), "\n")
	assert.LessOrEqual(t, lines, maxREADMELines,
		"README.md has %d lines: it is the front page; move the details to the page of docs/ whose reader needs them", lines)
}

// TestManualLinksResolve: every relative link in README.md and docs/*.md
// reaches a file of the repository and, when it names a section of a
// markdown page, a heading of that page (by GitHub's anchor rules).
func TestManualLinksResolve(t *testing.T) {
	order, text, err := readPages(repoRoot)
	require.NoError(t, err)
	require.Greater(t, len(order), 1, "the manual has pages in docs/")
	headings := map[string]map[string]bool{}
	heads := func(p string) (map[string]bool, error) {
		if h, ok := headings[p]; ok {
			return h, nil
		}
		data, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(p)))
		if err != nil {
			return nil, err
		}
		headings[p] = anchors(string(data))
		return headings[p], nil
	}
	checked := 0
	for _, p := range order {
		for _, l := range links(text[p]) {
			if external(l.target) {
				continue
			}
			checked++
			target, fragment, _ := strings.Cut(l.target, "#")
			where := fmt.Sprintf("%s:%d: link to %q", p, l.line, l.target)
			file := p
			if target != "" {
				file = filepath.ToSlash(filepath.Join(filepath.Dir(p), target))
				if strings.HasPrefix(file, "../") {
					t.Errorf("%s leaves the repository", where)
					continue
				}
				if _, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(file))); err != nil {
					t.Errorf("%s: no such file %s", where, file)
					continue
				}
			}
			if fragment == "" || !strings.HasSuffix(file, ".md") {
				continue
			}
			h, err := heads(file)
			if !assert.NoError(t, err, where) {
				continue
			}
			assert.True(t, h[fragment], "%s: %s has no heading #%s", where, file, fragment)
		}
	}
	assert.Greater(t, checked, 50, "the link scanner found the manual's links")
}

// TestAnchor: GitHub's rules, on the manual's own kinds of heading.
func TestAnchor(t *testing.T) {
	for heading, want := range map[string]string{
		"Deploys":           "deploys",
		"A group's deploys": "a-groups-deploys",
		"`rds-app:network`": "rds-appnetwork",
		"Backups that are proven (`ops.backupPlan`)":         "backups-that-are-proven-opsbackupplan",
		"Rollback, reboots and crashes":                      "rollback-reboots-and-crashes",
		"Upgrading a stack from a version without the proxy": "upgrading-a-stack-from-a-version-without-the-proxy",
		"snake_case and Ünïcode":                             "snake_case-and-ünïcode",
	} {
		assert.Equal(t, want, anchor(heading), heading)
	}
	got := anchors("# Title\n## Notes\n```sh\n# a comment, not a heading\n```\n## Notes\n")
	assert.Equal(t, map[string]bool{"title": true, "notes": true, "notes-1": true}, got)
}

// TestLinks: targets outside code, with code as link text.
func TestLinks(t *testing.T) {
	got := links("See [`traffic.go`](network/traffic.go) and [Scaling\nout](#scaling-out), `[not](a-link)`,\n" +
		"[AWS](https://aws.amazon.com/).\n```\n[inside](code.md)\n```\n")
	assert.Equal(t, []link{{1, "network/traffic.go"}, {2, "#scaling-out"}, {3, "https://aws.amazon.com/"}}, got)
}

// writeManual lays out a small repository: README.md and docs pages.
func writeManual(t *testing.T, pages map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, text := range pages {
		file := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
		require.NoError(t, os.WriteFile(file, []byte(text), 0o644))
	}
	return root
}

// TestFindAndReplaceBlock: a block is found in whichever page holds it and
// rewritten there, leaving the rest of the page as it was.
func TestFindAndReplaceBlock(t *testing.T) {
	root := writeManual(t, map[string]string{
		"README.md":      "# front\n",
		"docs/a.md":      "# A\n\n<!-- BEGIN gaps-table -->\nold\n<!-- END gaps-table -->\n\nafter\n",
		"docs/b.md":      "# B\n<!-- BEGIN twice -->\n<!-- END twice -->\n",
		"docs/c.md":      "# C\n<!-- BEGIN twice -->\n<!-- END twice -->\n",
		"docs/notes.txt": "<!-- BEGIN gaps-table -->\nnot a page\n<!-- END gaps-table -->\n",
	})
	p, body, err := FindBlock(root, "gaps-table")
	require.NoError(t, err)
	assert.Equal(t, "docs/a.md", p)
	assert.Equal(t, "old\n", body)

	require.NoError(t, ReplaceBlock(root, "gaps-table", "new\nrows\n"))
	data, err := os.ReadFile(filepath.Join(root, "docs", "a.md"))
	require.NoError(t, err)
	assert.Equal(t, "# A\n\n<!-- BEGIN gaps-table -->\nnew\nrows\n<!-- END gaps-table -->\n\nafter\n", string(data))

	_, _, err = FindBlock(root, "missing")
	assert.ErrorContains(t, err, `no page of README.md, docs/a.md, docs/b.md, docs/c.md holds the block "missing"`)
	_, _, err = FindBlock(root, "twice")
	assert.ErrorContains(t, err, `the block "twice" is in more than one page: docs/b.md, docs/c.md`)
	assert.Error(t, ReplaceBlock(root, "twice", "x\n"))
}

// TestConfigKeys: the rows of the tables under the configuration headings,
// and no row of any other table.
func TestConfigKeys(t *testing.T) {
	root := writeManual(t, map[string]string{
		"README.md": "# front\n| `notAKey` | x |\n",
		"docs/configuration.md": "# Configuring\n## Configuration\n### `rds-app:network`\n\n| Key | Type |\n| --- | --- |\n" +
			"| `cidr` | string |\n| `azCount` | integer |\n\n### `rds-app:ops`\n| `alarms` | boolean |\n" +
			"### What a change does\n| `other` | x |\n| `network.cidr` | x |\n",
	})
	keys, err := ConfigKeys(root)
	require.NoError(t, err)
	assert.Equal(t, []string{"network.cidr", "network.azCount", "ops.alarms"}, keys)

	_, err = ConfigKeys(writeManual(t, map[string]string{"README.md": "# front\n"}))
	assert.Error(t, err)
}

// TestConfigKeysOfTheManual: the real manual documents every section.
func TestConfigKeysOfTheManual(t *testing.T) {
	keys, err := ConfigKeys(repoRoot)
	require.NoError(t, err)
	for _, key := range []string{"network.cidr", "database.port", "app.image", "ops.alarms"} {
		assert.Contains(t, keys, key)
	}
}

// TestTheManualsBlocks: each generated block the tests keep is in exactly
// one page, with markers that close.
func TestTheManualsBlocks(t *testing.T) {
	for _, name := range []string{"config-network", "config-database", "config-app", "config-ops", "alarms-table", "plan-table", "gaps-table", "trivy-table"} {
		p, body, err := FindBlock(repoRoot, name)
		if assert.NoError(t, err, name) {
			assert.True(t, strings.HasPrefix(p, "docs/"), "%s is in %s: generated tables belong to the manual, not the front page", name, p)
			assert.True(t, strings.HasPrefix(body, "| "), "%s starts with a table", name)
		}
	}
}

// TestRenderFindsEachBlocksPage: the rendered blocks go to the page that
// holds each, and a link to a section moves to the page that has it.
func TestRenderFindsEachBlocksPage(t *testing.T) {
	files, err := Render(repoRoot)
	require.NoError(t, err)
	for name, want := range files {
		assert.NotContains(t, name, `\`, "keys are slash-separated")
		got, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(name)))
		require.NoError(t, err)
		assert.Equal(t, want, string(got), "%s is out of date: run `go generate ./...`", name)
	}
	assert.Contains(t, files, "Pulumi.yaml")

	order := []string{"README.md", "docs/configuration.md", "docs/deploys.md"}
	headings := map[string]map[string]bool{
		"README.md":             {"try-it-locally": true},
		"docs/configuration.md": {"configuration": true},
		"docs/deploys.md":       {"scaling-out": true},
	}
	got, err := resolveAnchors("see [Scaling out](#scaling-out), [here](#configuration), [front](#try-it-locally)", "docs/configuration.md", order, headings)
	require.NoError(t, err)
	assert.Equal(t, "see [Scaling out](deploys.md#scaling-out), [here](#configuration), [front](../README.md#try-it-locally)", got)
	_, err = resolveAnchors("[gone](#nowhere)", "docs/configuration.md", order, headings)
	assert.ErrorContains(t, err, "#nowhere is a heading of 0 other pages")
}
