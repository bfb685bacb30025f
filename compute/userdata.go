package compute

// User-data rendering: pure Go, no Pulumi types. The host's boot
// configuration is a #cloud-config document that writes a settings file,
// three scripts, a systemd unit and kernel settings, applies the settings
// and enables the unit. It holds only ARNs,
// names and paths, which change only with the stack itself: everything the
// container sees (image, ports, environment, secrets, database settings) is
// the release's, read by the host from the release record at every start
// and reload, so a new release redeploys the container instead of
// replacing the host.

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/base64"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"gopkg.in/yaml.v3"
)

// maxUserDataBytes is EC2's limit for user-data.
const maxUserDataBytes = 16 * 1024

var (
	//go:embed files/rds-app-start.sh
	startScript string
	//go:embed files/rds-app-swap.sh
	swapScript string
	//go:embed files/rds-app-install.sh
	installScript string
	//go:embed files/rds-app.service
	unitFile string
	//go:embed files/90-rds-app.conf
	sysctlFile string
)

// HostSettings is everything the host needs to know at boot. None of it is
// secret.
type HostSettings struct {
	Region            string
	DatabaseSecretArn string
	AppSecretArn      string
	// ReleaseBucket holds the release record (ReleaseKey), in versions.
	ReleaseBucket string
	LogGroup      string
	// HealthNamespace is where the health reporter publishes.
	HealthNamespace string
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
		{"RELEASE_BUCKET", s.ReleaseBucket},
		{"RELEASE_KEY", hostconf.ReleaseKey},
		{"RELEASE_TAG", hostconf.ReleaseTag},
		{"LOG_GROUP", s.LogGroup},
		{"CA_BUNDLE", hostconf.CABundlePath},
		{"CA_BUNDLE_URL", CABundleURL(s.Region)},
		{"CONTAINER_CA_PATH", hostconf.ContainerCAPath},
		{"CONTAINER_NAME", hostconf.ContainerName},
		{"HEALTH_NAMESPACE", s.HealthNamespace},
		{"HEALTH_METRIC", awsfacts.HealthMetricName},
		{"PROXY_NAME", hostconf.ProxyName},
		{"STATE_DIR", hostconf.StateDir},
	}
	var b strings.Builder
	b.WriteString("# rds-app host settings, read by " + hostconf.UnitName + ". No secrets here.\n")
	for _, kv := range vars {
		if !hostEnvValueRE.MatchString(kv[1]) {
			return "", fmt.Errorf("host setting %s has an unusable value %q", kv[0], kv[1])
		}
		fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
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
	doc := cloudConfig{
		WriteFiles: []writeFile{
			{Path: hostconf.HostEnvPath, Owner: "root:root", Permissions: "0644", Content: hostEnv},
			{Path: hostconf.InstallScriptPath, Owner: "root:root", Permissions: "0755", Content: installScript},
			{Path: hostconf.StartScriptPath, Owner: "root:root", Permissions: "0755", Content: startScript},
			{Path: hostconf.SwapScriptPath, Owner: "root:root", Permissions: "0755", Content: swapScript},
			{Path: hostconf.UnitPath, Owner: "root:root", Permissions: "0644", Content: unitFile},
			{Path: hostconf.SysctlPath, Owner: "root:root", Permissions: "0644", Content: sysctlFile},
		},
		// --no-block: the unit may wait a long time for the database, and
		// cloud-init must finish booting meanwhile.
		RunCmd: [][]string{
			{"sysctl", "-p", hostconf.SysctlPath},
			{"systemctl", "daemon-reload"},
			{"systemctl", "enable", "--now", "--no-block", hostconf.UnitName},
			healthStart,
		},
	}
	doc.WriteFiles = append(doc.WriteFiles, healthFiles()...)
	body, err := yaml.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("rendering cloud-config: %w", err)
	}
	return "#cloud-config\n" + string(body), nil
}

// EncodeUserData compresses the cloud-config for EC2: the scripts take it
// near EC2's 16 KB limit, gzip to about a third, and cloud-init unpacks
// gzip by itself. The result is base64 (EC2's user_data_base64). The gzip
// header carries no time, so the same cloud-config is the same user-data
// and a `pulumi up` without a change replaces nothing.
func EncodeUserData(cloudConfig string) (string, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write([]byte(cloudConfig)); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	if buf.Len() > maxUserDataBytes {
		return "", fmt.Errorf("user-data is %d bytes compressed; EC2 accepts at most %d", buf.Len(), maxUserDataBytes)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeUserData is EncodeUserData's inverse (what cloud-init reads).
func DecodeUserData(encoded string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	out, err := io.ReadAll(zr)
	return string(out), err
}
