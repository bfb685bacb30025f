// Package thresholds is the stack's alarms as plain data: which metric,
// which threshold and why, derived from what the stack deploys (the
// database's class and storage, the host's type, and with scale-out the
// group, the load balancer, the replicas and the proxy: scale.go). No
// Pulumi types here, so every figure has a table test, docs/operations.md's
// alarm table is rendered from the same function, and neither links the
// AWS SDK; package ops turns the alarms into CloudWatch resources.
package thresholds

import (
	"fmt"
	"math"
	"strings"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
)

// Target is what an alarm watches; the wiring turns it into dimensions.
type Target string

const (
	// TargetDatabase is the RDS instance (dimension DBInstanceIdentifier).
	TargetDatabase Target = "database"
	// TargetHost is the single EC2 instance (dimension InstanceId).
	TargetHost Target = "host"
	// TargetApp is the hosts' health metric, which has no dimension.
	TargetApp Target = "app"
	// TargetHosts is the Auto Scaling group's hosts (dimension
	// AutoScalingGroupName), with a load balancer.
	TargetHosts Target = "hosts"
	// TargetLoadBalancer is the Application Load Balancer itself
	// (dimension LoadBalancer): what it answers without asking a host.
	TargetLoadBalancer Target = "load-balancer"
	// TargetTargetGroup is the load balancer's target group of hosts
	// (dimensions TargetGroup and LoadBalancer): what the hosts answer.
	TargetTargetGroup Target = "target-group"
	// TargetReplica is the read replica numbered by Alarm.Replica
	// (dimension DBInstanceIdentifier).
	TargetReplica Target = "replica"
	// TargetProxy is the RDS Proxy (dimension ProxyName).
	TargetProxy Target = "proxy"
)

// EC2 actions an alarm may take besides notifying.
const (
	// ActionRecover moves the instance to healthy hardware, keeping its ID,
	// addresses, volumes and metadata.
	ActionRecover = "recover"
	// ActionReboot reboots the instance.
	ActionReboot = "reboot"
)

// Alarm is one CloudWatch alarm, as data.
type Alarm struct {
	// Key names the alarm within the stack ("database-cpu"): the alarm is
	// called "<project>-<stack>-<Key>".
	Key    string
	Target Target
	// Namespace and Metric name the metric; for a metric-math alarm they
	// name the metric Queries refer to first (docs/operations.md shows it).
	Namespace, Metric string
	// Statistic is CloudWatch's ("Average", "Minimum", "Maximum", "Sum").
	Statistic string
	// ExtendedStatistic, set instead of Statistic, is a percentile ("p95").
	ExtendedStatistic string
	// Comparison is CloudWatch's ComparisonOperator.
	Comparison string
	Threshold  float64
	// Period is in seconds; the alarm fires after DatapointsToAlarm of the
	// last EvaluationPeriods periods breach.
	Period, EvaluationPeriods, DatapointsToAlarm int
	// TreatMissingData is CloudWatch's ("missing" unless a silence itself
	// means trouble).
	TreatMissingData string
	// Queries, when set, make a metric-math alarm: the last query is the
	// expression the threshold applies to.
	Queries []Query
	// Measure names what a metric-math alarm's expression computes, as
	// docs/operations.md's table says it ("5XX share of requests, %"); "" for an
	// expression that is 1 while a condition holds and 0 otherwise.
	Measure string
	// Conditions, for an expression that is 1 while they all hold (Measure
	// ""), are the levels it compares its metrics with: the expression is
	// written from them, and the dashboard draws each on its metric.
	Conditions []Condition
	// Replica is the index of the read replica a TargetReplica alarm
	// watches (0 for the first of database.readReplicas).
	Replica int
	// Only says which stacks have the alarm, as docs/operations.md's table
	// says it in a stack without it ("burstable classes only"); "" for every stack.
	Only string
	// EC2Action is ActionRecover, ActionReboot or "".
	EC2Action string
	// Formula says how the threshold follows from the deployment
	// (docs/operations.md).
	Formula string
	// Value is the threshold as docs/operations.md shows it ("102.4 MiB").
	Value string
	// Description is the alarm's description: what it means, what to do.
	Description string
}

// Query is one metric or expression of a metric-math alarm.
type Query struct {
	ID string
	// Metric and Statistic name a metric of the alarm's namespace and
	// target; Expression is metric math over the other queries.
	Metric, Statistic string
	Expression        string
}

// Condition is one comparison of a metric-math alarm's expression: the
// query with ID Query below (Comparison "<") or above (">") Level.
type Condition struct {
	Query      string
	Comparison string
	Level      float64
}

