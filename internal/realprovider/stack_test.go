package realprovider

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTerraform is a terraform that records its commands and plans no
// change.
const fakeTerraform = `#!/bin/sh
echo "$1 $TF_REATTACH_PROVIDERS" >> "$FAKE_TERRAFORM_LOG"
case "$1" in
show) echo '{"resource_changes":[]}' ;;
esac
`

// TestPlanRawPlansAConfigurationOnce: the same document asked twice (a
// check and a row of the plan table on the same value) is planned once; a
// plan uses the stack's shared provider.
func TestPlanRawPlansAConfigurationOnce(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "terraform")
	require.NoError(t, os.WriteFile(bin, []byte(fakeTerraform), 0o755))
	log := filepath.Join(dir, "log")
	t.Setenv("FAKE_TERRAFORM_LOG", log)
	tf, err := NewTerraform(bin, filepath.Join(dir, "apply"), "http://127.0.0.1:1", "")
	require.NoError(t, err)
	for _, f := range []string{".terraform.lock.hcl", "terraform.tfstate"} {
		require.NoError(t, os.WriteFile(filepath.Join(tf.Dir, f), nil, 0o644))
	}
	require.NoError(t, os.Mkdir(filepath.Join(tf.Dir, ".terraform"), 0o755))

	s := &Stack{TF: tf, Reattach: "shared"}
	one := &Translation{Document: map[string]any{"resource": map[string]any{"a": 1}}}
	same := &Translation{Document: map[string]any{"resource": map[string]any{"a": 1}}}
	other := &Translation{Document: map[string]any{"resource": map[string]any{"a": 2}}}
	for _, tr := range []*Translation{one, same, other, one} {
		changes, err := s.PlanRaw(context.Background(), "x", tr)
		require.NoError(t, err)
		assert.Empty(t, changes)
	}
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, []string{"plan shared", "show shared", "plan shared", "show shared"}, strings.Split(strings.TrimSpace(string(data)), "\n"))
	assert.Equal(t, 2, s.Plans())
}
