package main

// With database.proxyIamAuth the proxy refuses the password: a client signs
// in with an IAM authentication token instead, a SigV4-signed request to
// connect as the user, valid for 15 minutes and checked only when a
// connection opens.

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// authTokenLifetime is how long RDS accepts a token after it is made
// (X-Amz-Expires=900): enough for a tool to connect, so one is made just
// before each tool starts.
const authTokenLifetime = "15 minutes"

// authTokenArgs is the aws command line that prints a token for user. The
// token is signed for the proxy's real name and port, which the proxy
// checks, never for the tunnel's local end.
func authTokenArgs(out stackOutputs, user string) []string {
	return []string{"rds", "generate-db-auth-token", "--hostname", out.DBEndpoint, "--port", strconv.Itoa(out.DBPort),
		"--username", user, "--region", out.Region}
}

// authToken makes a token with the AWS CLI, as the secret is read and the
// tunnel opened: with the user's profiles, SSO sessions and credential
// processes. The token comes back on a pipe; it is never on a command
// line, printed or logged.
func (a *app) authToken(ctx context.Context, out stackOutputs, user string) (string, error) {
	stdout, stderr, err := a.capture(ctx, "", nil, "aws", authTokenArgs(out, user)...)
	if err != nil {
		return "", authTokenError(err, stderr, out)
	}
	token := strings.TrimSpace(string(stdout))
	if err := checkAuthToken(token, out, user); err != nil {
		return "", err
	}
	return token, nil
}

// checkAuthToken checks that the CLI printed a token for the endpoint and
// user: <host>:<port>/?Action=connect&DBUser=<user>&X-Amz-…, a presigned
// URL without its scheme. Messages never quote it.
func checkAuthToken(token string, out stackOutputs, user string) error {
	hostPort := out.DBEndpoint + ":" + strconv.Itoa(out.DBPort)
	if !strings.HasPrefix(token, hostPort+"/?") || !strings.Contains(token, "Action=connect") ||
		!strings.Contains(token, "X-Amz-Signature=") || strings.ContainsAny(token, " \t\r\n") {
		return fmt.Errorf("`aws rds generate-db-auth-token` printed no IAM authentication token for %s (one reads %s/?Action=connect&DBUser=%s&X-Amz-…): update the AWS CLI",
			hostPort, hostPort, user)
	}
	return nil
}

// authTokenError says what to do about a failed generate-db-auth-token.
// The CLI signs locally, asking AWS nothing: it fails for want of
// credentials, not of permission (the proxy checks rds-db:connect when the
// token is used).
func authTokenError(err error, stderr string, out stackOutputs) error {
	if errors.Is(err, exec.ErrNotFound) {
		return errors.New("the AWS CLI is not installed: " + installAWSCLI)
	}
	msg := strings.TrimSpace(stderr)
	if msg == "" {
		msg = err.Error()
	}
	if credentialsProblem(msg) {
		return fmt.Errorf("making an IAM authentication token for %s (database.proxyIamAuth): %s: %s", out.DBEndpoint, noCredentials, msg)
	}
	return fmt.Errorf("making an IAM authentication token for %s (database.proxyIamAuth): %s", out.DBEndpoint, msg)
}

// noCredentials is what to do when the AWS CLI has no credentials, or
// expired ones.
const noCredentials = "no valid AWS credentials (run `aws configure`, `aws sso login`, or set AWS_PROFILE)"

// credentialsProblem reports whether the AWS CLI's error output says its
// credentials are missing or expired.
func credentialsProblem(output string) bool {
	for _, s := range []string{"Unable to locate credentials", "ExpiredToken", "Token has expired", "The SSO session"} {
		if strings.Contains(output, s) {
			return true
		}
	}
	return false
}
