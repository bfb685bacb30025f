package realprovider

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const stateJSON = `{"version":4,"resources":[
 {"mode":"managed","type":"aws_eip","name":"app_host","instances":[{"attributes":{"public_ip":"54.1.2.3","id":"eipalloc-1"}}]},
 {"mode":"managed","type":"aws_db_instance","name":"database","instances":[{"attributes":{"address":"db.example","port":5432}}]},
 {"mode":"data","type":"aws_ssm_parameter","name":"q1","instances":[{"attributes":{"value":"ami-1"}}]},
 {"mode":"managed","type":"aws_instance","name":"empty","instances":[]}
]}`

func TestOutputValues(t *testing.T) {
	outputs := map[string]any{
		"url":       "http://" + marker("aws_eip.app_host.public_ip"),
		"tunnel":    "host=" + marker("aws_db_instance.database.address") + ",port=" + marker("aws_db_instance.database.port"),
		"ami":       marker("data.aws_ssm_parameter.q1.value"),
		"port":      5432,
		"list":      []string{marker("aws_eip.app_host.id")},
		"instance":  marker("aws_instance.empty.id"),
		"rollout":   marker("aws_ssm_association.app_rollout.association_id") + " " + marker("aws_instance.gone.id"),
		"unchanged": "plain",
		"release":   map[string]string{"id": "r1", "version": marker("aws_eip.app_host.id")},
	}
	values, missing, err := OutputValues(outputs, []byte(stateJSON))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"url":       "http://54.1.2.3",
		"tunnel":    "host=db.example,port=5432",
		"ami":       "ami-1",
		"port":      5432,
		"list":      []any{"eipalloc-1"},
		"unchanged": "plain",
		"release":   map[string]any{"id": "r1", "version": "eipalloc-1"},
	}, values)
	assert.Equal(t, map[string][]string{
		"instance": {"aws_instance.empty"},
		"rollout":  {"aws_instance.gone", "aws_ssm_association.app_rollout"},
	}, missing)
}

// The recorder keeps what the program exports, references included.
func TestRecorderExports(t *testing.T) {
	s := testSchema(t)
	tr, err := Record(s, MotoFacts("eu-west-1"), "demo", "dev", func(ctx *pulumi.Context) error {
		var res pulumi.CustomResourceState
		if err := ctx.RegisterResource("aws:rds/instance:Instance", "database", pulumi.Map{"identifier": pulumi.String("db")}, &res); err != nil {
			return err
		}
		ctx.Export("endpoint", pulumi.Sprintf("%s:%d", res.ID(), 5432))
		ctx.Export("region", pulumi.String("eu-west-1"))
		return nil
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"endpoint": "@@tf:aws_db_instance.database.id@@:5432", "region": "eu-west-1"}, tr.Outputs)
}

// A program's own error comes back as it is, not wrapped by the SDK.
func TestRecordProgramError(t *testing.T) {
	_, err := Record(testSchema(t), MotoFacts("eu-west-1"), "demo", "dev", func(*pulumi.Context) error {
		return assert.AnError
	}, nil)
	var pe *ProgramError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, assert.AnError.Error(), err.Error())
	assert.ErrorIs(t, err, assert.AnError)
}
