package main

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestRehearseDev is README's one command, with one change: the dev stack
// is applied by the real provider against a real moto_server, its table and
// outputs are printed, and a new image is planned: in place, the rollout
// runs again, nothing is replaced. About 3.5 minutes, most of it the
// provider waiting on the database.
func TestRehearseDev(t *testing.T) {
	needTools(t, "terraform", "moto_server")
	start := time.Now()
	code, out, errOut := rehearse(t, "--change", "app.image=public.ecr.aws/docker/library/nginx:1.29-alpine")
	t.Logf("rehearsal took %s", time.Since(start).Round(time.Second))
	assert.Equal(t, exitOK, code)

	// Progress while the provider works: a counter, the time, the resource.
	assert.Regexp(t, `\[\s*\d+/\d+ [0-9ms]+\]  created aws_vpc\.network-vpc \(\d+s\)`, errOut)
	assert.Regexp(t, `still creating aws_db_instance\.database`, errOut)

	// Every resource created but the listed emulator gap.
	for _, row := range []string{
		`(?m)^aws_db_instance\.database\s+created\s+\S+$`,
		`(?m)^aws_instance\.app-host\s+created\s+\S+$`,
		`(?m)^aws_ssm_association\.app-rollout\s+emulator gap\s+\S+\s+ssm:CreateAssociation, which moto lacks: `,
		`(?m)^\d+ resources: \d+ created, 1 emulator gap, 0 failed, 0 not reached$`,
	} {
		assert.Regexp(t, row, out)
	}
	assert.NotContains(t, out, "FAILED")

	// The outputs, with the emulator's values from the state.
	for _, row := range []string{
		`(?m)^  url\s+http://\d+\.\d+\.\d+\.\d+$`,
		`(?m)^  dbEndpoint\s+rds-app-dev-\w+\.\w+\.eu-west-1\.rds\.amazonaws\.com$`,
		`(?m)^  sessionCommand\s+aws ssm start-session --region eu-west-1 --target i-\w+$`,
		`(?m)^  dbTunnelCommand\s+aws ssm start-session .*--parameters host=rds-app-dev-\S+,portNumber=5432,localPortNumber=5432$`,
		`(?m)^  dbPort\s+5432$`,
	} {
		assert.Regexp(t, row, out)
	}
	assert.NotContains(t, out, "@@tf:", "every reference is resolved")

	// What the new image does.
	assert.Contains(t, out, "What this change does (app.image=public.ecr.aws/docker/library/nginx:1.29-alpine)")
	assert.Contains(t, out, "Outcome: in place, redeploys the container\n")
	assert.Regexp(t, `(?m)^updated in place\s+aws_ssm_parameter\.app-image\s+insecure_value$`, out)
	assert.Regexp(t, `(?m)^runs again\s+aws_ssm_association\.app-rollout\s+`, out)
	assert.NotContains(t, out, "!!!")
	assert.NotRegexp(t, regexp.MustCompile(`(?m)^replaced `), out)

	assert.Contains(t, out, "Teardown: the emulator stops")
	assert.Regexp(t, `Rehearsed stack dev in \S+: \d+ created, 1 emulator gap, 0 failed, 0 not reached\.`, out)
}
