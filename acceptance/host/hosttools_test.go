package host

// The host's boot configuration checked with the tools that will read it:
// cloud-init's own schema validator for the user-data, shellcheck for
// every shell script it writes, and caddy for the proxy's configuration.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cloudInitSchema runs `cloud-init schema -c` on user-data.
func cloudInitSchema(t *testing.T, userData string) (string, error) {
	t.Helper()
	tool := testenv.RequireTool(t, "cloud-init")
	path := testenv.WriteTemp(t, t.TempDir(), "user-data", userData, 0o600)
	out, err := exec.Command(tool, "schema", "-c", path).CombinedOutput()
	return string(out), err
}

// shellcheck runs shellcheck at its strictest default severity (style), so
// warnings fail too.
func shellcheck(t *testing.T, name, script string) (string, error) {
	t.Helper()
	tool := testenv.RequireTool(t, "shellcheck")
	path := testenv.WriteTemp(t, t.TempDir(), filepath.Base(name), script, 0o700)
	out, err := exec.Command(tool, "--severity=style", "--external-sources", path).CombinedOutput()
	return string(out), err
}

func TestUserDataIsValidCloudConfig(t *testing.T) {
	for _, s := range stacktest.Shipped(t) {
		t.Run(s.Name, func(t *testing.T) {
			r := stacktest.Render(t, s.Name, s.Config)
			out, err := cloudInitSchema(t, r.UserData)
			require.NoError(t, err, out)
			assert.Contains(t, out, "Valid")
		})
	}
}

func TestUserDataScriptsPassShellcheck(t *testing.T) {
	for _, s := range stacktest.Shipped(t) {
		t.Run(s.Name, func(t *testing.T) {
			r := stacktest.Render(t, s.Name, s.Config)
			scripts := 0
			for path, f := range hostFiles(t, r.UserData) {
				if !strings.HasPrefix(f.Content, "#!") {
					continue
				}
				scripts++
				assert.Regexp(t, `^#!/bin/(ba)?sh\n`, f.Content, "%s: only shell scripts are expected", path)
				assert.Equal(t, "0755", f.Permissions, path)
				out, err := shellcheck(t, path, f.Content)
				assert.NoError(t, err, "%s:\n%s", path, out)
			}
			assert.Equal(t, 4, scripts, "the install, start, swap and health scripts")
		})
	}
}

// caddyValidate runs `caddy validate` on a JSON configuration.
func caddyValidate(t *testing.T, config string) (string, error) {
	t.Helper()
	tool := testenv.RequireTool(t, "caddy")
	dir := t.TempDir()
	path := testenv.WriteTemp(t, dir, "caddy.json", config, 0o600)
	cmd := exec.Command(tool, "validate", "--config", path)
	// validate provisions the TLS app, which sets up certificate storage.
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir, "HOME="+dir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestProxyConfigIsValid: the proxy's configuration as each shipped stack
// stores it, and with a domain, is what Caddy accepts; the deploy script's
// rendering (the upstream pointed at a slot) is checked in the start-script
// tests, which run Caddy with it.
func TestProxyConfigIsValid(t *testing.T) {
	for _, s := range stacktest.Shipped(t) {
		for name, v := range map[string]struct {
			domain string
			hosts  int
		}{"HTTP": {"", 1}, "HTTPS": {"app.example.com", 1}, "behind a load balancer": {"app.example.com", 2}} {
			domain := v.domain
			t.Run(s.Name+" "+name, func(t *testing.T) {
				cfg := s.Config
				if domain != "" {
					cfg = stacktest.WithSetting(t, cfg, "app.domain", domain)
				}
				grouped := stacktest.Parse(t, s).App.LoadBalanced()
				if v.hosts > 1 && !grouped {
					cfg = stacktest.WithSetting(t, cfg, "app.hosts", v.hosts)
				}
				if v.hosts > 1 || grouped {
					// TLS ends at the load balancer; the hosts serve HTTP.
					domain = ""
				}
				r := stacktest.Render(t, s.Name, cfg)
				var settings struct {
					Proxy json.RawMessage `json:"proxy"`
				}
				text := r.ReleaseSettings
				require.NoError(t, json.Unmarshal([]byte(text), &settings))
				require.NotEmpty(t, settings.Proxy)
				out, err := caddyValidate(t, string(settings.Proxy))
				require.NoError(t, err, out)
				assert.Contains(t, out, "Valid configuration")
				if domain != "" {
					assert.Contains(t, out, "enabling automatic HTTP->HTTPS redirects", "80 redirects to 443")
				}
			})
		}
	}
}

// TestHostToolChecksCanFail shows both tools reject what they should, so a
// passing check above means something.
func TestHostToolChecksCanFail(t *testing.T) {
	t.Run("cloud-init", func(t *testing.T) {
		out, err := cloudInitSchema(t, "#cloud-config\nwrite_files:\n  - path: /x\n    permissions: 0644\n    contents: x\nruncmd: echo\n")
		assert.Error(t, err, out)
		assert.Contains(t, out, "'contents' was unexpected")
	})
	t.Run("caddy", func(t *testing.T) {
		out, err := caddyValidate(t, `{"apps":{"http":{"servers":{"app":{"listen":[":80"],"grace":"10s"}}}}}`)
		assert.Error(t, err, out)
		assert.Contains(t, out, `unknown field "grace"`)
	})
	t.Run("shellcheck", func(t *testing.T) {
		out, err := shellcheck(t, "bad.sh", "#!/bin/bash\nfiles=$(ls *.txt)\nrm $files\n")
		assert.Error(t, err)
		assert.Contains(t, out, "SC2086")
	})
}
