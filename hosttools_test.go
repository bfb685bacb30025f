package main

// The host's boot configuration checked with the tools that will read it:
// cloud-init's own schema validator for the user-data, and shellcheck for
// every shell script it writes.

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cloudInitSchema runs `cloud-init schema -c` on user-data.
func cloudInitSchema(t *testing.T, userData string) (string, error) {
	t.Helper()
	tool := requireTool(t, "cloud-init")
	path := writeTemp(t, t.TempDir(), "user-data", userData, 0o600)
	out, err := exec.Command(tool, "schema", "-c", path).CombinedOutput()
	return string(out), err
}

// shellcheck runs shellcheck at its strictest default severity (style), so
// warnings fail too.
func shellcheck(t *testing.T, name, script string) (string, error) {
	t.Helper()
	tool := requireTool(t, "shellcheck")
	path := writeTemp(t, t.TempDir(), filepath.Base(name), script, 0o700)
	out, err := exec.Command(tool, "--severity=style", "--external-sources", path).CombinedOutput()
	return string(out), err
}

func TestUserDataIsValidCloudConfig(t *testing.T) {
	for _, s := range shippedStacks(t) {
		t.Run(s.Name, func(t *testing.T) {
			r := runProgram(t, s.Name, s.Config)
			require.NoError(t, r.Err)
			out, err := cloudInitSchema(t, userDataOf(t, r))
			require.NoError(t, err, out)
			assert.Contains(t, out, "Valid")
		})
	}
}

func TestUserDataScriptsPassShellcheck(t *testing.T) {
	for _, s := range shippedStacks(t) {
		t.Run(s.Name, func(t *testing.T) {
			r := runProgram(t, s.Name, s.Config)
			require.NoError(t, r.Err)
			scripts := 0
			for path, f := range hostFiles(t, userDataOf(t, r)) {
				if !strings.HasPrefix(f.Content, "#!") {
					continue
				}
				scripts++
				assert.Regexp(t, `^#!/bin/(ba)?sh\n`, f.Content, "%s: only shell scripts are expected", path)
				assert.Equal(t, "0755", f.Permissions, path)
				out, err := shellcheck(t, path, f.Content)
				assert.NoError(t, err, "%s:\n%s", path, out)
			}
			assert.Equal(t, 3, scripts, "the install, start and health scripts")
		})
	}
}

// TestHostToolChecksCanFail shows both tools reject what they should, so a
// passing check above means something.
func TestHostToolChecksCanFail(t *testing.T) {
	t.Run("cloud-init", func(t *testing.T) {
		out, err := cloudInitSchema(t, "#cloud-config\nwrite_files:\n  - path: /x\n    permissions: 0644\n    contents: x\nruncmd: echo\n")
		assert.Error(t, err, out)
		assert.Contains(t, out, "'contents' was unexpected")
	})
	t.Run("shellcheck", func(t *testing.T) {
		out, err := shellcheck(t, "bad.sh", "#!/bin/bash\nfiles=$(ls *.txt)\nrm $files\n")
		assert.Error(t, err)
		assert.Contains(t, out, "SC2086")
	})
}
