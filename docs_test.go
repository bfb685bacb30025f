package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/docs"
)

// TestDocsMatchTheSettingsTable: README's configuration reference and
// Pulumi.yaml's descriptions are what config.Settings and the stack files
// render; `go generate ./...` rewrites them.
func TestDocsMatchTheSettingsTable(t *testing.T) {
	files, err := docs.Render(".")
	require.NoError(t, err)
	for name, want := range files {
		got, err := os.ReadFile(name)
		require.NoError(t, err)
		assert.Equal(t, want, string(got), "%s is out of date with config/settings.go: run `go generate ./...`", name)
	}
}
