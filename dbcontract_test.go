//go:build unix

package main

// The database connection contract, end to end: the host's start script
// turns the database secret into the container's variables, and the real
// libpq client, given nothing but those variables, must reach a real
// PostgreSQL over TLS with the server's certificate and host name verified.
// The server is set up like RDS with rds.force_ssl=1 (TCP only with TLS), so
// the negative cases show what the variables protect against: each differs
// from a passing connection in one setting only.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/database"
	"github.com/rds-app/rds-app/internal/dbsecret"
)

const (
	pgBinDir     = "/usr/lib/postgresql/15/bin"
	contractDB   = "app"
	contractUser = "app_admin"
	// pgBootstrapUser is initdb's superuser. It is reachable only through
	// the cluster's private unix socket and only sets the cluster up.
	pgBootstrapUser = "postgres"
	// connectedQuery shows who the session is and whether it uses TLS.
	connectedQuery = "select current_user, current_database(), ssl from pg_stat_ssl where pid = pg_backend_pid()"
	// connectedAs is connectedQuery's answer for the contract's session.
	connectedAs = contractUser + "|" + contractDB + "|t"
	// psql's exit status when its first connection fails, and when a
	// script stops at an error (with the URL, a failed \connect).
	psqlNoConnection  = 2
	psqlScriptStopped = 3
)

// hostMismatch is libpq's verify-full error for 127.0.0.1 and a certificate
// for localhost; libpq counts the subject's CN as another name.
var hostMismatch = []string{`server certificate for "localhost"`, `does not match host name "127.0.0.1"`}

