package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

var testFacts = Facts{Region: "eu-west-1", AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
	// PostgreSQL 13 left RDS standard support on 2026-02-28; 14 leaves it on 2027-02-28.
	Today: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}

const minimalApp = `{"image": "public.ecr.aws/docker/library/nginx:stable-alpine"}`

func parse(values map[string]string, secretKeys ...string) (*Config, error) {
	return Parse("rds-app", Source{Values: values, SecretKeys: secretKeys}, testFacts)
}

// problemsOf parses and returns the problems as "key: message" lines.
func problemsOf(t *testing.T, values map[string]string) []string {
	t.Helper()
	_, err := parse(values)
	require.Error(t, err)
	var ps Problems
	require.True(t, errors.As(err, &ps), "want Problems, got %T", err)
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func TestDefaults(t *testing.T) {
	cfg, err := parse(map[string]string{"rds-app:app": minimalApp})
	require.NoError(t, err)
	assert.Equal(t, Network{
		CIDR:                 "10.0.0.0/16",
		AZCount:              2,
		AvailabilityZones:    []string{"eu-west-1a", "eu-west-1b"},
		IngressCIDRs:         []string{"0.0.0.0/0"},
		FlowLogRetentionDays: 30,
	}, cfg.Network)
	assert.Equal(t, Database{
		EngineVersion:       "17",
		InstanceClass:       "db.t4g.micro",
		AllocatedStorage:    20,
		MaxAllocatedStorage: 100,
		Port:                5432,
		Username:            "app_admin",
		Name:                "app",
		BackupRetentionDays: 7,
		BackupWindow:        "03:00-04:00",
		MaintenanceWindow:   "sun:04:30-sun:05:30",
		MultiAZ:             false,
		DeletionProtection:  false,
		SkipFinalSnapshot:   false,
		ApplyImmediately:    false,
		MonitoringInterval:  60,
		LogRetentionDays:    30,
		InsightsMode:        "standard",
		PasswordVersion:     1,
		// No proxy, no replicas.
	}, cfg.Database)
	assert.Equal(t, App{
		Image:            "public.ecr.aws/docker/library/nginx:stable-alpine",
		RepositoryKeep:   30,
		ReleasesKept:     DefaultReleasesKept,
		RefreshTimeout:   DefaultRefreshTimeout,
		Hosts:            1,
		InstanceType:     "t3.micro",
		HostPort:         80,
		ContainerPort:    1337,
		RootVolumeSize:   20,
		LogRetentionDays: 30,
		HealthCheckPath:  "/",
		SecretNames:      []string{"APP_KEYS", "API_TOKEN_SALT", "ADMIN_JWT_SECRET", "JWT_SECRET"},
		Environment:      map[string]string{},
		// The deploy gate and the proxy; no domain: plain HTTP.
		HealthCheckTimeout:  120,
		HealthCheckInterval: 2,
		HealthCheckRetries:  10,
		DrainSeconds:        10,
		ProxyImage:          "public.ecr.aws/docker/library/caddy:2.11.4",
	}, cfg.App)
	assert.Equal(t, Ops{Alarms: true, AlarmEmails: []string{}, BackupPlan: false}, cfg.Ops)
}

func TestEveryKeyIsRead(t *testing.T) {
	cfg, err := parse(map[string]string{
		"aws:region": "eu-west-1",
		"rds-app:network": `{"cidr": "10.20.0.0/20", "azCount": 3, "availabilityZones": ["eu-west-1c", "eu-west-1a", "eu-west-1b"],
			"ingressCidrs": ["203.0.113.0/24"], "flowLogRetentionDays": 7}`,
		"rds-app:database": `{"engineVersion": "16.4", "instanceClass": "db.m7g.large", "allocatedStorage": 50, "maxAllocatedStorage": 500,
			"port": 6432, "username": "owner", "name": "shop", "backupRetentionDays": 14, "backupWindow": "01:00-01:30",
			"maintenanceWindow": "sat:22:00-sat:23:00", "multiAz": true, "deletionProtection": true, "skipFinalSnapshot": true,
			"applyImmediately": true, "extendedSupport": true, "monitoringInterval": 15, "logRetentionDays": 365,
			"insightsMode": "advanced", "passwordVersion": 3, "proxy": true, "proxyIamAuth": true, "readReplicas": 2}`,
		"rds-app:app": `{"image": "210987654321.dkr.ecr.eu-west-1.amazonaws.com/shop:v1", "repository": true, "repositoryKeep": 12, "repositoryForceDelete": true, "releasesKept": 3, "refreshTimeout": 7200, "scaling": {"min": 2, "max": 6, "targetRequests": 1200}, "instanceType": "t4g.small", "amiId": "ami-12345678", "hostPort": 80,
			"containerPort": 3000, "healthCheckPath": "/healthz?full=1", "rootVolumeSize": 30, "logRetentionDays": 90, "secretNames": ["SESSION_KEY"],
			"environment": {"NODE_ENV": "production"}, "healthCheckTimeout": 300, "healthCheckInterval": 3, "healthCheckRetries": 4, "drainSeconds": 60,
			"proxyImage": "public.ecr.aws/docker/library/caddy@sha256:` + strings.Repeat("c", 64) + `", "domain": "shop.example.org", "hostedZoneId": "Z2ABCDEF123456"}`,
		"rds-app:ops": `{"alarms": false, "alarmEmail": ["ops@example.com", "db-team+pager@example.co.uk"], "backupPlan": true}`,
	})
	require.NoError(t, err)
	assert.Equal(t, Network{CIDR: "10.20.0.0/20", AZCount: 3, AvailabilityZones: []string{"eu-west-1c", "eu-west-1a", "eu-west-1b"},
		IngressCIDRs: []string{"203.0.113.0/24"}, FlowLogRetentionDays: 7}, cfg.Network)
	assert.Equal(t, Database{EngineVersion: "16.4", InstanceClass: "db.m7g.large", AllocatedStorage: 50, MaxAllocatedStorage: 500,
		Port: 6432, Username: "owner", Name: "shop", BackupRetentionDays: 14, BackupWindow: "01:00-01:30",
		MaintenanceWindow: "sat:22:00-sat:23:00", MultiAZ: true, DeletionProtection: true, SkipFinalSnapshot: true,
		ApplyImmediately: true, ExtendedSupport: true, MonitoringInterval: 15, LogRetentionDays: 365,
		InsightsMode: "advanced", PasswordVersion: 3, Proxy: true, ProxyIAMAuth: true, ReadReplicas: 2}, cfg.Database)
	assert.Equal(t, App{Image: "210987654321.dkr.ecr.eu-west-1.amazonaws.com/shop:v1", Repository: true, RepositoryKeep: 12, RepositoryForceDelete: true, ReleasesKept: 3, RefreshTimeout: 7200, Hosts: 1, Scaling: &Scaling{Min: 2, Max: 6, TargetRequests: 1200}, InstanceType: "t4g.small", AMIID: "ami-12345678", HostPort: 80,
		ContainerPort: 3000, HealthCheckPath: "/healthz?full=1", RootVolumeSize: 30, LogRetentionDays: 90, SecretNames: []string{"SESSION_KEY"},
		Environment: map[string]string{"NODE_ENV": "production"}, HealthCheckTimeout: 300, HealthCheckInterval: 3, HealthCheckRetries: 4, DrainSeconds: 60,
		ProxyImage: "public.ecr.aws/docker/library/caddy@sha256:" + strings.Repeat("c", 64), Domain: "shop.example.org", HostedZoneID: "Z2ABCDEF123456"}, cfg.App)
	assert.Equal(t, Ops{Alarms: false, AlarmEmails: []string{"ops@example.com", "db-team+pager@example.co.uk"}, BackupPlan: true}, cfg.Ops)
}

func TestDependentDefaults(t *testing.T) {
	t.Run("azCount picks the first zones of the region", func(t *testing.T) {
		cfg, err := parse(map[string]string{"rds-app:app": minimalApp, "rds-app:network": `{"azCount": 3}`})
		require.NoError(t, err)
		assert.Equal(t, testFacts.AvailabilityZones, cfg.Network.AvailabilityZones)
	})
	t.Run("availabilityZones sets azCount", func(t *testing.T) {
		cfg, err := parse(map[string]string{"rds-app:app": minimalApp, "rds-app:network": `{"availabilityZones": ["eu-west-1b", "eu-west-1c"]}`})
		require.NoError(t, err)
		assert.Equal(t, 2, cfg.Network.AZCount)
		assert.Equal(t, []string{"eu-west-1b", "eu-west-1c"}, cfg.Network.AvailabilityZones)
	})
	t.Run("an explicitly empty list stays empty", func(t *testing.T) {
		cfg, err := parse(map[string]string{"rds-app:app": `{"image": "nginx:1.27", "secretNames": []}`})
		require.NoError(t, err)
		assert.Empty(t, cfg.App.SecretNames)
		assert.NotNil(t, cfg.App.SecretNames)
	})
}

func TestLenientScalarsLikePulumi(t *testing.T) {
	// `pulumi config set --path` may store numbers and booleans as strings.
	cfg, err := parse(map[string]string{
		"rds-app:app":      minimalApp,
		"rds-app:network":  `{"azCount": "3"}`,
		"rds-app:database": `{"multiAz": "true", "port": 6000.0}`,
	})
	require.NoError(t, err)
	assert.Equal(t, 3, cfg.Network.AZCount)
	assert.True(t, cfg.Database.MultiAZ)
	assert.Equal(t, 6000, cfg.Database.Port)
}

func TestValidationRules(t *testing.T) {
	tests := []struct {
		name    string
		section string // "network", "database", "app" or "ops"
		value   string
		want    string
	}{
		{"placeholder image", "app", `{"image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-app:1.0.0"}`, "rds-app:app.image: \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-app:1.0.0\" is in account 123456789012, the placeholder of the example stacks (AWS's documentation account); set your own image: `pulumi config set --path app.image <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` (allowed: registry/repository:tag or registry/repository@sha256:(64 hex digits), with an explicit tag or digest and a lower-case registry host; for example \"public.ecr.aws/docker/library/nginx:1.29-alpine\")"},

		// Classes of values that used to pass validation and fail at AWS.
		{"vpc multicast", "network", `{"cidr": "224.0.0.0/16"}`, "rds-app:network.cidr: \"224.0.0.0/16\" is multicast address space; a VPC block must lie in private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or shared (100.64.0.0/10) address space (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")"},
		{"vpc loopback", "network", `{"cidr": "127.0.0.0/16"}`, "rds-app:network.cidr: \"127.0.0.0/16\" is loopback address space; a VPC block must lie in private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or shared (100.64.0.0/10) address space (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")"},
		{"vpc link-local", "network", `{"cidr": "169.254.0.0/16"}`, "rds-app:network.cidr: \"169.254.0.0/16\" is link-local address space; a VPC block must lie in private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or shared (100.64.0.0/10) address space (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")"},
		{"vpc public", "network", `{"cidr": "8.8.0.0/16"}`, "rds-app:network.cidr: \"8.8.0.0/16\" is public address space (or overlaps it); a VPC block must lie in private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or shared (100.64.0.0/10) address space (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")"},
		{"vpc overlapping private space", "network", `{"cidr": "172.0.0.0/16"}`, "rds-app:network.cidr: \"172.0.0.0/16\" is public address space (or overlaps it); a VPC block must lie in private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or shared (100.64.0.0/10) address space (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")"},
		{"ingress empty", "network", `{"ingressCidrs": []}`, "rds-app:network.ingressCidrs: is empty, so no one could reach the application; list who may, such as [\"0.0.0.0/0\"] for everyone (allowed: 1 to 60 distinct IPv4 CIDR blocks given as network addresses (each is a security group rule; a group holds 60); for example [\"203.0.113.0/24\"])"},
		{"ingress duplicated", "network", `{"ingressCidrs": ["203.0.113.0/24", "203.0.113.0/24"]}`, "rds-app:network.ingressCidrs[1]: \"203.0.113.0/24\" is listed twice (allowed: 1 to 60 distinct IPv4 CIDR blocks given as network addresses (each is a security group rule; a group holds 60); for example [\"203.0.113.0/24\"])"},
		{"ingress above the rule quota", "network", `{"ingressCidrs": [` + cidrList(61) + `]}`, "rds-app:network.ingressCidrs: lists 61 blocks, above the 60 rules a security group holds (allowed: 1 to 60 distinct IPv4 CIDR blocks given as network addresses (each is a security group rule; a group holds 60); for example [\"203.0.113.0/24\"])"},
		{"engine minor never released", "database", `{"engineVersion": "17.99"}`, "rds-app:database.engineVersion: \"17.99\" is not a PostgreSQL 17 release (the latest there can be on 2026-11-29 is 17.12); give the major alone (\"17\") to follow AWS's minor upgrades (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as \"17.6\", without leading zeros; for example \"18\")"},
		{"instance class unknown size", "database", `{"instanceClass": "db.t4g.nano"}`, "rds-app:database.instanceClass: \"db.t4g.nano\" is not an RDS for PostgreSQL instance class; db.t4g comes in micro, small, medium, large, xlarge, 2xlarge (allowed: an RDS for PostgreSQL class, db.<family>.<size>; for example \"db.t4g.small\")"},
		{"instance class unknown family", "database", `{"instanceClass": "db.q9.large"}`, "rds-app:database.instanceClass: \"db.q9.large\" is not an RDS for PostgreSQL instance class; use db.<family>.<size>, such as db.t4g.micro or db.m7g.large (families: m5, m5d, m6g, m6gd, m6i, m6id, m6idn, m6in, m7g, m7i, m8g, m8gd, r5, r5b, r5d, r6g, r6gd, r6i, r6id, r6idn, r6in, r7g, r7i, r8g, r8gd, t3, t4g, x2g, x2idn, x2iedn, x2iezn) (allowed: an RDS for PostgreSQL class, db.<family>.<size>; for example \"db.t4g.small\")"},
		{"instance class absurdly long", "database", `{"instanceClass": "db.t4g.` + strings.Repeat("x", 200) + `"}`, "rds-app:database.instanceClass: \"db.t4g.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"… (207 bytes) is not an RDS for PostgreSQL instance class; db.t4g comes in micro, small, medium, large, xlarge, 2xlarge (allowed: an RDS for PostgreSQL class, db.<family>.<size>; for example \"db.t4g.small\")"},
		{"storage ceiling under 110 percent", "database", `{"allocatedStorage": 100, "maxAllocatedStorage": 105}`, "rds-app:database.maxAllocatedStorage: 105 GiB is less than 110 % of allocatedStorage (100 GiB), which RDS refuses (allowed: at least 110 % of allocatedStorage (rounded up), at most 65536; for example 110)"},
		// Scale-out.
		{"hosts zero", "app", `{"image": "nginx:1", "hosts": 0}`, "rds-app:app.hosts: 0 is outside 1..50 (allowed: 1 to 50; not with scaling; for example 2)"},
		{"hosts and scaling", "app", `{"image": "nginx:1", "hosts": 3, "scaling": {"min": 2, "max": 4, "targetCpu": 50}}`, "rds-app:app.scaling: is set and so is app.hosts (3); set one of them: scaling's min and max bound the group (allowed: min 1 to 50, max above min and at most 50, and one target: targetCpu 10 to 90 (average CPU percent) or targetRequests 1 to 1000000 (requests per host per minute); not with hosts; for example {\"max\":4,\"min\":2,\"targetCpu\":60})"},
		{"scaling without target", "app", `{"image": "nginx:1", "scaling": {"min": 2, "max": 4}}`, "rds-app:app.scaling: sets no target; set targetCpu (average CPU percent) or targetRequests (requests per host per minute) (allowed: min 1 to 50, max above min and at most 50, and one target: targetCpu 10 to 90 (average CPU percent) or targetRequests 1 to 1000000 (requests per host per minute); not with hosts; for example {\"max\":4,\"min\":2,\"targetCpu\":60})"},
		{"scaling with two targets", "app", `{"image": "nginx:1", "scaling": {"min": 2, "max": 4, "targetCpu": 50, "targetRequests": 100}}`, "rds-app:app.scaling: sets both targetCpu and targetRequests; target tracking on both makes the group follow whichever asks for more hosts, set one (allowed: min 1 to 50, max above min and at most 50, and one target: targetCpu 10 to 90 (average CPU percent) or targetRequests 1 to 1000000 (requests per host per minute); not with hosts; for example {\"max\":4,\"min\":2,\"targetCpu\":60})"},
		{"scaling max not above min", "app", `{"image": "nginx:1", "scaling": {"min": 3, "max": 3, "targetCpu": 50}}`, "rds-app:app.scaling.max: 3 is not above min (3); for a fixed number of hosts set app.hosts instead (allowed: min 1 to 50, max above min and at most 50, and one target: targetCpu 10 to 90 (average CPU percent) or targetRequests 1 to 1000000 (requests per host per minute); not with hosts; for example {\"max\":4,\"min\":2,\"targetCpu\":60})"},
		{"scaling min missing", "app", `{"image": "nginx:1", "scaling": {"max": 3, "targetCpu": 50}}`, "rds-app:app.scaling.min: 0 is outside 1..50 (allowed: min 1 to 50, max above min and at most 50, and one target: targetCpu 10 to 90 (average CPU percent) or targetRequests 1 to 1000000 (requests per host per minute); not with hosts; for example {\"max\":4,\"min\":2,\"targetCpu\":60})"},
		{"scaling cpu too high", "app", `{"image": "nginx:1", "scaling": {"min": 1, "max": 3, "targetCpu": 95}}`, "rds-app:app.scaling.targetCpu: 95 is outside 10..90 (allowed: min 1 to 50, max above min and at most 50, and one target: targetCpu 10 to 90 (average CPU percent) or targetRequests 1 to 1000000 (requests per host per minute); not with hosts; for example {\"max\":4,\"min\":2,\"targetCpu\":60})"},
		{"scaling unknown field", "app", `{"image": "nginx:1", "scaling": {"min": 1, "max": 3, "targetCPU": 50}}`, "rds-app:app.scaling.targetCPU: is not a known field; known fields are min, max, targetCpu, targetRequests (allowed: min 1 to 50, max above min and at most 50, and one target: targetCpu 10 to 90 (average CPU percent) or targetRequests 1 to 1000000 (requests per host per minute); not with hosts; for example {\"max\":4,\"min\":2,\"targetCpu\":60})"},
		{"scaling not an object", "app", `{"image": "nginx:1", "scaling": 4}`, "rds-app:app.scaling: 4 is not an object with the fields min, max, targetCpu, targetRequests (allowed: min 1 to 50, max above min and at most 50, and one target: targetCpu 10 to 90 (average CPU percent) or targetRequests 1 to 1000000 (requests per host per minute); not with hosts; for example {\"max\":4,\"min\":2,\"targetCpu\":60})"},
		{"ACM name too long", "app", `{"image": "nginx:1", "hosts": 2, "domain": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com"}`, "rds-app:app.domain: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com\" is 72 characters; behind a load balancer its certificate comes from ACM, which takes names of at most 64 (allowed: a DNS name of lower-case labels, at most 253 characters (64 behind a load balancer), not an IP address; for example \"app.example.com\")"},
		{"proxy iam auth without proxy", "database", `{"proxyIamAuth": true}`, "rds-app:database.proxyIamAuth: true needs database.proxy: IAM authentication is the proxy's; set database.proxy to true (allowed: true needs proxy; for example true)"},
		{"too many replicas", "database", `{"readReplicas": 6}`, "rds-app:database.readReplicas: 6 is outside 0..5 (allowed: 0 to 5; for example 1)"},
		{"instance type unknown size", "app", `{"image": "nginx:1", "instanceType": "t3.huge"}`, "rds-app:app.instanceType: \"t3.huge\" is not an EC2 instance type; t3 comes in nano, micro, small, medium, large, xlarge, 2xlarge (allowed: an EC2 instance type offered in the host's zone (in every zone, with a load balancer); for example \"t4g.small\")"},
		{"instance type absurdly long", "app", `{"image": "nginx:1", "instanceType": "` + strings.Repeat("m", 300) + `.large"}`, "rds-app:app.instanceType: \"mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\"… (306 bytes) is not an EC2 instance type; use a name such as t3.micro, t4g.small or m7g.large (allowed: an EC2 instance type offered in the host's zone (in every zone, with a load balancer); for example \"t4g.small\")"},
		{"ecr host upper case", "app", `{"image": "210987654321.DKR.ECR.eu-west-1.amazonaws.com/shop:1"}`, "rds-app:app.image: \"210987654321.DKR.ECR.eu-west-1.amazonaws.com/shop:1\" has upper-case letters in its registry host; write it in lower case: \"210987654321.dkr.ecr.eu-west-1.amazonaws.com/shop:1\" (allowed: registry/repository:tag or registry/repository@sha256:(64 hex digits), with an explicit tag or digest and a lower-case registry host; for example \"public.ecr.aws/docker/library/nginx:1.29-alpine\")"},
		{"host port ssh", "app", `{"image": "nginx:1", "hostPort": 22}`, "rds-app:app.hostPort: 22 is taken on the host by sshd (allowed: 1 to 65535, except the host's own 22 (sshd), 53 (systemd-resolved (DNS)), 323 (chronyd), 2019 (Caddy's admin API), 5355 (systemd-resolved (LLMNR)), 18001 (the application's first slot), 18002 (the application's second slot); for example 8080)"},
		{"host port dns", "app", `{"image": "nginx:1", "hostPort": 53}`, "rds-app:app.hostPort: 53 is taken on the host by systemd-resolved (DNS) (allowed: 1 to 65535, except the host's own 22 (sshd), 53 (systemd-resolved (DNS)), 323 (chronyd), 2019 (Caddy's admin API), 5355 (systemd-resolved (LLMNR)), 18001 (the application's first slot), 18002 (the application's second slot); for example 8080)"},
		{"secret names too large", "app", `{"image": "nginx:1", "secretNames": [` + nameList(1100) + `]}`, "rds-app:app.secretNames: 1100 names make a 70501-byte secret, above the 65536 bytes Secrets Manager holds (allowed: distinct variable names (letters, digits, _; not starting with a digit; at most 255 characters), none the host sets, fitting one 65536-byte secret; for example [\"APP_KEYS\",\"API_TOKEN_SALT\",\"ADMIN_JWT_SECRET\",\"JWT_SECRET\",\"EXTRA_SECRET\"])"},
		{"secret name too long", "app", `{"image": "nginx:1", "secretNames": ["` + strings.Repeat("S", 256) + `"]}`, "rds-app:app.secretNames[0]: \"SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS\"… (256 bytes) is longer than 255 characters (allowed: distinct variable names (letters, digits, _; not starting with a digit; at most 255 characters), none the host sets, fitting one 65536-byte secret; for example [\"APP_KEYS\",\"API_TOKEN_SALT\",\"ADMIN_JWT_SECRET\",\"JWT_SECRET\",\"EXTRA_SECRET\"])"},
		{"env entry too large", "app", `{"image": "nginx:1", "environment": {"BIG": "` + strings.Repeat("x", 128*1024) + `"}}`, "rds-app:app.environment.BIG: BIG=… is 131076 bytes, above the 131072 bytes Linux passes for one variable; move large values into the image or a file (allowed: variable names as for secretNames, not one of them; string values (quote numbers) without line breaks or NUL, each NAME=value at most 131072 bytes, 1048576 bytes in all; for example {\"NODE_ENV\":\"production\"})"},
		{"env too large in all", "app", `{"image": "nginx:1", "environment": {` + envEntries(11, 100*1024) + `}}`, "rds-app:app.environment: takes 1126488 bytes, above 1048576; move large values into the image or a file the application reads (allowed: variable names as for secretNames, not one of them; string values (quote numbers) without line breaks or NUL, each NAME=value at most 131072 bytes, 1048576 bytes in all; for example {\"NODE_ENV\":\"production\"})"},
		{"health path relative", "app", `{"image": "nginx:1", "healthCheckPath": "healthz"}`, "rds-app:app.healthCheckPath: \"healthz\" is not a URL path (it starts with / and holds only URL characters, no spaces or #) (allowed: a URL path starting with /, at most 1024 characters, with an optional ?query; for example \"/healthz\")"},
		{"health path with space", "app", `{"image": "nginx:1", "healthCheckPath": "/health check"}`, "rds-app:app.healthCheckPath: \"/health check\" is not a URL path (it starts with / and holds only URL characters, no spaces or #) (allowed: a URL path starting with /, at most 1024 characters, with an optional ?query; for example \"/healthz\")"},
		{"health path with fragment", "app", `{"image": "nginx:1", "healthCheckPath": "/health#top"}`, "rds-app:app.healthCheckPath: \"/health#top\" is not a URL path (it starts with / and holds only URL characters, no spaces or #) (allowed: a URL path starting with /, at most 1024 characters, with an optional ?query; for example \"/healthz\")"},
		// RDS standard support (testFacts.Today is 2026-11-29)
		{"major past standard support", "database", `{"engineVersion": "13"}`, "rds-app:database.engineVersion: \"13\" is past RDS standard support (it ended 2026-02-28), and RDS refuses it without paid Extended Support; upgrade to a supported major (17), or set database.extendedSupport to true to pay for Extended Support (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as \"17.6\", without leading zeros; for example \"18\")"},
		{"pinned minor past standard support", "database", `{"engineVersion": "13.20"}`, "rds-app:database.engineVersion: \"13.20\" is past RDS standard support (it ended 2026-02-28), and RDS refuses it without paid Extended Support; upgrade to a supported major (17), or set database.extendedSupport to true to pay for Extended Support (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as \"17.6\", without leading zeros; for example \"18\")"},
		// network
		{"malformed cidr", "network", `{"cidr": "10.0.0/16"}`, "rds-app:network.cidr: \"10.0.0/16\" is not a CIDR block (want a.b.c.d/n, e.g. 10.0.0.0/16) (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")"},
		{"ipv6 cidr", "network", `{"cidr": "fd00::/56"}`, "rds-app:network.cidr: \"fd00::/56\" is not an IPv4 CIDR block; the VPC is IPv4 (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")"},
		{"cidr with host bits", "network", `{"cidr": "10.0.0.1/16"}`, "rds-app:network.cidr: \"10.0.0.1/16\" has host bits set; its network address is 10.0.0.0/16 (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")"},
		{"cidr too large", "network", `{"cidr": "10.0.0.0/8"}`, "rds-app:network.cidr: \"10.0.0.0/8\" has a /8 netmask; AWS accepts VPCs from /16 to /28 (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")"},
		{"cidr too small", "network", `{"cidr": "10.0.0.0/25"}`, "rds-app:network.cidr: \"10.0.0.0/25\" is too small: 2 public and 2 private subnets of at least /28 each need a VPC of /24 or larger (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")"},
		{"azCount below 2", "network", `{"azCount": 1}`, "rds-app:network.azCount: 1 is below the minimum of 2 (allowed: 2 to the zones the region offers (at most 8); for example 3)"},
		{"azCount above region", "network", `{"azCount": 4}`, "rds-app:network.azCount: 4 is above the 3 availability zones eu-west-1 offers (eu-west-1a, eu-west-1b, eu-west-1c) (allowed: 2 to the zones the region offers (at most 8); for example 3)"},
		{"azCount above layout", "network", `{"azCount": 9}`, "rds-app:network.azCount: 9 is above the maximum of 8 (allowed: 2 to the zones the region offers (at most 8); for example 3)"},
		{"unknown zone", "network", `{"availabilityZones": ["eu-west-1a", "us-east-1a"]}`, "rds-app:network.availabilityZones[1]: \"us-east-1a\" is not an availability zone of eu-west-1; it offers eu-west-1a, eu-west-1b, eu-west-1c (allowed: zones of the stack's region, no repeats, as many as azCount; the first holds the host and must offer app.instanceType; for example [\"eu-west-1b\",\"eu-west-1c\"])"},
		{"duplicate zone", "network", `{"availabilityZones": ["eu-west-1a", "eu-west-1a"]}`, "rds-app:network.availabilityZones[1]: \"eu-west-1a\" is listed twice; each zone holds one public and one private subnet (allowed: zones of the stack's region, no repeats, as many as azCount; the first holds the host and must offer app.instanceType; for example [\"eu-west-1b\",\"eu-west-1c\"])"},
		{"zones disagree with azCount", "network", `{"azCount": 2, "availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]}`, "rds-app:network.availabilityZones: lists 3 zones but azCount is 2; set one or make them agree (allowed: zones of the stack's region, no repeats, as many as azCount; the first holds the host and must offer app.instanceType; for example [\"eu-west-1b\",\"eu-west-1c\"])"},
		{"one zone", "network", `{"availabilityZones": ["eu-west-1a"]}`, "rds-app:network.availabilityZones: lists 1 zone (\"eu-west-1a\"); an RDS subnet group needs subnets in at least 2 zones (allowed: zones of the stack's region, no repeats, as many as azCount; the first holds the host and must offer app.instanceType; for example [\"eu-west-1b\",\"eu-west-1c\"])"},
		{"no zones", "network", `{"availabilityZones": []}`, "rds-app:network.availabilityZones: lists 0 zones; an RDS subnet group needs subnets in at least 2 zones (allowed: zones of the stack's region, no repeats, as many as azCount; the first holds the host and must offer app.instanceType; for example [\"eu-west-1b\",\"eu-west-1c\"])"},
		{"malformed ingress", "network", `{"ingressCidrs": ["0.0.0.0/0", "office"]}`, "rds-app:network.ingressCidrs[1]: \"office\" is not a CIDR block (want a.b.c.d/n) (allowed: 1 to 60 distinct IPv4 CIDR blocks given as network addresses (each is a security group rule; a group holds 60); for example [\"203.0.113.0/24\"])"},
		{"ingress address", "network", `{"ingressCidrs": ["203.0.113.7"]}`, "rds-app:network.ingressCidrs[0]: \"203.0.113.7\" is an address, not a CIDR block; use 203.0.113.7/32 for a single address (allowed: 1 to 60 distinct IPv4 CIDR blocks given as network addresses (each is a security group rule; a group holds 60); for example [\"203.0.113.0/24\"])"},
		{"ingress host bits", "network", `{"ingressCidrs": ["203.0.113.7/24"]}`, "rds-app:network.ingressCidrs[0]: \"203.0.113.7/24\" has host bits set; its network address is 203.0.113.0/24 (allowed: 1 to 60 distinct IPv4 CIDR blocks given as network addresses (each is a security group rule; a group holds 60); for example [\"203.0.113.0/24\"])"},
		{"ingress ipv6", "network", `{"ingressCidrs": ["::/0"]}`, "rds-app:network.ingressCidrs[0]: \"::/0\" is IPv6; the host has an IPv4 address only (allowed: 1 to 60 distinct IPv4 CIDR blocks given as network addresses (each is a security group rule; a group holds 60); for example [\"203.0.113.0/24\"])"},
		{"flow log retention", "network", `{"flowLogRetentionDays": 10}`, "rds-app:network.flowLogRetentionDays: 10 is not a retention period CloudWatch Logs accepts (allowed: a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; for example 14)"},
		{"flow log retention zero", "network", `{"flowLogRetentionDays": 0}`, "rds-app:network.flowLogRetentionDays: 0 is not a retention period CloudWatch Logs accepts (allowed: a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; for example 14)"},
		// database
		{"engine version word", "database", `{"engineVersion": "latest"}`, "rds-app:database.engineVersion: \"latest\" is not a PostgreSQL version; give a major version such as \"17\" (or a major.minor such as \"17.4\") (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as \"17.6\", without leading zeros; for example \"18\")"},
		{"engine version old", "database", `{"engineVersion": "12"}`, "rds-app:database.engineVersion: \"12\" is not a supported PostgreSQL major version; supported are 13 to 18 (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as \"17.6\", without leading zeros; for example \"18\")"},
		{"engine version new", "database", `{"engineVersion": "19"}`, "rds-app:database.engineVersion: \"19\" is not a supported PostgreSQL major version; supported are 13 to 18 (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as \"17.6\", without leading zeros; for example \"18\")"},
		{"engine version patch", "database", `{"engineVersion": "17.4.1"}`, "rds-app:database.engineVersion: \"17.4.1\" is not a PostgreSQL version; give a major version such as \"17\" (or a major.minor such as \"17.4\") (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as \"17.6\", without leading zeros; for example \"18\")"},
		{"engine version leading zero", "database", `{"engineVersion": "017"}`, "rds-app:database.engineVersion: \"017\" is not a PostgreSQL version; give a major version such as \"17\" (or a major.minor such as \"17.4\") (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as \"17.6\", without leading zeros; for example \"18\")"},
		{"engine minor leading zero", "database", `{"engineVersion": "17.04"}`, "rds-app:database.engineVersion: \"17.04\" is not a PostgreSQL version; give a major version such as \"17\" (or a major.minor such as \"17.4\") (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as \"17.6\", without leading zeros; for example \"18\")"},
		{"instance class", "database", `{"instanceClass": "t4g.micro"}`, "rds-app:database.instanceClass: \"t4g.micro\" is not an RDS for PostgreSQL instance class; use db.<family>.<size>, such as db.t4g.micro or db.m7g.large (families: m5, m5d, m6g, m6gd, m6i, m6id, m6idn, m6in, m7g, m7i, m8g, m8gd, r5, r5b, r5d, r6g, r6gd, r6i, r6id, r6idn, r6in, r7g, r7i, r8g, r8gd, t3, t4g, x2g, x2idn, x2iedn, x2iezn) (allowed: an RDS for PostgreSQL class, db.<family>.<size>; for example \"db.t4g.small\")"},
		{"storage too small", "database", `{"allocatedStorage": 10}`, "rds-app:database.allocatedStorage: 10 GiB is outside 20..65536 (allowed: 20 to 65536; for example 30)"},
		{"storage above ceiling", "database", `{"allocatedStorage": 200, "maxAllocatedStorage": 100}`, "rds-app:database.maxAllocatedStorage: 100 GiB is less than 110 % of allocatedStorage (200 GiB), which RDS refuses (allowed: at least 110 % of allocatedStorage (rounded up), at most 65536; for example 220)"},
		{"storage at ceiling", "database", `{"allocatedStorage": 100, "maxAllocatedStorage": 100}`, "rds-app:database.maxAllocatedStorage: 100 GiB is less than 110 % of allocatedStorage (100 GiB), which RDS refuses (allowed: at least 110 % of allocatedStorage (rounded up), at most 65536; for example 110)"},
		{"ceiling too high", "database", `{"maxAllocatedStorage": 70000}`, "rds-app:database.maxAllocatedStorage: 70000 GiB is above the RDS maximum of 65536 GiB (allowed: at least 110 % of allocatedStorage (rounded up), at most 65536; for example 100)"},
		{"port too low", "database", `{"port": 1149}`, "rds-app:database.port: 1149 is outside 1150..65535 (allowed: 1150 to 65535; for example 5433)"},
		{"port too high", "database", `{"port": 65536}`, "rds-app:database.port: 65536 is outside 1150..65535 (allowed: 1150 to 65535; for example 5433)"},
		{"username postgres", "database", `{"username": "postgres"}`, "rds-app:database.username: \"postgres\" is reserved by PostgreSQL or RDS; choose another name such as \"app_admin\" (allowed: starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word; for example \"other_admin\")"},
		{"username rdsadmin", "database", `{"username": "rdsadmin"}`, "rds-app:database.username: \"rdsadmin\" is reserved by PostgreSQL or RDS; choose another name such as \"app_admin\" (allowed: starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word; for example \"other_admin\")"},
		{"username admin", "database", `{"username": "Admin"}`, "rds-app:database.username: \"Admin\" is reserved by PostgreSQL or RDS; choose another name such as \"app_admin\" (allowed: starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word; for example \"other_admin\")"},
		{"username digit", "database", `{"username": "1app"}`, "rds-app:database.username: \"1app\" must start with a letter (allowed: starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word; for example \"other_admin\")"},
		{"username underscore first", "database", `{"username": "_app"}`, "rds-app:database.username: \"_app\" must start with a letter (allowed: starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word; for example \"other_admin\")"},
		{"username too long", "database", `{"username": "` + strings.Repeat("a", 64) + `"}`, "rds-app:database.username: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" is 64 characters; PostgreSQL names are at most 63 (allowed: starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word; for example \"other_admin\")"},
		{"username hyphen", "database", `{"username": "app-admin"}`, "rds-app:database.username: \"app-admin\" may contain only letters, digits and underscores (allowed: starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word; for example \"other_admin\")"},
		{"username empty", "database", `{"username": ""}`, "rds-app:database.username: must not be empty (allowed: starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word; for example \"other_admin\")"},
		{"username pg_ prefix", "database", `{"username": "pg_app"}`, "rds-app:database.username: \"pg_app\" starts with a prefix PostgreSQL or RDS reserves for its own roles (pg_, rds_) (allowed: starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word; for example \"other_admin\")"},
		{"username reserved word", "database", `{"username": "user"}`, "rds-app:database.username: \"user\" is a PostgreSQL reserved word (allowed: starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word; for example \"other_admin\")"},
		{"db name template", "database", `{"name": "template1"}`, "rds-app:database.name: \"template1\" already exists on every RDS instance; choose another name such as \"app\" (allowed: the username's character rules; not postgres, template0, template1, rdsadmin or a reserved word; for example \"other\")"},
		{"db name postgres", "database", `{"name": "postgres"}`, "rds-app:database.name: \"postgres\" already exists on every RDS instance; choose another name such as \"app\" (allowed: the username's character rules; not postgres, template0, template1, rdsadmin or a reserved word; for example \"other\")"},
		{"db name hyphen", "database", `{"name": "my-app"}`, "rds-app:database.name: \"my-app\" may contain only letters, digits and underscores (allowed: the username's character rules; not postgres, template0, template1, rdsadmin or a reserved word; for example \"other\")"},
		{"db name reserved word", "database", `{"name": "select"}`, "rds-app:database.name: \"select\" is a PostgreSQL reserved word (allowed: the username's character rules; not postgres, template0, template1, rdsadmin or a reserved word; for example \"other\")"},
		{"retention zero", "database", `{"backupRetentionDays": 0}`, "rds-app:database.backupRetentionDays: 0 is outside 1..35 (allowed: 1 to 35, and at least 7 with deletionProtection; for example 10)"},
		{"retention too long", "database", `{"backupRetentionDays": 36}`, "rds-app:database.backupRetentionDays: 36 is outside 1..35 (allowed: 1 to 35, and at least 7 with deletionProtection; for example 10)"},
		{"retention short when protected", "database", `{"backupRetentionDays": 3, "deletionProtection": true}`, "rds-app:database.backupRetentionDays: 3 is below 7, the minimum for a stack with deletionProtection (allowed: 1 to 35, and at least 7 with deletionProtection; for example 10)"},
		{"backup window malformed", "database", `{"backupWindow": "3:00-4:00"}`, "rds-app:database.backupWindow: \"3:00-4:00\" is not a daily window; use hh24:mi-hh24:mi in UTC, such as \"03:00-04:00\" (allowed: daily, UTC, hh24:mi-hh24:mi, at least 30 minutes, apart from maintenanceWindow; for example \"02:00-02:30\")"},
		{"backup window bad time", "database", `{"backupWindow": "24:00-01:00"}`, "rds-app:database.backupWindow: \"24:00-01:00\" has an invalid time; hours run 00-23 and minutes 00-59 (allowed: daily, UTC, hh24:mi-hh24:mi, at least 30 minutes, apart from maintenanceWindow; for example \"02:00-02:30\")"},
		{"backup window short", "database", `{"backupWindow": "03:00-03:20"}`, "rds-app:database.backupWindow: \"03:00-03:20\" lasts 20 minutes; RDS needs at least 30 (allowed: daily, UTC, hh24:mi-hh24:mi, at least 30 minutes, apart from maintenanceWindow; for example \"02:00-02:30\")"},
		{"maintenance window malformed", "database", `{"maintenanceWindow": "sun:04:30-05:30"}`, "rds-app:database.maintenanceWindow: \"sun:04:30-05:30\" is not a weekly window; use ddd:hh24:mi-ddd:hh24:mi in UTC with lower-case days, such as \"sun:04:30-sun:05:30\" (allowed: weekly, UTC, ddd:hh24:mi-ddd:hh24:mi with lower-case days, at least 30 minutes; for example \"sat:04:30-sat:05:30\")"},
		{"maintenance window upper-case", "database", `{"maintenanceWindow": "Sun:04:30-Sun:05:30"}`, "rds-app:database.maintenanceWindow: \"Sun:04:30-Sun:05:30\" is not a weekly window; use ddd:hh24:mi-ddd:hh24:mi in UTC with lower-case days, such as \"sun:04:30-sun:05:30\" (allowed: weekly, UTC, ddd:hh24:mi-ddd:hh24:mi with lower-case days, at least 30 minutes; for example \"sat:04:30-sat:05:30\")"},
		{"maintenance window bad day", "database", `{"maintenanceWindow": "sun:04:30-xyz:05:30"}`, "rds-app:database.maintenanceWindow: \"sun:04:30-xyz:05:30\" has an invalid day or time; days are mon..sun, hours 00-23, minutes 00-59 (allowed: weekly, UTC, ddd:hh24:mi-ddd:hh24:mi with lower-case days, at least 30 minutes; for example \"sat:04:30-sat:05:30\")"},
		{"maintenance window short", "database", `{"maintenanceWindow": "sun:04:30-sun:04:40"}`, "rds-app:database.maintenanceWindow: \"sun:04:30-sun:04:40\" lasts 10 minutes; RDS needs at least 30 (allowed: weekly, UTC, ddd:hh24:mi-ddd:hh24:mi with lower-case days, at least 30 minutes; for example \"sat:04:30-sat:05:30\")"},
		{"windows overlap", "database", `{"backupWindow": "04:00-05:00", "maintenanceWindow": "sun:04:30-sun:05:30"}`, "rds-app:database.backupWindow: \"04:00-05:00\" overlaps maintenanceWindow \"sun:04:30-sun:05:30\"; RDS needs them apart (allowed: daily, UTC, hh24:mi-hh24:mi, at least 30 minutes, apart from maintenanceWindow; for example \"02:00-02:30\")"},
		{"windows overlap across midnight", "database", `{"backupWindow": "23:30-00:30", "maintenanceWindow": "mon:00:00-mon:01:00"}`, "rds-app:database.backupWindow: \"23:30-00:30\" overlaps maintenanceWindow \"mon:00:00-mon:01:00\"; RDS needs them apart (allowed: daily, UTC, hh24:mi-hh24:mi, at least 30 minutes, apart from maintenanceWindow; for example \"02:00-02:30\")"},
		{"windows overlap across the week", "database", `{"backupWindow": "00:00-00:30", "maintenanceWindow": "sun:23:00-mon:00:15"}`, "rds-app:database.backupWindow: \"00:00-00:30\" overlaps maintenanceWindow \"sun:23:00-mon:00:15\"; RDS needs them apart (allowed: daily, UTC, hh24:mi-hh24:mi, at least 30 minutes, apart from maintenanceWindow; for example \"02:00-02:30\")"},
		{"monitoring interval", "database", `{"monitoringInterval": 20}`, "rds-app:database.monitoringInterval: 20 is not an Enhanced Monitoring interval (allowed: 0 (off), 1, 5, 10, 15, 30, 60; for example 30)"},
		{"db log retention", "database", `{"logRetentionDays": 2}`, "rds-app:database.logRetentionDays: 2 is not a retention period CloudWatch Logs accepts (allowed: a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; for example 14)"},
		{"insights mode unknown", "database", `{"insightsMode": "premium"}`, "rds-app:database.insightsMode: \"premium\" is not a Database Insights mode (allowed: standard or advanced; advanced needs monitoringInterval above 0; for example \"advanced\")"},
		{"insights advanced without monitoring", "database", `{"insightsMode": "advanced", "monitoringInterval": 0}`, "rds-app:database.insightsMode: \"advanced\" needs Enhanced Monitoring, which shows it the operating system's processes, but database.monitoringInterval is 0; set it to 1, 5, 10, 15, 30, 60 (allowed: standard or advanced; advanced needs monitoringInterval above 0; for example \"advanced\")"},
		{"password version zero", "database", `{"passwordVersion": 0}`, "rds-app:database.passwordVersion: 0 is below 1 (allowed: a whole number from 1; raise it by one to rotate the password; for example 2)"},
		// ops
		{"alarm email malformed", "ops", `{"alarmEmail": ["ops@example.com", "pager"]}`, "rds-app:ops.alarmEmail[1]: \"pager\" is not an email address (allowed: distinct email addresses, at most 254 characters each; for example [\"ops@example.com\"])"},
		{"alarm email with a display name", "ops", `{"alarmEmail": ["Ops <ops@example.com>"]}`, "rds-app:ops.alarmEmail[0]: \"Ops <ops@example.com>\" is not an email address (allowed: distinct email addresses, at most 254 characters each; for example [\"ops@example.com\"])"},
		{"alarm email twice", "ops", `{"alarmEmail": ["ops@example.com", "ops@example.com"]}`, "rds-app:ops.alarmEmail[1]: \"ops@example.com\" is listed twice (allowed: distinct email addresses, at most 254 characters each; for example [\"ops@example.com\"])"},
		{"alarm email too long", "ops", `{"alarmEmail": ["` + strings.Repeat("a", 250) + `@example.com"]}`, "rds-app:ops.alarmEmail[0]: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"… (262 bytes) is longer than 254 characters (allowed: distinct email addresses, at most 254 characters each; for example [\"ops@example.com\"])"},
		// app
		{"image required", "app", `{}`, "rds-app:app.image: is required; set it with `pulumi config set --path app.image <registry/repository:tag>` (allowed: registry/repository:tag or registry/repository@sha256:(64 hex digits), with an explicit tag or digest and a lower-case registry host; for example \"public.ecr.aws/docker/library/nginx:1.29-alpine\")"},
		{"image invalid", "app", `{"image": "Registry/Repo:tag"}`, "rds-app:app.image: \"Registry/Repo:tag\" is not a valid image reference (invalid reference format: repository name (Repo) must be lowercase); use registry/repository:tag or registry/repository@sha256:<64 hex digits> (allowed: registry/repository:tag or registry/repository@sha256:(64 hex digits), with an explicit tag or digest and a lower-case registry host; for example \"public.ecr.aws/docker/library/nginx:1.29-alpine\")"},
		{"image no tag", "app", `{"image": "nginx"}`, "rds-app:app.image: \"nginx\" has no tag or digest; name the version explicitly, such as nginx:1.0 or nginx@sha256:<64 hex digits> (allowed: registry/repository:tag or registry/repository@sha256:(64 hex digits), with an explicit tag or digest and a lower-case registry host; for example \"public.ecr.aws/docker/library/nginx:1.29-alpine\")"},
		{"image short digest", "app", `{"image": "nginx@sha256:abc"}`, "rds-app:app.image: \"nginx@sha256:abc\" is not a valid image reference (invalid reference format); use registry/repository:tag or registry/repository@sha256:<64 hex digits> (allowed: registry/repository:tag or registry/repository@sha256:(64 hex digits), with an explicit tag or digest and a lower-case registry host; for example \"public.ecr.aws/docker/library/nginx:1.29-alpine\")"},
		{"image with spaces", "app", `{"image": "nginx: 1"}`, "rds-app:app.image: \"nginx: 1\" is not a valid image reference (invalid reference format); use registry/repository:tag or registry/repository@sha256:<64 hex digits> (allowed: registry/repository:tag or registry/repository@sha256:(64 hex digits), with an explicit tag or digest and a lower-case registry host; for example \"public.ecr.aws/docker/library/nginx:1.29-alpine\")"},
		{"instance type", "app", `{"image": "nginx:1", "instanceType": "micro"}`, "rds-app:app.instanceType: \"micro\" is not an EC2 instance type; use a name such as t3.micro, t4g.small or m7g.large (allowed: an EC2 instance type offered in the host's zone (in every zone, with a load balancer); for example \"t4g.small\")"},
		{"ami malformed", "app", `{"image": "nginx:1", "amiId": "ami-123"}`, "rds-app:app.amiId: \"ami-123\" is not an AMI ID (ami- and 8 or 17 hex digits); leave amiId unset to use the latest Amazon Linux 2023 (allowed: an AMI ID, ami- and 8 or 17 hex digits, of Amazon Linux 2023 for the instance type's architecture; for example \"ami-0f11cbb02d426f673\")"},
		{"ami empty", "app", `{"image": "nginx:1", "amiId": ""}`, "rds-app:app.amiId: \"\" is not an AMI ID (ami- and 8 or 17 hex digits); leave amiId unset to use the latest Amazon Linux 2023 (allowed: an AMI ID, ami- and 8 or 17 hex digits, of Amazon Linux 2023 for the instance type's architecture; for example \"ami-0f11cbb02d426f673\")"},
		{"instance type db class", "app", `{"image": "nginx:1", "instanceType": "db.t3.micro"}`, "rds-app:app.instanceType: \"db.t3.micro\" is not an EC2 instance type; use a name such as t3.micro, t4g.small or m7g.large (allowed: an EC2 instance type offered in the host's zone (in every zone, with a load balancer); for example \"t4g.small\")"},
		{"host port zero", "app", `{"image": "nginx:1", "hostPort": 0}`, "rds-app:app.hostPort: 0 is outside 1..65535 (allowed: 1 to 65535, except the host's own 22 (sshd), 53 (systemd-resolved (DNS)), 323 (chronyd), 2019 (Caddy's admin API), 5355 (systemd-resolved (LLMNR)), 18001 (the application's first slot), 18002 (the application's second slot); for example 8080)"},
		{"container port high", "app", `{"image": "nginx:1", "containerPort": 70000}`, "rds-app:app.containerPort: 70000 is outside 1..65535 (allowed: 1 to 65535; for example 8080)"},
		{"root volume small", "app", `{"image": "nginx:1", "rootVolumeSize": 4}`, "rds-app:app.rootVolumeSize: 4 GiB is outside 8..16384 (allowed: 8 to 16384; for example 30)"},
		{"app log retention", "app", `{"image": "nginx:1", "logRetentionDays": 31}`, "rds-app:app.logRetentionDays: 31 is not a retention period CloudWatch Logs accepts (allowed: a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; for example 14)"},
		{"secret name invalid", "app", `{"image": "nginx:1", "secretNames": ["JWT-SECRET"]}`, "rds-app:app.secretNames[0]: \"JWT-SECRET\" is not a valid environment variable name; use letters, digits and underscores, not starting with a digit (allowed: distinct variable names (letters, digits, _; not starting with a digit; at most 255 characters), none the host sets, fitting one 65536-byte secret; for example [\"APP_KEYS\",\"API_TOKEN_SALT\",\"ADMIN_JWT_SECRET\",\"JWT_SECRET\",\"EXTRA_SECRET\"])"},
		{"secret name contract", "app", `{"image": "nginx:1", "secretNames": ["DATABASE_PASSWORD"]}`, "rds-app:app.secretNames[0]: \"DATABASE_PASSWORD\" is set by the host from the database secret; choose another name (allowed: distinct variable names (letters, digits, _; not starting with a digit; at most 255 characters), none the host sets, fitting one 65536-byte secret; for example [\"APP_KEYS\",\"API_TOKEN_SALT\",\"ADMIN_JWT_SECRET\",\"JWT_SECRET\",\"EXTRA_SECRET\"])"},
		{"secret name twice", "app", `{"image": "nginx:1", "secretNames": ["A", "A"]}`, "rds-app:app.secretNames[1]: \"A\" is listed twice (allowed: distinct variable names (letters, digits, _; not starting with a digit; at most 255 characters), none the host sets, fitting one 65536-byte secret; for example [\"APP_KEYS\",\"API_TOKEN_SALT\",\"ADMIN_JWT_SECRET\",\"JWT_SECRET\",\"EXTRA_SECRET\"])"},
		{"env name invalid", "app", `{"image": "nginx:1", "environment": {"1X": "y"}}`, "rds-app:app.environment.1X: \"1X\" is not a valid environment variable name; use letters, digits and underscores, not starting with a digit (allowed: variable names as for secretNames, not one of them; string values (quote numbers) without line breaks or NUL, each NAME=value at most 131072 bytes, 1048576 bytes in all; for example {\"NODE_ENV\":\"production\"})"},
		{"env name contract", "app", `{"image": "nginx:1", "environment": {"DATABASE_URL": "postgres://x"}}`, "rds-app:app.environment.DATABASE_URL: \"DATABASE_URL\" is set by the host from the database secret; choose another name (allowed: variable names as for secretNames, not one of them; string values (quote numbers) without line breaks or NUL, each NAME=value at most 131072 bytes, 1048576 bytes in all; for example {\"NODE_ENV\":\"production\"})"},
		{"env name generated", "app", `{"image": "nginx:1", "environment": {"JWT_SECRET": "x"}}`, "rds-app:app.environment.JWT_SECRET: \"JWT_SECRET\" is also in app.secretNames, which generates its value; remove one of them (allowed: variable names as for secretNames, not one of them; string values (quote numbers) without line breaks or NUL, each NAME=value at most 131072 bytes, 1048576 bytes in all; for example {\"NODE_ENV\":\"production\"})"},
		{"env value newline", "app", `{"image": "nginx:1", "environment": {"MOTD": "a\nb"}}`, "rds-app:app.environment.MOTD: the value contains a line break or NUL, which a Docker env file cannot hold (allowed: variable names as for secretNames, not one of them; string values (quote numbers) without line breaks or NUL, each NAME=value at most 131072 bytes, 1048576 bytes in all; for example {\"NODE_ENV\":\"production\"})"},
		// the deploy gate and the proxy
		{"health timeout short", "app", `{"image": "nginx:1", "healthCheckTimeout": 2}`, "rds-app:app.healthCheckTimeout: 2 is outside 5..600 (allowed: 5 to 600; for example 180)"},
		{"health timeout long", "app", `{"image": "nginx:1", "healthCheckTimeout": 3600}`, "rds-app:app.healthCheckTimeout: 3600 is outside 5..600 (allowed: 5 to 600; for example 180)"},
		{"health interval zero", "app", `{"image": "nginx:1", "healthCheckInterval": 0}`, "rds-app:app.healthCheckInterval: 0 is outside 1..60 (allowed: 1 to 60, less than healthCheckTimeout; for example 5)"},
		{"health interval not below timeout", "app", `{"image": "nginx:1", "healthCheckTimeout": 10, "healthCheckInterval": 10}`, "rds-app:app.healthCheckInterval: 10 is not less than healthCheckTimeout (10), so a new container would be checked once at most (allowed: 1 to 60, less than healthCheckTimeout; for example 5)"},
		{"health retries zero", "app", `{"image": "nginx:1", "healthCheckRetries": 0}`, "rds-app:app.healthCheckRetries: 0 is outside 1..100 (allowed: 1 to 100; for example 5)"},
		{"drain zero", "app", `{"image": "nginx:1", "drainSeconds": 0}`, "rds-app:app.drainSeconds: 0 is outside 1..300 (allowed: 1 to 300; for example 30)"},
		{"drain long", "app", `{"image": "nginx:1", "drainSeconds": 301}`, "rds-app:app.drainSeconds: 301 is outside 1..300 (allowed: 1 to 300; for example 30)"},
		{"proxy image without tag", "app", `{"image": "nginx:1", "proxyImage": "caddy"}`, "rds-app:app.proxyImage: \"caddy\" has no tag or digest; name the version explicitly, such as caddy:1.0 or caddy@sha256:<64 hex digits> (allowed: a public image reference with an explicit tag or digest, as for image, of Caddy 2.6 or later; for example \"public.ecr.aws/docker/library/caddy:2.10.2\")"},
		{"proxy image private ECR", "app", `{"image": "nginx:1", "proxyImage": "210987654321.dkr.ecr.eu-west-1.amazonaws.com/caddy:2"}`, "rds-app:app.proxyImage: \"210987654321.dkr.ecr.eu-west-1.amazonaws.com/caddy:2\" is in a private ECR registry; the host pulls the proxy anonymously, so use a public image such as \"public.ecr.aws/docker/library/caddy:2.11.4\" (allowed: a public image reference with an explicit tag or digest, as for image, of Caddy 2.6 or later; for example \"public.ecr.aws/docker/library/caddy:2.10.2\")"},
		{"domain empty", "app", `{"image": "nginx:1", "domain": ""}`, "rds-app:app.domain: \"\" is empty; leave the key unset for plain HTTP (allowed: a DNS name of lower-case labels, at most 253 characters (64 behind a load balancer), not an IP address; for example \"app.example.com\")"},
		{"domain ip", "app", `{"image": "nginx:1", "domain": "203.0.113.10"}`, "rds-app:app.domain: \"203.0.113.10\" is an IP address; a certificate needs a DNS name that points at the Elastic IP (allowed: a DNS name of lower-case labels, at most 253 characters (64 behind a load balancer), not an IP address; for example \"app.example.com\")"},
		{"domain upper case", "app", `{"image": "nginx:1", "domain": "App.Example.com"}`, "rds-app:app.domain: \"App.Example.com\" has upper-case letters; write it in lower case: \"app.example.com\" (allowed: a DNS name of lower-case labels, at most 253 characters (64 behind a load balancer), not an IP address; for example \"app.example.com\")"},
		{"domain trailing dot", "app", `{"image": "nginx:1", "domain": "app.example.com."}`, "rds-app:app.domain: \"app.example.com.\" ends with a dot; give the name without it: \"app.example.com\" (allowed: a DNS name of lower-case labels, at most 253 characters (64 behind a load balancer), not an IP address; for example \"app.example.com\")"},
		{"domain wildcard", "app", `{"image": "nginx:1", "domain": "*.example.com"}`, "rds-app:app.domain: \"*.example.com\" is a wildcard; HTTP-01 validation issues certificates for exact names only (allowed: a DNS name of lower-case labels, at most 253 characters (64 behind a load balancer), not an IP address; for example \"app.example.com\")"},
		{"domain single label", "app", `{"image": "nginx:1", "domain": "localhost"}`, "rds-app:app.domain: \"localhost\" is a single label; give the full name, such as app.example.com (allowed: a DNS name of lower-case labels, at most 253 characters (64 behind a load balancer), not an IP address; for example \"app.example.com\")"},
		{"domain bad label", "app", `{"image": "nginx:1", "domain": "-app.example.com"}`, "rds-app:app.domain: \"-app.example.com\" has an invalid label \"-app\"; labels are 1 to 63 letters, digits and inner hyphens (allowed: a DNS name of lower-case labels, at most 253 characters (64 behind a load balancer), not an IP address; for example \"app.example.com\")"},
		{"domain underscore", "app", `{"image": "nginx:1", "domain": "my_app.example.com"}`, "rds-app:app.domain: \"my_app.example.com\" has an invalid label \"my_app\"; labels are 1 to 63 letters, digits and inner hyphens (allowed: a DNS name of lower-case labels, at most 253 characters (64 behind a load balancer), not an IP address; for example \"app.example.com\")"},
		{"domain too long", "app", `{"image": "nginx:1", "domain": "` + strings.Repeat("a.", 127) + `com"}`, "rds-app:app.domain: \"a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.\"… (257 bytes) is 257 characters, above the 253 a DNS name may have (allowed: a DNS name of lower-case labels, at most 253 characters (64 behind a load balancer), not an IP address; for example \"app.example.com\")"},
		{"domain with other host port", "app", `{"image": "nginx:1", "domain": "app.example.com", "hostPort": 8080}`, "rds-app:app.hostPort: 8080 is not used with app.domain: HTTPS is served on 443 and 80 redirects to it; remove hostPort (allowed: 1 to 65535, except the host's own 22 (sshd), 53 (systemd-resolved (DNS)), 323 (chronyd), 2019 (Caddy's admin API), 5355 (systemd-resolved (LLMNR)), 18001 (the application's first slot), 18002 (the application's second slot); for example 8080)"},
		{"host port caddy admin", "app", `{"image": "nginx:1", "hostPort": 2019}`, "rds-app:app.hostPort: 2019 is taken on the host by Caddy's admin API (allowed: 1 to 65535, except the host's own 22 (sshd), 53 (systemd-resolved (DNS)), 323 (chronyd), 2019 (Caddy's admin API), 5355 (systemd-resolved (LLMNR)), 18001 (the application's first slot), 18002 (the application's second slot); for example 8080)"},
		{"host port app slot", "app", `{"image": "nginx:1", "hostPort": 18002}`, "rds-app:app.hostPort: 18002 is taken on the host by the application's second slot (allowed: 1 to 65535, except the host's own 22 (sshd), 53 (systemd-resolved (DNS)), 323 (chronyd), 2019 (Caddy's admin API), 5355 (systemd-resolved (LLMNR)), 18001 (the application's first slot), 18002 (the application's second slot); for example 8080)"},
		{"zone without domain", "app", `{"image": "nginx:1", "hostedZoneId": "Z2ABCDEF123456"}`, "rds-app:app.hostedZoneId: \"Z2ABCDEF123456\" is set but app.domain is not; set the name the record is for (allowed: a Route 53 hosted zone ID (Z and upper-case letters and digits) of the zone that holds domain; needs domain; for example \"Z0123456789ABCDEFGHIJ\")"},
		{"zone malformed", "app", `{"image": "nginx:1", "domain": "app.example.com", "hostedZoneId": "z2abc"}`, "rds-app:app.hostedZoneId: \"z2abc\" is not a Route 53 hosted zone ID (Z and up to 32 upper-case letters and digits) (allowed: a Route 53 hosted zone ID (Z and upper-case letters and digits) of the zone that holds domain; needs domain; for example \"Z0123456789ABCDEFGHIJ\")"},
		{"zone with API prefix", "app", `{"image": "nginx:1", "domain": "app.example.com", "hostedZoneId": "/hostedzone/Z2ABC"}`, "rds-app:app.hostedZoneId: \"/hostedzone/Z2ABC\" has the API's /hostedzone/ prefix; give the ID alone: \"Z2ABC\" (allowed: a Route 53 hosted zone ID (Z and upper-case letters and digits) of the zone that holds domain; needs domain; for example \"Z0123456789ABCDEFGHIJ\")"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := map[string]string{"rds-app:app": minimalApp}
			values["rds-app:"+tt.section] = tt.value
			problems := problemsOf(t, values)
			require.Len(t, problems, 1, "want one problem, got %q", problems)
			assert.Equal(t, tt.want, problems[0])
		})
	}
}

// cidrList is n distinct /32 blocks, as JSON list items.
func cidrList(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`"203.0.%d.%d/32"`, i/256, i%256)
	}
	return strings.Join(items, ", ")
}

// nameList is n distinct variable names, as JSON list items.
func nameList(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`"SECRET_%03d"`, i)
	}
	return strings.Join(items, ", ")
}

