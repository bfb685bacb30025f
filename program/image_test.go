package program_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/stacktest/mockrun"
	"github.com/rds-app/rds-app/program"
)

// TestImageTagIsLookedUpFirst: the program asks the registry what dev's
// public tag names before it registers anything. A tag the registry does
// not have stops the deploy with nothing registered; a re-push of the tag
// (another digest) is a new release of the same stack.
func TestImageTagIsLookedUpFirst(t *testing.T) {
	s := stacktest.Named(t, "dev")
	cfg := stacktest.WithRegion(s.Config)
	image := stacktest.Parse(t, s).App.Image

	var asked []string
	missing := program.Program{ResolveDigest: func(ref string) (string, error) {
		asked = append(asked, ref)
		return "", errors.New("MANIFEST_UNKNOWN: manifest unknown")
	}}
	m := pulumitest.New()
	err := m.Run(s.Name, missing.Run, pulumitest.WithConfig(cfg))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `app.image: looking up the digest of "`+image+`" in its registry: MANIFEST_UNKNOWN`)
	assert.Equal(t, []string{image}, asked, "one lookup")
	for _, r := range m.Resources() {
		assert.True(t, strings.HasPrefix(r.Type, "pulumi:"), "nothing is registered before the lookup: %s %s", r.Type, r.Name)
	}

	releaseOf := func(digest string) string {
		m := pulumitest.New()
		p := program.Program{ResolveDigest: func(string) (string, error) { return digest, nil }}
		require.NoError(t, m.Run(s.Name, p.Run, pulumitest.WithConfig(cfg)))
		record, _ := mockrun.ReleaseRecordOf(t, m)
		return record.Image
	}
	before, after := "sha256:"+strings.Repeat("1", 64), "sha256:"+strings.Repeat("2", 64)
	assert.Equal(t, image+"@"+before, releaseOf(before))
	assert.Equal(t, image+"@"+after, releaseOf(after), "the re-pushed tag is a new release")
}
