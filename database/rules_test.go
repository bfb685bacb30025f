package database

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseEngineVersion(t *testing.T) {
	for _, tt := range []struct {
		in     string
		family string
		pinned bool
	}{
		{"13", "postgres13", false},
		{"17", "postgres17", false},
		{"18", "postgres18", false},
		{"16.4", "postgres16", true},
		{"17.0", "postgres17", true},
	} {
		v, err := ParseEngineVersion(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.family, v.Family(), tt.in)
		assert.Equal(t, tt.pinned, v.PinsMinor(), tt.in)
	}
	for _, bad := range []string{"", "12", "19", "9.6", "17.", ".4", "17.4.1", "v17", "seventeen", " 17"} {
		_, err := ParseEngineVersion(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestWindowsOverlap(t *testing.T) {
	for _, tt := range []struct {
		backup, maintenance string
		overlap             bool
	}{
		{"03:00-04:00", "sun:04:30-sun:05:30", false},
		{"04:00-04:30", "sun:04:30-sun:05:30", false}, // touching ends do not overlap
		{"05:30-06:00", "sun:04:30-sun:05:30", false},
		{"04:00-05:00", "sun:04:30-sun:05:30", true},
		{"05:00-06:00", "sun:04:30-sun:05:30", true},
		{"04:40-05:10", "sun:04:30-sun:05:30", true}, // backup inside maintenance
		{"00:00-23:59", "wed:10:00-wed:10:30", true},
		{"23:30-00:30", "mon:00:00-mon:01:00", true},  // backup wraps midnight
		{"00:00-00:30", "sun:23:00-mon:00:15", true},  // maintenance wraps the week
		{"00:30-01:00", "sun:23:00-mon:00:15", false}, // ... but not past its end
		{"12:00-13:00", "fri:22:00-sat:02:00", false},
		{"01:00-02:00", "fri:22:00-sat:02:00", true}, // maintenance spans midnight
	} {
		got, err := WindowsOverlap(tt.backup, tt.maintenance)
		require.NoError(t, err)
		assert.Equal(t, tt.overlap, got, "%s vs %s", tt.backup, tt.maintenance)
	}
}

func TestWindowParsing(t *testing.T) {
	for _, ok := range []string{"00:00-00:30", "23:45-00:15", "03:00-04:00"} {
		_, err := ParseBackupWindow(ok)
		assert.NoError(t, err, ok)
	}
	for _, bad := range []string{"", "3:00-4:00", "03:00", "03:00-03:29", "03:00-03:00", "24:00-01:00", "03:60-04:30", "03:00 - 04:00", "sun:03:00-sun:04:00"} {
		_, err := ParseBackupWindow(bad)
		assert.Error(t, err, "%q", bad)
	}
	for _, ok := range []string{"sun:04:30-sun:05:30", "sat:23:30-sun:00:30", "sun:23:45-mon:00:15", "mon:00:00-sun:23:59"} {
		_, err := ParseMaintenanceWindow(ok)
		assert.NoError(t, err, ok)
	}
	for _, bad := range []string{"", "sun:04:30-05:30", "Sun:04:30-Sun:05:30", "sun:04:30-sun:04:59", "xyz:01:00-xyz:02:00", "sun:25:00-mon:01:00"} {
		_, err := ParseMaintenanceWindow(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestInstanceIdentifier(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z](?:[a-z0-9]|-[a-z0-9])*$`)
	for _, tt := range []struct{ prefix, suffix, want string }{
		{"rds-app-dev", "a1b2c3d4", "rds-app-dev-a1b2c3d4"},
		{"rds-app-Prod_EU.1", "a1b2c3d4", "rds-app-prod-eu-1-a1b2c3d4"},
		{"rds-app--x--", "00ff00ff", "rds-app-x-00ff00ff"},
		{"42", "a1b2c3d4", "db-42-a1b2c3d4"},
		{"", "a1b2c3d4", "db-a1b2c3d4"},
		{strings.Repeat("long-", 20), "a1b2c3d4", "long-long-long-long-long-long-long-long-long-long-long-a1b2c3d4"},
	} {
		got := InstanceIdentifier(tt.prefix, tt.suffix)
		assert.Equal(t, tt.want, got)
		assert.LessOrEqual(t, len(got), 63)
		assert.Regexp(t, valid, got, "RDS identifier rules")
		assert.Regexp(t, valid, FinalSnapshotIdentifier(got), "snapshot identifier rules")
	}
}

// TestPasswordAlphabet: RDS refuses "/", "@", '"' and space in a master
// password, and a postgres:// URL needs anything outside RFC 3986's
// unreserved set percent-encoded. The alphabet must avoid all of them.
func TestPasswordAlphabet(t *testing.T) {
	alphabet := PasswordAlphabet()
	for _, c := range `/@" ` {
		assert.NotContains(t, alphabet, string(c), "RDS rejects %q", c)
	}
	unreserved := regexp.MustCompile(`^[A-Za-z0-9\-._~]+$`)
	assert.Regexp(t, unreserved, alphabet, "every character must be URL-safe without escaping")
	for _, c := range `:?#[]!$&'()*+,;=%\` + "`" {
		assert.NotContains(t, alphabet, string(c))
	}
	assert.GreaterOrEqual(t, PasswordLength, 32)
	assert.Len(t, alphabet, 26+26+10+len(PasswordSpecials))
}
