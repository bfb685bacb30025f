package database_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/database"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/dbsecret"
	"github.com/rds-app/rds-app/internal/iampolicy"
	"github.com/rds-app/rds-app/internal/pulumitest"
)

const (
	typeInstance  = "aws:rds/instance:Instance"
	typeComponent = "rds-app:database:Database"
)

// devArgs and prodArgs mirror what the shipped stacks choose.
func devArgs() database.Args {
	return database.Args{
		Database: config.Database{
			EngineVersion: "17", InstanceClass: "db.t4g.micro",
			AllocatedStorage: 20, MaxAllocatedStorage: 50, Port: 5432, Username: "app_admin", Name: "app",
			BackupRetentionDays: 7, BackupWindow: "03:00-04:00", MaintenanceWindow: "sun:04:30-sun:05:30",
			SkipFinalSnapshot: true, ApplyImmediately: true, MonitoringInterval: 0, LogRetentionDays: 7,
			InsightsMode: "standard", PasswordVersion: 1,
		},
		Inputs: database.Inputs{
			IdentifierPrefix: "rds-app-dev", Partition: "aws", AccountID: pulumitest.AccountID, Region: pulumitest.Region,
			SubnetIDs:              pulumi.ToStringArray([]string{"subnet-a", "subnet-b"}),
			AvailabilityZones:      pulumitest.Zones[:2],
			SecurityGroupID:        pulumi.String("sg-db"),
			ProxySecurityGroupID:   pulumi.String("sg-proxy"),
			ReplicaSecurityGroupID: pulumi.String("sg-replica"),
		},
	}
}

func prodArgs() database.Args {
	a := devArgs()
	a.IdentifierPrefix, a.InstanceClass = "rds-app-prod", "db.m7g.large"
	a.AllocatedStorage, a.MaxAllocatedStorage, a.Port = 50, 500, 6432
	a.BackupRetentionDays, a.MultiAZ, a.DeletionProtection = 14, true, true
	a.SkipFinalSnapshot, a.ApplyImmediately, a.MonitoringInterval, a.LogRetentionDays = false, false, 60, 365
	return a
}

type outputs struct {
	address, name, username, secretArn, keyArn, identifier string
	port                                                   int
}

func build(t *testing.T, args database.Args) (*pulumitest.Mocks, outputs) {
	t.Helper()
	m := pulumitest.New()
	var out outputs
	err := m.Run("test", func(ctx *pulumi.Context) error {
		d, err := database.New(ctx, "db", args.Database, args.Inputs)
		if err != nil {
			return err
		}
		pulumi.All(d.Address, d.Port, d.DatabaseName, d.Username, d.SecretArn, d.KmsKeyArn, d.InstanceIdentifier).ApplyT(func(vs []any) error {
			out = outputs{vs[0].(string), vs[2].(string), vs[3].(string), vs[4].(string), vs[5].(string), vs[6].(string), vs[1].(int)}
			return nil
		})
		return nil
	})
	require.NoError(t, err)
	return m, out
}

func TestKeySubnetGroupAndParameters(t *testing.T) {
	m, out := build(t, devArgs())

	key := m.One(t, "aws:kms/key:Key")
	assert.True(t, key.Input("enableKeyRotation").BoolValue())
	assert.Equal(t, 30.0, key.Input("deletionWindowInDays").NumberValue())
	alias := m.One(t, "aws:kms/alias:Alias")
	assert.Equal(t, key.ID, alias.Str("targetKeyId"))
	assert.Equal(t, "alias/rds-app-dev-", alias.Str("namePrefix"))
	assert.Equal(t, key.Outputs["arn"].StringValue(), out.keyArn)

	sg := m.One(t, "aws:rds/subnetGroup:SubnetGroup")
	assert.Equal(t, []resource.PropertyValue{resource.NewProperty("subnet-a"), resource.NewProperty("subnet-b")}, sg.Input("subnetIds").ArrayValue())

	pg := m.One(t, "aws:rds/parameterGroup:ParameterGroup")
	assert.Equal(t, "postgres17", pg.Str("family"))
	params := map[string]string{}
	for _, p := range pg.Input("parameters").ArrayValue() {
		params[p.ObjectValue()["name"].StringValue()] = p.ObjectValue()["value"].StringValue()
	}
	assert.Equal(t, map[string]string{"rds.force_ssl": "1", "log_connections": "1", "log_disconnections": "1"}, params)
	// Auto-named and replaced create-first, so a major upgrade can attach
	// the new family's group before the old one goes.
	assert.True(t, pg.Input("name").IsNull(), "parameter group must be auto-named")
	assert.True(t, pg.Input("namePrefix").IsNull())
	assert.False(t, pg.Request.GetDeleteBeforeReplace())
}