// envEntries is n variables of size bytes each, as JSON object members.
func envEntries(n, size int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`"VAR_%02d": "%s"`, i, strings.Repeat("v", size))
	}
	return strings.Join(items, ", ")
}

func TestValidValuesAccepted(t *testing.T) {
	for _, tt := range []struct{ section, value string }{
		{"network", `{"cidr": "192.168.0.0/24"}`},
		{"network", `{"ingressCidrs": ["203.0.113.7/32"]}`},
		{"database", `{"engineVersion": "13", "extendedSupport": true}`},
		{"database", `{"engineVersion": "14"}`},
		{"database", `{"engineVersion": "18"}`},
		{"database", `{"proxy": true, "proxyIamAuth": true, "readReplicas": 5}`},
		{"app", `{"image": "nginx:1", "hosts": 50}`},
		{"app", `{"image": "nginx:1", "scaling": {"min": 1, "max": 50, "targetCpu": 10}}`},
		{"app", `{"image": "nginx:1", "scaling": {"min": "2", "max": 3, "targetRequests": 1000000}}`},
		{"database", `{"port": 1150}`},
		{"database", `{"port": 65535}`},
		{"database", `{"username": "a"}`},
		{"database", `{"username": "` + strings.Repeat("a", 63) + `"}`},
		{"database", `{"backupRetentionDays": 1}`},
		{"database", `{"backupRetentionDays": 35, "deletionProtection": true}`},
		{"database", `{"backupRetentionDays": 7, "deletionProtection": true}`},
		{"database", `{"backupWindow": "23:45-00:15", "maintenanceWindow": "mon:01:00-mon:02:00"}`},
		{"database", `{"backupWindow": "04:00-04:30", "maintenanceWindow": "sun:04:30-sun:05:30"}`},
		{"database", `{"monitoringInterval": 0}`},
		{"app", `{"image": "nginx@sha256:` + strings.Repeat("a", 64) + `"}`},
		{"app", `{"image": "registry.example.com:5000/team/app:1.2.3"}`},
		{"app", `{"image": "nginx:1", "instanceType": "m7i-flex.large"}`},
		{"app", `{"image": "nginx:1", "amiId": "ami-0123456789abcdef0"}`},
		{"app", `{"image": "nginx:1", "instanceType": "c6gn.16xlarge"}`},
		{"app", `{"image": "nginx:1", "hostPort": 65535, "containerPort": 1}`},
		{"app", `{"image": "nginx:1", "environment": {"_private": "x", "EMPTY": ""}}`},
		{"network", `{"cidr": "100.64.0.0/16"}`},
		{"network", `{"cidr": "172.31.0.0/16"}`},
		{"network", `{"ingressCidrs": [` + cidrList(60) + `]}`},
		{"database", `{"engineVersion": "17.6"}`},
		{"database", `{"engineVersion": "17.12"}`},
		{"database", `{"allocatedStorage": 100, "maxAllocatedStorage": 110}`},
		{"database", `{"instanceClass": "db.r8g.48xlarge"}`},
		{"app", `{"image": "nginx:1", "healthCheckPath": "/api/health?deep=1&x=%20"}`},
		{"app", `{"image": "nginx:1", "hostPort": 8443}`},
		{"app", `{"image": "nginx:1", "hostPort": 443}`},
		{"app", `{"image": "nginx:1", "domain": "app.example.com", "hostPort": 80}`},
		{"app", `{"image": "nginx:1", "domain": "xn--bcher-kva.example", "hostedZoneId": "Z0123456789ABCDEFGHIJKLMNOPQRSTUV"}`},
		{"app", `{"image": "nginx:1", "domain": "` + strings.Repeat("a", 63) + `.b.example.com"}`},
		{"app", `{"image": "nginx:1", "healthCheckTimeout": 5, "healthCheckInterval": 4, "healthCheckRetries": 100, "drainSeconds": 300}`},
		{"app", `{"image": "nginx:1", "proxyImage": "docker.io/library/caddy:2.6.2"}`},
		{"app", `{"image": "nginx:1", "secretNames": [` + nameList(1000) + `]}`},
		// 100 short variables, and 500 of 1 KB: no size cliff.
		{"app", `{"image": "nginx:1", "environment": {` + envEntries(100, 20) + `}}`},
		{"app", `{"image": "nginx:1", "environment": {` + envEntries(500, 1024) + `}}`},
	} {
		t.Run(tt.value, func(t *testing.T) {
			values := map[string]string{"rds-app:app": minimalApp}
			values["rds-app:"+tt.section] = tt.value
			_, err := parse(values)
			assert.NoError(t, err)
		})
	}
}

