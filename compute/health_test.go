package compute_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/pulumitest"
)

// TestHealthReporterIsInstalledAndStarted: user-data writes the reporter's
// script, service and timer, the service reads host.env (which names the
// namespace and metric the component outputs for the alarm), and the
// timer is started at boot and fires on every minute.
func TestHealthReporterIsInstalledAndStarted(t *testing.T) {
	m, _ := build(t, testArgs())
	ud, err := compute.DecodeUserData(m.One(t, typeInstance).Str("userDataBase64"))
	require.NoError(t, err)
	var doc cloudConfig
	require.NoError(t, yaml.Unmarshal([]byte(ud), &doc))
	files := map[string]string{}
	perms := map[string]string{}
	for _, f := range doc.WriteFiles {
		files[f.Path], perms[f.Path] = f.Content, f.Permissions
	}
	require.Contains(t, files, hostconf.HealthScriptPath)
	assert.Equal(t, "0755", perms[hostconf.HealthScriptPath])
	assert.True(t, strings.HasPrefix(files[hostconf.HealthScriptPath], "#!/bin/bash\n"))

	service := strings.Split(files[hostconf.HealthServicePath], "\n")
	for _, line := range []string{
		"Type=oneshot",
		"EnvironmentFile=" + hostconf.HostEnvPath,
		"ExecStart=" + hostconf.HealthScriptPath,
	} {
		assert.Contains(t, service, line)
	}
	for _, line := range service {
		assert.NotContains(t, line, "StateDirectory", "the reporter keeps no state: it reads what serves from the host's live.json")
	}
	timer := strings.Split(files[hostconf.HealthTimerPath], "\n")
	assert.Contains(t, timer, "OnCalendar=minutely", "one report in each one-minute period of the alarm")
	assert.Contains(t, timer, "WantedBy=timers.target")
	assert.Contains(t, doc.RunCmd, []string{"systemctl", "enable", "--now", hostconf.HealthTimerName})

	host := strings.Split(files[hostconf.HostEnvPath], "\n")
	assert.Contains(t, host, "HEALTH_NAMESPACE=rds-app/test")
	assert.Contains(t, host, "HEALTH_METRIC="+awsfacts.HealthMetricName)
}

// TestHealthMetricOutputs: the component names the metric its host
// publishes, so the alarm watches exactly that one.
func TestHealthMetricOutputs(t *testing.T) {
	var namespace, metric string
	err := pulumitest.New().Run("test", func(ctx *pulumi.Context) error {
		args := testArgs()
		c, err := compute.New(ctx, "app", args.App, args.Inputs)
		if err != nil {
			return err
		}
		// Exported, so that the run waits for it before it returns.
		ctx.Export("health", pulumi.All(c.HealthNamespace, c.HealthMetric).ApplyT(func(vs []any) error {
			namespace, metric = vs[0].(string), vs[1].(string)
			return nil
		}))
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, "rds-app/test", namespace)
	assert.Equal(t, "AppHealthy", metric)
	assert.Equal(t, "rds-app/prod", compute.HealthNamespace("/rds-app/prod"))
}