// TestKeyOutlivesTheStackWithTheFinalSnapshot: the final snapshot and AWS
// Backup's recovery points are encrypted with the stack's key, so the key
// and its alias are retained on delete when either outlives the stack, and
// deleted with a dev stack that leaves neither.
func TestKeyOutlivesTheStackWithTheFinalSnapshot(t *testing.T) {
	for name, tc := range map[string]struct {
		args   database.Args
		retain bool
	}{"prod (final snapshot)": {prodArgs(), true}, "dev (no final snapshot)": {devArgs(), false}, "dev with AWS Backup": {withBackups(devArgs()), true}} {
		m, _ := build(t, tc.args)
		assert.Equal(t, tc.retain, m.One(t, "aws:kms/key:Key").Request.GetRetainOnDelete(), "%s: key", name)
		assert.Equal(t, tc.retain, m.One(t, "aws:kms/alias:Alias").Request.GetRetainOnDelete(), "%s: alias", name)
	}
}

func TestParameterGroupFamilyFollowsTheMajorVersion(t *testing.T) {
	for version, family := range map[string]string{"13": "postgres13", "16.4": "postgres16", "18": "postgres18"} {
		args := devArgs()
		args.EngineVersion = version
		m, _ := build(t, args)
		assert.Equal(t, family, m.One(t, "aws:rds/parameterGroup:ParameterGroup").Str("family"))
		inst := m.One(t, typeInstance)
		assert.Equal(t, version, inst.Str("engineVersion"))
		assert.Equal(t, !strings.Contains(version, "."), inst.Input("autoMinorVersionUpgrade").BoolValue(),
			"a pinned minor version turns automatic minor upgrades off")
	}
}

func TestMasterPassword(t *testing.T) {
	m, _ := build(t, devArgs())
	pw := m.One(t, "random:index/randomPassword:RandomPassword")
	assert.GreaterOrEqual(t, pw.Input("length").NumberValue(), 32.0)
	assert.True(t, pw.Input("special").BoolValue())
	assert.Equal(t, dbsecret.PasswordSpecials, pw.Str("overrideSpecial"))
	for _, k := range []string{"upper", "lower", "numeric"} {
		assert.True(t, pw.Input(k).BoolValue(), k)
	}
	assert.Contains(t, pw.Request.GetAdditionalSecretOutputs(), "result")

	inst := m.One(t, typeInstance)
	assert.True(t, pulumitest.IsSecret(inst.Inputs["password"]), "the password must reach RDS as a secret")
	assert.Equal(t, m.Sentinels()[0], inst.Str("password"))
}

