package docs

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// row returns the table's row of the alarm with key, split into cells.
func row(t *testing.T, table, key string) []string {
	t.Helper()
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "| `"+key+"` |") {
			cells := strings.Split(strings.Trim(line, "|"), " | ")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			return cells
		}
	}
	t.Fatalf("no row for %s in\n%s", key, table)
	return nil
}

// TestAlarmTableCoversEveryMode: a stack on one host and a scale-out stack
// side by side; every alarm of either has a row, each stack's cell its
// figure or where the alarm exists, and the rows of modes neither uses are
// listed too.
func TestAlarmTableCoversEveryMode(t *testing.T) {
	table, err := AlarmTable([]string{"one", "scale"}, map[string]map[string]map[string]any{
		"one": {"app": {"instanceType": "t4g.micro"}, "database": {"instanceClass": "db.t4g.micro"}},
		"scale": {
			"app":      {"instanceType": "t3.small", "hosts": 3},
			"database": {"instanceClass": "db.m7g.large", "proxy": true, "readReplicas": 2},
		},
	})
	require.NoError(t, err)
	// Columns: alarm, metric, fires when, formula, one, scale, then.
	assert.Equal(t, []string{"— (one host only)"}, row(t, table, "host-system-check")[5:6])
	assert.Equal(t, "**EC2 recovers the host** onto other hardware, and notifies", row(t, table, "host-system-check")[6])
	healthy := row(t, table, "hosts-healthy")
	assert.Equal(t, []string{"— (hosts behind a load balancer only)", "under 3 for 10 minutes", "notifies the topic"}, healthy[4:])
	assert.Equal(t, "minimum < threshold for 10 minutes, or no report", healthy[2])
	assert.Equal(t, "p95 > threshold for 15 minutes", row(t, table, "app-response-time")[2])
	assert.Equal(t, "5XX share of requests > threshold for 10 minutes", row(t, table, "app-5xx-rate")[2])
	assert.Equal(t, "AWS/ApplicationELB `HTTPCode_ELB_5XX_Count` and `RequestCount`", row(t, table, "load-balancer-5xx-rate")[1])
	assert.Equal(t, []string{"— (database.readReplicas ≥ 1 only)", "60 s"}, row(t, table, "replica-2-lag")[4:6])
	assert.Equal(t, []string{"— (burstable classes with database.readReplicas ≥ 1 only)", "— (burstable classes with database.readReplicas ≥ 1 only)"},
		row(t, table, "replica-1-cpu-credits")[4:6], "db.m7g is not burstable: a row from the modes no stack uses")
	assert.Equal(t, []string{"failed or silent for 3 minutes", "no host answered for 3 minutes"}, row(t, table, "app-health")[4:6])
}
