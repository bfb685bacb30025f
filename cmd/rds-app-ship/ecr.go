package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
)

// digestRE is an image digest as registries report it.
var digestRE = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// pushedDigest asks ECR for the image tagged tag in the repository: its
// digest, or "" when the tag is not there.
func (a *app) pushedDigest(ctx context.Context, repo repository, tag string) (string, error) {
	stdout, stderr, err := a.capture(ctx, "", nil, "aws", "ecr", "describe-images",
		"--region", repo.Region, "--registry-id", repo.Account, "--repository-name", repo.Name,
		"--image-ids", "imageTag="+tag, "--output", "json")
	if err != nil {
		if strings.Contains(stderr, "ImageNotFoundException") {
			return "", nil
		}
		return "", awsError("asking ECR whether "+tag+" is in "+repo.URL+" (aws ecr describe-images)", repo, err, stderr)
	}
	return parseDescribeImages(stdout)
}

// parseDescribeImages reads the digest from `aws ecr describe-images` for
// one tag.
func parseDescribeImages(data []byte) (string, error) {
	var answer struct {
		ImageDetails []struct {
			ImageDigest string `json:"imageDigest"`
		} `json:"imageDetails"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		return "", fmt.Errorf("reading aws ecr describe-images: %v", err)
	}
	if len(answer.ImageDetails) != 1 || !digestRE.MatchString(answer.ImageDetails[0].ImageDigest) {
		return "", fmt.Errorf("aws ecr describe-images answered %s, not one image with a sha256 digest", bytes.TrimSpace(data))
	}
	return answer.ImageDetails[0].ImageDigest, nil
}

// loginPassword is a registry password for the repository's registry,
// made from the user's AWS credentials (valid for 12 hours). It stays in
// memory and reaches the builder's login on its standard input.
func (a *app) loginPassword(ctx context.Context, repo repository) ([]byte, error) {
	stdout, stderr, err := a.capture(ctx, "", nil, "aws", "ecr", "get-login-password", "--region", repo.Region)
	if err != nil {
		return nil, awsError("getting a registry password for "+repo.Host+" (aws ecr get-login-password)", repo, err, stderr)
	}
	password := bytes.TrimSpace(stdout)
	if len(password) == 0 {
		return nil, errors.New("aws ecr get-login-password printed no password")
	}
	return password, nil
}

// awsError turns a failed AWS CLI call into what to do next.
func awsError(doing string, repo repository, err error, stderr string) error {
	if errors.Is(err, exec.ErrNotFound) {
		return errors.New("the AWS CLI is not installed (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html): rds-app-ship asks ECR through it, with your AWS credentials")
	}
	msg := strings.TrimSpace(firstNonEmpty(stderr, err.Error()))
	switch {
	case strings.Contains(msg, "Unable to locate credentials"), strings.Contains(msg, "NoCredentialProviders"):
		return fmt.Errorf("%s: no AWS credentials: sign in to the stack's account %s (aws configure, AWS_PROFILE, or aws sso login) and run this again", doing, repo.Account)
	case strings.Contains(msg, "ExpiredToken"), strings.Contains(msg, "has expired"), strings.Contains(msg, "Token has expired"):
		return fmt.Errorf("%s: your AWS credentials have expired: sign in again (aws sso login, or fresh keys) and run this again: %s", doing, msg)
	case strings.Contains(msg, "UnrecognizedClientException"), strings.Contains(msg, "InvalidSignatureException"), strings.Contains(msg, "security token included in the request is invalid"):
		return fmt.Errorf("%s: AWS does not accept your credentials: check them (aws sts get-caller-identity) and run this again: %s", doing, msg)
	case strings.Contains(msg, "RepositoryNotFoundException"):
		return fmt.Errorf("%s: the stack's repository %s is not in account %s, region %s: are your AWS credentials for that account? If the repository was deleted, `pulumi up` creates it again: %s",
			doing, repo.Name, repo.Account, repo.Region, msg)
	case strings.Contains(msg, "AccessDenied"):
		return fmt.Errorf("%s: your AWS identity may not use the repository: it needs ecr:GetAuthorizationToken, ecr:DescribeImages and the push actions (ecr:BatchCheckLayerAvailability, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage) on %s: %s",
			doing, repo.ARN(), msg)
	}
	return fmt.Errorf("%s: %s", doing, msg)
}
