package compute

import (
	"encoding/base64"
	"path"
	"strings"
	"testing"

	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func testSettings() HostSettings {
	return HostSettings{
		Region:            "eu-west-1",
		DatabaseSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
		AppSecretArn:      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf",
		ReleaseBucket:     "app-releases-abc123",
		LogGroup:          "app-app-logs-1234567",
		HealthNamespace:   "rds-app/dev",
	}
}

// parsedUserData is a rendered #cloud-config read back.
type parsedUserData struct {
	WriteFiles []writeFile `yaml:"write_files"`
	RunCmd     [][]string  `yaml:"runcmd"`
}

func parseUserData(t *testing.T, s string) (parsedUserData, map[string]writeFile) {
	t.Helper()
	require.True(t, strings.HasPrefix(s, "#cloud-config\n"))
	var doc parsedUserData
	require.NoError(t, yaml.Unmarshal([]byte(s), &doc))
	files := map[string]writeFile{}
	for _, f := range doc.WriteFiles {
		files[f.Path] = f
	}
	return doc, files
}

func TestRenderUserData(t *testing.T) {
	out, err := RenderUserData(testSettings())
	require.NoError(t, err)
	doc, files := parseUserData(t, out)
	assert.Len(t, files, 6+len(healthFiles()))

	host := files[hostconf.HostEnvPath]
	assert.Equal(t, "0644", host.Permissions)
	for _, line := range []string{
		"AWS_REGION=eu-west-1",
		"DB_SECRET_ARN=arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
		"APP_SECRET_ARN=arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf",
		"RELEASE_BUCKET=app-releases-abc123",
		"RELEASE_KEY=release.json",
		"RELEASE_TAG=rds-app:release",
		"LOG_GROUP=app-app-logs-1234567",
		"CA_BUNDLE=/etc/rds-app/rds-ca-bundle.pem",
		"CA_BUNDLE_URL=https://truststore.pki.rds.amazonaws.com/eu-west-1/eu-west-1-bundle.pem",
		"CONTAINER_CA_PATH=/etc/rds-app/rds-ca-bundle.pem",
		"CONTAINER_NAME=app",
		"HEALTH_NAMESPACE=rds-app/dev",
		"HEALTH_METRIC=AppHealthy",
		"PROXY_NAME=proxy",
		"STATE_DIR=/var/lib/rds-app",
	} {
		assert.Contains(t, strings.Split(host.Content, "\n"), line)
	}
	// Nothing the container sees is in user-data: ports and environment
	// come from the container parameter at every start.
	for _, absent := range []string{"HOST_PORT", "CONTAINER_PORT", "NODE_ENV", "environment"} {
		assert.NotContains(t, host.Content, absent)
	}
	assert.Equal(t, startScript, files[hostconf.StartScriptPath].Content)
	assert.Equal(t, "0755", files[hostconf.StartScriptPath].Permissions)
	assert.Equal(t, swapScript, files[hostconf.SwapScriptPath].Content)
	assert.Equal(t, "0755", files[hostconf.SwapScriptPath].Permissions)
	assert.Equal(t, installScript, files[hostconf.InstallScriptPath].Content)
	assert.Equal(t, "0755", files[hostconf.InstallScriptPath].Permissions)
	assert.Equal(t, unitFile, files[hostconf.UnitPath].Content)
	for _, f := range files {
		assert.Equal(t, "root:root", f.Owner, f.Path)
	}
	assert.Equal(t, [][]string{{"sysctl", "-p", hostconf.SysctlPath}, {"systemctl", "daemon-reload"}, {"systemctl", "enable", "--now", "--no-block", "rds-app.service"},
		{"systemctl", "enable", "--now", "rds-app-health.timer"}}, doc.RunCmd, "the kernel settings hold before the first deploy")
	assert.Equal(t, sysctlFile, files[hostconf.SysctlPath].Content)
	assert.Equal(t, "0644", files[hostconf.SysctlPath].Permissions)
	assert.Contains(t, strings.Split(sysctlFile, "\n"), "net.ipv4.tcp_migrate_req = 1", "a reload of the proxy must not reset waiting connections")
	encoded, err := EncodeUserData(out)
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(encoded)
	require.NoError(t, err)
	assert.Less(t, len(raw), maxUserDataBytes)
	// Deterministic: the same settings are the same user-data.
	again, err := EncodeUserData(out)
	require.NoError(t, err)
	assert.Equal(t, encoded, again)
	back, err := DecodeUserData(encoded)
	require.NoError(t, err)
	assert.Equal(t, out, back)
}

// TestUnitFile checks the systemd unit against the paths the rest of the
// host uses, line by line.
func TestUnitFile(t *testing.T) {
	lines := strings.Split(unitFile, "\n")
	for _, want := range []string{
		"EnvironmentFile=" + hostconf.HostEnvPath,
		"ExecStartPre=" + hostconf.InstallScriptPath,
		"ExecStart=" + hostconf.StartScriptPath + " boot",
		"ExecReload=" + hostconf.StartScriptPath + " deploy",
		"ExecStop=-" + hostconf.SwapScriptPath + " stop",
		"StateDirectory=" + strings.TrimPrefix(hostconf.StateDir, "/var/lib/"),
		"StateDirectoryMode=0700",
		"Type=oneshot",
		"RemainAfterExit=yes",
		"Restart=on-failure",
		"StartLimitIntervalSec=0",
		"RuntimeDirectory=" + strings.TrimPrefix(hostconf.RuntimeDir, "/run/"),
		"RuntimeDirectoryMode=0700",
		"WantedBy=multi-user.target",
		"After=network-online.target docker.service",
	} {
		assert.Contains(t, lines, want)
	}
	// The start script writes the env file into the unit's runtime directory.
	assert.Contains(t, startScript, "runtime_dir=${RUNTIME_DIRECTORY:-"+hostconf.RuntimeDir+"}")
	assert.Contains(t, startScript, "env_file=$runtime_dir/"+strings.TrimPrefix(hostconf.EnvFilePath, hostconf.RuntimeDir+"/"))
	assert.Contains(t, startScript, "plain_env_file=$runtime_dir/"+strings.TrimPrefix(hostconf.PlainEnvFilePath, hostconf.RuntimeDir+"/"))
	assert.Contains(t, startScript, `chmod 0600 "$tmp"`)
	// The start script finds the swap script beside itself.
	assert.Equal(t, path.Dir(hostconf.StartScriptPath), path.Dir(hostconf.SwapScriptPath))
	assert.Equal(t, "rds-app-swap", path.Base(hostconf.SwapScriptPath))
	assert.Contains(t, startScript, "swap=${BASH_SOURCE[0]%/*}/rds-app-swap")
	// The swap script points the upstream the proxy's configuration marks.
	assert.Contains(t, swapScript, `select(.["@id"]? == "`+hostconf.UpstreamID+`")`)
}

func TestRenderUserDataRejectsUnusableValues(t *testing.T) {
	s := testSettings()
	s.LogGroup = "has space"
	_, err := RenderUserData(s)
	assert.ErrorContains(t, err, `host setting LOG_GROUP has an unusable value "has space"`)

}

// testContainer is container settings as the program makes them.
func testContainer() hostconf.ContainerSettings {
	return hostconf.ContainerSettings{HostPort: 80, ContainerPort: 1337, HealthCheckPath: "/healthz",
		HealthCheckTimeout: 120, HealthCheckInterval: 2, HealthCheckRetries: 10, DrainSeconds: 10,
		ProxyImage: "public.ecr.aws/docker/library/caddy:2.11.4", SlotPorts: [2]int{18001, 18002}, ProxyAdminPort: 2019}
}

func TestContainerSettings(t *testing.T) {
	s := testContainer()
	s.Environment = map[string]string{"NODE_ENV": "production", "GREETING": "a=b c#d $HOME \"q\" ünï <&>"}
	got, err := s.JSON()
	require.NoError(t, err)
	proxy, err := s.Proxy()
	require.NoError(t, err)
	// Keys sorted, values byte-exact (no \u escapes), the proxy's
	// configuration last.
	assert.Equal(t, `{"hostPort":80,"containerPort":1337,"healthCheckPath":"/healthz","healthCheckTimeout":120,"healthCheckInterval":2,"healthCheckRetries":10,`+
		`"drainSeconds":10,"proxyImage":"public.ecr.aws/docker/library/caddy:2.11.4","domain":"","slotPorts":[18001,18002],"proxyAdminPort":2019,`+
		`"environment":{"GREETING":"a=b c#d $HOME \"q\" ünï <&>","NODE_ENV":"production"},"proxy":`+string(proxy)+`}`, got)

	none, err := testContainer().JSON()
	require.NoError(t, err)
	assert.Contains(t, none, `"environment":{},"proxy":{`)

	bad := testContainer()
	bad.Environment = map[string]string{"MOTD": "line\nbreak"}
	_, err = bad.JSON()
	assert.ErrorContains(t, err, "environment variable MOTD has a line break")
	bad.Environment = map[string]string{"1BAD": "x"}
	_, err = bad.JSON()
	assert.Error(t, err)

	for name, change := range map[string]func(*hostconf.ContainerSettings){
		"slot on the proxy's port": func(s *hostconf.ContainerSettings) { s.SlotPorts[1] = s.HostPort },
		"slot on the admin port":   func(s *hostconf.ContainerSettings) { s.SlotPorts[0] = s.ProxyAdminPort },
		"one port for both slots":  func(s *hostconf.ContainerSettings) { s.SlotPorts[1] = s.SlotPorts[0] },
		"no drain":                 func(s *hostconf.ContainerSettings) { s.DrainSeconds = 0 },
		"no admin port":            func(s *hostconf.ContainerSettings) { s.ProxyAdminPort = 0 },
	} {
		bad := testContainer()
		change(&bad)
		_, err := bad.JSON()
		assert.ErrorContains(t, err, "rendering the proxy's configuration", name)
	}
}

// TestRolloutCommandFollowsEverythingTheContainerSees: the command, and so
// the association, changes with the image, the container settings and
// either secret's version (through the release's ID), and with nothing
// else.
func TestRolloutCommandFollowsEverythingTheContainerSees(t *testing.T) {
	base := hostconf.Release{Image: "nginx:1", Container: `{"hostPort":80}`}
	command := func(r hostconf.Release, db, app string) string {
		rec := hostconf.NewReleaseRecord(r, db, app)
		text, err := rec.JSON()
		require.NoError(t, err)
		return RolloutCommand(r.Image, rec.ID, "ver-"+text[:0]+rec.ID[:8])
	}
	cmd := command(base, "db-v1", "app-v1")
	assert.Regexp(t, `^systemctl try-reload-or-restart rds-app\.service \|\| \{ journalctl --unit rds-app\.service --lines 80 --no-pager --output cat; exit 1; \} # release: [0-9a-f]{32} \(record version ver-[0-9a-f]{8}\); image: nginx:1$`, cmd)
	assert.Equal(t, cmd, command(base, "db-v1", "app-v1"), "the same release is the same command")
	for name, other := range map[string]string{
		"image":              command(hostconf.Release{Image: "nginx:2", Container: base.Container}, "db-v1", "app-v1"),
		"container settings": command(hostconf.Release{Image: base.Image, Container: `{"hostPort":8080}`}, "db-v1", "app-v1"),
		"database secret":    command(base, "db-v2", "app-v1"),
		"app secret":         command(base, "db-v1", "app-v2"),
	} {
		assert.NotEqual(t, cmd, other, "a change of the %s must run the rollout again", name)
	}
}

func TestURL(t *testing.T) {
	assert.Equal(t, "http://203.0.113.10", URL("203.0.113.10", 80, ""))
	assert.Equal(t, "http://203.0.113.10:8080", URL("203.0.113.10", 8080, ""))
	assert.Equal(t, "https://app.example.com", URL("203.0.113.10", 80, "app.example.com"))
}
