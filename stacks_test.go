package main

// Helpers shared by the whole-stack tests: load every shipped
// Pulumi.<stack>.yaml with the Pulumi SDK's own loaders and run the real
// program under the recording mock with exactly that configuration.

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/compute"
	rdsconfig "github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/stackfile"
	"github.com/rds-app/rds-app/program"
)

// shippedStack is one Pulumi.<stack>.yaml of the repository.
type shippedStack struct {
	Name string
	// Config is the stack's configuration as Pulumi hands it to the
	// program: structured sections as JSON text. A placeholder image is
	// replaced by one of testAccount, as README tells the user to do.
	Config map[string]string
	// Raw is the configuration exactly as the file has it.
	Raw map[string]string
}

// testAccount stands in for the user's own account in an image.
const testAccount = "210987654321"

// loadProject loads Pulumi.yaml, which also validates it against Pulumi's
// project schema.
func loadProject(t testing.TB) *workspace.Project {
	t.Helper()
	proj, err := workspace.LoadProject("Pulumi.yaml")
	require.NoError(t, err, "Pulumi.yaml")
	return proj
}

// shippedStacks loads every Pulumi.<stack>.yaml next to Pulumi.yaml. A stack
// file added later is picked up without touching the tests.
func shippedStacks(t testing.TB) []shippedStack {
	t.Helper()
	loaded, err := stackfile.LoadAll(".")
	require.NoError(t, err)
	var stacks []shippedStack
	for _, s := range loaded {
		cfg, err := s.Config()
		require.NoError(t, err, s.Path)
		stacks = append(stacks, shippedStack{Name: s.Name, Config: withOwnImage(t, cfg), Raw: cfg})
	}
	require.NotEmpty(t, stacks, "no Pulumi.<stack>.yaml found")
	return stacks
}

// withOwnImage replaces an image in the placeholder account (which the
// program refuses) with the same repository in testAccount.
func withOwnImage(t testing.TB, cfg map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range cfg {
		out[k] = v
	}
	key := pulumitest.Project + ":app"
	var app map[string]any
	if raw, ok := cfg[key]; ok {
		require.NoError(t, json.Unmarshal([]byte(raw), &app))
		if image, _ := app["image"].(string); strings.HasPrefix(image, rdsconfig.PlaceholderAccount+".") {
			app["image"] = testAccount + strings.TrimPrefix(image, rdsconfig.PlaceholderAccount)
			data, err := json.Marshal(app)
			require.NoError(t, err)
			out[key] = string(data)
		}
	}
	return out
}

// withRegion adds the one setting a user must make before `pulumi up`.
func withRegion(cfg map[string]string) map[string]string {
	out := map[string]string{"aws:region": pulumitest.Region}
	for k, v := range cfg {
		out[k] = v
	}
	return out
}

// programRun is the result of running the program once under mocks.
type programRun struct {
	Mocks   *pulumitest.Mocks
	Outputs map[string]any
	Err     error
}

// runProgram runs program.Run (and reads the outputs program.Deploy exports) for stack
// with the given configuration.
func runProgram(t testing.TB, stack string, cfg map[string]string) programRun {
	t.Helper()
	m := pulumitest.New()
	outputs := map[string]any{}
	err := m.Run(stack, program.Run, pulumitest.WithConfig(withRegion(cfg)))
	if err == nil {
		// A second, separate run reads the exported values: the mock engine
		// does not hand stack outputs back.
		m2 := pulumitest.New()
		require.NoError(t, m2.Run(stack, func(ctx *pulumi.Context) error {
			out, err := program.Deploy(ctx)
			if err != nil {
				return err
			}
			out.ToMapOutput().ApplyT(func(vs map[string]any) error {
				for k, v := range vs {
					outputs[k] = v
				}
				return nil
			})
			return nil
		}, pulumitest.WithConfig(withRegion(cfg))))
	}
	return programRun{Mocks: m, Outputs: outputs, Err: err}
}

// userDataOf is the host's rendered user-data in a run.
func userDataOf(t testing.TB, r programRun) string {
	t.Helper()
	ud, err := compute.DecodeUserData(hostDefinitionOf(t, r.Mocks).userData)
	require.NoError(t, err)
	require.NotEmpty(t, ud)
	return ud
}

// hostDefinition is what a stack's hosts start from: the single instance,
// or the launch template of a group's hosts. It holds the inputs the
// whole-stack invariants read, whichever resource carries them.
type hostDefinition struct {
	resource      pulumitest.Resource
	grouped       bool
	instanceType  string
	userData      string // gzipped and base64-encoded (compute.EncodeUserData)
	rootEncrypted bool
	metadata      map[resource.PropertyKey]resource.PropertyValue
	keyNameSet    bool
}

func hostDefinitionOf(t testing.TB, m *pulumitest.Mocks) hostDefinition {
	t.Helper()
	if templates := m.OfType(typeTemplate); len(templates) > 0 {
		require.Len(t, templates, 1)
		require.Empty(t, m.OfType(typeHost), "a group's stack has no single host")
		lt := templates[0]
		ebs := pulumitest.Unwrap(lt.Input("blockDeviceMappings").ArrayValue()[0]).ObjectValue()["ebs"].ObjectValue()
		return hostDefinition{resource: lt, grouped: true, instanceType: lt.Str("instanceType"), userData: lt.Str("userData"),
			rootEncrypted: ebs["encrypted"].StringValue() == "true", metadata: lt.Input("metadataOptions").ObjectValue(),
			keyNameSet: !lt.Input("keyName").IsNull()}
	}
	host := m.One(t, typeHost)
	return hostDefinition{resource: host, instanceType: host.Str("instanceType"), userData: host.Str("userDataBase64"),
		rootEncrypted: host.Input("rootBlockDevice").ObjectValue()["encrypted"].BoolValue(), metadata: host.Input("metadataOptions").ObjectValue(),
		keyNameSet: !host.Input("keyName").IsNull()}
}
