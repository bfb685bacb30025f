package awsfacts

// This file holds the rules for container image references and private ECR
// repositories. The config layer uses them to reject bad input; the compute
// component uses them to scope pull permissions.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/distribution/reference"
)

// Image is a parsed container image reference.
type Image struct {
	// Ref is the reference exactly as configured; it is what `docker pull` gets.
	Ref string
	// Domain is the registry host ("docker.io" for Docker Hub short names).
	Domain string
	// Repository is the repository path within the registry.
	Repository string
	// Tag and Digest are the version the reference names: a tag, a digest
	// ("sha256:…"), or both.
	Tag, Digest string
	// ECR is set when the image lives in a private Amazon ECR registry.
	ECR *ECRRepository
}

// Pinned is the reference with digest added: what a release names, so
// that re-pushing the tag changes nothing a host runs. It keeps the tag for
// people to read (Docker pulls name:tag@digest by the digest). A reference
// that names a digest already is returned as it is.
func (i Image) Pinned(digest string) string {
	if i.Digest != "" {
		return i.Ref
	}
	return i.Ref + "@" + digest
}

// ECRRepository locates a private ECR repository.
type ECRRepository struct {
	Account, Region, Partition, Name string
}

// ARN is the repository ARN that pull permissions are scoped to.
func (r ECRRepository) ARN() string {
	return fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", r.Partition, r.Region, r.Account, r.Name)
}

// ecrDomainRE matches private ECR registry hosts, including FIPS endpoints
// and the China regions.
var ecrDomainRE = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$`)

// ParseImage checks that s is a valid image reference that names its version
// explicitly, by tag or by sha256 digest: an implicit ":latest" would make
// deploys unrepeatable.
func ParseImage(s string) (Image, error) {
	// Registry hosts are case-insensitive, but Docker keeps the case it is
	// given, so a login to "…DKR.ECR…" does not serve a pull from it; and
	// repository paths must be lower case.
	if host, _, found := strings.Cut(s, "/"); found && strings.ContainsAny(host, ".:") && host != strings.ToLower(host) {
		return Image{}, fmt.Errorf("%s has upper-case letters in its registry host; write it in lower case: %s", Quote(s), Quote(strings.ToLower(host)+s[len(host):]))
	}
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return Image{}, fmt.Errorf("%s is not a valid image reference (%v); use registry/repository:tag or registry/repository@sha256:<64 hex digits>", Quote(s), err)
	}
	tagged, isTagged := named.(reference.Tagged)
	digested, isDigested := named.(reference.Digested)
	if !isTagged && !isDigested {
		return Image{}, fmt.Errorf("%s has no tag or digest; name the version explicitly, such as %s:1.0 or %s@sha256:<64 hex digits>", Quote(s), s, s)
	}
	img := Image{Ref: s, Domain: reference.Domain(named), Repository: reference.Path(named)}
	if isTagged {
		img.Tag = tagged.Tag()
	}
	if isDigested {
		img.Digest = digested.Digest().String()
	}
	if m := ecrDomainRE.FindStringSubmatch(img.Domain); m != nil {
		img.ECR = &ECRRepository{Account: m[1], Region: m[2], Partition: partitionOf(m[2], m[3] != ""), Name: img.Repository}
	}
	return img, nil
}

// ParseRepositoryURL reads the URL of a private ECR repository, with no tag
// or digest, as ECR's repositoryUri and the stack's repositoryUrl output
// give it ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop").
func ParseRepositoryURL(s string) (ECRRepository, error) {
	named, err := reference.ParseNamed(s)
	if err != nil || !reference.IsNameOnly(named) {
		return ECRRepository{}, fmt.Errorf("%s is not a repository URL (registry/repository, with no tag or digest)", Quote(s))
	}
	m := ecrDomainRE.FindStringSubmatch(reference.Domain(named))
	if m == nil {
		return ECRRepository{}, fmt.Errorf("%s is not in a private ECR registry (<account>.dkr.ecr.<region>.amazonaws.com)", Quote(s))
	}
	return ECRRepository{Account: m[1], Region: m[2], Partition: partitionOf(m[2], m[3] != ""), Name: reference.Path(named)}, nil
}

func partitionOf(region string, china bool) string {
	switch {
	case china || strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// ECRImagesPerRepository is ECR's quota of images in one repository
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html,
// "Images per repository", read 2026-12-05); it cannot be raised, so a
// lifecycle rule that keeps more never applies.
const ECRImagesPerRepository = 20000
