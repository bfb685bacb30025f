package awsfacts

// This file holds the versions, naming and scheduling rules RDS and
// PostgreSQL enforce, as plain functions: the config layer uses them to
// reject bad input before anything is registered, and the database
// component uses them to derive its settings.

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// MinMajorVersion and MaxMajorVersion bound the PostgreSQL majors this
	// program knows parameter-group families for.
	MinMajorVersion = 13
	MaxMajorVersion = 18
)

// engineVersionRE is the form RDS accepts: a major, or major.minor, with no
// leading zeros ("017" and "17.04" are refused by RDS).
var engineVersionRE = regexp.MustCompile(`^([1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$`)

// EngineVersion is a parsed PostgreSQL engine version: a major ("17") or a
// major.minor ("17.4").
type EngineVersion struct {
	Major int
	// Minor is -1 when only the major version is given, which leaves the
	// minor version to AWS's automatic minor upgrades.
	Minor int
}

// ParseEngineVersion checks that s is a supported PostgreSQL major or
// major.minor version.
func ParseEngineVersion(s string) (EngineVersion, error) {
	m := engineVersionRE.FindStringSubmatch(s)
	if m == nil {
		return EngineVersion{}, fmt.Errorf("%q is not a PostgreSQL version; give a major version such as \"17\" (or a major.minor such as \"17.4\")", s)
	}
	major, _ := strconv.Atoi(m[1])
	if major < MinMajorVersion || major > MaxMajorVersion {
		return EngineVersion{}, fmt.Errorf("%q is not a supported PostgreSQL major version; supported are %d to %d", s, MinMajorVersion, MaxMajorVersion)
	}
	v := EngineVersion{Major: major, Minor: -1}
	if m[2] != "" {
		v.Minor, _ = strconv.Atoi(m[2])
	}
	return v, nil
}

// PinsMinor reports whether the version names a minor release.
func (v EngineVersion) PinsMinor() bool { return v.Minor >= 0 }

// Family is the DB parameter group family of the version ("postgres17").
func (v EngineVersion) Family() string { return fmt.Sprintf("postgres%d", v.Major) }

// standardSupportEnds is the last day of RDS standard support for each
// PostgreSQL major, from the Amazon RDS for PostgreSQL release calendar.
// After it, an instance with Extended Support enabled is charged for it,
// and one without cannot be created on that major.
var standardSupportEnds = map[int]string{
	13: "2026-02-28",
	14: "2027-02-28",
	15: "2028-02-29",
	16: "2029-02-28",
	17: "2030-02-28",
	18: "2031-02-28",
}

// StandardSupportEnds is the last day of RDS standard support for the
// version's major ("2030-02-28").
func (v EngineVersion) StandardSupportEnds() string { return standardSupportEnds[v.Major] }

// PastStandardSupport reports whether RDS standard support for the
// version's major has ended by today.
func (v EngineVersion) PastStandardSupport(today time.Time) bool {
	end, err := time.Parse(time.DateOnly, standardSupportEnds[v.Major])
	return err == nil && today.After(end.Add(24*time.Hour-time.Nanosecond))
}

// EngineLifecycleSupport is the RDS setting for paid Extended Support:
// stated explicitly, because RDS enrols an instance by default.
func EngineLifecycleSupport(extended bool) string {
	if extended {
		return "open-source-rds-extended-support"
	}
	return "open-source-rds-extended-support-disabled"
}

// reservedWords are PostgreSQL's reserved key words (the "reserved" column of
// the SQL Key Words appendix). RDS refuses them as master user and database
// names.
var reservedWords = setOf(
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization",
	"binary", "both", "case", "cast", "check", "collate", "collation", "column", "concurrently",
	"constraint", "create", "cross", "current_catalog", "current_date", "current_role",
	"current_schema", "current_time", "current_timestamp", "current_user", "default", "deferrable",
	"desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "freeze",
	"from", "full", "grant", "group", "having", "ilike", "in", "initially", "inner", "intersect",
	"into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
	"localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order",
	"outer", "overlaps", "placing", "primary", "references", "returning", "right", "select",
	"session_user", "similar", "some", "symmetric", "system_user", "table", "tablesample", "then",
	"to", "trailing", "true", "union", "unique", "user", "using", "variadic", "verbose", "when",
	"where", "window", "with",
)

