package host

// A harness that runs the host's start script for real: the scripts exactly
// as the program's user-data installs them, the real AWS CLI and jq against
// a moto_server (an AWS API emulator) on loopback, the real caddy as the
// proxy, a stand-in for docker (fakedocker_test.go) that runs the proxy and
// fake applications as local processes, a recording shim for systemctl,
// a uname that answers for the stack's instance type, first on PATH, and
// a stand-in for the instance metadata service on loopback.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/acceptance/host/fakedocker"
	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/testenv"
)

// storeRelease records the release of image and settings with the
// secrets' current versions the way the program does: a new version of the
// release record in the host's release bucket, which makes it the newest
// (what a single host deploys). It returns the version's ID, what a
// group's launch template tags its hosts with.
func storeRelease(t testing.TB, m *testenv.Moto, boot hostBoot, image, settings, dbArn, appArn string) string {
	t.Helper()
	dbVersion, appVersion := m.SecretVersion(t, dbArn), m.SecretVersion(t, appArn)
	require.NotEmpty(t, dbVersion, "the database secret has no value to record")
	require.NotEmpty(t, appVersion, "the application secret has no value to record")
	text, err := hostconf.NewReleaseRecord(hostconf.Release{Image: image, Container: settings}, dbVersion, appVersion).JSON()
	require.NoError(t, err)
	return putRecord(t, m, boot, text)
}

// putRecord writes text as the newest version of the host's release
// record and returns the version's ID.
func putRecord(t testing.TB, m *testenv.Moto, boot hostBoot, text string) string {
	t.Helper()
	return m.PutObject(t, boot.HostEnv["RELEASE_BUCKET"], boot.HostEnv["RELEASE_KEY"], text)
}

// putRelease is storeRelease: the release a single host's rollout
// deploys is the newest.
func putRelease(t testing.TB, m *testenv.Moto, boot hostBoot, image, settings, dbArn, appArn string) string {
	t.Helper()
	return storeRelease(t, m, boot, image, settings, dbArn, appArn)
}

// localPorts gives settings ports of their own: the proxy's, its admin
// API's and the slots', so that tests run side by side and as any user.
// Health checks run every second.
func localPorts(t testing.TB, s *hostconf.ContainerSettings) {
	t.Helper()
	ports := testenv.FreePorts(t, 4)
	s.HostPort, s.ProxyAdminPort = ports[0], ports[1]
	s.SlotPorts = [2]int{ports[2], ports[3]}
	s.HealthCheckInterval = 1
}

// localSettings is settings JSON with localPorts.
func localSettings(t testing.TB, settings string) string {
	t.Helper()
	var s hostconf.ContainerSettings
	require.NoError(t, json.Unmarshal([]byte(settings), &s))
	localPorts(t, &s)
	out, err := s.JSON()
	require.NoError(t, err)
	return out
}

// hostBoot is what the program's user-data puts on the host.
type hostBoot struct {
	StartScript string
	SwapScript  string
	// Sysctl is the host's kernel settings file.
	Sysctl string
	// HostEnv is /etc/rds-app/host.env as KEY -> value.
	HostEnv map[string]string
	// Container is the container settings (ports, health check path and
	// plain environment, JSON) as the program stores them.
	Container string
	// InstanceType is the host's EC2 type.
	InstanceType string
}

// bootFilesOf renders the shipped stack through the real program under
// mocks and returns what its user-data writes.
func bootFilesOf(t testing.TB, stack string) hostBoot {
	t.Helper()
	for _, s := range stacktest.Shipped(t) {
		if s.Name != stack {
			continue
		}
		r := stacktest.Render(t, s.Name, s.Config)
		files := hostFiles(t, r.UserData)
		boot := hostBoot{
			StartScript:  files[hostconf.StartScriptPath].Content,
			SwapScript:   files[hostconf.SwapScriptPath].Content,
			Sysctl:       files[hostconf.SysctlPath].Content,
			Container:    r.ReleaseSettings,
			HostEnv:      map[string]string{},
			InstanceType: r.InstanceType,
		}
		require.NotEmpty(t, boot.Container)
		require.NotEmpty(t, boot.StartScript)
		require.NotEmpty(t, boot.SwapScript)
		sc := bufio.NewScanner(strings.NewReader(files[hostconf.HostEnvPath].Content))
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			require.True(t, ok, "host.env line %q", line)
			boot.HostEnv[k] = v
		}
		return boot
	}
	t.Fatalf("no shipped stack %q", stack)
	return hostBoot{}
}

