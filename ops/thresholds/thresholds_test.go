package thresholds_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/ops/thresholds"
	"github.com/rds-app/rds-app/ops/thresholds/thresholdstest"
)

// TestMaxConnectionsFollowsRDSFormula: LEAST(memory/9531392, 5000), as RDS
// for PostgreSQL's default parameter group computes it.
func TestMaxConnectionsFollowsRDSFormula(t *testing.T) {
	for memoryMiB, want := range map[int]int{
		1024:   112, // 1073741824 / 9531392 = 112.65
		2048:   225,
		4096:   450,
		8192:   901,
		16384:  1802,
		32768:  3604,
		65536:  5000, // 7209 capped
		524288: 5000,
	} {
		assert.Equal(t, want, thresholds.MaxConnections(memoryMiB), "%d MiB", memoryMiB)
	}
}

// TestDatabaseThresholdsFollowTheClass checks every derived database
// threshold for classes of different memory, vCPUs and burst, each against
// its formula written out again here.
func TestDatabaseThresholdsFollowTheClass(t *testing.T) {
	for _, tt := range []struct {
		class              string
		vcpus, memoryMiB   int
		allocated, ceiling int
		connections        float64
		credits            string // the burst expression; "" for a steady class
	}{
		{"db.t4g.micro", 2, 1024, 20, 50, 67, "IF(credits < 28.8 AND cpu > 10, 1, 0)"},
		{"db.t4g.medium", 2, 4096, 50, 500, 270, "IF(credits < 57.6 AND cpu > 20, 1, 0)"},
		{"db.t3.large", 2, 8192, 100, 200, 540, "IF(credits < 86.4 AND cpu > 30, 1, 0)"},
		{"db.m7g.large", 2, 8192, 100, 1000, 540, ""},
		{"db.r6g.xlarge", 4, 32768, 200, 400, 2162, ""},
		{"db.r6g.4xlarge", 16, 131072, 1000, 4000, 3000, ""}, // max_connections capped at 5000
	} {
		t.Run(tt.class, func(t *testing.T) {
			alarms, err := thresholds.Alarms(thresholdstest.Deployment(tt.class, tt.allocated, tt.ceiling, "m7g.large"))
			require.NoError(t, err)
			a := thresholdstest.ByKey(t, alarms)
			memory := float64(tt.memoryMiB) * 1024 * 1024

			assert.Equal(t, 80.0, a["database-cpu"].Threshold)
			assert.Equal(t, float64(tt.vcpus), a["database-load"].Threshold, "DBLoad above the vCPUs")
			assert.InDelta(t, memory/10, a["database-memory"].Threshold, 0.5, "a tenth of the memory")
			assert.Equal(t, float64(tt.allocated)*(1<<30)/10, a["database-storage"].Threshold, "a tenth of allocatedStorage")
			assert.Equal(t, 30*60, a["database-storage"].Period*a["database-storage"].DatapointsToAlarm,
				"longer than storage autoscaling takes to react (5 minutes under 10 %)")
			assert.Equal(t, tt.connections, a["database-connections"].Threshold)
			assert.Equal(t, math.Floor(0.6*math.Min(math.Floor(memory/9531392), 5000)), a["database-connections"].Threshold)
			assert.Equal(t, 1e9, a["database-transaction-ids"].Threshold)
			assert.Less(t, a["database-transaction-ids"].Threshold, math.Pow(2, 31)/2, "well before wraparound")

			credits, burstable := a["database-cpu-credits"]
			assert.Equal(t, tt.credits != "", burstable, "a credit alarm exactly for burstable classes")
			if burstable {
				require.Len(t, credits.Queries, 3)
				assert.Equal(t, "CPUCreditBalance", credits.Queries[0].Metric)
				assert.Equal(t, "CPUUtilization", credits.Queries[1].Metric)
				assert.Equal(t, tt.credits, credits.Queries[2].Expression)
				assert.Equal(t, "GreaterThanOrEqualToThreshold", credits.Comparison)
				assert.Equal(t, 1.0, credits.Threshold)
			}
			for key, alarm := range a {
				if strings.HasPrefix(key, "database-") {
					assert.Equal(t, thresholds.TargetDatabase, alarm.Target, key)
					assert.Equal(t, "AWS/RDS", alarm.Namespace, key)
				}
			}
		})
	}
}

