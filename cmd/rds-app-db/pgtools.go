package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

const installPostgresClient = "install the PostgreSQL client tools (Debian/Ubuntu: sudo apt-get install postgresql-client; " +
	"Amazon Linux/Fedora: sudo dnf install postgresql; macOS: brew install libpq && brew link --force libpq), " +
	"or pass --pg-bin DIR with the directory that has them"

// pgTool finds a PostgreSQL client program in --pg-bin, or else on PATH.
func (a *app) pgTool(g globals, name string) (string, error) {
	if g.pgBin != "" {
		p := filepath.Join(g.pgBin, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return p, nil
		}
		return "", fmt.Errorf("%s is not in --pg-bin %s: %s", name, g.pgBin, installPostgresClient)
	}
	p, err := a.lookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not installed: %s", name, installPostgresClient)
	}
	return p, nil
}

// Common psql options for what this command runs itself: no ~/.psqlrc (-X),
// never a password prompt (-w: a missing password is an error), and stop
// at the first error.
var psqlScriptOptions = []string{"-X", "-w", "-v", "ON_ERROR_STOP=1"}

// psqlArgs is psql for a person: their ~/.psqlrc applies, and their own
// arguments follow the connection.
func psqlArgs(conninfo string, extra []string) []string {
	return append([]string{"--dbname=" + conninfo, "-w"}, extra...)
}

// loadArgs runs a script from standard input (fed by the progress reader)
// in one transaction that stops, and rolls back, at the first error.
func loadArgs(conninfo string) []string {
	return append(append([]string{"--dbname=" + conninfo}, psqlScriptOptions...), "-q", "--single-transaction", "-f", "-")
}

// queryArgs runs one query and prints its bare result.
func queryArgs(conninfo, sql string) []string {
	return append(append([]string{"--dbname=" + conninfo}, psqlScriptOptions...), "-q", "-A", "-t", "-c", sql)
}

// dumpArgs makes a custom-format archive (compressed, and what pg_restore
// reads selectively). It writes the file itself, so the archive records
// where each table's data is.
func dumpArgs(conninfo, file string) []string {
	return []string{"--dbname=" + conninfo, "--no-password", "--format=custom", "--file=" + file}
}

// restoreArgs restores an archive read from standard input in one
// transaction, so a failure changes nothing. --no-owner: objects belong to
// the user restoring them (the master user), whoever owned them in the
// database the dump came from.
func restoreArgs(conninfo string, clean bool) []string {
	args := []string{"--dbname=" + conninfo, "--no-password", "--no-owner", "--exit-on-error", "--single-transaction"}
	if clean {
		args = append(args, "--clean", "--if-exists")
	}
	return args
}

// serverVersionQuery returns the server's version as a number (170004).
const serverVersionQuery = "SHOW server_version_num"

// userObjectsQuery counts what a restore could collide with: relations,
// routines and types outside the system schemas, and schemas besides
// public. An empty database answers 0.
const userObjectsQuery = `SELECT
  (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)')
+ (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))
+ (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'
    AND t.typrelid = 0 AND t.typelem = 0)
+ (SELECT count(*) FROM pg_namespace
    WHERE nspname NOT IN ('public', 'pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp)')`

var toolVersion = regexp.MustCompile(`\(PostgreSQL\) (\d+)(?:\.(\d+))?`)

// toolMajor reads the major version from `pg_dump --version` ("pg_dump
// (PostgreSQL) 17.4 (Debian 17.4-1)"). Before 10 the major had two parts
// (9.6); those count as 9, older than any RDS major.
func toolMajor(versionOutput string) (int, error) {
	m := toolVersion.FindStringSubmatch(versionOutput)
	if m == nil {
		return 0, fmt.Errorf("cannot read a PostgreSQL version in %q", strings.TrimSpace(versionOutput))
	}
	return strconv.Atoi(m[1])
}

// serverMajor reads the major version from server_version_num (170004).
func serverMajor(versionNum string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(versionNum))
	if err != nil || n < 10000 {
		return 0, fmt.Errorf("cannot read the server version %q", strings.TrimSpace(versionNum))
	}
	return n / 10000, nil
}

// checkDumpVersion refuses a pg_dump older than the server: pg_dump reads
// the catalogs of its own major and older only.
func checkDumpVersion(server, dump int, dumpPath string) error {
	if dump >= server {
		return nil
	}
	return fmt.Errorf("the database runs PostgreSQL %d but %s is pg_dump %d, and pg_dump must be at least the server's major version: "+
		"install the PostgreSQL %d client (Debian/Ubuntu: postgresql-client-%d from the PostgreSQL apt repository; macOS: brew install postgresql@%d) "+
		"and pass --pg-bin with its bin directory if it is not first on PATH",
		server, dumpPath, dump, server, server, server)
}

// archiveMagic starts every pg_dump custom-format archive.
const archiveMagic = "PGDMP"

// isArchive reports whether the file starts like a custom-format archive.
func isArchive(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(archiveMagic))
	n, err := f.Read(head)
	if err != nil && n == 0 {
		if info, statErr := f.Stat(); statErr == nil && info.Size() == 0 {
			return false, nil
		}
		return false, err
	}
	return string(head[:n]) == archiveMagic, nil
}
