package realprovider_test

// rds-app-rehearse's command line on the cases that need the real program
// and Terraform (for the provider's schema) but stop before the emulator:
// what the user sees when the program refuses a stack or a change. The
// cases that stop earlier are internal/rehearsal/command_test.go's.

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rds-app/rds-app/internal/realprovider"
	"github.com/rds-app/rds-app/internal/rehearsal"
	"github.com/rds-app/rds-app/internal/testenv"
)

// rehearse runs rds-app-rehearse's command in-process, the real program
// recorded as the rest of the layer records it (recordProgram). It needs
// Terraform and the provider's mirror, for the provider's schema.
func rehearse(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	tfBin := testenv.RequireTool(t, "terraform")
	record := recordProgram(t, providerSchema(t, tfBin, needMirror(t)))
	var out, errOut bytes.Buffer
	code = rehearsal.Command(context.Background(), args, &out, &errOut, record)
	t.Logf("rds-app-rehearse %v: exit %d\n--- stdout\n%s--- stderr\n%s", args, code, out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

// needMirror finds the provider's filesystem mirror, or skips the test
// (locally) or fails it (CI).
func needMirror(t *testing.T) string {
	t.Helper()
	mirror := realprovider.MirrorDir()
	if mirror == "" {
		testenv.Missing(t, "the terraform-provider-aws "+realprovider.ProviderVersion+" mirror is missing ("+realprovider.DefaultMirror+" or $RDS_APP_TF_MIRROR)")
	}
	return mirror
}

// A change the program refuses is refused with the program's own messages,
// the ones `pulumi up` shows, before the emulator is needed (the endpoint
// given is never called).
func TestRefusedChange(t *testing.T) {
	t.Parallel()
	code, out, errOut := rehearse(t, "--endpoint", "http://127.0.0.1:1",
		"--change", "database.port=80", "--change", "database.prot=5433", "--change", "netwrok.cidr=10.0.0.0/16")
	assert.Equal(t, rehearsal.ExitSetup, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "invalid configuration (3 problems):")
	assert.Contains(t, errOut, "  - rds-app:database.port: 80 is outside 1150..65535 (allowed: 1150 to 65535; for example 5433)\n")
	assert.Contains(t, errOut, "  - rds-app:database.prot: ")
	assert.Contains(t, errOut, "  - rds-app:netwrok: is not a known key")
	assert.Contains(t, errOut, "fix: correct the --change values")
}

// prod ships with a placeholder image the program refuses on purpose.
func TestPlaceholderImage(t *testing.T) {
	t.Parallel()
	code, _, errOut := rehearse(t, "--stack", "prod", "--endpoint", "http://127.0.0.1:1")
	assert.Equal(t, rehearsal.ExitSetup, code)
	assert.Contains(t, errOut, `rds-app:app.image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-app:1.0.0" is in account 123456789012`)
	assert.Contains(t, errOut, "fix: correct Pulumi.prod.yaml (README, \"Configuration\"), or rehearse it with the value you will use: --change key=value")
}
