//go:build unix

package main

// A throwaway PostgreSQL set up like RDS with rds.force_ssl=1: loopback
// only, TCP with TLS only, a server certificate from a test CA for a
// made-up RDS endpoint name, and a master user with a password.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
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

// pgBootstrapUser is initdb's superuser, reachable only through the
// cluster's private unix socket; it only sets the cluster up.
const pgBootstrapUser = "postgres"

// testCA is a throwaway certificate authority.
type testCA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
}

func newTestCA(t testing.TB, name string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(t),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return testCA{cert: cert, key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issueServerCert returns a server certificate for one DNS name (no IP
// address, so only a client that checks that name can pass verify-full)
// and its key, both PEM.
func (ca testCA) issueServerCert(t testing.TB, dnsName string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(t),
		Subject:      pkix.Name{CommonName: dnsName},
		DNSNames:     []string{dnsName},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

func randomSerial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	require.NoError(t, err)
	return n
}

// pgCluster is a PostgreSQL cluster on 127.0.0.1, stopped when the test
// ends.
type pgCluster struct {
	Port      int
	SocketDir string
	dir       string
	data      string
	psql      string
	// cred is the unprivileged user the server runs as when the tests run
	// as root (PostgreSQL refuses to run as root); nil otherwise.
	cred *syscall.Credential
}

func startPostgres(t testing.TB, certPEM, keyPEM []byte) *pgCluster {
	t.Helper()
	initdb := requireTool(t, "initdb", filepath.Join(pgBinDir, "initdb"))
	pgCtl := requireTool(t, "pg_ctl", filepath.Join(pgBinDir, "pg_ctl"))
	requireTool(t, "postgres", filepath.Join(pgBinDir, "postgres"))
	psql := requireTool(t, "psql", filepath.Join(pgBinDir, "psql"))

	// A short path of its own: a unix socket path is limited to about 100
	// bytes, and when the server runs as nobody every directory above its
	// files must be open to it.
	dir, err := os.MkdirTemp("", "rds-app-db-pg-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	c := &pgCluster{dir: dir, data: filepath.Join(dir, "data"), SocketDir: filepath.Join(dir, "sock"), psql: psql}
	if os.Geteuid() == 0 {
		c.cred = nobodyCredential(t)
	}
	c.own(t, dir)
	require.NoError(t, os.Mkdir(c.SocketDir, 0o700))
	c.own(t, c.SocketDir)
	certFile, keyFile := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	require.NoError(t, os.WriteFile(certFile, certPEM, 0o644))
	require.NoError(t, os.WriteFile(keyFile, keyPEM, 0o600)) // the server refuses a key others can read
	c.own(t, certFile)
	c.own(t, keyFile)

	out, err := c.command(initdb, "-D", c.data, "-U", pgBootstrapUser, "--auth-local=trust", "--auth-host=reject",
		"--no-locale", "--encoding=UTF8", "--no-sync", "--no-instructions").CombinedOutput()
	require.NoError(t, err, "initdb: %s", out)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	c.Port = l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	conf := fmt.Sprintf(`
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
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(conf)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	// TCP with TLS only, as rds.force_ssl=1 makes it on RDS.
	require.NoError(t, os.WriteFile(filepath.Join(c.data, "pg_hba.conf"), []byte(
		"local   all  "+pgBootstrapUser+"  trust\n"+
			"hostssl all  all  127.0.0.1/32  scram-sha-256\n"), 0o600))

	logFile := filepath.Join(dir, "server.log")
	t.Cleanup(func() {
		if out, err := c.command(pgCtl, "-D", c.data, "-m", "fast", "-w", "-s", "stop").CombinedOutput(); err != nil {
			t.Logf("pg_ctl stop: %v: %s", err, out)
		}
	})
	out, err = c.command(pgCtl, "-D", c.data, "-l", logFile, "-w", "-t", "60", "-s", "start").CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(logFile)
		t.Fatalf("pg_ctl start: %v: %s\nserver log:\n%s", err, out, log)
	}
	return c
}

// createMaster creates the master user and its database, as RDS does. The
// password reaches psql on stdin, never on its command line.
func (c *pgCluster) createMaster(t testing.TB, user, password, db string) {
	t.Helper()
	c.superSQL(t, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s';\nCREATE DATABASE %s OWNER %s;\n",
		user, strings.ReplaceAll(password, "'", "''"), db, user))
}

// superSQL runs SQL as the bootstrap superuser over the private socket.
func (c *pgCluster) superSQL(t testing.TB, sql string) string {
	t.Helper()
	return c.socketSQL(t, "postgres", sql)
}

// socketSQL runs SQL in a database as the bootstrap superuser and returns
// its bare output.
func (c *pgCluster) socketSQL(t testing.TB, db, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.psql, "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", c.SocketDir, "-p", strconv.Itoa(c.Port), "-U", pgBootstrapUser, "-d", db)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + c.dir}
	cmd.Stdin = strings.NewReader(sql)
	out, err := cmd.Output()
	var stderr []byte
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		stderr = exitErr.Stderr
	}
	require.NoError(t, err, "psql as %s: %s", pgBootstrapUser, stderr)
	return strings.TrimSpace(string(out))
}

// command runs a server program as the server's user, in a clean
// environment with untranslated messages.
func (c *pgCluster) command(name string, args ...string) *exec.Cmd {
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

// own hands a path to the server's user when the tests run as root.
func (c *pgCluster) own(t testing.TB, path string) {
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
		if errors.As(err, &unknown) && !inCI() {
			t.Skip("running as root, and there is no user nobody to run PostgreSQL as")
		}
		require.NoError(t, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	require.NoError(t, err)
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	require.NoError(t, err)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
}
