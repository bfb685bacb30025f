package thresholds

// The alarms of scale-out, as plain data like thresholds.go: the hosts of
// an Auto Scaling group behind an Application Load Balancer (app.hosts of
// 2 or more, or app.scaling), the read replicas (database.readReplicas) and
// the RDS Proxy (database.proxy).

import (
	"fmt"
	"math"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
)

// The fixed parts of the scale-out thresholds, each with its reason.
const (
	// healthyMinutes: a host short of the group's minimum is normal for
	// as long as the group takes to replace a failed host (the load
	// balancer's checks mark it unhealthy, the group launches another,
	// which boots, pulls the image and passes its checks: a few minutes).
	// Ten minutes short is a shortfall the group cannot heal.
	healthyMinutes = 10
	// errorRatePercent of requests answered 5XX: a healthy application
	// fails well under 1 %; one broken route among a few busy ones, or a
	// bad deploy, shows as several percent.
	errorRatePercent = 5
	// minRequests in a 5-minute period before an error rate counts: under
	// it, one client retrying a broken link is a large share. A site that
	// quiet is watched by app-health and hosts-healthy instead.
	minRequests = 50
	// responseSeconds at the 95th percentile: past a second a user's flow
	// of thought is interrupted (Nielsen's response-time limits), and a
	// twentieth of requests is every user, several times a session.
	responseSeconds = 1
	// replicaLagSeconds: a query on a replica may hold back replay for up
	// to max_standby_streaming_delay (30 s by default on RDS for
	// PostgreSQL) before PostgreSQL cancels it. Twice that, in every
	// 5 minutes for 15 minutes, is a replica that is not keeping up.
	replicaLagSeconds = 60
	// borrowMicros is DatabaseConnectionsBorrowLatency's unit: a pooled
	// connection is handed over in well under a millisecond and a new one
	// opens (with TLS) in tens of milliseconds, so an average of 100 ms is
	// clients waiting for a free connection.
	borrowMicros = 100_000
)

// HostsCPUThreshold is the group's CPU alarm: cpuPercent, or halfway from
// app.scaling.targetCpu to 100 % when that is higher, since target
// tracking holds the group at its target and an alarm at or under it
// would never clear.
func HostsCPUThreshold(s *config.Scaling) float64 {
	if s != nil && s.TargetCPU > 0 {
		return max(cpuPercent, float64(s.TargetCPU+100)/2)
	}
	return cpuPercent
}

