package compute_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/internal/pulumitest"
)

var updateGolden = flag.Bool("update", false, "rewrite compute/testdata/*.golden.json from the current code")

// registration is what a `pulumi up` compares for one resource: its type
// and name (the URN), its inputs, what it waits for and the options that
// decide between an update and a replacement.
type registration struct {
	Type, Name          string
	Parent              string
	Inputs              map[string]any
	Dependencies        []string
	IgnoreChanges       []string `json:",omitempty"`
	DeleteBeforeReplace bool     `json:",omitempty"`
	ReplaceOnChanges    []string `json:",omitempty"`
}

func registrations(m *pulumitest.Mocks) []registration {
	var out []registration
	for _, r := range m.Resources() {
		deps := append([]string(nil), r.Request.GetDependencies()...)
		sort.Strings(deps)
		_, parent := r.Parent()
		out = append(out, registration{
			Type: r.Type, Name: r.Name, Parent: parent,
			Inputs:              r.Inputs.Mappable(),
			Dependencies:        deps,
			IgnoreChanges:       r.Request.GetIgnoreChanges(),
			DeleteBeforeReplace: r.Request.GetDeleteBeforeReplace(),
			ReplaceOnChanges:    r.Request.GetReplaceOnChanges(),
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// TestSingleHostIsUnchanged: one host (app.hosts 1, the default) registers
// exactly the resources, inputs, dependencies and options it registered
// before the load-balanced mode existed, so a stack that stays on one host
// sees no change at its next `pulumi up`. The golden files were written
// by the code before that change (commit 05fd89b) with -update; rewrite
// them only for a change meant to reach single-host stacks (rewritten once
// since, for deploy by digest: the image parameter and the rollout name the
// image with its digest).
func TestSingleHostIsUnchanged(t *testing.T) {
	for name, args := range map[string]func() compute.Args{
		"default": testArgs,
		"domain and zone": func() compute.Args {
			a := testArgs()
			a.Domain, a.HostedZoneID = "app.example.com", "Z0123456789ABCDEFGHIJ"
			return a
		},
		"pinned AMI": func() compute.Args {
			a := testArgs()
			a.AMIID = "ami-0123456789abcdef0"
			return a
		},
	} {
		t.Run(name, func(t *testing.T) {
			m, _ := build(t, args())
			raw, err := json.MarshalIndent(registrations(m), "", "  ")
			require.NoError(t, err)
			got := normalize(raw)
			path := filepath.Join("testdata", "single-host-"+slug(name)+".golden.json")
			if *updateGolden {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(path, append(got, '\n'), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run once with -update to write it")
			assert.JSONEq(t, string(want), string(got))
		})
	}
}

// The mock numbers generated secrets in the order they happen to be
// registered, which varies from run to run, and version IDs follow the
// secret's value: both are replaced by what does not vary.
var (
	sentinelNumber = regexp.MustCompile(`SENTINEL[0-9]{2}x`)
	versionID      = regexp.MustCompile(`v-[0-9a-f]{16}`)
)

func normalize(b []byte) []byte {
	return versionID.ReplaceAll(sentinelNumber.ReplaceAll(b, []byte("SENTINELx")), []byte("v-version"))
}

func slug(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c == ' ' {
			out[i] = '-'
		}
	}
	return string(out)
}
