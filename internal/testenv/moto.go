package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// MotoRegion is the region every test's AWS CLI calls default to.
const MotoRegion = "eu-west-1"

// Moto is a moto_server (an AWS API emulator) on a loopback port, stopped
// when the test ends and killed with the test process.
type Moto struct {
	URL string
	// Log is the server's log file.
	Log string
	aws string // path of the aws CLI
}

// StartMoto starts a moto_server of the test's own, with AWS's managed
// policies loaded (they exist in every account; moto loads them only when
// asked).
func StartMoto(t testing.TB) *Moto {
	t.Helper()
	bin := RequireTool(t, "moto_server")
	awsCLI := RequireTool(t, "aws")
	m, err := startMoto(bin, filepath.Join(t.TempDir(), "moto.log"))
	require.NoError(t, err)
	m.aws = awsCLI
	t.Cleanup(func() { KillGroup(m.cmd) })
	return m.Moto
}

type startedMoto struct {
	*Moto
	cmd *exec.Cmd
}

func startMoto(bin, logPath string) (startedMoto, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return startedMoto{}, err
	}
	defer logFile.Close()
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return startedMoto{}, err
		}
		cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
		cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := Start(cmd); err != nil {
			return startedMoto{}, fmt.Errorf("starting moto_server: %w", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		m := startedMoto{Moto: &Moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Log: logPath}, cmd: cmd}
		err = waitHTTP(m.URL+"/moto-api/", exited, 60*time.Second)
		if err == nil {
			return m, nil
		}
		KillGroup(cmd)
		<-exited
		// Another process may have taken the port between our probe and
		// moto's bind: try another one.
		if attempt == 2 {
			log, _ := os.ReadFile(logPath)
			return startedMoto{}, fmt.Errorf("moto_server did not answer on %s: %w\n%s", m.URL, err, log)
		}
	}
}

// waitHTTP waits until url answers, the process exits or timeout passes.
func waitHTTP(url string, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("it exited: %w", err)
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Env is the environment that points the AWS CLI (and the AWS SDKs) at
// the server, with dummy credentials and no user configuration.
func (m *Moto) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + m.URL,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_DEFAULT_REGION=" + MotoRegion,
		"AWS_REGION=" + MotoRegion,
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	}
}

// UseFor points every AWS client of the test's process and its children at
// the server (t.Setenv), with no profile.
func (m *Moto) UseFor(t *testing.T) {
	t.Helper()
	for _, kv := range m.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("AWS_PROFILE", "")
	_ = os.Unsetenv("AWS_PROFILE")
}

// CLI is the path of the aws CLI.
func (m *Moto) CLI() string { return m.aws }

// AWS runs the AWS CLI against the server and returns its standard output.
func (m *Moto) AWS(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command(m.aws, args...)
	cmd.Env = append(os.Environ(), m.Env()...)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
	}
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

// SecretFile writes value to a private file and returns it as the CLI's
// file:// argument, so that even a test password stays off command lines.
func SecretFile(t testing.TB, value string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret-value")
	require.NoError(t, os.WriteFile(p, []byte(value), 0o600))
	return "file://" + p
}

// Call makes one request of an AWS JSON API (target "AmazonSSM.PutParameter"
// of service "ssm") straight to the server, and returns its answer. Tests
// set up their fixtures this way: the AWS CLI costs about a second of CPU a
// call, which a test that stores a hundred parameters pays a hundred times;
// what the scripts under test do still goes through the CLI.
func (m *Moto) Call(t testing.TB, service, target string, body map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, m.URL+"/", bytes.NewReader(data))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	// moto reads the region and the service from the credential scope and
	// checks no signature.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/"+MotoRegion+"/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", target, answer)
	out := map[string]any{}
	if len(answer) > 0 {
		require.NoError(t, json.Unmarshal(answer, &out), "%s: %s", target, answer)
	}
	return out
}

// CreateSecret creates a secret (with a value unless value is "") and
// returns its ARN.
func (m *Moto) CreateSecret(t testing.TB, name, value string) string {
	t.Helper()
	body := map[string]any{"Name": name}
	if value != "" {
		body["SecretString"] = value
	}
	arn, _ := m.Call(t, "secretsmanager", "secretsmanager.CreateSecret", body)["ARN"].(string)
	require.NotEmpty(t, arn, "CreateSecret %s answered no ARN", name)
	return arn
}

// PutSecretValue gives a secret a new current value.
func (m *Moto) PutSecretValue(t testing.TB, arn, value string) {
	t.Helper()
	m.Call(t, "secretsmanager", "secretsmanager.PutSecretValue", map[string]any{"SecretId": arn, "SecretString": value})
}

// PutParameter stores a plain SSM parameter (overwriting one).
func (m *Moto) PutParameter(t testing.TB, name, value string) {
	t.Helper()
	m.Call(t, "ssm", "AmazonSSM.PutParameter", map[string]any{"Name": name, "Value": value, "Type": "String", "Overwrite": true})
}

// MotoAt is an emulator that code under test started (rds-app-rehearse's
// own), for the test to call through the AWS CLI.
func MotoAt(t testing.TB, url string) *Moto {
	t.Helper()
	return &Moto{URL: url, aws: RequireTool(t, "aws")}
}