// groupAlarms watch the hosts behind the load balancer. No per-instance
// alarm and no EC2 recover or reboot: the group replaces an unhealthy host
// (and its instance IDs change with every refresh), so the alarms watch
// the group and what the load balancer sees.
func groupAlarms(d Deployment) []Alarm {
	minHosts, _, maxHosts := d.App.Capacity()
	cpu := HostsCPUThreshold(d.App.Scaling)
	var cpuAdvice string
	switch s := d.App.Scaling; {
	case s != nil && s.TargetCPU > 0:
		cpuAdvice = fmt.Sprintf("Target tracking holds %d %% (app.scaling.targetCpu), so the group is at app.scaling.max (%d hosts) or cannot launch more (its activity history says why). Raise app.scaling.max, or choose a larger app.instanceType.", s.TargetCPU, maxHosts)
	case s != nil:
		cpuAdvice = fmt.Sprintf("Target tracking follows requests per host (app.scaling.targetRequests, %d), not CPU: lower it so the group adds hosts sooner, raise app.scaling.max (%d hosts), or choose a larger app.instanceType.", s.TargetRequests, maxHosts)
	default:
		cpuAdvice = fmt.Sprintf("Run more hosts (app.hosts, now %d), let the group grow with app.scaling, or choose a larger app.instanceType.", minHosts)
	}
	lb := func(a Alarm) Alarm {
		a.Namespace, a.Only = "AWS/ApplicationELB", "hosts behind a load balancer only"
		return a
	}
	// rate is a 5XX share of requests, 0 under minRequests; FILL makes a
	// minute without errors (not reported: ELB reports only non-zero
	// counts) count as 0, not as missing.
	rate := func(requests string) string {
		return fmt.Sprintf("IF(%s >= %d, 100 * FILL(errors, 0) / (%s), 0)", requests, minRequests, requests)
	}
	alarms := []Alarm{
		{
			Key: "hosts-cpu", Target: TargetHosts, Namespace: "AWS/EC2", Metric: "CPUUtilization",
			Statistic: "Average", Comparison: "GreaterThanThreshold", Threshold: cpu, Value: fmt.Sprintf("%s %%", trim(cpu)),
			// EC2's basic monitoring publishes every 5 minutes.
			Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3, TreatMissingData: "missing",
			Formula:     fmt.Sprintf("%d %% of the hosts' vCPUs on average, or halfway from app.scaling.targetCpu to 100 %% when higher", cpuPercent),
			Description: fmt.Sprintf("The hosts' average CPU stayed above %s %% for 15 minutes: requests queue. %s", trim(cpu), cpuAdvice),
			Only:        "hosts behind a load balancer only",
		},
		lb(Alarm{
			Key: "hosts-healthy", Target: TargetTargetGroup, Metric: "HealthyHostCount",
			Statistic: "Minimum", Comparison: "LessThanThreshold", Threshold: float64(minHosts),
			Value:  fmt.Sprintf("under %d for %d minutes", minHosts, healthyMinutes),
			Period: 60, EvaluationPeriods: healthyMinutes, DatapointsToAlarm: healthyMinutes,
			// Reported whenever health checks run, traffic or not: silence
			// means the target group or the load balancer is gone.
			TreatMissingData: "breaching",
			Formula:          "the group's minimum size (app.hosts, or app.scaling.min), for longer than the group takes to replace a host",
			Description: fmt.Sprintf("Fewer than %d hosts passed the load balancer's health check (app.healthCheckPath) for %d minutes, longer than the group takes to replace a failed host: it cannot heal. "+
				"The group's activity history says why: a launch failing, no capacity for app.instanceType in a zone, or new hosts failing their check (a bad image, a database they cannot reach). "+
				"It also fires once on a new stack, until the first hosts are healthy.", minHosts, healthyMinutes),
		}),
		lb(Alarm{
			Key: "app-5xx-rate", Target: TargetTargetGroup, Metric: "HTTPCode_Target_5XX_Count", Statistic: "Sum",
			Comparison: "GreaterThanThreshold", Threshold: errorRatePercent,
			Value:  fmt.Sprintf("%d %% of requests", errorRatePercent),
			Period: 300, EvaluationPeriods: 2, DatapointsToAlarm: 2,
			// No requests, no errors: ELB reports neither count then.
			TreatMissingData: "notBreaching",
			Queries: []Query{
				{ID: "errors", Metric: "HTTPCode_Target_5XX_Count", Statistic: "Sum"},
				{ID: "requests", Metric: "RequestCount", Statistic: "Sum"},
				{ID: "rate", Expression: rate("FILL(requests, 0)")},
			},
			Measure: "5XX share of requests",
			Formula: fmt.Sprintf("%d %% of the requests the hosts answered, in 5 minutes with %d requests or more", errorRatePercent, minRequests),
			Description: fmt.Sprintf("For 10 minutes the hosts answered more than %d %% of requests with a 5XX error (5-minute spans of %d requests or more): the application fails. "+
				"Its container log (the stack's log group) says why; if it began with a deploy, deploy the previous image.", errorRatePercent, minRequests),
		}),
		lb(Alarm{
			Key: "load-balancer-5xx-rate", Target: TargetLoadBalancer, Metric: "HTTPCode_ELB_5XX_Count", Statistic: "Sum",
			Comparison: "GreaterThanThreshold", Threshold: errorRatePercent,
			Value:  fmt.Sprintf("%d %% of requests", errorRatePercent),
			Period: 300, EvaluationPeriods: 2, DatapointsToAlarm: 2, TreatMissingData: "notBreaching",
			// RequestCount leaves out the requests refused before a host
			// was chosen (a 503 without a healthy host), so the share is
			// of both.
			Queries: []Query{
				{ID: "errors", Metric: "HTTPCode_ELB_5XX_Count", Statistic: "Sum"},
				{ID: "requests", Metric: "RequestCount", Statistic: "Sum"},
				{ID: "rate", Expression: rate("FILL(requests, 0) + FILL(errors, 0)")},
			},
			Measure: "5XX share of requests",
			Formula: fmt.Sprintf("%d %% of the requests, answered by the load balancer itself, in 5 minutes with %d requests or more", errorRatePercent, minRequests),
			Description: fmt.Sprintf("For 10 minutes the load balancer itself answered more than %d %% of requests with a 5XX error: 502 (a host closed the connection or answered nonsense), 503 (no healthy host: see hosts-healthy) or 504 (a host did not answer in time). "+
				"The hosts' container logs and the target group's health say which.", errorRatePercent),
		}),
		lb(Alarm{
			Key: "app-response-time", Target: TargetTargetGroup, Metric: "TargetResponseTime", ExtendedStatistic: "p95",
			Comparison: "GreaterThanThreshold", Threshold: responseSeconds, Value: fmt.Sprintf("%d s", responseSeconds),
			Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3,
			// Reported only while requests are answered.
			TreatMissingData: "notBreaching",
			Formula:          fmt.Sprintf("%d s for the slowest twentieth of requests: past a second a user's flow of thought is interrupted", responseSeconds),
			Description: fmt.Sprintf("For 15 minutes one request in twenty took the hosts more than %d s to answer (TargetResponseTime, 95th percentile). "+
				"Slow queries show in CloudWatch Database Insights, busy hosts in hosts-cpu; more hosts help only when the hosts, not the database, are the bottleneck.", responseSeconds),
		}),
	}
	if burst, ok := awsfacts.LookupBurst(d.App.InstanceType); ok {
		a := creditAlarm("hosts-cpu-credits", "the hosts", d.App.InstanceType, burst)
		a.Target, a.Namespace, a.Only = TargetHosts, "AWS/EC2", "burstable hosts behind a load balancer only"
		a.Period, a.EvaluationPeriods, a.DatapointsToAlarm, a.TreatMissingData = 300, 3, 3, "missing"
		// The group's average balance, not its poorest host's: a host just
		// launched has no credits, and the group launches hosts exactly
		// when the CPU is high, so the minimum would fire on every
		// scale-out.
		a.Statistic, a.Queries[0].Statistic = "Average", "Average"
		low := burst.MaxCredits * creditFraction
		a.Description = fmt.Sprintf("For 15 minutes the hosts (%s) had on average under %s of their %s CPU credits and kept running above their %s %% baseline: the type is too small for the load, and in Unlimited mode AWS charges for the surplus. "+
			"Choose a larger or non-burstable app.instanceType, or hold the group under the baseline (app.scaling.targetCpu).",
			d.App.InstanceType, trim(low), trim(burst.MaxCredits), trim(burst.BaselinePercent))
		alarms = append(alarms, a)
	}
	return alarms
}