// String is the condition as metric math writes it ("credits < 28.8").
func (c Condition) String() string {
	return fmt.Sprintf("%s %s %s", c.Query, c.Comparison, trim(c.Level))
}

// Deployment is what the thresholds follow from: the database and host as
// configured.
type Deployment struct {
	Database config.Database
	App      config.App
}

// The fixed parts of the thresholds, each with its reason.
const (
	// cpuPercent: past 80 % a database's queueing delay grows quickly.
	cpuPercent = 80
	// freeMemoryPercent: PostgreSQL's shared buffers take a quarter of the
	// memory and the page cache most of the rest; under a tenth left, the
	// instance is about to swap.
	freeMemoryPercent = 10
	// freeStoragePercent is what RDS storage autoscaling keeps free: it
	// grows the storage when free space stays under 10 % for 5 minutes.
	freeStoragePercent = 10
	// connectionsPercent of max_connections computed from the class's full
	// memory: RDS computes it from DBInstanceClassMemory, the memory less
	// what the operating system and RDS's processes take (unpublished; a
	// 1 GiB class allows about 80 connections, not 112), and keeps 3 for
	// superusers. 60 % of the full-memory figure stays under the real limit
	// on every class.
	connectionsPercent = 60
	// maxConnectionsDivisor and maxConnectionsCap are RDS for PostgreSQL's
	// default max_connections: LEAST(DBInstanceClassMemory/9531392, 5000).
	maxConnectionsDivisor = 9531392
	maxConnectionsCap     = 5000
	// transactionIDs: PostgreSQL stops accepting writes to avoid
	// wraparound at 2^31 (2,147,483,648) transaction IDs; autovacuum
	// normally freezes at 200 million. A billion is far past normal and
	// far from the stop.
	transactionIDs = 1_000_000_000
	// creditFraction of the maximum balance (24 hours of earnings) is
	// "nearly spent".
	creditFraction = 0.1
)

const (
	gib = 1 << 30
	mib = 1 << 20
)

