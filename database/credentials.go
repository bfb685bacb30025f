package database

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
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

// storeConnection writes the connection JSON as the secret's value once the
// instance exists. The value is a Pulumi secret.
func (c *credentials) storeConnection(ctx *pulumi.Context, name string, args Args, instance *rds.Instance, parent pulumi.ResourceOption) (*secretsmanager.SecretVersion, error) {
	value := pulumi.All(instance.Address, instance.Port, c.password.Result).ApplyT(func(vs []any) (string, error) {
		b, err := json.Marshal(dbsecret.Connection{
			Engine:   "postgres",
			Host:     vs[0].(string),
			Port:     vs[1].(int),
			DBName:   args.Name,
			Username: args.Username,
			Password: vs[2].(string),
			SSLMode:  dbsecret.SSLMode,
		})
		return string(b), err
	}).(pulumi.StringOutput)
	version, err := secretsmanager.NewSecretVersion(ctx, name+"-connection", &secretsmanager.SecretVersionArgs{
		SecretId:     c.secret.ID(),
		SecretString: pulumi.ToSecret(value).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("storing connection secret value: %w", err)
	}
	return version, nil
}
