package main

import (
	"errors"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretArgs(t *testing.T) {
	assert.Equal(t, []string{"secretsmanager", "get-secret-value",
		"--secret-id", sampleOutputs.DBSecretArn, "--region", "eu-west-1",
		"--query", "SecretString", "--output", "text"},
		secretArgs(sampleOutputs.DBSecretArn, sampleOutputs.Region))
}

func TestParseSecret(t *testing.T) {
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"
	c, err := parseSecret([]byte(`{"engine":"postgres","host":"db.example","port":5432,"dbname":"app","username":"app_admin","password":"s3cr:t\\x","sslmode":"verify-full"}`), arn)
	require.NoError(t, err)
	assert.Equal(t, connection{Engine: "postgres", Host: "db.example", Port: 5432, DBName: "app", Username: "app_admin", Password: `s3cr:t\x`, SSLMode: "verify-full"}, c)

	// No message may quote the value: the password could be in it.
	for _, tc := range []struct{ name, json, want string }{
		{"not JSON", `password=hunter2`, `the database secret "` + arn + `" is not JSON`},
		{"a field of the wrong type", `{"username":"app_admin","password":97531864}`, `has a number where "password" should be a string`},
		{"no password", `{"username":"app_admin"}`, "has no password"},
		{"nothing", `{}`, "has no username or password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseSecret([]byte(tc.json), arn)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "hunter2")
			assert.NotContains(t, err.Error(), "97531864")
		})
	}
}

func TestSecretErrors(t *testing.T) {
	failed := errors.New("exit status 254")
	for _, tc := range []struct {
		name, stderr string
		err          error
		want         string
	}{
		{"aws missing", "", exec.ErrNotFound, "the AWS CLI is not installed: https://docs.aws.amazon.com/cli/"},
		{"no credentials", "\nUnable to locate credentials. You can configure credentials by running \"aws configure\".\n", failed,
			"no valid AWS credentials (run `aws configure`, `aws sso login`, or set AWS_PROFILE)"},
		{"no value yet", "\nAn error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret value for staging label: AWSCURRENT\n", failed,
			"has no value yet: the database is still being created"},
		{"not allowed", "\nAn error occurred (AccessDeniedException) when calling the GetSecretValue operation: User: arn:aws:iam::123456789012:user/dev is not authorized\n", failed,
			"not allowed to read the database secret"},
		{"anything else is passed on", "\nAn error occurred (ThrottlingException): Rate exceeded\n", failed,
			"reading the database secret \"arn:x\": An error occurred (ThrottlingException): Rate exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Contains(t, secretError(tc.err, tc.stderr, "arn:x").Error(), tc.want)
		})
	}
}