func TestDatabaseContract(t *testing.T) {
	started := time.Now()
	t.Cleanup(func() { t.Logf("database contract took %s", time.Since(started).Round(time.Millisecond)) })

	// The psql next to the server binaries comes first: Debian's
	// /usr/bin/psql is pg_wrapper, which may add a local cluster's PGHOST
	// and PGPORT to the environment the test means to control.
	psql := requireTool(t, "psql", filepath.Join(pgBinDir, "psql"))
	moto := startMoto(t)
	boot := bootFilesOf(t, "dev")

	clientDir := t.TempDir()
	serverCA := newTestCA(t, "rds-app contract test CA")
	caFile := writeTemp(t, clientDir, "rds-ca-bundle.pem", string(serverCA.certPEM), 0o644)
	otherCA := newTestCA(t, "unrelated test CA")
	otherCAFile := writeTemp(t, clientDir, "other-ca.pem", string(otherCA.certPEM), 0o644)

	password := masterPassword(t)
	certPEM, keyPEM := serverCA.issueServerCert(t, "localhost")
	pg := startPostgres(t, certPEM, keyPEM)
	pg.createMaster(t, psql, password)

	vars := containerVars(t, moto, boot, pg.Port, password, caFile)
	pgVars := map[string]string{}
	for k, v := range vars {
		if strings.HasPrefix(k, "PG") {
			pgVars[k] = v
		}
	}
	// Presence is checked by key so that a failure never prints a value.
	for _, k := range []string{"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE", "PGSSLROOTCERT"} {
		_, ok := pgVars[k]
		require.True(t, ok, "the container env file has no %s", k)
	}
	url, ok := vars["DATABASE_URL"]
	require.True(t, ok, "the container env file has no DATABASE_URL")

	t.Run("DATABASE_URL connects with verified TLS", func(t *testing.T) {
		out, stderr, err := psqlWithURL(t, psql, pg, url)
		require.NoError(t, err, stderr)
		assert.Equal(t, connectedAs, out)
	})

	t.Run("PG variables alone connect with verified TLS", func(t *testing.T) {
		out, stderr, err := runPSQL(t, psql, pgVars, "", "-c", connectedQuery)
		require.NoError(t, err, stderr)
		assert.Equal(t, connectedAs, out)
	})

	t.Run("the server refuses plaintext like rds.force_ssl=1", func(t *testing.T) {
		out, stderr, err := runPSQL(t, psql, withVar(pgVars, "PGSSLMODE", "disable"), "", "-c", connectedQuery)
		requireConnectFailed(t, psqlNoConnection, out, stderr, err,
			`no pg_hba.conf entry for host "127.0.0.1", user "app_admin", database "app", no encryption`)
	})

	// Without this, the passing connections above would not show that the
	// server checks the password the host hands out.
	t.Run("the server checks the password", func(t *testing.T) {
		wrong := "A" + password[1:]
		if password[0] == 'A' {
			wrong = "B" + password[1:]
		}
		out, stderr, err := runPSQL(t, psql, withVar(pgVars, "PGPASSWORD", wrong), "", "-c", connectedQuery)
		requireConnectFailed(t, psqlNoConnection, out, stderr, err, `password authentication failed for user "app_admin"`)
	})

	t.Run("PG variables refuse a server the CA did not sign", func(t *testing.T) {
		out, stderr, err := runPSQL(t, psql, withVar(pgVars, "PGSSLROOTCERT", otherCAFile), "", "-c", connectedQuery)
		requireConnectFailed(t, psqlNoConnection, out, stderr, err, "SSL error: certificate verify failed")
	})

	t.Run("PG variables refuse a host name the certificate does not name", func(t *testing.T) {
		out, stderr, err := runPSQL(t, psql, withVar(pgVars, "PGHOST", "127.0.0.1"), "", "-c", connectedQuery)
		requireConnectFailed(t, psqlNoConnection, out, stderr, err, hostMismatch...)
	})

	t.Run("DATABASE_URL refuses a host name the certificate does not name", func(t *testing.T) {
		require.Equal(t, 1, strings.Count(url, "@localhost:"), "DATABASE_URL should name the host localhost once")
		out, stderr, err := psqlWithURL(t, psql, pg, strings.Replace(url, "@localhost:", "@127.0.0.1:", 1))
		requireConnectFailed(t, psqlScriptStopped, out, stderr, err, append([]string{`\connect: `}, hostMismatch...)...)
	})

	// The URL names the CA file by path, so the file's content is swapped
	// rather than the URL edited.
	t.Run("DATABASE_URL refuses a server the CA did not sign", func(t *testing.T) {
		require.NoError(t, os.WriteFile(caFile, otherCA.certPEM, 0o644))
		t.Cleanup(func() { require.NoError(t, os.WriteFile(caFile, serverCA.certPEM, 0o644)) })
		out, stderr, err := psqlWithURL(t, psql, pg, url)
		requireConnectFailed(t, psqlScriptStopped, out, stderr, err, `\connect: `, "SSL error: certificate verify failed")
	})
}

// containerVars runs the real start script against moto with a database
// secret for the test server, exactly as the program stores it, and returns
// the container's variables from the env file the script writes.
func containerVars(t *testing.T, moto *motoServer, boot hostBoot, port int, password, caFile string) map[string]string {
	t.Helper()
	secret, err := json.Marshal(dbsecret.Connection{
		Engine:   "postgres",
		Host:     "localhost",
		Port:     port,
		DBName:   contractDB,
		Username: contractUser,
		Password: password,
		SSLMode:  dbsecret.SSLMode,
	})
	require.NoError(t, err)
	// CreateSecret hands the value over as file://, off the command line.
	dbArn := moto.CreateSecret(t, "rds-app-db-contract", string(secret))
	appArn := moto.CreateSecret(t, "rds-app-app-contract", `{"JWT_SECRET":"jwt-contract"}`)
	moto.PutParameter(t, boot.HostEnv["IMAGE_PARAMETER"], "public.ecr.aws/docker/library/nginx:stable-alpine")
	moto.PutContainerSettings(t, boot.HostEnv["CONTAINER_PATH"], boot.Container)
	// In the container the bundle is mounted at CONTAINER_CA_PATH; here
	// psql reads the test CA from that path directly.
	run := newStartScriptRun(t, moto, boot, map[string]string{
		"DB_SECRET_ARN":     dbArn,
		"APP_SECRET_ARN":    appArn,
		"CONTAINER_CA_PATH": caFile,
	}).Run()
	require.NoError(t, run.Err, run.Output)
	return run.EnvFileVars(t)
}