// reservedUsers are roles RDS or PostgreSQL already own, or names RDS refuses
// for the master user.
var reservedUsers = setOf("postgres", "rdsadmin", "admin", "rdsrepladmin", "rdstopmgr", "public", "none", "pg_signal_backend")

// reservedDatabases already exist on every instance.
var reservedDatabases = setOf("postgres", "rdsadmin", "template0", "template1")

var identifierRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// maxIdentifierLen is PostgreSQL's NAMEDATALEN-1.
const maxIdentifierLen = 63

// CheckUsername applies the RDS for PostgreSQL master user name rules.
func CheckUsername(s string) error {
	if err := checkIdentifier(s); err != nil {
		return err
	}
	lower := strings.ToLower(s)
	switch {
	case reservedUsers[lower]:
		return fmt.Errorf("%q is reserved by PostgreSQL or RDS; choose another name such as \"app_admin\"", s)
	case strings.HasPrefix(lower, "pg_"), strings.HasPrefix(lower, "rds_"):
		return fmt.Errorf("%q starts with a prefix PostgreSQL or RDS reserves for its own roles (pg_, rds_)", s)
	case reservedWords[lower]:
		return fmt.Errorf("%q is a PostgreSQL reserved word", s)
	}
	return nil
}

// CheckDatabaseName applies the RDS for PostgreSQL database name rules.
func CheckDatabaseName(s string) error {
	if err := checkIdentifier(s); err != nil {
		return err
	}
	lower := strings.ToLower(s)
	switch {
	case reservedDatabases[lower]:
		return fmt.Errorf("%q already exists on every RDS instance; choose another name such as \"app\"", s)
	case reservedWords[lower]:
		return fmt.Errorf("%q is a PostgreSQL reserved word", s)
	}
	return nil
}

func checkIdentifier(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("must not be empty")
	case len(s) > maxIdentifierLen:
		return fmt.Errorf("%q is %d characters; PostgreSQL names are at most %d", s, len(s), maxIdentifierLen)
	case !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z'):
		return fmt.Errorf("%q must start with a letter", s)
	case !identifierRE.MatchString(s):
		return fmt.Errorf("%q may contain only letters, digits and underscores", s)
	}
	return nil
}

const (
	minutesPerDay  = 24 * 60
	minutesPerWeek = 7 * minutesPerDay
	// minWindow is the shortest backup or maintenance window RDS accepts.
	minWindow = 30
)

var (
	backupWindowRE      = regexp.MustCompile(`^([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})$`)
	maintenanceWindowRE = regexp.MustCompile(`^([a-z]{3}):([0-9]{2}):([0-9]{2})-([a-z]{3}):([0-9]{2}):([0-9]{2})$`)
	weekdays            = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
)

// Window is a span of minutes on a circular clock (a day or a week).
type Window struct{ start, length int }

// ParseBackupWindow parses a daily "hh24:mi-hh24:mi" window in UTC.
func ParseBackupWindow(s string) (Window, error) {
	m := backupWindowRE.FindStringSubmatch(s)
	if m == nil {
		return Window{}, fmt.Errorf("%q is not a daily window; use hh24:mi-hh24:mi in UTC, such as \"03:00-04:00\"", s)
	}
	start, err1 := clock(m[1], m[2])
	end, err2 := clock(m[3], m[4])
	if err1 != nil || err2 != nil {
		return Window{}, fmt.Errorf("%q has an invalid time; hours run 00-23 and minutes 00-59", s)
	}
	w := Window{start: start, length: mod(end-start, minutesPerDay)}
	if w.length < minWindow {
		return Window{}, fmt.Errorf("%q lasts %d minutes; RDS needs at least %d", s, w.length, minWindow)
	}
	return w, nil
}

// ParseMaintenanceWindow parses a weekly "ddd:hh24:mi-ddd:hh24:mi" window in UTC.
func ParseMaintenanceWindow(s string) (Window, error) {
	m := maintenanceWindowRE.FindStringSubmatch(s)
	if m == nil {
		return Window{}, fmt.Errorf("%q is not a weekly window; use ddd:hh24:mi-ddd:hh24:mi in UTC with lower-case days, such as \"sun:04:30-sun:05:30\"", s)
	}
	start, err1 := weekClock(m[1], m[2], m[3])
	end, err2 := weekClock(m[4], m[5], m[6])
	if err1 != nil || err2 != nil {
		return Window{}, fmt.Errorf("%q has an invalid day or time; days are mon..sun, hours 00-23, minutes 00-59", s)
	}
	w := Window{start: start, length: mod(end-start, minutesPerWeek)}
	if w.length < minWindow {
		return Window{}, fmt.Errorf("%q lasts %d minutes; RDS needs at least %d", s, w.length, minWindow)
	}
	return w, nil
}

