package main

// The command as a user meets it: run with a command line, asserted on its
// exit status and what it prints. The error cases before any tool starts
// run under -short; those that need Terraform, and the rehearsal itself
// (rehearse_test.go), start real processes and do not.

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/procgroup"
	"github.com/rds-app/rds-app/internal/realprovider"
	"github.com/rds-app/rds-app/internal/testenv"
)

// rehearse runs the command in-process.
func rehearse(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	t.Logf("rds-app-rehearse %v: exit %d\n--- stdout\n%s--- stderr\n%s", args, code, out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

func TestMain(m *testing.M) {
	// Terraform (with its provider plugins) and moto_server, which the
	// command starts, die with this process, however it ends.
	procgroup.Started = func(pgid int) { _ = testenv.ReapGroup(pgid) }
	os.Exit(m.Run())
}

// needTools finds the tools a test starts, or skips it (-short, or locally
// when one is missing) or fails it (CI).
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		testenv.RequireTool(t, name)
	}
	if realprovider.MirrorDir() == "" {
		testenv.Missing(t, "the terraform-provider-aws "+realprovider.ProviderVersion+" mirror is missing ("+realprovider.DefaultMirror+" or $RDS_APP_TF_MIRROR)")
	}
}

func TestFlags(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseFlags([]string{"--change", "app.image=nginx:1.29", "--change", "database.port=6543", "--keep"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, options{stack: "dev", changes: []string{"app.image=nginx:1.29", "database.port=6543"}, keep: true}, o)

	code, _, errOut := rehearse(t, "app.image=nginx:1.29")
	assert.Equal(t, exitSetup, code)
	assert.Contains(t, errOut, `unexpected argument "app.image=nginx:1.29" (a change is --change app.image=nginx:1.29)`)

	code, _, errOut = rehearse(t, "--keep", "--destroy")
	assert.Equal(t, exitSetup, code)
	assert.Contains(t, errOut, "--keep and --destroy exclude each other")

	code, _, errOut = rehearse(t, "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, errOut, "-change key=value")
}

func TestUnknownStack(t *testing.T) {
	code, _, errOut := rehearse(t, "--stack", "qa")
	assert.Equal(t, exitSetup, code)
	assert.Contains(t, errOut, `stack "qa" not found`)
	assert.Contains(t, errOut, "fix: choose one with --stack dev|prod|scale, or create Pulumi.qa.yaml")
}

func TestMalformedChange(t *testing.T) {
	code, _, errOut := rehearse(t, "--change", "app.image")
	assert.Equal(t, exitSetup, code)
	assert.Contains(t, errOut, `--change "app.image": a change is key=value or key:=JSON`)
	assert.Contains(t, errOut, "fix: write each --change as `pulumi config set --path` takes it")

	code, _, errOut = rehearse(t, "--change", "app.secretNames:=[A]")
	assert.Equal(t, exitSetup, code)
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
	assert.Equal(t, exitSetup, code)
	assert.Contains(t, errOut, "terraform is not installed (it is not on PATH)")
	assert.Contains(t, errOut, "fix: install Terraform 1.5 or later (https://developer.hashicorp.com/terraform/install)")
	assert.Contains(t, errOut, "rds-app-rehearse downloads nothing itself")

	pathWith(t, "terraform")
	code, _, errOut = rehearse(t)
	assert.Equal(t, exitSetup, code)
	assert.Contains(t, errOut, "moto_server is not installed (it is not on PATH)")
	assert.Contains(t, errOut, `fix: pip install "moto[server]"`)
	assert.Contains(t, errOut, "--endpoint")
}

// A change the program refuses is refused with the program's own messages,
// the ones `pulumi up` shows, before the emulator is needed (the endpoint
// given is never called).
func TestRefusedChange(t *testing.T) {
	needTools(t, "terraform")
	code, out, errOut := rehearse(t, "--endpoint", "http://127.0.0.1:1",
		"--change", "database.port=80", "--change", "database.prot=5433", "--change", "netwrok.cidr=10.0.0.0/16")
	assert.Equal(t, exitSetup, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "invalid configuration (3 problems):")
	assert.Contains(t, errOut, "  - rds-app:database.port: 80 is outside 1150..65535 (allowed: 1150 to 65535; for example 5433)\n")
	assert.Contains(t, errOut, "  - rds-app:database.prot: ")
	assert.Contains(t, errOut, "  - rds-app:netwrok: is not a known key")
	assert.Contains(t, errOut, "fix: correct the --change values")
}

// prod ships with a placeholder image the program refuses on purpose.
func TestPlaceholderImage(t *testing.T) {
	needTools(t, "terraform")
	code, _, errOut := rehearse(t, "--stack", "prod", "--endpoint", "http://127.0.0.1:1")
	assert.Equal(t, exitSetup, code)
	assert.Contains(t, errOut, `rds-app:app.image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-app:1.0.0" is in account 123456789012`)
	assert.Contains(t, errOut, "fix: correct Pulumi.prod.yaml (README, \"Configuration\"), or rehearse it with the value you will use: --change key=value")
}
