// Package hostconf is the contract between the program and the hosts it
// starts: where user-data puts each file, the names and tags the host's
// scripts and the program both use, the container settings and the
// proxy's configuration the host reads, and the release record and history
// that say what it runs. Pure Go, no Pulumi: compute renders it, and the
// host layer's tests (acceptance/host), which run the host's scripts on it,
// link no Pulumi SDK.
package hostconf

// Paths on the host. The unit and the scripts refer to the same paths.
const (
	HostEnvPath       = "/etc/rds-app/host.env"
	CABundlePath      = "/etc/rds-app/rds-ca-bundle.pem"
	InstallScriptPath = "/usr/local/sbin/rds-app-install"
	StartScriptPath   = "/usr/local/sbin/rds-app-start"
	UnitName          = "rds-app.service"
	UnitPath          = "/etc/systemd/system/" + UnitName
	// RuntimeDir is where the unit's RuntimeDirectory= puts the container's
	// env file: /run is tmpfs, and the directory is root-only.
	RuntimeDir = "/run/rds-app"
	// EnvFilePath holds the container's secrets while the unit runs.
	EnvFilePath = RuntimeDir + "/app.env"
	// PlainEnvFilePath holds the container's plain variables while the
	// unit runs.
	PlainEnvFilePath = RuntimeDir + "/plain.env"
	// ContainerCAPath is where the container sees the RDS CA bundle.
	ContainerCAPath = "/etc/rds-app/rds-ca-bundle.pem"
	// ContainerName is the prefix of the application's containers' names:
	// app-blue and app-green, one per slot.
	ContainerName = "app"
	// ProxyName is the prefix of the proxy's containers' names: proxy-a
	// and proxy-b, which take turns when the proxy's image changes.
	ProxyName = "proxy"
	// StateDir holds what serves (a reboot brings it back) and the proxy's
	// certificates; the unit's StateDirectory= makes it, root only.
	StateDir = "/var/lib/rds-app"
)

// Paths of the deploys on the host.
const (
	// SwapScriptPath is beside StartScriptPath, where the start script
	// finds it.
	SwapScriptPath = "/usr/local/sbin/rds-app-swap"
	// SysctlPath holds the host's kernel settings; systemd-sysctl applies
	// it at every boot, cloud-init at the first.
	SysctlPath = "/etc/sysctl.d/90-rds-app.conf"
)

// Where the reporter lives on the host (what it publishes is
// awsfacts.HealthMetricName).
const (
	HealthScriptPath  = "/usr/local/sbin/rds-app-health"
	HealthServiceName = "rds-app-health.service"
	HealthServicePath = "/etc/systemd/system/" + HealthServiceName
	HealthTimerName   = "rds-app-health.timer"
	HealthTimerPath   = "/etc/systemd/system/" + HealthTimerName
)

// Instance tags a group's hosts carry.
const (
	// ReleaseTag is the instance tag naming the version of the release
	// record a host boots: it makes a new launch template version for
	// every release, and the host reads it from its instance metadata
	// (the template enables instance tags there).
	ReleaseTag = "rds-app:release"
	// ReleaseIDTag is the instance tag holding the release's ID
	// (ReleaseDigest), for people and tools.
	ReleaseIDTag = "rds-app:release-id"
)

// Release is what a rollout brings to the container, apart from the
// secrets' values: the image, with its digest (compute's releaseImage), and the
// container settings (JSON).
type Release struct {
	Image     string
	Container string
}