// Alarms returns the stack's alarms, derived from what it deploys. The
// configuration is validated, so the class and type are known.
func Alarms(d Deployment) ([]Alarm, error) {
	class, ok := awsfacts.LookupDBInstanceClass(d.Database.InstanceClass)
	if !ok {
		return nil, fmt.Errorf("deriving alarm thresholds: %q is not an RDS for PostgreSQL instance class", d.Database.InstanceClass)
	}
	if _, ok := awsfacts.LookupInstanceType(d.App.InstanceType); !ok {
		return nil, fmt.Errorf("deriving alarm thresholds: %q is not an EC2 instance type", d.App.InstanceType)
	}
	memoryBytes := float64(class.MemoryMiB) * mib
	maxConnections := MaxConnections(class.MemoryMiB)
	connections := math.Floor(float64(maxConnections) * connectionsPercent / 100)
	freeStorage := float64(d.Database.AllocatedStorage) * gib * freeStoragePercent / 100

	// RDS publishes every minute; five-minute periods, three in a row
	// unless the alarm says otherwise.
	db := func(a Alarm) Alarm {
		a.Target, a.Namespace, a.Period, a.TreatMissingData = TargetDatabase, "AWS/RDS", 300, "missing"
		if a.EvaluationPeriods == 0 {
			a.EvaluationPeriods, a.DatapointsToAlarm = 3, 3
		}
		return a
	}
	alarms := []Alarm{
		db(Alarm{
			Key: "database-cpu", Metric: "CPUUtilization", Statistic: "Average", Comparison: "GreaterThanThreshold",
			Threshold: cpuPercent, Value: fmt.Sprintf("%d %%", cpuPercent),
			Formula:     fmt.Sprintf("%d %% of the class's vCPUs", cpuPercent),
			Description: "The database's CPU stayed above 80 % for 15 minutes: queries queue. Find the busy queries in CloudWatch Database Insights, or choose a larger database.instanceClass.",
		}),
		db(Alarm{
			Key: "database-load", Metric: "DBLoad", Statistic: "Average", Comparison: "GreaterThanThreshold",
			Threshold: float64(class.VCPUs), Value: fmt.Sprintf("%d sessions", class.VCPUs),
			Formula:     "the class's vCPUs",
			Description: fmt.Sprintf("More database sessions were active than the class's %d vCPUs for 15 minutes, so they wait. CloudWatch Database Insights shows what they wait on.", class.VCPUs),
		}),
		db(Alarm{
			Key: "database-memory", Metric: "FreeableMemory", Statistic: "Average", Comparison: "LessThanThreshold",
			Threshold: memoryBytes * freeMemoryPercent / 100, Value: formatBytes(memoryBytes * freeMemoryPercent / 100),
			Formula:     fmt.Sprintf("%d %% of the class's memory", freeMemoryPercent),
			Description: "The database's freeable memory stayed under a tenth of the class's memory for 15 minutes: it is about to swap. Lower connection counts or work_mem, or choose a larger database.instanceClass.",
		}),
		db(Alarm{
			Key: "database-storage", Metric: "FreeStorageSpace", Statistic: "Minimum", Comparison: "LessThanThreshold",
			Threshold: freeStorage, Value: formatBytes(freeStorage), EvaluationPeriods: 6, DatapointsToAlarm: 6,
			Formula: fmt.Sprintf("%d %% of allocatedStorage: what storage autoscaling keeps free below maxAllocatedStorage", freeStoragePercent),
			Description: fmt.Sprintf("The database's free storage stayed under %s for 30 minutes, although storage autoscaling grows the storage up to database.maxAllocatedStorage (%d GiB) when free space falls under 10 %%: the ceiling is reached, or autoscaling waits (it grows at most every 6 hours). Raise database.maxAllocatedStorage or delete data before the database stops.",
				formatBytes(freeStorage), d.Database.MaxAllocatedStorage),
		}),
		db(Alarm{
			Key: "database-connections", Metric: "DatabaseConnections", Statistic: "Maximum", Comparison: "GreaterThanThreshold",
			Threshold: connections, Value: fmt.Sprintf("%.0f connections", connections),
			Formula:     fmt.Sprintf("%d %% of LEAST(class memory / 9531392, 5000), RDS's default max_connections on the full memory", connectionsPercent),
			Description: fmt.Sprintf("More than %.0f connections were open for 15 minutes; the class allows fewer than %d in all. Check the application's connection pool for leaks, or choose a larger database.instanceClass.", connections, maxConnections),
		}),
		db(Alarm{
			Key: "database-transaction-ids", Metric: "MaximumUsedTransactionIDs", Statistic: "Maximum", Comparison: "GreaterThanThreshold",
			Threshold: transactionIDs, Value: "1,000,000,000",
			Formula:     "a billion, under half of the 2^31 at which PostgreSQL stops writes",
			Description: "A table's oldest unfrozen transaction ID is over a billion old: autovacuum is not freezing it (a long-running transaction, an abandoned replication slot or prepared transaction holds it). Fix it before PostgreSQL stops accepting writes at 2^31.",
		}),
	}
	if burst, ok := awsfacts.LookupBurst(d.Database.InstanceClass); ok {
		a := db(creditAlarm("database-cpu-credits", "the database", d.Database.InstanceClass, burst))
		a.Only = "burstable classes only"
		alarms = append(alarms, a)
	}
	alarms = append(alarms, replicaAlarms(d, class, db)...)
	if d.Database.Proxy {
		alarms = append(alarms, proxyAlarms(db)...)
	}

	if d.App.LoadBalanced() {
		alarms = append(alarms, groupAlarms(d)...)
	} else {
		alarms = append(alarms, hostAlarms(d)...)
	}
	return append(alarms, appHealthAlarm(d.App.LoadBalanced())), nil
}

// hostAlarms watch the single host: EC2 heals it in place, as nothing
// else would.
func hostAlarms(d Deployment) []Alarm {
	alarms := []Alarm{
		{
			Key: "host-system-check", Target: TargetHost, Namespace: "AWS/EC2", Metric: "StatusCheckFailed_System",
			Statistic: "Maximum", Comparison: "GreaterThanOrEqualToThreshold", Threshold: 1, Value: "failed for 2 minutes",
			Period: 60, EvaluationPeriods: 2, DatapointsToAlarm: 2, TreatMissingData: "missing", EC2Action: ActionRecover,
			Formula:     "any failure of the hardware, power or network under the host",
			Description: "The host's system status check failed (AWS's hardware or network under it). EC2 recovers the instance onto other hardware: same instance ID, Elastic IP and volumes, and the container starts again at boot.",
			Only:        "one host only",
		},
		{
			Key: "host-instance-check", Target: TargetHost, Namespace: "AWS/EC2", Metric: "StatusCheckFailed_Instance",
			Statistic: "Maximum", Comparison: "GreaterThanOrEqualToThreshold", Threshold: 1, Value: "failed for 3 minutes",
			Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 3, TreatMissingData: "missing", EC2Action: ActionReboot,
			Formula:     "any failure of the host's own kernel, memory or network configuration",
			Description: "The host's instance status check failed for 3 minutes (its kernel, memory or network configuration). EC2 reboots it; the container starts again at boot. If it repeats, read the journal through Session Manager.",
			Only:        "one host only",
		},
	}
	if burst, ok := awsfacts.LookupBurst(d.App.InstanceType); ok {
		a := creditAlarm("host-cpu-credits", "the host", d.App.InstanceType, burst)
		a.Target, a.Namespace = TargetHost, "AWS/EC2"
		a.Period, a.EvaluationPeriods, a.DatapointsToAlarm, a.TreatMissingData = 300, 3, 3, "missing"
		a.Only = "one burstable host only"
		alarms = append(alarms, a)
	}
	return alarms
}

