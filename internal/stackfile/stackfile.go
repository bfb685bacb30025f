// Package stackfile reads a Pulumi project's stack configuration the way the
// Pulumi CLI does, without the CLI: Pulumi.yaml, Pulumi.<stack>.yaml, and
// changes on top as `pulumi config set --path` makes them. What it returns
// is the configuration as Pulumi hands it to a program, so the tests and
// rds-app-rehearse run the program on exactly what `pulumi up` would.
// Save writes the changes back as the CLI does (rds-app-ship sets
// app.image this way), keeping the file's comments.
package stackfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// Stack is one Pulumi.<stack>.yaml of a project, with any changes made by
// Set.
type Stack struct {
	// Name is the stack's name ("dev").
	Name string
	// Project is the project's name (Pulumi.yaml's "name").
	Project string
	// Path is the stack file.
	Path string

	config config.Map
	// file is the stack file as loaded; Save writes through it, as the
	// CLI does.
	file *workspace.ProjectStack
}

// UnknownStackError is a stack name with no Pulumi.<stack>.yaml.
type UnknownStackError struct {
	Name string
	// Dir is the project's directory.
	Dir string
	// Known are the stacks the project has.
	Known []string
}

func (e *UnknownStackError) Error() string {
	known := "it has none"
	if len(e.Known) > 0 {
		known = "its stacks are " + strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("stack %q not found: the project in %s has no Pulumi.%s.yaml (%s)", e.Name, e.Dir, e.Name, known)
}

// FindProject returns the directory of the Pulumi.yaml that governs dir:
// dir itself or the nearest directory above it that has one, as the CLI
// looks.
func FindProject(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "Pulumi.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no Pulumi.yaml in %s or any directory above it: run this inside the project", abs)
		}
	}
}

// Names lists the stacks of the project in dir, one per Pulumi.<stack>.yaml,
// sorted.
func Names(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "Pulumi."), ".yaml"))
	}
	sort.Strings(names)
	return names, nil
}

// Load reads the stack name of the project in dir. Pulumi.yaml is checked
// against Pulumi's project schema on the way.
func Load(dir, name string) (*Stack, error) {
	proj, err := workspace.LoadProject(filepath.Join(dir, "Pulumi.yaml"))
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", filepath.Join(dir, "Pulumi.yaml"), err)
	}
	path := filepath.Join(dir, "Pulumi."+name+".yaml")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		known, _ := Names(dir)
		return nil, &UnknownStackError{Name: name, Dir: dir, Known: known}
	}
	ps, err := workspace.LoadProjectStack(nil, proj, path)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	cfg := config.Map{}
	for k, v := range ps.Config {
		cfg[k] = v
	}
	return &Stack{Name: name, Project: proj.Name.String(), Path: path, config: cfg, file: ps}, nil
}

// LoadAll reads every stack of the project in dir, sorted by name.
func LoadAll(dir string) ([]*Stack, error) {
	names, err := Names(dir)
	if err != nil {
		return nil, err
	}
	var stacks []*Stack
	for _, name := range names {
		s, err := Load(dir, name)
		if err != nil {
			return nil, err
		}
		stacks = append(stacks, s)
	}
	return stacks, nil
}

// Config is the stack's configuration as Pulumi hands it to the program:
// every key ("rds-app:network", "aws:region") and its value, structured
// values as JSON text. Secret values stay as the file has them (encrypted):
// nothing here holds the stack's passphrase.
func (s *Stack) Config() (map[string]string, error) {
	values, err := s.config.Decrypt(config.NopDecrypter)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.Path, err)
	}
	out := map[string]string{}
	for k, v := range values {
		out[k.String()] = v
	}
	return out, nil
}

// Get returns the value at a key path, as `pulumi config get --path`
// prints it: "app.instanceType" (a key without a namespace is the
// project's), false when it is not set. A secret value is returned as the
// file holds it (encrypted).
func (s *Stack) Get(path string) (string, bool, error) {
	if !strings.Contains(path, ":") {
		path = s.Project + ":" + path
	}
	k, err := config.ParseKey(path)
	if err != nil {
		return "", false, fmt.Errorf("%q: %w", path, err)
	}
	v, ok, err := s.config.Get(k, true)
	if err != nil || !ok {
		return "", false, err
	}
	text, err := v.Value(config.NopDecrypter)
	if err != nil {
		return "", false, fmt.Errorf("reading %s of %s: %w", path, s.Path, err)
	}
	return text, true, nil
}

// Save writes the configuration, with the changes Set made, back to the
// stack file exactly as `pulumi config set` writes it: through the Pulumi
// SDK's ProjectStack.Save, whose edit of the file's YAML keeps its
// comments, the order of its keys and every other line as they were.
func (s *Stack) Save() error {
	s.file.Config = config.Map{}
	for k, v := range s.config {
		s.file.Config[k] = v
	}
	if err := s.file.Save(s.Path); err != nil {
		return fmt.Errorf("writing %s: %w", s.Path, err)
	}
	return nil
}

// Set makes one change to the stack's configuration (Save writes it to the
// file), as `pulumi config set --path` would:
//
//   - "key=value": a key path ("app.image", "app.environment.FOO",
//     "network.ingressCidrs[0]"; a key without a namespace is the
//     project's) set to value, which, like the CLI stores it inside a
//     section, is a boolean for true/false, a number for a whole number
//     (without leading zeros) and a string otherwise;
//   - "key:=JSON": the value is JSON, for a list, an object, or a string
//     that looks like a number ('database.engineVersion:="18"'), what the
//     CLI's --type string and repeated [i] paths are for.
//
// Whether the key and value make sense is the program's to say, as with
// `pulumi up`.
func (s *Stack) Set(change string) error {
	key, value, ok := strings.Cut(change, "=")
	if !ok {
		return fmt.Errorf("%q: a change is key=value or key:=JSON (for example app.image=nginx:1.29)", change)
	}
	isJSON := strings.HasSuffix(key, ":")
	key = strings.TrimSuffix(key, ":")
	if key == "" {
		return fmt.Errorf("%q: the key is missing before the =", change)
	}
	if !strings.Contains(key, ":") {
		key = s.Project + ":" + key
	}
	k, err := config.ParseKey(key)
	if err != nil {
		return fmt.Errorf("%q: %w", change, err)
	}
	v := config.NewValue(value)
	if isJSON {
		if !json.Valid([]byte(value)) {
			return fmt.Errorf("%q: the value after := is not JSON (a string is quoted: '%s:=\"%s\"')", change, strings.TrimSuffix(strings.SplitN(change, "=", 2)[0], ":"), value)
		}
		v = config.NewObjectValue(value)
	}
	if err := s.config.Set(k, v, true); err != nil {
		return fmt.Errorf("%q: %w", change, err)
	}
	return nil
}
