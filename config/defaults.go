package config

// Every default of rds-app is a named constant in this file, which the
// settings table (settings.go) binds to its key. Pulumi.yaml declares no
// defaults: the CLI would apply them but Pulumi's mocks would not, and tests
// and deploys must agree.

const (
	DefaultVPCCIDR  = "10.0.0.0/16"
	DefaultAZCount  = 2
	DefaultHostPort = 80
	// DefaultLogRetentionDays applies to flow logs, database logs and
	// container logs alike.
	DefaultLogRetentionDays = 30

	DefaultEngineVersion       = "17"
	DefaultInstanceClass       = "db.t4g.micro"
	DefaultAllocatedStorage    = 20
	DefaultMaxAllocatedStorage = 100
	DefaultDatabasePort        = 5432
	DefaultUsername            = "app_admin"
	DefaultDatabaseName        = "app"
	DefaultBackupRetentionDays = 7
	// DefaultBackupWindow and DefaultMaintenanceWindow are UTC and do not
	// overlap on any day.
	DefaultBackupWindow       = "03:00-04:00"
	DefaultMaintenanceWindow  = "sun:04:30-sun:05:30"
	DefaultMonitoringInterval = 60
	// DefaultInsightsMode is Database Insights' free mode.
	DefaultInsightsMode = "standard"
	// DefaultPasswordVersion is the first master password's number.
	DefaultPasswordVersion = 1

	// DefaultHosts is one host with an Elastic IP: no load balancer to pay
	// for until the application needs a second host.
	DefaultHosts = 1
	// DefaultRepository is off: a stack deployed before the repository
	// existed keeps its image where it is.
	DefaultRepository = false
	// DefaultRefreshTimeout is how long `pulumi up` waits for a group's
	// instance refresh: two checkpoints of five minutes, and a host's boot
	// and warm-up for each half of the group, with room to spare.
	DefaultRefreshTimeout = 3600
	// DefaultReleasesKept is how many releases the release bucket keeps.
	DefaultReleasesKept = 10
	// DefaultRepositoryKeep is how many releases the repository keeps.
	DefaultRepositoryKeep = 30
	// DefaultRepositoryForceDelete keeps the repository and its images
	// when the stack is destroyed: releases are not lost by accident.
	DefaultRepositoryForceDelete = false
	DefaultInstanceType          = "t3.micro"
	DefaultContainerPort         = 1337
	DefaultRootVolumeSize        = 20
	DefaultHealthCheckPath       = "/"

	// DefaultAlarms: every stack is watched unless it says otherwise.
	DefaultAlarms = true
	// DefaultBackupPlan: AWS Backup costs a copy of the database per
	// retained day, so a stack asks for it (Pulumi.prod.yaml does).
	DefaultBackupPlan = false
	// BackupPlanRetentionDays is how long ops.backupPlan keeps each daily
	// recovery point: five weeks, so a problem found at the end of a month
	// can still be undone from before it began. Not a setting: the vault
	// outlives the stack, and a shorter life is one `aws backup` call away.
	BackupPlanRetentionDays = 35

	// A new container has two minutes to answer, checked every two
	// seconds; ten bad answers in a row refuse it sooner.
	DefaultHealthCheckTimeout  = 120
	DefaultHealthCheckInterval = 2
	DefaultHealthCheckRetries  = 10
	DefaultDrainSeconds        = 10
	// DefaultProxyImage is Caddy's official image on public ECR, pinned to
	// an exact release so that a host built next month runs the same proxy.
	DefaultProxyImage = "public.ecr.aws/docker/library/caddy:2.11.4"
)

// HealthCheckRequestSeconds is how long one health check waits for an
// answer.
const HealthCheckRequestSeconds = 5

// DefaultIngressCIDRs lets everyone reach the web port.
var DefaultIngressCIDRs = []string{"0.0.0.0/0"}

// DefaultSecretNames are the secrets a Strapi application needs.
var DefaultSecretNames = []string{"APP_KEYS", "API_TOKEN_SALT", "ADMIN_JWT_SECRET", "JWT_SECRET"}

// DefaultAlarmEmails subscribes no one: an address must confirm AWS's
// mail, so it is the user's to give.
var DefaultAlarmEmails = []string{}

// PlaceholderAccount is the AWS account of the example image in
// Pulumi.prod.yaml: AWS's documentation account, which no one deploys from.
const PlaceholderAccount = "123456789012"