// TestHostAlarms: EC2 recovers the host on a failed system check, reboots
// it on a failed instance check, and a burstable type gets a credit alarm
// from its own baseline.
func TestHostAlarms(t *testing.T) {
	alarms, err := thresholds.Alarms(thresholdstest.Deployment("db.t4g.micro", 20, 50, "t3.small"))
	require.NoError(t, err)
	a := thresholdstest.ByKey(t, alarms)
	system, instance := a["host-system-check"], a["host-instance-check"]
	assert.Equal(t, "StatusCheckFailed_System", system.Metric)
	assert.Equal(t, thresholds.ActionRecover, system.EC2Action)
	assert.Equal(t, "StatusCheckFailed_Instance", instance.Metric)
	assert.Equal(t, thresholds.ActionReboot, instance.EC2Action)
	for _, c := range []thresholds.Alarm{system, instance} {
		assert.Equal(t, thresholds.TargetHost, c.Target)
		assert.Equal(t, "AWS/EC2", c.Namespace)
		assert.Equal(t, 60, c.Period, "status checks are published every minute")
		assert.Equal(t, "GreaterThanOrEqualToThreshold", c.Comparison)
		assert.Equal(t, 1.0, c.Threshold)
	}
	// t3.small: 2 vCPUs at a 20 % baseline earn 24 credits an hour, 576 at most.
	credits := a["host-cpu-credits"]
	assert.Equal(t, thresholds.TargetHost, credits.Target)
	assert.Equal(t, "IF(credits < 57.6 AND cpu > 20, 1, 0)", credits.Queries[2].Expression)

	steady, err := thresholds.Alarms(thresholdstest.Deployment("db.t4g.micro", 20, 50, "m7g.large"))
	require.NoError(t, err)
	assert.NotContains(t, thresholdstest.ByKey(t, steady), "host-cpu-credits")
}

// TestAppHealthAlarmCountsSilenceAsFailure: a host that stops reporting is
// down or cut off, which must page as a failed check does.
func TestAppHealthAlarmCountsSilenceAsFailure(t *testing.T) {
	alarms, err := thresholds.Alarms(thresholdstest.Deployment("db.t4g.micro", 20, 50, "t4g.micro"))
	require.NoError(t, err)
	health := thresholdstest.ByKey(t, alarms)["app-health"]
	assert.Equal(t, thresholds.TargetApp, health.Target)
	assert.Equal(t, "AppHealthy", health.Metric)
	assert.Equal(t, "breaching", health.TreatMissingData)
	assert.Equal(t, "LessThanThreshold", health.Comparison)
	assert.Equal(t, 1.0, health.Threshold)
	assert.Equal(t, 60, health.Period)
	assert.Equal(t, 3, health.EvaluationPeriods)
}

// TestEveryAlarmIsComplete: what CloudWatch requires, and what
// docs/operations.md shows.
func TestEveryAlarmIsComplete(t *testing.T) {
	alarms, err := thresholds.Alarms(thresholdstest.Deployment("db.t4g.micro", 20, 50, "t4g.micro"))
	require.NoError(t, err)
	assert.Len(t, alarms, 11)
	for _, a := range alarms {
		assert.NotEmpty(t, a.Metric, a.Key)
		assert.NotEmpty(t, a.Statistic, a.Key)
		assert.Contains(t, []string{"GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold"}, a.Comparison, a.Key)
		assert.Contains(t, []int{60, 300}, a.Period, a.Key)
		assert.Positive(t, a.EvaluationPeriods, a.Key)
		assert.LessOrEqual(t, a.DatapointsToAlarm, a.EvaluationPeriods, a.Key)
		assert.Positive(t, a.DatapointsToAlarm, a.Key)
		assert.Contains(t, []string{"missing", "breaching"}, a.TreatMissingData, a.Key)
		assert.NotEmpty(t, a.Formula, a.Key)
		assert.NotEmpty(t, a.Value, a.Key)
		assert.NotEmpty(t, a.Description, a.Key)
		assert.LessOrEqual(t, len(a.Description), 1024, "%s: CloudWatch's limit for a description", a.Key)
		assert.LessOrEqual(t, len("rds-app-production-"+a.Key), 255, a.Key)
	}
}

