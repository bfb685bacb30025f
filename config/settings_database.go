package config

// This file holds the rds-app:database keys of the settings table: the RDS
// PostgreSQL instance, its backups and windows, its monitoring, the proxy and
// the read replicas.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// databaseSettings are the rds-app:database keys, in the order
// docs/configuration.md lists them.
var databaseSettings = []Setting{
	{
		Section: SectionDatabase, Name: "engineVersion", Kind: String,
		bind: stringField(func(c *Config) *string { return &c.Database.EngineVersion }, DefaultEngineVersion),
		Rule: fmt.Sprintf("a PostgreSQL major, %d to %d, or a released major.minor such as \"17.6\", without leading zeros", awsfacts.MinMajorVersion, awsfacts.MaxMajorVersion),
		Doc: "With a major only, AWS applies minor upgrades automatically and Pulumi shows no drift; a pinned minor turns automatic minor upgrades off, and AWS retires old minors " +
			"(a retired minor can no longer be created, and RDS upgrades running ones in a maintenance window), so pin only for a while. The parameter group family follows (`postgres17`). " +
			"A major past RDS standard support needs `extendedSupport`.",
		Example: "18", Effect: InPlace,
		check: func(v *checker, c *Config) {
			d := c.Database
			ev, err := awsfacts.ParseEngineVersion(d.EngineVersion)
			switch {
			case err != nil:
				v.fail("%v", err)
			case ev.CheckMinor(v.facts.Today) != nil:
				v.fail("%v", ev.CheckMinor(v.facts.Today))
			case !d.ExtendedSupport && !v.facts.Today.IsZero() && ev.PastStandardSupport(v.facts.Today):
				v.fail("%q is past RDS standard support (it ended %s), and RDS refuses it without paid Extended Support; upgrade to a supported major (%s), or set database.extendedSupport to true to pay for Extended Support",
					d.EngineVersion, ev.StandardSupportEnds(), DefaultEngineVersion)
			}
			// Apart from the rules above: a version both past standard
			// support and without RDS Proxy has two problems.
			if err == nil && d.Proxy && v.isSet("database.engineVersion") {
				if err := awsfacts.CheckProxyEngine(ev); err != nil {
					v.failFix(fmt.Sprint(awsfacts.ProxyPostgresMajors[len(awsfacts.ProxyPostgresMajors)-1]),
						"%q with database.proxy true: %v; choose one of those, or set database.proxy to false", d.EngineVersion, err)
				}
			}
		},
	},
	{
		Section: SectionDatabase, Name: "instanceClass", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.Database.InstanceClass }, DefaultInstanceClass),
		Rule:    "an RDS for PostgreSQL class, db.<family>.<size>",
		Doc:     "The instance class. Graviton (`g`) classes cost less for the same size.",
		Example: "db.t4g.small", Effect: InPlace,
		check: func(v *checker, c *Config) {
			d := c.Database
			if err := awsfacts.CheckInstanceClass(d.InstanceClass); err != nil {
				v.fail("%v", err)
			} else if err := awsfacts.CheckProxyInstanceClass(d.InstanceClass); d.Proxy && v.isSet("database.instanceClass") && err != nil {
				v.fail("%q with database.proxy true: %v; choose one of those, or set database.proxy to false", d.InstanceClass, err)
			}
		},
	},
	{
		Section: SectionDatabase, Name: "allocatedStorage", Kind: Integer, Unit: "GiB",
		bind:    intField(func(c *Config) *int { return &c.Database.AllocatedStorage }, DefaultAllocatedStorage),
		Rule:    fmt.Sprintf("%d to %d", awsfacts.MinAllocatedStorage, awsfacts.MaxAllocatedStorage),
		Doc:     "The starting storage: gp3, encrypted with the stack's KMS key.",
		Example: 30, Effect: InPlace,
		check: func(v *checker, c *Config) {
			v.between(c.Database.AllocatedStorage, awsfacts.MinAllocatedStorage, awsfacts.MaxAllocatedStorage, " GiB")
		},
	},
	{
		Section: SectionDatabase, Name: "maxAllocatedStorage", Kind: Integer, Unit: "GiB",
		bind: intField(func(c *Config) *int { return &c.Database.MaxAllocatedStorage }, DefaultMaxAllocatedStorage),
		Rule: fmt.Sprintf("at least %d %% of allocatedStorage (rounded up), at most %d", awsfacts.StorageCeilingPercent, awsfacts.MaxAllocatedStorage),
		Doc:  "The storage autoscaling ceiling: RDS grows the storage up to it when free space runs low.",
		// Dev's ceiling is 50.
		Example: 100, Effect: InPlace,
		check: func(v *checker, c *Config) {
			d := c.Database
			least := (d.AllocatedStorage*awsfacts.StorageCeilingPercent + 99) / 100
			switch {
			case d.MaxAllocatedStorage > awsfacts.MaxAllocatedStorage:
				v.fail("%d GiB is above the RDS maximum of %d GiB", d.MaxAllocatedStorage, awsfacts.MaxAllocatedStorage)
			case d.MaxAllocatedStorage < least:
				v.failFix(least, "%d GiB is less than %d %% of allocatedStorage (%d GiB), which RDS refuses", d.MaxAllocatedStorage, awsfacts.StorageCeilingPercent, d.AllocatedStorage)
			}
		},
	},
	{
		Section: SectionDatabase, Name: "port", Kind: Integer,
		bind:    intField(func(c *Config) *int { return &c.Database.Port }, DefaultDatabasePort),
		Rule:    fmt.Sprintf("%d to 65535", awsfacts.MinDatabasePort),
		Doc:     "The PostgreSQL port.",
		Example: 5433, Effect: Redeploys,
		check: func(v *checker, c *Config) { v.between(c.Database.Port, awsfacts.MinDatabasePort, 65535, "") },
	},
	{
		Section: SectionDatabase, Name: "username", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.Database.Username }, DefaultUsername),
		Rule:    "starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word",
		Doc:     "The master user. Fixed at creation (see below).",
		Example: "other_admin", Effect: ReplacesDatabase,
		check: func(v *checker, c *Config) {
			if err := awsfacts.CheckUsername(c.Database.Username); err != nil {
				v.fail("%v", err)
			}
		},
	},
	{
		Section: SectionDatabase, Name: "name", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.Database.Name }, DefaultDatabaseName),
		Rule:    "the username's character rules; not postgres, template0, template1, rdsadmin or a reserved word",
		Doc:     "The database created on the instance. Fixed at creation (see below).",
		Example: "other", Effect: ReplacesDatabase,
		check: func(v *checker, c *Config) {
			if err := awsfacts.CheckDatabaseName(c.Database.Name); err != nil {
				v.fail("%v", err)
			}
		},
	},
	{
		Section: SectionDatabase, Name: "backupRetentionDays", Kind: Integer, Unit: "days",
		bind:    intField(func(c *Config) *int { return &c.Database.BackupRetentionDays }, DefaultBackupRetentionDays),
		Rule:    fmt.Sprintf("%d to %d, and at least %d with deletionProtection", awsfacts.MinBackupRetention, awsfacts.MaxBackupRetention, protectedMinBackupRetention),
		Doc:     "How long automated backups (point-in-time recovery) are kept.",
		Example: 10, Effect: InPlace,
		check: func(v *checker, c *Config) {
			d := c.Database
			switch {
			case d.BackupRetentionDays < awsfacts.MinBackupRetention || d.BackupRetentionDays > awsfacts.MaxBackupRetention:
				v.fail("%d is outside %d..%d", d.BackupRetentionDays, awsfacts.MinBackupRetention, awsfacts.MaxBackupRetention)
			case d.DeletionProtection && d.BackupRetentionDays < protectedMinBackupRetention:
				v.fail("%d is below %d, the minimum for a stack with deletionProtection", d.BackupRetentionDays, protectedMinBackupRetention)
			}
		},
	},
	{
		Section: SectionDatabase, Name: "backupWindow", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.Database.BackupWindow }, DefaultBackupWindow),
		Rule:    "daily, UTC, hh24:mi-hh24:mi, at least 30 minutes, apart from maintenanceWindow",
		Doc:     "When RDS takes the daily backup.",
		Example: "02:00-02:30", Effect: InPlace,
		check: func(v *checker, c *Config) {
			d := c.Database
			if _, err := awsfacts.ParseBackupWindow(d.BackupWindow); err != nil {
				v.fail("%v", err)
				return
			}
			if overlap, err := awsfacts.WindowsOverlap(d.BackupWindow, d.MaintenanceWindow); err == nil && overlap {
				v.fail("%q overlaps maintenanceWindow %q; RDS needs them apart", d.BackupWindow, d.MaintenanceWindow)
			}
		},
	},
	{
		Section: SectionDatabase, Name: "maintenanceWindow", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.Database.MaintenanceWindow }, DefaultMaintenanceWindow),
		Rule:    "weekly, UTC, ddd:hh24:mi-ddd:hh24:mi with lower-case days, at least 30 minutes",
		Doc:     "When RDS may apply held changes and patches.",
		Example: "sat:04:30-sat:05:30", Effect: InPlace,
		check: func(v *checker, c *Config) {
			if _, err := awsfacts.ParseMaintenanceWindow(c.Database.MaintenanceWindow); err != nil {
				v.fail("%v", err)
			}
		},
	},
	{
		Section: SectionDatabase, Name: "multiAz", Kind: Boolean,
		bind:    boolField(func(c *Config) *bool { return &c.Database.MultiAZ }, false),
		Doc:     "A synchronous standby in another zone, with automatic failover.",
		Example: true, Effect: InPlace,
	},
	{
		Section: SectionDatabase, Name: "deletionProtection", Kind: Boolean,
		bind:    boolField(func(c *Config) *bool { return &c.Database.DeletionProtection }, false),
		Doc:     "Blocks deleting the instance, in AWS and through Pulumi's `protect`.",
		Example: true, Effect: InPlace,
	},
	{
		Section: SectionDatabase, Name: "skipFinalSnapshot", Kind: Boolean,
		bind: boolField(func(c *Config) *bool { return &c.Database.SkipFinalSnapshot }, false),
		Doc: "When `false`, deleting the instance takes a final snapshot named `<identifier>-final`; the identifier carries a random suffix made once per stack, " +
			"so it never collides with an earlier stack's.",
		Example: false, Effect: InPlace,
	},
	{
		Section: SectionDatabase, Name: "applyImmediately", Kind: Boolean,
		bind:    boolField(func(c *Config) *bool { return &c.Database.ApplyImmediately }, false),
		Doc:     "`false` holds changes for the maintenance window.",
		Example: false, Effect: InPlace,
	},
	{
		Section: SectionDatabase, Name: "extendedSupport", Kind: Boolean,
		bind: boolField(func(c *Config) *bool { return &c.Database.ExtendedSupport }, false),
		Doc: "Accept paid [RDS Extended Support](https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/extended-support.html) for a major past RDS standard support (" +
			supportCalendar() + "). Off, such a major is refused with the date, and the instance says so explicitly (`engineLifecycleSupport`), so RDS never enrols it silently.",
		Example: true, Effect: InPlace,
	},
	{
		Section: SectionDatabase, Name: "monitoringInterval", Kind: Integer, Unit: "seconds",
		bind:    intField(func(c *Config) *int { return &c.Database.MonitoringInterval }, DefaultMonitoringInterval),
		Rule:    "0 (off), " + awsfacts.JoinInts(awsfacts.MonitoringIntervals[1:]),
		Doc:     "Enhanced Monitoring; on, it gets its own IAM role.",
		Example: 30, Effect: InPlace,
		check: func(v *checker, c *Config) {
			if !slices.Contains(awsfacts.MonitoringIntervals, c.Database.MonitoringInterval) {
				v.fail("%d is not an Enhanced Monitoring interval", c.Database.MonitoringInterval)
			}
		},
	},
	{
		Section: SectionDatabase, Name: "logRetentionDays", Kind: Integer, Unit: "days",
		bind:    intField(func(c *Config) *int { return &c.Database.LogRetentionDays }, DefaultLogRetentionDays),
		Rule:    retentionRule,
		Doc:     "How long the exported `postgresql` and `upgrade` logs are kept.",
		Example: 14, Effect: InPlace,
		check: func(v *checker, c *Config) { v.retention(c.Database.LogRetentionDays) },
	},
	{
		Section: SectionDatabase, Name: "insightsMode", Kind: String,
		bind: stringField(func(c *Config) *string { return &c.Database.InsightsMode }, DefaultInsightsMode),
		Rule: "standard or advanced; advanced needs monitoringInterval above 0",
		Doc: "[Database Insights](https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DatabaseInsights.html), always stated on the instance: Performance Insights' own console reached end of life on 2026-07-31, and its data is read in CloudWatch Database Insights. " +
			"`standard` is free and keeps Performance Insights 7 days; `advanced` is charged per vCPU-hour, keeps it 465 days (15 months, as AWS requires) and shows the operating system's processes from Enhanced Monitoring, hence needs `monitoringInterval`. Both use the stack's KMS key.",
		Example: "advanced", ExampleNeeds: map[string]any{"database.monitoringInterval": 60}, Effect: InPlace,
		check: func(v *checker, c *Config) {
			d := c.Database
			switch {
			case !slices.Contains(awsfacts.DatabaseInsightsModes, d.InsightsMode):
				v.fail("%s is not a Database Insights mode", awsfacts.Quote(d.InsightsMode))
			case d.InsightsMode == "advanced" && d.MonitoringInterval == 0:
				v.fail("%q needs Enhanced Monitoring, which shows it the operating system's processes, but database.monitoringInterval is 0; set it to %s", d.InsightsMode, awsfacts.JoinInts(awsfacts.MonitoringIntervals[1:]))
			}
		},
	},
	{
		Section: SectionDatabase, Name: "passwordVersion", Kind: Integer,
		bind: intField(func(c *Config) *int { return &c.Database.PasswordVersion }, DefaultPasswordVersion),
		Rule: "a whole number from 1; raise it by one to rotate the password",
		Doc: "Numbers the generated master password. A change generates a new password, sets it on the instance in place (RDS applies it at once and without an outage, whatever `applyImmediately` says), " +
			"stores it in the connection secret and redeploys the container with it: see [Rotating the database password](#rotating-the-database-password).",
		Example: 2, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			if c.Database.PasswordVersion < 1 {
				v.fail("%d is below 1", c.Database.PasswordVersion)
			}
		},
	},

	{
		Section: SectionDatabase, Name: "proxy", Kind: Boolean,
		bind: boolField(func(c *Config) *bool { return &c.Database.Proxy }, false),
		Doc: "An RDS Proxy in the private subnets pools the application's connections (and holds them through a failover): TLS required, its own security group " +
			"that admits only the hosts, and the only way to the instance. The connection secret (and so `DATABASE_URL`) then names the proxy's endpoint on port 5432. " +
			"An `engineVersion` or `instanceClass` RDS Proxy does not support is refused with it (as AWS documents RDS Proxy, it takes every major and class allowed above).",
		Example: true, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			// A defaulted engine version or class RDS Proxy refuses is the
			// proxy's problem: the user typed only database.proxy.
			d := c.Database
			if !d.Proxy {
				return
			}
			if ev, err := awsfacts.ParseEngineVersion(d.EngineVersion); err == nil && !v.isSet("database.engineVersion") {
				if err := awsfacts.CheckProxyEngine(ev); err != nil {
					v.fail("true needs an engine RDS Proxy supports, but database.engineVersion is %q (the default): %v; set database.engineVersion to one of those", d.EngineVersion, err)
				}
			}
			if awsfacts.CheckInstanceClass(d.InstanceClass) == nil && !v.isSet("database.instanceClass") {
				if err := awsfacts.CheckProxyInstanceClass(d.InstanceClass); err != nil {
					v.fail("true needs a class RDS Proxy runs with, but database.instanceClass is %q (the default): %v; set database.instanceClass to one of those", d.InstanceClass, err)
				}
			}
		},
	},
	{
		Section: SectionDatabase, Name: "proxyIamAuth", Kind: Boolean,
		bind: boolField(func(c *Config) *bool { return &c.Database.ProxyIAMAuth }, false),
		Rule: "true needs proxy",
		Doc: "The proxy requires an IAM authentication token instead of the password; the hosts' role may `rds-db:connect` as the master user. " +
			"The application must then connect with a token (`aws rds generate-db-auth-token`, or the AWS SDK's signer): the password in `DATABASE_URL` is refused. `rds-app-db` signs in with a token by itself.",
		Example: true, ExampleNeeds: map[string]any{"database.proxy": true}, Effect: InPlace,
		check: func(v *checker, c *Config) {
			if c.Database.ProxyIAMAuth && !c.Database.Proxy {
				v.fail("true needs database.proxy: IAM authentication is the proxy's; set database.proxy to true")
			}
		},
	},
	{
		Section: SectionDatabase, Name: "readReplicas", Kind: Integer,
		bind: intField(func(c *Config) *int { return &c.Database.ReadReplicas }, 0),
		Rule: fmt.Sprintf("0 to %d", maxReadReplicas),
		Doc: "Read replicas of the instance, in zones other than its own, encrypted with the same key, reached by the hosts directly. " +
			"The application gets their endpoints as `DATABASE_READ_HOSTS` and `DATABASE_READ_URLS` (comma-separated, in order).",
		Example: 1, Effect: Redeploys,
		check: func(v *checker, c *Config) { v.between(c.Database.ReadReplicas, 0, maxReadReplicas, "") },
	},
}

const (
	// maxReadReplicas: RDS allows up to 15 per instance; more than a few
	// belong on Aurora (see docs/deploys.md, "Growing further").
	maxReadReplicas = 5
	// protectedMinBackupRetention is the least retention a stack that
	// protects its database from deletion may keep.
	protectedMinBackupRetention = 7
)

func supportCalendar() string {
	var parts []string
	for major := awsfacts.MinMajorVersion; major <= awsfacts.MaxMajorVersion; major++ {
		ev := awsfacts.EngineVersion{Major: major, Minor: -1}
		parts = append(parts, fmt.Sprintf("%d: %s", major, ev.StandardSupportEnds()))
	}
	return "standard support ends " + strings.Join(parts, ", ")
}
