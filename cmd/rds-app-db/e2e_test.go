//go:build unix

package main

// The command end to end, against a real PostgreSQL 15 set up like RDS
// (TLS only, a certificate from a test CA for a made-up RDS endpoint name)
// and the connection secret in moto_server. The tunnel is the production
// code path, `aws ssm start-session`, with a fake aws on PATH whose session
// is a TCP forwarder to the server (fakeaws_test.go). Every run checks that
// the password was on no command line and that the password file is gone.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testEndpoint  = "rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com"
	otherEndpoint = "rds-app-prod-db-3f5d8e1c.c9akciq32xyz.eu-west-1.rds.amazonaws.com"
	testInstance  = "i-0a1b2c3d4e5f67890"
	testUser      = "app_admin"
	testDB        = "app"
	// connectedQuery shows who the session is and whether it uses TLS.
	connectedQuery = "select current_user, current_database(), ssl from pg_stat_ssl where pid = pg_backend_pid()"
	connectedAs    = testUser + "|" + testDB + "|t"
)

// e2e is one PostgreSQL, one moto_server and the fake aws, shared by the
// subtests, which run in order.
type e2e struct {
	pg *testenv.Postgres
	// password has what a password file must escape (":" and "\") and
	// what a keyword string must quote. token is its random part, which
	// every quoting and encoding leaves as it is: the searches for the
	// password in command lines and environments look for both.
	password, token string
	outputs         stackOutputs
	outputsFile     string
	// caFile is in a directory whose name needs quoting in a keyword
	// string and percent-encoding in a URL.
	caFile, otherCAFile string
	awsLog              string
	// tmp is TMPDIR: where the password file's directory is made.
	tmp  string
	psql string
}

func newE2E(t *testing.T) *e2e {
	psql := testenv.RequireTool(t, "psql", filepath.Join(testenv.PgBinDir, "psql"))
	testenv.RequireTool(t, "pg_dump", filepath.Join(testenv.PgBinDir, "pg_dump"))
	testenv.RequireTool(t, "pg_restore", filepath.Join(testenv.PgBinDir, "pg_restore"))
	moto := testenv.StartMoto(t)

	caDir := filepath.Join(t.TempDir(), "CA's dir")
	require.NoError(t, os.Mkdir(caDir, 0o700))
	ca, other := testenv.NewCA(t, "rds-app-db test CA"), testenv.NewCA(t, "unrelated test CA")
	e := &e2e{psql: psql, caFile: filepath.Join(caDir, "rds ca.pem"), otherCAFile: filepath.Join(caDir, "other.pem")}
	require.NoError(t, os.WriteFile(e.caFile, ca.CertPEM, 0o644))
	require.NoError(t, os.WriteFile(e.otherCAFile, other.CertPEM, 0o644))

	certPEM, keyPEM := ca.IssueServerCert(t, testEndpoint)
	e.pg = testenv.StartPostgres(t, certPEM, keyPEM)
	random := make([]byte, 8)
	_, err := rand.Read(random)
	require.NoError(t, err)
	e.token = hex.EncodeToString(random)
	e.password = `Pw:with\back'slash and space-` + e.token
	e.pg.CreateMaster(t, testUser, e.password, testDB)

	moto.UseFor(t)
	secret, err := json.Marshal(connection{Engine: "postgres", Host: testEndpoint, Port: 5432, DBName: testDB,
		Username: testUser, Password: e.password, SSLMode: "verify-full"})
	require.NoError(t, err)
	arn := moto.CreateSecret(t, "rds-app-dev-connection", string(secret))
	e.outputs = stackOutputs{DBEndpoint: testEndpoint, DBPort: 5432, DBName: testDB, DBSecretArn: arn, InstanceID: testInstance, Region: "eu-west-1"}
	e.outputsFile = writeOutputs(t, e.outputs)
	e.awsLog = installFakeAWS(t, moto.CLI(), net.JoinHostPort("127.0.0.1", strconv.Itoa(e.pg.Port)))

	e.tmp = t.TempDir()
	t.Setenv("TMPDIR", e.tmp)
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("HOME", t.TempDir()) // no ~/.psqlrc, ~/.pgpass or ~/.postgresql
	t.Setenv("LC_ALL", "C")       // untranslated messages
	// What a user's shell may have: the session's settings must win.
	t.Setenv("PGPASSWORD", "a-stale-password")
	t.Setenv("PGSSLMODE", "disable")
	t.Setenv("PGHOST", "localhost")
	return e
}

