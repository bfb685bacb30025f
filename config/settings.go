package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/cidr"
)

// Settings is every configuration key of rds-app, in the order README lists
// them. Adding a key means adding it here, using it in its component, and
// testing it; README and Pulumi.yaml are regenerated from this table
// (`go generate ./...`), and a test fails until they are.
var Settings = []Setting{
	// rds-app:network
	{
		Section: SectionNetwork, Name: "cidr", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.Network.CIDR }, DefaultVPCCIDR),
		Rule:    "an IPv4 network address in private or shared space, /16 to /24",
		Doc:     "The VPC block. It is split into 16 equal blocks: public subnets take blocks 0.., private 8.. (a /16 gives /20 subnets), leaving the rest for growth.",
		Example: "10.1.0.0/16", Effect: ReplacesHost,
		check: func(v *checker, c *Config) {
			if _, err := cidr.ParseVPC(c.Network.CIDR); err != nil {
				v.fail("%v", err)
				return
			}
			if c.Network.AZCount >= minAZCount && c.Network.AZCount <= cidr.MaxZones {
				if _, err := cidr.PlanSubnets(c.Network.CIDR, c.Network.AZCount); err != nil {
					v.fail("%v", err)
				}
			}
		},
	},
	{
		Section: SectionNetwork, Name: "azCount", Kind: Integer,
		bind:    intField(func(c *Config) *int { return &c.Network.AZCount }, DefaultAZCount),
		Default: fmt.Sprintf("`%d` (or the length of `availabilityZones`)", DefaultAZCount),
		Rule:    fmt.Sprintf("%d to the zones the region offers (at most %d)", minAZCount, cidr.MaxZones),
		Doc:     "How many availability zones get a public and a private subnet.",
		Example: 3, Effect: InPlace,
		check: func(v *checker, c *Config) {
			n, zones := c.Network.AZCount, v.facts.AvailabilityZones
			switch {
			case n < minAZCount:
				v.fail("%d is below the minimum of %d", n, minAZCount)
			case n > cidr.MaxZones:
				v.fail("%d is above the maximum of %d", n, cidr.MaxZones)
			case len(zones) > 0 && n > len(zones):
				v.fail("%d is above the %d availability zones %s offers (%s)", n, len(zones), v.facts.Region, strings.Join(zones, ", "))
			}
		},
	},
	{
		Section: SectionNetwork, Name: "availabilityZones", Kind: StringList,
		bind:    listField(func(c *Config) *[]string { return &c.Network.AvailabilityZones }, nil),
		Default: "the region's first `azCount` zones",
		Rule:    "zones of the stack's region, no repeats, as many as azCount; the first holds the host and must offer app.instanceType",
		Doc:     "The zones to use, in order.",
		Example: []string{"eu-west-1b", "eu-west-1c"}, Effect: ReplacesHost,
		check: func(v *checker, c *Config) {
			zones, region := c.Network.AvailabilityZones, v.facts.AvailabilityZones
			if v.isSet("network.availabilityZones") {
				if v.isSet("network.azCount") && len(zones) != c.Network.AZCount {
					v.fail("lists %d zones but azCount is %d; set one or make them agree", len(zones), c.Network.AZCount)
				}
				for i, z := range zones {
					item := fmt.Sprintf("[%d]", i)
					switch {
					case slices.Index(zones, z) != i:
						v.failAt(item, "%s is listed twice; each zone holds one public and one private subnet", awsfacts.Quote(z))
					case len(region) > 0 && !slices.Contains(region, z):
						v.failAt(item, "%s is not an availability zone of %s; it offers %s", awsfacts.Quote(z), v.facts.Region, strings.Join(region, ", "))
					}
				}
			}
		},
	},
	{
		Section: SectionNetwork, Name: "ingressCidrs", Kind: StringList,
		bind: listField(func(c *Config) *[]string { return &c.Network.IngressCIDRs }, DefaultIngressCIDRs),
		Rule: fmt.Sprintf("1 to %d distinct IPv4 CIDR blocks given as network addresses (each is a security group rule; a group holds %d)",
			awsfacts.SecurityGroupRules, awsfacts.SecurityGroupRules),
		Doc:     "Who may reach `app.hostPort` (with `app.domain`: 443; port 80, which then only answers ACME's challenge and redirects, is open to everyone).",
		Example: []string{"203.0.113.0/24"}, Effect: InPlace,
		check: func(v *checker, c *Config) {
			list := c.Network.IngressCIDRs
			switch {
			case len(list) == 0:
				v.fail("is empty, so no one could reach the application; list who may, such as [\"0.0.0.0/0\"] for everyone")
			case len(list) > awsfacts.SecurityGroupRules:
				v.fail("lists %d blocks, above the %d rules a security group holds", len(list), awsfacts.SecurityGroupRules)
			}
			for i, s := range list {
				item := fmt.Sprintf("[%d]", i)
				if err := checkIngressCIDR(s); err != nil {
					v.failAt(item, "%v", err)
				} else if slices.Index(list, s) != i {
					v.failAt(item, "%q is listed twice", s)
				}
			}
		},
	},
	{
		Section: SectionNetwork, Name: "flowLogRetentionDays", Kind: Integer, Unit: "days",
		bind:    intField(func(c *Config) *int { return &c.Network.FlowLogRetentionDays }, DefaultLogRetentionDays),
		Rule:    retentionRule,
		Doc:     "How long CloudWatch Logs keeps the VPC flow logs.",
		Example: 14, Effect: InPlace,
		check: func(v *checker, c *Config) { v.retention(c.Network.FlowLogRetentionDays) },
	},

	// rds-app:database
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
		},
	},
	{
		Section: SectionDatabase, Name: "instanceClass", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.Database.InstanceClass }, DefaultInstanceClass),
		Rule:    "an RDS for PostgreSQL class, db.<family>.<size>",
		Doc:     "The instance class. Graviton (`g`) classes cost less for the same size.",
		Example: "db.t4g.small", Effect: InPlace,
		check: func(v *checker, c *Config) {
			if err := awsfacts.CheckInstanceClass(c.Database.InstanceClass); err != nil {
				v.fail("%v", err)
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
		Rule:    "0 (off), " + joinInts(awsfacts.MonitoringIntervals[1:]),
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
				v.fail("%q needs Enhanced Monitoring, which shows it the operating system's processes, but database.monitoringInterval is 0; set it to %s", d.InsightsMode, joinInts(awsfacts.MonitoringIntervals[1:]))
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
			"that admits only the hosts, and the only way to the instance. The connection secret (and so `DATABASE_URL`) then names the proxy's endpoint on port 5432.",
		Example: true, Effect: Redeploys,
	},
	{
		Section: SectionDatabase, Name: "proxyIamAuth", Kind: Boolean,
		bind: boolField(func(c *Config) *bool { return &c.Database.ProxyIAMAuth }, false),
		Rule: "true needs proxy",
		Doc: "The proxy requires an IAM authentication token instead of the password; the hosts' role may `rds-db:connect` as the master user. " +
			"The application must then connect with a token (`aws rds generate-db-auth-token`, or the AWS SDK's signer): the password in `DATABASE_URL` is refused.",
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

	// rds-app:app
	{
		Section: SectionApp, Name: "image", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.Image }, ""),
		Default: "**required**",
		Rule:    "registry/repository:tag or registry/repository@sha256:(64 hex digits), with an explicit tag or digest and a lower-case registry host",
		Doc: "The application's image. Private ECR images get an ECR login and pull rights on exactly that repository; others are pulled anonymously. " +
			"An image in account " + PlaceholderAccount + " (the example's placeholder) is refused.",
		Example: "public.ecr.aws/docker/library/nginx:1.29-alpine", Effect: Redeploys,
		check: func(v *checker, c *Config) {
			if !v.isSet("app.image") {
				v.fail("is required; set it with `pulumi config set --path app.image <registry/repository:tag>`")
				return
			}
			img, err := awsfacts.ParseImage(c.App.Image)
			switch {
			case err != nil:
				v.fail("%v", err)
			case img.ECR != nil && img.ECR.Account == PlaceholderAccount:
				// The shipped prod stack names this account until the user
				// sets their image; deployed, the host would restart-loop on
				// a pull that can never succeed.
				v.fail("%q is in account %s, the placeholder of the example stacks (AWS's documentation account); set your own image: `pulumi config set --path app.image <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`",
					c.App.Image, PlaceholderAccount)
			}
		},
	},
	{
		Section: SectionApp, Name: "hosts", Kind: Integer,
		bind: intField(func(c *Config) *int { return &c.App.Hosts }, DefaultHosts),
		Rule: fmt.Sprintf("1 to %d; not with scaling", maxHosts),
		Doc: "How many hosts run the application. 1 is one host with an Elastic IP, deployed by a blue/green swap on the host. " +
			"2 or more run the same host definition in an Auto Scaling group across the public subnets behind an Application Load Balancer, deployed by a rolling instance refresh: " +
			"see [Scaling out](#scaling-out), which also says what a switch between the two modes replaces.",
		Example: 2, Effect: ReplacesHostWithGroup,
		check: func(v *checker, c *Config) { v.between(c.App.Hosts, 1, maxHosts, "") },
	},
	{
		Section: SectionApp, Name: "scaling", Kind: ScalingObject,
		bind:    scalingField(func(c *Config) **Scaling { return &c.App.Scaling }),
		Default: "none: a fixed `hosts`",
		Rule: fmt.Sprintf("min 1 to %d, max above min and at most %d, and one target: targetCpu %d to %d (average CPU percent) or targetRequests 1 to %d (requests per host per minute); not with hosts",
			maxHosts, maxHosts, minTargetCPU, maxTargetCPU, maxTargetRequests),
		Doc: "Lets the Auto Scaling group (and with it the load balancer, as for `hosts` of 2 or more) grow and shrink between `min` and `max` hosts by target tracking: " +
			"on the hosts' average CPU, or on the load balancer's requests per host.",
		Example: map[string]int{"min": 2, "max": 4, "targetCpu": 60}, Effect: ReplacesHostWithGroup,
		check: func(v *checker, c *Config) {
			sc := c.App.Scaling
			if sc == nil {
				return
			}
			if v.isSet("app.hosts") {
				v.fail("is set and so is app.hosts (%d); set one of them: scaling's min and max bound the group", c.App.Hosts)
			}
			if sc.Min < 1 || sc.Min > maxHosts {
				v.failAt(".min", "%d is outside 1..%d", sc.Min, maxHosts)
			}
			switch {
			case sc.Max > maxHosts:
				v.failAt(".max", "%d is above %d", sc.Max, maxHosts)
			case sc.Max <= sc.Min:
				v.failAt(".max", "%d is not above min (%d); for a fixed number of hosts set app.hosts instead", sc.Max, sc.Min)
			}
			switch {
			case sc.TargetCPU == 0 && sc.TargetRequests == 0:
				v.fail("sets no target; set targetCpu (average CPU percent) or targetRequests (requests per host per minute)")
			case sc.TargetCPU != 0 && sc.TargetRequests != 0:
				v.fail("sets both targetCpu and targetRequests; target tracking on both makes the group follow whichever asks for more hosts, set one")
			case sc.TargetCPU != 0 && (sc.TargetCPU < minTargetCPU || sc.TargetCPU > maxTargetCPU):
				v.failAt(".targetCpu", "%d is outside %d..%d", sc.TargetCPU, minTargetCPU, maxTargetCPU)
			case sc.TargetRequests < 0 || sc.TargetRequests > maxTargetRequests:
				v.failAt(".targetRequests", "%d is outside 1..%d", sc.TargetRequests, maxTargetRequests)
			}
		},
	},
	{
		Section: SectionApp, Name: "instanceType", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.InstanceType }, DefaultInstanceType),
		Rule:    "an EC2 instance type offered in the host's zone (in every zone, with a load balancer)",
		Doc:     "The host's type. Graviton types (`t4g`, `m7g`, ...) get an arm64 AMI, others x86_64; the image must support that architecture.",
		Example: "t4g.small", Effect: InPlace,
		check: func(v *checker, c *Config) {
			if err := awsfacts.CheckInstanceType(c.App.InstanceType); err != nil {
				v.fail("%v", err)
				return
			}
			v.hostZoneOffers(c)
		},
	},
	{
		Section: SectionApp, Name: "amiId", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.AMIID }, ""),
		Default: "the latest Amazon Linux 2023 when the host is created",
		Rule:    "an AMI ID, ami- and 8 or 17 hex digits, of Amazon Linux 2023 for the instance type's architecture",
		Doc: "Pins the AMI. Unpinned, the host keeps the AMI it was created from: a new Amazon Linux release changes nothing until you ask. " +
			"The `latestAmi` output shows the newest release; to move to it, set `amiId` to that value (this replaces the host; its address stays).",
		// Another Amazon Linux 2023 arm64 AMI that moto knows (the latest is
		// ami-00602d9e13dfdc4bd).
		Example: "ami-0f11cbb02d426f673", Effect: ReplacesHost,
		check: func(v *checker, c *Config) {
			if v.isSet("app.amiId") {
				if err := awsfacts.CheckAMI(c.App.AMIID); err != nil {
					v.fail("%v; leave amiId unset to use the latest Amazon Linux 2023", err)
				}
			}
		},
	},
	{
		Section: SectionApp, Name: "hostPort", Kind: Integer,
		bind:    intField(func(c *Config) *int { return &c.App.HostPort }, DefaultHostPort),
		Rule:    "1 to 65535, except the host's own " + hostPortsText(),
		Doc:     "The port the proxy serves plain HTTP on, opened to `network.ingressCidrs`; the application's own port is never published. With `domain` it stays 80: HTTPS is served on 443 and 80 redirects to it.",
		Example: 8080, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			p := c.App.HostPort
			if service, taken := awsfacts.HostPorts[p]; taken {
				v.fail("%d is taken on the host by %s", p, service)
				return
			}
			v.between(p, 1, 65535, "")
			if c.App.Domain != "" && p != DefaultHostPort {
				v.fail("%d is not used with app.domain: HTTPS is served on 443 and %d redirects to it; remove hostPort", p, DefaultHostPort)
			}
		},
	},
	{
		Section: SectionApp, Name: "containerPort", Kind: Integer,
		bind:    intField(func(c *Config) *int { return &c.App.ContainerPort }, DefaultContainerPort),
		Rule:    "1 to 65535",
		Doc:     "Where the application listens inside the container.",
		Example: 8080, Effect: Redeploys,
		check: func(v *checker, c *Config) { v.between(c.App.ContainerPort, 1, 65535, "") },
	},
	{
		Section: SectionApp, Name: "healthCheckPath", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.HealthCheckPath }, DefaultHealthCheckPath),
		Rule:    fmt.Sprintf("a URL path starting with /, at most %d characters, with an optional ?query", maxHealthCheckPath),
		Doc:     "Asked on the new container at every deploy, beside the running one: the proxy switches to it once this answers 2xx or 3xx; otherwise it is removed, the old one keeps serving, and the deploy fails with its last log lines.",
		Example: "/healthz", Effect: Redeploys,
		check: func(v *checker, c *Config) {
			p := c.App.HealthCheckPath
			switch {
			case len(p) > maxHealthCheckPath:
				v.fail("%s is longer than %d characters", awsfacts.Quote(p), maxHealthCheckPath)
			case !healthPathRE.MatchString(p):
				v.fail("%s is not a URL path (it starts with / and holds only URL characters, no spaces or #)", awsfacts.Quote(p))
			}
		},
	},
	{
		Section: SectionApp, Name: "healthCheckTimeout", Kind: Integer, Unit: "seconds",
		bind: intField(func(c *Config) *int { return &c.App.HealthCheckTimeout }, DefaultHealthCheckTimeout),
		Rule: fmt.Sprintf("%d to %d", minHealthCheckTimeout, maxHealthCheckTimeout),
		Doc:  "How long a new container has to become healthy before the deploy gives up on it (the old one keeps serving).",
		// Long enough for the slowest boots; with drainSeconds and the image
		// pull it fits the 20 minutes `pulumi up` waits for a rollout.
		Example: 180, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			v.between(c.App.HealthCheckTimeout, minHealthCheckTimeout, maxHealthCheckTimeout, "")
		},
	},
	{
		Section: SectionApp, Name: "healthCheckInterval", Kind: Integer, Unit: "seconds",
		bind:    intField(func(c *Config) *int { return &c.App.HealthCheckInterval }, DefaultHealthCheckInterval),
		Rule:    fmt.Sprintf("1 to %d, less than healthCheckTimeout", maxHealthCheckInterval),
		Doc:     fmt.Sprintf("The time between two health checks of a new container; each check waits at most %d seconds for an answer.", HealthCheckRequestSeconds),
		Example: 5, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			n := c.App.HealthCheckInterval
			switch {
			case n < 1 || n > maxHealthCheckInterval:
				v.fail("%d is outside 1..%d", n, maxHealthCheckInterval)
			case n >= c.App.HealthCheckTimeout && c.App.HealthCheckTimeout >= minHealthCheckTimeout:
				v.fail("%d is not less than healthCheckTimeout (%d), so a new container would be checked once at most", n, c.App.HealthCheckTimeout)
			}
		},
	},
	{
		Section: SectionApp, Name: "healthCheckRetries", Kind: Integer,
		bind: intField(func(c *Config) *int { return &c.App.HealthCheckRetries }, DefaultHealthCheckRetries),
		Rule: fmt.Sprintf("1 to %d", maxHealthCheckRetries),
		Doc: "How many answers other than 2xx or 3xx in a row refuse a new container before healthCheckTimeout. " +
			"A container that does not answer at all yet (still starting) is waited for.",
		Example: 5, Effect: Redeploys,
		check: func(v *checker, c *Config) { v.between(c.App.HealthCheckRetries, 1, maxHealthCheckRetries, "") },
	},
	{
		Section: SectionApp, Name: "drainSeconds", Kind: Integer, Unit: "seconds",
		bind: intField(func(c *Config) *int { return &c.App.DrainSeconds }, DefaultDrainSeconds),
		Rule: fmt.Sprintf("1 to %d", maxDrainSeconds),
		Doc: "After the proxy switches to the new container, how long requests in flight on the old one may take to finish " +
			"(the proxy's grace period; longer ones, such as WebSockets, are then closed) before the old container is stopped.",
		Example: 30, Effect: Redeploys,
		check: func(v *checker, c *Config) { v.between(c.App.DrainSeconds, 1, maxDrainSeconds, "") },
	},
	{
		Section: SectionApp, Name: "proxyImage", Kind: String,
		bind: stringField(func(c *Config) *string { return &c.App.ProxyImage }, DefaultProxyImage),
		Rule: "a public image reference with an explicit tag or digest, as for image, of Caddy 2.6 or later",
		Doc: "The reverse proxy in front of the application: Caddy's official image, pinned to a release. Set it to move to another release " +
			"or to pin a digest; the host pulls it anonymously. A change restarts the proxy, which refuses connections while it starts.",
		Example: "public.ecr.aws/docker/library/caddy:2.10.2", Effect: Redeploys,
		check: func(v *checker, c *Config) {
			img, err := awsfacts.ParseImage(c.App.ProxyImage)
			switch {
			case err != nil:
				v.fail("%v", err)
			case img.ECR != nil:
				v.fail("%s is in a private ECR registry; the host pulls the proxy anonymously, so use a public image such as %q",
					awsfacts.Quote(c.App.ProxyImage), DefaultProxyImage)
			}
		},
	},
	{
		Section: SectionApp, Name: "domain", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.Domain }, ""),
		Default: "none: plain HTTP on `hostPort`",
		Rule:    fmt.Sprintf("a DNS name of lower-case labels, at most %d characters (%d behind a load balancer), not an IP address", awsfacts.MaxDomainName, awsfacts.MaxCertificateDomainName),
		Doc: "Serves the application over HTTPS on this name: the proxy obtains a certificate from Let's Encrypt and renews it, serves 443, " +
			"redirects 80 to 443 and sends HSTS. Point the name at the Elastic IP (`publicIp`), or set `hostedZoneId`; see [HTTPS](#https).",
		Example: "app.example.com", Effect: Redeploys,
		check: func(v *checker, c *Config) {
			if v.isSet("app.domain") {
				if err := awsfacts.CheckDomainName(c.App.Domain); err != nil {
					v.fail("%v", err)
				} else if c.App.LoadBalanced() && len(c.App.Domain) > awsfacts.MaxCertificateDomainName {
					v.fail("%q is %d characters; behind a load balancer its certificate comes from ACM, which takes names of at most %d", c.App.Domain, len(c.App.Domain), awsfacts.MaxCertificateDomainName)
				}
			}
		},
	},
	{
		Section: SectionApp, Name: "hostedZoneId", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.HostedZoneID }, ""),
		Default: "none: you point the name",
		Rule:    "a Route 53 hosted zone ID (Z and upper-case letters and digits) of the zone that holds domain; needs domain",
		Doc:     "The stack creates `domain`'s A record, pointing at the Elastic IP, in this Route 53 hosted zone of the account.",
		Example: "Z0123456789ABCDEFGHIJ", ExampleNeeds: map[string]any{"app.domain": "app.example.com"}, Effect: InPlace,
		check: func(v *checker, c *Config) {
			if !v.isSet("app.hostedZoneId") {
				return
			}
			if err := awsfacts.CheckHostedZoneID(c.App.HostedZoneID); err != nil {
				v.fail("%v", err)
			}
			if c.App.Domain == "" {
				v.fail("%s is set but app.domain is not; set the name the record is for", awsfacts.Quote(c.App.HostedZoneID))
			}
		},
	},
	{
		Section: SectionApp, Name: "rootVolumeSize", Kind: Integer, Unit: "GiB",
		bind:    intField(func(c *Config) *int { return &c.App.RootVolumeSize }, DefaultRootVolumeSize),
		Rule:    fmt.Sprintf("%d to %d", awsfacts.MinRootVolume, awsfacts.MaxRootVolume),
		Doc:     "The host's root volume: gp3, encrypted. Images and container logs' buffers live here.",
		Example: 30, Effect: InPlace,
		check: func(v *checker, c *Config) {
			v.between(c.App.RootVolumeSize, awsfacts.MinRootVolume, awsfacts.MaxRootVolume, " GiB")
		},
	},
	{
		Section: SectionApp, Name: "logRetentionDays", Kind: Integer, Unit: "days",
		bind:    intField(func(c *Config) *int { return &c.App.LogRetentionDays }, DefaultLogRetentionDays),
		Rule:    retentionRule,
		Doc:     "How long the container's logs are kept.",
		Example: 14, Effect: InPlace,
		check: func(v *checker, c *Config) { v.retention(c.App.LogRetentionDays) },
	},
	{
		Section: SectionApp, Name: "secretNames", Kind: StringList,
		bind:    listField(func(c *Config) *[]string { return &c.App.SecretNames }, DefaultSecretNames),
		Default: "`" + render(DefaultSecretNames) + "` (what Strapi needs)",
		Rule: fmt.Sprintf("distinct variable names (letters, digits, _; not starting with a digit; at most %d characters), none the host sets, fitting one %d-byte secret",
			maxEnvName, awsfacts.SecretBytes),
		Doc:     fmt.Sprintf("Variables given a generated %d-character random value each, kept in a Secrets Manager secret.", awsfacts.GeneratedSecretLength),
		Example: []string{"APP_KEYS", "API_TOKEN_SALT", "ADMIN_JWT_SECRET", "JWT_SECRET", "EXTRA_SECRET"}, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			names := c.App.SecretNames
			for i, name := range names {
				item := fmt.Sprintf("[%d]", i)
				switch {
				case checkVariableName(name) != nil:
					v.failAt(item, "%v", checkVariableName(name))
				case slices.Index(names, name) != i:
					v.failAt(item, "%q is listed twice", name)
				}
			}
			if size := awsfacts.GeneratedSecretBytes(names); size > awsfacts.SecretBytes {
				v.fail("%d names make a %d-byte secret, above the %d bytes Secrets Manager holds", len(names), size, awsfacts.SecretBytes)
			}
		},
	},
	{
		Section: SectionApp, Name: "environment", Kind: StringMap,
		bind:    mapField(func(c *Config) *map[string]string { return &c.App.Environment }, map[string]string{}),
		Default: "`{}`",
		Rule: fmt.Sprintf("variable names as for secretNames, not one of them; string values (quote numbers) without line breaks or NUL, each NAME=value at most %d bytes, %d bytes in all",
			maxEnvEntry, maxEnvironment),
		Doc: "Plain, non-secret variables for the container, passed byte-exact. They are kept with the ports in standard (free) SSM parameters " +
			"under `/rds-app/<stack>/container`, in 4 KB pieces (not in user-data), and read by the host at every deploy, so hundreds of variables are fine.",
		Example: map[string]string{"NODE_ENV": "production"}, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			total := 0
			for _, name := range sortedKeys(c.App.Environment) {
				value := c.App.Environment[name]
				item := "." + name
				total += len(name) + 1 + len(value) + 1
				switch {
				case checkVariableName(name) != nil:
					v.failAt(item, "%v", checkVariableName(name))
				case slices.Contains(c.App.SecretNames, name):
					v.failAt(item, "%q is also in app.secretNames, which generates its value; remove one of them", name)
				case strings.ContainsAny(value, "\n\r\x00"):
					v.failAt(item, "the value contains a line break or NUL, which a Docker env file cannot hold")
				case len(name)+1+len(value) > maxEnvEntry:
					v.failAt(item, "%s=… is %d bytes, above the %d bytes Linux passes for one variable; move large values into the image or a file", name, len(name)+1+len(value), maxEnvEntry)
				}
			}
			if total > maxEnvironment {
				v.fail("takes %d bytes, above %d; move large values into the image or a file the application reads", total, maxEnvironment)
			}
		},
	},

	// rds-app:ops
	{
		Section: SectionOps, Name: "alarms", Kind: Boolean,
		bind: boolField(func(c *Config) *bool { return &c.Ops.Alarms }, DefaultAlarms),
		Doc: "The CloudWatch alarms of [Operations](#operations) on the database (and its replicas and proxy), the host or the group and its load balancer, and the application's health, with thresholds derived from the instance class, the storage and the hosts' type; each notifies the topic on ALARM and OK. " +
			"Off suits a throwaway stack: the topic, the RDS event subscription and the host's health metric stay.",
		Example: false, Effect: InPlace,
	},
	{
		Section: SectionOps, Name: "alarmEmail", Kind: StringList,
		bind:    listField(func(c *Config) *[]string { return &c.Ops.AlarmEmails }, DefaultAlarmEmails),
		Rule:    fmt.Sprintf("distinct email addresses, at most %d characters each", maxEmail),
		Doc:     "Addresses subscribed by email to the stack's notification topic (output `alarmTopicArn`). AWS mails each a confirmation link, and nothing reaches an address until it is followed. Subscribe Slack, PagerDuty or a phone to the topic yourself.",
		Example: []string{"ops@example.com"}, Effect: InPlace,
		check: func(v *checker, c *Config) {
			list := c.Ops.AlarmEmails
			for i, s := range list {
				item := fmt.Sprintf("[%d]", i)
				switch {
				case len(s) > maxEmail:
					v.failAt(item, "%s is longer than %d characters", awsfacts.Quote(s), maxEmail)
				case !emailRE.MatchString(s):
					v.failAt(item, "%s is not an email address", awsfacts.Quote(s))
				case slices.Index(list, s) != i:
					v.failAt(item, "%q is listed twice", s)
				}
			}
		},
	},
	{
		Section: SectionOps, Name: "backupPlan", Kind: Boolean,
		bind: boolField(func(c *Config) *bool { return &c.Ops.BackupPlan }, DefaultBackupPlan),
		Doc: "AWS Backup for the database: a vault with its own KMS key (kept when the stack is deleted, with its recovery points), a daily backup kept " + fmt.Sprint(BackupPlanRetentionDays) + " days, " +
			"and a weekly restore test that restores the latest backup into a new instance, reports to the topic and deletes it: see [Operations](#operations).",
		Example: true, Effect: InPlace,
	},
}

