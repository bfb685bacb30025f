package testenv

// A throwaway PostgreSQL set up like RDS with rds.force_ssl=1: loopback
// only, TCP with TLS only (scram-sha-256), a server certificate the test
// chooses, and a bootstrap superuser reachable only over the cluster's
// private unix socket.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// PgBootstrapUser is initdb's superuser, reachable only through the
// cluster's private unix socket; it only sets the cluster up.
const PgBootstrapUser = "postgres"

// Postgres is a PostgreSQL cluster on 127.0.0.1, stopped when the test
// ends (and killed with the test process).
type Postgres struct {
	Port      int
	SocketDir string
	// Psql is the psql of PgBinDir (or PATH's).
	Psql    string
	dir     string
	data    string
	logFile string
	// cred is the unprivileged user the server runs as when the tests run
	// as root (PostgreSQL refuses to run as root); nil otherwise.
	cred *syscall.Credential
}

// StartPostgres starts a cluster serving TLS with the given certificate and
// key (PEM).
func StartPostgres(t testing.TB, certPEM, keyPEM []byte) *Postgres {
	t.Helper()
	initdb := RequireTool(t, "initdb", filepath.Join(PgBinDir, "initdb"))
	pgCtl := RequireTool(t, "pg_ctl", filepath.Join(PgBinDir, "pg_ctl"))
	RequireTool(t, "postgres", filepath.Join(PgBinDir, "postgres"))
	psql := RequireTool(t, "psql", filepath.Join(PgBinDir, "psql"))

	// A short path of its own, not t.TempDir(): a unix socket path is
	// limited to about 100 bytes, and when the server runs as nobody every
	// directory above its files must be open to it.
	dir, err := os.MkdirTemp("", "rds-app-pg-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	c := &Postgres{
		dir:       dir,
		data:      filepath.Join(dir, "data"),
		SocketDir: filepath.Join(dir, "sock"),
		logFile:   filepath.Join(dir, "server.log"),
		Psql:      psql,
	}
	if os.Geteuid() == 0 {
		c.cred = nobodyCredential(t)
	}
	c.Own(t, dir)
	require.NoError(t, os.Mkdir(c.SocketDir, 0o700))
	c.Own(t, c.SocketDir)
	certFile := WriteTemp(t, dir, "server.crt", string(certPEM), 0o644)
	keyFile := WriteTemp(t, dir, "server.key", string(keyPEM), 0o600)
	c.Own(t, certFile)
	c.Own(t, keyFile) // the server refuses a key that others can read

	out, err := c.command(initdb, "-D", c.data, "-U", PgBootstrapUser, "--auth-local=trust", "--auth-host=reject",
		"--no-locale", "--encoding=UTF8", "--no-sync", "--no-instructions").CombinedOutput()
	require.NoError(t, err, "initdb: %s", out)

	c.Port = FreePort(t)
	conf, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fmt.Fprintf(conf, `
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
unix_socket_permissions = 0700
ssl = on
ssl_cert_file = '%s'
ssl_key_file = '%s'
password_encryption = 'scram-sha-256'
max_connections = 20
shared_buffers = 16MB
fsync = off
`, c.Port, c.SocketDir, certFile, keyFile)
	require.NoError(t, err)
	require.NoError(t, conf.Close())
	// TCP only with TLS, as rds.force_ssl=1 makes it on RDS; the socket
	// (private to the server's user) is for the bootstrap superuser.
	require.NoError(t, os.WriteFile(filepath.Join(c.data, "pg_hba.conf"), []byte(
		"local   all  "+PgBootstrapUser+"  trust\n"+
			"hostssl all  all  127.0.0.1/32  scram-sha-256\n"), 0o600))

	t.Cleanup(func() {
		if out, err := c.command(pgCtl, "-D", c.data, "-m", "fast", "-w", "-s", "stop").CombinedOutput(); err != nil {
			t.Logf("pg_ctl stop: %v: %s", err, out)
		}
	})
	out, err = c.command(pgCtl, "-D", c.data, "-l", c.logFile, "-w", "-t", "60", "-s", "start").CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(c.logFile)
		t.Fatalf("pg_ctl start: %v: %s\nserver log:\n%s", err, out, log)
	}
	// pg_ctl leaves the server running detached from the test; the
	// postmaster's PID is the first line of postmaster.pid. Its backends
	// exit when it dies.
	if pidFile, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid")); err == nil {
		first, _, _ := strings.Cut(string(pidFile), "\n")
		if pid, err := strconv.Atoi(strings.TrimSpace(first)); err == nil {
			require.NoError(t, ReapProcess(pid))
		}
	}
	return c
}

// CreateMaster creates the master user and its database, as RDS does. The
// password reaches psql on stdin, never on its command line.
func (c *Postgres) CreateMaster(t testing.TB, user, password, db string) {
	t.Helper()
	c.SuperSQL(t, "postgres", fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s';\nCREATE DATABASE %s OWNER %s;\n",
		user, strings.ReplaceAll(password, "'", "''"), db, user))
}

// SuperSQL runs SQL in database db as the bootstrap superuser over the
// private socket and returns its bare output.
func (c *Postgres) SuperSQL(t testing.TB, db, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Psql, "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", c.SocketDir, "-p", strconv.Itoa(c.Port), "-U", PgBootstrapUser, "-d", db)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + c.dir}
	cmd.Stdin = strings.NewReader(sql)
	out, err := cmd.Output()
	var stderr []byte
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		stderr = exitErr.Stderr
	}
	require.NoError(t, err, "psql as %s: %s", PgBootstrapUser, stderr)
	return strings.TrimSpace(string(out))
}

// command runs a server program as the server's user, in a clean
// environment with untranslated messages.
func (c *Postgres) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + c.dir}
	cmd.Dir = c.dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	// pg_ctl's server keeps running; never wait on inherited pipes for long.
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// Own hands a path to the server's user when the tests run as root.
func (c *Postgres) Own(t testing.TB, path string) {
	t.Helper()
	if c.cred != nil {
		require.NoError(t, os.Chown(path, int(c.cred.Uid), int(c.cred.Gid)))
	}
}

// nobodyCredential is the unprivileged user "nobody", with no
// supplementary groups.
func nobodyCredential(t testing.TB) *syscall.Credential {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			Missing(t, "running as root, and there is no user nobody to run PostgreSQL as")
		}
		require.NoError(t, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	require.NoError(t, err)
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	require.NoError(t, err)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
}
