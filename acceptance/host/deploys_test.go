//go:build unix

package host

// Zero-downtime deploys, measured: the host's scripts as user-data ships
// them, the real caddy as the proxy and fake applications as containers
// (fakedocker_test.go), under a steady load of concurrent requests through
// the proxy for the whole deploy. Every request must be answered by a
// healthy version: a swap to a healthy version, to one that never becomes
// healthy and to one that answers 500 drops none, and neither does a new
// proxy image (app.proxyImage), the new proxy started beside the old one,
// nor a new proxy that never answers.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// loadRate is the requests per second the load aims at; the issue's
	// floor is 200.
	loadRate    = 400
	minLoadRate = 200
	loadWorkers = 64
	// Every slowEvery-th request takes slowMillis on the application: some
	// are always in flight when the proxy switches.
	slowEvery  = 10
	slowMillis = 300
)

// loadResult is one request of the load.
type loadResult struct {
	start, end time.Time
	status     int
	body       string
	err        error
}

// load sends requests to base at loadRate until stopped: half the workers
// keep connections alive (as browsers do), half open one per request.
type load struct {
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	results []loadResult
}

func startLoad(base string) *load {
	l := &load{stop: make(chan struct{})}
	tokens := make(chan int, loadRate*10)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(tokens)
		tick := time.NewTicker(time.Second / loadRate)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-l.stop:
				return
			case <-tick.C:
				select {
				case tokens <- n:
				default: // the workers are behind; the rate shows it
				}
			}
		}
	}()
	keepAlive := &http.Transport{MaxIdleConnsPerHost: loadWorkers}
	oneShot := &http.Transport{DisableKeepAlives: true}
	for w := 0; w < loadWorkers; w++ {
		client := &http.Client{Timeout: 30 * time.Second, Transport: keepAlive}
		if w%2 == 1 {
			client.Transport = oneShot
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := range tokens {
				path := "/load"
				if n%slowEvery == 0 {
					path = fmt.Sprintf("/load/slow?ms=%d", slowMillis)
				}
				r := loadResult{start: time.Now()}
				resp, err := client.Get(base + path)
				if err == nil {
					var b []byte
					b, err = io.ReadAll(resp.Body)
					resp.Body.Close()
					r.status, r.body = resp.StatusCode, string(b)
				}
				r.err, r.end = err, time.Now()
				l.mu.Lock()
				l.results = append(l.results, r)
				l.mu.Unlock()
			}
		}()
	}
	return l
}

// Stop ends the load and returns every request's result.
func (l *load) Stop() []loadResult {
	close(l.stop)
	l.wg.Wait()
	return l.results
}

// deployReport is what one deploy under load measured.
type deployReport struct {
	name             string
	total, dropped   int
	rate             float64
	deploy           time.Duration
	byVersion        map[string]int
	firstNew         time.Duration // from the deploy's start to the new version's first answer
	drainedAfterNew  int           // old version's answers completed after the new one's first
	firstDropExample string
	// switched is how long the proxy's switch took; proxyAnswered and
	// replaced how long a new proxy took to answer and to replace the old
	// one: as the deploy logged them.
	switched, proxyAnswered, replaced string
}

// The deploy's own measures of the switch and of the proxy's replacement.
var (
	switchedRE      = regexp.MustCompile(`the proxy switched in ([0-9]+ms)`)
	proxyAnsweredRE = regexp.MustCompile(`the new proxy \S+ answers after ([0-9]+ms)`)
	replacedRE      = regexp.MustCompile(`the proxy now runs .* replaced in ([0-9]+ms)`)
)

func (r deployReport) String() string {
	s := fmt.Sprintf("%s: dropped=%d of %d (%.0f requests/s during the %.1fs deploy; answers by version %v",
		r.name, r.dropped, r.total, r.rate, r.deploy.Seconds(), r.byVersion)
	if r.firstNew > 0 {
		s += fmt.Sprintf("; the new version answered %.1fs after the deploy began; %d requests in flight on the old one finished after that",
			r.firstNew.Seconds(), r.drainedAfterNew)
	}
	if r.replaced != "" {
		s += "; the new proxy answered after " + r.proxyAnswered + " and replaced the old one in " + r.replaced + ", the old one's drain included"
	}
	if r.switched != "" {
		s += "; the proxy switched in " + r.switched
	}
	if r.firstDropExample != "" {
		s += "; first drop: " + r.firstDropExample
	}
	return s + ")"
}

