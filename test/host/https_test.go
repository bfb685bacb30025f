//go:build unix

package host

// HTTPS as the proxy serves it, with the real caddy: the configuration the
// program stores for a stack with app.domain, changed only where a test
// must (Caddy's own local CA instead of Let's Encrypt, loopback ports
// instead of 80 and 443), redirects HTTP to HTTPS, serves the application
// over TLS for the domain with HSTS, and nothing for other names.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/testenv"
)

func TestProxyServesHTTPS(t *testing.T) {
	caddy := testenv.RequireTool(t, "caddy")
	const domain = "shop.example.com"
	s := stacktest.Shipped(t)[0]
	r := stacktest.RunProgram(t, s.Name, stacktest.WithSetting(t, s.Config, "app.domain", domain))
	require.NoError(t, r.Err)
	var settings struct {
		Proxy map[string]any `json:"proxy"`
	}
	text := strings.TrimPrefix(r.Mocks.Named(t, "aws:ssm/parameter:Parameter", "app-container-000").Str("insecureValue"), "1\n")
	require.NoError(t, json.Unmarshal([]byte(text), &settings))
	cfg := settings.Proxy

	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "app saw %s %s", r.Host, r.Header.Get("X-Forwarded-Proto"))
	}))
	t.Cleanup(app.Close)
	ports := testenv.FreePorts(t, 3)
	httpPort, httpsPort, adminPort := ports[0], ports[1], ports[2]
	// What the test changes: ports, the upstream (as the deploy script
	// does), and the CA.
	cfg["admin"] = map[string]any{"listen": fmt.Sprintf("127.0.0.1:%d", adminPort)}
	apps := cfg["apps"].(map[string]any)
	httpApp := apps["http"].(map[string]any)
	httpApp["http_port"], httpApp["https_port"] = httpPort, httpsPort
	server := httpApp["servers"].(map[string]any)["app"].(map[string]any)
	require.Equal(t, []any{":443"}, server["listen"])
	server["listen"] = []any{fmt.Sprintf("127.0.0.1:%d", httpsPort)}
	route := server["routes"].([]any)[0].(map[string]any)
	handlers := route["handle"].([]any)
	upstream := handlers[len(handlers)-1].(map[string]any)["upstreams"].([]any)[0].(map[string]any)
	require.Equal(t, compute.UpstreamID, upstream["@id"])
	upstream["dial"] = strings.TrimPrefix(app.URL, "http://")
	policy := apps["tls"].(map[string]any)["automation"].(map[string]any)["policies"].([]any)[0].(map[string]any)
	require.Equal(t, "acme", policy["issuers"].([]any)[0].(map[string]any)["module"])
	policy["issuers"] = []any{map[string]any{"module": "internal"}}
	apps["pki"] = map[string]any{"certificate_authorities": map[string]any{"local": map[string]any{"install_trust": false}}}

	dir := t.TempDir()
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	path := testenv.WriteTemp(t, dir, "caddy.json", string(b), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, caddy, "run", "--config", path)
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir, "HOME="+dir)
	logFile, err := os.Create(filepath.Join(dir, "caddy.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, testenv.Start(cmd))
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			out, _ := os.ReadFile(logFile.Name())
			t.Logf("caddy's log:\n%s", out)
		}
	})

	// The client resolves the domain to loopback, as DNS would to the
	// Elastic IP, and trusts Caddy's local CA once it exists.
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
	}
	rootPath := filepath.Join(dir, "caddy", "pki", "authorities", "local", "root.crt")
	var roots *x509.CertPool
	require.Eventually(t, func() bool {
		pem, err := os.ReadFile(rootPath)
		if err != nil {
			return false
		}
		roots = x509.NewCertPool()
		return roots.AppendCertsFromPEM(pem)
	}, 30*time.Second, 100*time.Millisecond, "Caddy's local CA never appeared")
	client := &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{DialContext: dial, TLSClientConfig: &tls.Config{RootCAs: roots}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var resp *http.Response
	require.Eventually(t, func() bool {
		resp, err = client.Get(fmt.Sprintf("https://%s:%d/page?x=1", domain, httpsPort))
		return err == nil
	}, 30*time.Second, 200*time.Millisecond, "no certificate for %s: %v", domain, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, fmt.Sprintf("app saw %s:%d https", domain, httpsPort), string(body), "the application is reached over TLS, told it was HTTPS")
	assert.Equal(t, compute.HSTS, resp.Header.Get("Strict-Transport-Security"))
	assert.Equal(t, []string{domain}, resp.TLS.PeerCertificates[0].DNSNames)

	resp, err = client.Get(fmt.Sprintf("http://%s:%d/page?x=1", domain, httpPort))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 308, resp.StatusCode, "plain HTTP redirects, permanently")
	// Caddy names no port (the test's 443 is another); on the host it is 443.
	assert.Equal(t, "https://"+domain+"/page?x=1", resp.Header.Get("Location"))

	_, err = client.Get(fmt.Sprintf("https://other.example.org:%d/", httpsPort))
	assert.Error(t, err, "no certificate, and no application, for another name")
}
