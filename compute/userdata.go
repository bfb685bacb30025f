package compute

// User-data rendering: pure Go, no Pulumi types. The host's boot
// configuration is a #cloud-config document that writes two settings files,
// two scripts and a systemd unit, then enables the unit. It holds only ARNs,
// names, ports and paths: every secret is read by the host at start.

import (
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Paths on the host. The unit and the scripts refer to the same paths.
const (
	HostEnvPath       = "/etc/rds-app/host.env"
	AppEnvPath        = "/etc/rds-app/app.env"
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
	// ContainerCAPath is where the container sees the RDS CA bundle.
	ContainerCAPath = "/etc/rds-app/rds-ca-bundle.pem"
	// ContainerName is the Docker container's name.
	ContainerName = "app"
	// maxUserDataBytes is EC2's limit for user-data.
	maxUserDataBytes = 16 * 1024
)

var (
	//go:embed files/rds-app-start.sh
	startScript string
	//go:embed files/rds-app-install.sh
	installScript string
	//go:embed files/rds-app.service
	unitFile string
)

// HostSettings is everything the host needs to know at boot. None of it is
// secret.
type HostSettings struct {
	Region            string
	DatabaseSecretArn string
	AppSecretArn      string
	ImageParameter    string
	LogGroup          string
	HostPort          int
	ContainerPort     int
	// Environment holds the plain variables for the container.
	Environment map[string]string
}

// CABundleURL is where AWS publishes the CA bundle for a region's RDS
// certificates.
func CABundleURL(region string) string {
	return fmt.Sprintf("https://truststore.pki.rds.amazonaws.com/%s/%s-bundle.pem", region, region)
}

// hostEnvValueRE is what a value in host.env may look like: systemd's
// EnvironmentFile and the start script read it without quoting.
var hostEnvValueRE = regexp.MustCompile(`^[A-Za-z0-9_./:@+=,-]+$`)

// HostEnv renders /etc/rds-app/host.env, the unit's EnvironmentFile.
func (s HostSettings) HostEnv() (string, error) {
	vars := [][2]string{
		{"AWS_REGION", s.Region},
		{"DB_SECRET_ARN", s.DatabaseSecretArn},
		{"APP_SECRET_ARN", s.AppSecretArn},
		{"IMAGE_PARAMETER", s.ImageParameter},
		{"LOG_GROUP", s.LogGroup},
		{"HOST_PORT", fmt.Sprint(s.HostPort)},
		{"CONTAINER_PORT", fmt.Sprint(s.ContainerPort)},
		{"CA_BUNDLE", CABundlePath},
		{"CA_BUNDLE_URL", CABundleURL(s.Region)},
		{"CONTAINER_CA_PATH", ContainerCAPath},
		{"APP_ENV_FILE", AppEnvPath},
		{"CONTAINER_NAME", ContainerName},
	}
	var b strings.Builder
	b.WriteString("# rds-app host settings, read by " + UnitName + ". No secrets here.\n")
	for _, kv := range vars {
		if !hostEnvValueRE.MatchString(kv[1]) {
			return "", fmt.Errorf("host setting %s has an unusable value %q", kv[0], kv[1])
		}
		fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
	}
	return b.String(), nil
}

// AppEnv renders /etc/rds-app/app.env, the container's plain variables in
// Docker's env-file format (KEY=value, taken literally to the end of line).
func (s HostSettings) AppEnv() (string, error) {
	names := make([]string, 0, len(s.Environment))
	for k := range s.Environment {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# plain variables from rds-app:app.environment\n")
	for _, k := range names {
		v := s.Environment[k]
		if err := CheckEnvName(k); err != nil {
			return "", err
		}
		if strings.ContainsAny(v, "\n\r\x00") {
			return "", fmt.Errorf("environment variable %s has a line break, which a Docker env file cannot hold", k)
		}
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	return b.String(), nil
}

type cloudConfig struct {
	WriteFiles []writeFile `yaml:"write_files"`
	RunCmd     [][]string  `yaml:"runcmd"`
}

type writeFile struct {
	Path        string `yaml:"path"`
	Owner       string `yaml:"owner"`
	Permissions string `yaml:"permissions"`
	Content     string `yaml:"content"`
}

// RenderUserData renders the host's #cloud-config user-data.
func RenderUserData(s HostSettings) (string, error) {
	hostEnv, err := s.HostEnv()
	if err != nil {
		return "", err
	}
	appEnv, err := s.AppEnv()
	if err != nil {
		return "", err
	}
	doc := cloudConfig{
		WriteFiles: []writeFile{
			{Path: HostEnvPath, Owner: "root:root", Permissions: "0644", Content: hostEnv},
			{Path: AppEnvPath, Owner: "root:root", Permissions: "0600", Content: appEnv},
			{Path: InstallScriptPath, Owner: "root:root", Permissions: "0755", Content: installScript},
			{Path: StartScriptPath, Owner: "root:root", Permissions: "0755", Content: startScript},
			{Path: UnitPath, Owner: "root:root", Permissions: "0644", Content: unitFile},
		},
		// --no-block: the unit may wait a long time for the database, and
		// cloud-init must finish booting meanwhile.
		RunCmd: [][]string{
			{"systemctl", "daemon-reload"},
			{"systemctl", "enable", "--now", "--no-block", UnitName},
		},
	}
	body, err := yaml.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("rendering cloud-config: %w", err)
	}
	out := "#cloud-config\n" + string(body)
	if len(out) > maxUserDataBytes {
		return "", fmt.Errorf("user-data is %d bytes; EC2 accepts at most %d", len(out), maxUserDataBytes)
	}
	return out, nil
}
