package database_test

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/database"
	"github.com/rds-app/rds-app/internal/iampolicy"
	"github.com/rds-app/rds-app/internal/pulumitest"
)

const (
	typeProxy       = "aws:rds/proxy:Proxy"
	typeTargetGroup = "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup"
	typeTarget      = "aws:rds/proxyTarget:ProxyTarget"
	typeRolePolicy  = "aws:iam/rolePolicy:RolePolicy"
	typeLogGroup    = "aws:cloudwatch/logGroup:LogGroup"
	typeSecretValue = "aws:secretsmanager/secretVersion:SecretVersion"
	typeSecret      = "aws:secretsmanager/secret:Secret"
	typeRole        = "aws:iam/role:Role"
	// mockProxyID is the resource ID the mock's proxy ARN ends with.
	mockProxyID = "prx-0123456789abcdef0"
)

func withProxy(a database.Args, iamAuth bool) database.Args {
	a.Proxy, a.ProxyIAMAuth = true, iamAuth
	return a
}

// scaleOutputs are the outputs the proxy and the replicas add.
type scaleOutputs struct {
	address, endpoint, proxyName, proxyArn, connectArn string
	port, connectPort                                  int
	replicaAddresses, replicaIdentifiers               []string
}

// buildScaled builds the database and reads the outputs its options add
// (those not set stay empty).
func buildScaled(t *testing.T, args database.Args) (*pulumitest.Mocks, scaleOutputs) {
	t.Helper()
	m := pulumitest.New()
	var out scaleOutputs
	require.NoError(t, m.Run("test", func(ctx *pulumi.Context) error {
		d, err := database.New(ctx, "db", args.Database, args.Inputs)
		if err != nil {
			return err
		}
		pulumi.All(d.Address, d.Port, d.Endpoint, d.ConnectPort).ApplyT(func(vs []any) error {
			out.address, out.port, out.endpoint, out.connectPort = vs[0].(string), vs[1].(int), vs[2].(string), vs[3].(int)
			return nil
		})
		if args.Proxy {
			pulumi.All(d.ProxyName, d.ProxyArn).ApplyT(func(vs []any) error {
				out.proxyName, out.proxyArn = vs[0].(string), vs[1].(string)
				return nil
			})
		}
		if args.ProxyIAMAuth {
			d.ConnectArn.ApplyT(func(s string) error { out.connectArn = s; return nil })
		}
		if args.ReadReplicas > 0 {
			pulumi.All(d.ReplicaAddresses, d.ReplicaIdentifiers).ApplyT(func(vs []any) error {
				out.replicaAddresses, out.replicaIdentifiers = vs[0].([]string), vs[1].([]string)
				return nil
			})
		}
		return nil
	}))
	return m, out
}

// TestProxySettings: TLS required, in the private subnets behind its own
// security group, signing in to the instance with the connection secret,
// no debug logging, the stated pool and timeouts, and a log group with
// the stack's retention made before the proxy.
func TestProxySettings(t *testing.T) {
	for name, args := range map[string]database.Args{"dev": withProxy(devArgs(), false), "prod": withProxy(prodArgs(), false)} {
		m, out := buildScaled(t, args)
		p := m.One(t, typeProxy)
		assert.Equal(t, "POSTGRESQL", p.Str("engineFamily"), name)
		require.True(t, p.Input("requireTls").IsBool(), "requireTls must be set explicitly")
		assert.True(t, p.Input("requireTls").BoolValue(), name)
		assert.Equal(t, []resource.PropertyValue{resource.NewProperty("subnet-a"), resource.NewProperty("subnet-b")}, p.Input("vpcSubnetIds").ArrayValue(), name)
		assert.Equal(t, []resource.PropertyValue{resource.NewProperty("sg-proxy")}, p.Input("vpcSecurityGroupIds").ArrayValue(), name)
		require.True(t, p.Input("debugLogging").IsBool(), "debugLogging must be set explicitly")
		assert.False(t, p.Input("debugLogging").BoolValue(), name)
		assert.Equal(t, 1800.0, p.Input("idleClientTimeout").NumberValue(), name)
		assert.Equal(t, "rds-app-"+name+"-a1b2c3d4-proxy", p.Str("name"))
		assert.Equal(t, p.Str("name"), out.proxyName)
		assert.Equal(t, p.Outputs["arn"].StringValue(), out.proxyArn)

		auths := p.Input("auths").ArrayValue()
		require.Len(t, auths, 1, name)
		auth := auths[0].ObjectValue()
		assert.Equal(t, "SECRETS", auth["authScheme"].StringValue(), name)
		assert.Equal(t, m.One(t, typeSecret).Outputs["arn"].StringValue(), pulumitest.Unwrap(auth["secretArn"]).StringValue(), "the proxy signs in with the connection secret")
		assert.Equal(t, "DISABLED", auth["iamAuth"].StringValue(), name)
		assert.Equal(t, "POSTGRES_SCRAM_SHA_256", auth["clientPasswordAuthType"].StringValue(), name)

		role := m.Named(t, typeRole, "db-proxy")
		assert.Equal(t, role.Outputs["arn"].StringValue(), p.Str("roleArn"))

		log := m.Named(t, typeLogGroup, "db-proxy-log")
		assert.Equal(t, "/aws/rds/proxy/"+p.Str("name"), log.Str("name"))
		assert.Equal(t, float64(args.LogRetentionDays), log.Input("retentionInDays").NumberValue())
		assert.Contains(t, p.Request.GetDependencies(), urnOf(log), "the log group exists before the proxy")
	}
}

