//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rds-app/rds-app/internal/pulumicli"
	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakePulumi is `pulumi` on PATH: it records its directory and arguments
// and answers with what the test gives it.
const fakePulumi = `#!/bin/sh
{ pwd; printf '%s\n' "$@"; } > "$FAKE_PULUMI_RECORD"
cat "$FAKE_PULUMI_STDOUT"
cat "$FAKE_PULUMI_STDERR" >&2
exit "$FAKE_PULUMI_EXIT"
`

// The outputs come from `pulumi stack output` run in the project
// directory, with --stack passed through; pulumi's failures become what
// to do next.
func TestOutputsFromPulumi(t *testing.T) {
	testenv.RequireTool(t, "sh", "/bin/sh")
	bin, dir := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "pulumi"), []byte(fakePulumi), 0o755))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	record := filepath.Join(dir, "record")
	t.Setenv("FAKE_PULUMI_RECORD", record)
	project := t.TempDir()

	answer := func(t *testing.T, stdout, stderr, exit string) {
		for k, v := range map[string]string{"FAKE_PULUMI_STDOUT": stdout, "FAKE_PULUMI_STDERR": stderr} {
			f := filepath.Join(t.TempDir(), k)
			require.NoError(t, os.WriteFile(f, []byte(v), 0o600))
			t.Setenv(k, f)
		}
		t.Setenv("FAKE_PULUMI_EXIT", exit)
	}
	sample, err := os.ReadFile(filepath.Join("testdata", "stack-outputs.json"))
	require.NoError(t, err)
	a := newApp(nil, nil, nil)

	t.Run("the stack's outputs, from the project directory", func(t *testing.T) {
		answer(t, string(sample), "", "0")
		out, err := a.loadOutputs(context.Background(), globals{stack: "dev", projectDir: project})
		require.NoError(t, err)
		assert.Equal(t, sampleOutputs, out)
		got, err := os.ReadFile(record)
		require.NoError(t, err)
		want, err := filepath.EvalSymlinks(project)
		require.NoError(t, err)
		assert.Equal(t, append([]string{want}, pulumicli.OutputArgs("dev", true)...), strings.Split(strings.TrimSpace(string(got)), "\n"))
	})

	t.Run("no stack selected", func(t *testing.T) {
		answer(t, "", "error: no stack selected; please use `pulumi stack select` or `pulumi stack init` to choose one\n", "255")
		_, err := a.loadOutputs(context.Background(), globals{projectDir: project})
		assert.EqualError(t, err, "no stack selected: pass --stack NAME (for example --stack dev), or run `pulumi stack select NAME` once")
	})

	t.Run("a stack not deployed", func(t *testing.T) {
		answer(t, "{}\n", "", "0")
		_, err := a.loadOutputs(context.Background(), globals{stack: "prod", projectDir: project})
		assert.EqualError(t, err, "stack \"prod\" has no outputs: it has not been deployed yet (run `pulumi up --stack prod`)")
	})
}
