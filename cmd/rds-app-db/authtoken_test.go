package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var proxyOutputs = stackOutputs{
	DBEndpoint:         "rds-app-dev-a1b2c3d4-proxy.proxy-c9akciq32xyz.eu-west-1.rds.amazonaws.com",
	DBInstanceEndpoint: "rds-app-dev-a1b2c3d4.c9akciq32xyz.eu-west-1.rds.amazonaws.com",
	DBConnectArn:       "arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-0123456789abcdef0/app_admin",
	DBPort:             5432,
	Region:             "eu-west-1",
}

// TestAuthTokenArgs: the token is made for the proxy's name and port, in
// the stack's region; nothing secret is on the command line.
func TestAuthTokenArgs(t *testing.T) {
	assert.Equal(t, []string{"rds", "generate-db-auth-token",
		"--hostname", "rds-app-dev-a1b2c3d4-proxy.proxy-c9akciq32xyz.eu-west-1.rds.amazonaws.com", "--port", "5432",
		"--username", "app_admin", "--region", "eu-west-1"}, authTokenArgs(proxyOutputs, "app_admin"))
}

// TestCheckAuthToken: what the CLI printed must be a signed token for the
// proxy's name and port; the message never quotes it.
func TestCheckAuthToken(t *testing.T) {
	const signed = "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261205%2Feu-west-1%2Frds-db%2Faws4_request" +
		"&X-Amz-Date=20261205T175243Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=2059db5247395233a1"
	good := proxyOutputs.DBEndpoint + ":5432/?Action=connect&DBUser=app_admin" + signed
	require.NoError(t, checkAuthToken(good, proxyOutputs, "app_admin"))
	for name, token := range map[string]string{
		"another host":        proxyOutputs.DBInstanceEndpoint + ":5432/?Action=connect&DBUser=app_admin" + signed,
		"the tunnel's port":   proxyOutputs.DBEndpoint + ":15432/?Action=connect&DBUser=app_admin" + signed,
		"not signed":          proxyOutputs.DBEndpoint + ":5432/?Action=connect&DBUser=app_admin",
		"two lines":           good + "\n" + good,
		"something else":      "usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]",
		"nothing":             "",
		"not a connect token": proxyOutputs.DBEndpoint + ":5432/?Action=other&DBUser=app_admin" + signed,
	} {
		t.Run(name, func(t *testing.T) {
			err := checkAuthToken(token, proxyOutputs, "app_admin")
			require.Error(t, err)
			assert.Equal(t, "`aws rds generate-db-auth-token` printed no IAM authentication token for "+proxyOutputs.DBEndpoint+":5432 (one reads "+
				proxyOutputs.DBEndpoint+":5432/?Action=connect&DBUser=app_admin&X-Amz-…): update the AWS CLI", err.Error())
		})
	}
}

func TestAuthTokenErrors(t *testing.T) {
	failed := errors.New("exit status 255")
	const making = "making an IAM authentication token for rds-app-dev-a1b2c3d4-proxy.proxy-c9akciq32xyz.eu-west-1.rds.amazonaws.com (database.proxyIamAuth): "
	for _, tc := range []struct {
		name, stderr string
		err          error
		want         string
	}{
		{"aws missing", "", exec.ErrNotFound, "the AWS CLI is not installed: " + installAWSCLI},
		{"no credentials", "\nUnable to locate credentials. You can configure credentials by running \"aws configure\".\n", failed,
			making + "no valid AWS credentials (run `aws configure`, `aws sso login`, or set AWS_PROFILE): Unable to locate credentials. You can configure credentials by running \"aws configure\"."},
		{"an expired SSO session", "Error when retrieving token from sso: Token has expired and refresh failed\n", failed,
			making + "no valid AWS credentials (run `aws configure`, `aws sso login`, or set AWS_PROFILE): Error when retrieving token from sso: Token has expired and refresh failed"},
		{"a profile that does not exist", "\nThe config profile (nosuch) could not be found\n", failed,
			making + "The config profile (nosuch) could not be found"},
		{"nothing said", "", failed, making + "exit status 255"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.EqualError(t, authTokenError(tc.err, tc.stderr, proxyOutputs), tc.want)
		})
	}
}

// TestAuthTokenWithoutCredentials: the real AWS CLI, with no credentials
// anywhere, fails to sign, and the command says what to do next.
func TestAuthTokenWithoutCredentials(t *testing.T) {
	testenv.RequireTool(t, "aws")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(name, "") // restored when the test ends
		require.NoError(t, os.Unsetenv(name))
	}
	a := newApp(nil, nil, nil)
	_, err := a.authToken(context.Background(), proxyOutputs, "app_admin")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "making an IAM authentication token for "+proxyOutputs.DBEndpoint+
		" (database.proxyIamAuth): no valid AWS credentials (run `aws configure`, `aws sso login`, or set AWS_PROFILE): Unable to locate credentials")
}