// TestSettingsTable: every setting is documented, says what a change does,
// and its example is a valid value.
func TestSettingsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, st := range Settings {
		t.Run(st.Path(), func(t *testing.T) {
			assert.False(t, seen[st.Path()], "defined twice")
			seen[st.Path()] = true
			assert.Contains(t, sections, st.Section)
			assert.NotEmpty(t, st.Doc, "doc")
			assert.NotEmpty(t, st.Kind, "kind")
			assert.Contains(t, []Effect{NoChange, InPlace, Redeploys, ReplacesHost, ReplacesHostWithGroup, ReplacesDatabase}, st.Effect)
			require.NotNil(t, st.Example, "example")
			if st.Kind != Boolean {
				assert.NotEmpty(t, st.Rule, "rule")
			}
			section := map[string]any{st.Name: st.Example}
			for path, v := range st.ExampleNeeds {
				need, ok := Lookup(path)
				require.True(t, ok, "ExampleNeeds names %s, which is not a setting", path)
				require.Equal(t, st.Section, need.Section, "ExampleNeeds stays in the example's section")
				section[need.Name] = v
			}
			if st.Section == SectionApp && st.Name != "image" {
				section["image"] = "nginx:1"
			}
			for path, v := range st.ExampleNeeds {
				other, ok := Lookup(path)
				require.True(t, ok, "ExampleNeeds names %s, which is not a key", path)
				require.Equal(t, st.Section, other.Section, "ExampleNeeds names a key of another section")
				section[other.Name] = v
			}
			values := map[string]string{"rds-app:app": minimalApp, "rds-app:" + st.Section: render(section)}
			_, err := parse(values)
			assert.NoError(t, err, "the example %s must be valid", st.ExampleText())
		})
	}
}

