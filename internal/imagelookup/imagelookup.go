// Package imagelookup asks a container registry what an image tag names
// now: the digest of its manifest, or of its multi-platform index. The
// program pins every release to that digest (compute.DigestResolver), so
// re-pushing a tag never changes what a host runs. ECR images are looked
// up through ECR's API instead, with the deployer's AWS credentials.
//
// It uses go-containerregistry (the library behind crane, ko and Trivy's
// image access): it speaks the registry protocol, token handshakes
// included, so this package holds no HTTP of its own.
package imagelookup

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Timeout bounds one lookup: a registry that does not answer fails the
// deploy with a message rather than hanging it.
const Timeout = 30 * time.Second

// Digest returns the digest ("sha256:…") the registry holds for ref,
// asked anonymously, as the hosts pull images outside ECR. A registry on
// a loopback address is spoken to over plain HTTP (go-containerregistry's
// rule for local registries).
func Digest(ref string) (string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("parsing %q: %w", ref, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuth(authn.Anonymous)}
	// HEAD is cheap and, on Docker Hub, not counted against the pull
	// limit; a registry that does not answer it gets a GET.
	desc, err := remote.Head(r, opts...)
	if err != nil {
		got, getErr := remote.Get(r, opts...)
		if getErr != nil {
			return "", getErr
		}
		return got.Digest.String(), nil
	}
	return desc.Digest.String(), nil
}
