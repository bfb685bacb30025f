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

// wrapper is bin/rds-app-db, which runs this command from a checkout.
var wrapper = filepath.Join("..", "..", "bin", "rds-app-db")

func TestWrapperIsShellcheckClean(t *testing.T) {
	testenv.Shellcheck(t, wrapper)
}

// The wrapper builds the command and runs it from any directory, passing
// its exit status on.
func TestWrapperRunsTheCommand(t *testing.T) {
	cache := testenv.WrapperCache(t)
	abs, err := filepath.Abs(wrapper)
	require.NoError(t, err)

	cmd := exec.Command(abs, "--help")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "rds-app-db [flags] psql [-- psql arguments]")
	assert.FileExists(t, filepath.Join(cache, "rds-app", "rds-app-db"))

	cmd = exec.Command(abs, "no-such-command")
	cmd.Dir = t.TempDir()
	out, err = cmd.CombinedOutput()
	var exitErr *exec.ExitError
	require.True(t, errors.As(err, &exitErr), "%v: %s", err, out)
	assert.Equal(t, 2, exitErr.ExitCode(), "%s", out)
}
