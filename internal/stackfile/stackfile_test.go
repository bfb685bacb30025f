package stackfile

import (
	"errors"
	"os"
	"path/filepath"
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
