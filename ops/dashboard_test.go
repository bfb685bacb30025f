package ops

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/ops/thresholds"
	"github.com/rds-app/rds-app/ops/thresholds/thresholdstest"
)

// body is a dashboard body as CloudWatch reads it.
type body struct {
	PeriodOverride string `json:"periodOverride"`
	Widgets        []struct {
		Type                string
		X, Y, Width, Height int
		Properties          struct {
			Title, Region, View, Markdown string
			Period                        int
			Metrics                       [][]any
			Alarms                        []string
			Annotations                   struct {
				Horizontal []struct {
					Value       float64
					Label, Fill string
				}
			}
		}
	}
}

// dashboardIDs name every target the tests' deployments have.
func dashboardIDs(alarms []thresholds.Alarm) DashboardIDs {
	ids := DashboardIDs{
		HealthNamespace: "rds-app/dev", DBInstanceIdentifier: "rds-app-dev-a1b2", HostInstanceID: "i-0123",
		AutoScalingGroupName: "app-hosts-4f2a", LoadBalancerArnSuffix: "app/app-lb/50dc", TargetGroupArnSuffix: "targetgroup/app-hosts/73e2",
		ProxyName: "database-proxy-9e8f", ReplicaIdentifiers: []string{"replica-1-5c4d", "replica-2-1a2b"},
	}
	for _, a := range alarms {
		ids.AlarmArns = append(ids.AlarmArns, "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:rds-app-dev-"+a.Key)
	}
	return ids
}

// render derives d's alarms and renders its dashboard.
func render(t *testing.T, d thresholds.Deployment, drawn bool) (body, []thresholds.Alarm) {
	t.Helper()
	alarms, err := thresholds.Alarms(d)
	require.NoError(t, err)
	text, err := DashboardBody(DashboardSpec{Name: "rds-app-dev", Region: "eu-west-1", Deployment: d, Alarms: alarms, Drawn: drawn}, dashboardIDs(alarms))
	require.NoError(t, err)
	var b body
	require.NoError(t, json.Unmarshal([]byte(text), &b), text)
	return b, alarms
}