func TestHostZoneMustOfferTheInstanceType(t *testing.T) {
	facts := testFacts
	facts.ZonesOffering = func(instanceType string) ([]string, error) {
		if instanceType == "m8g.large" {
			return []string{"eu-west-1c", "eu-west-1b"}, nil
		}
		return facts.AvailabilityZones, nil
	}
	_, err := Parse("rds-app", Source{Values: map[string]string{"rds-app:app": `{"image": "nginx:1", "instanceType": "m8g.large"}`}}, facts)
	assert.EqualError(t, err, `invalid configuration (1 problem):
  - rds-app:app.instanceType: "m8g.large" is not offered in eu-west-1a, the host's zone (the first of network.availabilityZones); choose another type, or: zones that offer it: eu-west-1b, eu-west-1c; list one of them first in network.availabilityZones (allowed: an EC2 instance type offered in the host's zone (in every zone, with a load balancer); for example "t4g.small")`)
	_, err = Parse("rds-app", Source{Values: map[string]string{"rds-app:app": `{"image": "nginx:1", "instanceType": "m8g.large"}`,
		"rds-app:network": `{"availabilityZones": ["eu-west-1b", "eu-west-1a"]}`}}, facts)
	assert.NoError(t, err)

	// An Auto Scaling group places hosts in every zone.
	_, err = Parse("rds-app", Source{Values: map[string]string{"rds-app:app": `{"image": "nginx:1", "instanceType": "m8g.large", "hosts": 2}`,
		"rds-app:network": `{"availabilityZones": ["eu-west-1b", "eu-west-1a"]}`}}, facts)
	assert.EqualError(t, err, `invalid configuration (1 problem):
  - rds-app:app.instanceType: "m8g.large" is not offered in eu-west-1a, where the Auto Scaling group places hosts (every zone of network.availabilityZones); choose another type, or list only zones that offer it: eu-west-1b, eu-west-1c (allowed: an EC2 instance type offered in the host's zone (in every zone, with a load balancer); for example "t4g.small")`)
	_, err = Parse("rds-app", Source{Values: map[string]string{"rds-app:app": `{"image": "nginx:1", "instanceType": "m8g.large", "scaling": {"min": 2, "max": 3, "targetCpu": 50}}`,
		"rds-app:network": `{"availabilityZones": ["eu-west-1b", "eu-west-1c"]}`}}, facts)
	assert.NoError(t, err)
}

