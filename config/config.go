// Package config reads the stack configuration of rds-app into typed
// structs. It is the only place that knows config key names. Every key is
// defined once, in the settings table (settings.go, one file per section):
// its type, default, rule, doc and what a change does. From the table, Parse
// reads each section strictly (wrong types and unknown keys are problems),
// fills defaults, checks every rule against the facts AWS gives, and returns
// one error listing every problem, each prefixed with the key path the user
// typed; docs/configuration.md's configuration reference and Pulumi.yaml's
// descriptions are rendered from it too (docs.go). The program and the
// components never read configuration themselves; components take their
// validated section.
package config

import (
	"slices"
	"strings"
	"time"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// Section names, as they appear after the project namespace
// ("rds-app:network").
const (
	SectionNetwork  = "network"
	SectionDatabase = "database"
	SectionApp      = "app"
	SectionOps      = "ops"
)

var sections = []string{SectionNetwork, SectionDatabase, SectionApp, SectionOps}

// Sections are the configuration sections, in docs/configuration.md's order.
func Sections() []string { return append([]string(nil), sections...) }

// Config is the validated configuration of one stack.
type Config struct {
	Network  Network
	Database Database
	App      App
	Ops      Ops
}

// Network configures the VPC and the traffic allowed into it.
type Network struct {
	// CIDR is the VPC block. Default DefaultVPCCIDR.
	CIDR string
	// AZCount is how many availability zones to spread subnets across.
	// Default DefaultAZCount, or the length of AvailabilityZones when set.
	AZCount int
	// AvailabilityZones names the zones to use. Default: the first AZCount
	// zones the region offers.
	AvailabilityZones []string
	// IngressCIDRs may reach the application's web port. Default
	// DefaultIngressCIDRs (everyone).
	IngressCIDRs []string
	// FlowLogRetentionDays keeps VPC flow logs this long. Default
	// DefaultLogRetentionDays.
	FlowLogRetentionDays int
}

// Database configures the RDS PostgreSQL instance.
type Database struct {
	// EngineVersion is a PostgreSQL major ("17") or major.minor. Default
	// DefaultEngineVersion.
	EngineVersion string
	// InstanceClass is the RDS class. Default DefaultInstanceClass.
	InstanceClass string
	// AllocatedStorage is the initial gp3 storage in GiB. Default
	// DefaultAllocatedStorage.
	AllocatedStorage int
	// MaxAllocatedStorage is the storage autoscaling ceiling in GiB.
	// Default DefaultMaxAllocatedStorage.
	MaxAllocatedStorage int
	// Port is the PostgreSQL port. Default DefaultDatabasePort.
	Port int
	// Username is the master user. Default DefaultUsername.
	Username string
	// Name is the database created on the instance. Default DefaultDatabaseName.
	Name string
	// BackupRetentionDays keeps automated backups this long. Default
	// DefaultBackupRetentionDays.
	BackupRetentionDays int
	// BackupWindow is the daily backup window (UTC). Default DefaultBackupWindow.
	BackupWindow string
	// MaintenanceWindow is the weekly maintenance window (UTC). Default
	// DefaultMaintenanceWindow.
	MaintenanceWindow string
	// MultiAZ runs a standby in a second zone. Default false.
	MultiAZ bool
	// DeletionProtection blocks deleting the instance, in AWS and (through
	// Pulumi's protect option) in Pulumi. Default false.
	DeletionProtection bool
	// SkipFinalSnapshot deletes the instance without a final snapshot.
	// Default false: a snapshot is taken.
	SkipFinalSnapshot bool
	// ApplyImmediately applies changes now instead of in the maintenance
	// window. Default false.
	ApplyImmediately bool
	// ExtendedSupport accepts paid RDS Extended Support for a major version
	// past RDS standard support. Default false: such a major is refused.
	ExtendedSupport bool
	// MonitoringInterval is the Enhanced Monitoring interval in seconds; 0
	// turns it off. Default DefaultMonitoringInterval.
	MonitoringInterval int
	// LogRetentionDays keeps the exported PostgreSQL logs this long. Default
	// DefaultLogRetentionDays.
	LogRetentionDays int
	// InsightsMode is the Database Insights mode, "standard" or "advanced".
	// Default DefaultInsightsMode.
	InsightsMode string
	// PasswordVersion numbers the master password: any change generates a
	// new one. Default DefaultPasswordVersion.
	PasswordVersion int
	// Proxy puts an RDS Proxy between the hosts and the instance; the
	// application is given the proxy's endpoint. Default false.
	Proxy bool
	// ProxyIAMAuth makes the proxy require IAM authentication tokens
	// instead of the password. Needs Proxy. Default false.
	ProxyIAMAuth bool
	// ReadReplicas is how many read replicas run in other zones. Default 0.
	ReadReplicas int
}

// App configures the application host and its container.
type App struct {
	// Image is the container image reference. Required.
	Image string
	// Repository creates the stack's own ECR repository, which
	// rds-app-ship pushes to. Default DefaultRepository.
	Repository bool
	// RefreshTimeout is how long, in seconds, `pulumi up` waits for a
	// group's instance refresh. Default DefaultRefreshTimeout.
	RefreshTimeout int
	// ReleasesKept is how many releases the release bucket keeps. Default
	// DefaultReleasesKept.
	ReleasesKept int
	// RepositoryKeep is how many tagged images the repository keeps.
	// Default DefaultRepositoryKeep.
	RepositoryKeep int
	// RepositoryForceDelete deletes the repository with its images on
	// destroy; otherwise it and its key are retained. Default
	// DefaultRepositoryForceDelete.
	RepositoryForceDelete bool
	// Hosts is how many hosts run the application: 1 is a single host with
	// an Elastic IP; 2 or more run in an Auto Scaling group behind an
	// Application Load Balancer. Default DefaultHosts.
	Hosts int
	// Scaling, when set, lets the Auto Scaling group grow and shrink
	// between Min and Max hosts to hold a target; it implies the load
	// balancer. Default nil: a fixed Hosts.
	Scaling *Scaling
	// InstanceType is the EC2 instance type. Default DefaultInstanceType.
	InstanceType string
	// AMIID pins the host's AMI (an Amazon Linux 2023 AMI of the instance
	// type's architecture). Default "": the latest Amazon Linux 2023.
	AMIID string
	// HostPort is the port the host publishes (and the security group opens).
	// Default DefaultHostPort.
	HostPort int
	// ContainerPort is the port the application listens on inside the
	// container. Default DefaultContainerPort.
	ContainerPort int
	// RootVolumeSize is the host's root volume in GiB. Default
	// DefaultRootVolumeSize.
	RootVolumeSize int
	// LogRetentionDays keeps the container logs this long. Default
	// DefaultLogRetentionDays.
	LogRetentionDays int
	// HealthCheckPath is asked on a new container until it answers 2xx or
	// 3xx. Default DefaultHealthCheckPath.
	HealthCheckPath string
	// SecretNames are environment variables given generated random values.
	// Default DefaultSecretNames.
	SecretNames []string
	// Environment holds plain (non-secret) variables for the container.
	// Default empty.
	Environment map[string]string
	// HealthCheckTimeout is how long, in seconds, a new container has to
	// become healthy. Default DefaultHealthCheckTimeout.
	HealthCheckTimeout int
	// HealthCheckInterval is the time, in seconds, between two health
	// checks. Default DefaultHealthCheckInterval.
	HealthCheckInterval int
	// HealthCheckRetries is how many answers other than 2xx or 3xx in a row
	// refuse a new container before the timeout. Default
	// DefaultHealthCheckRetries.
	HealthCheckRetries int
	// DrainSeconds is how long requests in flight on the old container may
	// take to finish after the switch. Default DefaultDrainSeconds.
	DrainSeconds int
	// ProxyImage is the Caddy image of the host's reverse proxy. Default
	// DefaultProxyImage.
	ProxyImage string
	// Domain is the DNS name the application is served on over HTTPS.
	// Default "": plain HTTP on HostPort.
	Domain string
	// HostedZoneID is the Route 53 hosted zone in which the stack creates
	// Domain's A record. Default "": the user points the name themselves.
	HostedZoneID string
}

// Scaling is the target tracking of app.scaling: the group keeps between
// Min and Max hosts, adding and removing hosts to hold TargetCPU (average
// CPU percent) or TargetRequests (requests per host per minute, counted by
// the load balancer); exactly one target is set.
type Scaling struct {
	Min, Max       int
	TargetCPU      int
	TargetRequests int
}

// LoadBalanced reports whether the application runs in an Auto Scaling
// group behind a load balancer (app.hosts above 1, or app.scaling), rather
// than on one host with an Elastic IP.
func (a App) LoadBalanced() bool { return a.Hosts > 1 || a.Scaling != nil }

// ListenPorts are the ports the application is served on to the world: web
// ports, open to network.ingressCidrs, and public ones, open to everyone.
// Without a domain that is app.hostPort alone. With one, on a single host,
// 443 is the web port and 80 is public: the host's proxy serves only ACME's
// HTTP-01 challenge (whose validators may come from any address) and the
// redirect to HTTPS on it, nothing of the application. Behind a load
// balancer the certificate comes from ACM, so both 443 and the redirect on
// 80 follow network.ingressCidrs.
func (a App) ListenPorts() (web, public []int) {
	switch {
	case a.Domain == "":
		return []int{a.HostPort}, nil
	case a.LoadBalanced():
		return []int{awsfacts.HTTPSPort, awsfacts.HTTPPort}, nil
	}
	return []int{awsfacts.HTTPSPort}, []int{awsfacts.HTTPPort}
}

// Capacity is the Auto Scaling group's size: the fixed Hosts, or Scaling's
// bounds (starting at Min).
func (a App) Capacity() (min, desired, max int) {
	if a.Scaling != nil {
		return a.Scaling.Min, a.Scaling.Min, a.Scaling.Max
	}
	return a.Hosts, a.Hosts, a.Hosts
}

// Ops configures what watches the stack once it runs: alarms, where they
// are sent, and backups that are restored on a schedule.
type Ops struct {
	// Alarms creates the CloudWatch alarms. Default DefaultAlarms (on).
	Alarms bool
	// AlarmEmails are subscribed to the notification topic. Default none.
	AlarmEmails []string
	// BackupPlan adds an AWS Backup vault, a daily plan and restore testing
	// for the database. Default DefaultBackupPlan (off).
	BackupPlan bool
}

// Facts are what the program learns from AWS before validating: limits that
// depend on the region rather than on the configuration.
type Facts struct {
	// Region is the stack's AWS region.
	Region string
	// AvailabilityZones are the zones the region offers, in order.
	AvailabilityZones []string
	// Today is the date the support calendar and PostgreSQL's releases are
	// checked against (zero: not checked).
	Today time.Time
	// ZonesOffering returns the region's zones that offer an EC2 instance
	// type (nil: not checked).
	ZonesOffering func(instanceType string) ([]string, error)
}

// Source is the raw configuration: every key ("rds-app:network") and its
// value (JSON text for structured sections), plus which keys hold secrets.
type Source struct {
	Values     map[string]string
	SecretKeys []string
}

// Parse reads, defaults and validates a raw configuration for project. It
// returns Problems listing everything wrong, or the complete Config.
func Parse(project string, src Source, facts Facts) (*Config, error) {
	var problems Problems
	secret := map[string]bool{}
	for _, k := range src.SecretKeys {
		secret[k] = true
	}
	cfg := &Config{}
	set := map[string]bool{}
	for _, name := range sections {
		key := project + ":" + name
		raw, present := src.Values[key]
		if secret[key] {
			// Everything here ends up in plain text (tags, the container's
			// settings), and the secrets the stack needs are generated, not
			// configured.
			problems.add(key, "holds a secret value (set with --secret); rds-app takes no secrets in configuration: the database password and app.secretNames are generated")
			raw, present = "", false
		}
		s := newSection(key, raw, present, &problems)
		s.hint = func(field string) string {
			if st, ok := Lookup(name + "." + field); ok {
				return st.allowed(st.Example)
			}
			return ""
		}
		for _, st := range Settings {
			if st.Section == name {
				set[st.Path()] = st.bind.read(s, st.Name, cfg)
			}
		}
		s.unknown()
	}
	for _, k := range sortedKeys(src.Values) {
		ns, name, ok := strings.Cut(k, ":")
		if ok && ns == project && !slices.Contains(sections, name) {
			problems.add(k, "is not a known key; rds-app reads %s", knownSections(project))
		}
	}
	deriveDefaults(cfg, set, facts)

	for _, st := range Settings {
		if st.check != nil {
			st.check(&checker{project: project, setting: st, facts: facts, set: set, problems: &problems}, cfg)
		}
	}
	if len(problems) > 0 {
		problems.sortBySection(project, sections)
		return nil, problems
	}
	return cfg, nil
}

// knownSections lists the sections as keys ("rds-app:network, …").
func knownSections(project string) string {
	keys := make([]string, len(sections))
	for i, s := range sections {
		keys[i] = project + ":" + s
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " and " + keys[len(keys)-1]
}

// deriveDefaults fills the defaults that depend on other keys or on AWS.
func deriveDefaults(c *Config, set map[string]bool, facts Facts) {
	n := &c.Network
	if !set["network.azCount"] && set["network.availabilityZones"] {
		n.AZCount = len(n.AvailabilityZones)
	}
	if !set["network.availabilityZones"] && n.AZCount > 0 && n.AZCount <= len(facts.AvailabilityZones) {
		n.AvailabilityZones = append([]string(nil), facts.AvailabilityZones[:n.AZCount]...)
	}
}
