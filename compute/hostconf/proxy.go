package hostconf

// The host's reverse proxy: Caddy's JSON configuration, rendered here as
// plain Go and validated by the real `caddy validate` in the tests. The
// deploy script (files/rds-app-swap.sh) takes it from the container
// settings, points the upstream marked UpstreamID at the container it has
// just found healthy, and loads it through Caddy's admin API: a graceful
// reload, never a restart. The same JSON serves Caddy 2.6 (Debian's, in the
// tests) and the pinned image (2.11), so only fields both know are used.

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// UpstreamID is the "@id" of the proxy's one upstream: the deploy script
// finds it by this ID and sets its address to the new container's slot.
const UpstreamID = "rds-app-upstream"

// HSTS is the Strict-Transport-Security header sent with HTTPS: a year,
// for the application's name only (not its subdomains, which may be other
// people's sites).
const HSTS = "max-age=31536000"

// ProxySettings is what the proxy's configuration is made from.
type ProxySettings struct {
	// Domain, when set, is served over HTTPS with a certificate from Let's
	// Encrypt; unset, the proxy serves plain HTTP on HostPort.
	Domain   string
	HostPort int
	// DrainSeconds is the grace period in-flight requests get when the
	// configuration changes (at a switch) or the proxy stops.
	DrainSeconds int
	// AdminPort is where the admin API listens, on loopback only.
	AdminPort int
	// UpstreamPort is the slot the configuration points at until the
	// deploy script points it elsewhere.
	UpstreamPort int
	// TrustedProxies are the address blocks (CIDR) whose forwarded headers
	// the proxy keeps: behind a load balancer, the client's address
	// (X-Forwarded-For) and scheme (X-Forwarded-Proto) the load balancer
	// saw. From any other peer Caddy replaces them with its own view, so
	// nobody else can claim to have come over HTTPS. Plain HTTP only.
	TrustedProxies []string
}

type caddyConfig struct {
	Admin caddyAdmin `json:"admin"`
	Apps  caddyApps  `json:"apps"`
}

type caddyAdmin struct {
	Listen string `json:"listen"`
}

type caddyApps struct {
	HTTP caddyHTTP `json:"http"`
	TLS  *caddyTLS `json:"tls,omitempty"`
}

type caddyHTTP struct {
	// GracePeriod bounds how long the old configuration's connections
	// may take to finish when a new one is loaded.
	GracePeriod string                 `json:"grace_period"`
	Servers     map[string]caddyServer `json:"servers"`
}

type caddyServer struct {
	Listen         []string             `json:"listen"`
	Routes         []caddyRoute         `json:"routes"`
	AutomaticHTTPS *caddyAutomaticHTTPS `json:"automatic_https,omitempty"`
	Protocols      []string             `json:"protocols,omitempty"`
}

type caddyAutomaticHTTPS struct {
	Disable bool `json:"disable"`
}

type caddyRoute struct {
	Match    []map[string][]string `json:"match,omitempty"`
	Handle   []map[string]any      `json:"handle"`
	Terminal bool                  `json:"terminal,omitempty"`
}

type caddyTLS struct {
	Automation caddyAutomation `json:"automation"`
}

type caddyAutomation struct {
	Policies []caddyPolicy `json:"policies"`
}

type caddyPolicy struct {
	Subjects []string         `json:"subjects"`
	Issuers  []map[string]any `json:"issuers"`
}

// ProxyConfig renders Caddy's JSON configuration.
//
// Without a domain: one plain-HTTP server on HostPort, automatic HTTPS off.
// With one: a server on 443 for that name only, HTTP/1.1 and HTTP/2 (the
// security group opens no UDP for HTTP/3), HSTS, and a certificate from
// Let's Encrypt validated by HTTP-01 on port 80, where Caddy also redirects
// to HTTPS. TLS-ALPN-01 is off: 443 may be open to network.ingressCidrs
// only, which the CA's validators are not in, and a failed challenge counts
// against Let's Encrypt's limit of failed validations.
func ProxyConfig(p ProxySettings) ([]byte, error) {
	for name, port := range map[string]int{"admin": p.AdminPort, "upstream": p.UpstreamPort} {
		if port < 1 || port > 65535 {
			return nil, fmt.Errorf("the proxy's %s port %d is not a port", name, port)
		}
	}
	if p.DrainSeconds < 1 {
		// Caddy reads a grace period of 0 as "wait forever".
		return nil, fmt.Errorf("the proxy's grace period must be at least a second, not %d", p.DrainSeconds)
	}
	proxy := map[string]any{
		"handler":   "reverse_proxy",
		"upstreams": []map[string]string{{"@id": UpstreamID, "dial": "127.0.0.1:" + strconv.Itoa(p.UpstreamPort)}},
	}
	cfg := caddyConfig{
		Admin: caddyAdmin{Listen: "127.0.0.1:" + strconv.Itoa(p.AdminPort)},
		Apps:  caddyApps{HTTP: caddyHTTP{GracePeriod: fmt.Sprintf("%ds", p.DrainSeconds)}},
	}
	if p.Domain == "" {
		if p.HostPort < 1 || p.HostPort > 65535 {
			return nil, fmt.Errorf("the proxy's port %d is not a port", p.HostPort)
		}
		if len(p.TrustedProxies) > 0 {
			for _, r := range p.TrustedProxies {
				if _, err := netip.ParsePrefix(r); err != nil {
					return nil, fmt.Errorf("the proxy's trusted range %q is not a CIDR block", r)
				}
			}
			// The handler's own list: Caddy 2.6.2 knows no server-level
			// trusted_proxies (2.6.3 added it), and 2.11 still reads this.
			proxy["trusted_proxies"] = p.TrustedProxies
		}
		cfg.Apps.HTTP.Servers = map[string]caddyServer{"app": {
			Listen:         []string{":" + strconv.Itoa(p.HostPort)},
			Routes:         []caddyRoute{{Handle: []map[string]any{proxy}}},
			AutomaticHTTPS: &caddyAutomaticHTTPS{Disable: true},
		}}
	} else {
		if len(p.TrustedProxies) > 0 {
			return nil, fmt.Errorf("the proxy trusts forwarded headers only behind a load balancer, which serves HTTPS itself")
		}
		hsts := map[string]any{"handler": "headers", "response": map[string]any{
			"set": map[string][]string{"Strict-Transport-Security": {HSTS}},
		}}
		cfg.Apps.HTTP.Servers = map[string]caddyServer{"app": {
			Listen: []string{":" + strconv.Itoa(awsfacts.HTTPSPort)},
			Routes: []caddyRoute{{
				Match:    []map[string][]string{{"host": {p.Domain}}},
				Handle:   []map[string]any{hsts, proxy},
				Terminal: true,
			}},
			Protocols: []string{"h1", "h2"},
		}}
		cfg.Apps.TLS = &caddyTLS{Automation: caddyAutomation{Policies: []caddyPolicy{{
			Subjects: []string{p.Domain},
			Issuers: []map[string]any{{
				"module":     "acme",
				"challenges": map[string]any{"tls-alpn": map[string]bool{"disabled": true}},
			}},
		}}}}
	}
	return json.Marshal(cfg)
}