func TestWrongTypes(t *testing.T) {
	tests := []struct{ section, value, want string }{
		{"network", `{"azCount": "two"}`, `rds-app:network.azCount: "two" is not a whole number`},
		{"network", `{"azCount": 2.5}`, `rds-app:network.azCount: 2.5 is not a whole number`},
		{"network", `{"azCount": true}`, `rds-app:network.azCount: true is not a whole number`},
		{"network", `{"cidr": 10}`, `rds-app:network.cidr: 10 is not a string`},
		{"database", `{"engineVersion": 18}`, "rds-app:database.engineVersion: 18 is not a string; quote it in the stack file, or add --type string to `pulumi config set`"},
		{"network", `{"ingressCidrs": "0.0.0.0/0"}`, `rds-app:network.ingressCidrs: "0.0.0.0/0" is not a list of strings`},
		{"network", `{"ingressCidrs": ["0.0.0.0/0", 5]}`, `rds-app:network.ingressCidrs[1]: 5 is not a string`},
		{"network", `{"cidr": null}`, `rds-app:network.cidr: is null; remove the key to use the default or give a value`},
		{"database", `{"multiAz": "yes"}`, `rds-app:database.multiAz: "yes" is not true or false`},
		{"ops", `{"alarms": "on"}`, `rds-app:ops.alarms: "on" is not true or false`},
		{"ops", `{"alarmEmail": "ops@example.com"}`, `rds-app:ops.alarmEmail: "ops@example.com" is not a list of strings`},
		{"database", `{"deletionProtection": 1}`, `rds-app:database.deletionProtection: 1 is not true or false`},
		{"database", `{"port": "5432x"}`, `rds-app:database.port: "5432x" is not a whole number`},
		{"app", `{"image": ["nginx:1"]}`, `rds-app:app.image: ["nginx:1"] is not a string`},
		{"app", `{"image": "nginx:1", "environment": ["A=b"]}`, `rds-app:app.environment: ["A=b"] is not an object of NAME: value pairs`},
		{"app", `{"image": "nginx:1", "environment": {"PORT": 1337}}`, "rds-app:app.environment.PORT: 1337 is not a string; quote it in the stack file, or add --type string to `pulumi config set`"},
		{"network", `"10.0.0.0/16"`, "rds-app:network: \"10.0.0.0/16\" is not an object; set its fields with `pulumi config set --path network.<field> <value>`"},
		{"database", `plain text`, "rds-app:database: \"plain text\" is not an object"},
		{"app", `[1]`, "rds-app:app: [1] is not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			values := map[string]string{"rds-app:app": minimalApp}
			values["rds-app:"+tt.section] = tt.value
			problems := problemsOf(t, values)
			found := false
			for _, p := range problems {
				found = found || strings.Contains(p, tt.want)
			}
			assert.True(t, found, "want %q among %q", tt.want, problems)
		})
	}
}

