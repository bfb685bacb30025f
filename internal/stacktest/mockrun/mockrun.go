// Package mockrun runs the real program for a stack under the recording
// mock, in this process, and finds in what it registered what the
// whole-stack checks read: the hosts' definition and user-data, the release
// record. The program's own tests use it directly; the host layer, which
// links no program, asks a command (stacktest/runprogram) for what a run rendered
// (stacktest.Render).
//
// It is test support: the functions taking a testing.TB fail the test on an
// error.
package mockrun

import (
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/program"
)

// Resource types the whole-stack checks look up.
const (
	TypeHost     = "aws:ec2/instance:Instance"
	TypeTemplate = "aws:ec2/launchTemplate:LaunchTemplate"
	// TypeReleaseRecord is the release record's type.
	TypeReleaseRecord = "aws:s3/bucketObjectv2:BucketObjectv2"
)

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
	r, err := Program(stack, cfg)
	require.NoError(t, err, "reading the outputs")
	return r
}

// Program runs program.Run for stack with cfg under a new recording mock
// (Registered) and reads the outputs program.Deploy exports. The program's
// own error is Run.Err; the error returned is reading the outputs, which a
// second, separate run does (the mock engine does not hand stack outputs
// back).
func Program(stack string, cfg map[string]string) (Run, error) {
	r := Registered(stack, cfg)
	if r.Err != nil {
		return r, nil
	}
	m := pulumitest.New()
	if err := m.Run(stack, func(ctx *pulumi.Context) error {
		out, err := program.Offline.Deploy(ctx)
		if err != nil {
			return err
		}
		out.ToMapOutput().ApplyT(func(vs map[string]any) error {
			for k, v := range vs {
				r.Outputs[k] = v
			}
			return nil
		})
		return nil
	}, pulumitest.WithConfig(stacktest.WithRegion(cfg))); err != nil {
		return Run{}, err
	}
	return r, nil
}

// Registered runs program.Run once for stack with cfg under a new
// recording mock: what it registered, without the outputs (Program reads
// those too). The program's own error is Run.Err.
func Registered(stack string, cfg map[string]string) Run {
	m := pulumitest.New()
	err := m.Run(stack, program.Offline.Run, pulumitest.WithConfig(stacktest.WithRegion(cfg)))
	return Run{Mocks: m, Outputs: map[string]any{}, Err: err}
}

// UserDataOf is the hosts' rendered user-data in a run.
func UserDataOf(t testing.TB, r Run) string {
	t.Helper()
	ud, err := UserData(r.Mocks)
	require.NoError(t, err)
	return ud
}

// UserData is the hosts' rendered user-data among a run's registrations.
func UserData(m *pulumitest.Mocks) (string, error) {
	def, err := HostDefinitionIn(m)
	if err != nil {
		return "", err
	}
	ud, err := compute.DecodeUserData(def.UserData)
	if err != nil {
		return "", err
	}
	if ud == "" {
		return "", fmt.Errorf("the hosts' user-data is empty")
	}
	return ud, nil
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
	def, err := HostDefinitionIn(m)
	require.NoError(t, err)
	return def
}

// HostDefinitionIn finds the hosts' definition among a run's registrations.
func HostDefinitionIn(m *pulumitest.Mocks) (HostDefinition, error) {
	if templates := m.OfType(TypeTemplate); len(templates) > 0 {
		if len(templates) != 1 {
			return HostDefinition{}, fmt.Errorf("want one launch template, got %d", len(templates))
		}
		if hosts := m.OfType(TypeHost); len(hosts) > 0 {
			return HostDefinition{}, fmt.Errorf("a group's stack has no single host, got %d", len(hosts))
		}
		lt := templates[0]
		ebs := pulumitest.Unwrap(lt.Input("blockDeviceMappings").ArrayValue()[0]).ObjectValue()["ebs"].ObjectValue()
		return HostDefinition{Resource: lt, Grouped: true, InstanceType: lt.Str("instanceType"), UserData: lt.Str("userData"),
			RootEncrypted: ebs["encrypted"].StringValue() == "true", Metadata: lt.Input("metadataOptions").ObjectValue(),
			KeyNameSet: !lt.Input("keyName").IsNull()}, nil
	}
	hosts := m.OfType(TypeHost)
	if len(hosts) != 1 {
		return HostDefinition{}, fmt.Errorf("want exactly one %s, got %d", TypeHost, len(hosts))
	}
	host := hosts[0]
	return HostDefinition{Resource: host, InstanceType: host.Str("instanceType"), UserData: host.Str("userDataBase64"),
		RootEncrypted: host.Input("rootBlockDevice").ObjectValue()["encrypted"].BoolValue(), Metadata: host.Input("metadataOptions").ObjectValue(),
		KeyNameSet: !host.Input("keyName").IsNull()}, nil
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

// ReleaseRecordOf is the release record a run wrote (compute's
// "<name>-release" object), and its version ID.
func ReleaseRecordOf(t testing.TB, m *pulumitest.Mocks) (hostconf.ReleaseRecord, string) {
	t.Helper()
	rec, version, err := ReleaseRecord(m)
	require.NoError(t, err)
	return rec, version
}

// ReleaseRecord is the release record among a run's registrations, and its
// version ID.
func ReleaseRecord(m *pulumitest.Mocks) (hostconf.ReleaseRecord, string, error) {
	for _, obj := range m.OfType(TypeReleaseRecord) {
		if obj.Name == "app-release" {
			rec, err := hostconf.ParseReleaseRecord(obj.Str("content"))
			return rec, obj.Outputs["versionId"].StringValue(), err
		}
	}
	return hostconf.ReleaseRecord{}, "", fmt.Errorf("no %s named %q", TypeReleaseRecord, "app-release")
}

// HostFilesOf is what the hosts' user-data writes in a run: each file's
// content by its path on the host.
func HostFilesOf(t testing.TB, r Run) map[string]string {
	t.Helper()
	var doc struct {
		WriteFiles []struct {
			Path    string `yaml:"path"`
			Content string `yaml:"content"`
		} `yaml:"write_files"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(UserDataOf(t, r)), &doc))
	files := map[string]string{}
	for _, f := range doc.WriteFiles {
		files[f.Path] = f.Content
	}
	require.NotEmpty(t, files)
	return files
}
