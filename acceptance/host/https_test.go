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

	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/testenv"
)

// domainSettings are the container settings the program stores for the
// first shipped stack with app.domain set to domain, as JSON values.
func domainSettings(t *testing.T, domain string) map[string]any {
	t.Helper()
	s := stacktest.Shipped(t)[0]
	r := stacktest.Render(t, s.Name, stacktest.WithSetting(t, s.Config, "app.domain", domain))
	var settings map[string]any
	text := r.ReleaseSettings
	require.NoError(t, json.Unmarshal([]byte(text), &settings))
	return settings
}

// httpsProxy is the real caddy serving a domain's proxy configuration on
// loopback.
type httpsProxy struct {
	HTTPPort, HTTPSPort int
	// RootPath is the root certificate of Caddy's local CA, which stands in
	// for Let's Encrypt.
	RootPath string
	// Client resolves every name to loopback, as DNS would to the Elastic
	// IP, trusts the local CA and follows no redirect.
	Client *http.Client
}

// startHTTPSProxy changes cfg, a domain's proxy configuration as the
// program stores it, only where a test must: loopback ports instead of 80
// and 443, the upstream at upstream (as the deploy script points it), and
// Caddy's own local CA instead of Let's Encrypt. Then it runs the real
// caddy with it until the test ends, and waits for the local CA.
func startHTTPSProxy(t *testing.T, cfg map[string]any, upstream string) httpsProxy {
	t.Helper()
	caddy := testenv.RequireTool(t, "caddy")
	ports := testenv.FreePorts(t, 3)
	p := httpsProxy{HTTPPort: ports[0], HTTPSPort: ports[1]}
	cfg["admin"] = map[string]any{"listen": fmt.Sprintf("127.0.0.1:%d", ports[2])}
	apps := cfg["apps"].(map[string]any)
	httpApp := apps["http"].(map[string]any)
	httpApp["http_port"], httpApp["https_port"] = p.HTTPPort, p.HTTPSPort
	server := httpApp["servers"].(map[string]any)["app"].(map[string]any)
	require.Equal(t, []any{":443"}, server["listen"])
	server["listen"] = []any{fmt.Sprintf("127.0.0.1:%d", p.HTTPSPort)}
	route := server["routes"].([]any)[0].(map[string]any)
	handlers := route["handle"].([]any)
	up := handlers[len(handlers)-1].(map[string]any)["upstreams"].([]any)[0].(map[string]any)
	require.Equal(t, hostconf.UpstreamID, up["@id"])
	up["dial"] = upstream
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

	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
	}
	p.RootPath = filepath.Join(dir, "caddy", "pki", "authorities", "local", "root.crt")
	var roots *x509.CertPool
	require.Eventually(t, func() bool {
		pem, err := os.ReadFile(p.RootPath)
		if err != nil {
			return false
		}
		roots = x509.NewCertPool()
		return roots.AppendCertsFromPEM(pem)
	}, 30*time.Second, 100*time.Millisecond, "Caddy's local CA never appeared")
	p.Client = &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{DialContext: dial, TLSClientConfig: &tls.Config{RootCAs: roots}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return p
}

// Get asks url until it gets an answer (Caddy gets the domain's
// certificate from its local CA soon after it starts).
func (p httpsProxy) Get(t *testing.T, url string) *http.Response {
	t.Helper()
	var resp *http.Response
	var err error
	require.Eventually(t, func() bool {
		resp, err = p.Client.Get(url)
		return err == nil
	}, 30*time.Second, 200*time.Millisecond, "no answer from %s: %v", url, err)
	return resp
}

func TestProxyServesHTTPS(t *testing.T) {
	const domain = "shop.example.com"
	settings := domainSettings(t, domain)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "app saw %s %s", r.Host, r.Header.Get("X-Forwarded-Proto"))
	}))
	t.Cleanup(app.Close)
	p := startHTTPSProxy(t, settings["proxy"].(map[string]any), strings.TrimPrefix(app.URL, "http://"))

	resp := p.Get(t, fmt.Sprintf("https://%s:%d/page?x=1", domain, p.HTTPSPort))
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, fmt.Sprintf("app saw %s:%d https", domain, p.HTTPSPort), string(body), "the application is reached over TLS, told it was HTTPS")
	assert.Equal(t, hostconf.HSTS, resp.Header.Get("Strict-Transport-Security"))
	assert.Equal(t, []string{domain}, resp.TLS.PeerCertificates[0].DNSNames)

	resp, err = p.Client.Get(fmt.Sprintf("http://%s:%d/page?x=1", domain, p.HTTPPort))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 308, resp.StatusCode, "plain HTTP redirects, permanently")
	// Caddy names no port (the test's 443 is another); on the host it is 443.
	assert.Equal(t, "https://"+domain+"/page?x=1", resp.Header.Get("Location"))

	_, err = p.Client.Get(fmt.Sprintf("https://other.example.org:%d/", p.HTTPSPort))
	assert.Error(t, err, "no certificate, and no application, for another name")
}
