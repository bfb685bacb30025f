//go:build unix

package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrapper is bin/rds-app-ship, which runs this command from a checkout.
var wrapper = filepath.Join("..", "..", "bin", "rds-app-ship")

func TestWrapperIsShellcheckClean(t *testing.T) {
	testenv.Shellcheck(t, wrapper)
}

// The wrapper builds the command and runs it in the caller's directory
// (the application's checkout) with the rds-app checkout passed on.
func TestWrapperRunsTheCommand(t *testing.T) {
	cache := testenv.WrapperCache(t)
	abs, err := filepath.Abs(wrapper)
	require.NoError(t, err)
	t.Setenv(envProjectDir, "")

	cmd := exec.Command(abs, "--help")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "rds-app-ship --stack NAME [flags] [-- pulumi up arguments]")
	assert.FileExists(t, filepath.Join(cache, "rds-app", "rds-app-ship"))

	// In an application's checkout, the stacks are the rds-app checkout's.
	testenv.RequireTool(t, "git")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	cmd = exec.Command(abs, "--stack", "nosuch")
	cmd.Dir = gitCheckout(t, scratchApp)
	out, err = cmd.CombinedOutput()
	var exitErr *exec.ExitError
	require.True(t, errors.As(err, &exitErr), "%v: %s", err, out)
	assert.Equal(t, 1, exitErr.ExitCode(), "%s", out)
	assert.Contains(t, string(out), `rds-app-ship: error: stack "nosuch" not found: the project in `+root+` has no Pulumi.nosuch.yaml`)
}