func TestUnknownClassIsAnError(t *testing.T) {
	_, err := thresholds.Alarms(thresholdstest.Deployment("db.x9.huge", 20, 50, "t4g.micro"))
	assert.ErrorContains(t, err, `"db.x9.huge" is not an RDS for PostgreSQL instance class`)
	_, err = thresholds.Alarms(thresholdstest.Deployment("db.t4g.micro", 20, 50, "q9.huge"))
	assert.ErrorContains(t, err, `"q9.huge" is not an EC2 instance type`)
}

func keys(alarms []thresholds.Alarm) []string {
	var out []string
	for _, a := range alarms {
		out = append(out, a.Key)
	}
	return out
}

var databaseKeys = []string{"database-cpu", "database-load", "database-memory", "database-storage",
	"database-connections", "database-transaction-ids", "database-cpu-credits"}

// TestAlarmKeysPerMode: the exact alarms of each mode. One host keeps
// today's eleven; behind a load balancer the host's own alarms give way to
// the group's and the load balancer's; each replica and the proxy add
// theirs.
func TestAlarmKeysPerMode(t *testing.T) {
	replica := func(n int, credits bool) []string {
		out := []string{}
		for _, k := range []string{"lag", "cpu", "memory", "storage", "connections"} {
			out = append(out, fmt.Sprintf("replica-%d-%s", n, k))
		}
		if credits {
			out = append(out, fmt.Sprintf("replica-%d-cpu-credits", n))
		}
		return out
	}
	group := []string{"hosts-cpu", "hosts-healthy", "app-5xx-rate", "load-balancer-5xx-rate", "app-response-time"}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		d    thresholds.Deployment
		want []string
	}{
		{"one host", thresholdstest.Scaled("t4g.micro", 1, nil, 0, false),
			cat(databaseKeys, []string{"host-system-check", "host-instance-check", "host-cpu-credits", "app-health"})},
		{"one steady host", thresholdstest.Scaled("m7g.large", 1, nil, 0, false),
			cat(databaseKeys, []string{"host-system-check", "host-instance-check", "app-health"})},
		{"three burstable hosts", thresholdstest.Scaled("t3.small", 3, nil, 0, false),
			cat(databaseKeys, group, []string{"hosts-cpu-credits", "app-health"})},
		{"scaling steady hosts", thresholdstest.Scaled("m7g.large", 1, &config.Scaling{Min: 2, Max: 6, TargetCPU: 60}, 0, false),
			cat(databaseKeys, group, []string{"app-health"})},
		{"one host, a replica and the proxy", thresholdstest.Scaled("m7g.large", 1, nil, 1, true),
			cat(databaseKeys, replica(1, true), []string{"proxy-borrow-latency", "host-system-check", "host-instance-check", "app-health"})},
		{"everything", thresholdstest.Scaled("t4g.small", 2, nil, 2, true),
			cat(databaseKeys, replica(1, true), replica(2, true), []string{"proxy-borrow-latency"}, group, []string{"hosts-cpu-credits", "app-health"})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			alarms, err := thresholds.Alarms(tt.d)
			require.NoError(t, err)
			assert.Equal(t, tt.want, keys(alarms))
			thresholdstest.ByKey(t, alarms) // no key twice
			for _, a := range alarms {
				if tt.d.App.LoadBalanced() {
					assert.Empty(t, a.EC2Action, "%s: the group replaces hosts; EC2 recovers or reboots none", a.Key)
					assert.NotEqual(t, thresholds.TargetHost, a.Target, "%s: no alarm on one instance", a.Key)
				} else {
					assert.NotContains(t, []thresholds.Target{thresholds.TargetHosts, thresholds.TargetLoadBalancer, thresholds.TargetTargetGroup}, a.Target, a.Key)
				}
			}
		})
	}
}

