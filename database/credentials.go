package database

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/dbsecret"
)

type credentials struct {
	password *random.RandomPassword
	secret   *secretsmanager.Secret
}

// newCredentials generates the master password and creates the secret. The
// secret depends on the key only, not on the instance, so the application
// host can be given its ARN at once and boot while the database is created.
func newCredentials(ctx *pulumi.Context, name string, args Args, key *kms.Key, parent pulumi.ResourceOption) (*credentials, error) {
	password, err := newPassword(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	secret, err := secretsmanager.NewSecret(ctx, name+"-connection", &secretsmanager.SecretArgs{
		Description: pulumi.String("rds-app database connection settings (JSON: engine, host, port, dbname, username, password, sslmode)"),
		KmsKeyId:    key.Arn,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating connection secret: %w", err)
	}
	return &credentials{password: password, secret: secret}, nil
}

// endpoints is what the connection secret names: where clients connect,
// and the read replicas.
type endpoints struct {
	// host and port are the proxy's with database.proxy, else the
	// instance's.
	host pulumi.StringOutput
	port pulumi.IntOutput
	// proxy says host is an RDS Proxy.
	proxy bool
	// readHosts are the replicas' addresses (none without replicas);
	// readPort is their port, the instance's.
	readHosts pulumi.StringArrayOutput
	readPort  int
	replicas  bool
	// waitFor are the resources the value waits for beyond those it is
	// made of: the proxy can serve only once its target is registered.
	waitFor []pulumi.Resource
}

// storeConnection writes the connection JSON as the secret's value once the
// endpoints exist. The value is a Pulumi secret. Without a proxy and
// replicas it is exactly the value stacks always had.
func (c *credentials) storeConnection(ctx *pulumi.Context, name string, args Args, ep endpoints, parent pulumi.ResourceOption) (*secretsmanager.SecretVersion, error) {
	inputs := []any{ep.host, ep.port, c.password.Result}
	if ep.replicas {
		inputs = append(inputs, ep.readHosts)
	}
	value := pulumi.All(inputs...).ApplyT(func(vs []any) (string, error) {
		conn := dbsecret.Connection{
			Engine:   "postgres",
			Host:     vs[0].(string),
			Port:     vs[1].(int),
			DBName:   args.Name,
			Username: args.Username,
			Password: vs[2].(string),
			SSLMode:  dbsecret.SSLMode,
			Proxy:    ep.proxy,
		}
		if ep.replicas {
			conn.ReadHosts, conn.ReadPort = vs[3].([]string), ep.readPort
		}
		b, err := json.Marshal(conn)
		return string(b), err
	}).(pulumi.StringOutput)
	opts := []pulumi.ResourceOption{parent}
	if len(ep.waitFor) > 0 {
		opts = append(opts, pulumi.DependsOn(ep.waitFor))
	}
	version, err := secretsmanager.NewSecretVersion(ctx, name+"-connection", &secretsmanager.SecretVersionArgs{
		SecretId:     c.secret.ID(),
		SecretString: pulumi.ToSecret(value).(pulumi.StringOutput),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("storing connection secret value: %w", err)
	}
	return version, nil
}
