// Package registry owns the stack's own container image repository
// (app.repository): an Amazon ECR repository with immutable tags, scanned
// on push and encrypted with a KMS key of its own, and a lifecycle policy
// that keeps the last app.repositoryKeep releases. bin/rds-app-ship pushes
// releases to it; the hosts' role may pull from it (package compute).
//
// The repository outlives the stack unless app.repositoryForceDelete says
// otherwise: its images are the releases a rollback goes back to, and the
// key must live as long as the images it encrypts.
//
// registry.go wires the steps; key.go creates the key and lifecycle.go
// renders the lifecycle policy, which is plain Go.
package registry

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/config"
)

// Inputs is what the repository needs beyond its configuration section.
type Inputs struct {
	// NamePrefix starts the key alias's name ("rds-app-dev").
	NamePrefix string
}

// Registry is the component.
type Registry struct {
	pulumi.ResourceState

	// RepositoryURL is what images are pushed to and pulled from:
	// <account>.dkr.ecr.<region>.amazonaws.com/<name>.
	RepositoryURL pulumi.StringOutput `pulumi:"repositoryUrl"`
	// RepositoryArn is what the hosts' pull grant names.
	RepositoryArn pulumi.StringOutput `pulumi:"repositoryArn"`
	// RepositoryName is the repository's name (Pulumi's auto-name: a
	// re-created stack never collides with a repository a destroy kept).
	RepositoryName pulumi.StringOutput `pulumi:"repositoryName"`
	// KmsKeyArn is the key the images are encrypted with.
	KmsKeyArn pulumi.StringOutput `pulumi:"kmsKeyArn"`
}

// New creates the repository. Call it only with cfg.Repository set.
func New(ctx *pulumi.Context, name string, cfg config.App, in Inputs, opts ...pulumi.ResourceOption) (*Registry, error) {
	policy, err := LifecyclePolicy(cfg.RepositoryKeep)
	if err != nil {
		return nil, fmt.Errorf("creating repository %q: %w", name, err)
	}
	r := &Registry{}
	if err := ctx.RegisterComponentResource("rds-app:registry:Registry", name, r, opts...); err != nil {
		return nil, fmt.Errorf("registering registry component %q: %w", name, err)
	}
	parent := pulumi.Parent(r)
	// Kept by `pulumi destroy` (and when app.repository is turned off)
	// unless the user chose otherwise: the images are the releases.
	keep := pulumi.RetainOnDelete(!cfg.RepositoryForceDelete)

	key, err := newKey(ctx, name, in, parent, keep)
	if err != nil {
		return nil, err
	}
	repo, err := ecr.NewRepository(ctx, name, &ecr.RepositoryArgs{
		// A tag names one image forever: a release named by a commit can
		// never change under a host (bin/rds-app-ship deploys the digest
		// already there rather than push again).
		ImageTagMutability: pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{ecr.RepositoryEncryptionConfigurationArgs{
			EncryptionType: pulumi.String("KMS"),
			KmsKey:         key.Arn,
		}},
		// Without it AWS refuses to delete a repository that has images.
		ForceDelete: pulumi.Bool(cfg.RepositoryForceDelete),
	}, parent, keep)
	if err != nil {
		return nil, fmt.Errorf("creating ECR repository: %w", err)
	}
	if _, err := ecr.NewLifecyclePolicy(ctx, name, &ecr.LifecyclePolicyArgs{
		// The ID is the name AWS holds (Pulumi's auto-name).
		Repository: repo.ID().ToStringOutput(),
		Policy:     pulumi.String(policy),
	}, parent, keep); err != nil {
		return nil, fmt.Errorf("creating ECR lifecycle policy: %w", err)
	}

	r.RepositoryURL = repo.RepositoryUrl
	r.RepositoryArn = repo.Arn
	r.RepositoryName = repo.Name
	r.KmsKeyArn = key.Arn
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{
		"repositoryUrl":  r.RepositoryURL,
		"repositoryArn":  r.RepositoryArn,
		"repositoryName": r.RepositoryName,
		"kmsKeyArn":      r.KmsKeyArn,
	}); err != nil {
		return nil, fmt.Errorf("registering registry outputs: %w", err)
	}
	return r, nil
}
