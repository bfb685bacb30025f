package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Shellcheck checks a script with shellcheck.
func Shellcheck(t *testing.T, script string) {
	t.Helper()
	shellcheck := RequireTool(t, "shellcheck")
	out, err := exec.Command(shellcheck, script).CombinedOutput()
	assert.NoError(t, err, "%s", out)
}

// WrapperCache prepares the run of a bin/ wrapper, which builds its command
// into $XDG_CACHE_HOME/rds-app: that goes to a temporary directory, which
// is returned, while Go's own build cache stays where it is, so the build
// is quick.
func WrapperCache(t *testing.T) string {
	t.Helper()
	RequireTool(t, "go")
	goCache := os.Getenv("GOCACHE")
	if goCache == "" {
		dir, err := os.UserCacheDir()
		require.NoError(t, err)
		goCache = filepath.Join(dir, "go-build")
	}
	t.Setenv("GOCACHE", goCache)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	return cache
}
