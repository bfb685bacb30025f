package main

// Tests that need a real tool (psql, pg_dump, initdb, moto_server, aws,
// shellcheck) ask for it here. Locally a missing tool skips the test with
// a message; in CI (CI=true) it fails, because .ci/run installs every tool
// and a skip there would hide a broken check. -short skips them all, so
// `go test -short` starts no process.

import (
	"os"
	"os/exec"
	"testing"
)

// pgBinDir holds the PostgreSQL 15 programs CI installs. Its psql comes
// before PATH's: Debian's /usr/bin/psql is pg_wrapper, which may add a
// local cluster's settings to the environment the tests mean to control.
const pgBinDir = "/usr/lib/postgresql/15/bin"

func inCI() bool { return os.Getenv("CI") == "true" }

// requireTool finds an executable at one of the given absolute paths
// (preferred, in order) or else by name on PATH.
func requireTool(t testing.TB, name string, paths ...string) string {
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
	msg := name + " is not installed (.ci/run installs it); this check needs the real tool"
	if inCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