// TestProxyTarget: the proxy's one target group pools connections as
// stated and has the instance as its target.
func TestProxyTarget(t *testing.T) {
	m, _ := buildScaled(t, withProxy(devArgs(), false))
	p := m.One(t, typeProxy)
	group := m.One(t, typeTargetGroup)
	assert.Equal(t, p.Str("name"), group.Str("dbProxyName"))
	pool := group.Input("connectionPoolConfig").ObjectValue()
	assert.Equal(t, 90.0, pool["maxConnectionsPercent"].NumberValue())
	assert.Equal(t, 50.0, pool["maxIdleConnectionsPercent"].NumberValue())
	assert.Equal(t, 30.0, pool["connectionBorrowTimeout"].NumberValue())

	target := m.One(t, typeTarget)
	assert.Equal(t, p.Str("name"), target.Str("dbProxyName"))
	assert.Equal(t, "default", target.Str("targetGroupName"))
	assert.Equal(t, m.One(t, typeInstance).Str("identifier"), target.Str("dbInstanceIdentifier"))
	assert.True(t, target.Input("dbClusterIdentifier").IsNull())
}

// TestProxyRole: RDS (on behalf of this account only) may assume the
// proxy's role, which reads exactly the connection secret and decrypts it
// with the stack's key through Secrets Manager only.
func TestProxyRole(t *testing.T) {
	m, _ := buildScaled(t, withProxy(prodArgs(), false))
	role := m.Named(t, typeRole, "db-proxy")
	var trust iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(role.Str("assumeRolePolicy")), &trust))
	require.Len(t, trust.Statement, 1)
	assert.Equal(t, map[string]string{"Service": "rds.amazonaws.com"}, trust.Statement[0].Principal)
	assert.Equal(t, []string{"sts:AssumeRole"}, trust.Statement[0].Action)
	assert.Equal(t, map[string]map[string]string{"StringEquals": {"aws:SourceAccount": pulumitest.AccountID}}, trust.Statement[0].Condition)

	policy := m.Named(t, typeRolePolicy, "db-proxy")
	assert.Equal(t, role.ID, policy.Str("role"))
	var doc iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(policy.Str("policy")), &doc))
	secretArn := m.One(t, typeSecret).Outputs["arn"].StringValue()
	keyArn := m.One(t, "aws:kms/key:Key").Outputs["arn"].StringValue()
	assert.Equal(t, iampolicy.New(
		iampolicy.Allow("ReadConnectionSecret", []string{"secretsmanager:GetSecretValue"}, secretArn),
		iampolicy.Statement{
			Sid: "DecryptSecretThroughSecretsManager", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{keyArn},
			Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
		},
	), doc, "exactly the one secret, and its key only through Secrets Manager")
	assert.Contains(t, m.One(t, typeProxy).Request.GetDependencies(), urnOf(policy), "the proxy starts with its permissions in place")
}

