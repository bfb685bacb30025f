// Package testenv is the one place tests start real software nobody here
// wrote: it finds a tool or skips (fails under CI=true), starts
// moto_server, PostgreSQL clusters and container registries, makes a
// throwaway certificate authority, and makes sure that whatever it starts dies with the test
// process, even when Go's test timeout kills that process before any
// cleanup runs.
//
// Locally a missing tool skips the test with a message; in CI (CI=true) it
// fails, because .ci/run installs every tool and a skip there would hide a
// broken check. -short skips every test that asks for a tool, so
// `go test -short ./...` starts no process and stays within seconds.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rds-app/rds-app/internal/loopport"
	"github.com/stretchr/testify/require"
)

// PgBinDir holds the PostgreSQL 15 programs CI installs. Its psql comes
// before PATH's: Debian's /usr/bin/psql is pg_wrapper, which may add a
// local cluster's settings to the environment the tests mean to control.
const PgBinDir = "/usr/lib/postgresql/15/bin"

// InCI reports whether the tests run under .ci/run.
func InCI() bool { return os.Getenv("CI") == "true" }

// RequireTool finds an executable at one of the given absolute paths
// (preferred, in order) or else by name on PATH. Under -short it skips the
// test; a missing tool skips it locally and fails it in CI.
func RequireTool(t testing.TB, name string, paths ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: skips the checks that start %s and other real processes", name)
	}
	for _, p := range paths {
		if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	Missing(t, name+" is not installed (.ci/run installs it); this check needs the real tool")
	return ""
}

// Missing ends a test that cannot run for want of something .ci/run
// provides: a skip locally, a failure in CI.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// FreePort is a TCP port on 127.0.0.1 for a server to be told: nothing
// listens on it now, and no other caller in any test process on the
// machine is handed it while this one runs (see loopport).
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := loopport.Port()
	require.NoError(t, err)
	return port
}

// FreePorts is n distinct FreePorts.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		ports = append(ports, FreePort(t))
	}
	return ports
}

// WriteTemp writes content to a new file in dir.
func WriteTemp(t testing.TB, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), mode))
	return p
}

// ToolDir is a directory holding name as a link to the tool's own
// executable, to put first on a script's PATH. A pyenv shim (how the
// machine image installs the AWS CLI and moto) is a bash script that runs
// pyenv to find the real program: at every call, and the host's scripts
// call the AWS CLI dozens of times, it costs about half again the CPU of
// the call itself. Anything else is linked as it is found.
func ToolDir(t testing.TB, name string) string {
	t.Helper()
	path := RequireTool(t, name)
	if strings.Contains(path, "/.pyenv/shims/") {
		if out, err := exec.Command("pyenv", "which", name).Output(); err == nil {
			path = strings.TrimSpace(string(out))
		}
	}
	dir := t.TempDir()
	if err := os.Symlink(path, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	return dir
}