func TestUnknownKeys(t *testing.T) {
	problems := problemsOf(t, map[string]string{
		"aws:region":       "eu-west-1", // other namespaces are not ours to judge
		"rds-app:app":      `{"image": "nginx:1", "imageTag": "v2"}`,
		"rds-app:network":  `{"azcount": 3}`,
		"rds-app:database": `{"multiAZ": true}`,
		"rds-app:netwrok":  `{"cidr": "10.0.0.0/16"}`,
	})
	assert.Equal(t, []string{
		"rds-app:network.azcount: is not a known key; known keys are cidr, azCount, availabilityZones, ingressCidrs, flowLogRetentionDays",
		"rds-app:database.multiAZ: is not a known key; known keys are engineVersion, instanceClass, allocatedStorage, maxAllocatedStorage, port, username, name, backupRetentionDays, backupWindow, maintenanceWindow, multiAz, deletionProtection, skipFinalSnapshot, applyImmediately, extendedSupport, monitoringInterval, logRetentionDays, insightsMode, passwordVersion, proxy, proxyIamAuth, readReplicas",
		"rds-app:app.imageTag: is not a known key; known keys are image, repository, repositoryKeep, repositoryForceDelete, releasesKept, hosts, scaling, refreshTimeout, instanceType, amiId, hostPort, containerPort, healthCheckPath, healthCheckTimeout, healthCheckInterval, healthCheckRetries, drainSeconds, proxyImage, domain, hostedZoneId, rootVolumeSize, logRetentionDays, secretNames, environment",
		"rds-app:netwrok: is not a known key; rds-app reads rds-app:network, rds-app:database, rds-app:app and rds-app:ops",
	}, problems)
}

