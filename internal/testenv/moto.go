package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rds-app/rds-app/internal/motoserver"
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

// StartMoto starts a moto_server of the test's own, as rds-app-rehearse
// starts one (motoserver.Start), and hands it to the reaper.
func StartMoto(t testing.TB) *Moto {
	t.Helper()
	bin := RequireTool(t, "moto_server")
	awsCLI := RequireTool(t, "aws")
	logPath := filepath.Join(t.TempDir(), "moto.log")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	t.Cleanup(func() { _ = logFile.Close() })
	m, err := motoserver.Start(context.Background(), bin, logFile)
	if err != nil {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("%v\n%s", err, log)
	}
	t.Cleanup(m.Stop)
	require.NoError(t, ReapGroup(m.PID()))
	return &Moto{URL: m.URL, Log: logPath, aws: awsCLI}
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

// SecretVersion is the ID of a secret's current version (AWSCURRENT), or
// "" when it has no value.
func (m *Moto) SecretVersion(t testing.TB, arn string) string {
	t.Helper()
	stages, _ := m.Call(t, "secretsmanager", "secretsmanager.DescribeSecret", map[string]any{"SecretId": arn})["VersionIdsToStages"].(map[string]any)
	for version, labels := range stages {
		list, _ := labels.([]any)
		for _, label := range list {
			if label == "AWSCURRENT" {
				return version
			}
		}
	}
	return ""
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

// PutObject stores body as key in bucket, which it creates, versioned,
// the first time, straight to the server (as Call does), and returns the
// version ID S3 gives the object.
func (m *Moto) PutObject(t testing.TB, bucket, key, body string) string {
	t.Helper()
	s3 := func(method, path, body string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, m.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/"+MotoRegion+"/s3/aws4_request, SignedHeaders=host, Signature=0")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	created := s3(http.MethodPut, "/"+bucket, "<CreateBucketConfiguration><LocationConstraint>"+MotoRegion+"</LocationConstraint></CreateBucketConfiguration>")
	require.Contains(t, []int{http.StatusOK, http.StatusConflict}, created.StatusCode, "creating bucket %s", bucket)
	if created.StatusCode == http.StatusOK {
		versioned := s3(http.MethodPut, "/"+bucket+"?versioning", `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)
		require.Equal(t, http.StatusOK, versioned.StatusCode, "versioning bucket %s", bucket)
	}
	put := s3(http.MethodPut, "/"+bucket+"/"+key, body)
	require.Equal(t, http.StatusOK, put.StatusCode, "putting s3://%s/%s", bucket, key)
	version := put.Header.Get("x-amz-version-id")
	require.NotEmpty(t, version, "s3://%s/%s has no version: is the bucket versioned?", bucket, key)
	return version
}
