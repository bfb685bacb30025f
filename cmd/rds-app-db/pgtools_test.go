package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientCommandLines(t *testing.T) {
	kw := sampleConn.keywordString("")
	db := "--dbname=" + kw
	assert.Equal(t, []string{db, "-w", "-c", "select 1"}, psqlArgs(kw, []string{"-c", "select 1"}),
		"a person's psql: their ~/.psqlrc applies and their arguments follow")
	assert.Equal(t, []string{db, "-X", "-w", "-v", "ON_ERROR_STOP=1", "-q", "--single-transaction", "-f", "-"}, loadArgs(kw))
	assert.Equal(t, []string{db, "-X", "-w", "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t", "-c", "SHOW server_version_num"}, queryArgs(kw, serverVersionQuery))
	assert.Equal(t, []string{db, "--no-password", "--format=custom", "--file=app.dump.partial"}, dumpArgs(kw, "app.dump.partial"))
	assert.Equal(t, []string{db, "--no-password", "--no-owner", "--exit-on-error", "--single-transaction"}, restoreArgs(kw, false))
	assert.Equal(t, []string{db, "--no-password", "--no-owner", "--exit-on-error", "--single-transaction", "--clean", "--if-exists"}, restoreArgs(kw, true))

	// The settings every tool gets: verify-full against the endpoint name,
	// packets to the tunnel, and no password.
	for _, want := range []string{"host=" + sampleOutputs.DBEndpoint, "hostaddr=127.0.0.1", "sslmode=verify-full", "sslrootcert="} {
		assert.Contains(t, db, want)
	}
	assert.NotContains(t, db, "password")
}

func TestVersions(t *testing.T) {
	for out, want := range map[string]int{
		"pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n": 15,
		"pg_dump (PostgreSQL) 17.4\n":                           17,
		"pg_dump (PostgreSQL) 18beta1\n":                        18,
		"pg_dump (PostgreSQL) 9.6.24\n":                         9,
	} {
		got, err := toolMajor(out)
		require.NoError(t, err, out)
		assert.Equal(t, want, got, out)
	}
	_, err := toolMajor("pg_dump: command not found")
	assert.ErrorContains(t, err, `cannot read a PostgreSQL version in "pg_dump: command not found"`)

	for in, want := range map[string]int{"170004\n": 17, "150018": 15, "130020": 13, "90624": 9} {
		got, err := serverMajor(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err = serverMajor("")
	assert.Error(t, err)
}

func TestCheckDumpVersion(t *testing.T) {
	assert.NoError(t, checkDumpVersion(17, 17, "/usr/bin/pg_dump"))
	assert.NoError(t, checkDumpVersion(15, 17, "/usr/bin/pg_dump"), "a newer pg_dump reads older servers")
	err := checkDumpVersion(17, 15, "/usr/bin/pg_dump")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the database runs PostgreSQL 17 but /usr/bin/pg_dump is pg_dump 15, and pg_dump must be at least the server's major version")
	assert.Contains(t, err.Error(), "postgresql-client-17")
	assert.Contains(t, err.Error(), "brew install postgresql@17")
}

func TestIsArchive(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"a.dump": "PGDMP\x01\x0e\x00", "a.sql": "-- seed\nselect 1;\n", "short": "PG", "empty": ""} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	for name, want := range map[string]bool{"a.dump": true, "a.sql": false, "short": false, "empty": false} {
		got, err := isArchive(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.Equal(t, want, got, name)
	}
}

func TestPgToolNamesTheInstall(t *testing.T) {
	a := newApp(nil, nil, nil)
	_, err := a.pgTool(globals{pgBin: t.TempDir()}, "pg_dump")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pg_dump is not in --pg-bin")
	assert.Contains(t, err.Error(), "sudo apt-get install postgresql-client")

	a.lookPath = func(string) (string, error) { return "", os.ErrNotExist }
	_, err = a.pgTool(globals{}, "psql")
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "psql is not installed: install the PostgreSQL client tools (Debian/Ubuntu: sudo apt-get install postgresql-client;"), err.Error())
	assert.Contains(t, err.Error(), "brew install libpq")
}
