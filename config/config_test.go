package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	}, cfg.Database)
	assert.Equal(t, App{
		Image:            "public.ecr.aws/docker/library/nginx:stable-alpine",
		InstanceType:     "t3.micro",
		HostPort:         80,
		ContainerPort:    1337,
		RootVolumeSize:   20,
		LogRetentionDays: 30,
		SecretNames:      []string{"APP_KEYS", "API_TOKEN_SALT", "ADMIN_JWT_SECRET", "JWT_SECRET"},
		Environment:      map[string]string{},
	}, cfg.App)
}

func TestEveryKeyIsRead(t *testing.T) {
	cfg, err := parse(map[string]string{
		"aws:region": "eu-west-1",
		"rds-app:network": `{"cidr": "10.20.0.0/20", "azCount": 3, "availabilityZones": ["eu-west-1c", "eu-west-1a", "eu-west-1b"],
			"ingressCidrs": ["203.0.113.0/24"], "flowLogRetentionDays": 7}`,
		"rds-app:database": `{"engineVersion": "16.4", "instanceClass": "db.m7g.large", "allocatedStorage": 50, "maxAllocatedStorage": 500,
			"port": 6432, "username": "owner", "name": "shop", "backupRetentionDays": 14, "backupWindow": "01:00-01:30",
			"maintenanceWindow": "sat:22:00-sat:23:00", "multiAz": true, "deletionProtection": true, "skipFinalSnapshot": true,
			"applyImmediately": true, "extendedSupport": true, "monitoringInterval": 15, "logRetentionDays": 365}`,
		"rds-app:app": `{"image": "210987654321.dkr.ecr.eu-west-1.amazonaws.com/shop:v1", "instanceType": "t4g.small", "amiId": "ami-12345678", "hostPort": 8080,
			"containerPort": 3000, "rootVolumeSize": 30, "logRetentionDays": 90, "secretNames": ["SESSION_KEY"],
			"environment": {"NODE_ENV": "production"}}`,
	})
	require.NoError(t, err)
	assert.Equal(t, Network{CIDR: "10.20.0.0/20", AZCount: 3, AvailabilityZones: []string{"eu-west-1c", "eu-west-1a", "eu-west-1b"},
		IngressCIDRs: []string{"203.0.113.0/24"}, FlowLogRetentionDays: 7}, cfg.Network)
	assert.Equal(t, Database{EngineVersion: "16.4", InstanceClass: "db.m7g.large", AllocatedStorage: 50, MaxAllocatedStorage: 500,
		Port: 6432, Username: "owner", Name: "shop", BackupRetentionDays: 14, BackupWindow: "01:00-01:30",
		MaintenanceWindow: "sat:22:00-sat:23:00", MultiAZ: true, DeletionProtection: true, SkipFinalSnapshot: true,
		ApplyImmediately: true, ExtendedSupport: true, MonitoringInterval: 15, LogRetentionDays: 365}, cfg.Database)
	assert.Equal(t, App{Image: "210987654321.dkr.ecr.eu-west-1.amazonaws.com/shop:v1", InstanceType: "t4g.small", AMIID: "ami-12345678", HostPort: 8080,
		ContainerPort: 3000, RootVolumeSize: 30, LogRetentionDays: 90, SecretNames: []string{"SESSION_KEY"},
		Environment: map[string]string{"NODE_ENV": "production"}}, cfg.App)
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
		cfg, err := parse(map[string]string{"rds-app:app": `{"image": "nginx:1.27", "secretNames": []}`, "rds-app:network": `{"ingressCidrs": []}`})
		require.NoError(t, err)
		assert.Empty(t, cfg.App.SecretNames)
		assert.NotNil(t, cfg.App.SecretNames)
		assert.Empty(t, cfg.Network.IngressCIDRs)
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
		section string // "network", "database" or "app"
		value   string
		want    string
	}{
		{"placeholder image", "app", `{"image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-app:1.0.0"}`, `rds-app:app.image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-app:1.0.0" is in account 123456789012, the placeholder of the example stacks (AWS's documentation account); set your own image`},
		{"environment too large", "app", `{"image": "nginx:1", "environment": {"BIG": "` + strings.Repeat("x", 8200) + `"}}`, `rds-app:app.environment: takes 8261 bytes with the ports, above the 8192 bytes of the SSM parameter that holds them`},
		// RDS standard support (testFacts.Today is 2026-11-29)
		{"major past standard support", "database", `{"engineVersion": "13"}`, `rds-app:database.engineVersion: "13" is past RDS standard support (it ended 2026-02-28), and RDS refuses it without paid Extended Support; upgrade to a supported major (17), or set database.extendedSupport to true to pay for Extended Support`},
		{"pinned minor past standard support", "database", `{"engineVersion": "13.20"}`, `rds-app:database.engineVersion: "13.20" is past RDS standard support (it ended 2026-02-28)`},
		// network
		{"malformed cidr", "network", `{"cidr": "10.0.0/16"}`, `rds-app:network.cidr: "10.0.0/16" is not a CIDR block`},
		{"ipv6 cidr", "network", `{"cidr": "fd00::/56"}`, `rds-app:network.cidr: "fd00::/56" is not an IPv4 CIDR block`},
		{"cidr with host bits", "network", `{"cidr": "10.0.0.1/16"}`, `rds-app:network.cidr: "10.0.0.1/16" has host bits set; its network address is 10.0.0.0/16`},
		{"cidr too large", "network", `{"cidr": "10.0.0.0/8"}`, `rds-app:network.cidr: "10.0.0.0/8" has a /8 netmask; AWS accepts VPCs from /16 to /28`},
		{"cidr too small", "network", `{"cidr": "10.0.0.0/25"}`, `rds-app:network.cidr: "10.0.0.0/25" is too small`},
		{"azCount below 2", "network", `{"azCount": 1}`, `rds-app:network.azCount: 1 is below the minimum of 2`},
		{"azCount above region", "network", `{"azCount": 4}`, `rds-app:network.azCount: 4 is above the 3 availability zones eu-west-1 offers (eu-west-1a, eu-west-1b, eu-west-1c)`},
		{"azCount above layout", "network", `{"azCount": 9}`, `rds-app:network.azCount: 9 is above the maximum of 8`},
		{"unknown zone", "network", `{"availabilityZones": ["eu-west-1a", "us-east-1a"]}`, `rds-app:network.availabilityZones[1]: "us-east-1a" is not an availability zone of eu-west-1`},
		{"duplicate zone", "network", `{"availabilityZones": ["eu-west-1a", "eu-west-1a"]}`, `rds-app:network.availabilityZones[1]: "eu-west-1a" is listed twice`},
		{"zones disagree with azCount", "network", `{"azCount": 2, "availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]}`, `rds-app:network.availabilityZones: lists 3 zones but azCount is 2`},
		{"one zone", "network", `{"availabilityZones": ["eu-west-1a"]}`, `rds-app:network.azCount: 1 is below the minimum of 2`},
		{"malformed ingress", "network", `{"ingressCidrs": ["0.0.0.0/0", "office"]}`, `rds-app:network.ingressCidrs[1]: "office" is not a CIDR block`},
		{"ingress address", "network", `{"ingressCidrs": ["203.0.113.7"]}`, `rds-app:network.ingressCidrs[0]: "203.0.113.7" is an address, not a CIDR block; use 203.0.113.7/32`},
		{"ingress host bits", "network", `{"ingressCidrs": ["203.0.113.7/24"]}`, `rds-app:network.ingressCidrs[0]: "203.0.113.7/24" has host bits set`},
		{"ingress ipv6", "network", `{"ingressCidrs": ["::/0"]}`, `rds-app:network.ingressCidrs[0]: "::/0" is IPv6`},
		{"flow log retention", "network", `{"flowLogRetentionDays": 10}`, `rds-app:network.flowLogRetentionDays: 10 is not a retention period CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30`},
		{"flow log retention zero", "network", `{"flowLogRetentionDays": 0}`, `rds-app:network.flowLogRetentionDays: 0 is not a retention period`},
		// database
		{"engine version word", "database", `{"engineVersion": "latest"}`, `rds-app:database.engineVersion: "latest" is not a PostgreSQL version`},
		{"engine version old", "database", `{"engineVersion": "12"}`, `rds-app:database.engineVersion: "12" is not a supported PostgreSQL major version; supported are 13 to 18`},
		{"engine version new", "database", `{"engineVersion": "19"}`, `"19" is not a supported PostgreSQL major version`},
		{"engine version patch", "database", `{"engineVersion": "17.4.1"}`, `"17.4.1" is not a PostgreSQL version`},
		{"engine version leading zero", "database", `{"engineVersion": "017"}`, `"017" is not a PostgreSQL version`},
		{"engine minor leading zero", "database", `{"engineVersion": "17.04"}`, `"17.04" is not a PostgreSQL version`},
		{"instance class", "database", `{"instanceClass": "t4g.micro"}`, `rds-app:database.instanceClass: "t4g.micro" is not an RDS instance class; use a db.* class`},
		{"storage too small", "database", `{"allocatedStorage": 10}`, `rds-app:database.allocatedStorage: 10 GiB is below the minimum of 20 GiB`},
		{"storage above ceiling", "database", `{"allocatedStorage": 200, "maxAllocatedStorage": 100}`, `rds-app:database.allocatedStorage: 200 GiB is not below maxAllocatedStorage (100 GiB)`},
		{"storage at ceiling", "database", `{"allocatedStorage": 100, "maxAllocatedStorage": 100}`, `rds-app:database.allocatedStorage: 100 GiB is not below maxAllocatedStorage (100 GiB)`},
		{"ceiling too high", "database", `{"maxAllocatedStorage": 70000}`, `rds-app:database.maxAllocatedStorage: 70000 GiB is above the RDS maximum of 65536 GiB`},
		{"port too low", "database", `{"port": 1149}`, `rds-app:database.port: 1149 is outside 1150..65535`},
		{"port too high", "database", `{"port": 65536}`, `rds-app:database.port: 65536 is outside 1150..65535`},
		{"username postgres", "database", `{"username": "postgres"}`, `rds-app:database.username: "postgres" is reserved`},
		{"username rdsadmin", "database", `{"username": "rdsadmin"}`, `rds-app:database.username: "rdsadmin" is reserved`},
		{"username admin", "database", `{"username": "Admin"}`, `rds-app:database.username: "Admin" is reserved`},
		{"username digit", "database", `{"username": "1app"}`, `rds-app:database.username: "1app" must start with a letter`},
		{"username underscore first", "database", `{"username": "_app"}`, `rds-app:database.username: "_app" must start with a letter`},
		{"username too long", "database", `{"username": "` + strings.Repeat("a", 64) + `"}`, `rds-app:database.username: "` + strings.Repeat("a", 64) + `" is 64 characters; PostgreSQL names are at most 63`},
		{"username hyphen", "database", `{"username": "app-admin"}`, `rds-app:database.username: "app-admin" may contain only letters, digits and underscores`},
		{"username empty", "database", `{"username": ""}`, `rds-app:database.username: must not be empty`},
		{"username pg_ prefix", "database", `{"username": "pg_app"}`, `rds-app:database.username: "pg_app" starts with a prefix PostgreSQL or RDS reserves`},
		{"username reserved word", "database", `{"username": "user"}`, `rds-app:database.username: "user" is a PostgreSQL reserved word`},
		{"db name template", "database", `{"name": "template1"}`, `rds-app:database.name: "template1" already exists on every RDS instance`},
		{"db name postgres", "database", `{"name": "postgres"}`, `rds-app:database.name: "postgres" already exists`},
		{"db name hyphen", "database", `{"name": "my-app"}`, `rds-app:database.name: "my-app" may contain only letters, digits and underscores`},
		{"db name reserved word", "database", `{"name": "select"}`, `rds-app:database.name: "select" is a PostgreSQL reserved word`},
		{"retention zero", "database", `{"backupRetentionDays": 0}`, `rds-app:database.backupRetentionDays: 0 is outside 1..35`},
		{"retention too long", "database", `{"backupRetentionDays": 36}`, `rds-app:database.backupRetentionDays: 36 is outside 1..35`},
		{"retention short when protected", "database", `{"backupRetentionDays": 3, "deletionProtection": true}`, `rds-app:database.backupRetentionDays: 3 is below 7, the minimum for a stack with deletionProtection`},
		{"backup window malformed", "database", `{"backupWindow": "3:00-4:00"}`, `rds-app:database.backupWindow: "3:00-4:00" is not a daily window; use hh24:mi-hh24:mi`},
		{"backup window bad time", "database", `{"backupWindow": "24:00-01:00"}`, `rds-app:database.backupWindow: "24:00-01:00" has an invalid time`},
		{"backup window short", "database", `{"backupWindow": "03:00-03:20"}`, `rds-app:database.backupWindow: "03:00-03:20" lasts 20 minutes; RDS needs at least 30`},
		{"maintenance window malformed", "database", `{"maintenanceWindow": "sun:04:30-05:30"}`, `rds-app:database.maintenanceWindow: "sun:04:30-05:30" is not a weekly window`},
		{"maintenance window upper-case", "database", `{"maintenanceWindow": "Sun:04:30-Sun:05:30"}`, `"Sun:04:30-Sun:05:30" is not a weekly window; use ddd:hh24:mi-ddd:hh24:mi in UTC with lower-case days`},
		{"maintenance window bad day", "database", `{"maintenanceWindow": "sun:04:30-xyz:05:30"}`, `rds-app:database.maintenanceWindow: "sun:04:30-xyz:05:30" has an invalid day or time`},
		{"maintenance window short", "database", `{"maintenanceWindow": "sun:04:30-sun:04:40"}`, `"sun:04:30-sun:04:40" lasts 10 minutes`},
		{"windows overlap", "database", `{"backupWindow": "04:00-05:00", "maintenanceWindow": "sun:04:30-sun:05:30"}`, `rds-app:database.backupWindow: "04:00-05:00" overlaps maintenanceWindow "sun:04:30-sun:05:30"`},
		{"windows overlap across midnight", "database", `{"backupWindow": "23:30-00:30", "maintenanceWindow": "mon:00:00-mon:01:00"}`, `"23:30-00:30" overlaps maintenanceWindow`},
		{"windows overlap across the week", "database", `{"backupWindow": "00:00-00:30", "maintenanceWindow": "sun:23:00-mon:00:15"}`, `"00:00-00:30" overlaps maintenanceWindow`},
		{"monitoring interval", "database", `{"monitoringInterval": 20}`, `rds-app:database.monitoringInterval: 20 is not an Enhanced Monitoring interval; use one of 0, 1, 5, 10, 15, 30, 60`},
		{"db log retention", "database", `{"logRetentionDays": 2}`, `rds-app:database.logRetentionDays: 2 is not a retention period CloudWatch Logs accepts`},
		// app
		{"image required", "app", `{}`, "rds-app:app.image: is required; set it with `pulumi config set --path app.image <registry/repository:tag>`"},
		{"image invalid", "app", `{"image": "Registry/Repo:tag"}`, `rds-app:app.image: "Registry/Repo:tag" is not a valid image reference`},
		{"image no tag", "app", `{"image": "nginx"}`, `rds-app:app.image: "nginx" has no tag or digest`},
		{"image short digest", "app", `{"image": "nginx@sha256:abc"}`, `rds-app:app.image: "nginx@sha256:abc" is not a valid image reference`},
		{"image with spaces", "app", `{"image": "nginx: 1"}`, `rds-app:app.image: "nginx: 1" is not a valid image reference`},
		{"instance type", "app", `{"image": "nginx:1", "instanceType": "micro"}`, `rds-app:app.instanceType: "micro" is not an EC2 instance type`},
		{"ami malformed", "app", `{"image": "nginx:1", "amiId": "ami-123"}`, `rds-app:app.amiId: "ami-123" is not an AMI ID`},
		{"ami empty", "app", `{"image": "nginx:1", "amiId": ""}`, `rds-app:app.amiId: "" is not an AMI ID`},
		{"instance type db class", "app", `{"image": "nginx:1", "instanceType": "db.t3.micro"}`, `rds-app:app.instanceType: "db.t3.micro" is not an EC2 instance type`},
		{"host port zero", "app", `{"image": "nginx:1", "hostPort": 0}`, `rds-app:app.hostPort: 0 is outside 1..65535`},
		{"container port high", "app", `{"image": "nginx:1", "containerPort": 70000}`, `rds-app:app.containerPort: 70000 is outside 1..65535`},
		{"root volume small", "app", `{"image": "nginx:1", "rootVolumeSize": 4}`, `rds-app:app.rootVolumeSize: 4 GiB is outside 8..16384 GiB`},
		{"app log retention", "app", `{"image": "nginx:1", "logRetentionDays": 31}`, `rds-app:app.logRetentionDays: 31 is not a retention period CloudWatch Logs accepts`},
		{"secret name invalid", "app", `{"image": "nginx:1", "secretNames": ["JWT-SECRET"]}`, `rds-app:app.secretNames[0]: "JWT-SECRET" is not a valid environment variable name`},
		{"secret name contract", "app", `{"image": "nginx:1", "secretNames": ["DATABASE_PASSWORD"]}`, `rds-app:app.secretNames[0]: "DATABASE_PASSWORD" is set by the host from the database secret`},
		{"secret name twice", "app", `{"image": "nginx:1", "secretNames": ["A", "A"]}`, `rds-app:app.secretNames[1]: "A" is listed twice`},
		{"env name invalid", "app", `{"image": "nginx:1", "environment": {"1X": "y"}}`, `rds-app:app.environment.1X: "1X" is not a valid environment variable name`},
		{"env name contract", "app", `{"image": "nginx:1", "environment": {"DATABASE_URL": "postgres://x"}}`, `rds-app:app.environment.DATABASE_URL: "DATABASE_URL" is set by the host from the database secret`},
		{"env name generated", "app", `{"image": "nginx:1", "environment": {"JWT_SECRET": "x"}}`, `rds-app:app.environment.JWT_SECRET: "JWT_SECRET" is also in app.secretNames`},
		{"env value newline", "app", `{"image": "nginx:1", "environment": {"MOTD": "a\nb"}}`, `rds-app:app.environment.MOTD: the value contains a line break`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := map[string]string{"rds-app:app": minimalApp}
			values["rds-app:"+tt.section] = tt.value
			problems := problemsOf(t, values)
			require.Len(t, problems, 1, "want one problem, got %q", problems)
			assert.Contains(t, problems[0], tt.want)
		})
	}
}

