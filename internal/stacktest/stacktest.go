// Package stacktest is the shipped stacks as tests see them: every
// Pulumi.<stack>.yaml, loaded with the Pulumi SDK's own loaders (so a stack
// file added later is picked up without touching a test), a setting changed
// as `pulumi config set --path` would, and the configuration parsed as the
// program parses it. Render is what the program renders for a host, asked
// of a process of its own (runprogram), so that the host layer's tests
// link neither the program nor the AWS SDK; the program's own tests run it
// in-process with mockrun.
//
// It is test support: it takes a testing.TB and fails the test on an error.
package stacktest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/stackfile"
)

// TestAccount stands in for the user's own account in an image.
const TestAccount = "210987654321"

// Stack is one Pulumi.<stack>.yaml of the repository.
type Stack struct {
	Name string
	// Config is the stack's configuration as Pulumi hands it to the
	// program: structured sections as JSON text. A placeholder image is
	// replaced by one of TestAccount, as docs/configuration.md tells the user to do.
	Config map[string]string
	// Raw is the configuration exactly as the file has it.
	Raw map[string]string
}

var (
	rootOnce sync.Once
	rootDir  string
	rootErr  error
)

// Root is the repository's root (the directory holding go.mod), found
// from the test's working directory, which is its package's.
func Root(t testing.TB) string {
	t.Helper()
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = os.ErrNotExist
				return
			}
			dir = parent
		}
	})
	require.NoError(t, rootErr, "finding the repository root (go.mod)")
	return rootDir
}

// LoadProject loads Pulumi.yaml, which also validates it against Pulumi's
// project schema.
func LoadProject(t testing.TB) *workspace.Project {
	t.Helper()
	proj, err := workspace.LoadProject(filepath.Join(Root(t), "Pulumi.yaml"))
	require.NoError(t, err, "Pulumi.yaml")
	return proj
}

// Shipped loads every Pulumi.<stack>.yaml next to Pulumi.yaml.
func Shipped(t testing.TB) []Stack {
	t.Helper()
	loaded, err := stackfile.LoadAll(Root(t))
	require.NoError(t, err)
	var stacks []Stack
	for _, s := range loaded {
		cfg, err := s.Config()
		require.NoError(t, err, s.Path)
		stacks = append(stacks, Stack{Name: s.Name, Config: WithOwnImage(t, cfg), Raw: cfg})
	}
	require.NotEmpty(t, stacks, "no Pulumi.<stack>.yaml found")
	return stacks
}

// Named is the shipped stack name.
func Named(t testing.TB, name string) Stack {
	t.Helper()
	for _, s := range Shipped(t) {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no shipped stack %q", name)
	return Stack{}
}

// WithOwnImage replaces an image in the placeholder account (which the
// program refuses) with the same repository in TestAccount.
func WithOwnImage(t testing.TB, cfg map[string]string) map[string]string {
	t.Helper()
	out := copyOf(cfg)
	key := pulumitest.Project + ":app"
	var app map[string]any
	if raw, ok := cfg[key]; ok {
		require.NoError(t, json.Unmarshal([]byte(raw), &app))
		if image, _ := app["image"].(string); strings.HasPrefix(image, config.PlaceholderAccount+".") {
			app["image"] = TestAccount + strings.TrimPrefix(image, config.PlaceholderAccount)
			data, err := json.Marshal(app)
			require.NoError(t, err)
			out[key] = string(data)
		}
	}
	return out
}

// WithRegion adds the one setting a user must make before `pulumi up`.
func WithRegion(cfg map[string]string) map[string]string {
	out := copyOf(cfg)
	if _, ok := out["aws:region"]; !ok {
		out["aws:region"] = pulumitest.Region
	}
	return out
}

// WithSetting returns cfg with one key of a section ("database.port") set
// to value, as `pulumi config set --path` would.
func WithSetting(t testing.TB, cfg map[string]string, key string, value any) map[string]string {
	t.Helper()
	section, field, ok := strings.Cut(key, ".")
	require.True(t, ok, key)
	full := pulumitest.Project + ":" + section
	out := copyOf(cfg)
	out[full] = Patch(t, cfg[full], map[string]any{field: value})
	return out
}

// Patch returns the JSON section with fields overridden.
func Patch(t testing.TB, section string, fields map[string]any) string {
	t.Helper()
	obj := map[string]any{}
	if section != "" {
		require.NoError(t, json.Unmarshal([]byte(section), &obj))
	}
	for k, v := range fields {
		obj[k] = v
	}
	b, err := json.Marshal(obj)
	require.NoError(t, err)
	return string(b)
}

// DevWith is the shipped dev stack's configuration with the app section
// patched.
func DevWith(t testing.TB, app map[string]any) map[string]string {
	t.Helper()
	cfg := copyOf(Named(t, "dev").Config)
	cfg[pulumitest.Project+":app"] = Patch(t, cfg[pulumitest.Project+":app"], app)
	return cfg
}

// Parse reads a stack's configuration as the program does.
func Parse(t testing.TB, s Stack) *config.Config {
	t.Helper()
	cfg, err := config.Parse(pulumitest.Project, config.Source{Values: s.Config},
		config.Facts{Region: pulumitest.Region, AvailabilityZones: pulumitest.Zones})
	require.NoError(t, err)
	return cfg
}

func copyOf(cfg map[string]string) map[string]string {
	out := make(map[string]string, len(cfg)+1)
	for k, v := range cfg {
		out[k] = v
	}
	return out
}
