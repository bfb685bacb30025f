package host

// The host's health reporter run for real: the script exactly as the dev
// stack's user-data installs it, with the host.env the program renders,
// the real AWS CLI and jq against moto_server on loopback, and a local
// server standing in for the application. What it publishes is read back
// from the emulator's CloudWatch.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/acceptance/host/fakedocker"
	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/testenv"
)

// healthReporter is the dev stack's reporter and the settings it runs with.
type healthReporter struct {
	script  string
	hostEnv map[string]string
}

// devHealthReporter is the dev stack's reporter, once the tools it runs
// with are there.
func devHealthReporter(t *testing.T) healthReporter {
	t.Helper()
	testenv.RequireTool(t, "jq")
	testenv.RequireTool(t, "curl")
	testenv.RequireTool(t, "bash")
	dev := stacktest.Named(t, "dev")
	r := stacktest.Render(t, dev.Name, dev.Config)
	files := hostFiles(t, r.UserData)
	env := map[string]string{}
	for _, line := range strings.Split(files[hostconf.HostEnvPath].Content, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = v
		}
	}
	return healthReporter{script: files[hostconf.HealthScriptPath].Content, hostEnv: env}
}

// reportRun is one run of the reporter.
type reportRun struct {
	output string
	err    error
}

// report runs the reporter once with the rendered host.env, the emulator's
// endpoint, the host's state directory (where live.json says what serves)
// and the overrides.
func (h healthReporter) report(t *testing.T, moto *testenv.Moto, stateDir string, overrides map[string]string) reportRun {
	t.Helper()
	script := testenv.WriteTemp(t, t.TempDir(), "rds-app-health", h.script, 0o755)
	env := []string{"PATH=" + testenv.ToolDir(t, "aws") + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_MAX_ATTEMPTS=1"}
	for k, v := range h.hostEnv {
		env = append(env, k+"="+v)
	}
	for _, kv := range moto.Env() {
		if !strings.HasPrefix(kv, "AWS_REGION=") { // the rendered region stays
			env = append(env, kv)
		}
	}
	env = append(env, "STATE_DIR="+stateDir)
	for k, v := range overrides {
		env = append(env, k+"="+v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return reportRun{output: string(out), err: err}
}

// reported reads back what the emulator holds for the metric: every value
// published, the zeros first (statistics keep no order).
func reported(t *testing.T, moto *testenv.Moto, namespace, metric string) []float64 {
	t.Helper()
	now := time.Now().UTC()
	out := moto.AWS(t, "cloudwatch", "get-metric-statistics", "--namespace", namespace, "--metric-name", metric,
		"--start-time", now.Add(-time.Hour).Format(time.RFC3339), "--end-time", now.Add(time.Hour).Format(time.RFC3339),
		"--period", "7200", "--statistics", "Minimum", "Maximum", "SampleCount", "Sum", "--output", "json")
	var stats struct {
		Datapoints []struct{ Minimum, Maximum, SampleCount, Sum float64 }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &stats))
	if len(stats.Datapoints) == 0 {
		return nil
	}
	d := stats.Datapoints[0]
	// With values of 0 and 1 only, the sum counts the ones.
	var values []float64
	for i := 0; i < int(d.SampleCount); i++ {
		if float64(i) < d.SampleCount-d.Sum {
			values = append(values, 0)
		} else {
			values = append(values, 1)
		}
	}
	return values
}

// healthProbeApp answers the health check with status and records the paths asked.
type healthProbeApp struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
}

func newHealthProbeApp(t *testing.T, status int) *healthProbeApp {
	t.Helper()
	a := &healthProbeApp{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.paths = append(a.paths, r.URL.RequestURI())
		a.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(a.Close)
	return a
}

// port is the port the application listens on, on 127.0.0.1: the
// settings' hostPort, where the reporter asks without a domain.
func (a *healthProbeApp) port(t *testing.T) int {
	t.Helper()
	u, err := url.Parse(a.URL)
	require.NoError(t, err)
	port, err := strconv.Atoi(u.Port())
	require.NoError(t, err)
	return port
}

func (a *healthProbeApp) asked() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.paths...)
}

// liveState is a host's state directory whose live.json records a
// release of settings as serving, as rds-app-swap writes it after a
// switch.
func liveState(t *testing.T, settings string) string {
	t.Helper()
	dir := t.TempDir()
	live := `{"slot":"blue","image":"registry.example.com/shop:v1","settings":` + settings + `}`
	require.True(t, json.Valid([]byte(live)))
	testenv.WriteTemp(t, dir, "live.json", live, 0o600)
	return dir
}