func TestValidValuesAccepted(t *testing.T) {
	for _, tt := range []struct{ section, value string }{
		{"network", `{"cidr": "192.168.0.0/24"}`},
		{"network", `{"ingressCidrs": ["203.0.113.7/32"]}`},
		{"database", `{"engineVersion": "13", "extendedSupport": true}`},
		{"database", `{"engineVersion": "14"}`},
		{"database", `{"engineVersion": "18"}`},
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
	} {
		t.Run(tt.value, func(t *testing.T) {
			values := map[string]string{"rds-app:app": minimalApp}
			values["rds-app:"+tt.section] = tt.value
			_, err := parse(values)
			assert.NoError(t, err)
		})
	}
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
		"rds-app:database.multiAZ: is not a known key; known keys are engineVersion, instanceClass, allocatedStorage, maxAllocatedStorage, port, username, name, backupRetentionDays, backupWindow, maintenanceWindow, multiAz, deletionProtection, skipFinalSnapshot, applyImmediately, extendedSupport, monitoringInterval, logRetentionDays",
		"rds-app:app.imageTag: is not a known key; known keys are image, instanceType, amiId, hostPort, containerPort, rootVolumeSize, logRetentionDays, secretNames, environment",
		"rds-app:netwrok: is not a known key; rds-app reads rds-app:network, rds-app:database and rds-app:app",
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
  - rds-app:network.cidr: "10.0.0.0/8" has a /8 netmask; AWS accepts VPCs from /16 to /28
  - rds-app:network.azCount: 1 is below the minimum of 2
  - rds-app:network.ingressCidrs[0]: "everyone" is not a CIDR block (want a.b.c.d/n, e.g. 203.0.113.0/24 or 0.0.0.0/0)
  - rds-app:network.flowLogRetentionDays: 2 is not a retention period CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
  - rds-app:database.multiAz: "maybe" is not true or false
  - rds-app:database.engineVersion: "9.6" is not a supported PostgreSQL major version; supported are 13 to 18
  - rds-app:database.port: 80 is outside 1150..65535
  - rds-app:database.username: "postgres" is reserved by PostgreSQL or RDS; choose another name such as "app_admin"
  - rds-app:database.backupRetentionDays: 0 is outside 1..35
  - rds-app:app.image: is required; set it with `+"`pulumi config set --path app.image <registry/repository:tag>`"+`
  - rds-app:app.instanceType: "huge" is not an EC2 instance type; use a name such as t3.micro, t4g.small or m7g.large
  - rds-app:app.hostPort: 0 is outside 1..65535`, err.Error())
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
