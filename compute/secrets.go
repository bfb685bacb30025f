package compute

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

type appSecrets struct {
	secret  *secretsmanager.Secret
	version *secretsmanager.SecretVersion
}

// newAppSecrets generates a random value for every configured name and
// stores them together, as one JSON object, in a secret encrypted with the
// stack's key. The values exist only in Pulumi's encrypted state and in
// Secrets Manager.
func newAppSecrets(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (*appSecrets, error) {
	values := pulumi.StringMap{}
	for _, n := range args.SecretNames {
		pw, err := random.NewRandomPassword(ctx, name+"-"+n, &random.RandomPasswordArgs{
			Length:  pulumi.Int(awsfacts.GeneratedSecretLength),
			Special: pulumi.Bool(false),
		}, parent, pulumi.AdditionalSecretOutputs([]string{"result"}))
		if err != nil {
			return nil, fmt.Errorf("generating application secret %s: %w", n, err)
		}
		values[n] = pw.Result
	}
	secret, err := secretsmanager.NewSecret(ctx, name+"-app-secrets", &secretsmanager.SecretArgs{
		Description: pulumi.String("rds-app generated application secrets (JSON: variable name to value)"),
		KmsKeyId:    args.KmsKeyArn,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating application secret: %w", err)
	}
	doc := values.ToStringMapOutput().ApplyT(func(m map[string]string) (string, error) {
		b, err := json.Marshal(m)
		return string(b), err
	}).(pulumi.StringOutput)
	version, err := secretsmanager.NewSecretVersion(ctx, name+"-app-secrets", &secretsmanager.SecretVersionArgs{
		SecretId:     secret.ID(),
		SecretString: pulumi.ToSecret(doc).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("storing application secret value: %w", err)
	}
	return &appSecrets{secret: secret, version: version}, nil
}
