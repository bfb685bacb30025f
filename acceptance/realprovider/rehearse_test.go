package realprovider_test

// The dev stack goes through rds-app-rehearse's runner (internal/rehearsal),
// as README's one command runs it, with one change: the stack is applied by
// the real provider against a real moto_server, its table and outputs are
// printed, and a new image is planned: in place, the rollout runs again,
// nothing is replaced. The layer's own checks of dev run on the same apply
// (Options.Then), beside the change's plan and before the rehearsal's
// teardown.

import (
	"bytes"
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/realprovider"
	"github.com/rds-app/rds-app/internal/rehearsal"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/testenv"
)

// lockedBuffer is a buffer the rehearsal and the test may write at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func rehearseDev(t *testing.T, schema *realprovider.Schema, dev stacktest.Stack) {
	var out, log lockedBuffer
	start := time.Now()
	ran := false
	code, err := rehearsal.Run(context.Background(), rehearsal.Options{
		Record:  recordProgram(t, schema),
		Stack:   "dev",
		Changes: []string{"app.image=public.ecr.aws/docker/library/nginx:1.29-alpine"},
		Schema:  schema,
		Slots:   terraformSlots,
		Then: func(ctx context.Context, st *realprovider.Stack) {
			ran = true
			r := &stackRun{t: t, stack: dev, schema: schema, tf: st.TF, moto: testenv.MotoAt(t, st.TF.Endpoint), tr: st.Base, applied: st}
			r.checkApplied()
			if t.Failed() {
				return
			}
			r.checkPlansAndDestroy(ctx, true)
		},
	}, &out, &log, false)
	t.Logf("rds-app-rehearse --stack dev: exit %d in %s\n--- stdout\n%s--- stderr\n%s", code, time.Since(start).Round(time.Second), out.String(), log.String())
	require.NoError(t, err)
	assert.Equal(t, rehearsal.ExitOK, code)
	assert.True(t, ran, "the layer's checks ran on the rehearsal's apply")
	checkRehearsalOutput(t, out.String(), log.String())
}

// checkRehearsalOutput: what the command prints for a rehearsal of dev with
// a new image.
func checkRehearsalOutput(t *testing.T, out, errOut string) {
	// Progress while the provider works: a counter, the time, the resource.
	assert.Regexp(t, `\[\s*\d+/\d+ [0-9ms]+\]  created aws_vpc\.network-vpc \(\d+s\)`, errOut)
	assert.Regexp(t, `still creating aws_db_instance\.database`, errOut)

	// Every resource created but the listed emulator gaps: the rollout, the
	// history that waits for it, and the release bucket's lifecycle rule.
	for _, row := range []string{
		`(?m)^aws_db_instance\.database\s+created\s+\S+$`,
		`(?m)^aws_instance\.app-host\s+created\s+\S+$`,
		`(?m)^aws_ssm_association\.app-rollout\s+emulator gap\s+\S+\s+ssm:CreateAssociation, which moto lacks: `,
		`(?m)^aws_s3_bucket_lifecycle_configuration\.app-releases\s+emulator gap\s+\S+\s+s3:PutBucketLifecycleConfiguration`,
		`(?m)^aws_ssm_parameter\.app-release-history\s+emulator gap\s+\S+\s+needs aws_ssm_association\.app-rollout`,
		`(?m)^aws_s3_object\.app-release\s+created\s+\S+$`,
		`(?m)^\d+ resources: \d+ created, 3 emulator gaps, 0 failed, 0 not reached$`,
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
	assert.Regexp(t, `(?m)^updated in place\s+aws_s3_object\.app-release\s+content, version_id$`, out)
	assert.Regexp(t, `(?m)^runs again\s+aws_ssm_association\.app-rollout\s+`, out)
	assert.NotContains(t, out, "!!!")
	assert.NotRegexp(t, regexp.MustCompile(`(?m)^replaced `), out)

	assert.Contains(t, out, "Teardown: the emulator stops")
	assert.Regexp(t, `Rehearsed stack dev in \S+: \d+ created, 3 emulator gaps, 0 failed, 0 not reached\.`, out)
}
