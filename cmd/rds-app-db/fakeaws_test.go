//go:build unix

package main

// A stand-in for the AWS CLI on the tests' PATH. `aws ssm start-session`
// with the port-forwarding document becomes a TCP forwarder on the local
// port it is given, to the test's PostgreSQL, as the Session Manager
// plugin would be to the endpoint; `aws rds generate-db-auth-token` runs
// the real AWS CLI and then makes the token it printed the user's password
// in the test's PostgreSQL, as the proxy would accept it (with
// fakeAWSTokenRole set); every other command runs the real AWS CLI
// (against moto_server). It is this test binary, run again: TestMain turns
// into it when the wrapper script sets fakeAWSMode.

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/require"
)

const (
	fakeAWSMode = "RDS_APP_DB_TEST_FAKE_AWS"
	// fakeAWSReal is the real AWS CLI, for everything but the session.
	fakeAWSReal = "RDS_APP_DB_TEST_REAL_AWS"
	// fakeAWSLog receives one JSON line per event (fakeAWSEvent).
	fakeAWSLog = "RDS_APP_DB_TEST_AWS_LOG"
	// fakeAWSForwardTo is where the session forwards connections.
	fakeAWSForwardTo = "RDS_APP_DB_TEST_FORWARD_TO"
	// fakeAWSTokenRole (a tokenRole in JSON) is whose password a token
	// becomes, and how to reach the server as its superuser.
	fakeAWSTokenRole = "RDS_APP_DB_TEST_TOKEN_ROLE"
	// offlineInstance is a host that is not connected to Session Manager.
	offlineInstance = "i-0ffffffffffffffff"
	// slowInstance is a host whose session starts but never listens.
	slowInstance = "i-0eeeeeeeeeeeeeeee"
)

func TestMain(m *testing.M) {
	if os.Getenv(fakeAWSMode) == "1" {
		os.Exit(fakeAWS(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeAWSEvent is one line of the fake's log.
type fakeAWSEvent struct {
	// Argv is set for every run: the arguments it was given.
	Argv []string `json:"argv,omitempty"`
	// Forwarded is the remote host of a connection it forwarded.
	Forwarded string `json:"forwarded,omitempty"`
	// Token is an IAM authentication token it made.
	Token string `json:"token,omitempty"`
}

// tokenRole is fakeAWSTokenRole's value.
type tokenRole struct {
	Psql, SocketDir, Role string
	Port                  int
}

func fakeAWS(args []string) int {
	logEvent(fakeAWSEvent{Argv: args})
	if len(args) >= 2 && args[0] == "ssm" && args[1] == "start-session" {
		return fakeSession(args[2:])
	}
	if len(args) >= 2 && args[0] == "rds" && args[1] == "generate-db-auth-token" && os.Getenv(fakeAWSTokenRole) != "" {
		return fakeAuthToken(args)
	}
	real := os.Getenv(fakeAWSReal)
	err := syscall.Exec(real, append([]string{real}, args...), os.Environ())
	fmt.Fprintf(os.Stderr, "fake aws: running the real AWS CLI %q: %v\n", real, err)
	return 1
}

// fakeSession answers like `aws ssm start-session` with the
// port-forwarding document: the plugin's greeting, then a forwarder on
// localPortNumber until it is stopped (SIGTERM's default action).
func fakeSession(args []string) int {
	fs := flag.NewFlagSet("start-session", flag.ContinueOnError)
	region := fs.String("region", "", "")
	target := fs.String("target", "", "")
	document := fs.String("document-name", "", "")
	parameters := fs.String("parameters", "", "")
	if err := fs.Parse(args); err != nil || *region == "" || *document != ssmDocument {
		fmt.Fprintf(os.Stderr, "fake aws: unexpected start-session arguments %q\n", args)
		return 252
	}
	if *target == offlineInstance {
		fmt.Fprintf(os.Stderr, "\nAn error occurred (TargetNotConnected) when calling the StartSession operation: %s is not connected.\n", *target)
		return 254
	}
	if *target == slowInstance {
		fmt.Println("\nStarting session with SessionId: test-0123456789abcdef0")
		time.Sleep(10 * time.Minute) // until stopped; a timer, so the runtime sees no deadlock
		return 1
	}
	var params map[string][]string
	if err := json.Unmarshal([]byte(*parameters), &params); err != nil || len(params["host"]) != 1 || len(params["localPortNumber"]) != 1 {
		fmt.Fprintf(os.Stderr, "fake aws: unexpected parameters %q\n", *parameters)
		return 252
	}
	host, port := params["host"][0], params["localPortNumber"][0]
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "fake aws: %v\n", err)
		return 1
	}
	fmt.Printf("\nStarting session with SessionId: test-0123456789abcdef0\nPort %s opened for sessionId test-0123456789abcdef0.\nWaiting for connections...\n", port)
	upstream := os.Getenv(fakeAWSForwardTo)
	for {
		c, err := l.Accept()
		if err != nil {
			return 1
		}
		fmt.Println("\nConnection accepted for session [test-0123456789abcdef0]")
		go forward(c, upstream, host)
	}
}

// fakeAuthToken makes the token with the real AWS CLI, then sets the
// role's password to it: the server then takes that token, and neither the
// secret's password nor an earlier token.
func fakeAuthToken(args []string) int {
	var role tokenRole
	if err := json.Unmarshal([]byte(os.Getenv(fakeAWSTokenRole)), &role); err != nil {
		fmt.Fprintf(os.Stderr, "fake aws: %s: %v\n", fakeAWSTokenRole, err)
		return 1
	}
	cmd := exec.Command(os.Getenv(fakeAWSReal), args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "fake aws: running the real AWS CLI: %v\n", err)
		return 1
	}
	token := strings.TrimSpace(string(out))
	// The token on psql's standard input, as CreateMaster passes a password.
	psql := exec.Command(role.Psql, "-X", "-w", "-q", "-v", "ON_ERROR_STOP=1",
		"-h", role.SocketDir, "-p", strconv.Itoa(role.Port), "-U", testenv.PgBootstrapUser, "-d", "postgres")
	psql.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + role.SocketDir}
	psql.Stdin = strings.NewReader(fmt.Sprintf("ALTER ROLE %s PASSWORD '%s';\n", role.Role, strings.ReplaceAll(token, "'", "''")))
	if msg, err := psql.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "fake aws: setting the password of %s to the token: %v: %s\n", role.Role, err, msg)
		return 1
	}
	logEvent(fakeAWSEvent{Token: token})
	fmt.Println(token)
	return 0
}