const (
	minAZCount = 2
	// maxHosts catches a typo (200 for 20) before it launches the hosts;
	// raise it when an application truly needs more.
	maxHosts = 50
	// A CPU target outside these leaves no headroom or never scales in.
	minTargetCPU, maxTargetCPU = 10, 90
	maxTargetRequests          = 1_000_000
	// maxReadReplicas: RDS allows up to 15 per instance; more than a few
	// belong on Aurora (see README's "Growing further").
	maxReadReplicas = 5
	// maxEmail is the longest address SMTP carries (RFC 5321's path limit).
	maxEmail = 254
	// protectedMinBackupRetention is the least retention a stack that
	// protects its database from deletion may keep.
	protectedMinBackupRetention = 7
	maxHealthCheckPath          = 1024
	// A new container's health check: the timeout, with drainSeconds and
	// the image pull, fits the 20 minutes `pulumi up` waits for a rollout.
	minHealthCheckTimeout  = 5
	maxHealthCheckTimeout  = 600
	maxHealthCheckInterval = 60
	maxHealthCheckRetries  = 100
	maxDrainSeconds        = 300
	// maxEnvName bounds a variable name; nothing else does.
	maxEnvName = 255
	// maxEnvEntry is Linux's MAX_ARG_STRLEN: the longest NAME=value string
	// a process can be started with.
	maxEnvEntry = 128 * 1024
	// maxEnvironment keeps the whole environment, with the secrets and the
	// database settings, well inside the 2 MiB Linux allows at exec.
	maxEnvironment = 1024 * 1024
)

