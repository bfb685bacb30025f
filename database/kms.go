package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// keyDeletionWindowDays is the longest wait AWS allows before a key is
// destroyed: a deleted stack's backups stay recoverable for a month.
const keyDeletionWindowDays = 30

// keyOutlivesStack reports whether deleting the stack leaves backups
// encrypted with the stack's key behind: a final snapshot, or AWS Backup's
// recovery points in a vault that is retained. The key (and its alias, to
// find it by) must then outlive the stack: a key that `pulumi destroy`
// scheduled for deletion would make them unrestorable once its waiting
// period ends.
func keyOutlivesStack(args Args) bool {
	return !args.SkipFinalSnapshot || args.RecoveryPointsOutliveStack
}

// newKey creates the stack's customer-managed key, used for the storage, for
// Performance Insights and for the connection secret, with yearly rotation
// and an alias so it can be found in the console. The default key policy
// (the account administers the key; IAM policies grant its use) applies.
func newKey(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (*kms.Key, error) {
	key, err := kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:          pulumi.Sprintf("rds-app %s: database storage, Performance Insights and secrets", args.IdentifierPrefix),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(keyDeletionWindowDays),
	}, parent, pulumi.RetainOnDelete(keyOutlivesStack(args)))
	if err != nil {
		return nil, fmt.Errorf("creating KMS key: %w", err)
	}
	if _, err := kms.NewAlias(ctx, name+"-key", &kms.AliasArgs{
		// A prefix rather than a fixed name: aliases are unique per region,
		// and a re-created stack must not collide with one pending deletion.
		NamePrefix:  pulumi.Sprintf("alias/%s-", args.IdentifierPrefix),
		TargetKeyId: key.KeyId,
	}, parent, pulumi.RetainOnDelete(keyOutlivesStack(args))); err != nil {
		return nil, fmt.Errorf("creating KMS alias: %w", err)
	}
	return key, nil
}