// TestGroupAlarmThresholds: what the group's and the load balancer's
// alarms compare, and why.
func TestGroupAlarmThresholds(t *testing.T) {
	alarms, err := thresholds.Alarms(thresholdstest.Scaled("t3.small", 3, nil, 0, false))
	require.NoError(t, err)
	a := thresholdstest.ByKey(t, alarms)

	cpu := a["hosts-cpu"]
	assert.Equal(t, thresholds.TargetHosts, cpu.Target)
	assert.Equal(t, "AWS/EC2", cpu.Namespace)
	assert.Equal(t, "CPUUtilization", cpu.Metric)
	assert.Equal(t, "Average", cpu.Statistic)
	assert.Equal(t, 80.0, cpu.Threshold)
	assert.Contains(t, cpu.Description, "app.hosts, now 3")

	healthy := a["hosts-healthy"]
	assert.Equal(t, thresholds.TargetTargetGroup, healthy.Target)
	assert.Equal(t, "AWS/ApplicationELB", healthy.Namespace)
	assert.Equal(t, "HealthyHostCount", healthy.Metric)
	assert.Equal(t, "Minimum", healthy.Statistic)
	assert.Equal(t, "LessThanThreshold", healthy.Comparison)
	assert.Equal(t, 3.0, healthy.Threshold, "below the group's minimum, app.hosts")
	assert.Equal(t, 10*60, healthy.Period*healthy.DatapointsToAlarm, "longer than the group takes to replace a host")
	assert.Equal(t, healthy.EvaluationPeriods, healthy.DatapointsToAlarm, "every minute of the ten")
	assert.Equal(t, "breaching", healthy.TreatMissingData, "reported whenever health checks run")

	for key, want := range map[string]struct {
		target     thresholds.Target
		errors     string
		expression string
	}{
		"app-5xx-rate": {thresholds.TargetTargetGroup, "HTTPCode_Target_5XX_Count",
			"IF(FILL(requests, 0) >= 50, 100 * FILL(errors, 0) / (FILL(requests, 0)), 0)"},
		// RequestCount leaves out what the load balancer refused before
		// choosing a host, so its own errors join the denominator.
		"load-balancer-5xx-rate": {thresholds.TargetLoadBalancer, "HTTPCode_ELB_5XX_Count",
			"IF(FILL(requests, 0) + FILL(errors, 0) >= 50, 100 * FILL(errors, 0) / (FILL(requests, 0) + FILL(errors, 0)), 0)"},
	} {
		r := a[key]
		assert.Equal(t, want.target, r.Target, key)
		assert.Equal(t, "AWS/ApplicationELB", r.Namespace, key)
		require.Len(t, r.Queries, 3, key)
		assert.Equal(t, thresholds.Query{ID: "errors", Metric: want.errors, Statistic: "Sum"}, r.Queries[0], key)
		assert.Equal(t, thresholds.Query{ID: "requests", Metric: "RequestCount", Statistic: "Sum"}, r.Queries[1], key)
		assert.Equal(t, want.expression, r.Queries[2].Expression, key)
		assert.Equal(t, "GreaterThanThreshold", r.Comparison, key)
		assert.Equal(t, 5.0, r.Threshold, "%s: percent of requests", key)
		assert.Equal(t, 300, r.Period, key)
		assert.Equal(t, 2, r.DatapointsToAlarm, key)
		assert.Equal(t, "notBreaching", r.TreatMissingData, "%s: no requests, no errors", key)
		assert.NotEmpty(t, r.Measure, key)
	}

	latency := a["app-response-time"]
	assert.Equal(t, thresholds.TargetTargetGroup, latency.Target)
	assert.Equal(t, "TargetResponseTime", latency.Metric)
	assert.Equal(t, "p95", latency.ExtendedStatistic)
	assert.Empty(t, latency.Statistic, "a percentile replaces the statistic")
	assert.Equal(t, 1.0, latency.Threshold, "seconds")
	assert.Equal(t, "notBreaching", latency.TreatMissingData)

	// t3.small: 2 vCPUs at a 20 % baseline bank 576 credits; the group's
	// average, since a host just launched has none.
	credits := a["hosts-cpu-credits"]
	assert.Equal(t, thresholds.TargetHosts, credits.Target)
	assert.Equal(t, "AWS/EC2", credits.Namespace)
	assert.Equal(t, thresholds.Query{ID: "credits", Metric: "CPUCreditBalance", Statistic: "Average"}, credits.Queries[0])
	assert.Equal(t, thresholds.Query{ID: "cpu", Metric: "CPUUtilization", Statistic: "Average"}, credits.Queries[1])
	assert.Equal(t, "IF(credits < 57.6 AND cpu > 20, 1, 0)", credits.Queries[2].Expression)

	scaling, err := thresholds.Alarms(thresholdstest.Scaled("m7g.large", 1, &config.Scaling{Min: 2, Max: 6, TargetRequests: 600}, 0, false))
	require.NoError(t, err)
	s := thresholdstest.ByKey(t, scaling)
	assert.Equal(t, 2.0, s["hosts-healthy"].Threshold, "below app.scaling.min")
	assert.Contains(t, s["hosts-cpu"].Description, "app.scaling.targetRequests")
}

