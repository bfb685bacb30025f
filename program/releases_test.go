package program_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/program"
)

const historyParameter = "/rds-app/dev/release-history"

// runDev runs dev with the account holding params beforehand, and returns
// the outputs and the history the run writes.
func runDev(t *testing.T, p program.Program, params map[string]string, app map[string]any) (map[string]any, string, error) {
	t.Helper()
	m := pulumitest.New()
	m.Parameters = params
	outputs := map[string]any{}
	err := m.Run("dev", func(ctx *pulumi.Context) error {
		out, err := p.Deploy(ctx)
		if err != nil {
			return err
		}
		for k, v := range out {
			ctx.Export(k, v)
			if k == "release" || k == "previousRelease" {
				v.(pulumi.StringMapOutput).ApplyT(func(m map[string]string) error {
					outputs[k] = m
					return nil
				})
			}
		}
		return nil
	}, pulumitest.WithConfig(stacktest.DevWith(t, app)))
	if err != nil {
		return nil, "", err
	}
	history := ""
	for _, r := range m.OfType("aws:ssm/parameter:Parameter") {
		if r.Name == "app-release-history" {
			history = r.Str("insecureValue")
		}
	}
	return outputs, history, nil
}

func entry(c string) hostconf.HistoryEntry {
	return hostconf.HistoryEntry{ID: strings.Repeat(c, 32), Version: "ver-" + c, Image: "nginx:" + c + "@sha256:" + strings.Repeat(c, 64)}
}

// TestReleaseHistory: the program reads the history the last `pulumi up`
// left (before it registers anything), offers the release before the
// configured one as previousRelease, and writes the history with the
// configured release first, app.releasesKept at most.
func TestReleaseHistory(t *testing.T) {
	b, a := entry("b"), entry("a")
	before := hostconf.ReleaseHistory{b, a}.String()
	out, history, err := runDev(t, program.Offline, map[string]string{historyParameter: before, "/rds-app/dev/other": "x"}, nil)
	require.NoError(t, err)
	current := out["release"].(map[string]string)
	assert.Equal(t, b.Map(), out["previousRelease"], "a rollback goes back to the release that rolled out last")
	now := hostconf.HistoryEntry{ID: current["id"], Version: current["version"], Image: current["image"]}
	assert.Equal(t, hostconf.ReleaseHistory{now, b, a}.String(), history)

	// The configured release already rolled out (a `pulumi up` without a
	// change): the previous one is the one before it.
	out, history, err = runDev(t, program.Offline, map[string]string{historyParameter: hostconf.ReleaseHistory{now, b, a}.String()}, nil)
	require.NoError(t, err)
	assert.Equal(t, b.Map(), out["previousRelease"])
	assert.Equal(t, hostconf.ReleaseHistory{now, b, a}.String(), history, "unchanged")

	// app.releasesKept bounds the history.
	_, history, err = runDev(t, program.Offline, map[string]string{historyParameter: before}, map[string]any{"releasesKept": 2})
	require.NoError(t, err)
	assert.Equal(t, hostconf.ReleaseHistory{now, b}.String(), history)

	// A history that is not one stops the program before anything is
	// registered, naming the parameter.
	_, _, err = runDev(t, program.Offline, map[string]string{historyParameter: "{"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), historyParameter)
}

// TestGroupReleaseWaitsForTheRollout: on scale, `pulumi up` hands the
// group to the program's rollout step, and a failed rollout fails it.
func TestGroupReleaseWaitsForTheRollout(t *testing.T) {
	s := stacktest.Named(t, "scale")
	cfg := stacktest.WithRegion(stacktest.WithOwnImage(t, s.Config))
	var asked []compute.GroupRollout
	p := program.Offline
	p.RollGroup = func(_ context.Context, r compute.GroupRollout) error {
		asked = append(asked, r)
		return errors.New("refresh ended RollbackSuccessful")
	}
	m := pulumitest.New()
	err := m.Run(s.Name, p.Run, pulumitest.WithConfig(cfg))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refresh ended RollbackSuccessful")
	require.Len(t, asked, 1)
	assert.Equal(t, m.One(t, "aws:autoscaling/group:Group").ID, asked[0].Group)
	assert.Equal(t, stacktest.Parse(t, s).App.RefreshTimeout, int(asked[0].Timeout.Seconds()))
}
