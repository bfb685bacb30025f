package compute

// The release bucket and the release history: where releases are kept
// (release.go has what they are).

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/iampolicy"
)

// releaseStore is the bucket and the record the hosts read.
type releaseStore struct {
	bucket *s3.BucketV2
	record *s3.BucketObjectv2
	// written are what must exist before a host reads the record.
	written []pulumi.Resource
}

// newReleaseStore creates the release bucket, versioned so that every
// release the record held stays readable by its version ID, and writes
// the record. Not public, TLS only, encrypted with the stack's key; a
// lifecycle rule keeps the newest app.releasesKept versions. The releases
// go with the stack (force destroy): they are derived from its
// configuration and its secrets, which go too.
func newReleaseStore(ctx *pulumi.Context, name string, args Args, record pulumi.StringOutput, parent pulumi.ResourceOption) (*releaseStore, error) {
	bucket, err := s3.NewBucketV2(ctx, name+"-releases", &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(true),
		Tags:         pulumi.StringMap{"Name": pulumi.String(name + "-releases")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating release bucket: %w", err)
	}
	private, err := s3.NewBucketPublicAccessBlock(ctx, name+"-releases", &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("blocking public access to the release bucket: %w", err)
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, name+"-releases", &s3.BucketVersioningV2Args{
		Bucket: bucket.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{
			Status: pulumi.String("Enabled"),
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("versioning the release bucket: %w", err)
	}
	encryption, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-releases", &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm:   pulumi.String("aws:kms"),
				KmsMasterKeyId: args.KmsKeyArn,
			},
			// One data key per bucket, not a KMS call per read.
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("encrypting the release bucket: %w", err)
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name+"-releases", &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("keep-releases"),
			Status: pulumi.String("Enabled"),
			Filter: s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			// The current version and releasesKept-1 before it; the others
			// a day after they were superseded.
			NoncurrentVersionExpiration: s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
				NoncurrentDays:          pulumi.Int(1),
				NewerNoncurrentVersions: pulumi.Int(args.ReleasesKept - 1),
			},
			AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(1),
			},
		}},
	}, parent, pulumi.DependsOn([]pulumi.Resource{versioning})); err != nil {
		return nil, fmt.Errorf("creating the release bucket's lifecycle rule: %w", err)
	}
	// Written once versioning is on (else its first version has no ID) and
	// encrypted with the stack's key.
	obj, err := s3.NewBucketObjectv2(ctx, name+"-release", &s3.BucketObjectv2Args{
		Bucket:      bucket.ID(),
		Key:         pulumi.String(hostconf.ReleaseKey),
		Content:     record,
		ContentType: pulumi.String("application/json"),
	}, parent, pulumi.DependsOn([]pulumi.Resource{versioning, encryption, private}))
	if err != nil {
		return nil, fmt.Errorf("writing the release record: %w", err)
	}
	// TLS only, for every request after the first record (which the
	// provider writes over HTTPS anyway). After it, not before: an
	// emulator on plain HTTP, as in the real-provider tests, would refuse
	// the record; and a destroy deletes the policy first.
	policy := bucket.Arn.ApplyT(func(arn string) string {
		return iampolicy.New(iampolicy.Statement{
			Sid: "TLSOnly", Effect: "Deny", Principal: map[string]string{"AWS": "*"}, Action: []string{"s3:*"},
			Resource:  []string{arn, arn + "/*"},
			Condition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}},
		}).JSON()
	}).(pulumi.StringOutput)
	if _, err := s3.NewBucketPolicy(ctx, name+"-releases", &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: policy,
	}, parent, pulumi.DependsOn([]pulumi.Resource{private, obj})); err != nil {
		return nil, fmt.Errorf("creating the release bucket's policy: %w", err)
	}
	return &releaseStore{bucket: bucket, record: obj, written: []pulumi.Resource{obj}}, nil
}

// ReleaseHistoryDescription is the history parameter's description.
const ReleaseHistoryDescription = "The releases of rds-app that rolled out, newest first (JSON: id, record version, image); written at the end of each `pulumi up` that rolled one out"

// readReleaseHistory reads the history the last `pulumi up` left, before
// anything is registered: which releases rolled out decides what a
// rollback goes back to. No history yet (a new stack, or one from before
// release records) is an empty one.
func readReleaseHistory(ctx *pulumi.Context, prefix string) (hostconf.ReleaseHistory, error) {
	name := hostconf.ReleaseHistoryName(prefix)
	// By path, not by name: a path without the parameter is an empty list,
	// not an error.
	found, err := ssm.GetParametersByPath(ctx, &ssm.GetParametersByPathArgs{Path: prefix})
	if err != nil {
		return nil, fmt.Errorf("reading the release history %s: %w", name, err)
	}
	for i, n := range found.Names {
		if n == name && i < len(found.Values) {
			h, err := hostconf.ParseReleaseHistory(found.Values[i])
			if err != nil {
				return nil, fmt.Errorf("reading the release history %s: %w", name, err)
			}
			return h, nil
		}
	}
	return nil, nil
}

// newReleaseHistory writes the history once the release has rolled out:
// its value waits for rolledOut, so a failed rollout leaves the history as
// it was.
func newReleaseHistory(ctx *pulumi.Context, name string, args Args, value pulumi.StringOutput, parent pulumi.ResourceOption) error {
	if _, err := ssm.NewParameter(ctx, name+"-release-history", &ssm.ParameterArgs{
		Name:        pulumi.String(hostconf.ReleaseHistoryName(args.ParameterPrefix)),
		Description: pulumi.String(ReleaseHistoryDescription),
		Type:        pulumi.String("String"),
		Tier:        pulumi.String("Standard"),
		// Image references and version IDs: not secret.
		InsecureValue: value,
	}, parent); err != nil {
		return fmt.Errorf("creating the release history parameter: %w", err)
	}
	return nil
}
