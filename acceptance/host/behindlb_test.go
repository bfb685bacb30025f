//go:build unix

package host

// The hosts' proxy behind the load balancer, with the real caddy: the
// configuration the program stores for a scale stack with a domain
// (changed only in its ports and upstream) keeps the scheme and client
// address the load balancer forwards, so the application behind it knows
// the request came over HTTPS, and takes them from nobody else.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/testenv"
)

func TestProxyKeepsTheLoadBalancersHeaders(t *testing.T) {
	caddy := testenv.RequireTool(t, "caddy")
	s := stacktest.Shipped(t)[0]
	cfg := stacktest.WithSetting(t, stacktest.WithSetting(t, s.Config, "app.hosts", 2), "app.domain", "shop.example.com")
	r := stacktest.Render(t, s.Name, cfg)
	text := r.ReleaseSettings

	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s|%s", r.Header.Get("X-Forwarded-Proto"), r.Header.Get("X-Forwarded-For"))
	}))
	t.Cleanup(app.Close)

	// ask sends what the load balancer sends for a client at 203.0.113.7
	// that came over HTTPS, from loopback, and returns what the
	// application saw: the scheme and the client addresses.
	ask := func(t *testing.T, trusted []any) string {
		var settings struct {
			Proxy map[string]any `json:"proxy"`
		}
		require.NoError(t, json.Unmarshal([]byte(text), &settings))
		proxy := settings.Proxy
		ports := testenv.FreePorts(t, 2)
		port, adminPort := ports[0], ports[1]
		proxy["admin"] = map[string]any{"listen": fmt.Sprintf("127.0.0.1:%d", adminPort)}
		server := proxy["apps"].(map[string]any)["http"].(map[string]any)["servers"].(map[string]any)["app"].(map[string]any)
		require.Equal(t, []any{":80"}, server["listen"], "plain HTTP: TLS ends at the load balancer")
		server["listen"] = []any{fmt.Sprintf("127.0.0.1:%d", port)}
		handler := server["routes"].([]any)[0].(map[string]any)["handle"].([]any)[0].(map[string]any)
		require.Equal(t, []any{"10.0.0.0/16"}, handler["trusted_proxies"], "the VPC: the load balancer's nodes")
		if trusted != nil {
			handler["trusted_proxies"] = trusted
		}
		upstream := handler["upstreams"].([]any)[0].(map[string]any)
		require.Equal(t, hostconf.UpstreamID, upstream["@id"])
		upstream["dial"] = strings.TrimPrefix(app.URL, "http://")

		dir := t.TempDir()
		b, err := json.Marshal(proxy)
		require.NoError(t, err)
		path := testenv.WriteTemp(t, dir, "caddy.json", string(b), 0o600)
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, caddy, "run", "--config", path)
		cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir, "HOME="+dir)
		logFile, err := os.Create(filepath.Join(dir, "caddy.log"))
		require.NoError(t, err)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		require.NoError(t, testenv.Start(cmd))
		defer func() {
			cancel()
			_ = cmd.Wait()
			if t.Failed() {
				out, _ := os.ReadFile(logFile.Name())
				t.Logf("caddy's log:\n%s", out)
			}
		}()
		require.Eventually(t, func() bool {
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err == nil {
				c.Close()
			}
			return err == nil
		}, 30*time.Second, 100*time.Millisecond, "caddy never listened")

		req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/", port), nil)
		require.NoError(t, err)
		req.Host = "shop.example.com"
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		return string(body)
	}

	t.Run("from the load balancer", func(t *testing.T) {
		// Loopback stands in for the load balancer's address in the VPC.
		assert.Equal(t, "https|203.0.113.7, 127.0.0.1", ask(t, []any{"127.0.0.0/8"}))
	})
	t.Run("from anywhere else", func(t *testing.T) {
		assert.Equal(t, "http|127.0.0.1", ask(t, nil), "a peer outside the VPC cannot claim HTTPS or another address")
	})
}