// commonInstanceSettings are the same in every stack.
func assertCommonInstanceSettings(t *testing.T, m *pulumitest.Mocks, inst pulumitest.Resource) {
	t.Helper()
	keyArn := m.One(t, "aws:kms/key:Key").Outputs["arn"].StringValue()
	assert.Equal(t, "postgres", inst.Str("engine"))
	assert.Equal(t, "17", inst.Str("engineVersion"))
	assert.Equal(t, "gp3", inst.Str("storageType"))
	assert.True(t, inst.Input("storageEncrypted").BoolValue())
	assert.Equal(t, keyArn, inst.Str("kmsKeyId"))
	pa := inst.Input("publiclyAccessible")
	require.True(t, pa.IsBool(), "publiclyAccessible must be set explicitly")
	assert.False(t, pa.BoolValue())
	assert.Equal(t, m.One(t, "aws:rds/subnetGroup:SubnetGroup").ID, inst.Str("dbSubnetGroupName"))
	assert.Equal(t, []resource.PropertyValue{resource.NewProperty("sg-db")}, inst.Input("vpcSecurityGroupIds").ArrayValue())
	assert.Equal(t, m.One(t, "aws:rds/parameterGroup:ParameterGroup").ID, inst.Str("parameterGroupName"))
	assert.Equal(t, "rds-ca-rsa2048-g1", inst.Str("caCertIdentifier"))
	assert.Equal(t, "app_admin", inst.Str("username"))
	assert.Equal(t, "app", inst.Str("dbName"))
	assert.Equal(t, "03:00-04:00", inst.Str("backupWindow"))
	assert.Equal(t, "sun:04:30-sun:05:30", inst.Str("maintenanceWindow"))
	assert.True(t, inst.Input("copyTagsToSnapshot").BoolValue())
	assert.True(t, inst.Input("autoMinorVersionUpgrade").BoolValue())
	assert.True(t, inst.Input("allowMajorVersionUpgrade").BoolValue())
	assert.Equal(t, []resource.PropertyValue{resource.NewProperty("postgresql"), resource.NewProperty("upgrade")}, inst.Input("enabledCloudwatchLogsExports").ArrayValue())
	assert.True(t, inst.Input("iamDatabaseAuthenticationEnabled").BoolValue())
	assert.True(t, inst.Input("performanceInsightsEnabled").BoolValue())
	assert.Equal(t, keyArn, inst.Str("performanceInsightsKmsKeyId"))
	assert.Equal(t, 7.0, inst.Input("performanceInsightsRetentionPeriod").NumberValue())
	assert.Regexp(t, `^rds-app-(dev|prod)-a1b2c3d4$`, inst.Str("identifier"))

	// The exported logs go to groups created first, with a retention.
	for _, log := range []string{"postgresql", "upgrade"} {
		g := m.Named(t, "aws:cloudwatch/logGroup:LogGroup", "db-"+log+"-log")
		assert.Equal(t, "/aws/rds/instance/"+inst.Str("identifier")+"/"+log, g.Str("name"))
		assert.Contains(t, inst.Request.GetDependencies(), urnOf(g))
	}
}

func urnOf(r pulumitest.Resource) string {
	return "urn:pulumi:test::rds-app::rds-app:database:Database$" + r.Type + "::" + r.Name
}

func TestDevInstanceIsCheap(t *testing.T) {
	m, out := build(t, devArgs())
	inst := m.One(t, typeInstance)
	assertCommonInstanceSettings(t, m, inst)
	assert.Equal(t, "db.t4g.micro", inst.Str("instanceClass"))
	assert.Equal(t, 20.0, inst.Input("allocatedStorage").NumberValue())
	assert.Equal(t, 50.0, inst.Input("maxAllocatedStorage").NumberValue())
	assert.Equal(t, 5432.0, inst.Input("port").NumberValue())
	assert.Equal(t, 7.0, inst.Input("backupRetentionPeriod").NumberValue())
	assert.False(t, inst.Input("multiAz").BoolValue())
	assert.False(t, inst.Input("deletionProtection").BoolValue())
	assert.False(t, inst.Request.GetProtect(), "no Pulumi protect without deletion protection")
	assert.True(t, inst.Input("skipFinalSnapshot").BoolValue())
	assert.True(t, inst.Input("finalSnapshotIdentifier").IsNull())
	assert.True(t, inst.Input("applyImmediately").BoolValue())
	assert.Equal(t, 0.0, inst.Input("monitoringInterval").NumberValue())
	assert.True(t, inst.Input("monitoringRoleArn").IsNull())
	assert.Empty(t, m.OfType("aws:iam/role:Role"), "no monitoring role when monitoring is off")
	assert.Equal(t, 7.0, m.Named(t, "aws:cloudwatch/logGroup:LogGroup", "db-postgresql-log").Input("retentionInDays").NumberValue())

	assert.Equal(t, "rds-app-dev-a1b2c3d4.c0ffee.eu-west-1.rds.amazonaws.com", out.address)
	assert.Equal(t, 5432, out.port)
	assert.Equal(t, "app", out.name)
	assert.Equal(t, "app_admin", out.username)
	assert.Equal(t, "rds-app-dev-a1b2c3d4", out.identifier)
}