// replicaAlarms watch each read replica: its lag, and the resources the
// primary's alarms watch where a replica has its own. A replica runs the
// primary's class, serves its own readers (connected directly, not
// through the proxy) and has its own storage, so CPU, memory, storage,
// connections and credits are its own. Not repeated: DBLoad (it needs
// Performance Insights on the replica) and transaction IDs (a replica
// replays the primary's, which database-transaction-ids watches).
func replicaAlarms(d Deployment, class awsfacts.DBInstanceClass, db func(Alarm) Alarm) []Alarm {
	memoryBytes := float64(class.MemoryMiB) * mib
	connections := math.Floor(float64(MaxConnections(class.MemoryMiB)) * connectionsPercent / 100)
	freeStorage := float64(d.Database.AllocatedStorage) * gib * freeStoragePercent / 100
	only := "database.readReplicas ≥ 1 only"
	burst, burstable := awsfacts.LookupBurst(d.Database.InstanceClass)

	var alarms []Alarm
	for i := range d.Database.ReadReplicas {
		n := i + 1
		name := fmt.Sprintf("Read replica %d", n)
		replica := func(a Alarm) Alarm {
			a = db(a)
			a.Key = fmt.Sprintf("replica-%d-%s", n, a.Key)
			a.Target, a.Replica, a.Only = TargetReplica, i, only
			return a
		}
		alarms = append(alarms,
			replica(Alarm{
				Key: "lag", Metric: "ReplicaLag", Statistic: "Maximum", Comparison: "GreaterThanThreshold",
				Threshold: replicaLagSeconds, Value: fmt.Sprintf("%d s", replicaLagSeconds),
				Formula: fmt.Sprintf("%d s, twice max_standby_streaming_delay: the longest a query on the replica may hold back replay", replicaLagSeconds),
				Description: fmt.Sprintf("%s stayed more than %d s behind the primary for 15 minutes, so readers of DATABASE_READ_URLS see old data. A query on the replica holds replay back at most 30 s (max_standby_streaming_delay), so the replica is not keeping up: "+
					"it replays writes slower than the primary makes them (its CPU or storage throughput), or replication broke (the replica's RDS events say). Choose a larger database.instanceClass, or spread heavy writes.", name, replicaLagSeconds),
			}),
			replica(Alarm{
				Key: "cpu", Metric: "CPUUtilization", Statistic: "Average", Comparison: "GreaterThanThreshold",
				Threshold: cpuPercent, Value: fmt.Sprintf("%d %%", cpuPercent),
				Formula:     fmt.Sprintf("%d %% of the class's vCPUs", cpuPercent),
				Description: fmt.Sprintf("%s's CPU stayed above %d %% for 15 minutes: its reads queue, and replay falls behind. Find the busy queries in CloudWatch Database Insights, add a replica (database.readReplicas), or choose a larger database.instanceClass.", name, cpuPercent),
			}),
			replica(Alarm{
				Key: "memory", Metric: "FreeableMemory", Statistic: "Average", Comparison: "LessThanThreshold",
				Threshold: memoryBytes * freeMemoryPercent / 100, Value: formatBytes(memoryBytes * freeMemoryPercent / 100),
				Formula:     fmt.Sprintf("%d %% of the class's memory", freeMemoryPercent),
				Description: fmt.Sprintf("%s's freeable memory stayed under a tenth of the class's memory for 15 minutes: it is about to swap. Lower the readers' connection counts or work_mem, or choose a larger database.instanceClass.", name),
			}),
			replica(Alarm{
				Key: "storage", Metric: "FreeStorageSpace", Statistic: "Minimum", Comparison: "LessThanThreshold",
				Threshold: freeStorage, Value: formatBytes(freeStorage), EvaluationPeriods: 6, DatapointsToAlarm: 6,
				Formula: fmt.Sprintf("%d %% of allocatedStorage, as for the primary", freeStoragePercent),
				Description: fmt.Sprintf("%s's free storage stayed under %s for 30 minutes. It holds the primary's data on storage of its own, plus its own temporary files and logs; a replica whose storage fills stops replaying. "+
					"Compare with the primary (database-storage), look for large sorts or temporary files of the replica's readers, and raise the storage (database.allocatedStorage, database.maxAllocatedStorage).", name, formatBytes(freeStorage)),
			}),
			replica(Alarm{
				Key: "connections", Metric: "DatabaseConnections", Statistic: "Maximum", Comparison: "GreaterThanThreshold",
				Threshold: connections, Value: fmt.Sprintf("%.0f connections", connections),
				Formula:     fmt.Sprintf("%d %% of LEAST(class memory / 9531392, 5000), as for the primary", connectionsPercent),
				Description: fmt.Sprintf("More than %.0f connections to %s were open for 15 minutes; the class allows fewer than %d in all, and the hosts connect to replicas directly, without the proxy. Check the readers' connection pool for leaks, or choose a larger database.instanceClass.", connections, name, MaxConnections(class.MemoryMiB)),
			}),
		)
		if burstable {
			a := creditAlarm("cpu-credits", fmt.Sprintf("read replica %d", n), d.Database.InstanceClass, burst)
			a = replica(a)
			a.Only = "burstable classes with database.readReplicas ≥ 1 only"
			alarms = append(alarms, a)
		}
	}
	return alarms
}

