package compute

// The host's health reporter: a script and a systemd timer, written by
// user-data, that ask the application for its health every minute and
// publish the answer as a CloudWatch metric, which the stack's app-health
// alarm watches. It runs whether or not alarms are on, so turning them on
// never touches the host.

import (
	_ "embed"
	"strings"

	"github.com/rds-app/rds-app/compute/hostconf"
)

var (
	//go:embed files/rds-app-health.sh
	healthScript string
	//go:embed files/rds-app-health.service
	healthService string
	//go:embed files/rds-app-health.timer
	healthTimer string
)

// HealthNamespace is the CloudWatch namespace of a stack's health metric:
// the stack's own ("/rds-app/dev" gives "rds-app/dev"), so the host may
// publish there and nowhere else.
func HealthNamespace(parameterPrefix string) string {
	return strings.TrimPrefix(parameterPrefix, "/")
}

// healthFiles are the reporter's files in user-data.
func healthFiles() []writeFile {
	return []writeFile{
		{Path: hostconf.HealthScriptPath, Owner: "root:root", Permissions: "0755", Content: healthScript},
		{Path: hostconf.HealthServicePath, Owner: "root:root", Permissions: "0644", Content: healthService},
		{Path: hostconf.HealthTimerPath, Owner: "root:root", Permissions: "0644", Content: healthTimer},
	}
}

// healthStart starts the timer at boot, after the units are written.
var healthStart = []string{"systemctl", "enable", "--now", hostconf.HealthTimerName}