func forward(c net.Conn, upstream, host string) {
	defer c.Close()
	u, err := net.Dial("tcp", upstream)
	if err != nil {
		return
	}
	defer u.Close()
	logEvent(fakeAWSEvent{Forwarded: host})
	// Each direction passes its end on as soon as it ends: a client waits
	// for the server to close first (psql's cancel request does).
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(u, c)
		_ = u.(*net.TCPConn).CloseWrite()
	}()
	_, _ = io.Copy(c, u)
	_ = c.(*net.TCPConn).CloseWrite()
	wg.Wait()
}

// logEvent appends one line; lines are short, so appends do not interleave.
func logEvent(e fakeAWSEvent) {
	f, err := os.OpenFile(os.Getenv(fakeAWSLog), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	b, _ := json.Marshal(e)
	_, _ = f.Write(append(b, '\n'))
}

// installFakeAWS puts the fake aws and a placeholder session-manager-plugin
// first on PATH, and returns the fake's log file.
func installFakeAWS(t *testing.T, realAWS, forwardTo string) string {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	bin := t.TempDir()
	script := fmt.Sprintf("#!/bin/sh\n%s=1 exec '%s' \"$@\"\n", fakeAWSMode, strings.ReplaceAll(self, "'", `'\''`))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "aws"), []byte(script), 0o755))
	// openSSMTunnel checks that the plugin is installed; the fake session
	// does not need it.
	require.NoError(t, os.WriteFile(filepath.Join(bin, "session-manager-plugin"), []byte("#!/bin/sh\nexit 0\n"), 0o755))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	log := filepath.Join(t.TempDir(), "aws.log")
	t.Setenv(fakeAWSLog, log)
	t.Setenv(fakeAWSReal, realAWS)
	t.Setenv(fakeAWSForwardTo, forwardTo)
	return log
}

// readAWSLog returns the fake's events so far.
func readAWSLog(t testing.TB, path string) []fakeAWSEvent {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var events []fakeAWSEvent
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var e fakeAWSEvent
		require.NoError(t, json.Unmarshal([]byte(line), &e), line)
		events = append(events, e)
	}
	return events
}
