package ops

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
)

func deployment(class string, allocated, ceiling int, hostType string) Deployment {
	return Deployment{
		Database: config.Database{InstanceClass: class, AllocatedStorage: allocated, MaxAllocatedStorage: ceiling,
			BackupWindow: "03:00-04:00", MaintenanceWindow: "sun:04:30-sun:05:30"},
		App: config.App{InstanceType: hostType},
	}
}

func byKey(t *testing.T, alarms []Alarm) map[string]Alarm {
	t.Helper()
	out := map[string]Alarm{}
	for _, a := range alarms {
		require.NotContains(t, out, a.Key, "two alarms named %s", a.Key)
		out[a.Key] = a
	}
	return out
}

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
		assert.Equal(t, want, MaxConnections(memoryMiB), "%d MiB", memoryMiB)
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
			alarms, err := Alarms(deployment(tt.class, tt.allocated, tt.ceiling, "m7g.large"))
			require.NoError(t, err)
			a := byKey(t, alarms)
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
					assert.Equal(t, TargetDatabase, alarm.Target, key)
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
	alarms, err := Alarms(deployment("db.t4g.micro", 20, 50, "t3.small"))
	require.NoError(t, err)
	a := byKey(t, alarms)
	system, instance := a["host-system-check"], a["host-instance-check"]
	assert.Equal(t, "StatusCheckFailed_System", system.Metric)
	assert.Equal(t, ActionRecover, system.EC2Action)
	assert.Equal(t, "StatusCheckFailed_Instance", instance.Metric)
	assert.Equal(t, ActionReboot, instance.EC2Action)
	for _, c := range []Alarm{system, instance} {
		assert.Equal(t, TargetHost, c.Target)
		assert.Equal(t, "AWS/EC2", c.Namespace)
		assert.Equal(t, 60, c.Period, "status checks are published every minute")
		assert.Equal(t, "GreaterThanOrEqualToThreshold", c.Comparison)
		assert.Equal(t, 1.0, c.Threshold)
	}
	// t3.small: 2 vCPUs at a 20 % baseline earn 24 credits an hour, 576 at most.
	credits := a["host-cpu-credits"]
	assert.Equal(t, TargetHost, credits.Target)
	assert.Equal(t, "IF(credits < 57.6 AND cpu > 20, 1, 0)", credits.Queries[2].Expression)

	steady, err := Alarms(deployment("db.t4g.micro", 20, 50, "m7g.large"))
	require.NoError(t, err)
	assert.NotContains(t, byKey(t, steady), "host-cpu-credits")
}

// TestAppHealthAlarmCountsSilenceAsFailure: a host that stops reporting is
// down or cut off, which must page as a failed check does.
func TestAppHealthAlarmCountsSilenceAsFailure(t *testing.T) {
	alarms, err := Alarms(deployment("db.t4g.micro", 20, 50, "t4g.micro"))
	require.NoError(t, err)
	health := byKey(t, alarms)["app-health"]
	assert.Equal(t, TargetApp, health.Target)
	assert.Equal(t, "AppHealthy", health.Metric)
	assert.Equal(t, "breaching", health.TreatMissingData)
	assert.Equal(t, "LessThanThreshold", health.Comparison)
	assert.Equal(t, 1.0, health.Threshold)
	assert.Equal(t, 60, health.Period)
	assert.Equal(t, 3, health.EvaluationPeriods)
}

// TestEveryAlarmIsComplete: what CloudWatch requires, and what README shows.
func TestEveryAlarmIsComplete(t *testing.T) {
	alarms, err := Alarms(deployment("db.t4g.micro", 20, 50, "t4g.micro"))
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
	_, err := Alarms(deployment("db.x9.huge", 20, 50, "t4g.micro"))
	assert.ErrorContains(t, err, `"db.x9.huge" is not an RDS for PostgreSQL instance class`)
	_, err = Alarms(deployment("db.t4g.micro", 20, 50, "q9.huge"))
	assert.ErrorContains(t, err, `"q9.huge" is not an EC2 instance type`)
}

func TestFormatting(t *testing.T) {
	assert.Equal(t, "102.4 MiB", formatBytes(1024*1024*102.4))
	assert.Equal(t, "2 GiB", formatBytes(2<<30))
	assert.Equal(t, "28.8", trim(28.8))
	assert.Equal(t, "10", trim(10))
}

func TestBackupSchedule(t *testing.T) {
	for _, tt := range []struct {
		backup, maintenance string
		hour                int
	}{
		// An hour after the window ends is 05:00, which Sunday's
		// maintenance window (04:30-05:30) touches.
		{"03:00-04:00", "sun:04:30-sun:05:30", 6},
		{"02:00-02:30", "sat:22:00-sat:23:00", 4}, // 03:30 rounded up to 04:00
		{"23:30-00:30", "sun:04:30-sun:05:30", 2}, // the window wraps midnight
		{"22:30-23:00", "mon:00:30-mon:01:30", 2}, // 00:00 and 01:00 touch Monday's window
	} {
		s, err := BackupSchedule(tt.backup, tt.maintenance)
		require.NoError(t, err, tt.backup)
		assert.Equal(t, tt.hour, s.BackupHour, "%s / %s", tt.backup, tt.maintenance)
		assert.Equal(t, (tt.hour+2)%24, s.RestoreTestHour)
	}
	s, err := BackupSchedule("03:00-04:00", "sun:04:30-sun:05:30")
	require.NoError(t, err)
	assert.Equal(t, "cron(0 6 * * ? *)", s.BackupCron())
	assert.Equal(t, "cron(0 8 ? * WED *)", s.RestoreTestCron())
	_, err = BackupSchedule("3-4", "sun:04:30-sun:05:30")
	assert.Error(t, err)
}

func TestRestoreTestingName(t *testing.T) {
	assert.Equal(t, "rds_app_dev_restore_test", restoreTestingName("rds-app-dev", "restore_test"))
	long := restoreTestingName(strings.Repeat("my-very-long-project", 4)+"-prod", "database")
	assert.LessOrEqual(t, len(long), 50)
	assert.Regexp(t, `^[A-Za-z0-9_]+_database$`, long)
}
