package awsfacts

import (
	"testing"
	"time"

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

func TestDBInstanceClasses(t *testing.T) {
	for _, ok := range []string{"db.t4g.micro", "db.t3.2xlarge", "db.m7g.large", "db.r6i.32xlarge", "db.x2g.large", "db.m8g.48xlarge"} {
		assert.NoError(t, CheckInstanceClass(ok), ok)
	}
	for _, bad := range []string{"db.t4g.nano", "db.m7g.medium", "db.m5.metal", "db.t5.micro", "t4g.micro", "db.t4g", "DB.T4G.MICRO", "db.c6gd.large"} {
		assert.Error(t, CheckInstanceClass(bad), bad)
	}
	assert.EqualError(t, CheckInstanceClass("db.t4g.nano"), `"db.t4g.nano" is not an RDS for PostgreSQL instance class; db.t4g comes in micro, small, medium, large, xlarge, 2xlarge`)
	c, ok := LookupDBInstanceClass("db.r7g.large")
	require.True(t, ok)
	assert.Equal(t, DBInstanceClass{Name: "db.r7g.large", Architecture: "arm64", VCPUs: 2, MemoryMiB: 16384}, c)
}

func TestLatestMinor(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tt := range []struct {
		major int
		today string
		want  int
	}{
		{17, "2025-11-20", 8},  // 17.7 released, one out-of-cycle allowed
		{17, "2026-02-11", 8},  // the day before the February release
		{17, "2026-02-12", 9},  // 17.8 on the second Thursday of February
		{17, "2026-11-29", 12}, // Feb, May, Aug, Nov 2026: 17.11, plus one
		{18, "2026-11-29", 6},
		{13, "2026-11-29", 23}, // 13.23 was the last
		{14, "2026-11-29", 24}, // 14.24 in November 2026 was the last
	} {
		assert.Equal(t, tt.want, LatestMinor(tt.major, day(tt.today)), "%d on %s", tt.major, tt.today)
	}
	v, err := ParseEngineVersion("17.99")
	require.NoError(t, err)
	assert.EqualError(t, v.CheckMinor(day("2026-11-29")), `"17.99" is not a PostgreSQL 17 release (the latest there can be on 2026-11-29 is 17.12); give the major alone ("17") to follow AWS's minor upgrades`)
	v, _ = ParseEngineVersion("17.6")
	assert.NoError(t, v.CheckMinor(day("2026-11-29")))
}
