package refresh

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewFromEnvironment: the profile and region reach the client, and the
// command an interrupted Roll prints.
func TestNewFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	configFile := filepath.Join(dir, "config")
	require.NoError(t, os.WriteFile(configFile, []byte("[default]\nregion = us-west-2\n[profile ops]\nregion = eu-west-1\n"), 0o600))
	t.Setenv("AWS_CONFIG_FILE", configFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(v, "")
		require.NoError(t, os.Unsetenv(v))
	}

	c, err := NewFromEnvironment(t.Context(), "", "ops")
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", c.region)
	assert.Equal(t, "ops", c.profile)

	c, err = NewFromEnvironment(t.Context(), "ap-south-1", "ops")
	require.NoError(t, err)
	assert.Equal(t, "ap-south-1", c.region, "the region given wins over the profile's")

	c, err = NewFromEnvironment(t.Context(), "", "")
	require.NoError(t, err)
	assert.Equal(t, "us-west-2", c.region)
	assert.Empty(t, c.profile)

	_, err = NewFromEnvironment(t.Context(), "", "nosuch")
	assert.ErrorContains(t, err, `loading AWS configuration (region "", profile "nosuch")`)
}
