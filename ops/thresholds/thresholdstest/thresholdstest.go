// Package thresholdstest is what the alarm tests of ops/thresholds and
// ops (the dashboard) share: the deployments they derive alarms from, and
// the alarms by key.
package thresholdstest

import (
	"testing"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/ops/thresholds"
	"github.com/stretchr/testify/require"
)

// Deployment is one host and a database of the given class and storage
// (GiB, with its autoscaling ceiling), with valid windows.
func Deployment(class string, allocated, ceiling int, hostType string) thresholds.Deployment {
	return thresholds.Deployment{
		Database: config.Database{InstanceClass: class, AllocatedStorage: allocated, MaxAllocatedStorage: ceiling,
			BackupWindow: "03:00-04:00", MaintenanceWindow: "sun:04:30-sun:05:30"},
		App: config.App{InstanceType: hostType},
	}
}

// Scaled is the deployment with scale-out turned on: hosts (or scaling),
// replicas and the proxy.
func Scaled(hostType string, hosts int, scaling *config.Scaling, replicas int, proxy bool) thresholds.Deployment {
	d := Deployment("db.t4g.micro", 20, 50, hostType)
	d.App.Hosts, d.App.Scaling = hosts, scaling
	d.Database.ReadReplicas, d.Database.Proxy = replicas, proxy
	return d
}

// ByKey is alarms by their key; two alarms with one key fail the test.
func ByKey(t testing.TB, alarms []thresholds.Alarm) map[string]thresholds.Alarm {
	t.Helper()
	out := map[string]thresholds.Alarm{}
	for _, a := range alarms {
		require.NotContains(t, out, a.Key, "two alarms named %s", a.Key)
		out[a.Key] = a
	}
	return out
}