func summarise(name string, results []loadResult, begin, end time.Time, oldVersion, newVersion string) deployReport {
	r := deployReport{name: name, total: len(results), deploy: end.Sub(begin), byVersion: map[string]int{}}
	var during int
	var firstNew time.Time
	for _, res := range results {
		if !res.start.Before(begin) && res.start.Before(end) {
			during++
		}
		ok := res.err == nil && res.status == http.StatusOK && (res.body == oldVersion || res.body == newVersion)
		if !ok {
			r.dropped++
			if r.firstDropExample == "" {
				r.firstDropExample = fmt.Sprintf("status %d, body %q, error %v", res.status, res.body, res.err)
			}
			continue
		}
		r.byVersion[res.body]++
		if res.body == newVersion && (firstNew.IsZero() || res.end.Before(firstNew)) {
			firstNew = res.end
		}
	}
	r.rate = float64(during) / r.deploy.Seconds()
	if !firstNew.IsZero() {
		r.firstNew = firstNew.Sub(begin)
		for _, res := range results {
			if res.err == nil && res.body == oldVersion && res.end.After(firstNew) {
				r.drainedAfterNew++
			}
		}
	}
	return r
}

// reportDeploy prints the measurement: in the test's log, and in the file
// RDS_APP_DEPLOY_REPORT names (.ci/run prints it after the tests).
func reportDeploy(t *testing.T, r deployReport) {
	t.Helper()
	t.Log(r.String())
	if path := os.Getenv("RDS_APP_DEPLOY_REPORT"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		require.NoError(t, err)
		_, err = f.WriteString(r.String() + "\n")
		require.NoError(t, errors.Join(err, f.Close()))
	}
}

// inOwnNetnsEnv marks the run of a test in a network namespace of its own.
const inOwnNetnsEnv = "RDS_APP_TEST_IN_OWN_NETNS"

// inOwnNetworkNamespace runs the test again, alone, in a network namespace
// of its own, with loopback up and the host's kernel settings applied from
// the file user-data ships: the proxy's reloads rely on
// net.ipv4.tcp_migrate_req, which is a setting of the namespace, and a test
// must not change the machine's. It returns true in that run, which goes
// on with the test's body, and false in the first, which has reported the
// second's outcome.
func inOwnNetworkNamespace(t *testing.T) bool {
	t.Helper()
	if os.Getenv(inOwnNetnsEnv) == "1" {
		return true
	}
	unshare := testenv.RequireTool(t, "unshare", "/usr/bin/unshare")
	ip := testenv.RequireTool(t, "ip", "/usr/sbin/ip", "/sbin/ip")
	sysctl := testenv.RequireTool(t, "sysctl", "/usr/sbin/sysctl", "/sbin/sysctl")
	if os.Geteuid() != 0 {
		msg := "making a network namespace needs root (CI runs as root)"
		if testenv.InCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	settings := testenv.WriteTemp(t, t.TempDir(), "90-rds-app.conf", bootFilesOf(t, "dev").Sysctl, 0o644)
	self, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(unshare, "--net", "--", "sh", "-ec", `"$1" link set lo up; "$2" -q -p "$3"; shift 3; exec "$@"`,
		"sh", ip, sysctl, settings, self, "-test.run", "^"+t.Name()+"$", "-test.v", "-test.count", "1", "-test.timeout", "20m")
	cmd.Env = append(os.Environ(), inOwnNetnsEnv+"=1")
	var combined bytes.Buffer
	cmd.Stdout, cmd.Stderr = &combined, &combined
	require.NoError(t, testenv.Start(cmd))
	err = cmd.Wait()
	out := combined.Bytes()
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		t.Log(line)
	}
	require.NoError(t, err, "the run in its own network namespace failed (its output is above)")
	return false
}

