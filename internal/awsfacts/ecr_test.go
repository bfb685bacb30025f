package awsfacts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseImage(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	for _, tt := range []struct {
		ref, domain, repo, ecrARN string
	}{
		{"nginx:1.27", "docker.io", "library/nginx", ""},
		{"public.ecr.aws/docker/library/nginx:stable-alpine", "public.ecr.aws", "docker/library/nginx", ""},
		{"ghcr.io/acme/shop@" + digest, "ghcr.io", "acme/shop", ""},
		{"registry.example.com:5000/team/app:1.2.3", "registry.example.com:5000", "team/app", ""},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "shop",
			"arn:aws:ecr:eu-west-1:123456789012:repository/shop"},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/team/shop:v1@" + digest, "123456789012.dkr.ecr.us-east-1.amazonaws.com", "team/shop",
			"arn:aws:ecr:us-east-1:123456789012:repository/team/shop"},
		{"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/shop:v1", "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "shop",
			"arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/shop"},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/shop:v1", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "shop",
			"arn:aws-cn:ecr:cn-north-1:123456789012:repository/shop"},
	} {
		img, err := ParseImage(tt.ref)
		require.NoError(t, err, tt.ref)
		assert.Equal(t, tt.ref, img.Ref)
		assert.Equal(t, tt.domain, img.Domain, tt.ref)
		assert.Equal(t, tt.repo, img.Repository, tt.ref)
		if tt.ecrARN == "" {
			assert.Nil(t, img.ECR, tt.ref)
		} else {
			require.NotNil(t, img.ECR, tt.ref)
			assert.Equal(t, tt.ecrARN, img.ECR.ARN())
		}
	}
	for _, bad := range []string{"", "nginx", "nginx:", "Nginx:1", "nginx@sha256:abc", "nginx:1 ", "a b:1", "-x/y:1",
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop"} {
		_, err := ParseImage(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestParseRepositoryURL(t *testing.T) {
	r, err := ParseRepositoryURL("123456789012.dkr.ecr.eu-west-1.amazonaws.com/rds-app-dev-app-1a2b3c")
	require.NoError(t, err)
	assert.Equal(t, ECRRepository{Account: "123456789012", Region: "eu-west-1", Partition: "aws", Name: "rds-app-dev-app-1a2b3c"}, r)
	r, err = ParseRepositoryURL("210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn/team/shop")
	require.NoError(t, err)
	assert.Equal(t, ECRRepository{Account: "210987654321", Region: "cn-north-1", Partition: "aws-cn", Name: "team/shop"}, r)
	for bad, want := range map[string]string{
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1":                                 "is not a repository URL",
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:" + strings.Repeat("ab", 32): "is not a repository URL",
		"shop":                     "is not a repository URL",
		"":                         "is not a repository URL",
		"ghcr.io/acme/shop":        "is not in a private ECR registry",
		"public.ecr.aws/acme/shop": "is not in a private ECR registry",
	} {
		_, err := ParseRepositoryURL(bad)
		if assert.Error(t, err, "%q", bad) {
			assert.Contains(t, err.Error(), want, "%q", bad)
		}
	}
}

func TestEnvNames(t *testing.T) {
	for _, ok := range []string{"A", "_a", "JWT_SECRET", "x1"} {
		assert.NoError(t, CheckEnvName(ok))
	}
	for _, bad := range []string{"", "1A", "A-B", "A B", "A=B", "é"} {
		assert.Error(t, CheckEnvName(bad), "%q", bad)
	}
	assert.True(t, IsContractVariable("DATABASE_URL"))
	assert.False(t, IsContractVariable("JWT_SECRET"))
}

func TestParseImageRegistryCase(t *testing.T) {
	_, err := ParseImage("123456789012.DKR.ECR.eu-west-1.amazonaws.com/app:1")
	assert.EqualError(t, err, `"123456789012.DKR.ECR.eu-west-1.amazonaws.com/app:1" has upper-case letters in its registry host; write it in lower case: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1"`)
}

func TestImageVersionAndPinned(t *testing.T) {
	digest := "sha256:" + strings.Repeat("cd", 32)
	other := "sha256:" + strings.Repeat("ef", 32)
	for _, tt := range []struct {
		ref, tag, digest, pinned string
	}{
		// A tag gets the digest; the tag stays for people to read.
		{"nginx:1.27", "1.27", "", "nginx:1.27@" + digest},
		{"210987654321.dkr.ecr.eu-west-1.amazonaws.com/shop:v1", "v1", "", "210987654321.dkr.ecr.eu-west-1.amazonaws.com/shop:v1@" + digest},
		// A digest is already exact: nothing is added, whatever was resolved.
		{"ghcr.io/acme/shop@" + other, "", other, "ghcr.io/acme/shop@" + other},
		{"ghcr.io/acme/shop:v2@" + other, "v2", other, "ghcr.io/acme/shop:v2@" + other},
	} {
		img, err := ParseImage(tt.ref)
		require.NoError(t, err, tt.ref)
		assert.Equal(t, tt.tag, img.Tag, tt.ref)
		assert.Equal(t, tt.digest, img.Digest, tt.ref)
		assert.Equal(t, tt.pinned, img.Pinned(digest), tt.ref)
	}
}
