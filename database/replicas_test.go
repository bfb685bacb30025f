package database_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/database"
	"github.com/rds-app/rds-app/internal/pulumitest"
)

// withReplicas is a with n replicas over all three of the mock region's
// zones (the mock's RDS puts the primary in the first).
func withReplicas(a database.Args, n int) database.Args {
	a.ReadReplicas = n
	a.SubnetIDs = pulumi.ToStringArray([]string{"subnet-a", "subnet-b", "subnet-c"})
	a.AvailabilityZones = pulumitest.Zones
	return a
}

func TestReplicaZones(t *testing.T) {
	abc := []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	for _, tc := range []struct {
		zones   []string
		primary string
		n       int
		want    []string
	}{
		{abc, "eu-west-1a", 1, []string{"eu-west-1b"}},
		{abc, "eu-west-1a", 3, []string{"eu-west-1b", "eu-west-1c", "eu-west-1b"}},
		{abc, "eu-west-1b", 4, []string{"eu-west-1a", "eu-west-1c", "eu-west-1a", "eu-west-1c"}},
		{abc[:2], "eu-west-1b", 2, []string{"eu-west-1a", "eu-west-1a"}},
		// A primary outside the list (moved by hand) leaves every zone.
		{abc[:2], "eu-west-1c", 3, []string{"eu-west-1a", "eu-west-1b", "eu-west-1a"}},
		{abc, "eu-west-1a", 0, []string{}},
	} {
		got, err := database.ReplicaZones(tc.zones, tc.primary, tc.n)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%v without %s, %d replicas", tc.zones, tc.primary, tc.n)
	}
	_, err := database.ReplicaZones([]string{"eu-west-1a"}, "eu-west-1a", 1)
	assert.EqualError(t, err, "no zone other than the instance's eu-west-1a among [eu-west-1a] for its read replicas")
}

// TestReadReplicas: readReplicas replicas of the instance, each in a zone
// other than the primary's, set up like it (class, parameters, upgrades,
// monitoring, insights, logs), encrypted with the same key, private,
// behind the replicas' security group, keeping no backups and taking no
// final snapshot (RDS takes none of a replica).
func TestReadReplicas(t *testing.T) {
	m, out := buildScaled(t, withReplicas(prodArgs(), 2))
	primary := m.Named(t, typeInstance, "db")
	primaryZone := primary.Outputs["availabilityZone"].StringValue()
	require.Equal(t, "eu-west-1a", primaryZone, "the mock puts the primary in the first zone")
	keyArn := m.One(t, "aws:kms/key:Key").Outputs["arn"].StringValue()
	require.Len(t, m.OfType(typeInstance), 3, "the primary and two replicas")

	var addresses, identifiers []string
	for n, zone := range map[int]string{1: "eu-west-1b", 2: "eu-west-1c"} {
		r := m.Named(t, typeInstance, fmt.Sprintf("db-replica-%d", n))
		id := fmt.Sprintf("rds-app-prod-a1b2c3d4-replica-%d", n)
		assert.Equal(t, id, r.Str("identifier"))
		assert.Equal(t, primary.Str("identifier"), r.Str("replicateSourceDb"))
		assert.Equal(t, zone, r.Str("availabilityZone"), "replica %d", n)
		assert.NotEqual(t, primaryZone, r.Str("availabilityZone"))
		assert.Equal(t, []string{"availabilityZone"}, r.Request.GetIgnoreChanges(), "a failover of the primary must not replace the replica")

		assert.Equal(t, "db.m7g.large", r.Str("instanceClass"))
		assert.Equal(t, primary.Str("parameterGroupName"), r.Str("parameterGroupName"))
		assert.Equal(t, primary.Input("autoMinorVersionUpgrade"), r.Input("autoMinorVersionUpgrade"))
		assert.True(t, r.Input("storageEncrypted").BoolValue())
		// RDS encrypts a same-region replica with the primary's key and
		// refuses the parameter.
		assert.True(t, r.Input("kmsKeyId").IsNull(), "no KMS key parameter for a same-region replica")
		assert.Equal(t, keyArn, r.Str("performanceInsightsKmsKeyId"), "Performance Insights with the stack's key")
		pa := r.Input("publiclyAccessible")
		require.True(t, pa.IsBool(), "publiclyAccessible must be set explicitly")
		assert.False(t, pa.BoolValue())
		assert.Equal(t, []resource.PropertyValue{resource.NewProperty("sg-replica")}, r.Input("vpcSecurityGroupIds").ArrayValue())
		assert.Equal(t, 6432.0, r.Input("port").NumberValue())
		assert.Equal(t, "rds-ca-rsa2048-g1", r.Str("caCertIdentifier"))

		assert.True(t, r.Input("skipFinalSnapshot").BoolValue())
		assert.True(t, r.Input("finalSnapshotIdentifier").IsNull())
		assert.Equal(t, 0.0, r.Input("backupRetentionPeriod").NumberValue())
		assert.False(t, r.Input("deletionProtection").BoolValue())
		assert.False(t, r.Request.GetProtect())
		assert.False(t, r.Input("multiAz").BoolValue())

		// As the primary: monitoring, insights and their key, logs.
		for _, k := range []string{"monitoringInterval", "monitoringRoleArn", "performanceInsightsEnabled", "performanceInsightsKmsKeyId",
			"performanceInsightsRetentionPeriod", "databaseInsightsMode", "enabledCloudwatchLogsExports", "maintenanceWindow", "applyImmediately",
			"iamDatabaseAuthenticationEnabled", "maxAllocatedStorage", "storageType"} {
			assert.Equal(t, primary.Input(k), r.Input(k), "replica %d: %s", n, k)
		}
		for _, log := range []string{"postgresql", "upgrade"} {
			g := m.Named(t, typeLogGroup, fmt.Sprintf("db-replica-%d-%s-log", n, log))
			assert.Equal(t, "/aws/rds/instance/"+id+"/"+log, g.Str("name"))
			assert.Equal(t, 365.0, g.Input("retentionInDays").NumberValue())
			assert.Contains(t, r.Request.GetDependencies(), urnOf(g))
		}
		// What a replica takes from its source cannot be set on it.
		for _, k := range []string{"username", "password", "dbName", "engine", "engineVersion", "allocatedStorage"} {
			assert.True(t, r.Input(k).IsNull(), "replica %d sets %s", n, k)
		}
		addresses = append(addresses, r.Outputs["address"].StringValue())
		identifiers = append(identifiers, id)
	}
	// Outputs in order, whatever the order above.
	assert.ElementsMatch(t, addresses, out.replicaAddresses)
	assert.Equal(t, []string{"rds-app-prod-a1b2c3d4-replica-1", "rds-app-prod-a1b2c3d4-replica-2"}, out.replicaIdentifiers)
	assert.Equal(t, "rds-app-prod-a1b2c3d4-replica-1.c0ffee.eu-west-1.rds.amazonaws.com", out.replicaAddresses[0])
}

