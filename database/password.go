package database

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/config"
)

// The master password alphabet. RDS refuses "/", "@", '"' and space in a
// master password; anything outside RFC 3986's unreserved set would need
// percent-encoding in a postgres:// URL and quoting in shells and env files.
// So the password uses letters, digits and the four unreserved specials
// only, and makes up for the smaller alphabet with length (40 characters
// from 66 symbols is about 240 bits).
const (
	// PasswordLength is the master password length.
	PasswordLength = 40
	// PasswordSpecials are the only non-alphanumeric characters used.
	PasswordSpecials = "-_.~"
)

// PasswordAlphabet is every character the generated password can contain.
func PasswordAlphabet() string {
	return "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "abcdefghijklmnopqrstuvwxyz" + "0123456789" + PasswordSpecials
}

// newPassword generates the master password. database.passwordVersion is
// its only keeper: a new version makes a new password, which RDS applies to
// the running instance in place (a master password change never replaces
// or restarts it), and the connection secret and the container follow. The
// instance identifier's keepers do not include it, so a rotation never
// renews the identifier.
func newPassword(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (*random.RandomPassword, error) {
	pwArgs := &random.RandomPasswordArgs{
		Length:          pulumi.Int(PasswordLength),
		Upper:           pulumi.Bool(true),
		Lower:           pulumi.Bool(true),
		Numeric:         pulumi.Bool(true),
		Special:         pulumi.Bool(true),
		OverrideSpecial: pulumi.String(PasswordSpecials),
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
