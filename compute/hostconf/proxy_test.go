package hostconf

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// proxyDoc is the parts of Caddy's configuration the tests look at.
type proxyDoc struct {
	Admin struct {
		Listen string `json:"listen"`
	} `json:"admin"`
	Apps struct {
		HTTP struct {
			GracePeriod string `json:"grace_period"`
			Servers     map[string]struct {
				Listen         []string `json:"listen"`
				Protocols      []string `json:"protocols"`
				AutomaticHTTPS *struct {
					Disable bool `json:"disable"`
				} `json:"automatic_https"`
				Routes []struct {
					Match    []map[string][]string `json:"match"`
					Handle   []map[string]any      `json:"handle"`
					Terminal bool                  `json:"terminal"`
				} `json:"routes"`
			} `json:"servers"`
		} `json:"http"`
		TLS *struct {
			Automation struct {
				Policies []struct {
					Subjects []string         `json:"subjects"`
					Issuers  []map[string]any `json:"issuers"`
				} `json:"policies"`
			} `json:"automation"`
		} `json:"tls"`
	} `json:"apps"`
}

func renderProxy(t *testing.T, p ProxySettings) proxyDoc {
	t.Helper()
	raw, err := ProxyConfig(p)
	require.NoError(t, err)
	var doc proxyDoc
	require.NoError(t, json.Unmarshal(raw, &doc))
	return doc
}

// upstream is the one upstream of a reverse_proxy handler.
func upstream(t *testing.T, handler map[string]any) map[string]any {
	t.Helper()
	require.Equal(t, "reverse_proxy", handler["handler"])
	ups := handler["upstreams"].([]any)
	require.Len(t, ups, 1)
	return ups[0].(map[string]any)
}

func TestProxyConfigPlainHTTP(t *testing.T) {
	doc := renderProxy(t, ProxySettings{HostPort: 8080, DrainSeconds: 10, AdminPort: 2019, UpstreamPort: 18001})
	assert.Equal(t, "127.0.0.1:2019", doc.Admin.Listen, "the admin API is on loopback only")
	assert.Equal(t, "10s", doc.Apps.HTTP.GracePeriod, "in-flight requests get drainSeconds at a switch")
	assert.Nil(t, doc.Apps.TLS, "no certificates without a domain")
	require.Len(t, doc.Apps.HTTP.Servers, 1)
	srv := doc.Apps.HTTP.Servers["app"]
	assert.Equal(t, []string{":8080"}, srv.Listen)
	require.NotNil(t, srv.AutomaticHTTPS)
	assert.True(t, srv.AutomaticHTTPS.Disable, "plain HTTP: Caddy must not try to get a certificate for an IP")
	require.Len(t, srv.Routes, 1)
	assert.Empty(t, srv.Routes[0].Match, "every request goes to the application")
	require.Len(t, srv.Routes[0].Handle, 1)
	assert.Equal(t, map[string]any{"@id": UpstreamID, "dial": "127.0.0.1:18001"}, upstream(t, srv.Routes[0].Handle[0]),
		"the application is reached on loopback, at the slot's port")
}

// TestProxyConfigBehindLoadBalancer: behind a load balancer the proxy
// keeps the client's address and scheme the load balancer forwards, from
// the VPC's addresses only; a single host trusts nobody's.
func TestProxyConfigBehindLoadBalancer(t *testing.T) {
	doc := renderProxy(t, ProxySettings{HostPort: 80, DrainSeconds: 10, AdminPort: 2019, UpstreamPort: 18001, TrustedProxies: []string{"10.0.0.0/16"}})
	srv := doc.Apps.HTTP.Servers["app"]
	assert.Equal(t, []string{":80"}, srv.Listen)
	assert.Nil(t, doc.Apps.TLS)
	require.Len(t, srv.Routes, 1)
	require.Len(t, srv.Routes[0].Handle, 1)
	handler := srv.Routes[0].Handle[0]
	assert.Equal(t, []any{"10.0.0.0/16"}, handler["trusted_proxies"])
	assert.Equal(t, map[string]any{"@id": UpstreamID, "dial": "127.0.0.1:18001"}, upstream(t, handler))

	plain := renderProxy(t, ProxySettings{HostPort: 80, DrainSeconds: 10, AdminPort: 2019, UpstreamPort: 18001})
	assert.NotContains(t, plain.Apps.HTTP.Servers["app"].Routes[0].Handle[0], "trusted_proxies")
}

func TestProxyConfigHTTPS(t *testing.T) {
	doc := renderProxy(t, ProxySettings{Domain: "app.example.com", HostPort: 80, DrainSeconds: 30, AdminPort: 2019, UpstreamPort: 18002})
	assert.Equal(t, "127.0.0.1:2019", doc.Admin.Listen)
	assert.Equal(t, "30s", doc.Apps.HTTP.GracePeriod)
	srv := doc.Apps.HTTP.Servers["app"]
	assert.Equal(t, []string{":443"}, srv.Listen, "HTTPS on 443; Caddy's automatic HTTPS adds the redirect on 80")
	assert.Nil(t, srv.AutomaticHTTPS, "automatic HTTPS stays on: certificates and the 80->443 redirect")
	assert.Equal(t, []string{"h1", "h2"}, srv.Protocols, "no HTTP/3: the security group opens no UDP")
	require.Len(t, srv.Routes, 1)
	route := srv.Routes[0]
	assert.Equal(t, []map[string][]string{{"host": {"app.example.com"}}}, route.Match)
	assert.True(t, route.Terminal)
	require.Len(t, route.Handle, 2)
	assert.Equal(t, map[string]any{"handler": "headers", "response": map[string]any{
		"set": map[string]any{"Strict-Transport-Security": []any{"max-age=31536000"}},
	}}, route.Handle[0], "HSTS on every response")
	assert.Equal(t, "127.0.0.1:18002", upstream(t, route.Handle[1])["dial"])

	require.NotNil(t, doc.Apps.TLS)
	policies := doc.Apps.TLS.Automation.Policies
	require.Len(t, policies, 1)
	assert.Equal(t, []string{"app.example.com"}, policies[0].Subjects)
	assert.Equal(t, []map[string]any{{"module": "acme", "challenges": map[string]any{"tls-alpn": map[string]any{"disabled": true}}}},
		policies[0].Issuers, "Let's Encrypt (the ACME issuer's default CA), validated on port 80 only")
}

func TestProxyConfigRefusesWhatCaddyWouldMisread(t *testing.T) {
	for name, p := range map[string]ProxySettings{
		"no grace period (Caddy waits forever)": {HostPort: 80, DrainSeconds: 0, AdminPort: 2019, UpstreamPort: 18001},
		"no admin port":                         {HostPort: 80, DrainSeconds: 10, UpstreamPort: 18001},
		"no upstream":                           {HostPort: 80, DrainSeconds: 10, AdminPort: 2019},
		"no listener":                           {DrainSeconds: 10, AdminPort: 2019, UpstreamPort: 18001},
		"a trusted range that is not one":       {HostPort: 80, DrainSeconds: 10, AdminPort: 2019, UpstreamPort: 18001, TrustedProxies: []string{"10.0.0.0"}},
		"no trusted range":                      {HostPort: 80, DrainSeconds: 10, AdminPort: 2019, UpstreamPort: 18001, TrustedProxies: []string{""}},
		"trusted proxies with a domain":         {Domain: "app.example.com", HostPort: 80, DrainSeconds: 10, AdminPort: 2019, UpstreamPort: 18001, TrustedProxies: []string{"10.0.0.0/16"}},
	} {
		_, err := ProxyConfig(p)
		assert.Error(t, err, name)
	}
}
