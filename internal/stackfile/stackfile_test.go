package stackfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// project writes a small project with one stack, dev.
func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: demo\nruntime: go\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte(`config:
  demo:app:
    image: nginx:1
    environment:
      A: "1"
    list: [x, y]
  aws:region: eu-west-2
`), 0o644))
	return dir
}

func TestLoad(t *testing.T) {
	dir := project(t)
	s, err := Load(dir, "dev")
	require.NoError(t, err)
	assert.Equal(t, "demo", s.Project)
	cfg, err := s.Config()
	require.NoError(t, err)
	assert.Equal(t, "eu-west-2", cfg["aws:region"])
	assert.JSONEq(t, `{"image":"nginx:1","environment":{"A":"1"},"list":["x","y"]}`, cfg["demo:app"])

	_, err = Load(dir, "qa")
	var unknown *UnknownStackError
	require.True(t, errors.As(err, &unknown), "%v", err)
	assert.Equal(t, []string{"dev"}, unknown.Known)
	assert.Contains(t, err.Error(), `stack "qa" not found`)
	assert.Contains(t, err.Error(), "its stacks are dev")
}

// The shipped stacks load, and the project is found from below it.
func TestShippedStacks(t *testing.T) {
	dir, err := FindProject(".")
	require.NoError(t, err)
	stacks, err := LoadAll(dir)
	require.NoError(t, err)
	var names []string
	for _, s := range stacks {
		names = append(names, s.Name)
		assert.Equal(t, "rds-app", s.Project)
	}
	assert.Contains(t, names, "dev")
	assert.Contains(t, names, "prod")
}

// Set stores values as `pulumi config set --path` does.
func TestSet(t *testing.T) {
	for _, tc := range []struct {
		change, key, want string
	}{
		{"app.image=nginx:1.29", "demo:app", `{"image":"nginx:1.29","environment":{"A":"1"},"list":["x","y"]}`},
		// Whole numbers and true/false inside a section become numbers and booleans.
		{"app.port=6543", "demo:app", `{"image":"nginx:1","port":6543,"environment":{"A":"1"},"list":["x","y"]}`},
		{"app.on=true", "demo:app", `{"image":"nginx:1","on":true,"environment":{"A":"1"},"list":["x","y"]}`},
		{"app.version=017", "demo:app", `{"image":"nginx:1","version":"017","environment":{"A":"1"},"list":["x","y"]}`},
		{"app.environment.FOO=bar", "demo:app", `{"image":"nginx:1","environment":{"A":"1","FOO":"bar"},"list":["x","y"]}`},
		{"app.list[1]=z", "demo:app", `{"image":"nginx:1","environment":{"A":"1"},"list":["x","z"]}`},
		{"demo:app.image=nginx:2", "demo:app", `{"image":"nginx:2","environment":{"A":"1"},"list":["x","y"]}`},
		// := takes JSON: a string that looks like a number, a list, an object.
		{`app.version:="18"`, "demo:app", `{"image":"nginx:1","version":"18","environment":{"A":"1"},"list":["x","y"]}`},
		{`app.list:=["a"]`, "demo:app", `{"image":"nginx:1","environment":{"A":"1"},"list":["a"]}`},
		{`app.environment:={"B":"2"}`, "demo:app", `{"image":"nginx:1","environment":{"B":"2"},"list":["x","y"]}`},
		// A new section is created; a top-level key stays a string.
		{"db.port=5433", "demo:db", `{"port":5433}`},
		{"aws:region=us-east-1", "aws:region", "us-east-1"},
	} {
		t.Run(tc.change, func(t *testing.T) {
			s, err := Load(project(t), "dev")
			require.NoError(t, err)
			require.NoError(t, s.Set(tc.change))
			cfg, err := s.Config()
			require.NoError(t, err)
			if tc.key == "aws:region" {
				assert.Equal(t, tc.want, cfg[tc.key])
				return
			}
			assert.JSONEq(t, tc.want, cfg[tc.key])
		})
	}
}