// recordingShim is a shell script that appends its name and arguments to
// $SHIM_LOG (NUL between words, RS after each command line), as the fake
// docker does too.
const recordingShim = `#!/bin/bash
set -euo pipefail
{
  printf '%s' "$(basename "$0")"
  printf '\0%s' "$@"
  printf '\036'
} >>"$SHIM_LOG"
`

// hostPlatform is what the host of instanceType is: uname -m's answer,
// and the platform Docker names.
func hostPlatform(t testing.TB, instanceType string) (machine, platform string) {
	t.Helper()
	switch arch := awsfacts.Architecture(instanceType); arch {
	case "arm64":
		return "aarch64", "linux/arm64"
	case "x86_64":
		return "x86_64", "linux/amd64"
	default:
		t.Fatalf("instance type %q has no known architecture (%q)", instanceType, arch)
		return "", ""
	}
}

// unameShim answers `uname -m` as the host of the stack would; anything
// else is the real uname's.
func unameShim(t testing.TB, machine string) string {
	t.Helper()
	uname, err := exec.LookPath("uname")
	require.NoError(t, err)
	return "#!/bin/sh\nif [ \"$*\" = -m ]; then echo " + machine + "; exit 0; fi\nexec '" + uname + "' \"$@\"\n"
}

// fakeIMDSToken is the fake instance metadata service's session token.
const fakeIMDSToken = "fake-imds-token"

// fakeIMDS stands in for the host's instance metadata service, IMDSv2 only
// (a token first), on loopback: it answers the instance type and the
// instance's tags (404 for a tag the instance does not have, as EC2 does,
// and for every tag when tags are not in the metadata).
type fakeIMDS struct {
	URL  string
	mu   sync.Mutex
	tags map[string]string
}

// instanceTagPath is where the metadata service shows an instance tag.
const instanceTagPath = "/latest/meta-data/tags/instance/"

func startFakeIMDS(t testing.TB, instanceType string) *fakeIMDS {
	t.Helper()
	m := &fakeIMDS{tags: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" && r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") != "":
			_, _ = io.WriteString(w, fakeIMDSToken)
		case r.Header.Get("X-aws-ec2-metadata-token") != fakeIMDSToken:
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		case r.Method == http.MethodGet && r.URL.Path == "/latest/meta-data/instance-type":
			_, _ = io.WriteString(w, instanceType)
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, instanceTagPath):
			m.mu.Lock()
			value, ok := m.tags[strings.TrimPrefix(r.URL.Path, instanceTagPath)]
			m.mu.Unlock()
			if !ok {
				http.NotFound(w, r)
				return
			}
			_, _ = io.WriteString(w, value)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	return m
}

// Tag gives the instance a tag, as a launch template version does.
func (m *fakeIMDS) Tag(key, value string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tags[key] = value
}

// Untag takes a tag away.
func (m *fakeIMDS) Untag(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tags, key)
}

// scriptRun is one run of the start script.
type scriptRun struct {
	Dir        string
	RuntimeDir string
	EnvFile    string
	// PlainEnvFile holds the plain variables from the container settings.
	PlainEnvFile string
	// Commands are the recorded docker and systemctl command lines.
	Commands [][]string
	// LoginStdin is what `docker login` read on its standard input.
	LoginStdin string
	// Output is the script's standard output and error.
	Output string
	Err    error
}

// testRDSBundle and testAmazonRoots stand in for the region's RDS CA
// bundle and Amazon Trust Services' four roots.
var (
	testRDSBundle   = "-----BEGIN CERTIFICATE-----\nTEST RDS\n-----END CERTIFICATE-----\n"
	testAmazonRoots = []string{
		"-----BEGIN CERTIFICATE-----\nTEST AMAZON ROOT CA 1\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nTEST AMAZON ROOT CA 2\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nTEST AMAZON ROOT CA 3\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nTEST AMAZON ROOT CA 4\n-----END CERTIFICATE-----\n",
	}
)

// startScriptRun prepares a sandbox for the start script: the scripts as
// user-data installs them, their host settings (with sandbox paths and the
// given overrides), the shims, and the CA certificates to download.
type startScriptRun struct {
	t       testing.TB
	Dir     string
	Script  string
	Env     map[string]string
	shimDir string
	// IMDS is the host's instance metadata service.
	IMDS *fakeIMDS
	// Args are the start script's arguments ("boot"; none: a deploy).
	Args []string
}