// appHealthAlarm watches the health metric every host publishes, without
// a dimension, so CloudWatch pools the hosts' reports. One host: its
// failure is the application's. Several behind a load balancer: the group
// replaces a failing host and hosts-healthy counts them, so app-health
// pages only when no host answers (Maximum under 1), the outage itself,
// and stays independent of the load balancer (whose metrics stop with the
// traffic) and of a booting host that has not yet answered.
func appHealthAlarm(loadBalanced bool) Alarm {
	a := Alarm{
		// The namespace is the stack's own (the program's compute.HealthNamespace), known
		// to the wiring.
		Key: "app-health", Target: TargetApp, Metric: awsfacts.HealthMetricName,
		Statistic: "Minimum", Comparison: "LessThanThreshold", Threshold: 1, Value: "failed or silent for 3 minutes",
		Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 3,
		// A host that stopped reporting is as bad as one that reports a
		// failure: down, or unable to reach CloudWatch.
		TreatMissingData: "breaching",
		Formula:          "a health check (app.healthCheckPath through the host's proxy: on app.hostPort, or over HTTPS with app.domain; every minute) without a 2xx or 3xx answer",
		Description:      "The application has not answered its health check (app.healthCheckPath through the host's proxy: on app.hostPort, or over HTTPS with app.domain; asked by the host every minute) for 3 minutes, or the host stopped reporting. On the host: sudo journalctl -u rds-app -u rds-app-health.",
	}
	if loadBalanced {
		a.Statistic, a.Value = "Maximum", "no host answered for 3 minutes"
		a.Formula = "no host's health check (app.healthCheckPath on app.hostPort, every minute) answered 2xx or 3xx"
		a.Description = "No host has answered its own health check (app.healthCheckPath on app.hostPort, asked by each host every minute) for 3 minutes, or no host is reporting: the application is down everywhere, whatever the load balancer says. " +
			"On a host (aws ssm start-session --target <instance>): sudo journalctl -u rds-app -u rds-app-health; the group's activity history says whether hosts are being replaced."
	}
	return a
}

// creditAlarm fires when a burstable class or type has nearly spent its CPU
// credits and still runs above its baseline: it is too small for the load
// (in Unlimited mode, the default for T3 and T4g, AWS then charges for the
// surplus). The balance alone would fire on a new instance, which starts
// with none and earns them.
func creditAlarm(key, what, name string, b awsfacts.Burst) Alarm {
	low := b.MaxCredits * creditFraction
	conditions := []Condition{
		{Query: "credits", Comparison: "<", Level: low},
		{Query: "cpu", Comparison: ">", Level: b.BaselinePercent},
	}
	return Alarm{
		Key: key, Metric: "CPUCreditBalance", Statistic: "Minimum",
		Comparison: "GreaterThanOrEqualToThreshold", Threshold: 1,
		Queries: []Query{
			{ID: "credits", Metric: "CPUCreditBalance", Statistic: "Minimum"},
			{ID: "cpu", Metric: "CPUUtilization", Statistic: "Average"},
			{ID: "spending", Expression: fmt.Sprintf("IF(%s AND %s, 1, 0)", conditions[0], conditions[1])},
		},
		Conditions: conditions,
		Value:      fmt.Sprintf("under %s credits while above %s %% CPU", trim(low), trim(b.BaselinePercent)),
		Formula:    "a tenth of the credit bank (vCPUs × baseline × 60 × 24), and CPU above the baseline",
		Description: fmt.Sprintf("For 15 minutes %s (%s) had under %s of its %s CPU credits and kept running above its %s %% baseline: it is too small for the load, and in Unlimited mode AWS charges for the surplus. Choose a larger size.",
			what, name, trim(low), trim(b.MaxCredits), trim(b.BaselinePercent)),
	}
}

// MaxConnections is RDS for PostgreSQL's default max_connections,
// LEAST(memory/9531392, 5000), computed from a class's full memory in MiB.
func MaxConnections(memoryMiB int) int {
	return min(memoryMiB*mib/maxConnectionsDivisor, maxConnectionsCap)
}

// trim prints a number without trailing zeros ("28.8", "10").
func trim(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}

// formatBytes prints bytes in the largest whole binary unit.
func formatBytes(b float64) string {
	if b >= gib {
		return trim(b/gib) + " GiB"
	}
	return trim(b/mib) + " MiB"
}
