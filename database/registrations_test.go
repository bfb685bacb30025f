package database_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/database"
	"github.com/rds-app/rds-app/internal/pulumitest"
)

// registration is what one registration asks of the engine: everything
// that decides whether the next `pulumi up` creates, updates, replaces or
// deletes the resource.
type registration struct {
	Type, Name, Parent      string
	Inputs                  map[string]any `json:",omitempty"`
	Dependencies            []string       `json:",omitempty"`
	Protect                 bool           `json:",omitempty"`
	RetainOnDelete          bool           `json:",omitempty"`
	DeleteBeforeReplace     bool           `json:",omitempty"`
	IgnoreChanges           []string       `json:",omitempty"`
	ReplaceOnChanges        []string       `json:",omitempty"`
	AdditionalSecretOutputs []string       `json:",omitempty"`
}

// registrations are the recorded registrations by type and name.
func registrations(m *pulumitest.Mocks) map[string]registration {
	out := map[string]registration{}
	for _, r := range m.Resources() {
		if strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		pt, pn := r.Parent()
		deps := slices.Clone(r.Request.GetDependencies())
		slices.Sort(deps)
		out[r.Type+"::"+r.Name] = registration{
			Type: r.Type, Name: r.Name, Parent: pt + "::" + pn,
			Inputs:                  plain(resource.NewObjectProperty(r.Inputs)).(map[string]any),
			Dependencies:            deps,
			Protect:                 r.Request.GetProtect(),
			RetainOnDelete:          r.Request.GetRetainOnDelete(),
			DeleteBeforeReplace:     r.Request.GetDeleteBeforeReplace(),
			IgnoreChanges:           r.Request.GetIgnoreChanges(),
			ReplaceOnChanges:        r.Request.GetReplaceOnChanges(),
			AdditionalSecretOutputs: r.Request.GetAdditionalSecretOutputs(),
		}
	}
	return out
}

// plain turns a property value into JSON values, keeping which parts are
// secret ({"<secret>": value}) and which unknown.
func plain(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return map[string]any{"<secret>": plain(v.SecretValue().Element)}
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return "<unknown>"
		}
		if o.Secret {
			return map[string]any{"<secret>": plain(o.Element)}
		}
		return plain(o.Element)
	case v.IsComputed():
		return "<unknown>"
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			out[string(k)] = plain(e)
		}
		return out
	case v.IsArray():
		out := []any{}
		for _, e := range v.ArrayValue() {
			out = append(out, plain(e))
		}
		return out
	case v.IsNull():
		return nil
	}
	return v.V
}

// TestDefaultRegistrationsAreUnchanged: without the proxy and replicas the
// database registers exactly the resources it did before they existed,
// with the same inputs and options, so the next `pulumi up` of a stack
// that uses neither changes nothing. testdata/registrations.json was
// recorded from the program before issue 16 (RDS_APP_UPDATE_GOLDEN=1
// rewrites it; do that only for a change meant to reach every stack).
func TestDefaultRegistrationsAreUnchanged(t *testing.T) {
	got := map[string]map[string]registration{}
	for name, args := range map[string]func() database.Args{"dev": devArgs, "prod": prodArgs} {
		m, _ := build(t, args())
		got[name] = registrations(m)
	}
	data, err := json.MarshalIndent(got, "", "  ")
	require.NoError(t, err)
	path := filepath.Join("testdata", "registrations.json")
	if os.Getenv("RDS_APP_UPDATE_GOLDEN") == "1" {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, append(data, '\n'), 0o644))
		t.Logf("%s rewritten", path)
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	var wantRegs map[string]map[string]registration
	require.NoError(t, json.Unmarshal(want, &wantRegs))
	var gotRegs map[string]map[string]registration
	require.NoError(t, json.Unmarshal(data, &gotRegs))
	assert.Equal(t, wantRegs, gotRegs)
}
