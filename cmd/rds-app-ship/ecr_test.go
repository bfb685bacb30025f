package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDescribeImages(t *testing.T) {
	digest := "sha256:" + strings.Repeat("0a", 32)
	got, err := parseDescribeImages([]byte(`{"imageDetails": [{"registryId": "123456789012", "imageDigest": "` + digest + `", "imageTags": ["abc"]}]}`))
	require.NoError(t, err)
	assert.Equal(t, digest, got)
	for _, bad := range []string{`{"imageDetails": []}`, `{"imageDetails": [{"imageDigest": "sha256:12"}]}`, `nope`} {
		_, err := parseDescribeImages([]byte(bad))
		assert.Error(t, err, bad)
	}
}

// The AWS CLI's failures become what to do next.
func TestAWSError(t *testing.T) {
	repo, err := parseRepository([]byte(`{"repositoryUrl": "`+sampleURL+`"}`), "dev", true)
	require.NoError(t, err)
	failed := errors.New("exit status 253")
	for _, tc := range []struct {
		name, stderr string
		err          error
		want         string
	}{
		{"no CLI", "", exec.ErrNotFound, "the AWS CLI is not installed (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)"},
		{"no credentials", "\nUnable to locate credentials. You can configure credentials by running \"aws configure\".\n", failed,
			"doing it: no AWS credentials: sign in to the stack's account 123456789012 (aws configure, AWS_PROFILE, or aws sso login) and run this again"},
		{"expired", "\nAn error occurred (ExpiredTokenException) when calling the DescribeImages operation: The security token included in the request is expired\n", failed,
			"doing it: your AWS credentials have expired: sign in again (aws sso login, or fresh keys)"},
		{"SSO expired", "Error when retrieving token from sso: Token has expired and refresh failed\n", failed, "your AWS credentials have expired"},
		{"refused", "An error occurred (UnrecognizedClientException) when calling the DescribeImages operation: The security token included in the request is invalid.\n", failed,
			"AWS does not accept your credentials: check them (aws sts get-caller-identity)"},
		{"no repository", "An error occurred (RepositoryNotFoundException) when calling the DescribeImages operation: The repository with name 'x' does not exist\n", failed,
			"the stack's repository rds-app-dev-app-1a2b3c is not in account 123456789012, region eu-west-1: are your AWS credentials for that account?"},
		{"denied", "An error occurred (AccessDeniedException) when calling the DescribeImages operation: User: arn:aws:iam::123456789012:user/ci is not authorized\n", failed,
			"your AWS identity may not use the repository: it needs ecr:GetAuthorizationToken, ecr:DescribeImages and the push actions"},
		{"other", "something else\n", failed, "doing it: something else"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Contains(t, awsError("doing it", repo, tc.err, tc.stderr).Error(), tc.want)
		})
	}
}