func TestProdInstanceIsSafe(t *testing.T) {
	m, out := build(t, prodArgs())
	inst := m.One(t, typeInstance)
	assertCommonInstanceSettings(t, m, inst)
	assert.Equal(t, "db.m7g.large", inst.Str("instanceClass"))
	assert.Equal(t, 6432.0, inst.Input("port").NumberValue())
	assert.Equal(t, 14.0, inst.Input("backupRetentionPeriod").NumberValue())
	assert.True(t, inst.Input("multiAz").BoolValue())
	assert.True(t, inst.Input("deletionProtection").BoolValue())
	assert.True(t, inst.Request.GetProtect(), "deletion protection must come with Pulumi's protect")
	assert.False(t, inst.Input("skipFinalSnapshot").BoolValue())
	assert.Equal(t, "rds-app-prod-a1b2c3d4-final", inst.Str("finalSnapshotIdentifier"))
	assert.False(t, inst.Input("applyImmediately").BoolValue())
	assert.Equal(t, 365.0, m.Named(t, "aws:cloudwatch/logGroup:LogGroup", "db-postgresql-log").Input("retentionInDays").NumberValue())

	// Enhanced Monitoring with its own role.
	assert.Equal(t, 60.0, inst.Input("monitoringInterval").NumberValue())
	role := m.One(t, "aws:iam/role:Role")
	assert.Equal(t, role.Outputs["arn"].StringValue(), inst.Str("monitoringRoleArn"))
	var trust iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(role.Str("assumeRolePolicy")), &trust))
	require.Len(t, trust.Statement, 1)
	assert.Equal(t, map[string]string{"Service": "monitoring.rds.amazonaws.com"}, trust.Statement[0].Principal)
	assert.Equal(t, []string{"sts:AssumeRole"}, trust.Statement[0].Action)
	att := m.One(t, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
	assert.Equal(t, role.Outputs["name"].StringValue(), att.Str("role"))
	assert.Equal(t, "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole", att.Str("policyArn"))

	assert.Equal(t, 6432, out.port)
}

func TestConnectionSecret(t *testing.T) {
	m, out := build(t, prodArgs())
	key := m.One(t, "aws:kms/key:Key")
	secret := m.One(t, "aws:secretsmanager/secret:Secret")
	assert.Equal(t, key.Outputs["arn"].StringValue(), secret.Str("kmsKeyId"))
	assert.Equal(t, secret.Outputs["arn"].StringValue(), out.secretArn)
	inst := m.One(t, typeInstance)
	for _, dep := range secret.Request.GetDependencies() {
		assert.NotContains(t, dep, typeInstance, "the secret must not wait for the instance")
	}

	version := m.One(t, "aws:secretsmanager/secretVersion:SecretVersion")
	assert.Equal(t, secret.ID, version.Str("secretId"))
	assert.True(t, pulumitest.IsSecret(version.Inputs["secretString"]), "the secret value must be a Pulumi secret")
	assert.Contains(t, version.Request.GetDependencies(), urnOf(inst), "the value waits for the instance")
	var conn map[string]any
	require.NoError(t, json.Unmarshal([]byte(version.Str("secretString")), &conn))
	assert.Equal(t, map[string]any{
		"engine": "postgres", "host": out.address, "port": 6432.0, "dbname": "app",
		"username": "app_admin", "password": m.Sentinels()[0], "sslmode": "verify-full",
	}, conn)
}

func TestEveryChildIsParentedToTheComponent(t *testing.T) {
	m, _ := build(t, prodArgs())
	assert.Equal(t, 13, m.AssertParentedTo(t, typeComponent, "db"))
}