// servingHealthSettings is liveState for container settings with the
// given port and health check path.
func servingHealthSettings(t *testing.T, port int, path string) string {
	t.Helper()
	settings, err := hostconf.ContainerSettings{HostPort: port, ContainerPort: 80, HealthCheckPath: path, HealthCheckTimeout: 120, HealthCheckInterval: 2,
		HealthCheckRetries: 10, DrainSeconds: 10, ProxyImage: "public.ecr.aws/docker/library/caddy:2.11.4",
		SlotPorts: awsfacts.AppSlotPorts, ProxyAdminPort: awsfacts.ProxyAdminPort, Environment: map[string]string{"A": "b"}}.JSON()
	require.NoError(t, err)
	return liveState(t, settings)
}

func TestHealthReporter(t *testing.T) {
	t.Parallel()
	h := devHealthReporter(t)
	moto := testenv.StartMoto(t)
	metric := h.hostEnv["HEALTH_METRIC"]

	t.Run("a healthy application reports 1, asked on its own health check path", func(t *testing.T) {
		app := newHealthProbeApp(t, http.StatusNoContent)
		ns := "rds-app-test/healthy"
		state := servingHealthSettings(t, app.port(t), "/healthz?full=1")
		run := h.report(t, moto, state, map[string]string{"HEALTH_NAMESPACE": ns})
		require.NoError(t, run.err, run.output)
		assert.Equal(t, []string{"/healthz?full=1"}, app.asked())
		assert.Equal(t, []float64{1}, reported(t, moto, ns, metric))
		assert.Empty(t, run.output, "a healthy minute leaves the journal alone")
	})
	// Without a domain the proxy's automatic HTTPS is off: a redirect on
	// app.hostPort is the application's own (with one, see
	// TestHealthReporterWithADomain).
	t.Run("the application's redirect counts as healthy, as at deploys", func(t *testing.T) {
		app := newHealthProbeApp(t, http.StatusPermanentRedirect)
		ns := "rds-app-test/redirect"
		state := servingHealthSettings(t, app.port(t), "/")
		run := h.report(t, moto, state, map[string]string{"HEALTH_NAMESPACE": ns})
		require.NoError(t, run.err, run.output)
		assert.Equal(t, []float64{1}, reported(t, moto, ns, metric))
	})
	t.Run("an error answer reports 0 and says what came back", func(t *testing.T) {
		app := newHealthProbeApp(t, http.StatusServiceUnavailable)
		ns := "rds-app-test/failing"
		state := servingHealthSettings(t, app.port(t), "/healthz")
		run := h.report(t, moto, state, map[string]string{"HEALTH_NAMESPACE": ns})
		require.NoError(t, run.err, run.output)
		assert.Equal(t, []float64{0}, reported(t, moto, ns, metric))
		assert.Contains(t, run.output, "unhealthy: "+app.URL+"/healthz answered 503")
	})
	t.Run("nothing listening on the host port reports 0", func(t *testing.T) {
		ns := "rds-app-test/down"
		port := testenv.FreePort(t)
		state := servingHealthSettings(t, port, "/")
		run := h.report(t, moto, state, map[string]string{"HEALTH_NAMESPACE": ns})
		require.NoError(t, run.err, run.output)
		assert.Equal(t, []float64{0}, reported(t, moto, ns, metric))
		assert.Contains(t, run.output, fmt.Sprintf("unhealthy: http://127.0.0.1:%d/ answered nothing: Failed to connect", port))
	})
	t.Run("nothing served yet reports 0", func(t *testing.T) {
		app := newHealthProbeApp(t, http.StatusOK)
		ns := "rds-app-test/unset"
		state := t.TempDir()
		run := h.report(t, moto, state, map[string]string{"HEALTH_NAMESPACE": ns})
		require.NoError(t, run.err, run.output)
		assert.Empty(t, app.asked())
		assert.Equal(t, []float64{0}, reported(t, moto, ns, metric))
		assert.Contains(t, run.output, "unhealthy: nothing serves on this host yet ("+state+"/live.json is not there)")
	})
	t.Run("settings of what serves it cannot use report 0", func(t *testing.T) {
		ns := "rds-app-test/unusable"
		state := liveState(t, `{"hostPort":"80"}`)
		run := h.report(t, moto, state, map[string]string{"HEALTH_NAMESPACE": ns})
		require.NoError(t, run.err, run.output)
		assert.Equal(t, []float64{0}, reported(t, moto, ns, metric))
		assert.Contains(t, run.output, "the settings have no usable hostPort and healthCheckPath")
		assert.Contains(t, run.output, "unhealthy: the settings of what serves, in "+state+"/live.json, cannot be read")
	})
	t.Run("a report CloudWatch does not take fails the unit", func(t *testing.T) {
		app := newHealthProbeApp(t, http.StatusOK)
		state := servingHealthSettings(t, app.port(t), "/")
		// CloudWatch's endpoint is a port nothing listens on.
		run := h.report(t, moto, state, map[string]string{
			"AWS_ENDPOINT_URL_CLOUDWATCH": fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t))})
		require.Error(t, run.err)
		assert.Contains(t, run.output, "error: cannot publish "+h.hostEnv["HEALTH_NAMESPACE"]+"/"+metric)
	})
	t.Run("a setting missing from host.env stops it", func(t *testing.T) {
		run := h.report(t, moto, t.TempDir(), map[string]string{"HEALTH_NAMESPACE": ""})
		require.Error(t, run.err)
		assert.Contains(t, run.output, "error: HEALTH_NAMESPACE is not set")
	})
}

