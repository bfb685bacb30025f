package database

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/dbsecret"
)

// The master password's alphabet and length are dbsecret's (PasswordLength,
// PasswordSpecials, PasswordAlphabet), beside the secret that holds it.

// newPassword generates the master password. database.passwordVersion is
// its only keeper: a new version makes a new password, which RDS applies to
// the running instance in place (a master password change never replaces
// or restarts it), and the connection secret and the container follow. The
// instance identifier's keepers do not include it, so a rotation never
// renews the identifier.
func newPassword(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (*random.RandomPassword, error) {
	pwArgs := &random.RandomPasswordArgs{
		Length:          pulumi.Int(dbsecret.PasswordLength),
		Upper:           pulumi.Bool(true),
		Lower:           pulumi.Bool(true),
		Numeric:         pulumi.Bool(true),
		Special:         pulumi.Bool(true),
		OverrideSpecial: pulumi.String(dbsecret.PasswordSpecials),
		MinUpper:        pulumi.Int(1),
		MinLower:        pulumi.Int(1),
		MinNumeric:      pulumi.Int(1),
	}
	if keepers := PasswordKeepers(args.PasswordVersion); keepers != nil {
		pwArgs.Keepers = pulumi.ToStringMap(keepers)
	}
	password, err := random.NewRandomPassword(ctx, name+"-master-password", pwArgs, parent, pulumi.AdditionalSecretOutputs([]string{"result"}))
	if err != nil {
		return nil, fmt.Errorf("creating master password: %w", err)
	}
	return password, nil
}

// PasswordKeepers are the master password's keepers for a passwordVersion.
// The first version has none: stacks made before passwordVersion existed
// have a password without keepers, and giving it any would make a new one
// at their next `pulumi up`.
func PasswordKeepers(version int) map[string]string {
	if version == config.DefaultPasswordVersion {
		return nil
	}
	return map[string]string{"passwordVersion": strconv.Itoa(version)}
}
