package realprovider

import (
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// remoteProgram registers what a translation carries besides plain
// inputs: a dependency, a protected and a retained resource, ignored
// changes, a data source, a list and a number, and exports a reference.
func remoteProgram(ctx *pulumi.Context) error {
	var param struct {
		Value string `pulumi:"value"`
	}
	if err := ctx.Invoke("aws:ssm/getParameter:getParameter", map[string]any{"name": "/ami/latest"}, &param); err != nil {
		return err
	}
	var db pulumi.CustomResourceState
	if err := ctx.RegisterResource("aws:rds/instance:Instance", "database", pulumi.Map{
		"identifier": pulumi.String("db"), "port": pulumi.Int(5432),
		"vpcSecurityGroupIds": pulumi.StringArray{pulumi.String("sg-1"), pulumi.String("sg-2")},
	}, &db, pulumi.Protect(true)); err != nil {
		return err
	}
	var host pulumi.CustomResourceState
	if err := ctx.RegisterResource("aws:ec2/instance:Instance", "host", pulumi.Map{
		"ami": pulumi.String(param.Value), "userData": pulumi.Sprintf("DB=%s", db.ID()),
		"rootBlockDevice": pulumi.Map{"volumeSize": pulumi.Int(20)},
	}, &host, pulumi.DependsOn([]pulumi.Resource{&db}), pulumi.RetainOnDelete(true), pulumi.IgnoreChanges([]string{"ami"})); err != nil {
		return err
	}
	ctx.Export("endpoint", pulumi.Sprintf("%s:%d", db.ID(), 5432))
	ctx.Export("hosts", pulumi.Array{host.ID()})
	return nil
}

// serve starts a Serve of program on a pair of pipes and returns its Remote.
func serve(t *testing.T, schema *Schema, program pulumi.RunFunc) *Remote {
	t.Helper()
	reqR, reqW := io.Pipe()
	ansR, ansW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := Serve(program, reqR, ansW)
		_ = ansW.Close()
		done <- err
	}()
	t.Cleanup(func() {
		_ = reqW.Close()
		assert.NoError(t, <-done, "Serve ends cleanly when its input ends")
	})
	r, err := NewRemote(reqW, ansR, schema)
	require.NoError(t, err)
	return r
}

// TestRemoteRecordIsRecord: a translation recorded by a Serve and read
// back by a Remote is the one Record makes in process, in everything
// after translation reads: the document (as main.tf.json), the addresses,
// the protected and retained resources, the outputs and the dependencies;
// and the schema the Remote sent is the one the Serve records with.
func TestRemoteRecordIsRecord(t *testing.T) {
	schema := testSchema(t)
	facts := MotoFacts("eu-west-1")
	local, err := Record(schema, facts, "demo", "dev", remoteProgram, nil)
	require.NoError(t, err)
	remote, err := serve(t, schema, remoteProgram).Record(nil, facts, "demo", "dev", nil)
	// (nil: the Remote records with the schema it sent; a Serve without one
	// could not have found aws_db_instance.)
	require.NoError(t, err)

	want, err := json.Marshal(local.Document)
	require.NoError(t, err)
	got, err := json.Marshal(remote.Document)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
	assert.Equal(t, string(want), string(got), "the same main.tf.json, byte for byte")
	assert.Contains(t, string(got), `"depends_on":["aws_db_instance.database"]`)
	assert.Contains(t, string(got), `"data":{"aws_ssm_parameter"`)

	require.Len(t, remote.Addresses, len(local.Addresses))
	for addr, r := range local.Addresses {
		g := remote.Addresses[addr]
		assert.Equal(t, []string{r.URN, r.Token, r.Name, r.TFType, r.TFName}, []string{g.URN, g.Token, g.Name, g.TFType, g.TFName}, addr)
		assert.Equal(t, r.Custom, g.Custom, addr)
		assert.Equal(t, local.dependencies(addr), remote.dependencies(addr), addr)
		assert.Equal(t, local.body(addr), remote.body(addr), addr)
	}
	assert.Equal(t, []string{"aws_db_instance.database"}, remote.dependencies("aws_instance.host"))
	assert.Equal(t, []string{"aws_db_instance.database"}, remote.Protected)
	assert.Equal(t, []string{"aws_instance.host"}, remote.Retained)
	// The same values; typed strings (a pulumi.ID) come back as strings.
	wantOut, err := json.Marshal(local.Outputs)
	require.NoError(t, err)
	gotOut, err := json.Marshal(remote.Outputs)
	require.NoError(t, err)
	assert.Equal(t, string(wantOut), string(gotOut))
	assert.Equal(t, local.Reach(local), remote.Reach(remote))
}

// The program's own refusal comes back as a *ProgramError with its
// message; any other failure as an error; and the Serve goes on.
func TestRemoteRecordErrors(t *testing.T) {
	refusal := errors.New("invalid configuration (1 problem):\n  - rds-app:database.port: 80 is outside 1150..65535")
	calls := 0
	r := serve(t, testSchema(t), func(ctx *pulumi.Context) error {
		calls++
		if calls == 1 {
			return refusal
		}
		var res pulumi.CustomResourceState
		return ctx.RegisterResource("aws:nope/thing:Thing", "x", pulumi.Map{}, &res)
	})
	_, err := r.Record(nil, MotoFacts("eu-west-1"), "demo", "dev", nil)
	var pe *ProgramError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, refusal.Error(), err.Error())

	_, err = r.Record(nil, MotoFacts("eu-west-1"), "demo", "dev", nil)
	require.Error(t, err)
	assert.False(t, errors.As(err, &pe), "a recording that fails is not the program refusing: %v", err)
	assert.Contains(t, err.Error(), "aws:nope/thing:Thing")
}
