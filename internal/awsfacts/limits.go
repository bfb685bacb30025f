package awsfacts

// This file holds the numeric limits AWS and the host enforce.

// LogRetentionDays are the retention periods CloudWatch Logs accepts.
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// MonitoringIntervals are the Enhanced Monitoring intervals RDS accepts (0
// is off).
var MonitoringIntervals = []int{0, 1, 5, 10, 15, 30, 60}

// DatabaseInsightsModes are the modes of RDS Database Insights: standard
// (free) and advanced (charged per vCPU-hour).
var DatabaseInsightsModes = []string{"standard", "advanced"}

// PerformanceInsightsRetentionDays is how long Performance Insights keeps
// its data in a Database Insights mode: the free 7 days in standard, and
// the 465 days (15 months) AWS requires for advanced.
func PerformanceInsightsRetentionDays(mode string) int {
	if mode == "advanced" {
		return 465
	}
	return 7
}

const (
	// MinAllocatedStorage and MaxAllocatedStorage bound gp3 storage for
	// RDS for PostgreSQL, in GiB.
	MinAllocatedStorage = 20
	MaxAllocatedStorage = 65536
	// StorageCeilingPercent: RDS refuses a storage autoscaling ceiling less
	// than 10 % above the allocated storage.
	StorageCeilingPercent = 110
	// MinDatabasePort is the lowest port RDS for PostgreSQL listens on.
	MinDatabasePort = 1150
	// MinRootVolume is the Amazon Linux 2023 AMI's snapshot, MaxRootVolume
	// the gp3 maximum, in GiB.
	MinRootVolume = 8
	MaxRootVolume = 16384
	// MinBackupRetention and MaxBackupRetention bound automated backups, in days.
	MinBackupRetention = 1
	MaxBackupRetention = 35
	// SecurityGroupRules is the default quota of inbound (and of outbound)
	// rules per security group.
	SecurityGroupRules = 60
	// SecretBytes is the largest value of a Secrets Manager secret.
	SecretBytes = 65536
)

// HostPorts are ports the host's own services hold, on every address or on
// the loopback addresses Docker's published ports would also claim; the
// application cannot be published on them.
var HostPorts = map[int]string{
	22:   "sshd",
	53:   "systemd-resolved (DNS)",
	323:  "chronyd",
	5355: "systemd-resolved (LLMNR)",
	// rds-app's own: the proxy's admin API and the application's two slots.
	ProxyAdminPort:  "Caddy's admin API",
	AppSlotPorts[0]: "the application's first slot",
	AppSlotPorts[1]: "the application's second slot",
}

// HTTPSPort and HTTPPort are where the host's proxy (or, behind a load
// balancer, the load balancer) listens with a domain: HTTPS, and plain
// HTTP for ACME's HTTP-01 challenge and the redirect.
const (
	HTTPSPort = 443
	HTTPPort  = 80
)

// ProxyAdminPort is where Caddy's admin API listens, on loopback only.
const ProxyAdminPort = 2019

// AppSlotPorts are the two loopback ports the application's containers
// take turns on: a deploy starts the new container on the port the running
// one does not hold, and the proxy switches to it once it is healthy.
var AppSlotPorts = [2]int{18001, 18002}

// InServiceHostQuery picks, from `aws autoscaling
// describe-auto-scaling-groups` for one group, the ID of its first host in
// service (JMESPath): the host a Session Manager session or tunnel goes
// through when the application runs in an Auto Scaling group.
const InServiceHostQuery = "AutoScalingGroups[0].Instances[?LifecycleState=='InService'].InstanceId | [0]"

// MaxCertificateDomainName is the longest domain name ACM issues a
// certificate for (a certificate's first name is also its subject's common
// name, which X.509 limits to 64 characters).
const MaxCertificateDomainName = 64