// writeOutputs writes outputs as `pulumi stack output --json` does.
func writeOutputs(t testing.TB, out stackOutputs) string {
	t.Helper()
	outputs := map[string]any{
		"dbEndpoint": out.DBEndpoint, "dbPort": out.DBPort, "dbName": out.DBName, "dbSecretArn": out.DBSecretArn,
		"instanceId": out.InstanceID, "region": out.Region, "url": "http://192.0.2.10",
	}
	if out.Proxy() {
		outputs["dbInstanceEndpoint"] = out.DBInstanceEndpoint
	}
	if out.IAMAuth() {
		outputs["dbConnectArn"] = out.DBConnectArn
	}
	data, err := json.MarshalIndent(outputs, "", "  ")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "outputs.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// result is one run of the command.
type result struct {
	code           int
	stdout, stderr string
	// cmds are the command lines and environments it started.
	cmds []recordedCmd
}

type recordedCmd struct{ args, env []string }

// run runs the command in this process, with the test's flags first.
// It may be called from another goroutine: it asserts, never requires.
func (e *e2e) run(t *testing.T, stdin io.Reader, args ...string) result {
	return e.runWith(t, stdin, e.outputsFile, e.caFile, args...)
}

func (e *e2e) runWith(t *testing.T, stdin io.Reader, outputsFile, caFile string, args ...string) result {
	return e.runOpts(t, runOpts{stdin: stdin, outputsFile: outputsFile, caFile: caFile}, args...)
}

// runOpts are what a run may change.
type runOpts struct {
	stdin               io.Reader
	outputsFile, caFile string
	// interrupts stands for the terminal's Ctrl-C (main's os.Interrupt).
	interrupts <-chan os.Signal
}

func (e *e2e) runOpts(t *testing.T, o runOpts, args ...string) result {
	var stdout, stderr bytes.Buffer
	a := newApp(o.stdin, &stdout, &stderr)
	a.interrupts = o.interrupts
	var mu sync.Mutex
	var cmds []recordedCmd
	a.observe = func(c *exec.Cmd) {
		mu.Lock()
		defer mu.Unlock()
		cmds = append(cmds, recordedCmd{args: slices.Clone(c.Args), env: slices.Clone(c.Env)})
	}
	// A bound on a stuck run, not a timed assertion.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code := a.run(ctx, append([]string{"--outputs", o.outputsFile, "--ca-bundle", o.caFile, "--pg-bin", testenv.PgBinDir}, args...))
	r := result{code: code, stdout: strings.TrimSpace(stdout.String()), stderr: stderr.String(), cmds: cmds}
	e.checkClean(t, r)
	return r
}

// checkClean checks what must hold after every run: the password on no
// command line; the client tools given the password file, never a
// PGPASSWORD; the password file removed; the tunnel stopped.
func (e *e2e) checkClean(t *testing.T, r result) {
	for _, c := range r.cmds {
		for _, arg := range c.args {
			assert.False(t, e.hasPassword(arg), "the password is in the command line of %s", c.args[0])
		}
		if c.env == nil {
			continue // pulumi and aws: the user's environment, as it is
		}
		assert.Contains(t, strings.Join(c.env, "\n"), "PGPASSFILE="+e.tmp, "%s gets the session's password file", c.args[0])
		for _, kv := range c.env {
			assert.False(t, strings.HasPrefix(kv, "PGPASSWORD="), "%s gets no PGPASSWORD", c.args[0])
			assert.False(t, e.hasPassword(kv), "%s has the password in its environment", c.args[0])
		}
	}
	left, err := filepath.Glob(filepath.Join(e.tmp, "rds-app-db-*"))
	assert.NoError(t, err)
	assert.Empty(t, left, "the password file's directory is removed")
	for _, c := range r.cmds {
		if port := sessionPort(c.args); port != "" {
			_, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
			assert.Error(t, err, "the tunnel on port %s is stopped", port)
		}
	}
}

// hasPassword reports whether s holds the password, quoted or not, or an
// IAM authentication token the fake aws made.
func (e *e2e) hasPassword(s string) bool {
	if strings.Contains(s, e.password) || strings.Contains(s, e.token) {
		return true
	}
	return slices.ContainsFunc(e.tokens(), func(token string) bool { return strings.Contains(s, token) })
}

// tokens are the IAM authentication tokens the fake aws made so far, in
// order. It may be called from another goroutine: it never fails the test.
func (e *e2e) tokens() []string {
	data, _ := os.ReadFile(e.awsLog)
	var tokens []string
	for _, line := range strings.Split(string(data), "\n") {
		var ev fakeAWSEvent
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Token != "" {
			tokens = append(tokens, ev.Token)
		}
	}
	return tokens
}

// sessionPort is the local port of an `aws ssm start-session` command line.
func sessionPort(args []string) string {
	if len(args) < 3 || args[1] != "ssm" || args[2] != "start-session" {
		return ""
	}
	var params map[string][]string
	if err := json.Unmarshal([]byte(args[len(args)-1]), &params); err != nil || len(params["localPortNumber"]) != 1 {
		return ""
	}
	return params["localPortNumber"][0]
}

// psqlOf returns the psql command line of a run.
func psqlOf(t *testing.T, r result) []string {
	t.Helper()
	for _, c := range r.cmds {
		if filepath.Base(c.args[0]) == "psql" {
			return c.args
		}
	}
	t.Fatalf("no psql was run; stderr: %s", r.stderr)
	return nil
}

// query runs a query through the command's psql.
func (e *e2e) query(t *testing.T, sql string) string {
	t.Helper()
	r := e.run(t, nil, "psql", "--", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql)
	require.Equal(t, 0, r.code, r.stderr)
	return r.stdout
}

func TestThroughTheTunnel(t *testing.T) {
	if !inOwnProcess(t) {
		return
	}
	started := time.Now()
	t.Cleanup(func() { t.Logf("took %s", time.Since(started).Round(time.Millisecond)) })
	e := newE2E(t)

	t.Run("psql connects with verify-full against the endpoint name, through the tunnel", func(t *testing.T) {
		before := len(readAWSLog(t, e.awsLog))
		r := e.run(t, nil, "psql", "--", "-X", "-A", "-t", "-c", connectedQuery)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, connectedAs, r.stdout)

		// The tunnel is the production command line, and the connection
		// went through it to the endpoint.
		var session []string
		for _, c := range r.cmds {
			if sessionPort(c.args) != "" {
				session = c.args
			}
		}
		require.NotNil(t, session, "aws ssm start-session was run")
		port, err := strconv.Atoi(sessionPort(session))
		require.NoError(t, err)
		assert.Equal(t, ssmStartSessionArgs(tunnelTarget{Region: "eu-west-1", InstanceID: testInstance, Host: testEndpoint, RemotePort: 5432, LocalPort: port}), session[1:])
		var forwarded []string
		for _, ev := range readAWSLog(t, e.awsLog)[before:] {
			if ev.Forwarded != "" {
				forwarded = append(forwarded, ev.Forwarded)
			}
		}
		// Two: the tunnel's readiness check, then psql.
		assert.Equal(t, []string{testEndpoint, testEndpoint}, forwarded, "the connections the session forwarded, by remote host")

		conninfo := strings.TrimPrefix(psqlOf(t, r)[1], "--dbname=")
		assert.Equal(t, fmt.Sprintf("host=%s hostaddr=127.0.0.1 port=%d dbname=app user=app_admin sslmode=verify-full sslrootcert=%s",
			testEndpoint, port, quoteKeywordValue(e.caFile)), conninfo)
	})

	t.Run("psql's exit status is the command's", func(t *testing.T) {
		r := e.run(t, nil, "psql", "--", "-X", "-c", "select 1/0")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "division by zero")
	})

	t.Run("while psql runs, the password is in no process's command line or environment", func(t *testing.T) {
		e.checkRunningPsql(t, func() string { return `Pw\:with\\back'slash and space-` + e.token })
	})

	t.Run("Ctrl-C cancels psql's query through the tunnel, and the command goes on", func(t *testing.T) {
		e.checkCtrlC(t)
	})

	t.Run("a certificate for another name is refused", func(t *testing.T) {
		out := e.outputs
		out.DBEndpoint = otherEndpoint
		r := e.runWith(t, nil, writeOutputs(t, out), e.caFile, "psql", "--", "-X", "-c", connectedQuery)
		assert.Equal(t, 2, r.code, "psql could not connect")
		assert.Contains(t, r.stderr, fmt.Sprintf(`server certificate for "%s" does not match host name "%s"`, testEndpoint, otherEndpoint))
		assert.NotContains(t, r.stdout, connectedAs)
	})

	t.Run("a server the CA did not sign is refused", func(t *testing.T) {
		r := e.runWith(t, nil, e.outputsFile, e.otherCAFile, "psql", "--", "-X", "-c", connectedQuery)
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, "certificate verify failed")
	})

	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.sql")
	require.NoError(t, os.WriteFile(seed, []byte(`-- a schema and its rows
CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 1000) AS i;
`), 0o644))

	t.Run("load runs a file in one transaction", func(t *testing.T) {
		r := e.run(t, nil, "load", seed)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stderr, "rds-app-db: loaded "+seed)
		assert.Equal(t, "1000", e.query(t, "select count(*) from items"))
	})

	t.Run("a load that fails changes nothing", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.sql")
		require.NoError(t, os.WriteFile(bad, []byte("CREATE TABLE half (id int);\nINSERT INTO items VALUES (1001, 'x');\nSELECT 1/0;\n"), 0o644))
		r := e.run(t, nil, "load", bad)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "division by zero")
		assert.Contains(t, r.stderr, "it ran in one transaction, which was rolled back, so nothing was changed")
		assert.Equal(t, "", e.query(t, "select to_regclass('half')"))
		assert.Equal(t, "1000", e.query(t, "select count(*) from items"))
	})

	dump := filepath.Join(dir, "app.dump")
	t.Run("dump writes a custom-format archive only this user can read", func(t *testing.T) {
		r := e.run(t, nil, "dump", dump)
		require.Equal(t, 0, r.code, r.stderr)
		info, err := os.Stat(dump)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
		isDump, err := isArchive(dump)
		require.NoError(t, err)
		assert.True(t, isDump)
		assert.NoFileExists(t, dump+".partial")

		again := e.run(t, nil, "dump", dump)
		assert.Equal(t, 1, again.code)
		assert.Contains(t, again.stderr, "already exists")
	})

	t.Run("load and restore refuse each other's files", func(t *testing.T) {
		r := e.run(t, nil, "load", dump)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "is a pg_dump archive, not SQL: use rds-app-db restore")
		r = e.run(t, nil, "restore", seed)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "is not a pg_dump custom-format archive")
	})

	t.Run("restore refuses a database that is not empty", func(t *testing.T) {
		r := e.run(t, nil, "restore", dump)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, `database "app" is not empty`)
		assert.Contains(t, r.stderr, "restore --clean")
	})

	t.Run("restore --clean replaces what the archive holds", func(t *testing.T) {
		e.query(t, "delete from items where id > 10")
		r := e.run(t, nil, "restore", "--clean", dump)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "1000", e.query(t, "select count(*) from items"))
	})

	t.Run("restore into an empty database", func(t *testing.T) {
		e.query(t, "drop table items")
		r := e.run(t, nil, "restore", dump)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stderr, "rds-app-db: restored "+dump)
		assert.Equal(t, "1000|1000", e.query(t, "select count(*), max(id) from items"))
	})

	t.Run("a pg_dump older than the server is refused before it runs", func(t *testing.T) {
		bin := t.TempDir()
		for _, tool := range []string{"psql", "pg_restore"} {
			require.NoError(t, os.Symlink(filepath.Join(testenv.PgBinDir, tool), filepath.Join(bin, tool)))
		}
		require.NoError(t, os.WriteFile(filepath.Join(bin, "pg_dump"),
			[]byte("#!/bin/sh\n[ \"$1\" = --version ] && echo 'pg_dump (PostgreSQL) 14.11' && exit 0\necho 'should not run' >&2\nexit 1\n"), 0o755))
		old := filepath.Join(dir, "old.dump")
		r := e.run(t, nil, "--pg-bin", bin, "dump", old)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, fmt.Sprintf("the database runs PostgreSQL 15 but %s is pg_dump 14", filepath.Join(bin, "pg_dump")))
		assert.NotContains(t, r.stderr, "should not run")
		assert.NoFileExists(t, old)
		assert.NoFileExists(t, old+".partial")
	})

	t.Run("a host that is not SSM-managed yet is explained", func(t *testing.T) {
		out := e.outputs
		out.InstanceID = offlineInstance
		r := e.runWith(t, nil, writeOutputs(t, out), e.caFile, "psql", "--", "-X", "-c", "select 1")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "the tunnel failed: host "+offlineInstance+" is not connected to Session Manager. It is not SSM-managed yet")
	})

	t.Run("Ctrl-C while the tunnel opens stops the session and the command", func(t *testing.T) {
		out := e.outputs
		out.InstanceID = slowInstance
		interrupts := make(chan os.Signal)
		done := make(chan result, 1)
		go func() {
			done <- e.runOpts(t, runOpts{outputsFile: writeOutputs(t, out), caFile: e.caFile, interrupts: interrupts}, "psql")
		}()
		for !slices.ContainsFunc(readAWSLog(t, e.awsLog), func(ev fakeAWSEvent) bool { return slices.Contains(ev.Argv, slowInstance) }) {
			select {
			case r := <-done:
				t.Fatalf("the command ended before the session started (status %d): %s", r.code, r.stderr)
			case <-time.After(50 * time.Millisecond):
			}
		}
		interrupts <- os.Interrupt
		// run returns only once the session's process has ended.
		r := <-done
		assert.Equal(t, 130, r.code)
		assert.Equal(t, "rds-app-db: interrupted\n", r.stderr)
	})

	t.Run("tunnel stays open for other tools until stopped, and url names it", func(t *testing.T) {
		e.checkTunnelAndURL(t)
	})
}

