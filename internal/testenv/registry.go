package testenv

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// Registry is a container registry (Debian's docker-registry, the CNCF
// distribution registry) serving plain HTTP on a loopback port, its
// storage in a temporary directory; stopped when the test ends and killed
// with the test process.
type Registry struct {
	// Host is its address as image references name it ("127.0.0.1:PORT").
	Host string
	// User and Password, when set, are the only credentials it accepts.
	User, Password string
}

// StartRegistry starts a registry of the test's own. With user and password
// set it accepts only them (HTTP basic authentication, as htpasswd), so a
// push proves that a login handed them over.
func StartRegistry(t testing.TB, user, password string) *Registry {
	t.Helper()
	bin := RequireTool(t, "docker-registry")
	dir := t.TempDir()
	r := &Registry{Host: fmt.Sprintf("127.0.0.1:%d", FreePort(t)), User: user, Password: password}
	auth := ""
	if user != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
		require.NoError(t, err)
		htpasswd := WriteTemp(t, dir, "htpasswd", user+":"+string(hash)+"\n", 0o600)
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: test\n    path: %s\n", htpasswd)
	}
	conf := WriteTemp(t, dir, "config.yml", fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
http:
  addr: %s
%s`, filepath.Join(dir, "data"), r.Host, auth), 0o600)
	logPath := filepath.Join(dir, "registry.log")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	t.Cleanup(func() { _ = logFile.Close() })
	cmd := exec.Command(bin, "serve", conf)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, Start(cmd))
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { KillGroup(cmd); <-exited })

	// Ready when /v2/ answers: 200, or 401 with authentication on.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.Host+"/v2/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return r
			}
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logPath)
			t.Fatalf("docker-registry exited before it served: %v\n%s", err, log)
		case <-ctx.Done():
			log, _ := os.ReadFile(logPath)
			t.Fatalf("docker-registry did not answer on %s within a minute\n%s", r.Host, log)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ManifestDigest is the digest the registry reports for repository:tag
// (its Docker-Content-Digest header), read over its HTTP API.
func (r *Registry) ManifestDigest(t testing.TB, repository, tag string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, "http://"+r.Host+"/v2/"+repository+"/manifests/"+tag, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", strings.Join([]string{
		"application/vnd.oci.image.manifest.v1+json",
		"application/vnd.oci.image.index.v1+json",
		"application/vnd.docker.distribution.manifest.v2+json",
		"application/vnd.docker.distribution.manifest.list.v2+json",
	}, ", "))
	if r.User != "" {
		req.SetBasicAuth(r.User, r.Password)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "HEAD %s", req.URL)
	return resp.Header.Get("Docker-Content-Digest")
}