func newStartScriptRun(t testing.TB, moto *testenv.Moto, boot hostBoot, overrides map[string]string) *startScriptRun {
	t.Helper()
	testenv.RequireTool(t, "jq")
	testenv.RequireTool(t, "curl")
	testenv.RequireTool(t, "bash")
	caddy := testenv.RequireTool(t, "caddy")
	dir := t.TempDir()
	shimDir := filepath.Join(dir, "shims")
	require.NoError(t, os.Mkdir(shimDir, 0o755))
	testenv.WriteTemp(t, shimDir, "systemctl", recordingShim, 0o755)
	testenv.WriteTemp(t, shimDir, "docker", fakeDockerShim(t), 0o755)
	machine, platform := hostPlatform(t, boot.InstanceType)
	testenv.WriteTemp(t, shimDir, "uname", unameShim(t, machine), 0o755)
	script := testenv.WriteTemp(t, dir, "rds-app-start", boot.StartScript, 0o755)
	testenv.WriteTemp(t, dir, "rds-app-swap", boot.SwapScript, 0o755)
	// The CA downloads come from files: the RDS bundle, and Amazon's four
	// roots for a proxy.
	published := filepath.Join(dir, "published")
	require.NoError(t, os.Mkdir(published, 0o755))
	rdsBundle := testenv.WriteTemp(t, published, "eu-west-1-bundle.pem", testRDSBundle, 0o644)
	var amazonRoots []string
	for i, pem := range testAmazonRoots {
		amazonRoots = append(amazonRoots, "file://"+testenv.WriteTemp(t, published, fmt.Sprintf("AmazonRootCA%d.pem", i+1), pem, 0o644))
	}
	runtimeDir := filepath.Join(dir, "run", "rds-app")
	require.NoError(t, os.MkdirAll(runtimeDir, 0o700))
	dockerState := filepath.Join(dir, "docker")
	require.NoError(t, os.Mkdir(dockerState, 0o700))
	// Containers outlive the script, as they would on the host: they are
	// ended when the test is.
	t.Cleanup(func() { fakedocker.KillContainers(dockerState) })
	// Containers outlive the fake docker that starts them, as they would
	// docker's CLI: the reaper reads their PIDs when the test process ends.
	require.NoError(t, testenv.ReapPIDFile(filepath.Join(dockerState, "pids")))

	env := map[string]string{}
	for k, v := range boot.HostEnv {
		env[k] = v
	}
	// Host paths become sandbox paths; everything else is as rendered.
	env["CA_BUNDLE"] = filepath.Join(dir, "rds-ca-bundle.pem")
	env["CA_BUNDLE_URL"] = "file://" + rdsBundle
	env["AMAZON_ROOT_CA_URLS"] = strings.Join(amazonRoots, " ")
	env["RUNTIME_DIRECTORY"] = runtimeDir // systemd sets this from RuntimeDirectory=
	env["STATE_DIR"] = filepath.Join(dir, "state")
	env["RELEASE_POLL_SECONDS"] = "1"
	env["RELEASE_WAIT_SECONDS"] = "30"
	env["RETRY_DELAY_SECONDS"] = "0"
	env["RETRY_ATTEMPTS"] = "2"
	env["AWS_MAX_ATTEMPTS"] = "2"
	env["SHIM_LOG"] = filepath.Join(dir, "commands.log")
	env["SHIM_STDIN"] = filepath.Join(dir, "login-stdin")
	env["FAKE_DOCKER_STATE"] = dockerState
	env["FAKE_DOCKER_CADDY"] = caddy
	env["FAKE_DOCKER_HOST_PLATFORM"] = platform
	// The host's instance type and tags come from its metadata service
	// (the AWS CLI's name for the override).
	imds := startFakeIMDS(t, boot.InstanceType)
	env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.URL
	for _, kv := range moto.Env() {
		k, v, _ := strings.Cut(kv, "=")
		if k != "AWS_REGION" { // the rendered region stays
			env[k] = v
		}
	}
	env["PATH"] = strings.Join([]string{shimDir, testenv.ToolDir(t, "aws"), os.Getenv("PATH")}, string(os.PathListSeparator))
	env["HOME"] = dir
	for k, v := range overrides {
		env[k] = v
	}
	return &startScriptRun{t: t, Dir: dir, Script: script, Env: env, shimDir: shimDir, IMDS: imds}
}

// watchedRun is a background run of the start script whose output can be
// read while it runs (a test may have to see the script wait before it
// lets it go on).
type watchedRun struct {
	mu     sync.Mutex
	out    strings.Builder
	done   chan struct{}
	result scriptRun
}