// TestHostsCPUThresholdClearsTheScalingTarget: target tracking holds the
// group at app.scaling.targetCpu, so the alarm sits above it.
func TestHostsCPUThresholdClearsTheScalingTarget(t *testing.T) {
	for _, tt := range []struct {
		scaling *config.Scaling
		want    float64
	}{
		{nil, 80},
		{&config.Scaling{Min: 2, Max: 4, TargetRequests: 1000}, 80},
		{&config.Scaling{Min: 2, Max: 4, TargetCPU: 10}, 80},
		{&config.Scaling{Min: 2, Max: 4, TargetCPU: 60}, 80},
		{&config.Scaling{Min: 2, Max: 4, TargetCPU: 70}, 85},
		{&config.Scaling{Min: 2, Max: 4, TargetCPU: 90}, 95},
	} {
		got := thresholds.HostsCPUThreshold(tt.scaling)
		assert.Equal(t, tt.want, got, "%+v", tt.scaling)
		if tt.scaling != nil && tt.scaling.TargetCPU > 0 {
			assert.Greater(t, got, float64(tt.scaling.TargetCPU))
		}
	}
}

// TestReplicaAlarms: each replica's lag, and the primary's thresholds for
// what a replica has of its own.
func TestReplicaAlarms(t *testing.T) {
	alarms, err := thresholds.Alarms(thresholdstest.Scaled("t4g.micro", 1, nil, 2, false))
	require.NoError(t, err)
	a := thresholdstest.ByKey(t, alarms)
	for i, n := range []string{"1", "2"} {
		lag := a["replica-"+n+"-lag"]
		assert.Equal(t, "ReplicaLag", lag.Metric)
		assert.Equal(t, "Maximum", lag.Statistic)
		assert.Equal(t, "GreaterThanThreshold", lag.Comparison)
		assert.Equal(t, 60.0, lag.Threshold, "twice max_standby_streaming_delay's 30 s")
		for _, k := range []string{"cpu", "memory", "storage", "connections", "cpu-credits"} {
			r := a["replica-"+n+"-"+k]
			primary := a["database-"+k]
			assert.Equal(t, primary.Threshold, r.Threshold, "replica %s %s: the same class and storage", n, k)
			assert.Equal(t, primary.Metric, r.Metric, k)
			assert.Equal(t, primary.Statistic, r.Statistic, k)
			assert.Equal(t, primary.Period*primary.DatapointsToAlarm, r.Period*r.DatapointsToAlarm, k)
		}
		for key, r := range a {
			if strings.HasPrefix(key, "replica-"+n+"-") {
				assert.Equal(t, thresholds.TargetReplica, r.Target, key)
				assert.Equal(t, i, r.Replica, "%s watches replica index %d", key, i)
				assert.Equal(t, "AWS/RDS", r.Namespace, key)
				assert.Contains(t, strings.ToLower(r.Description), "read replica "+n, key)
			}
		}
	}
	assert.NotContains(t, a, "replica-1-load", "DBLoad needs Performance Insights on the replica")
	assert.NotContains(t, a, "replica-1-transaction-ids", "a replica replays the primary's")
}