// TestProxyIAMAuth: database.proxyIamAuth makes the proxy refuse
// passwords, and gives the rds-db:connect resource for the master user on
// this proxy; without it there is none.
func TestProxyIAMAuth(t *testing.T) {
	m, out := buildScaled(t, withProxy(devArgs(), true))
	auth := m.One(t, typeProxy).Input("auths").ArrayValue()[0].ObjectValue()
	assert.Equal(t, "REQUIRED", auth["iamAuth"].StringValue())
	assert.Equal(t, "arn:aws:rds-db:eu-west-1:"+pulumitest.AccountID+":dbuser:"+mockProxyID+"/app_admin", out.connectArn)

	_, out = buildScaled(t, withProxy(devArgs(), false))
	assert.Empty(t, out.connectArn)
}

func TestProxyConnectArn(t *testing.T) {
	arn, err := database.ProxyConnectArn("aws-us-gov", "us-gov-west-1", "123456789012",
		"arn:aws-us-gov:rds:us-gov-west-1:123456789012:db-proxy:prx-0a1b2c3d4e5f67890", "app_admin")
	require.NoError(t, err)
	assert.Equal(t, "arn:aws-us-gov:rds-db:us-gov-west-1:123456789012:dbuser:prx-0a1b2c3d4e5f67890/app_admin", arn)
	for _, bad := range []string{
		"arn:aws:rds:eu-west-1:123456789012:db:rds-app-dev-a1b2c3d4", // an instance, not a proxy
		"arn:aws:rds:eu-west-1:123456789012:db-proxy:rds-app-dev-proxy",
		"",
	} {
		_, err := database.ProxyConnectArn("aws", "eu-west-1", "123456789012", bad, "app_admin")
		assert.Error(t, err, bad)
	}
	// A rehearsal's stand-in for the ARN is kept whole.
	arn, err = database.ProxyConnectArn("aws", "eu-west-1", "123456789012", "@@tf:aws_db_proxy.database-proxy.arn@@", "app_admin")
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:rds-db:eu-west-1:123456789012:dbuser:@@tf:aws_db_proxy.database-proxy.arn@@/app_admin", arn)
}

// TestConnectionSecretNamesTheProxy: with the proxy, the secret (and the
// Endpoint and ConnectPort outputs) name the proxy on 5432, whatever the
// instance's port, and the value is written once the instance is
// registered with the proxy. Address and Port still name the instance.
func TestConnectionSecretNamesTheProxy(t *testing.T) {
	m, out := buildScaled(t, withProxy(prodArgs(), false))
	p := m.One(t, typeProxy)
	proxyEndpoint := p.Outputs["endpoint"].StringValue()
	assert.Equal(t, proxyEndpoint, out.endpoint)
	assert.Equal(t, 5432, out.connectPort)
	inst := m.One(t, typeInstance)
	assert.Equal(t, inst.Outputs["address"].StringValue(), out.address)
	assert.Equal(t, 6432, out.port)

	version := m.One(t, typeSecretValue)
	assert.True(t, pulumitest.IsSecret(version.Inputs["secretString"]))
	var conn map[string]any
	require.NoError(t, json.Unmarshal([]byte(version.Str("secretString")), &conn))
	assert.Equal(t, map[string]any{
		"engine": "postgres", "host": proxyEndpoint, "port": 5432.0, "dbname": "app",
		"username": "app_admin", "password": m.Sentinels()[0], "sslmode": "verify-full", "proxy": true,
	}, conn)
	assert.Contains(t, version.Request.GetDependencies(), urnOf(m.One(t, typeTarget)), "the endpoint leads to the instance before clients are sent there")
}

// TestEveryChildIsParentedWithProxyAndReplicas: what the proxy and the
// replicas add is the component's too.
func TestEveryChildIsParentedWithProxyAndReplicas(t *testing.T) {
	args := withProxy(prodArgs(), true)
	args.ReadReplicas = 2
	m, _ := buildScaled(t, args)
	// 13 as always, proxy: role, policy, log group, proxy, target group,
	// target; per replica: two log groups and the instance.
	assert.Equal(t, 13+6+2*3, m.AssertParentedTo(t, typeComponent, "db"))
}
