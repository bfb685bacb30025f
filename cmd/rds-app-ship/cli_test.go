package main

import (
	"bytes"
	"context"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseOptions(t *testing.T) {
	t.Setenv(envProjectDir, "/src/rds-app")
	t.Setenv(envRegistry, "")
	o, err := parseOptions([]string{"--stack", "prod", "--", "--yes", "--skip-preview"})
	require.NoError(t, err)
	assert.Equal(t, options{stack: "prod", projectDir: "/src/rds-app", appDir: ".", builder: "auto", tlsVerify: true,
		pulumiArgs: []string{"--yes", "--skip-preview"}}, o)

	t.Setenv(envRegistry, "127.0.0.1:5000")
	t.Setenv(envProjectDir, "/elsewhere")
	o, err = parseOptions([]string{"--stack=dev", "--project-dir", "/elsewhere", "--builder", "buildah", "--tls-verify=false", "--no-deploy", "--allow-dirty", "--app-dir", "app", "--file", "app/Containerfile"})
	require.NoError(t, err)
	assert.Equal(t, options{stack: "dev", projectDir: "/elsewhere", appDir: "app", dockerfile: "app/Containerfile", builder: "buildah",
		registry: "127.0.0.1:5000", allowDirty: true, noDeploy: true, pulumiArgs: []string{}}, o)

	// --registry's variable is not a --registry on the command line: a
	// rollback ignores it.
	o, err = parseOptions([]string{"--stack", "prod", "--rollback", "--no-deploy", "--", "--yes"})
	require.NoError(t, err)
	assert.Equal(t, options{stack: "prod", projectDir: "/elsewhere", appDir: ".", builder: "auto", tlsVerify: true, registry: "127.0.0.1:5000",
		noDeploy: true, rollback: true, pulumiArgs: []string{"--yes"}}, o)

	_, err = parseOptions([]string{"--help"})
	assert.ErrorIs(t, err, flag.ErrHelp)
}

func TestParseOptionsErrors(t *testing.T) {
	t.Setenv(envRegistry, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--stack is required: the stack to ship to (for example --stack dev)"},
		{[]string{"--stack", "dev", "up"}, `unexpected argument "up": arguments for pulumi up come after --`},
		{[]string{"--stack", "dev", "--builder", "podman"}, `--builder "podman": use docker, buildah or auto`},
		{[]string{"--stack", "dev", "--registry", "http://127.0.0.1:5000"}, `--registry "http://127.0.0.1:5000": a registry host, optionally with a port (127.0.0.1:5000), without a scheme or path`},
		{[]string{"--stack", "dev", "--builder", "docker", "--tls-verify=false"}, "--tls-verify=false is for buildah"},
		{[]string{"--stack", "dev", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"--builder", "x"}, "--stack is required: the stack to ship to (for example --stack dev)\n  --builder \"x\": use docker, buildah or auto"},
		{[]string{"--stack", "dev", "--rollback", "--app-dir", ".", "--file", "Dockerfile", "--builder", "auto", "--registry", "127.0.0.1:5000", "--tls-verify=true", "--allow-dirty"},
			"--allow-dirty is for a build, and --rollback builds nothing: it deploys an image already in the repository\n" +
				"  --app-dir is for a build, and --rollback builds nothing: it deploys an image already in the repository\n" +
				"  --builder is for a build, and --rollback builds nothing: it deploys an image already in the repository\n" +
				"  --file is for a build, and --rollback builds nothing: it deploys an image already in the repository\n" +
				"  --registry is for a build, and --rollback builds nothing: it deploys an image already in the repository\n" +
				"  --tls-verify is for a build, and --rollback builds nothing: it deploys an image already in the repository"},
	} {
		_, err := parseOptions(tc.args)
		var uerr usageError
		if assert.ErrorAs(t, err, &uerr, "%q", tc.args) {
			assert.Contains(t, err.Error(), tc.want, "%q", tc.args)
		}
	}
}

// A usage error exits 2 with the usage; --help exits 0.
func TestRunUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	a := newApp(nil, &stdout, &stderr)
	assert.Equal(t, 2, a.run(context.Background(), nil))
	assert.Contains(t, stderr.String(), "rds-app-ship: --stack is required")
	assert.Contains(t, stderr.String(), "rds-app-ship --stack NAME [flags] [-- pulumi up arguments]")

	stderr.Reset()
	assert.Equal(t, 0, a.run(context.Background(), []string{"--help"}))
	assert.Contains(t, stderr.String(), "-no-deploy")
	assert.Contains(t, stderr.String(), "rds-app-ship --stack NAME --rollback [--no-deploy] [-- pulumi up arguments]")
	assert.Contains(t, stderr.String(), "-rollback")
	assert.Empty(t, stdout.String())
}

func TestShellQuote(t *testing.T) {
	assert.Equal(t, "/src/rds-app", shellQuote("/src/rds-app"))
	assert.Equal(t, "'/src/my app'", shellQuote("/src/my app"))
	assert.Equal(t, `'it'\''s'`, shellQuote("it's"))
	assert.Equal(t, "''", shellQuote(""))
	assert.Equal(t, "up --stack dev --message 'ship it'", shellJoin([]string{"up", "--stack", "dev", "--message", "ship it"}))
}
