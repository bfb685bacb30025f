package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/database"
	"github.com/rds-app/rds-app/internal/cidr"
)

// logRetentionDays are the retention periods CloudWatch Logs accepts.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// monitoringIntervals are the Enhanced Monitoring intervals RDS accepts.
var monitoringIntervals = []int{0, 1, 5, 10, 15, 30, 60}

const (
	minAZCount          = 2
	minAllocatedStorage = 20    // GiB, the gp3 minimum for PostgreSQL
	maxAllocatedStorage = 65536 // GiB, the RDS maximum
	minDatabasePort     = 1150  // RDS refuses lower ports
	minRootVolumeSize   = 8     // GiB, the Amazon Linux 2023 AMI's snapshot
	maxRootVolumeSize   = 16384 // GiB, the gp3 maximum
	minBackupRetention  = 1
	maxBackupRetention  = 35
	// protectedMinBackupRetention is the least retention a stack that
	// protects its database from deletion may keep.
	protectedMinBackupRetention = 7
)

// PlaceholderAccount is the AWS account of the example image in
// Pulumi.prod.yaml: AWS's documentation account, which no one deploys from.
const PlaceholderAccount = "123456789012"

type rawSections struct {
	network  rawNetwork
	database rawDatabase
	app      rawApp
}

// validator checks a defaulted Config, adding a problem per broken rule.
type validator struct {
	project  string
	facts    Facts
	problems *Problems
	raw      rawSections
}

func (v *validator) key(section, field string) string {
	return v.project + ":" + section + "." + field
}

func (v *validator) add(section, field, format string, args ...any) {
	v.problems.add(v.key(section, field), format, args...)
}

func (v *validator) validate(c *Config) {
	v.network(c.Network)
	v.database(c.Database)
	v.app(c.App)
}

func (v *validator) network(n Network) {
	const s = SectionNetwork
	_, cidrErr := cidr.ParseVPC(n.CIDR)
	if cidrErr != nil {
		v.add(s, "cidr", "%v", cidrErr)
	}
	switch {
	case n.AZCount < minAZCount:
		v.add(s, "azCount", "%d is below the minimum of %d", n.AZCount, minAZCount)
	case n.AZCount > cidr.MaxZones:
		v.add(s, "azCount", "%d is above the maximum of %d", n.AZCount, cidr.MaxZones)
	case len(v.facts.AvailabilityZones) > 0 && n.AZCount > len(v.facts.AvailabilityZones):
		v.add(s, "azCount", "%d is above the %d availability zones %s offers (%s)", n.AZCount, len(v.facts.AvailabilityZones), v.facts.Region, strings.Join(v.facts.AvailabilityZones, ", "))
	case cidrErr == nil:
		// Both are sound on their own; can the block hold that many zones?
		if _, err := cidr.PlanSubnets(n.CIDR, n.AZCount); err != nil {
			v.add(s, "cidr", "%v", err)
		}
	}

	if v.raw.network.availabilityZones != nil {
		zones := v.raw.network.availabilityZones
		if v.raw.network.azCount != nil && len(zones) != n.AZCount {
			v.add(s, "availabilityZones", "lists %d zones but azCount is %d; set one or make them agree", len(zones), n.AZCount)
		}
		for i, z := range zones {
			key := fmt.Sprintf("availabilityZones[%d]", i)
			switch {
			case slices.Index(zones, z) != i:
				v.add(s, key, "%q is listed twice; each zone holds one public and one private subnet", z)
			case len(v.facts.AvailabilityZones) > 0 && !slices.Contains(v.facts.AvailabilityZones, z):
				v.add(s, key, "%q is not an availability zone of %s; it offers %s", z, v.facts.Region, strings.Join(v.facts.AvailabilityZones, ", "))
			}
		}
	}

	for i, c := range n.IngressCIDRs {
		if err := checkIngressCIDR(c); err != nil {
			v.add(s, fmt.Sprintf("ingressCidrs[%d]", i), "%v", err)
		}
	}
	v.retention(s, "flowLogRetentionDays", n.FlowLogRetentionDays)
}