func TestAllProblemsReportedTogether(t *testing.T) {
	_, err := parse(map[string]string{
		"rds-app:network":  `{"cidr": "10.0.0.0/8", "azCount": 1, "ingressCidrs": ["everyone"], "flowLogRetentionDays": 2}`,
		"rds-app:database": `{"engineVersion": "9.6", "port": 80, "username": "postgres", "backupRetentionDays": 0, "multiAz": "maybe"}`,
		"rds-app:app":      `{"hostPort": 0, "instanceType": "huge"}`,
	})
	require.Error(t, err)
	assert.Equal(t, `invalid configuration (12 problems):
  - rds-app:network.cidr: "10.0.0.0/8" has a /8 netmask; AWS accepts VPCs from /16 to /28 (allowed: an IPv4 network address in private or shared space, /16 to /24; for example "10.1.0.0/16")
  - rds-app:network.azCount: 1 is below the minimum of 2 (allowed: 2 to the zones the region offers (at most 8); for example 3)
  - rds-app:network.ingressCidrs[0]: "everyone" is not a CIDR block (want a.b.c.d/n) (allowed: 1 to 60 distinct IPv4 CIDR blocks given as network addresses (each is a security group rule; a group holds 60); for example ["203.0.113.0/24"])
  - rds-app:network.flowLogRetentionDays: 2 is not a retention period CloudWatch Logs accepts (allowed: a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; for example 14)
  - rds-app:database.multiAz: "maybe" is not true or false (allowed: true or false; for example true)
  - rds-app:database.engineVersion: "9.6" is not a supported PostgreSQL major version; supported are 13 to 18 (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as "17.6", without leading zeros; for example "18")
  - rds-app:database.port: 80 is outside 1150..65535 (allowed: 1150 to 65535; for example 5433)
  - rds-app:database.username: "postgres" is reserved by PostgreSQL or RDS; choose another name such as "app_admin" (allowed: starts with a letter; letters, digits and underscores; at most 63; not postgres, rdsadmin, admin, a pg_/rds_ name or a reserved word; for example "other_admin")
  - rds-app:database.backupRetentionDays: 0 is outside 1..35 (allowed: 1 to 35, and at least 7 with deletionProtection; for example 10)
  - rds-app:app.image: is required; set it with `+"`pulumi config set --path app.image <registry/repository:tag>`"+` (allowed: registry/repository:tag or registry/repository@sha256:(64 hex digits), with an explicit tag or digest and a lower-case registry host; for example "public.ecr.aws/docker/library/nginx:1.29-alpine")
  - rds-app:app.instanceType: "huge" is not an EC2 instance type; use a name such as t3.micro, t4g.small or m7g.large (allowed: an EC2 instance type offered in the host's zone (in every zone, with a load balancer); for example "t4g.small")
  - rds-app:app.hostPort: 0 is outside 1..65535 (allowed: 1 to 65535, except the host's own 22 (sshd), 53 (systemd-resolved (DNS)), 323 (chronyd), 2019 (Caddy's admin API), 5355 (systemd-resolved (LLMNR)), 18001 (the application's first slot), 18002 (the application's second slot); for example 8080)`, err.Error())
}

