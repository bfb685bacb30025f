package realprovider

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIgnorePath(t *testing.T) {
	group := Block{
		Attributes: map[string]Attribute{"desired_capacity": {}},
		BlockTypes: map[string]NestedBlock{"launch_template": {NestingMode: "list", MaxItems: 1,
			Block: Block{Attributes: map[string]Attribute{"id": {}, "version": {}}}}},
	}
	for path, want := range map[string]string{
		"desiredCapacity":        "desired_capacity",
		"launchTemplate":         "launch_template",
		"launchTemplate.version": "launch_template[0].version",
	} {
		got, ok := group.ignorePath(path)
		assert.True(t, ok, path)
		assert.Equal(t, want, got, path)
	}
	for _, path := range []string{"nothing", "launchTemplate.nothing", "desiredCapacity.more"} {
		_, ok := group.ignorePath(path)
		assert.False(t, ok, path)
	}
}

func TestCandidatesOfVersionedTypes(t *testing.T) {
	for token, want := range map[string]string{
		"aws:s3/bucketV2:BucketV2":                               "aws_s3_bucket",
		"aws:s3/bucketVersioningV2:BucketVersioningV2":           "aws_s3_bucket_versioning",
		"aws:s3/bucketObjectv2:BucketObjectv2":                   "aws_s3_object",
		"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
	} {
		got, err := candidates(token, false)
		assert.NoError(t, err)
		if assert.NotEmpty(t, got, token) {
			assert.Equal(t, want, got[0], token)
		}
	}
}