func TestProxyAlarm(t *testing.T) {
	alarms, err := thresholds.Alarms(thresholdstest.Scaled("t4g.micro", 1, nil, 0, true))
	require.NoError(t, err)
	p := thresholdstest.ByKey(t, alarms)["proxy-borrow-latency"]
	assert.Equal(t, thresholds.TargetProxy, p.Target)
	assert.Equal(t, "AWS/RDS", p.Namespace)
	assert.Equal(t, "DatabaseConnectionsBorrowLatency", p.Metric)
	assert.Equal(t, "Average", p.Statistic)
	assert.Equal(t, 100_000.0, p.Threshold, "100 ms, in the metric's microseconds")
	assert.Equal(t, "notBreaching", p.TreatMissingData, "reported only while clients borrow")
}

// TestAppHealthPerMode: one host's failure is the application's; behind a
// load balancer app-health pages when no host answers.
func TestAppHealthPerMode(t *testing.T) {
	one, err := thresholds.Alarms(thresholdstest.Scaled("t4g.micro", 1, nil, 0, false))
	require.NoError(t, err)
	many, err := thresholds.Alarms(thresholdstest.Scaled("t4g.micro", 2, nil, 0, false))
	require.NoError(t, err)
	single, group := thresholdstest.ByKey(t, one)["app-health"], thresholdstest.ByKey(t, many)["app-health"]
	assert.Equal(t, "Minimum", single.Statistic)
	assert.Equal(t, "Maximum", group.Statistic, "any host answering keeps it OK")
	for _, h := range []thresholds.Alarm{single, group} {
		assert.Equal(t, thresholds.TargetApp, h.Target)
		assert.Equal(t, "breaching", h.TreatMissingData, "no host reporting is an outage")
		assert.Equal(t, "LessThanThreshold", h.Comparison)
		assert.Equal(t, 1.0, h.Threshold)
	}
}

// TestEveryScaleAlarmIsComplete: what CloudWatch requires and
// docs/operations.md shows, for every alarm of every mode.
func TestEveryScaleAlarmIsComplete(t *testing.T) {
	for _, d := range []thresholds.Deployment{
		thresholdstest.Scaled("t4g.small", 2, nil, 5, true),
		thresholdstest.Scaled("t4g.small", 1, &config.Scaling{Min: 1, Max: 10, TargetCPU: 90}, 1, false),
	} {
		alarms, err := thresholds.Alarms(d)
		require.NoError(t, err)
		for _, a := range alarms {
			assert.NotEmpty(t, a.Metric, a.Key)
			assert.True(t, (a.Statistic == "") != (a.ExtendedStatistic == ""), "%s: a statistic or a percentile", a.Key)
			assert.Contains(t, []string{"GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold"}, a.Comparison, a.Key)
			assert.Contains(t, []int{60, 300}, a.Period, a.Key)
			assert.Positive(t, a.DatapointsToAlarm, a.Key)
			assert.LessOrEqual(t, a.DatapointsToAlarm, a.EvaluationPeriods, a.Key)
			assert.LessOrEqual(t, a.Period*a.EvaluationPeriods, 86400, "%s: CloudWatch evaluates at most a day", a.Key)
			assert.Contains(t, []string{"missing", "breaching", "notBreaching"}, a.TreatMissingData, a.Key)
			assert.NotEmpty(t, a.Formula, a.Key)
			assert.NotEmpty(t, a.Value, a.Key)
			assert.NotEmpty(t, a.Description, a.Key)
			assert.LessOrEqual(t, len(a.Description), 1024, "%s: CloudWatch's limit for a description", a.Key)
			assert.LessOrEqual(t, len("rds-app-production-"+a.Key), 255, a.Key)
			if len(a.Queries) > 0 {
				assert.Equal(t, a.Metric, a.Queries[0].Metric, "%s: Metric names the first query's", a.Key)
			}
			alwaysThere := a.Key == "app-health" || (strings.HasPrefix(a.Key, "database-") && a.Key != "database-cpu-credits")
			assert.Equal(t, alwaysThere, a.Only == "", "%s: docs/operations.md says where it exists", a.Key)
		}
	}
}