// TestHealthReporterWithADomain: on one host with app.domain the proxy's
// port 80 (app.hostPort) answers anything with Caddy's redirect to HTTPS,
// application or none, so a check there would always read healthy. The
// reporter asks over HTTPS for the domain instead, resolved to the host,
// with the certificate checked: the real caddy serving the configuration
// the program stores (on test ports, with its local CA standing in for
// Let's Encrypt) reads 1 while the application runs and 0 once it stops.
func TestHealthReporterWithADomain(t *testing.T) {
	t.Parallel()
	h := devHealthReporter(t)
	moto := testenv.StartMoto(t)
	metric := h.hostEnv["HEALTH_METRIC"]
	const domain = "shop.example.com"
	settings := domainSettings(t, domain)
	app := newHealthProbeApp(t, http.StatusOK)
	proxy := startHTTPSProxy(t, settings["proxy"].(map[string]any), strings.TrimPrefix(app.URL, "http://"))
	// app.hostPort is the port Caddy redirects on, 80 on the host.
	require.EqualValues(t, 80, settings["hostPort"])
	settings["hostPort"], settings["healthCheckPath"] = proxy.HTTPPort, "/healthz"
	text, err := json.Marshal(settings)
	require.NoError(t, err)
	state := liveState(t, string(text))
	healthURL := fmt.Sprintf("https://%s:%d/healthz", domain, proxy.HTTPSPort)
	proxy.Get(t, healthURL).Body.Close() // the certificate is there
	ns := "rds-app-test/domain"
	// curl checks the certificate against CURL_CA_BUNDLE, as on the host
	// against the system's roots.
	env := map[string]string{"HEALTH_NAMESPACE": ns, "CURL_CA_BUNDLE": proxy.RootPath}

	up := h.report(t, moto, state, env)
	require.NoError(t, up.err, up.output)
	assert.Empty(t, up.output, "a healthy minute leaves the journal alone")
	assert.Equal(t, []string{"/healthz", "/healthz"}, app.asked(), "the test's request, then the reporter's, through the proxy")

	app.Close() // the application stops
	redirect, err := proxy.Client.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", proxy.HTTPPort))
	require.NoError(t, err)
	redirect.Body.Close()
	require.Equal(t, http.StatusPermanentRedirect, redirect.StatusCode, "what a check on app.hostPort would take for health")
	down := h.report(t, moto, state, env)
	require.NoError(t, down.err, down.output)
	assert.Contains(t, down.output, "unhealthy: "+healthURL+" (on this host) answered 502")
	assert.ElementsMatch(t, []float64{1, 0}, reported(t, moto, ns, metric), "one of each")

	t.Run("a certificate the host does not trust reads 0", func(t *testing.T) {
		other := map[string]string{"HEALTH_NAMESPACE": ns + "-untrusted",
			"CURL_CA_BUNDLE": testenv.WriteTemp(t, t.TempDir(), "other.pem", string(testenv.NewCA(t, "other").CertPEM), 0o644)}
		run := h.report(t, moto, state, other)
		require.NoError(t, run.err, run.output)
		assert.Contains(t, run.output, "unhealthy: "+healthURL+" (on this host) answered nothing: ")
		assert.Equal(t, []float64{0}, reported(t, moto, ns+"-untrusted", metric))
	})
}

// TestHealthReporterAsksWhatServes: the reporter reads the live.json the
// start script's deploy leaves (run for real through the harness), and
// asks the release that serves through the proxy.
func TestHealthReporterAsksWhatServes(t *testing.T) {
	t.Parallel()
	h := devHealthReporter(t)
	f := newStartScriptFixture(t, "registry.example.com/shop:v1")
	s := f.sandbox(t, nil)
	run := s.Run()
	require.NoError(t, run.Err, run.Output)
	ns := "rds-app-test/serving"
	report := h.report(t, f.moto, s.Env["STATE_DIR"], map[string]string{"HEALTH_NAMESPACE": ns})
	require.NoError(t, report.err, report.output)
	assert.Empty(t, report.output, "a healthy minute leaves the journal alone")
	assert.Equal(t, []float64{1}, reported(t, f.moto, ns, h.hostEnv["HEALTH_METRIC"]))

	// The application stops: the proxy still answers, but not with the
	// application.
	fakedocker.KillContainers(s.Env["FAKE_DOCKER_STATE"])
	down := h.report(t, f.moto, s.Env["STATE_DIR"], map[string]string{"HEALTH_NAMESPACE": ns + "-down"})
	require.NoError(t, down.err, down.output)
	assert.Equal(t, []float64{0}, reported(t, f.moto, ns+"-down", h.hostEnv["HEALTH_METRIC"]))
}
