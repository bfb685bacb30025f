package pulumicli

import (
	"errors"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOutputArgs(t *testing.T) {
	assert.Equal(t, []string{"stack", "output", "--json", "--show-secrets", "--non-interactive", "--stack", "prod"}, OutputArgs("prod", true))
	assert.Equal(t, []string{"stack", "output", "--json", "--show-secrets", "--non-interactive"}, OutputArgs("", true),
		"without --stack, pulumi uses the selected stack")
	assert.Equal(t, []string{"stack", "output", "--json", "--non-interactive", "--stack", "dev"}, OutputArgs("dev", false))
}

// The messages are pulumi's own (pkg/cmd/pulumi/stack.go).
func TestOutputError(t *testing.T) {
	failed := errors.New("exit status 255")
	for _, tc := range []struct {
		name, stderr, stack string
		err                 error
		want                string
	}{
		{"pulumi missing", "", "", exec.ErrNotFound, "pulumi is not installed (https://www.pulumi.com/docs/install/)"},
		{"no stack selected", "error: no stack selected; please use `pulumi stack select` or `pulumi stack init` to choose one\n", "", failed,
			"no stack selected: pass --stack NAME (for example --stack dev), or run `pulumi stack select NAME` once"},
		{"no such stack", "error: no stack named 'staging' found\n", "staging", failed,
			`stack "staging" does not exist here (` + "`pulumi stack ls`" + ` lists the stacks; is the backend right?): error: no stack named 'staging' found`},
		{"no project", "error: no Pulumi.yaml project file found (searching upwards from /tmp). If you have not created a project yet, use `pulumi new` to do so: no project file found\n", "", failed,
			"pulumi found no project: run this inside the rds-app checkout, or pass --project-dir DIR"},
		{"anything else is passed on", "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables\n", "dev", failed,
			`reading the outputs of stack "dev" (pulumi stack output): error: passphrase must be set`},
		{"no message", "", "dev", failed, `reading the outputs of stack "dev" (pulumi stack output): exit status 255`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Contains(t, OutputError(tc.err, tc.stderr, tc.stack).Error(), tc.want)
		})
	}
}
