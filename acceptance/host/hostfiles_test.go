package host

// Helpers for tests that use real tools nobody here wrote (cloud-init,
// shellcheck, the AWS CLI with moto, PostgreSQL). Locally a missing tool
// skips the test with a message; in CI (CI=true) it fails, because .ci/run
// installs every tool and a skip there would hide a broken check.

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// inCI reports whether the tests run under .ci/run.

// hostFile is one file the host's #cloud-config writes.
type hostFile struct {
	Path        string `yaml:"path"`
	Owner       string `yaml:"owner"`
	Permissions string `yaml:"permissions"`
	Content     string `yaml:"content"`
}

// hostFiles parses user-data and returns the files it writes, by path.
func hostFiles(t testing.TB, userData string) map[string]hostFile {
	t.Helper()
	var doc struct {
		WriteFiles []hostFile `yaml:"write_files"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(userData), &doc))
	files := map[string]hostFile{}
	for _, f := range doc.WriteFiles {
		files[f.Path] = f
	}
	require.NotEmpty(t, files)
	return files
}
