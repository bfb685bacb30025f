package registry

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// keyDeletionWindowDays is the longest wait AWS allows before a key is
// destroyed, as for the database's key.
const keyDeletionWindowDays = 30

// newKey creates the repository's own key, with yearly rotation and an
// alias to find it by. Not the database's key: a kept repository's images
// would become unreadable once a destroyed database's key is deleted. The
// default key policy applies (the account administers the key; ECR uses it
// through grants it creates on the pusher's behalf).
func newKey(ctx *pulumi.Context, name string, in Inputs, opts ...pulumi.ResourceOption) (*kms.Key, error) {
	key, err := kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:          pulumi.Sprintf("rds-app %s: the application's container images (ECR)", in.NamePrefix),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(keyDeletionWindowDays),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating repository KMS key: %w", err)
	}
	if _, err := kms.NewAlias(ctx, name+"-key", &kms.AliasArgs{
		// A prefix: a re-created stack must not collide with an alias kept
		// by a destroy or pending deletion.
		NamePrefix:  pulumi.Sprintf("alias/%s-images-", in.NamePrefix),
		TargetKeyId: key.KeyId,
	}, opts...); err != nil {
		return nil, fmt.Errorf("creating repository KMS alias: %w", err)
	}
	return key, nil
}