// Lookup returns the setting at path ("database.port").
func Lookup(path string) (Setting, bool) {
	for _, s := range Settings {
		if s.Path() == path {
			return s, true
		}
	}
	return Setting{}, false
}

// healthPathRE is an absolute URL path with an optional query, of RFC 3986
// characters (percent-escapes included).
var healthPathRE = regexp.MustCompile(`^/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?$`)

// emailRE is an address SNS can mail: local part, @, a dotted domain.
var emailRE = regexp.MustCompile(`^[^@\s"(),:;<>\[\]\\]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)

var retentionRule = "a CloudWatch Logs retention: " + joinInts(awsfacts.LogRetentionDays)

// checkVariableName accepts names the container can be given.
func checkVariableName(name string) error {
	switch {
	case len(name) > maxEnvName:
		return fmt.Errorf("%s is longer than %d characters", awsfacts.Quote(name), maxEnvName)
	case awsfacts.CheckEnvName(name) != nil:
		return awsfacts.CheckEnvName(name)
	case awsfacts.IsContractVariable(name):
		return fmt.Errorf("%q is set by the host from the database secret; choose another name", name)
	}
	return nil
}

// checkIngressCIDR accepts IPv4 CIDR blocks given as network addresses.
func checkIngressCIDR(s string) error {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if a, aerr := netip.ParseAddr(s); aerr == nil && a.Is4() {
			return fmt.Errorf("%q is an address, not a CIDR block; use %s/32 for a single address", s, s)
		}
		return fmt.Errorf("%s is not a CIDR block (want a.b.c.d/n)", awsfacts.Quote(s))
	}
	if !p.Addr().Is4() {
		return fmt.Errorf("%q is IPv6; the host has an IPv4 address only", s)
	}
	if p.Masked() != p {
		return fmt.Errorf("%q has host bits set; its network address is %s", s, p.Masked())
	}
	return nil
}

func (v *checker) between(n, min, max int, unit string) {
	if n < min || n > max {
		v.fail("%d%s is outside %d..%d", n, unit, min, max)
	}
}

func (v *checker) retention(days int) {
	if !slices.Contains(awsfacts.LogRetentionDays, days) {
		v.fail("%d is not a retention period CloudWatch Logs accepts", days)
	}
}

// hostZoneOffers checks that the hosts' zones offer app.instanceType: the
// first of network.availabilityZones, where a single host's subnet is, or
// every zone when an Auto Scaling group spreads hosts across them.
func (v *checker) hostZoneOffers(c *Config) {
	zones := c.Network.AvailabilityZones
	if len(zones) == 0 || v.facts.ZonesOffering == nil || awsfacts.CheckInstanceType(c.App.InstanceType) != nil {
		return
	}
	offered, err := v.facts.ZonesOffering(c.App.InstanceType)
	if err != nil {
		v.fail("cannot tell which zones offer %q: %v", c.App.InstanceType, err)
		return
	}
	where := "no zone of the region offers it"
	if len(offered) > 0 {
		where = "zones that offer it: " + strings.Join(slices.Sorted(slices.Values(offered)), ", ")
	}
	if c.App.LoadBalanced() {
		var missing []string
		for _, z := range zones {
			if !slices.Contains(offered, z) {
				missing = append(missing, z)
			}
		}
		if len(missing) > 0 {
			v.fail("%q is not offered in %s, where the Auto Scaling group places hosts (every zone of network.availabilityZones); choose another type, or list only %s", c.App.InstanceType, strings.Join(missing, ", "), where)
		}
		return
	}
	if slices.Contains(offered, zones[0]) {
		return
	}
	if len(offered) > 0 {
		where += "; list one of them first"
	}
	v.fail("%q is not offered in %s, the host's zone (the first of network.availabilityZones); choose another type, or: %s in network.availabilityZones", c.App.InstanceType, zones[0], where)
}

func hostPortsText() string {
	ports := make([]int, 0, len(awsfacts.HostPorts))
	for p := range awsfacts.HostPorts {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = fmt.Sprintf("%d (%s)", p, awsfacts.HostPorts[p])
	}
	return strings.Join(parts, ", ")
}

func supportCalendar() string {
	var parts []string
	for major := awsfacts.MinMajorVersion; major <= awsfacts.MaxMajorVersion; major++ {
		ev := awsfacts.EngineVersion{Major: major, Minor: -1}
		parts = append(parts, fmt.Sprintf("%d: %s", major, ev.StandardSupportEnds()))
	}
	return "standard support ends " + strings.Join(parts, ", ")
}

func joinInts(list []int) string {
	parts := make([]string, len(list))
	for i, n := range list {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ", ")
}
