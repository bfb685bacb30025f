package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runQuiet runs the command with no process allowed to start: these are
// the mistakes caught before anything is run.
func runQuiet(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := newApp(nil, &out, &errb)
	a.observe = func(c *exec.Cmd) { t.Errorf("started %v", c.Args) }
	a.lookPath = func(string) (string, error) { return "", exec.ErrNotFound }
	code = a.run(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestCommandLineMistakes(t *testing.T) {
	dir := t.TempDir()
	notDeployed := filepath.Join(dir, "empty.json")
	require.NoError(t, os.WriteFile(notDeployed, []byte("{}\n"), 0o600))
	archive := filepath.Join(dir, "app.dump")
	require.NoError(t, os.WriteFile(archive, []byte("PGDMP\x01"), 0o600))
	sql := filepath.Join(dir, "seed.sql")
	require.NoError(t, os.WriteFile(sql, []byte("select 1;\n"), 0o600))

	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no command", nil, 2, []string{"rds-app-db: no command given", "Usage:"}},
		{"unknown command", []string{"connect"}, 2, []string{`unknown command "connect"`, "Usage:"}},
		{"psql options need --", []string{"psql", "-c", "select 1"}, 2, []string{"psql's own options go after --: rds-app-db psql -- -c 'select 1'"}},
		{"load needs a file", []string{"load"}, 2, []string{"load takes one FILE.sql, got 0 argument(s)"}},
		{"load takes one file", []string{"load", "a.sql", "b.sql"}, 2, []string{"load takes one FILE.sql, got 2 argument(s): a.sql b.sql"}},
		{"restore needs a file", []string{"restore", "--clean"}, 2, []string{"restore takes one FILE, got 0"}},
		{"url takes no arguments", []string{"url", "extra"}, 2, []string{"url takes no arguments"}},
		{"unknown flag", []string{"dump", "--format=plain"}, 2, []string{"dump: flag provided but not defined: -format"}},
		{"a missing file", []string{"load", filepath.Join(dir, "missing.sql")}, 1, []string{"no such file or directory"}},
		{"a directory", []string{"restore", dir}, 1, []string{"is a directory"}},
		{"an archive given to load", []string{"load", archive}, 1, []string{"is a pg_dump archive, not SQL: use rds-app-db restore"}},
		{"SQL given to restore", []string{"restore", sql}, 1, []string{"is not a pg_dump custom-format archive (what rds-app-db dump writes); a SQL file loads with rds-app-db load"}},
		{"psql not installed", []string{"psql"}, 1, []string{"rds-app-db: error: psql is not installed: install the PostgreSQL client tools"}},
		{"a tool not in --pg-bin", []string{"--pg-bin", dir, "dump"}, 1, []string{"psql is not in --pg-bin " + dir}},
		{"pulumi not installed", []string{"url"}, 1, []string{"pulumi is not installed"}},
		{"a stack not deployed", []string{"--outputs", notDeployed, "--stack", "dev", "url"}, 1, []string{`stack "dev" has no outputs: it has not been deployed yet`}},
		{"flags after the command", []string{"url", "--outputs", notDeployed}, 1, []string{"the selected stack has no outputs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runQuiet(t, tc.args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Empty(t, stdout)
			for _, w := range tc.want {
				assert.Contains(t, stderr, w)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"restore", "-h"}} {
		code, _, stderr := runQuiet(t, args...)
		assert.Equal(t, 0, code, args)
		assert.Contains(t, stderr, "rds-app-db [flags] psql [-- psql arguments]", args)
		assert.Contains(t, stderr, "-ca-bundle FILE", args)
	}
}

func TestFlagsAndArgumentsInAnyOrder(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		positional []string
		clean      bool
	}{
		{[]string{"app.dump"}, []string{"app.dump"}, false},
		{[]string{"--clean", "app.dump"}, []string{"app.dump"}, true},
		{[]string{"app.dump", "--clean"}, []string{"app.dump"}, true},
		{[]string{"--", "--clean"}, []string{"--clean"}, false},
		{[]string{"a", "--clean", "--", "-b"}, []string{"a", "-b"}, true},
	} {
		fs := flag.NewFlagSet("restore", flag.ContinueOnError)
		clean := fs.Bool("clean", false, "")
		got, err := parse(fs, tc.args)
		require.NoError(t, err, tc.args)
		assert.Equal(t, tc.positional, got, tc.args)
		assert.Equal(t, tc.clean, *clean, tc.args)
	}
}
