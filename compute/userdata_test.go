package compute

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func testSettings() HostSettings {
	return HostSettings{
		Region:            "eu-west-1",
		DatabaseSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
		AppSecretArn:      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf",
		ImageParameter:    "/rds-app/dev/image",
		LogGroup:          "app-app-logs-1234567",
		HostPort:          80,
		ContainerPort:     1337,
		Environment:       map[string]string{"NODE_ENV": "production", "GREETING": "a=b c#d"},
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
	assert.Len(t, files, 5)

	host := files[HostEnvPath]
	assert.Equal(t, "0644", host.Permissions)
	for _, line := range []string{
		"AWS_REGION=eu-west-1",
		"DB_SECRET_ARN=arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
		"APP_SECRET_ARN=arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf",
		"IMAGE_PARAMETER=/rds-app/dev/image",
		"LOG_GROUP=app-app-logs-1234567",
		"HOST_PORT=80",
		"CONTAINER_PORT=1337",
		"CA_BUNDLE=/etc/rds-app/rds-ca-bundle.pem",
		"CA_BUNDLE_URL=https://truststore.pki.rds.amazonaws.com/eu-west-1/eu-west-1-bundle.pem",
		"CONTAINER_CA_PATH=/etc/rds-app/rds-ca-bundle.pem",
		"APP_ENV_FILE=/etc/rds-app/app.env",
		"CONTAINER_NAME=app",
	} {
		assert.Contains(t, strings.Split(host.Content, "\n"), line)
	}
	app := files[AppEnvPath]
	assert.Equal(t, "0600", app.Permissions)
	assert.Equal(t, "# plain variables from rds-app:app.environment\nGREETING=a=b c#d\nNODE_ENV=production\n", app.Content)
	assert.Equal(t, startScript, files[StartScriptPath].Content)
	assert.Equal(t, "0755", files[StartScriptPath].Permissions)
	assert.Equal(t, installScript, files[InstallScriptPath].Content)
	assert.Equal(t, "0755", files[InstallScriptPath].Permissions)
	assert.Equal(t, unitFile, files[UnitPath].Content)
	for _, f := range files {
		assert.Equal(t, "root:root", f.Owner, f.Path)
	}
	assert.Equal(t, [][]string{{"systemctl", "daemon-reload"}, {"systemctl", "enable", "--now", "--no-block", "rds-app.service"}}, doc.RunCmd)
	assert.Less(t, len(out), maxUserDataBytes)
}

// TestUnitFile checks the systemd unit against the paths the rest of the
// host uses, line by line.
func TestUnitFile(t *testing.T) {
	lines := strings.Split(unitFile, "\n")
	for _, want := range []string{
		"EnvironmentFile=" + HostEnvPath,
		"ExecStartPre=" + InstallScriptPath,
		"ExecStart=" + StartScriptPath,
		"ExecReload=" + StartScriptPath,
		"ExecStop=-/usr/bin/docker stop ${CONTAINER_NAME}",
		"Type=oneshot",
		"RemainAfterExit=yes",
		"Restart=on-failure",
		"StartLimitIntervalSec=0",
		"RuntimeDirectory=" + strings.TrimPrefix(RuntimeDir, "/run/"),
		"RuntimeDirectoryMode=0700",
		"WantedBy=multi-user.target",
		"After=network-online.target docker.service",
	} {
		assert.Contains(t, lines, want)
	}
	// The start script writes the env file into the unit's runtime directory.
	assert.Contains(t, startScript, "runtime_dir=${RUNTIME_DIRECTORY:-"+RuntimeDir+"}")
	assert.Contains(t, startScript, "env_file=$runtime_dir/"+strings.TrimPrefix(EnvFilePath, RuntimeDir+"/"))
	assert.Contains(t, startScript, `chmod 0600 "$tmp"`)
}

func TestRenderUserDataRejectsUnusableValues(t *testing.T) {
	s := testSettings()
	s.LogGroup = "has space"
	_, err := RenderUserData(s)
	assert.ErrorContains(t, err, `host setting LOG_GROUP has an unusable value "has space"`)

	s = testSettings()
	s.Environment = map[string]string{"MOTD": "line\nbreak"}
	_, err = RenderUserData(s)
	assert.ErrorContains(t, err, "environment variable MOTD has a line break")
}

func TestURL(t *testing.T) {
	assert.Equal(t, "http://203.0.113.10", URL("203.0.113.10", 80))
	assert.Equal(t, "http://203.0.113.10:8080", URL("203.0.113.10", 8080))
}