// TestDashboardPerMode: the graphs of each mode, in order, and the lines
// drawn on each ("label = value"), from the alarms' own thresholds.
func TestDashboardPerMode(t *testing.T) {
	steady := thresholdstest.Deployment("db.m7g.large", 100, 200, "m7g.large")
	for _, tt := range []struct {
		name  string
		d     thresholds.Deployment
		lines map[string][]string
	}{
		{
			name: "one burstable host (dev)",
			d:    thresholdstest.Deployment("db.t4g.micro", 20, 50, "t4g.micro"),
			lines: map[string][]string{
				"Application health (1: answers its health check)": {"app-health = 1 below"},
				"Host CPU (%)":                            {"host-cpu-credits: credits < 28.8 and cpu > 10 = 10"},
				"Host CPU credit balance":                 {"host-cpu-credits: credits < 28.8 and cpu > 10 = 28.8"},
				"Host status checks (1: failed)":          {"host-system-check, host-instance-check = 1 above"},
				"Database CPU (%)":                        {"database-cpu = 80 above", "database-cpu-credits: credits < 28.8 and cpu > 10 = 10"},
				"Database CPU credit balance":             {"database-cpu-credits: credits < 28.8 and cpu > 10 = 28.8"},
				"Database load (active sessions, DBLoad)": {"database-load = 2 above"},
				"Database connections":                    {"database-connections = 67 above"},
				"Free storage (bytes)":                    {fmt.Sprintf("database-storage = %d below", 2<<30)},
				"Freeable memory (bytes)":                 {"database-memory = 107374182.4 below"},
				"Transaction IDs used (oldest unfrozen)":  {"database-transaction-ids = 1000000000 above"},
			},
		},
		{
			name: "one steady host, a steady class",
			d:    steady,
			lines: map[string][]string{
				"Application health (1: answers its health check)": {"app-health = 1 below"},
				"Host CPU (%)":                            nil,
				"Host status checks (1: failed)":          {"host-system-check, host-instance-check = 1 above"},
				"Database CPU (%)":                        {"database-cpu = 80 above"},
				"Database load (active sessions, DBLoad)": {"database-load = 2 above"},
				"Database connections":                    {"database-connections = 540 above"},
				"Free storage (bytes)":                    {fmt.Sprintf("database-storage = %d below", 10<<30)},
				"Freeable memory (bytes)":                 {"database-memory = 858993459.2 below"},
				"Transaction IDs used (oldest unfrozen)":  {"database-transaction-ids = 1000000000 above"},
			},
		},
		{
			name: "a scaling group, two replicas and the proxy",
			d:    thresholdstest.Scaled("t4g.micro", 0, &config.Scaling{Min: 2, Max: 5, TargetCPU: 70}, 2, true),
			lines: map[string][]string{
				"Requests (per 5 minutes)":                             nil,
				"Response time, 95th percentile (seconds)":             {"app-response-time = 1 above"},
				"5XX answered by the hosts (% of requests)":            {"app-5xx-rate = 5 above"},
				"5XX answered by the load balancer (% of requests)":    {"load-balancer-5xx-rate = 5 above"},
				"Hosts passing the load balancer's health check":       {"hosts-healthy = 2 below"},
				"Hosts' CPU (%, average)":                              {"hosts-cpu = 85 above", "hosts-cpu-credits: credits < 28.8 and cpu > 10 = 10"},
				"Hosts' CPU credit balance (average)":                  {"hosts-cpu-credits: credits < 28.8 and cpu > 10 = 28.8"},
				"Application health (1: answers its own health check)": {"app-health = 1 below"},
				"Database CPU (%)": {"database-cpu, replica-1-cpu, replica-2-cpu = 80 above",
					"database-cpu-credits, replica-1-cpu-credits, replica-2-cpu-credits: credits < 28.8 and cpu > 10 = 10"},
				"Database CPU credit balance":                    {"database-cpu-credits, replica-1-cpu-credits, replica-2-cpu-credits: credits < 28.8 and cpu > 10 = 28.8"},
				"Database load (active sessions, DBLoad)":        {"database-load = 2 above"},
				"Database connections":                           {"database-connections, replica-1-connections, replica-2-connections = 67 above"},
				"Free storage (bytes)":                           {fmt.Sprintf("database-storage, replica-1-storage, replica-2-storage = %d below", 2<<30)},
				"Freeable memory (bytes)":                        {"database-memory, replica-1-memory, replica-2-memory = 107374182.4 below"},
				"Transaction IDs used (oldest unfrozen)":         {"database-transaction-ids = 1000000000 above"},
				"Replica lag (seconds)":                          {"replica-1-lag, replica-2-lag = 60 above"},
				"Proxy connections":                              nil,
				"Proxy connection borrow latency (microseconds)": {"proxy-borrow-latency = 100000 above"},
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, alarms := render(t, tt.d, true)
			assert.Equal(t, "inherit", b.PeriodOverride, "each graph keeps the period of its alarms")
			got := map[string][]string{}
			var arns []string
			for _, w := range b.Widgets {
				switch w.Type {
				case "alarm":
					arns = w.Properties.Alarms
				case "metric":
					assert.Equal(t, "eu-west-1", w.Properties.Region)
					var lines []string
					for _, h := range w.Properties.Annotations.Horizontal {
						lines = append(lines, strings.TrimSpace(fmt.Sprintf("%s = %s %s", h.Label, strconv.FormatFloat(h.Value, 'f', -1, 64), h.Fill)))
					}
					got[w.Properties.Title] = lines
				}
			}
			assert.Equal(t, tt.lines, got)
			assert.Equal(t, dashboardIDs(alarms).AlarmArns, arns, "every alarm's state at the top")
		})
	}
}

// TestDashboardWithoutAlarms: ops.alarms off keeps every graph, with no
// line and no alarm states: nothing claims an alarm watches them.
func TestDashboardWithoutAlarms(t *testing.T) {
	d := thresholdstest.Scaled("t4g.micro", 3, nil, 1, true)
	on, _ := render(t, d, true)
	off, _ := render(t, d, false)
	titles := func(b body) []string {
		var out []string
		for _, w := range b.Widgets {
			if w.Type == "metric" {
				out = append(out, w.Properties.Title)
				assert.Empty(t, w.Properties.Annotations.Horizontal, "off: %s has no line", w.Properties.Title)
			}
		}
		return out
	}
	titles(off)
	for _, w := range off.Widgets {
		assert.NotEqual(t, "alarm", w.Type)
	}
	assert.Contains(t, off.Widgets[0].Properties.Markdown, "ops.alarms is off")
	var onTitles []string
	for _, w := range on.Widgets {
		if w.Type == "metric" {
			onTitles = append(onTitles, w.Properties.Title)
		}
	}
	assert.Equal(t, onTitles, titles(off))
}

