//go:build unix

package main

// The command with database.proxyIamAuth, end to end like the other
// connections (e2e_test.go): the real AWS CLI makes each token, and the
// fake aws then makes that token, and only it, the user's password in the
// test's PostgreSQL, so a connection proves which token signed in.

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testConnectArn = "arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-0123456789abcdef0/" + testUser

// newIAME2E is newE2E for a stack whose proxy takes IAM tokens: the test
// server's name stands for the proxy's.
func newIAME2E(t *testing.T) *e2e {
	e := newE2E(t)
	e.outputs.DBInstanceEndpoint = otherEndpoint
	e.outputs.DBConnectArn = testConnectArn
	e.outputsFile = writeOutputs(t, e.outputs)
	role, err := json.Marshal(tokenRole{Psql: e.pg.Psql, SocketDir: e.pg.SocketDir, Port: e.pg.Port, Role: testUser})
	require.NoError(t, err)
	t.Setenv(fakeAWSTokenRole, string(role))
	return e
}

// lastToken is the token the server takes now.
func (e *e2e) lastToken(t *testing.T) string {
	t.Helper()
	tokens := e.tokens()
	require.NotEmpty(t, tokens, "the fake aws made a token")
	return tokens[len(tokens)-1]
}

// steps are what a run started, in order: the AWS CLI's commands by name
// ("rds generate-db-auth-token") and the client tools by program, leaving
// out pg_dump --version, which connects nowhere.
func steps(r result) []string {
	var out []string
	for _, c := range r.cmds {
		switch name := filepath.Base(c.args[0]); {
		case name == "aws" && len(c.args) >= 3:
			out = append(out, c.args[1]+" "+c.args[2])
		case len(c.args) == 2 && c.args[1] == "--version":
		default:
			out = append(out, name)
		}
	}
	return out
}

// directToServer is a libpq connection to the test server itself, with
// verify-full against the endpoint's name, for a check that needs no
// tunnel.
func (e *e2e) directToServer() string {
	return fmt.Sprintf("host=%s hostaddr=127.0.0.1 port=%d dbname=%s user=%s sslmode=verify-full sslrootcert=%s",
		testEndpoint, e.pg.Port, testDB, testUser, quoteKeywordValue(e.caFile))
}

func TestIAMAuthThroughTheTunnel(t *testing.T) {
	if !inOwnProcess(t) {
		return
	}
	e := newIAME2E(t)

	t.Run("psql signs in with a token made for the proxy's name and port, not with the password", func(t *testing.T) {
		r := e.run(t, nil, "psql", "--", "-X", "-A", "-t", "-c", connectedQuery)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, connectedAs, r.stdout)
		assert.Equal(t, []string{"secretsmanager get-secret-value", "ssm start-session", "rds generate-db-auth-token", "psql"}, steps(r))
		for _, c := range r.cmds {
			if len(c.args) > 1 && c.args[1] == "rds" {
				assert.Equal(t, []string{"rds", "generate-db-auth-token", "--hostname", testEndpoint, "--port", "5432",
					"--username", testUser, "--region", "eu-west-1"}, c.args[1:], "the endpoint's real name and port, not the tunnel's")
			}
		}
		// What the real AWS CLI made: a SigV4 presigned request to connect,
		// for rds-db, valid for 15 minutes.
		token := e.lastToken(t)
		assert.True(t, strings.HasPrefix(token, testEndpoint+":5432/?Action=connect&DBUser="+testUser+"&X-Amz-Algorithm=AWS4-HMAC-SHA256&"), token)
		assert.Contains(t, token, "%2Feu-west-1%2Frds-db%2Faws4_request")
		assert.Contains(t, token, "X-Amz-Expires=900")

		// The server takes the token now, and refuses the secret's password:
		// psql signed in with the token.
		out, err := e.directPsql(t, map[string]string{"PGPASSWORD": e.password}, "--dbname="+e.directToServer(), "-c", "select 1")
		assert.Error(t, err)
		assert.Contains(t, out, `password authentication failed for user "`+testUser+`"`)
		out, err = e.directPsql(t, map[string]string{"PGPASSWORD": token}, "--dbname="+e.directToServer(), "-c", connectedQuery)
		require.NoError(t, err, out)
		assert.Equal(t, connectedAs, out)
	})

	t.Run("while psql runs, the token is in the password file and in no command line or environment", func(t *testing.T) {
		e.checkRunningPsql(t, func() string { return strings.ReplaceAll(e.lastToken(t), ":", `\:`) })
	})

	// The user's table, made without the command: psql's token is shown
	// above, and each AWS CLI run takes seconds.
	e.pg.SuperSQL(t, testDB, "SET ROLE "+testUser+";\nCREATE TABLE items (id integer PRIMARY KEY);\nINSERT INTO items SELECT generate_series(1, 100);\n")
	dump := filepath.Join(t.TempDir(), "app.dump")

	t.Run("dump and restore make a token just before each tool connects", func(t *testing.T) {
		// Each token replaces the last as the server's password: pg_dump
		// and pg_restore sign in only with the one made after the check
		// psql ran before them.
		before := len(e.tokens())
		r := e.run(t, nil, "dump", dump)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, []string{"secretsmanager get-secret-value", "ssm start-session",
			"rds generate-db-auth-token", "psql", "rds generate-db-auth-token", "pg_dump"}, steps(r))
		assert.Len(t, e.tokens(), before+2)

		e.pg.SuperSQL(t, testDB, "DELETE FROM items WHERE id > 10")
		r = e.run(t, nil, "restore", "--clean", dump)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, []string{"secretsmanager get-secret-value", "ssm start-session",
			"rds generate-db-auth-token", "psql", "rds generate-db-auth-token", "pg_restore"}, steps(r))
		assert.Equal(t, "100", e.pg.SuperSQL(t, testDB, "SELECT count(*) FROM items"))
	})

	t.Run("url --show-password prints a token that signs in; without it the token is redacted", func(t *testing.T) {
		// url opens no tunnel: its port here is the server's own.
		port := strconv.Itoa(e.pg.Port)
		r := e.run(t, nil, "url", "--port", port, "--keywords")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "password=REDACTED")
		assert.Contains(t, r.stderr, "the proxy takes an IAM authentication token (database.proxyIamAuth), which --show-password prints, valid for 15 minutes")
		assert.NotContains(t, steps(r), "rds generate-db-auth-token", "no token is made to be redacted")

		// The URL form, whose encoding the token's own %, & and = go
		// through. This test's own psql takes it as an argument, as a
		// person's tool would.
		r = e.run(t, nil, "url", "--port", port, "--show-password")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stderr, "the password is an IAM authentication token (database.proxyIamAuth): connect within 15 minutes, or run this again for a new one")
		assert.NotContains(t, r.stdout, e.token, "not the secret's password")
		out, err := e.directPsql(t, nil, "--dbname="+r.stdout, "-c", connectedQuery)
		require.NoError(t, err, out)
		assert.Equal(t, connectedAs, out)
	})
}