func TestBadEngineVersionRegistersNothing(t *testing.T) {
	args := devArgs()
	args.EngineVersion = "12"
	m := pulumitest.New()
	err := m.Run("test", func(ctx *pulumi.Context) error {
		_, err := database.New(ctx, "db", args.Database, args.Inputs)
		return err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"12" is not a supported PostgreSQL major version`)
	assert.Empty(t, m.Resources())
}

// TestExtendedSupportIsExplicit: RDS enrols a major past standard support
// in paid Extended Support unless told not to, so the setting is always
// written out.
func TestExtendedSupportIsExplicit(t *testing.T) {
	m, _ := build(t, devArgs())
	assert.Equal(t, "open-source-rds-extended-support-disabled", m.One(t, typeInstance).Str("engineLifecycleSupport"))
	args := devArgs()
	args.ExtendedSupport = true
	m, _ = build(t, args)
	assert.Equal(t, "open-source-rds-extended-support", m.One(t, typeInstance).Str("engineLifecycleSupport"))
}

func TestStandardSupportCalendar(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		require.NoError(t, err)
		return d.Add(12 * time.Hour)
	}
	for _, tc := range []struct {
		version, today string
		past           bool
	}{
		{"13", "2026-02-28", false}, // the last day of standard support
		{"13", "2026-03-01", true},
		{"13.20", "2026-11-29", true},
		{"14", "2026-11-29", false},
		{"15", "2028-02-29", false},
		{"18", "2026-11-29", false},
	} {
		v, err := awsfacts.ParseEngineVersion(tc.version)
		require.NoError(t, err)
		assert.Equal(t, tc.past, v.PastStandardSupport(day(tc.today)), "%s on %s", tc.version, tc.today)
	}
	for major := awsfacts.MinMajorVersion; major <= awsfacts.MaxMajorVersion; major++ {
		v, _ := awsfacts.ParseEngineVersion(fmt.Sprint(major))
		assert.NotEmpty(t, v.StandardSupportEnds(), "every supported major has a date in the calendar: %d", major)
	}
}

// TestSettingsThatReplaceTheInstanceGetANewIdentifier: the instance's
// random suffix is kept by the settings only a new instance can apply, so
// a replacement (created before the old instance is deleted) never collides
// with the old identifier.
func TestSettingsThatReplaceTheInstanceGetANewIdentifier(t *testing.T) {
	m, _ := build(t, devArgs())
	id := m.One(t, "random:index/randomId:RandomId")
	keepers := id.Input("keepers").ObjectValue()
	assert.Equal(t, "app_admin", keepers["username"].StringValue())
	assert.Equal(t, "app", keepers["databaseName"].StringValue())
	assert.Len(t, keepers, 2, "only settings that force a new instance may renew the identifier")
	assert.False(t, m.One(t, typeInstance).Request.GetDeleteBeforeReplace(), "a replacement is created before the old instance is deleted")
}

func withBackups(a database.Args) database.Args {
	a.RecoveryPointsOutliveStack = true
	return a
}

// TestDatabaseInsightsIsExplicit: the mode is written out in both cases,
// with the Performance Insights retention each needs and the stack's key.
func TestDatabaseInsightsIsExplicit(t *testing.T) {
	for mode, retention := range map[string]float64{"standard": 7, "advanced": 465} {
		args := prodArgs()
		args.InsightsMode = mode
		m, out := build(t, args)
		inst := m.One(t, typeInstance)
		assert.Equal(t, mode, inst.Str("databaseInsightsMode"))
		assert.True(t, inst.Input("performanceInsightsEnabled").BoolValue(), mode)
		assert.Equal(t, retention, inst.Input("performanceInsightsRetentionPeriod").NumberValue(), mode)
		assert.Equal(t, out.keyArn, inst.Str("performanceInsightsKmsKeyId"), mode)
	}
}

// TestPasswordVersionRenewsOnlyThePassword: a new passwordVersion is a new
// keeper of the password (and so a new password), and of nothing else: the
// instance identifier keeps its keepers, so RDS updates the master password
// of the same instance.
func TestPasswordVersionRenewsOnlyThePassword(t *testing.T) {
	m, _ := build(t, devArgs())
	pw := m.One(t, "random:index/randomPassword:RandomPassword")
	assert.True(t, pw.Input("keepers").IsNull(), "the first password has no keepers, as stacks made before passwordVersion have none")

	args := devArgs()
	args.PasswordVersion = 2
	m2, _ := build(t, args)
	pw2 := m2.One(t, "random:index/randomPassword:RandomPassword")
	assert.Equal(t, map[string]any{"passwordVersion": "2"}, pw2.Input("keepers").ObjectValue().Mappable())
	inst := m2.One(t, typeInstance)
	assert.Equal(t, m2.Sentinels()[0], inst.Str("password"), "the instance takes the (new) password")

	// Everything but the password is registered exactly as before.
	before, after := inputsByName(m), inputsByName(m2)
	delete(before, "db-master-password")
	delete(after, "db-master-password")
	assert.Equal(t, before, after)
	assert.Equal(t, m.One(t, "random:index/randomId:RandomId").Inputs, m2.One(t, "random:index/randomId:RandomId").Inputs,
		"the identifier's suffix does not follow the password")
}

// inputsByName is every registration's inputs, by name.
func inputsByName(m *pulumitest.Mocks) map[string]resource.PropertyMap {
	out := map[string]resource.PropertyMap{}
	for _, r := range m.Resources() {
		out[r.Name] = r.Inputs
	}
	return out
}

func TestPasswordKeepers(t *testing.T) {
	assert.Nil(t, database.PasswordKeepers(1))
	assert.Equal(t, map[string]string{"passwordVersion": "2"}, database.PasswordKeepers(2))
	assert.Equal(t, map[string]string{"passwordVersion": "17"}, database.PasswordKeepers(17))
}

// TestBackupOutputs: what AWS Backup and its restore tests need.
func TestBackupOutputs(t *testing.T) {
	m := pulumitest.New()
	var arn, group string
	require.NoError(t, m.Run("test", func(ctx *pulumi.Context) error {
		args := devArgs()
		d, err := database.New(ctx, "db", args.Database, args.Inputs)
		if err != nil {
			return err
		}
		pulumi.All(d.InstanceArn, d.SubnetGroupName).ApplyT(func(vs []any) error {
			arn, group = vs[0].(string), vs[1].(string)
			return nil
		})
		return nil
	}))
	assert.Equal(t, m.One(t, typeInstance).Outputs["arn"].StringValue(), arn)
	assert.Equal(t, m.One(t, "aws:rds/subnetGroup:SubnetGroup").Outputs["name"].StringValue(), group)
}

// TestLogGroupsOutliveAReplacement: a new username or database name renews
// the identifier's suffix (its keepers), so every log group named after the
// instance, a replica or the proxy gets a new name and is replaced. Each is
// retained on delete: the replacement leaves the old group, and the replaced
// database's logs, in CloudWatch. Nothing else of the database is retained
// by it (the key follows the final snapshot: TestKeyOutlivesTheStackWithTheFinalSnapshot).
func TestLogGroupsOutliveAReplacement(t *testing.T) {
	args := withProxy(devArgs(), false)
	args.ReadReplicas = 1
	m, _ := buildScaled(t, args)

	keepers := m.One(t, "random:index/randomId:RandomId").Input("keepers").ObjectValue()
	assert.ElementsMatch(t, []resource.PropertyKey{"username", "databaseName"}, keepers.StableKeys())
	groups := m.OfType(typeLogGroup)
	var names []string
	for _, g := range groups {
		names = append(names, g.Str("name"))
		assert.True(t, g.Request.GetRetainOnDelete(), "%s must be retained on delete", g.Name)
		assert.False(t, g.Request.GetDeleteBeforeReplace(), "%s: the new group comes first", g.Name)
	}
	assert.ElementsMatch(t, []string{
		"/aws/rds/instance/rds-app-dev-a1b2c3d4/postgresql", "/aws/rds/instance/rds-app-dev-a1b2c3d4/upgrade",
		"/aws/rds/instance/rds-app-dev-a1b2c3d4-replica-1/postgresql", "/aws/rds/instance/rds-app-dev-a1b2c3d4-replica-1/upgrade",
		"/aws/rds/proxy/rds-app-dev-a1b2c3d4-proxy",
	}, names, "every group is named after the suffix the keepers renew")
	for _, r := range m.Resources() {
		if r.Type != typeLogGroup && r.Type != "aws:kms/key:Key" && r.Type != "aws:kms/alias:Alias" {
			assert.False(t, r.Request.GetRetainOnDelete(), "%s %s", r.Type, r.Name)
		}
	}
}