// TestZeroDowntimeDeploys deploys, one after the other on one host, a
// healthy new version, one that never becomes healthy, one that answers
// 500, a new version with a new proxy image, and one with a proxy image
// that never answers, each under a steady load through the proxy: none
// drops a request; the healthy ones take over (and requests in flight on
// the old version at the switch finish on it; the new proxy replaces the
// old one, whose requests in flight finish on it too), the others are
// refused and the old version, behind the old proxy, serves throughout. It
// runs in a network namespace of its own, with the host's kernel settings.
func TestZeroDowntimeDeploys(t *testing.T) {
	if !inOwnNetworkNamespace(t) {
		return
	}
	const repo = "registry.example.com/shop:"
	f := newStartScriptFixture(t, repo+"v1")
	settings := baseSettings(t, f.boot)
	settings.HealthCheckTimeout, settings.HealthCheckRetries, settings.DrainSeconds = 8, 3, 10
	f.setSettings(t, mustJSON(t, settings))
	s := f.sandbox(t, nil)
	first := s.Run()
	require.NoError(t, first.Err, first.Output)
	base := fmt.Sprintf("http://127.0.0.1:%d", settings.HostPort)

	serving, proxy := repo+"v1", readProxyName(t, s)
	// A new proxy image is Debian's caddy again under another name: a
	// second process that binds the same ports beside the first.
	const newProxy, deadProxy = "docker.io/library/caddy:2.6.2", "docker.io/library/caddy:2.6.2-never"
	for _, c := range []struct {
		name, image string
		// proxyImage, when set, is app.proxyImage's new value.
		proxyImage string
		healthy    bool
		why        string
	}{
		{"healthy swap", repo + "v2", "", true, ""},
		{"never healthy", repo + "v3-never", "", false, "did not answer with 2xx or 3xx within 8s"},
		{"answers 500", repo + "v4-500", "", false, "answered 500, and 3 answers were not 2xx or 3xx"},
		{"new proxy image", repo + "v5", newProxy, true, ""},
		{"new proxy never answers", repo + "v6", deadProxy, false, "the new proxy from " + deadProxy + " was refused: its admin API did not answer within 30s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f.setImage(t, c.image)
			if c.proxyImage != "" {
				settings.ProxyImage = c.proxyImage
				f.setSettings(t, mustJSON(t, settings))
			}
			l := startLoad(base)
			// The load is steady before the deploy begins and after it ends.
			time.Sleep(time.Second)
			begin := time.Now()
			run := s.Run()
			end := time.Now()
			time.Sleep(time.Second)
			results := l.Stop()
			report := summarise(c.name, results, begin, end, serving, c.image)
			if m := switchedRE.FindStringSubmatch(run.Output); m != nil {
				report.switched = m[1]
			}
			if m := proxyAnsweredRE.FindStringSubmatch(run.Output); m != nil {
				report.proxyAnswered = m[1]
			}
			if m := replacedRE.FindStringSubmatch(run.Output); m != nil {
				report.replaced = m[1]
			}
			reportDeploy(t, report)

			assert.Zero(t, report.dropped, "every request is answered by a healthy version")
			assert.GreaterOrEqual(t, report.rate, float64(minLoadRate), "the load is at least %d requests/s for the whole deploy", minLoadRate)
			if c.healthy {
				require.NoError(t, run.Err, run.Output)
				assert.Positive(t, report.byVersion[c.image], "the new version serves")
				assert.Positive(t, report.drainedAfterNew, "requests in flight on the old version at the switch finish on it")
				// After the switch, the old version answers nothing new.
				var lastOldStart, firstNewEnd time.Time
				for _, r := range results {
					if r.body == serving && r.start.After(lastOldStart) {
						lastOldStart = r.start
					}
					if r.body == c.image && (firstNewEnd.IsZero() || r.end.Before(firstNewEnd)) {
						firstNewEnd = r.end
					}
				}
				assert.True(t, lastOldStart.Before(end), "the old version took no request after the deploy ended")
				assert.Contains(t, run.Output, "now serving "+c.image)
				if c.proxyImage != "" {
					assert.Contains(t, run.Output, "the proxy now runs "+c.proxyImage, "the new proxy serves")
					proxy = readProxyName(t, s)
				}
				serving = c.image
				return
			}
			require.Error(t, run.Err, run.Output)
			assert.Contains(t, run.Output, c.why)
			assert.Contains(t, run.Output, "keeps serving")
			assert.Equal(t, map[string]int{serving: report.total}, report.byVersion, "the old version answers everything")
			if c.proxyImage != "" {
				assert.Equal(t, proxy, readProxyName(t, s), "the old proxy is still the live one")
				names, err := filepath.Glob(filepath.Join(s.Env["FAKE_DOCKER_STATE"], f.boot.HostEnv["PROXY_NAME"]+"-?.json"))
				require.NoError(t, err)
				assert.Equal(t, []string{filepath.Join(s.Env["FAKE_DOCKER_STATE"], proxy+".json")}, names, "the new proxy is removed")
			}
		})
	}
	_, body := served(t, mustJSON(t, settings), "/")
	assert.Equal(t, repo+"v5", body, "the last healthy version serves")
	assert.False(t, strings.Contains(body, "never") || strings.Contains(body, "500"))
}