// proxyAlarms watch the RDS Proxy's pool. Connections it refuses outright
// (more concurrent connection requests than it accepts) arrive as RDS
// events (events.go), not as an alarm.
func proxyAlarms(db func(Alarm) Alarm) []Alarm {
	a := db(Alarm{
		Key: "proxy-borrow-latency", Metric: "DatabaseConnectionsBorrowLatency", Statistic: "Average", Comparison: "GreaterThanThreshold",
		Threshold: borrowMicros, Value: fmt.Sprintf("%d ms", borrowMicros/1000),
		Formula: "100 ms on average to hand over a database connection, which takes well under a millisecond from the pool and tens of milliseconds for a new one",
		Description: "For 15 minutes the proxy took over 100 ms on average to hand the application a database connection: its pool is full (the proxy opens at most its share of the database's max_connections) and every connection is busy or pinned to a client session. " +
			"Look at the proxy's DatabaseConnectionsCurrentlySessionPinned (SET, temporary tables and advisory locks pin), at long transactions, or choose a larger database.instanceClass (more connections).",
	})
	// Reported only while clients borrow connections: no borrowing, no
	// waiting.
	a.Target, a.TreatMissingData, a.Only = TargetProxy, "notBreaching", "database.proxy only"
	return []Alarm{a}
}