// WindowsOverlap reports whether the daily backup window falls, on any day,
// inside the weekly maintenance window. RDS rejects overlapping windows.
func WindowsOverlap(backup, maintenance string) (bool, error) {
	b, err := ParseBackupWindow(backup)
	if err != nil {
		return false, err
	}
	m, err := ParseMaintenanceWindow(maintenance)
	if err != nil {
		return false, err
	}
	for day := 0; day < 7; day++ {
		daily := Window{start: day*minutesPerDay + b.start, length: b.length}
		if overlaps(daily, m, minutesPerWeek) {
			return true, nil
		}
	}
	return false, nil
}

// overlaps reports whether two spans on a circular clock of the given period
// share a minute.
func overlaps(a, b Window, period int) bool {
	return mod(b.start-a.start, period) < a.length || mod(a.start-b.start, period) < b.length
}

func clock(hh, mm string) (int, error) {
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	if h > 23 || m > 59 {
		return 0, fmt.Errorf("invalid time %s:%s", hh, mm)
	}
	return h*60 + m, nil
}

func weekClock(day, hh, mm string) (int, error) {
	for i, d := range weekdays {
		if d == day {
			t, err := clock(hh, mm)
			return i*minutesPerDay + t, err
		}
	}
	return 0, fmt.Errorf("invalid day %q", day)
}

func mod(a, n int) int { return ((a % n) + n) % n }

func setOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		m[s] = true
	}
	return m
}

// minorAnchor is a PostgreSQL release whose minors are known: the quarterly
// release of 2025-11-13. Later minors are counted from it.
var minorAnchor = struct {
	date   time.Time
	minors map[int]int
}{
	date:   time.Date(2025, 11, 13, 0, 0, 0, 0, time.UTC),
	minors: map[int]int{13: 23, 14: 20, 15: 15, 16: 11, 17: 7, 18: 1},
}

// finalRelease is the date of each major's last minor: PostgreSQL supports a
// major for five years, and its last minor comes with the November release.
var finalRelease = map[int]time.Time{
	13: time.Date(2025, 11, 13, 0, 0, 0, 0, time.UTC),
	14: time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC),
	15: time.Date(2027, 11, 11, 0, 0, 0, 0, time.UTC),
	16: time.Date(2028, 11, 9, 0, 0, 0, 0, time.UTC),
	17: time.Date(2029, 11, 8, 0, 0, 0, 0, time.UTC),
	18: time.Date(2030, 11, 14, 0, 0, 0, 0, time.UTC),
}

// LatestMinor is the highest minor of major that can exist by today:
// PostgreSQL releases minors on the second Thursday of February, May, August
// and November, and now and then out of cycle, so one more is allowed than
// the schedule gives. A minor above it has never been released.
func LatestMinor(major int, today time.Time) int {
	latest := minorAnchor.minors[major]
	for _, d := range quarterlyReleases(minorAnchor.date, today) {
		if end, ok := finalRelease[major]; ok && d.After(end) {
			break
		}
		latest++
	}
	if end, ok := finalRelease[major]; ok && today.After(end) {
		return latest
	}
	return latest + 1
}

// quarterlyReleases are the scheduled release days after from, up to today.
func quarterlyReleases(from, today time.Time) []time.Time {
	var out []time.Time
	for year := from.Year(); year <= today.Year(); year++ {
		for _, month := range []time.Month{time.February, time.May, time.August, time.November} {
			d := secondThursday(year, month)
			if d.After(from) && !d.After(today) {
				out = append(out, d)
			}
		}
	}
	return out
}

func secondThursday(year int, month time.Month) time.Time {
	d := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Thursday {
		d = d.AddDate(0, 0, 1)
	}
	return d.AddDate(0, 0, 7)
}

