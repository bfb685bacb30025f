package ops

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
