package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/iampolicy"
)

// The proxy's settings (database.proxy). RDS Proxy's defaults are written
// out where they are kept, so that a change of default is not a surprise.
const (
	// ProxyIdleClientTimeout (seconds) closes a client connection idle for
	// 30 minutes (RDS Proxy's default): the application's pools reconnect
	// on demand, and the connections of hosts that went away (a rolling
	// refresh replaces them all) do not pile up in the proxy.
	ProxyIdleClientTimeout = 1800
	// ProxyMaxConnectionsPercent keeps a tenth of the instance's
	// max_connections out of the pool: RDS's own sessions count against
	// max_connections too, and a pool that may take every slot leaves
	// clients waiting on connections the instance refuses to open.
	ProxyMaxConnectionsPercent = 90
	// ProxyMaxIdleConnectionsPercent keeps up to half of the pool open
	// while idle (RDS Proxy's default), so a burst after a quiet spell
	// finds connections ready instead of opening them all at once.
	ProxyMaxIdleConnectionsPercent = 50
	// ProxyConnectionBorrowTimeout (seconds) is how long a client waits
	// for a pooled connection when all are busy. Below the load balancer's
	// 60-second idle timeout, so that a request the database cannot serve
	// fails in the application, which can say so, rather than as a
	// gateway timeout.
	ProxyConnectionBorrowTimeout = 30
	// ProxyEngineFamily is what the proxy speaks to the instance.
	ProxyEngineFamily = "POSTGRESQL"
	// ProxyClientPasswordAuth is how clients prove the password to the
	// proxy: SCRAM, where the password never crosses the wire (MD5 is the
	// other choice for PostgreSQL).
	ProxyClientPasswordAuth = "POSTGRES_SCRAM_SHA_256"
)

// ProxyIAMAuth is the proxy's iamAuth for database.proxyIamAuth: REQUIRED
// refuses password logins from clients; DISABLED takes the password.
func ProxyIAMAuth(required bool) string {
	if required {
		return "REQUIRED"
	}
	return "DISABLED"
}

// ProxySecretPolicy is the proxy role's policy: read exactly the
// connection secret, and decrypt it with the stack's key only through
// Secrets Manager.
func ProxySecretPolicy(secretArn, keyArn, region, partition string) iampolicy.Document {
	return iampolicy.New(
		iampolicy.Allow("ReadConnectionSecret", []string{"secretsmanager:GetSecretValue"}, secretArn),
		iampolicy.Statement{
			Sid:      "DecryptSecretThroughSecretsManager",
			Effect:   "Allow",
			Action:   []string{"kms:Decrypt"},
			Resource: []string{keyArn},
			Condition: map[string]map[string]string{"StringEquals": {
				"kms:ViaService": awsfacts.ServiceHost("secretsmanager", region, partition),
			}},
		},
	)
}

// proxy is the RDS Proxy and its registration of the instance.
type proxy struct {
	*rds.Proxy
	// target is the instance's registration: until it exists, the
	// proxy's endpoint leads nowhere.
	target *rds.ProxyTarget
}

type proxyDeps struct {
	key      *kms.Key
	secret   *secretsmanager.Secret
	instance *rds.Instance
	// suffix is the instance identifier's random part, which the proxy's
	// name shares.
	suffix pulumi.StringOutput
}

// newProxy creates the RDS Proxy in front of the instance, or nothing
// without database.proxy. It signs in to the instance with the connection
// secret's username and password (it ignores the secret's other keys), so
// the secret names the proxy's endpoint and still serves it.
func newProxy(ctx *pulumi.Context, name string, args Args, deps proxyDeps, parent pulumi.ResourceOption) (*proxy, error) {
	if !args.Proxy {
		return nil, nil
	}
	role, err := iam.NewRole(ctx, name+"-proxy", &iam.RoleArgs{
		Description:      pulumi.String("RDS Proxy for rds-app: reads the database connection secret"),
		AssumeRolePolicy: pulumi.String(iampolicy.AssumeRole("rds.amazonaws.com", args.AccountID).JSON()),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating proxy role: %w", err)
	}
	policy, err := iam.NewRolePolicy(ctx, name+"-proxy", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: pulumi.All(deps.secret.Arn, deps.key.Arn).ApplyT(func(vs []any) string {
			return ProxySecretPolicy(vs[0].(string), vs[1].(string), args.Region, args.Partition).JSON()
		}).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating proxy role policy: %w", err)
	}

	// The name is set, not auto-named, for the same reason as the
	// instance's identifier: RDS Proxy logs to a group named after it,
	// which must exist (with a retention) before RDS makes it with none.
	proxyName := deps.suffix.ApplyT(func(hex string) string {
		return ProxyName(args.IdentifierPrefix, hex)
	}).(pulumi.StringOutput)
	logGroup, err := cloudwatch.NewLogGroup(ctx, name+"-proxy-log", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/aws/rds/proxy/%s", proxyName),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, parent, retainLogs)
	if err != nil {
		return nil, fmt.Errorf("creating proxy log group: %w", err)
	}

	p, err := rds.NewProxy(ctx, name+"-proxy", &rds.ProxyArgs{
		Name:         proxyName,
		EngineFamily: pulumi.String(ProxyEngineFamily),
		// Clients must use TLS; the proxy's certificate comes from AWS
		// Certificate Manager (see dbsecret.Connection.Proxy).
		RequireTls:          pulumi.Bool(true),
		VpcSubnetIds:        args.SubnetIDs,
		VpcSecurityGroupIds: pulumi.StringArray{args.ProxySecurityGroupID},
		RoleArn:             role.Arn,
		Auths: rds.ProxyAuthArray{rds.ProxyAuthArgs{
			Description:            pulumi.String("the master user, from the connection secret"),
			AuthScheme:             pulumi.String("SECRETS"),
			SecretArn:              deps.secret.Arn,
			IamAuth:                pulumi.String(ProxyIAMAuth(args.ProxyIAMAuth)),
			ClientPasswordAuthType: pulumi.String(ProxyClientPasswordAuth),
		}},
		IdleClientTimeout: pulumi.Int(ProxyIdleClientTimeout),
		// Debug logging would write the text of SQL statements, and so
		// the application's data, to the proxy's log.
		DebugLogging: pulumi.Bool(false),
		Tags:         pulumi.StringMap{"Name": proxyName},
	}, parent, pulumi.DependsOn([]pulumi.Resource{policy, logGroup}))
	if err != nil {
		return nil, fmt.Errorf("creating RDS Proxy: %w", err)
	}
	group, err := rds.NewProxyDefaultTargetGroup(ctx, name+"-proxy", &rds.ProxyDefaultTargetGroupArgs{
		DbProxyName: p.Name,
		ConnectionPoolConfig: rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs{
			MaxConnectionsPercent:     pulumi.Int(ProxyMaxConnectionsPercent),
			MaxIdleConnectionsPercent: pulumi.Int(ProxyMaxIdleConnectionsPercent),
			ConnectionBorrowTimeout:   pulumi.Int(ProxyConnectionBorrowTimeout),
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("configuring the proxy's connection pool: %w", err)
	}
	target, err := rds.NewProxyTarget(ctx, name+"-proxy", &rds.ProxyTargetArgs{
		DbProxyName:          p.Name,
		TargetGroupName:      group.Name,
		DbInstanceIdentifier: deps.instance.Identifier,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("registering the instance with the proxy: %w", err)
	}
	return &proxy{Proxy: p, target: target}, nil
}