// checkRunningPsql starts the psql command with its input on a pipe, so
// that it waits, connected, while this test reads every child process's
// command line and environment from /proc. passfileField is the password
// file's last field, escaped, once psql has connected.
func (e *e2e) checkRunningPsql(t *testing.T, passfileField func() string) {
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		if testenv.InCI() {
			t.Fatal("no /proc to read command lines from")
		}
		t.Skip("no /proc to read command lines from")
	}
	stdin, input, err := os.Pipe()
	require.NoError(t, err)
	defer stdin.Close()
	done := make(chan result, 1)
	go func() { done <- e.run(t, stdin, "psql", "--", "-X", "-A", "-t") }()

	// Wait for psql to appear; it then waits for its input.
	var psql *process
	for {
		for _, p := range childProcesses(t) {
			if p.comm == "psql" {
				psql = &p
			}
		}
		if psql != nil {
			break
		}
		select {
		case r := <-done:
			_ = input.Close()
			t.Fatalf("the command ended before psql was seen (status %d): %s", r.code, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}

	children := childProcesses(t)
	var comms []string
	for _, p := range children {
		comms = append(comms, p.comm)
		assert.False(t, e.hasPassword(strings.Join(p.cmdline, " ")), "the password is in the command line of %s (%d)", p.comm, p.pid)
		assert.False(t, e.hasPassword(strings.Join(p.environ, "\n")), "the password is in the environment of %s (%d)", p.comm, p.pid)
	}
	assert.Contains(t, comms, "psql")
	self := filepath.Base(os.Args[0])
	if len(self) > 15 {
		self = self[:15] // the kernel keeps 15 bytes of a command's name
	}
	assert.Contains(t, comms, self, "the fake aws session (this test binary) is running too")

	var passfile string
	for _, kv := range psql.environ {
		if v, ok := strings.CutPrefix(kv, "PGPASSFILE="); ok {
			passfile = v
		}
		assert.False(t, strings.HasPrefix(kv, "PGPASSWORD="), "psql has no PGPASSWORD")
	}
	require.NotEmpty(t, passfile, "psql has PGPASSFILE")
	info, err := os.Stat(passfile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	dirInfo, err := os.Stat(filepath.Dir(passfile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dirInfo.Mode().Perm())
	content, err := os.ReadFile(passfile)
	require.NoError(t, err)
	port := strings.Split(string(content), ":")[1]
	assert.Equal(t, testEndpoint+":"+port+":*:app_admin:"+passfileField()+"\n", string(content),
		"host:port:database:user:password, with : and \\ escaped")

	_, err = io.WriteString(input, connectedQuery+";\n")
	require.NoError(t, err)
	require.NoError(t, input.Close())
	r := <-done
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, connectedAs, r.stdout)
	assert.NoFileExists(t, passfile)
}

// checkCtrlC does what Ctrl-C at a terminal does while psql runs a query:
// SIGINT to psql and to this command, which are in the terminal's
// foreground process group (the tunnel is not). psql sends PostgreSQL a
// cancel request, over a new connection through the tunnel; the command
// keeps the tunnel up so that the answer comes back, and psql ends with
// the query's error.
func (e *e2e) checkCtrlC(t *testing.T) {
	const sleep = "select pg_sleep(600) as ctrl_c_test"
	// Unbuffered: the command has taken the interrupt before psql gets its
	// signal.
	interrupts := make(chan os.Signal)
	done := make(chan result, 1)
	go func() {
		done <- e.runOpts(t, runOpts{outputsFile: e.outputsFile, caFile: e.caFile, interrupts: interrupts}, "psql", "--", "-X", "-c", sleep)
	}()
	// Wait until the server runs the query: a signal before it is sent
	// would test psql's start-up instead.
	for e.pg.SuperSQL(t, "postgres", "select count(*) from pg_stat_activity where state = 'active' and query = '"+sleep+"'") != "1" {
		select {
		case r := <-done:
			t.Fatalf("psql ended before its query ran (status %d): %s", r.code, r.stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	var psql *process
	for _, p := range childProcesses(t) {
		if p.comm == "psql" {
			psql = &p
		}
	}
	require.NotNil(t, psql)
	interrupts <- os.Interrupt
	require.NoError(t, syscall.Kill(psql.pid, syscall.SIGINT))
	r := <-done
	assert.Equal(t, 1, r.code, "psql's status for a failed query")
	assert.Contains(t, r.stderr, "canceling statement due to user request")
	assert.NotContains(t, r.stderr, "interrupted", "the command was not stopped by Ctrl-C")
}

// checkTunnelAndURL runs `tunnel` until its context is cancelled (Ctrl-C
// in main), connects a separate psql with what it prints, and checks that
// `url` prints working connection strings for it.
func (e *e2e) checkTunnelAndURL(t *testing.T) {
	stdoutR, stdoutW := io.Pipe()
	var stderr bytes.Buffer
	a := newApp(nil, stdoutW, &stderr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		code := a.run(ctx, []string{"--outputs", e.outputsFile, "--ca-bundle", e.caFile, "tunnel"})
		_ = stdoutW.Close()
		done <- code
	}()
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	require.NoError(t, err, "tunnel printed nothing; stderr: %s", stderr.String())
	keywords := strings.TrimSpace(line)
	var port string
	for _, f := range strings.Fields(keywords) {
		if v, ok := strings.CutPrefix(f, "port="); ok {
			port = v
		}
	}
	require.NotEmpty(t, port, keywords)
	assert.Contains(t, keywords, "host="+testEndpoint+" hostaddr=127.0.0.1 port="+port)
	assert.NotContains(t, keywords, "password")

	// Another program, given the printed settings and the password in its
	// environment, connects through the tunnel with verify-full.
	out, err := e.directPsql(t, map[string]string{"PGPASSWORD": e.password}, "--dbname="+keywords, "-c", connectedQuery)
	require.NoError(t, err, out)
	assert.Equal(t, connectedAs, out)

	r := e.run(t, nil, "url", "--port", port)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, fmt.Sprintf("postgresql://app_admin:REDACTED@%s:%s/app?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=%s",
		testEndpoint, port, uriQueryEscape(e.caFile)), r.stdout)
	assert.Contains(t, r.stderr, "the password is redacted; --show-password prints it")

	r = e.run(t, nil, "url", "--port", port, "--keywords")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, strings.Replace(keywords, " sslmode=", " password=REDACTED sslmode=", 1), r.stdout)

	// With --show-password both forms work as they are. This test's own
	// psql takes them as arguments, as a person's tool would: only this
	// check puts the password on a command line.
	for _, form := range [][]string{{"url", "--port", port, "--show-password"}, {"url", "--keywords", "--port", port, "--show-password"}} {
		r = e.run(t, nil, form...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.NotContains(t, r.stderr, "redacted")
		out, err := e.directPsql(t, nil, "--dbname="+r.stdout, "-c", connectedQuery)
		require.NoError(t, err, "%v: %s", form, out)
		assert.Equal(t, connectedAs, out)
	}

	cancel()
	assert.Equal(t, 0, <-done, stderr.String())
	_, err = net.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
	assert.Error(t, err, "the tunnel is closed")
}

// directPsql runs psql itself, with vars as its only PG settings.
func (e *e2e) directPsql(t *testing.T, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.psql, append([]string{"-X", "-w", "-A", "-t"}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + t.TempDir()}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// process is one child of this test process, as /proc shows it.
type process struct {
	pid              int
	comm             string
	cmdline, environ []string
}

// childProcesses lists this process's children from /proc. A child that
// ends while it is read is left out.
func childProcesses(t *testing.T) []process {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	self := os.Getpid()
	var out []process
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
		s := string(stat)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 2 || fields[1] != strconv.Itoa(self) {
			continue
		}
		cmdline, err1 := os.ReadFile(filepath.Join("/proc", ent.Name(), "cmdline"))
		environ, err2 := os.ReadFile(filepath.Join("/proc", ent.Name(), "environ"))
		if err := errors.Join(err1, err2); err != nil {
			continue
		}
		out = append(out, process{pid: pid, comm: s[open+1 : closing],
			cmdline: strings.Split(string(cmdline), "\x00"), environ: strings.Split(string(environ), "\x00")})
	}
	return out
}