// TestIndependentProblemsReportedTogether: a problem with one key does not
// hide a problem with another, even where one rule reads both keys.
func TestIndependentProblemsReportedTogether(t *testing.T) {
	tests := []struct {
		name    string
		section string // "network", "database", "app" or "ops"
		value   string
		want    []string
	}{
		{"cidr too small and azCount below 2", "network", `{"cidr": "10.0.0.0/25", "azCount": 1}`, []string{
			"rds-app:network.cidr: \"10.0.0.0/25\" is too small: 2 public and 2 private subnets of at least /28 each need a VPC of /24 or larger (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")",
			"rds-app:network.azCount: 1 is below the minimum of 2 (allowed: 2 to the zones the region offers (at most 8); for example 3)",
		}},
		{"cidr too small and one zone", "network", `{"cidr": "10.0.0.0/25", "availabilityZones": ["eu-west-1a"]}`, []string{
			"rds-app:network.cidr: \"10.0.0.0/25\" is too small: 2 public and 2 private subnets of at least /28 each need a VPC of /24 or larger (allowed: an IPv4 network address in private or shared space, /16 to /24; for example \"10.1.0.0/16\")",
			"rds-app:network.availabilityZones: lists 1 zone (\"eu-west-1a\"); an RDS subnet group needs subnets in at least 2 zones (allowed: zones of the stack's region, no repeats, as many as azCount; the first holds the host and must offer app.instanceType; for example [\"eu-west-1b\",\"eu-west-1c\"])",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := map[string]string{"rds-app:app": minimalApp}
			values["rds-app:"+tt.section] = tt.value
			assert.Equal(t, tt.want, problemsOf(t, values))
		})
	}
}

// TestZoneListAboveTheLayout: without azCount, availabilityZones' length is
// the zone count, and a list longer than the subnet layout holds is reported
// on it. No region offers more zones yet, so the region's list is left out.
func TestZoneListAboveTheLayout(t *testing.T) {
	zones := make([]string, 9)
	for i := range zones {
		zones[i] = fmt.Sprintf("%q", fmt.Sprintf("xx-test-1%c", 'a'+i))
	}
	_, err := Parse("rds-app", Source{Values: map[string]string{"rds-app:app": minimalApp,
		"rds-app:network": `{"availabilityZones": [` + strings.Join(zones, ", ") + `]}`}}, Facts{Region: "xx-test-1"})
	assert.EqualError(t, err, `invalid configuration (1 problem):
  - rds-app:network.availabilityZones: lists 9 zones, above the maximum of 8 the subnet layout holds (allowed: zones of the stack's region, no repeats, as many as azCount; the first holds the host and must offer app.instanceType; for example ["eu-west-1b","eu-west-1c"])`)
}

func TestSecretSectionsAreRejected(t *testing.T) {
	_, err := parse(map[string]string{"rds-app:app": `{"image": "nginx:1", "environment": {"API_KEY": "hunter2"}}`}, "rds-app:app")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rds-app:app: holds a secret value (set with --secret); rds-app takes no secrets in configuration")
	assert.NotContains(t, err.Error(), "hunter2", "an error message must not echo a secret")
}

func TestProblemsAreOneError(t *testing.T) {
	err := Problems{{Key: "rds-app:network.azCount", Message: "1 is below the minimum of 2"}}
	assert.Equal(t, "invalid configuration (1 problem):\n  - rds-app:network.azCount: 1 is below the minimum of 2", err.Error())
}

// TestRepositoryAndImageVersion: the repository's keys are checked, and a tag in ECR of another region cannot be resolved to a
// digest by `pulumi up`, while a digest there, or a tag in the stack's
// region, can.
func TestRepositoryAndImageVersion(t *testing.T) {
	// Set while the repository is off (it was turned off, and will be on
	// again): kept, not refused.
	_, err := parse(map[string]string{"rds-app:app": `{"image": "nginx:1", "repositoryKeep": 5, "repositoryForceDelete": true}`})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"rds-app:app.repositoryKeep: 0 is outside 1..20000 (allowed: 1 to 20000; for example 50)",
	}, problemsOf(t, map[string]string{"rds-app:app": `{"image": "nginx:1", "repository": true, "repositoryKeep": 0}`}))
	// A release and the one before it at least; S3 keeps at most 100
	// noncurrent versions by a rule. A wait shorter than a refresh's
	// checkpoints, or longer than a day, is refused.
	assert.Equal(t, []string{
		"rds-app:app.releasesKept: 1 is outside 2..101 (allowed: 2 to 101; for example 20)",
		"rds-app:app.refreshTimeout: 60 is outside 600..86400 (allowed: 600 to 86400; for example 5400)",
	}, problemsOf(t, map[string]string{"rds-app:app": `{"image": "nginx:1", "releasesKept": 1, "refreshTimeout": 60}`}))
	assert.Equal(t, []string{
		"rds-app:app.releasesKept: 102 is outside 2..101 (allowed: 2 to 101; for example 20)",
	}, problemsOf(t, map[string]string{"rds-app:app": `{"image": "nginx:1", "releasesKept": 102}`}))

	problems := problemsOf(t, map[string]string{"rds-app:app": `{"image": "210987654321.dkr.ecr.us-east-1.amazonaws.com/shop:v1"}`})
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0], `rds-app:app.image: "210987654321.dkr.ecr.us-east-1.amazonaws.com/shop:v1" is named by tag in ECR of us-east-1, but the stack is in eu-west-1`)
	assert.Contains(t, problems[0], "pulumi config set --path app.image 210987654321.dkr.ecr.us-east-1.amazonaws.com/shop@$(aws ecr describe-images --region us-east-1 --repository-name shop --image-ids imageTag=v1")

	for _, image := range []string{
		"210987654321.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:" + strings.Repeat("a", 64),
		"210987654321.dkr.ecr.eu-west-1.amazonaws.com/shop:v1",
	} {
		cfg, err := parse(map[string]string{"rds-app:app": `{"image": "` + image + `", "repository": true}`})
		require.NoError(t, err, image)
		assert.Equal(t, image, cfg.App.Image)
		assert.True(t, cfg.App.Repository)
		assert.Equal(t, DefaultRepositoryKeep, cfg.App.RepositoryKeep)
		assert.False(t, cfg.App.RepositoryForceDelete, "the repository outlives the stack unless told")
	}
}

// TestProxyLimits: with database.proxy, an engine major or class family
// RDS Proxy does not support is refused on the key the user typed, naming
// database.proxy and what RDS Proxy supports, every problem at once. The
// facts as documented today (internal/awsfacts/proxy.go) refuse nothing
// the program otherwise accepts, so the refusals run on narrowed facts.
func TestProxyLimits(t *testing.T) {
	for _, value := range []string{
		`{"proxy": true, "engineVersion": "13", "extendedSupport": true, "instanceClass": "db.t3.micro"}`,
		`{"proxy": true, "engineVersion": "18", "instanceClass": "db.t4g.micro"}`,
		`{"proxy": true, "engineVersion": "17.6", "instanceClass": "db.t4g.small"}`,
		`{"proxy": true, "instanceClass": "db.t3.small"}`,
	} {
		values := map[string]string{"rds-app:app": minimalApp, "rds-app:database": value}
		_, err := parse(values)
		assert.NoError(t, err, "as documented, RDS Proxy takes every major and class the program does: %s", value)
	}

	narrowed := func(t *testing.T) {
		majors, excluded := awsfacts.ProxyPostgresMajors, awsfacts.ProxyExcludedClassFamilies
		t.Cleanup(func() { awsfacts.ProxyPostgresMajors, awsfacts.ProxyExcludedClassFamilies = majors, excluded })
		awsfacts.ProxyPostgresMajors = []int{14, 15, 16, 17}
		awsfacts.ProxyExcludedClassFamilies = []string{"t3", "t4g"}
	}
	const otherFamilies = "db.m5, db.m5d, db.m6g, db.m6gd, db.m6i, db.m6id, db.m6idn, db.m6in, db.m7g, db.m7i, db.m8g, db.m8gd, db.r5, db.r5b, db.r5d, db.r6g, db.r6gd, db.r6i, db.r6id, db.r6idn, db.r6in, db.r7g, db.r7i, db.r8g, db.r8gd, db.x2g, db.x2idn, db.x2iedn, db.x2iezn"
	for _, tt := range []struct {
		name  string
		value string
		want  []string
	}{
		{"major and class typed", `{"proxy": true, "engineVersion": "18", "instanceClass": "db.t4g.small"}`, []string{
			`rds-app:database.engineVersion: "18" with database.proxy true: RDS Proxy does not support PostgreSQL 18; it supports majors 14, 15, 16, 17; choose one of those, or set database.proxy to false (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as "17.6", without leading zeros; for example "17")`,
			`rds-app:database.instanceClass: "db.t4g.small" with database.proxy true: RDS Proxy does not run with db.t4g classes; it runs with ` + otherFamilies + `; choose one of those, or set database.proxy to false (allowed: an RDS for PostgreSQL class, db.<family>.<size>; for example "db.t4g.small")`,
		}},
		{"a pinned minor of a major without the proxy", `{"proxy": true, "engineVersion": "18.1", "instanceClass": "db.m7g.large"}`, []string{
			`rds-app:database.engineVersion: "18.1" with database.proxy true: RDS Proxy does not support PostgreSQL 18; it supports majors 14, 15, 16, 17; choose one of those, or set database.proxy to false (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as "17.6", without leading zeros; for example "17")`,
		}},
		{"past standard support and without the proxy", `{"proxy": true, "engineVersion": "13", "instanceClass": "db.m7g.large"}`, []string{
			`rds-app:database.engineVersion: "13" is past RDS standard support (it ended 2026-02-28), and RDS refuses it without paid Extended Support; upgrade to a supported major (17), or set database.extendedSupport to true to pay for Extended Support (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as "17.6", without leading zeros; for example "18")`,
			`rds-app:database.engineVersion: "13" with database.proxy true: RDS Proxy does not support PostgreSQL 13; it supports majors 14, 15, 16, 17; choose one of those, or set database.proxy to false (allowed: a PostgreSQL major, 13 to 18, or a released major.minor such as "17.6", without leading zeros; for example "17")`,
		}},
		// The user typed only database.proxy: the defaulted class is its problem.
		{"defaulted class", `{"proxy": true}`, []string{
			`rds-app:database.proxy: true needs a class RDS Proxy runs with, but database.instanceClass is "db.t4g.micro" (the default): RDS Proxy does not run with db.t4g classes; it runs with ` + otherFamilies + `; set database.instanceClass to one of those (allowed: true or false; for example true)`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			narrowed(t)
			values := map[string]string{"rds-app:app": minimalApp, "rds-app:database": tt.value}
			assert.Equal(t, tt.want, problemsOf(t, values))
			// Without the proxy the same values are fine (13 past support aside).
			values["rds-app:database"] = strings.Replace(tt.value, `"proxy": true`, `"proxy": false`, 1)
			if !strings.Contains(tt.value, `"13"`) {
				_, err := parse(values)
				assert.NoError(t, err)
			}
		})
	}
}

// TestListenPorts: without a domain the proxy serves app.hostPort to
// network.ingressCidrs; with one, 443 to them and 80 (ACME's challenge and
// the redirect) to everyone.
func TestListenPorts(t *testing.T) {
	web, public := App{HostPort: 8080}.ListenPorts()
	assert.Equal(t, []int{8080}, web)
	assert.Empty(t, public)
	web, public = App{HostPort: 80, Domain: "app.example.com"}.ListenPorts()
	assert.Equal(t, []int{443}, web)
	assert.Equal(t, []int{80}, public)
	web, public = App{HostPort: 80, Domain: "app.example.com", Hosts: 2}.ListenPorts()
	assert.Equal(t, []int{443, 80}, web, "behind a load balancer, ACM's certificate needs no open port 80")
	assert.Empty(t, public)
}
