package imagelookup_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/imagelookup"
)

// push writes a random image under ref and returns its digest.
func push(t *testing.T, ref string) v1.Hash {
	t.Helper()
	img, err := random.Image(256, 1)
	require.NoError(t, err)
	tag, err := name.ParseReference(ref)
	require.NoError(t, err)
	require.NoError(t, remote.Write(tag, img))
	digest, err := img.Digest()
	require.NoError(t, err)
	return digest
}

// TestDigest asks a registry on loopback (go-containerregistry's own
// implementation of the registry protocol) what a tag names: the digest
// of what was pushed last, so a re-push is seen at the next lookup; a tag
// it does not have is an error that says so.
func TestDigest(t *testing.T) {
	srv := httptest.NewServer(registry.New())
	t.Cleanup(srv.Close)
	ref := strings.TrimPrefix(srv.URL, "http://") + "/team/app:1.0"

	first := push(t, ref)
	got, err := imagelookup.Digest(ref)
	require.NoError(t, err)
	assert.Equal(t, first.String(), got)

	second := push(t, ref)
	require.NotEqual(t, first, second)
	got, err = imagelookup.Digest(ref)
	require.NoError(t, err)
	assert.Equal(t, second.String(), got, "the tag's digest now")

	_, err = imagelookup.Digest(strings.TrimPrefix(srv.URL, "http://") + "/team/app:2.0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MANIFEST_UNKNOWN")
}
