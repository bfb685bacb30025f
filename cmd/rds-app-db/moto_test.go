//go:build unix

package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// motoServer is an AWS API emulator on loopback, stopped when the test ends.
type motoServer struct {
	URL string
	aws string
}

func startMoto(t testing.TB) *motoServer {
	t.Helper()
	moto := requireTool(t, "moto_server")
	awsCLI := requireTool(t, "aws")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	cmd := exec.Command(moto, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	logFile, err := os.Create(filepath.Join(t.TempDir(), "moto.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logFile.Close()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			break
		}
		require.True(t, time.Now().Before(deadline), "moto_server did not start: %v", err)
		time.Sleep(100 * time.Millisecond)
	}
	return &motoServer{URL: url, aws: awsCLI}
}

// useFor points the AWS CLI of this test's processes at the emulator, with
// dummy credentials and no user configuration.
func (m *motoServer) useFor(t *testing.T) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            m.URL,
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_DEFAULT_REGION":          "eu-west-1",
		"AWS_CONFIG_FILE":             "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
	} {
		t.Setenv(k, v)
	}
	t.Setenv("AWS_PROFILE", "")
	_ = os.Unsetenv("AWS_PROFILE")
}

// createSecret stores a secret and returns its ARN. The value goes to the
// CLI as file://, so that even a test password stays off command lines.
func (m *motoServer) createSecret(t testing.TB, name, value string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "secret.json")
	require.NoError(t, os.WriteFile(f, []byte(value), 0o600))
	cmd := exec.Command(m.aws, "secretsmanager", "create-secret", "--region", "eu-west-1", "--name", name,
		"--secret-string", "file://"+f, "--query", "ARN", "--output", "text")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("aws secretsmanager create-secret: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}