// masterPassword draws a password with the program's generator settings.
// Draws that miss a character class or one of the specials are redrawn, so
// every run sends each special through jq's @uri and libpq's URI decoding;
// redrawing keeps the draw uniform over the passwords that are kept.
func masterPassword(t testing.TB) string {
	t.Helper()
	alphabet := database.PasswordAlphabet()
	classes := []string{"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789"}
	for _, special := range database.PasswordSpecials {
		classes = append(classes, string(special))
	}
	for attempt := 0; attempt < 10000; attempt++ {
		pw := make([]byte, database.PasswordLength)
		for i := range pw {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
			require.NoError(t, err)
			pw[i] = alphabet[n.Int64()]
		}
		complete := true
		for _, class := range classes {
			complete = complete && strings.ContainsAny(string(pw), class)
		}
		if complete {
			return string(pw)
		}
	}
	t.Fatal("no password with every character class in 10000 draws")
	return ""
}

// runPSQL runs psql with vars as its whole environment, apart from a PATH,
// the C locale (untranslated messages) and an empty HOME (no ~/.pgpass,
// ~/.postgresql/root.crt or ~/.psqlrc). -w makes a missing password an
// error instead of a prompt on the terminal.
func runPSQL(t testing.TB, psql string, vars map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, psql, append([]string{"-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + t.TempDir()}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return strings.TrimSpace(out.String()), errOut.String(), err
}

// psqlWithURL connects with url as the only connection setting. psql takes
// a URL only as an argument, where it would show in the process list, so
// the URL travels in the environment: psql starts on the bootstrap socket
// (named by arguments, not PG* variables, which would fill in whatever the
// URL leaves out) and \connect replaces that session with one built from
// the URL alone. (\getenv needs psql 15 or later.)
func psqlWithURL(t testing.TB, psql string, pg *pgCluster, url string) (stdout, stderr string, err error) {
	t.Helper()
	script := "\\getenv url DATABASE_URL\n\\connect -reuse-previous=off :url\n" + connectedQuery + ";\n"
	return runPSQL(t, psql, map[string]string{"DATABASE_URL": url}, script,
		"-h", pg.SocketDir, "-p", strconv.Itoa(pg.Port), "-U", pgBootstrapUser, "-d", "postgres")
}

// requireConnectFailed checks that psql stopped with the given status, ran
// no query, and said why in words that include every one of reasons.
func requireConnectFailed(t testing.TB, status int, stdout, stderr string, err error, reasons ...string) {
	t.Helper()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, "psql connected, but should not have: %s", stdout)
	assert.Equal(t, status, exitErr.ExitCode(), "psql's exit status; stderr: %s", stderr)
	assert.Empty(t, stdout)
	for _, reason := range reasons {
		assert.Contains(t, stderr, reason)
	}
}

// withVar returns a copy of vars with one variable changed.
func withVar(vars map[string]string, key, value string) map[string]string {
	out := map[string]string{key: value}
	for k, v := range vars {
		if k != key {
			out[k] = v
		}
	}
	return out
}

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

// issueServerCert returns a server certificate for the given DNS names only
// (no IP addresses, so a client dialling an address must fail verify-full)
// and its key, both PEM.
func (ca testCA) issueServerCert(t testing.TB, dnsNames ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(t),
		Subject:      pkix.Name{CommonName: dnsNames[0]},
		DNSNames:     dnsNames,
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

// pgCluster is a throwaway PostgreSQL cluster on loopback, stopped when the
// test ends.
type pgCluster struct {
	Port      int
	SocketDir string
	dir       string
	data      string
	logFile   string
	// cred is the unprivileged user the server runs as when the tests run
	// as root (PostgreSQL refuses to run as root); nil otherwise.
	cred *syscall.Credential
}

func startPostgres(t testing.TB, certPEM, keyPEM []byte) *pgCluster {
	t.Helper()
	initdb := requireTool(t, "initdb", filepath.Join(pgBinDir, "initdb"))
	pgCtl := requireTool(t, "pg_ctl", filepath.Join(pgBinDir, "pg_ctl"))
	requireTool(t, "postgres", filepath.Join(pgBinDir, "postgres"))

	// A short path of its own, not t.TempDir(): a unix socket path is
	// limited to about 100 bytes, and when the server runs as nobody every
	// directory above its files must be open to it.
	dir, err := os.MkdirTemp("", "pgcontract-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	c := &pgCluster{
		dir:       dir,
		data:      filepath.Join(dir, "data"),
		SocketDir: filepath.Join(dir, "sock"),
		logFile:   filepath.Join(dir, "server.log"),
	}
	if os.Geteuid() == 0 {
		c.cred = nobodyCredential(t)
	}
	c.own(t, dir)
	require.NoError(t, os.Mkdir(c.SocketDir, 0o700))
	c.own(t, c.SocketDir)
	certFile := writeTemp(t, dir, "server.crt", string(certPEM), 0o644)
	keyFile := writeTemp(t, dir, "server.key", string(keyPEM), 0o600)
	c.own(t, certFile)
	c.own(t, keyFile) // the server refuses a key that others can read

	out, err := c.command(initdb, "-D", c.data, "-U", pgBootstrapUser, "--auth-local=trust", "--auth-host=reject",
		"--no-locale", "--encoding=UTF8", "--no-sync", "--no-instructions").CombinedOutput()
	require.NoError(t, err, "initdb: %s", out)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	c.Port = l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

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
		"local   all  "+pgBootstrapUser+"  trust\n"+
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
	return c
}

// createMaster creates the master user and its database, as RDS does. The
// password goes to psql on stdin, not on its command line.
func (c *pgCluster) createMaster(t testing.TB, psql, password string) {
	t.Helper()
	sql := fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s';\nCREATE DATABASE %s OWNER %s;\n",
		contractUser, strings.ReplaceAll(password, "'", "''"), contractDB, contractUser)
	_, stderr, err := runPSQL(t, psql, nil, sql,
		"-h", c.SocketDir, "-p", strconv.Itoa(c.Port), "-U", pgBootstrapUser, "-d", "postgres")
	require.NoError(t, err, stderr)
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

// nobodyCredential is the credential of the unprivileged user "nobody", with no
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

// TestDatabaseContractWithProxyAndReplicas: the contract with the secret
// the program writes for database.proxy and database.readReplicas. Two
// real servers stand in for the proxy and a replica: the "proxy" has a
// certificate from a CA standing in for Amazon Trust Services (an RDS
// Proxy's comes from AWS Certificate Manager), which the start script
// downloads only for a proxy; the "replica" has one from the stand-in RDS
// CA and listens on readPort, not the proxy's port. libpq must reach both
// with the URLs the container gets, verifying each certificate against
// the one bundle.
func TestDatabaseContractWithProxyAndReplicas(t *testing.T) {
	psql := requireTool(t, "psql", filepath.Join(pgBinDir, "psql"))
	moto := startMoto(t)
	boot := bootFilesOf(t, "dev")

	dir := t.TempDir()
	rdsCA := newTestCA(t, "rds-app contract test RDS root")
	amazonCA := newTestCA(t, "rds-app contract test Amazon Root CA 1")
	rdsFile := writeTemp(t, dir, "rds-roots.pem", string(rdsCA.certPEM), 0o644)
	amazonFile := writeTemp(t, dir, "amazon-root.pem", string(amazonCA.certPEM), 0o644)

	password := masterPassword(t)
	proxyCert, proxyKey := amazonCA.issueServerCert(t, "localhost")
	proxy := startPostgres(t, proxyCert, proxyKey)
	proxy.createMaster(t, psql, password)
	replicaCert, replicaKey := rdsCA.issueServerCert(t, "localhost")
	replica := startPostgres(t, replicaCert, replicaKey)
	replica.createMaster(t, psql, password)

	secret, err := json.Marshal(dbsecret.Connection{
		Engine: "postgres", Host: "localhost", Port: proxy.Port, DBName: contractDB,
		Username: contractUser, Password: password, SSLMode: dbsecret.SSLMode,
		ReadHosts: []string{"localhost"}, ReadPort: replica.Port, Proxy: true,
	})
	require.NoError(t, err)
	dbArn := moto.CreateSecret(t, "rds-app-db-contract-proxy", string(secret))
	appArn := moto.CreateSecret(t, "rds-app-app-contract-proxy", `{"JWT_SECRET":"jwt-contract"}`)
	moto.PutParameter(t, boot.HostEnv["IMAGE_PARAMETER"], "public.ecr.aws/docker/library/nginx:stable-alpine")
	moto.PutContainerSettings(t, boot.HostEnv["CONTAINER_PATH"], boot.Container)
	// The bundle the script puts together is read where it is written.
	bundle := filepath.Join(dir, "rds-ca-bundle.pem")
	run := newStartScriptRun(t, moto, boot, map[string]string{
		"DB_SECRET_ARN":       dbArn,
		"APP_SECRET_ARN":      appArn,
		"CA_BUNDLE":           bundle,
		"CONTAINER_CA_PATH":   bundle,
		"CA_BUNDLE_URL":       "file://" + rdsFile,
		"AMAZON_ROOT_CA_URLS": "file://" + amazonFile,
	}).Run()
	require.NoError(t, run.Err, run.Output)
	vars := run.EnvFileVars(t)

	t.Run("DATABASE_URL reaches the proxy, verified against Amazon's root", func(t *testing.T) {
		out, stderr, err := psqlWithURL(t, psql, proxy, vars["DATABASE_URL"])
		require.NoError(t, err, stderr)
		assert.Equal(t, connectedAs, out)
	})
	t.Run("the PG variables reach the proxy", func(t *testing.T) {
		pgVars := map[string]string{}
		for k, v := range vars {
			if strings.HasPrefix(k, "PG") {
				pgVars[k] = v
			}
		}
		out, stderr, err := runPSQL(t, psql, pgVars, "", "-c", connectedQuery)
		require.NoError(t, err, stderr)
		assert.Equal(t, connectedAs, out)
	})
	t.Run("DATABASE_READ_URLS reach the replica on readPort, verified against the RDS root", func(t *testing.T) {
		urls := strings.Split(vars["DATABASE_READ_URLS"], ",")
		require.Len(t, urls, 1)
		require.Equal(t, 1, strings.Count(urls[0], fmt.Sprintf("@localhost:%d/", replica.Port)), "the replica's URL names readPort")
		out, stderr, err := psqlWithURL(t, psql, replica, urls[0])
		require.NoError(t, err, stderr)
		assert.Equal(t, connectedAs, out)
	})
	// What the bundle's Amazon part is for: the RDS roots alone refuse
	// the proxy.
	t.Run("the RDS roots alone refuse the proxy", func(t *testing.T) {
		out, stderr, err := psqlWithURL(t, psql, proxy, strings.Replace(vars["DATABASE_URL"], "sslrootcert="+uriEscape(bundle), "sslrootcert="+uriEscape(rdsFile), 1))
		requireConnectFailed(t, psqlScriptStopped, out, stderr, err, `\connect: `, "SSL error: certificate verify failed")
	})
}
