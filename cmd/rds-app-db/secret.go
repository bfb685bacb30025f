package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/rds-app/rds-app/internal/dbsecret"
)

// connection is the database secret's JSON, as the program stores it.
type connection = dbsecret.Connection

// secretArgs is the aws command line that prints the secret's value. The
// value comes back on a pipe and is never printed or logged.
func secretArgs(arn, region string) []string {
	return []string{"secretsmanager", "get-secret-value", "--secret-id", arn, "--region", region,
		"--query", "SecretString", "--output", "text"}
}

// fetchSecret reads the connection secret with the AWS CLI. The AWS CLI,
// not the AWS SDK for Go: the tunnel needs the CLI (and its Session Manager
// plugin) anyway, and it already knows the user's profiles, SSO sessions
// and credential processes.
func (a *app) fetchSecret(ctx context.Context, out stackOutputs) (connection, error) {
	stdout, stderr, err := a.capture(ctx, "", nil, "aws", secretArgs(out.DBSecretArn, out.Region)...)
	if err != nil {
		return connection{}, secretError(err, stderr, out.DBSecretArn)
	}
	return parseSecret(stdout, out.DBSecretArn)
}

// parseSecret checks the secret's JSON. Messages never quote the value.
func parseSecret(data []byte, arn string) (connection, error) {
	var c connection
	if err := json.Unmarshal(data, &c); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			// Value is "number 5432" for a number: keep only the kind.
			kind, _, _ := strings.Cut(typeErr.Value, " ")
			return connection{}, fmt.Errorf("the database secret %q has a %s where %q should be a %s", arn, kind, typeErr.Field, typeErr.Type)
		}
		// A syntax error's message would quote a character of the value.
		return connection{}, fmt.Errorf("the database secret %q is not JSON", arn)
	}
	var missing []string
	for _, f := range []struct{ name, value string }{{"username", c.Username}, {"password", c.Password}} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return connection{}, fmt.Errorf("the database secret %q has no %s", arn, strings.Join(missing, " or "))
	}
	return c, nil
}

// secretError says what to do about a failed get-secret-value.
func secretError(err error, stderr, arn string) error {
	if errors.Is(err, exec.ErrNotFound) {
		return errors.New("the AWS CLI is not installed: " + installAWSCLI)
	}
	msg := strings.TrimSpace(stderr)
	switch {
	case credentialsProblem(msg):
		return fmt.Errorf("%s: %s", noCredentials, msg)
	case strings.Contains(msg, "ResourceNotFoundException") && strings.Contains(msg, "AWSCURRENT"):
		// The program stores the value once the instance exists.
		return fmt.Errorf("the database secret %q has no value yet: the database is still being created; try again when `pulumi up` has finished", arn)
	case strings.Contains(msg, "AccessDenied"):
		return fmt.Errorf("not allowed to read the database secret %q (your AWS identity needs secretsmanager:GetSecretValue on it and kms:Decrypt on the stack's key): %s", arn, msg)
	}
	if msg == "" {
		msg = err.Error()
	}
	return fmt.Errorf("reading the database secret %q: %s", arn, msg)
}

const installAWSCLI = "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
