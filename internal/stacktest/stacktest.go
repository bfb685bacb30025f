// Package stacktest runs the real program for each shipped stack under the
// recording mock, for the test packages that check whole stacks: the
// program's own tests, the host layer (which boots what the program
// renders) and the real-provider layer (which applies it). It loads every
// Pulumi.<stack>.yaml with the Pulumi SDK's own loaders, so a stack file
// added later is picked up without touching a test.
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

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/stackfile"
	"github.com/rds-app/rds-app/program"
)

// Resource types the whole-stack checks look up.
const (
	TypeHost     = "aws:ec2/instance:Instance"
	TypeTemplate = "aws:ec2/launchTemplate:LaunchTemplate"
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

// Run is the result of running the program once under mocks.
type Run struct {
	Mocks   *pulumitest.Mocks
	Outputs map[string]any
	Err     error
}

// RunProgram runs program.Run for stack with cfg (and reads the outputs
// program.Deploy exports).
func RunProgram(t testing.TB, stack string, cfg map[string]string) Run {
	t.Helper()
	m := pulumitest.New()
	outputs := map[string]any{}
	err := m.Run(stack, program.Offline.Run, pulumitest.WithConfig(WithRegion(cfg)))
	if err == nil {
		// A second, separate run reads the exported values: the mock engine
		// does not hand stack outputs back.
		m2 := pulumitest.New()
		require.NoError(t, m2.Run(stack, func(ctx *pulumi.Context) error {
			out, err := program.Offline.Deploy(ctx)
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
		}, pulumitest.WithConfig(WithRegion(cfg))))
	}
	return Run{Mocks: m, Outputs: outputs, Err: err}
}

// UserDataOf is the hosts' rendered user-data in a run.
func UserDataOf(t testing.TB, r Run) string {
	t.Helper()
	ud, err := compute.DecodeUserData(HostDefinitionOf(t, r.Mocks).UserData)
	require.NoError(t, err)
	require.NotEmpty(t, ud)
	return ud
}

// HostDefinition is what a stack's hosts start from: the single instance,
// or the launch template of a group's hosts. It holds the inputs the
// whole-stack invariants read, whichever resource carries them.
type HostDefinition struct {
	Resource      pulumitest.Resource
	Grouped       bool
	InstanceType  string
	UserData      string // gzipped and base64-encoded (compute.EncodeUserData)
	RootEncrypted bool
	Metadata      map[resource.PropertyKey]resource.PropertyValue
	KeyNameSet    bool
}

// HostDefinitionOf finds the hosts' definition among a run's registrations.
func HostDefinitionOf(t testing.TB, m *pulumitest.Mocks) HostDefinition {
	t.Helper()
	if templates := m.OfType(TypeTemplate); len(templates) > 0 {
		require.Len(t, templates, 1)
		require.Empty(t, m.OfType(TypeHost), "a group's stack has no single host")
		lt := templates[0]
		ebs := pulumitest.Unwrap(lt.Input("blockDeviceMappings").ArrayValue()[0]).ObjectValue()["ebs"].ObjectValue()
		return HostDefinition{Resource: lt, Grouped: true, InstanceType: lt.Str("instanceType"), UserData: lt.Str("userData"),
			RootEncrypted: ebs["encrypted"].StringValue() == "true", Metadata: lt.Input("metadataOptions").ObjectValue(),
			KeyNameSet: !lt.Input("keyName").IsNull()}
	}
	host := m.One(t, TypeHost)
	return HostDefinition{Resource: host, InstanceType: host.Str("instanceType"), UserData: host.Str("userDataBase64"),
		RootEncrypted: host.Input("rootBlockDevice").ObjectValue()["encrypted"].BoolValue(), Metadata: host.Input("metadataOptions").ObjectValue(),
		KeyNameSet: !host.Input("keyName").IsNull()}
}

func copyOf(cfg map[string]string) map[string]string {
	out := make(map[string]string, len(cfg)+1)
	for k, v := range cfg {
		out[k] = v
	}
	return out
}

// ReleaseImage is the image a release of app.image names when the program
// runs under the mocks (program.Offline): a digest as it is, a tag in ECR
// with the mock ECR's digest, any other tag with program.OfflineDigest's.
func ReleaseImage(t testing.TB, image string) string {
	t.Helper()
	img, err := awsfacts.ParseImage(image)
	require.NoError(t, err)
	switch {
	case img.Digest != "":
		return image
	case img.ECR != nil:
		return img.Pinned(pulumitest.ECRDigest(img.ECR.Name, img.Tag))
	}
	digest, err := program.OfflineDigest(image)
	require.NoError(t, err)
	return img.Pinned(digest)
}

// TypeReleaseRecord is the release record's type.
const TypeReleaseRecord = "aws:s3/bucketObjectv2:BucketObjectv2"

// ReleaseRecordOf is the release record a run wrote (compute's
// "<name>-release" object), and its version ID.
func ReleaseRecordOf(t testing.TB, m *pulumitest.Mocks) (hostconf.ReleaseRecord, string) {
	t.Helper()
	obj := m.Named(t, TypeReleaseRecord, "app-release")
	rec, err := hostconf.ParseReleaseRecord(obj.Str("content"))
	require.NoError(t, err)
	return rec, obj.Outputs["versionId"].StringValue()
}
