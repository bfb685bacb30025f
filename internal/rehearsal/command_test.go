package rehearsal

// The command as a user meets it: run with a command line, asserted on its
// exit status and what it prints. These are the cases that stop before any
// tool starts or the program runs; the ones that need Terraform and the
// real program are acceptance/realprovider/command_test.go's.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/realprovider"
)

// rehearse runs the command in-process with a program that must not run:
// every case here stops before it would.
func rehearse(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Command(context.Background(), args, &out, &errOut,
		func(*realprovider.Schema, realprovider.Facts, string, string, map[string]string) (*realprovider.Translation, error) {
			t.Error("the program ran; this case should stop before it")
			return nil, errors.New("not recorded")
		})
	t.Logf("rds-app-rehearse %v: exit %d\n--- stdout\n%s--- stderr\n%s", args, code, out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

func TestFlags(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseFlags([]string{"--change", "app.image=nginx:1.29", "--change", "database.port=6543", "--keep"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, options{stack: "dev", changes: []string{"app.image=nginx:1.29", "database.port=6543"}, keep: true}, o)

	code, _, errOut := rehearse(t, "app.image=nginx:1.29")
	assert.Equal(t, ExitSetup, code)
	assert.Contains(t, errOut, `unexpected argument "app.image=nginx:1.29" (a change is --change app.image=nginx:1.29)`)

	code, _, errOut = rehearse(t, "--keep", "--destroy")
	assert.Equal(t, ExitSetup, code)
	assert.Contains(t, errOut, "--keep and --destroy exclude each other")

	code, _, errOut = rehearse(t, "--help")
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, errOut, "-change key=value")
}

func TestUnknownStack(t *testing.T) {
	code, _, errOut := rehearse(t, "--stack", "qa")
	assert.Equal(t, ExitSetup, code)
	assert.Contains(t, errOut, `stack "qa" not found`)
	assert.Contains(t, errOut, "fix: choose one with --stack dev|prod|scale, or create Pulumi.qa.yaml")
}

func TestMalformedChange(t *testing.T) {
	code, _, errOut := rehearse(t, "--change", "app.image")
	assert.Equal(t, ExitSetup, code)
	assert.Contains(t, errOut, `--change "app.image": a change is key=value or key:=JSON`)
	assert.Contains(t, errOut, "fix: write each --change as `pulumi config set --path` takes it")

	code, _, errOut = rehearse(t, "--change", "app.secretNames:=[A]")
	assert.Equal(t, ExitSetup, code)
	assert.Contains(t, errOut, "the value after := is not JSON")
}

// pathWith makes PATH a directory holding only stand-ins for the named
// tools: enough for the command to look them up, not to run them.
func pathWith(t *testing.T, names ...string) {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\nexit 1\n"), 0o755))
	}
	t.Setenv("PATH", dir)
}

func TestMissingTools(t *testing.T) {
	pathWith(t)
	code, _, errOut := rehearse(t)
	assert.Equal(t, ExitSetup, code)
	assert.Contains(t, errOut, "terraform is not installed (it is not on PATH)")
	assert.Contains(t, errOut, "fix: install Terraform 1.5 or later (https://developer.hashicorp.com/terraform/install)")
	assert.Contains(t, errOut, "rds-app-rehearse downloads nothing itself")

	pathWith(t, "terraform")
	code, _, errOut = rehearse(t)
	assert.Equal(t, ExitSetup, code)
	assert.Contains(t, errOut, "moto_server is not installed (it is not on PATH)")
	assert.Contains(t, errOut, `fix: pip install "moto[server]"`)
	assert.Contains(t, errOut, "--endpoint")
}