// CheckMinor refuses a major.minor that PostgreSQL has not released by today.
func (v EngineVersion) CheckMinor(today time.Time) error {
	if !v.PinsMinor() || today.IsZero() {
		return nil
	}
	if latest := LatestMinor(v.Major, today); v.Minor > latest {
		return fmt.Errorf("\"%d.%d\" is not a PostgreSQL %d release (the latest there can be on %s is %d.%d); give the major alone (\"%d\") to follow AWS's minor upgrades",
			v.Major, v.Minor, v.Major, today.Format(time.DateOnly), v.Major, latest, v.Major)
	}
	return nil
}

// DBInstanceClass is what rds-app needs to know of an RDS instance class.
type DBInstanceClass struct {
	Name         string
	Architecture string
	VCPUs        int
	MemoryMiB    int
	// Burstable classes (db.t3, db.t4g) spend CPU credits.
	Burstable bool
}

// postgresFamilies are the instance class families RDS for PostgreSQL runs
// on (single-AZ and Multi-AZ DB instances), after the AWS "Supported DB
// engines for DB instance classes" table, and the EC2 family whose sizes and
// specifications each matches. Add a family here when AWS adds one.
var postgresFamilies = map[string]string{
	"t3": "t3", "t4g": "t4g",
	"m5": "m5", "m5d": "m5d", "m6g": "m6g", "m6gd": "m6gd", "m6i": "m6i", "m6id": "m6id", "m6idn": "m6idn", "m6in": "m6in",
	"m7g": "m7g", "m7i": "m7i", "m8g": "m8g", "m8gd": "m8gd",
	"r5": "r5", "r5b": "r5b", "r5d": "r5d", "r6g": "r6g", "r6gd": "r6gd", "r6i": "r6i", "r6id": "r6id", "r6idn": "r6idn", "r6in": "r6in",
	"r7g": "r7g", "r7i": "r7i", "r8g": "r8g", "r8gd": "r8gd",
	"x2g": "x2gd", "x2idn": "x2idn", "x2iedn": "x2iedn", "x2iezn": "x2iezn",
}

// LookupDBInstanceClass returns the RDS for PostgreSQL class called name
// ("db.t4g.micro"). RDS offers the sizes of the matching EC2 family, but no
// nano or bare-metal size, and below large only in the burstable families.
func LookupDBInstanceClass(name string) (DBInstanceClass, bool) {
	rest, ok := strings.CutPrefix(name, "db.")
	if !ok {
		return DBInstanceClass{}, false
	}
	family, size, ok := strings.Cut(rest, ".")
	ec2Family, known := postgresFamilies[family]
	if !ok || !known || size == "nano" || strings.HasPrefix(size, "metal") {
		return DBInstanceClass{}, false
	}
	t, ok := ec2Types[ec2Family+"."+size]
	if !ok || (!t.Burstable && slices.Contains([]string{"micro", "small", "medium"}, size)) {
		return DBInstanceClass{}, false
	}
	return DBInstanceClass{Name: name, Architecture: t.Architecture, VCPUs: t.VCPUs, MemoryMiB: t.MemoryMiB, Burstable: t.Burstable}, true
}

// CheckInstanceClass accepts the RDS for PostgreSQL instance classes of
// LookupDBInstanceClass.
func CheckInstanceClass(s string) error {
	if _, ok := LookupDBInstanceClass(s); ok {
		return nil
	}
	rest, isDB := strings.CutPrefix(s, "db.")
	family, _, _ := strings.Cut(rest, ".")
	if _, known := postgresFamilies[family]; isDB && known {
		var sizes []string
		for _, size := range familySizes(postgresFamilies[family]) {
			if _, ok := LookupDBInstanceClass("db." + family + "." + size); ok {
				sizes = append(sizes, size)
			}
		}
		return fmt.Errorf("%s is not an RDS for PostgreSQL instance class; db.%s comes in %s", Quote(s), family, strings.Join(sizes, ", "))
	}
	return fmt.Errorf("%s is not an RDS for PostgreSQL instance class; use db.<family>.<size>, such as db.t4g.micro or db.m7g.large (families: %s)",
		Quote(s), strings.Join(PostgresFamilies(), ", "))
}

// PostgresFamilies are the class families RDS for PostgreSQL runs on, sorted.
func PostgresFamilies() []string {
	return slices.Sorted(maps.Keys(postgresFamilies))
}