func TestSetErrors(t *testing.T) {
	s, err := Load(project(t), "dev")
	require.NoError(t, err)
	for change, want := range map[string]string{
		"app.image":            "a change is key=value or key:=JSON",
		"=x":                   "the key is missing",
		`app.list:=[1`:         "the value after := is not JSON",
		"app[0]=x":             "", // the first segment names a key
		"app.image.inner=x":    "", // the CLI refuses a path through a string
		`app.environment[0]=x`: "",
	} {
		err := s.Set(change)
		require.Error(t, err, change)
		assert.Contains(t, err.Error(), want, change)
		assert.Contains(t, err.Error(), `"`+change+`"`, "the message quotes the change")
	}
}

func TestGet(t *testing.T) {
	s, err := Load(project(t), "dev")
	require.NoError(t, err)
	for path, want := range map[string]string{
		"app.image":         "nginx:1",
		"app.environment.A": "1",
		"app.list[1]":       "y",
		"demo:app.image":    "nginx:1",
		"aws:region":        "eu-west-2",
		"app.environment":   `{"A":"1"}`,
	} {
		got, ok, err := s.Get(path)
		require.NoError(t, err, path)
		assert.True(t, ok, path)
		if strings.HasPrefix(want, "{") {
			assert.JSONEq(t, want, got, path)
		} else {
			assert.Equal(t, want, got, path)
		}
	}
	for _, path := range []string{"app.instanceType", "db.port", "app.environment.B"} {
		_, ok, err := s.Get(path)
		require.NoError(t, err, path)
		assert.False(t, ok, path)
	}
}

// Save writes a change as the CLI does: only the changed line differs, and
// the comments, the order of the keys and the other values stay.
func TestSaveKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: demo\nruntime: go\n"), 0o644))
	before := `# dev: the top comment stays.
config:
  # the section's comment
  demo:app:
    image: nginx:1 # the old image
    instanceType: t4g.micro
    environment:
      A: "1"
  demo:db:
    password:
      secure: v1:abcdefghijklmnop
  aws:region: eu-west-2
`
	path := filepath.Join(dir, "Pulumi.dev.yaml")
	require.NoError(t, os.WriteFile(path, []byte(before), 0o644))
	s, err := Load(dir, "dev")
	require.NoError(t, err)
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:" + strings.Repeat("ab", 32)
	require.NoError(t, s.Set("app.image="+image))
	require.NoError(t, s.Save())
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, strings.Replace(before, "image: nginx:1 # the old image", "image: "+image+" # the old image", 1), string(after))

	again, err := Load(dir, "dev")
	require.NoError(t, err)
	got, ok, err := again.Get("app.image")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, image, got)

	// A key the file did not have is added to its section.
	require.NoError(t, again.Set("app.hostPort=8080"))
	require.NoError(t, again.Save())
	after, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(after), "# the section's comment\n  demo:app:\n    image: "+image+" # the old image\n")
	assert.Contains(t, string(after), "    hostPort: 8080\n")
	assert.Contains(t, string(after), "      secure: v1:abcdefghijklmnop\n")
}

// The shipped dev stack keeps every comment and line when its image changes.
func TestSaveShippedStack(t *testing.T) {
	root, err := FindProject(".")
	require.NoError(t, err)
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi.dev.yaml"} {
		data, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	before, err := os.ReadFile(filepath.Join(dir, "Pulumi.dev.yaml"))
	require.NoError(t, err)
	s, err := Load(dir, "dev")
	require.NoError(t, err)
	old, ok, err := s.Get("app.image")
	require.NoError(t, err)
	require.True(t, ok)
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:" + strings.Repeat("cd", 32)
	require.NoError(t, s.Set("app.image="+image))
	require.NoError(t, s.Save())
	after, err := os.ReadFile(filepath.Join(dir, "Pulumi.dev.yaml"))
	require.NoError(t, err)
	assert.Equal(t, strings.Replace(string(before), "image: "+old+"\n", "image: "+image+"\n", 1), string(after))
}
