package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestToolDirSkipsTheShim: the AWS CLI on a script's PATH is the program
// itself, not pyenv's shim in front of it, and it runs.
func TestToolDirSkipsTheShim(t *testing.T) {
	dir := ToolDir(t, "aws")
	target, err := os.Readlink(filepath.Join(dir, "aws"))
	require.NoError(t, err)
	assert.NotContains(t, target, "/.pyenv/shims/")
	out, err := exec.Command(filepath.Join(dir, "aws"), "--version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.True(t, strings.HasPrefix(string(out), "aws-cli/"), "%s", out)
}
