package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPassfileReplaced: each token takes the last one's place in the one
// password file, which stays this user's only, and nothing else is left
// beside it; Close removes it all.
func TestPassfileReplaced(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv("XDG_RUNTIME_DIR", "")
	s := &session{conn: connParams{Host: "db.example", Port: 15432, User: "app_admin"}}
	require.NoError(t, s.makePassfileDir())
	passfile := filepath.Join(s.dir, passfileName)
	assert.Contains(t, s.env, "PGPASSFILE="+passfile)
	for _, token := range []string{"db.example:5432/?Action=connect&first", "db.example:5432/?Action=connect&second"} {
		require.NoError(t, s.writePassfile(token))
		content, err := os.ReadFile(passfile)
		require.NoError(t, err)
		assert.Equal(t, pgpassLine(s.conn, token), string(content))
		info, err := os.Stat(passfile)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
		entries, err := os.ReadDir(s.dir)
		require.NoError(t, err)
		assert.Len(t, entries, 1)
	}
	require.NoError(t, s.Close())
	assert.NoDirExists(t, s.dir)
}