// checkIngressCIDR accepts IPv4 CIDR blocks given as network addresses.
func checkIngressCIDR(s string) error {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if a, aerr := netip.ParseAddr(s); aerr == nil && a.Is4() {
			return fmt.Errorf("%q is an address, not a CIDR block; use %s/32 for a single address", s, s)
		}
		return fmt.Errorf("%q is not a CIDR block (want a.b.c.d/n, e.g. 203.0.113.0/24 or 0.0.0.0/0)", s)
	}
	if !p.Addr().Is4() {
		return fmt.Errorf("%q is IPv6; the host has an IPv4 address only, so use IPv4 CIDR blocks", s)
	}
	if p.Masked() != p {
		return fmt.Errorf("%q has host bits set; its network address is %s", s, p.Masked())
	}
	return nil
}

func (v *validator) database(d Database) {
	const s = SectionDatabase
	if ev, err := database.ParseEngineVersion(d.EngineVersion); err != nil {
		v.add(s, "engineVersion", "%v", err)
	} else if !d.ExtendedSupport && !v.facts.Today.IsZero() && ev.PastStandardSupport(v.facts.Today) {
		v.add(s, "engineVersion", "%q is past RDS standard support (it ended %s), and RDS refuses it without paid Extended Support; upgrade to a supported major (%s), or set database.extendedSupport to true to pay for Extended Support",
			d.EngineVersion, ev.StandardSupportEnds(), DefaultEngineVersion)
	}
	if err := database.CheckInstanceClass(d.InstanceClass); err != nil {
		v.add(s, "instanceClass", "%v", err)
	}
	switch {
	case d.AllocatedStorage < minAllocatedStorage:
		v.add(s, "allocatedStorage", "%d GiB is below the minimum of %d GiB", d.AllocatedStorage, minAllocatedStorage)
	case d.AllocatedStorage >= d.MaxAllocatedStorage:
		v.add(s, "allocatedStorage", "%d GiB is not below maxAllocatedStorage (%d GiB); the autoscaling ceiling must be above the starting size", d.AllocatedStorage, d.MaxAllocatedStorage)
	}
	if d.MaxAllocatedStorage > maxAllocatedStorage {
		v.add(s, "maxAllocatedStorage", "%d GiB is above the RDS maximum of %d GiB", d.MaxAllocatedStorage, maxAllocatedStorage)
	}
	v.port(s, "port", d.Port, minDatabasePort)
	if err := database.CheckUsername(d.Username); err != nil {
		v.add(s, "username", "%v", err)
	}
	if err := database.CheckDatabaseName(d.Name); err != nil {
		v.add(s, "name", "%v", err)
	}
	switch {
	case d.BackupRetentionDays < minBackupRetention || d.BackupRetentionDays > maxBackupRetention:
		v.add(s, "backupRetentionDays", "%d is outside %d..%d", d.BackupRetentionDays, minBackupRetention, maxBackupRetention)
	case d.DeletionProtection && d.BackupRetentionDays < protectedMinBackupRetention:
		v.add(s, "backupRetentionDays", "%d is below %d, the minimum for a stack with deletionProtection", d.BackupRetentionDays, protectedMinBackupRetention)
	}
	_, backupErr := database.ParseBackupWindow(d.BackupWindow)
	if backupErr != nil {
		v.add(s, "backupWindow", "%v", backupErr)
	}
	_, maintErr := database.ParseMaintenanceWindow(d.MaintenanceWindow)
	if maintErr != nil {
		v.add(s, "maintenanceWindow", "%v", maintErr)
	}
	if backupErr == nil && maintErr == nil {
		if overlap, _ := database.WindowsOverlap(d.BackupWindow, d.MaintenanceWindow); overlap {
			v.add(s, "backupWindow", "%q overlaps maintenanceWindow %q; RDS needs them apart", d.BackupWindow, d.MaintenanceWindow)
		}
	}
	if !slices.Contains(monitoringIntervals, d.MonitoringInterval) {
		v.add(s, "monitoringInterval", "%d is not an Enhanced Monitoring interval; use one of %s (0 turns it off)", d.MonitoringInterval, joinInts(monitoringIntervals))
	}
	v.retention(s, "logRetentionDays", d.LogRetentionDays)
}