// TestConnectionSecretNamesTheReplicas: the secret lists the replicas'
// host names in order and their port, the instance's, which differs from
// the proxy's when both are on.
func TestConnectionSecretNamesTheReplicas(t *testing.T) {
	for name, tc := range map[string]struct {
		args  database.Args
		proxy bool
	}{"replicas": {withReplicas(prodArgs(), 2), false}, "replicas and proxy": {withReplicas(withProxy(prodArgs(), false), 1), true}} {
		m, out := buildScaled(t, tc.args)
		var conn map[string]any
		version := m.One(t, typeSecretValue)
		require.NoError(t, json.Unmarshal([]byte(version.Str("secretString")), &conn))
		var hosts []any
		for i := 1; i <= tc.args.ReadReplicas; i++ {
			r := m.Named(t, typeInstance, fmt.Sprintf("db-replica-%d", i))
			hosts = append(hosts, r.Outputs["address"].StringValue())
			assert.Contains(t, version.Request.GetDependencies(), urnOf(r), name)
		}
		assert.Equal(t, hosts, conn["readHosts"], name)
		assert.Equal(t, 6432.0, conn["readPort"], name)
		assert.Equal(t, out.endpoint, conn["host"], name)
		if tc.proxy {
			assert.Equal(t, 5432.0, conn["port"], name)
			assert.Equal(t, true, conn["proxy"], name)
		} else {
			assert.Equal(t, 6432.0, conn["port"], name)
			assert.NotContains(t, conn, "proxy", name)
		}
	}
}

// TestReplicaIdentifier: the replicas' identifiers keep the RDS rules and
// stay apart when the prefix is cut.
func TestReplicaIdentifier(t *testing.T) {
	assert.Equal(t, "rds-app-dev-a1b2c3d4-replica-1", database.ReplicaIdentifier("rds-app-dev", "a1b2c3d4", 1))
	long := "rds-app-a-very-long-stack-name-for-a-very-long-project-name-indeed"
	one, five := database.ReplicaIdentifier(long, "a1b2c3d4", 1), database.ReplicaIdentifier(long, "a1b2c3d4", 5)
	assert.LessOrEqual(t, len(one), 63)
	assert.NotEqual(t, one, five)
	assert.Regexp(t, `^[a-z](?:[a-z0-9]|-[a-z0-9])*-a1b2c3d4-replica-5$`, five)
	assert.Equal(t, "rds-app-dev-a1b2c3d4-proxy", database.ProxyName("rds-app-dev", "a1b2c3d4"))
	assert.Regexp(t, `^[a-z](?:[a-z0-9]|-[a-z0-9])*-a1b2c3d4-proxy$`, database.ProxyName(long, "a1b2c3d4"))
	assert.LessOrEqual(t, len(database.ProxyName(long, "a1b2c3d4")), 63)
}
