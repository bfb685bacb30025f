package main

// Helpers for tests that use real tools nobody here wrote (cloud-init,
// shellcheck, the AWS CLI with moto, PostgreSQL). Locally a missing tool
// skips the test with a message; in CI (CI=true) it fails, because .ci/run
// installs every tool and a skip there would hide a broken check.

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// inCI reports whether the tests run under .ci/run.
func inCI() bool { return os.Getenv("CI") == "true" }

// requireTool finds an executable at one of the given absolute paths
// (preferred, in order) or else by name on PATH. Every test that starts a
// real process asks for its tool here, so `go test -short` skips them all
// and the fast loop stays within seconds.
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

// hostFile is one file the host's #cloud-config writes.
type hostFile struct {
	Path        string `yaml:"path"`
	Owner       string `yaml:"owner"`
	Permissions string `yaml:"permissions"`
	Content     string `yaml:"content"`
}

// hostFiles parses user-data and returns the files it writes, by path.
func hostFiles(t testing.TB, userData string) map[string]hostFile {
	t.Helper()
	var doc struct {
		WriteFiles []hostFile `yaml:"write_files"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(userData), &doc))
	files := map[string]hostFile{}
	for _, f := range doc.WriteFiles {
		files[f.Path] = f
	}
	require.NotEmpty(t, files)
	return files
}

// writeTemp writes content to a new file in a test's temp dir.
func writeTemp(t testing.TB, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), mode))
	return p
}
