package host

// The image must run on the host's CPU (issue 22): the start script, run
// for real through the harness, refuses an image built for another
// platform after pulling it and before anything changes, with the reason,
// and so fails the rollout like any refused release. The harness's host is
// the dev stack's (a t4g: linux/arm64), and the fake docker builds every
// image for it unless FAKE_DOCKER_PLATFORMS says otherwise.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/testenv"
)

func TestStartScriptRefusesAnImageForAnotherCPU(t *testing.T) {
	t.Parallel()
	const repo = "registry.example.com/shop"
	f := newStartScriptFixture(t, repo+":v1")
	settings := baseSettings(t, f.boot)
	settings.HealthCheckTimeout, settings.HealthCheckRetries = 10, 2
	text := mustJSON(t, settings)
	f.setSettings(t, text)
	_, host := hostPlatform(t, f.boot.InstanceType)
	other := "linux/amd64"
	if host == other {
		other = "linux/arm64"
	}
	require.Equal(t, "t4g.micro", f.boot.InstanceType, "the messages below name the dev stack's type")
	advice := fmt.Sprintf("build it for %s (docker buildx build --platform %s, or bin/rds-app-ship which does)", host, host)
	platforms := map[string][]string{
		repo + ":v2-other":     {other},
		repo + ":v3-index":     {other, "linux/s390x"},
		repo + ":v4-index":     {other, host},
		"caddy:2.6.2-other":    {other},
		repo + ":v5-new-other": {other},
	}
	b, err := json.Marshal(platforms)
	require.NoError(t, err)
	s := f.sandbox(t, map[string]string{"FAKE_DOCKER_PLATFORMS": string(b)})
	first := s.Run()
	require.NoError(t, first.Err, first.Output)
	liveFile := filepath.Join(s.Env["STATE_DIR"], "live.json")
	live, err := os.ReadFile(liveFile)
	require.NoError(t, err)

	// deploy runs a rollout of image (and of changed settings, when not
	// empty): it must fail with want, pull image once, start no container
	// and leave v1 serving.
	refused := func(t *testing.T, before scriptRun, image, settings, want string) scriptRun {
		t.Helper()
		f.setImage(t, image)
		if settings != "" {
			f.setSettings(t, settings)
		}
		run := s.Run()
		var exit *exec.ExitError
		require.ErrorAs(t, run.Err, &exit, run.Output)
		assert.Contains(t, run.Output, "rds-app-start: error: "+want+"\n")
		commands := run.Commands[len(before.Commands):]
		assert.Len(t, scriptRun{Commands: commands}.Find("docker", "pull", "--quiet", image), 1, "pulled once: no retry brings another platform")
		assert.Empty(t, scriptRun{Commands: commands}.Find("docker", "run"), "no container is started, not even the proxy")
		assert.Empty(t, scriptRun{Commands: commands}.Find("docker", "rm"), "nothing is removed")
		code, body := served(t, text, "/")
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, repo+":v1", body, "the old release keeps serving")
		now, err := os.ReadFile(liveFile)
		require.NoError(t, err)
		assert.Equal(t, string(live), string(now), "the old release is still the one recorded as serving")
		return run
	}

	var last scriptRun
	t.Run("an image of one other platform", func(t *testing.T) {
		last = refused(t, first, repo+":v2-other", "",
			fmt.Sprintf("image %s:v2-other is built for %s, but this host (t4g.micro) runs %s: %s", repo, other, host, advice))
	})
	t.Run("an index without the host's platform", func(t *testing.T) {
		run := refused(t, last, repo+":v3-index", "",
			fmt.Sprintf("image %s:v3-index has variants for other platforms only, but this host (t4g.micro) runs %s: %s", repo, host, advice))
		assert.Contains(t, run.Output, "no matching manifest for", "Docker's own words are shown too")
		last = run
	})
	t.Run("a proxy image of another platform", func(t *testing.T) {
		changed := settings
		changed.ProxyImage = "caddy:2.6.2-other"
		run := refused(t, last, repo+":v1", mustJSON(t, changed),
			fmt.Sprintf("image caddy:2.6.2-other is built for %s, but this host (t4g.micro) runs %s: set app.proxyImage to an image for %s (the default has one for each)", other, host, host))
		last = run
	})
	t.Run("an index with the host's platform deploys", func(t *testing.T) {
		f.setImage(t, repo+":v4-index")
		f.setSettings(t, text)
		run := s.Run()
		require.NoError(t, run.Err, run.Output)
		assert.Contains(t, run.Output, "now serving "+repo+":v4-index from app-green")
		code, body := served(t, text, "/")
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, repo+":v4-index", body)
	})

	// A new host of a group boots with the release: it fails it the same
	// way, and serves nothing (its unit fails, and the load balancer's
	// health check keeps it out). Without the metadata service the type
	// is left out.
	t.Run("a new host at boot", func(t *testing.T) {
		f.setImage(t, repo+":v5-new-other")
		fresh := f.sandbox(t, map[string]string{"FAKE_DOCKER_PLATFORMS": string(b),
			"AWS_EC2_METADATA_SERVICE_ENDPOINT": fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t))})
		fresh.Args = []string{"boot"}
		run := fresh.Run()
		var exit *exec.ExitError
		require.ErrorAs(t, run.Err, &exit, run.Output)
		assert.Contains(t, run.Output, "no release has served on this host yet")
		assert.Contains(t, run.Output, fmt.Sprintf("rds-app-start: error: image %s:v5-new-other is built for %s, but this host runs %s: %s\n", repo, other, host, advice))
		assert.Empty(t, run.Find("docker", "run"), "no container is started")
		assert.NoFileExists(t, filepath.Join(fresh.Env["STATE_DIR"], "live.json"), "nothing serves")
		assert.False(t, strings.Contains(run.Output, "exec format error"), "refused before any container ran")
	})
}
