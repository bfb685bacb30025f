package compute

// This file holds the pure rules about what the host runs: image references,
// instance types and environment variable names. The config layer uses them
// to reject bad input; the component uses them to scope permissions.

import (
	"fmt"
	"regexp"
	"slices"
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
	// ECR is set when the image lives in a private Amazon ECR registry.
	ECR *ECRRepository
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
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return Image{}, fmt.Errorf("%q is not a valid image reference (%v); use registry/repository:tag or registry/repository@sha256:<64 hex digits>", s, err)
	}
	_, tagged := named.(reference.Tagged)
	_, digested := named.(reference.Digested)
	if !tagged && !digested {
		return Image{}, fmt.Errorf("%q has no tag or digest; name the version explicitly, such as %s:1.0 or %s@sha256:<64 hex digits>", s, s, s)
	}
	img := Image{Ref: s, Domain: reference.Domain(named), Repository: reference.Path(named)}
	if m := ecrDomainRE.FindStringSubmatch(img.Domain); m != nil {
		img.ECR = &ECRRepository{Account: m[1], Region: m[2], Partition: partitionOf(m[2], m[3] != ""), Name: img.Repository}
	}
	return img, nil
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

// instanceTypeRE matches EC2 instance type names: a family (t3, m7g, c6gn,
// m7i-flex, u-6tb1) and a size (micro, large, 4xlarge, metal, metal-48xl).
var instanceTypeRE = regexp.MustCompile(`^([a-z][a-z0-9]*)(-[a-z0-9]+)*\.(nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge|metal|metal-[0-9]+xl)$`)

// gravitonFamilyRE matches families whose attribute letters (after the
// generation digit) include "g": the AWS Graviton (arm64) families.
var gravitonFamilyRE = regexp.MustCompile(`^[a-z]+[0-9]+[a-z]*g[a-z]*$`)

// CheckInstanceType accepts EC2 instance type names such as t3.micro.
func CheckInstanceType(s string) error {
	if !instanceTypeRE.MatchString(s) {
		return fmt.Errorf("%q is not an EC2 instance type; use a name such as t3.micro, t4g.small or m7g.large", s)
	}
	return nil
}

// Architecture is the CPU architecture of an instance type, as Amazon Linux
// names its AMIs: "arm64" for Graviton types (a1, t4g, m7g, c6gn, ...),
// "x86_64" otherwise.
func Architecture(instanceType string) string {
	family := strings.SplitN(strings.SplitN(instanceType, ".", 2)[0], "-", 2)[0]
	if family == "a1" || gravitonFamilyRE.MatchString(family) {
		return "arm64"
	}
	return "x86_64"
}

var amiRE = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)

// CheckAMI accepts AMI IDs such as ami-0abcdef1234567890.
func CheckAMI(s string) error {
	if !amiRE.MatchString(s) {
		return fmt.Errorf("%q is not an AMI ID (ami- and 8 or 17 hex digits); leave amiId unset to use the latest Amazon Linux 2023", s)
	}
	return nil
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// CheckEnvName accepts names that are valid shell and Docker env-file
// identifiers.
func CheckEnvName(s string) error {
	if !envNameRE.MatchString(s) {
		return fmt.Errorf("%q is not a valid environment variable name; use letters, digits and underscores, not starting with a digit", s)
	}
	return nil
}

// ContractVariables are the environment variables the host itself sets in
// the container from the database secret. Neither generated secrets nor user
// variables may reuse these names.
var ContractVariables = []string{
	"DATABASE_CLIENT", "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USERNAME",
	"DATABASE_PASSWORD", "DATABASE_SSL", "DATABASE_SSL_CA", "DATABASE_SSL_REJECT_UNAUTHORIZED",
	"DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE", "PGSSLROOTCERT",
}

// IsContractVariable reports whether name is set by the host.
func IsContractVariable(name string) bool {
	return slices.Contains(ContractVariables, name)
}
