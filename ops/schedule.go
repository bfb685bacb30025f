package ops

// When AWS Backup runs, and the names it requires: pure functions.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

const (
	// backupStartWindowMinutes is how long a daily backup may wait to
	// start; AWS Backup's least.
	backupStartWindowMinutes = 60
	// backupCompletionWindowMinutes bounds a daily backup.
	backupCompletionWindowMinutes = 8 * 60
	// restoreTestDay is the weekday of the restore test (AWS cron's name).
	restoreTestDay = "WED"
	// restoreTestStartWindowHours is how long a restore test may wait to
	// start.
	restoreTestStartWindowHours = 24
	// restoreTestSelectionDays: the test restores the newest recovery
	// point of the last week, so a week without backups fails it.
	restoreTestSelectionDays = 7
	minutesPerDay            = 24 * 60
)

// Schedule is when AWS Backup backs up and tests a restore, in UTC.
type Schedule struct {
	// BackupHour starts the daily backup.
	BackupHour int
	// RestoreTestHour starts the weekly restore test, on restoreTestDay.
	RestoreTestHour int
}

// BackupCron is the daily backup's schedule expression.
func (s Schedule) BackupCron() string { return fmt.Sprintf("cron(0 %d * * ? *)", s.BackupHour) }

// RestoreTestCron is the weekly restore test's schedule expression.
func (s Schedule) RestoreTestCron() string {
	return fmt.Sprintf("cron(0 %d ? * %s *)", s.RestoreTestHour, restoreTestDay)
}

var dailyWindowRE = regexp.MustCompile(`^([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})$`)

// BackupSchedule places AWS Backup's daily job clear of RDS's own: the
// first whole hour at least an hour after the automated backup window ends
// whose start window meets neither that window (on any day) nor the weekly
// maintenance window, when RDS may be busy patching. The restore test
// comes two hours later, once that day's backup is done.
func BackupSchedule(backupWindow, maintenanceWindow string) (Schedule, error) {
	m := dailyWindowRE.FindStringSubmatch(backupWindow)
	if m == nil {
		return Schedule{}, fmt.Errorf("%q is not a daily window hh24:mi-hh24:mi", backupWindow)
	}
	var sh, sm, eh, em int
	fmt.Sscan(m[1]+" "+m[2]+" "+m[3]+" "+m[4], &sh, &sm, &eh, &em)
	rdsStart, rdsEnd := sh*60+sm, eh*60+em
	rdsLength := (rdsEnd - rdsStart + minutesPerDay) % minutesPerDay
	first := (rdsEnd + 60 + 59) / 60 // whole hours, rounded up
	for i := 0; i < 24; i++ {
		hour := (first + i) % 24
		start := hour * 60
		if overlapsDaily(start, backupStartWindowMinutes, rdsStart, rdsLength) {
			continue
		}
		candidate := fmt.Sprintf("%02d:00-%02d:%02d", hour, (start+backupStartWindowMinutes)/60%24, (start+backupStartWindowMinutes)%60)
		clash, err := awsfacts.WindowsOverlap(candidate, maintenanceWindow)
		if err != nil {
			return Schedule{}, err
		}
		if !clash {
			return Schedule{BackupHour: hour, RestoreTestHour: (hour + 2) % 24}, nil
		}
	}
	return Schedule{}, fmt.Errorf("no hour of the day is clear of backup window %q and maintenance window %q", backupWindow, maintenanceWindow)
}

// overlapsDaily reports whether two spans of the day (start and length in
// minutes) share a minute.
func overlapsDaily(aStart, aLength, bStart, bLength int) bool {
	d := func(x int) int { return ((x % minutesPerDay) + minutesPerDay) % minutesPerDay }
	return d(bStart-aStart) < aLength || d(aStart-bStart) < bLength
}

var notWordRE = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// restoreTestingName makes a name AWS Backup's restore testing accepts:
// letters, digits and underscores, at most 50 characters.
func restoreTestingName(prefix, suffix string) string {
	base := strings.Trim(notWordRE.ReplaceAllString(prefix, "_"), "_")
	if max := 50 - len(suffix) - 1; len(base) > max {
		base = base[:max]
	}
	return base + "_" + suffix
}
