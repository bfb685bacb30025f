//go:build unix

package host

// The database connection contract, end to end: the host's start script
// turns the database secret into the container's variables, and the real
// libpq client, given nothing but those variables, must reach a real
// PostgreSQL over TLS with the server's certificate and host name verified.
// The server is set up like RDS with rds.force_ssl=1 (TCP only with TLS), so
// the negative cases show what the variables protect against: each differs
// from a passing connection in one setting only.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/dbsecret"
	"github.com/rds-app/rds-app/internal/testenv"
)

const (
	contractDB   = "app"
	contractUser = "app_admin"
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
	t.Parallel()
	started := time.Now()
	t.Cleanup(func() { t.Logf("database contract took %s", time.Since(started).Round(time.Millisecond)) })

	// The psql next to the server binaries comes first: Debian's
	// /usr/bin/psql is pg_wrapper, which may add a local cluster's PGHOST
	// and PGPORT to the environment the test means to control.
	psql := testenv.RequireTool(t, "psql", filepath.Join(testenv.PgBinDir, "psql"))
	moto := testenv.StartMoto(t)
	boot := bootFilesOf(t, "dev")

	clientDir := t.TempDir()
	serverCA := testenv.NewCA(t, "rds-app contract test CA")
	caFile := testenv.WriteTemp(t, clientDir, "rds-ca-bundle.pem", string(serverCA.CertPEM), 0o644)
	otherCA := testenv.NewCA(t, "unrelated test CA")
	otherCAFile := testenv.WriteTemp(t, clientDir, "other-ca.pem", string(otherCA.CertPEM), 0o644)

	password := masterPassword(t)
	certPEM, keyPEM := serverCA.IssueServerCert(t, "localhost")
	pg := testenv.StartPostgres(t, certPEM, keyPEM)
	pg.CreateMaster(t, contractUser, password, contractDB)

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
		require.NoError(t, os.WriteFile(caFile, otherCA.CertPEM, 0o644))
		t.Cleanup(func() { require.NoError(t, os.WriteFile(caFile, serverCA.CertPEM, 0o644)) })
		out, stderr, err := psqlWithURL(t, psql, pg, url)
		requireConnectFailed(t, psqlScriptStopped, out, stderr, err, `\connect: `, "SSL error: certificate verify failed")
	})
}

// containerVars runs the real start script against moto with a database
// secret for the test server, exactly as the program stores it, and returns
// the container's variables from the env file the script writes.
func containerVars(t *testing.T, moto *testenv.Moto, boot hostBoot, port int, password, caFile string) map[string]string {
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
	putRelease(t, moto, boot, "public.ecr.aws/docker/library/nginx:stable-alpine", boot.Container, dbArn, appArn)
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
	alphabet := dbsecret.PasswordAlphabet()
	classes := []string{"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789"}
	for _, special := range dbsecret.PasswordSpecials {
		classes = append(classes, string(special))
	}
	for attempt := 0; attempt < 10000; attempt++ {
		pw := make([]byte, dbsecret.PasswordLength)
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
func psqlWithURL(t testing.TB, psql string, pg *testenv.Postgres, url string) (stdout, stderr string, err error) {
	t.Helper()
	script := "\\getenv url DATABASE_URL\n\\connect -reuse-previous=off :url\n" + connectedQuery + ";\n"
	return runPSQL(t, psql, map[string]string{"DATABASE_URL": url}, script,
		"-h", pg.SocketDir, "-p", strconv.Itoa(pg.Port), "-U", testenv.PgBootstrapUser, "-d", "postgres")
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
	t.Parallel()
	psql := testenv.RequireTool(t, "psql", filepath.Join(testenv.PgBinDir, "psql"))
	moto := testenv.StartMoto(t)
	boot := bootFilesOf(t, "dev")

	dir := t.TempDir()
	rdsCA := testenv.NewCA(t, "rds-app contract test RDS root")
	amazonCA := testenv.NewCA(t, "rds-app contract test Amazon Root CA 1")
	rdsFile := testenv.WriteTemp(t, dir, "rds-roots.pem", string(rdsCA.CertPEM), 0o644)
	amazonFile := testenv.WriteTemp(t, dir, "amazon-root.pem", string(amazonCA.CertPEM), 0o644)

	password := masterPassword(t)
	proxyCert, proxyKey := amazonCA.IssueServerCert(t, "localhost")
	proxy := testenv.StartPostgres(t, proxyCert, proxyKey)
	proxy.CreateMaster(t, contractUser, password, contractDB)
	replicaCert, replicaKey := rdsCA.IssueServerCert(t, "localhost")
	replica := testenv.StartPostgres(t, replicaCert, replicaKey)
	replica.CreateMaster(t, contractUser, password, contractDB)

	secret, err := json.Marshal(dbsecret.Connection{
		Engine: "postgres", Host: "localhost", Port: proxy.Port, DBName: contractDB,
		Username: contractUser, Password: password, SSLMode: dbsecret.SSLMode,
		ReadHosts: []string{"localhost"}, ReadPort: replica.Port, Proxy: true,
	})
	require.NoError(t, err)
	dbArn := moto.CreateSecret(t, "rds-app-db-contract-proxy", string(secret))
	appArn := moto.CreateSecret(t, "rds-app-app-contract-proxy", `{"JWT_SECRET":"jwt-contract"}`)
	putRelease(t, moto, boot, "public.ecr.aws/docker/library/nginx:stable-alpine", boot.Container, dbArn, appArn)
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