func (w *watchedRun) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(p)
}

// Output is what the script has printed so far.
func (w *watchedRun) Output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

// Done reports whether the script has ended.
func (w *watchedRun) Done() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// Wait waits for the script to end, at most timeout.
func (w *watchedRun) Wait(t testing.TB, timeout time.Duration) scriptRun {
	t.Helper()
	select {
	case <-w.done:
		return w.result
	case <-time.After(timeout):
		t.Fatalf("the script did not finish in %v:\n%s", timeout, w.Output())
		return scriptRun{}
	}
}

// Start runs the script in the background (killed after five minutes or
// when the test ends).
func (s *startScriptRun) Start(t testing.TB) *watchedRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	cmd := exec.CommandContext(ctx, "bash", append([]string{s.Script}, s.Args...)...)
	for k, v := range s.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	w := &watchedRun{done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = w, w
	// A killed script's children (sleep, aws) must not hold Wait forever.
	cmd.WaitDelay = 5 * time.Second
	require.NoError(t, testenv.Start(cmd))
	go func() {
		err := cmd.Wait()
		w.result = s.result(w.Output(), err)
		close(w.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-w.done
	})
	return w
}

// Run runs the script to completion. The limit only stops a hung script:
// a deploy on a busy machine (the AWS CLI starts slowly) takes a minute.
func (s *startScriptRun) Run() scriptRun {
	s.t.Helper()
	return s.Start(s.t).Wait(s.t, 4*time.Minute)
}

func (s *startScriptRun) result(output string, err error) scriptRun {
	r := scriptRun{
		Dir: s.Dir, RuntimeDir: s.Env["RUNTIME_DIRECTORY"],
		EnvFile:      filepath.Join(s.Env["RUNTIME_DIRECTORY"], "app.env"),
		PlainEnvFile: filepath.Join(s.Env["RUNTIME_DIRECTORY"], "plain.env"),
		Output:       output, Err: err,
	}
	if b, err := os.ReadFile(s.Env["SHIM_LOG"]); err == nil {
		for _, record := range strings.Split(string(b), "\x1e") {
			if record != "" {
				r.Commands = append(r.Commands, strings.Split(record, "\x00"))
			}
		}
	}
	if b, err := os.ReadFile(s.Env["SHIM_STDIN"]); err == nil {
		r.LoginStdin = string(b)
	}
	return r
}

// readProxyName is the live proxy's container, as the host records it.
func readProxyName(t *testing.T, s *startScriptRun) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Env["STATE_DIR"], "proxy.name"))
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

// Find returns the recorded command lines starting with the given words.
func (r scriptRun) Find(prefix ...string) [][]string {
	var out [][]string
	for _, argv := range r.Commands {
		if len(argv) >= len(prefix) && strings.Join(argv[:len(prefix)], "\x00") == strings.Join(prefix, "\x00") {
			out = append(out, argv)
		}
	}
	return out
}

// EnvFileVars parses the env file the script wrote (Docker env-file format).
func (r scriptRun) EnvFileVars(t testing.TB) map[string]string {
	t.Helper()
	b, err := os.ReadFile(r.EnvFile)
	require.NoError(t, err)
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, "env file line without '=' (value elided)")
		_, dup := vars[k]
		require.False(t, dup, "%s set twice", k)
		vars[k] = v
	}
	return vars
}

// TestStartScriptHarness is a smoke test of the harness itself: the dev
// stack's script, with both secrets and a release in place, starts the
// container.
func TestStartScriptHarness(t *testing.T) {
	moto := testenv.StartMoto(t)
	boot := bootFilesOf(t, "dev")
	dbArn := moto.CreateSecret(t, "db", `{"engine":"postgres","host":"db.example.internal","port":5432,"dbname":"app","username":"app_admin","password":"pw-1","sslmode":"verify-full"}`)
	appArn := moto.CreateSecret(t, "app", `{"JWT_SECRET":"jwt-1"}`)
	putRelease(t, moto, boot, "public.ecr.aws/docker/library/nginx:stable-alpine", localSettings(t, boot.Container), dbArn, appArn)
	run := newStartScriptRun(t, moto, boot, map[string]string{"DB_SECRET_ARN": dbArn, "APP_SECRET_ARN": appArn}).Run()
	require.NoError(t, run.Err, run.Output)
	require.Len(t, run.Find("docker", "run"), 2, "the proxy and the application:\n%s", run.Output)
	require.Equal(t, "db.example.internal", run.EnvFileVars(t)["DATABASE_HOST"])
}
