package compute

// This file decides the image a release names: app.image with its digest,
// so that re-pushing a tag never changes what a running or newly launched
// host runs.

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// DigestResolver returns the digest ("sha256:…") that the registry holds
// for an image reference named by tag, outside ECR: the manifest (or the
// multi-platform index) the tag names now.
type DigestResolver func(ref string) (string, error)

// releaseImage is the image a release names, with its digest:
//   - a reference with a digest is exact already;
//   - a tag in ECR (the stack's region; config refuses another) is looked
//     up in ECR at every `pulumi up`, so a preview after a re-push shows a
//     new release;
//   - a tag in any other registry is looked up there by resolve, also at
//     every `pulumi up`.
func releaseImage(ctx *pulumi.Context, args Args, image awsfacts.Image) (pulumi.StringOutput, error) {
	switch {
	case image.Digest != "":
		return pulumi.String(image.Ref).ToStringOutput(), nil
	case image.ECR != nil:
		found := ecr.GetImageOutput(ctx, ecr.GetImageOutputArgs{
			RegistryId:     pulumi.String(image.ECR.Account),
			RepositoryName: pulumi.String(image.ECR.Name),
			ImageTag:       pulumi.String(image.Tag),
		})
		return found.ImageDigest().ApplyT(image.Pinned).(pulumi.StringOutput), nil
	}
	pinned, err := PinOutsideECR(image, args.ResolveDigest)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return pulumi.String(pinned).ToStringOutput(), nil
}

// PinOutsideECR is image with the digest resolve gives its tag, for an
// image outside ECR named by tag; any other image is returned as it is
// (ECR's tags are looked up through ECR). The program calls it before
// anything is registered, so a tag the registry does not have stops the
// deploy with nothing half-built.
func PinOutsideECR(image awsfacts.Image, resolve DigestResolver) (string, error) {
	if image.Digest != "" || image.ECR != nil {
		return image.Ref, nil
	}
	if resolve == nil {
		return "", fmt.Errorf("app.image: %s is named by tag outside ECR and no registry lookup was given", awsfacts.Quote(image.Ref))
	}
	digest, err := resolve(image.Ref)
	if err != nil {
		return "", fmt.Errorf("app.image: looking up the digest of %s in its registry: %w; "+
			"check that the tag exists and the registry answers anonymously, or name the image by digest (app.image <repository>@sha256:<64 hex digits>)",
			awsfacts.Quote(image.Ref), err)
	}
	return image.Pinned(digest), nil
}
