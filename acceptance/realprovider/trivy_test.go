package realprovider_test

// Trivy, an independent scanner, reads each stack's plan as the real AWS
// provider makes it for a new stack (`terraform show -json`;
// realprovider.Stack.NewStackPlan says why not the applied stack's): every
// HIGH or CRITICAL finding is fixed in the program or listed, with its
// reason, in internal/trivyscan (docs/security.md shows the list).

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/rds-app/rds-app/internal/trivyscan"
)

// trivyBinary finds trivy trivyscan.Version ($RDS_APP_TRIVY, which .ci/run
// sets, or PATH), or skips (fails in CI).
func trivyBinary(t *testing.T) string {
	t.Helper()
	bin := testenv.RequireTool(t, "trivy", os.Getenv(trivyscan.EnvBinary))
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.Contains(string(out), "Version: "+trivyscan.Version+"\n") {
		testenv.Missing(t, bin+" is not trivy "+trivyscan.Version+" (the scan is pinned to it; docs/security.md says how to build it and set "+trivyscan.EnvBinary+"): "+strings.TrimSpace(string(out)))
	}
	return bin
}

// checkTrivy scans the stack's plan as a new stack. The accepted findings
// are the shipped stack's; a variant of it (scale without its replicas)
// must find nothing beyond them, though it may find less.
func (r *stackRun) checkTrivy(ctx context.Context, t *testing.T) {
	bin := trivyBinary(t)
	start := time.Now()
	terraformSlots <- struct{}{}
	plan, err := r.applied.NewStackPlan(ctx)
	<-terraformSlots
	require.NoError(t, err)
	planned := time.Since(start)
	start = time.Now()
	findings, err := trivyscan.Scan(ctx, bin, plan)
	require.NoError(t, err)
	var lines []string
	for _, f := range findings {
		lines = append(lines, f.String())
	}
	t.Logf("trivy %s on %s's plan (planned in %s): %d HIGH or CRITICAL findings in %s\n%s", trivyscan.Version, r.stack.Name,
		planned.Round(time.Second), len(findings), time.Since(start).Round(100*time.Millisecond), strings.Join(lines, "\n"))
	stack := r.stack.Name
	unlisted, stale := trivyscan.Check(stack, findings)
	for _, f := range unlisted {
		t.Errorf("trivy finds %s on stack %s: fix it in the program, or list it with its reason in internal/trivyscan/accepted.go (then `go generate ./...` updates docs/security.md)", f, stack)
	}
	if r.variant {
		return
	}
	for _, a := range stale {
		t.Errorf("internal/trivyscan/accepted.go lists %s on %s for stack %s, which trivy no longer finds: remove it from the list (then `go generate ./...`)", a.ID, a.Resource, stack)
	}
}
