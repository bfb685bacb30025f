package hostconf

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// ContainerSettings is what the host reads, at every start and reload of
// the unit, to run the container: not user-data, so a change reaches the
// running container through the rollout instead of replacing the host, and
// its size is not bounded by user-data's 16 KB.
type ContainerSettings struct {
	// HostPort is where the proxy serves plain HTTP (without a domain).
	HostPort int `json:"hostPort"`
	// ContainerPort is where the application listens in the container.
	ContainerPort int `json:"containerPort"`
	// HealthCheckPath is asked on the new container until it answers 2xx
	// or 3xx.
	HealthCheckPath string `json:"healthCheckPath"`
	// HealthCheckTimeout, HealthCheckInterval (seconds) and
	// HealthCheckRetries (bad answers) bound the wait for a new container.
	HealthCheckTimeout  int `json:"healthCheckTimeout"`
	HealthCheckInterval int `json:"healthCheckInterval"`
	HealthCheckRetries  int `json:"healthCheckRetries"`
	// DrainSeconds is the proxy's grace period for requests in flight on
	// the old container.
	DrainSeconds int `json:"drainSeconds"`
	// ProxyImage is the Caddy image of the proxy.
	ProxyImage string `json:"proxyImage"`
	// Domain is served over HTTPS when set.
	Domain string `json:"domain"`
	// SlotPorts are the two loopback ports the application's containers
	// take turns on (awsfacts.AppSlotPorts).
	SlotPorts [2]int `json:"slotPorts"`
	// ProxyAdminPort is where Caddy's admin API listens on loopback
	// (awsfacts.ProxyAdminPort).
	ProxyAdminPort int `json:"proxyAdminPort"`
	// Environment holds the plain (non-secret) variables.
	Environment map[string]string `json:"environment"`
	// TrustedProxies are the address blocks whose forwarded headers the
	// proxy keeps (ProxySettings.TrustedProxies): the VPC's, behind a load
	// balancer; none on a single host.
	TrustedProxies []string `json:"trustedProxies,omitempty"`
}

// Proxy is the proxy's configuration for these settings, pointing at the
// first slot.
func (s ContainerSettings) Proxy() ([]byte, error) {
	for _, p := range s.SlotPorts {
		if p == s.HostPort || p == s.ProxyAdminPort {
			return nil, fmt.Errorf("slot port %d is also the proxy's", p)
		}
	}
	if s.SlotPorts[0] == s.SlotPorts[1] {
		return nil, fmt.Errorf("both slots have port %d", s.SlotPorts[0])
	}
	return ProxyConfig(ProxySettings{Domain: s.Domain, HostPort: s.HostPort, DrainSeconds: s.DrainSeconds,
		AdminPort: s.ProxyAdminPort, UpstreamPort: s.SlotPorts[0], TrustedProxies: s.TrustedProxies})
}

// JSON renders the settings, with the proxy's configuration under
// "proxy", as the text the host reassembles, after checking that every
// variable can be handed to the container.
func (s ContainerSettings) JSON() (string, error) {
	for k, v := range s.Environment {
		if err := awsfacts.CheckEnvName(k); err != nil {
			return "", err
		}
		if strings.ContainsAny(v, "\n\r\x00") {
			return "", fmt.Errorf("environment variable %s has a line break, which a Docker env file cannot hold", k)
		}
	}
	if s.Environment == nil {
		s.Environment = map[string]string{}
	}
	// encoding/json sorts map keys: the same settings are the same text.
	// Unicode stays as it is (no \u escapes), so values are byte-exact.
	proxy, err := s.Proxy()
	if err != nil {
		return "", fmt.Errorf("rendering the proxy's configuration: %w", err)
	}
	return compactJSON(struct {
		ContainerSettings
		Proxy json.RawMessage `json:"proxy"`
	}{s, proxy})
}

// compactJSON is v as one line of JSON, with <, > and & as they are (no
// HTML escapes): the text the host reads.
func compactJSON(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