// TestDashboardMetricRows: each series names its metric with the
// dimensions the alarms use, resolved; a metric-math alarm's graph shows
// its expression over its hidden metrics.
func TestDashboardMetricRows(t *testing.T) {
	b, _ := render(t, thresholdstest.Scaled("t4g.micro", 2, nil, 2, true), true)
	rows := map[string][][]any{}
	for _, w := range b.Widgets {
		rows[w.Properties.Title] = w.Properties.Metrics
	}
	assert.Equal(t, [][]any{
		{"AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "rds-app-dev-a1b2", map[string]any{"stat": "Average", "label": "primary"}},
		{"AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "replica-1-5c4d", map[string]any{"stat": "Average", "label": "replica 1"}},
		{"AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "replica-2-1a2b", map[string]any{"stat": "Average", "label": "replica 2"}},
	}, rows["Database CPU (%)"])
	assert.Equal(t, [][]any{
		{"AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "TargetGroup", "targetgroup/app-hosts/73e2", "LoadBalancer", "app/app-lb/50dc",
			map[string]any{"stat": "Sum", "label": "errors", "id": "errors", "visible": false}},
		{"AWS/ApplicationELB", "RequestCount", "TargetGroup", "targetgroup/app-hosts/73e2", "LoadBalancer", "app/app-lb/50dc",
			map[string]any{"stat": "Sum", "label": "requests", "id": "requests", "visible": false}},
		{map[string]any{"expression": "IF(FILL(requests, 0) >= 50, 100 * FILL(errors, 0) / (FILL(requests, 0)), 0)", "label": "5XX share of requests", "id": "rate"}},
	}, rows["5XX answered by the hosts (% of requests)"])
	assert.Equal(t, [][]any{
		{"AWS/ApplicationELB", "RequestCount", "LoadBalancer", "app/app-lb/50dc", map[string]any{"stat": "Sum", "label": "requests"}},
	}, rows["Requests (per 5 minutes)"])
	assert.Equal(t, [][]any{
		{"rds-app/dev", "AppHealthy", map[string]any{"stat": "Maximum", "label": "some host"}},
		{"rds-app/dev", "AppHealthy", map[string]any{"stat": "Minimum", "label": "every host"}},
	}, rows["Application health (1: answers its own health check)"], "the health metric has no dimension")
	assert.Equal(t, [][]any{
		{"AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", "replica-1-5c4d", map[string]any{"stat": "Maximum", "label": "replica 1"}},
		{"AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", "replica-2-1a2b", map[string]any{"stat": "Maximum", "label": "replica 2"}},
	}, rows["Replica lag (seconds)"])
	assert.Equal(t, [][]any{
		{"AWS/RDS", "ClientConnections", "ProxyName", "database-proxy-9e8f", map[string]any{"stat": "Maximum", "label": "from clients"}},
		{"AWS/RDS", "DatabaseConnections", "ProxyName", "database-proxy-9e8f", map[string]any{"stat": "Maximum", "label": "to the database"}},
		{"AWS/RDS", "DatabaseConnectionsCurrentlySessionPinned", "ProxyName", "database-proxy-9e8f", map[string]any{"stat": "Maximum", "label": "pinned to a session"}},
	}, rows["Proxy connections"])

	one, _ := render(t, thresholdstest.Deployment("db.t4g.micro", 20, 50, "t4g.micro"), true)
	for _, w := range one.Widgets {
		if w.Properties.Title == "Host status checks (1: failed)" {
			assert.Equal(t, []any{"AWS/EC2", "StatusCheckFailed_System", "InstanceId", "i-0123", map[string]any{"stat": "Maximum", "label": "system (AWS's hardware)"}},
				w.Properties.Metrics[0])
			assert.Equal(t, 60, w.Properties.Period, "the status check alarms' period")
		}
	}
}

// TestDashboardGrid: the widgets tile the 24-unit grid without overlapping,
// in the order they are listed.
func TestDashboardGrid(t *testing.T) {
	for _, d := range []thresholds.Deployment{thresholdstest.Deployment("db.t4g.micro", 20, 50, "t4g.micro"), thresholdstest.Scaled("t4g.micro", 0, &config.Scaling{Min: 2, Max: 4, TargetCPU: 60}, 1, true)} {
		for _, drawn := range []bool{true, false} {
			b, _ := render(t, d, drawn)
			taken := map[[2]int]bool{}
			lastY := 0
			for i, w := range b.Widgets {
				assert.LessOrEqual(t, w.X+w.Width, 24, "widget %d", i)
				assert.GreaterOrEqual(t, w.Y, lastY, "widget %d is below the one before", i)
				lastY = w.Y
				for x := w.X; x < w.X+w.Width; x++ {
					for y := w.Y; y < w.Y+w.Height; y++ {
						require.False(t, taken[[2]int{x, y}], "widget %d (%s) overlaps another at %d,%d", i, w.Properties.Title, x, y)
						taken[[2]int{x, y}] = true
					}
				}
			}
		}
	}
}

// TestEveryAlarmNeedsItsGraph: an alarm on a metric no graph shows, or on
// another period than its graph's, or a metric-math alarm the dashboard
// cannot draw, is an error before anything is registered, with every
// problem named.
func TestEveryAlarmNeedsItsGraph(t *testing.T) {
	d := thresholdstest.Deployment("db.t4g.micro", 20, 50, "t4g.micro")
	alarms, err := thresholds.Alarms(d)
	require.NoError(t, err)
	a := thresholdstest.ByKey(t, alarms)
	cpu, load, credits := a["database-cpu"], a["database-load"], a["host-cpu-credits"]
	cpu.Metric = "ReadIOPS"
	load.Period = 60
	credits.Conditions = nil
	for _, drawn := range []bool{true, false} {
		_, err = DashboardBody(DashboardSpec{Name: "x", Region: "eu-west-1", Deployment: d, Alarms: []thresholds.Alarm{cpu, load, credits}, Drawn: drawn}, DashboardIDs{})
		assert.EqualError(t, err, `laying out the dashboard: alarm "database-cpu" watches Average of ReadIOPS, which no graph shows; `+
			`alarm "database-load" watches Average of DBLoad every 60 s, the graph "Database load (active sessions, DBLoad)" every 300 s; `+
			`alarm "host-cpu-credits": a metric-math alarm needs a Measure or Conditions to be drawn`)
	}

	_, err = DashboardBody(DashboardSpec{Name: "x", Region: "eu-west-1", Deployment: thresholdstest.Scaled("t4g.micro", 2, nil, 0, false)}, DashboardIDs{})
	assert.EqualError(t, err, `laying out the dashboard: no metric-math alarm "app-5xx-rate" to graph`)
}

// TestDashboardNeedsEveryID: a target without its ID, or alarms without
// their ARNs, fail the render rather than graph nothing.
func TestDashboardNeedsEveryID(t *testing.T) {
	d := thresholdstest.Scaled("t4g.micro", 2, nil, 2, false)
	alarms, err := thresholds.Alarms(d)
	require.NoError(t, err)
	spec := DashboardSpec{Name: "x", Region: "eu-west-1", Deployment: d, Alarms: alarms, Drawn: true}
	ids := dashboardIDs(alarms)
	ids.ReplicaIdentifiers = ids.ReplicaIdentifiers[:1]
	_, err = DashboardBody(spec, ids)
	assert.EqualError(t, err, `rendering the dashboard: graph "Database CPU (%)": no DBInstanceIdentifier for target "replica"`)

	ids = dashboardIDs(alarms)
	ids.AlarmArns = ids.AlarmArns[1:]
	_, err = DashboardBody(spec, ids)
	assert.EqualError(t, err, fmt.Sprintf("rendering the dashboard: %d alarm ARNs for %d alarms", len(alarms)-1, len(alarms)))
}

func TestDashboardNameAndURL(t *testing.T) {
	assert.Equal(t, "rds-app-dev", DashboardName("rds-app-dev"))
	assert.Equal(t, "rds-app-team-a_1", DashboardName("rds-app-team.a_1"), "a stack name's dot is not allowed")
	assert.Equal(t, "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/rds-app-dev",
		DashboardURL("aws", "eu-west-1", "rds-app-dev"))
	assert.Equal(t, "https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#dashboards/dashboard/rds-app-dev",
		DashboardURL("aws-cn", "cn-north-1", "rds-app-dev"))
	assert.Equal(t, "https://us-gov-west-1.console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#dashboards/dashboard/rds-app-dev",
		DashboardURL("aws-us-gov", "us-gov-west-1", "rds-app-dev"))
}
