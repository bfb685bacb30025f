package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/stackfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleURL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/rds-app-dev-app-1a2b3c"

func TestParseRepository(t *testing.T) {
	r, err := parseRepository([]byte(`{"url": "http://203.0.113.7", "repositoryUrl": "`+sampleURL+`"}`), "dev", true)
	require.NoError(t, err)
	assert.Equal(t, repository{URL: sampleURL, Host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
		ECRRepository: awsfacts.ECRRepository{Account: "123456789012", Region: "eu-west-1", Partition: "aws", Name: "rds-app-dev-app-1a2b3c"}}, r)

	for _, tc := range []struct {
		name, outputs string
		on            bool
		want          string
	}{
		{"no repository", `{"url": "http://203.0.113.7"}`, false,
			"stack \"dev\" has no repository yet (no repositoryUrl output): enable the repository (`pulumi config set --path app.repository true --stack dev`) and run `pulumi up --stack dev` once"},
		{"not deployed", `{}`, false,
			"stack \"dev\" has not been deployed yet (no repositoryUrl output): enable the repository (`pulumi config set --path app.repository true --stack dev`) and run `pulumi up --stack dev` once"},
		{"on but not deployed", `{"url": "http://203.0.113.7"}`, true,
			"stack \"dev\" has no repository yet: app.repository is on in Pulumi.dev.yaml; run `pulumi up --stack dev` once to create the repository"},
		{"not JSON", `warning: something`, false, `reading the outputs of stack "dev": not a JSON object`},
		{"not a string", `{"repositoryUrl": 7}`, false, `the output repositoryUrl of stack "dev" is 7, not a string`},
		{"not ECR", `{"repositoryUrl": "ghcr.io/acme/shop"}`, false, `the output repositoryUrl of stack "dev": "ghcr.io/acme/shop" is not in a private ECR registry`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseRepository([]byte(tc.outputs), "dev", tc.on)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// stackWith writes a project with one stack, dev, whose app section is app.
func stackWith(t *testing.T, app string) *stackfile.Stack {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: rds-app\nruntime: go\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte("config:\n  rds-app:app:\n"+app), 0o644))
	st, err := stackfile.Load(dir, "dev")
	require.NoError(t, err)
	return st
}

// The hosts' platform comes from app.instanceType, or the program's
// default when it is unset.
func TestHostPlatform(t *testing.T) {
	for app, want := range map[string][2]string{
		"    image: nginx:1\n    instanceType: t4g.micro\n": {"t4g.micro", "linux/arm64"},
		"    instanceType: m7g.large\n":                     {"m7g.large", "linux/arm64"},
		"    instanceType: t3.small\n":                      {"t3.small", "linux/amd64"},
		"    image: nginx:1\n":                              {config.DefaultInstanceType, awsfacts.Platform(config.DefaultInstanceType)},
	} {
		it, platform, err := hostPlatform(stackWith(t, app))
		require.NoError(t, err, app)
		assert.Equal(t, want, [2]string{it, platform}, app)
	}
	_, _, err := hostPlatform(stackWith(t, "    instanceType: t4g.huge\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `app.instanceType in `)
	assert.Contains(t, err.Error(), `: "t4g.huge" is not an EC2 instance type; t4g comes in nano, micro, small, medium, large, xlarge, 2xlarge, so the hosts' CPU is unknown`)

	// The shipped dev stack runs Graviton hosts.
	root, err := stackfile.FindProject(".")
	require.NoError(t, err)
	dev, err := stackfile.Load(root, "dev")
	require.NoError(t, err)
	_, platform, err := hostPlatform(dev)
	require.NoError(t, err)
	assert.Equal(t, "linux/arm64", platform)
}