func (v *validator) app(a App) {
	const s = SectionApp
	if v.raw.app.image == nil {
		v.add(s, "image", "is required; set it with `pulumi config set --path app.image <registry/repository:tag>`")
	} else if img, err := compute.ParseImage(a.Image); err != nil {
		v.add(s, "image", "%v", err)
	} else if img.ECR != nil && img.ECR.Account == PlaceholderAccount {
		// The shipped prod stack names this account until the user sets
		// their image; deployed, the host would restart-loop on a pull that
		// can never succeed.
		v.add(s, "image", "%q is in account %s, the placeholder of the example stacks (AWS's documentation account); set your own image: `pulumi config set --path app.image <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`",
			a.Image, PlaceholderAccount)
	}
	if err := compute.CheckInstanceType(a.InstanceType); err != nil {
		v.add(s, "instanceType", "%v", err)
	}
	if v.raw.app.amiID != nil {
		if err := compute.CheckAMI(a.AMIID); err != nil {
			v.add(s, "amiId", "%v", err)
		}
	}
	v.port(s, "hostPort", a.HostPort, 1)
	v.port(s, "containerPort", a.ContainerPort, 1)
	if a.RootVolumeSize < minRootVolumeSize || a.RootVolumeSize > maxRootVolumeSize {
		v.add(s, "rootVolumeSize", "%d GiB is outside %d..%d GiB", a.RootVolumeSize, minRootVolumeSize, maxRootVolumeSize)
	}
	v.retention(s, "logRetentionDays", a.LogRetentionDays)

	for i, name := range a.SecretNames {
		key := fmt.Sprintf("secretNames[%d]", i)
		switch err := compute.CheckEnvName(name); {
		case err != nil:
			v.add(s, key, "%v", err)
		case compute.IsContractVariable(name):
			v.add(s, key, "%q is set by the host from the database secret; choose another name", name)
		case slices.Index(a.SecretNames, name) != i:
			v.add(s, key, "%q is listed twice", name)
		}
	}
	for _, name := range sortedKeys(a.Environment) {
		key := "environment." + name
		switch err := compute.CheckEnvName(name); {
		case err != nil:
			v.add(s, key, "%v", err)
		case compute.IsContractVariable(name):
			v.add(s, key, "%q is set by the host from the database secret; choose another name", name)
		case slices.Contains(a.SecretNames, name):
			v.add(s, key, "%q is also in app.secretNames, which generates its value; remove one of them", name)
		case strings.ContainsAny(a.Environment[name], "\n\r\x00"):
			v.add(s, key, "the value contains a line break or NUL, which a Docker env file cannot hold")
		}
	}
	// The environment travels with the ports in one SSM parameter, which
	// AWS caps; too large, it would fail half-way through a deploy.
	if settings, err := (compute.ContainerSettings{HostPort: a.HostPort, ContainerPort: a.ContainerPort, Environment: a.Environment}).JSON(); err == nil &&
		len(settings) > compute.MaxContainerSettingsBytes {
		v.add(s, "environment", "takes %d bytes with the ports, above the %d bytes of the SSM parameter that holds them; move large values into the image or into a secret the application reads",
			len(settings), compute.MaxContainerSettingsBytes)
	}
}

func (v *validator) port(section, field string, port, min int) {
	if port < min || port > 65535 {
		v.add(section, field, "%d is outside %d..65535", port, min)
	}
}

func (v *validator) retention(section, field string, days int) {
	if !slices.Contains(logRetentionDays, days) {
		v.add(section, field, "%d is not a retention period CloudWatch Logs accepts; use one of %s", days, joinInts(logRetentionDays))
	}
}

func joinInts(list []int) string {
	parts := make([]string, len(list))
	for i, n := range list {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ", ")
}
