package realprovider

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// applyJSON is an excerpt of `terraform apply -json`: the plan's summary,
// one resource created after a progress report, one failing.
const applyJSON = `{"@level":"info","@message":"Terraform 1.11.4","type":"version"}
{"@level":"info","type":"change_summary","changes":{"add":2,"change":0,"import":0,"remove":0,"operation":"plan"}}
{"@level":"info","type":"apply_start","hook":{"resource":{"addr":"aws_vpc.network"},"action":"create"}}
{"@level":"info","type":"apply_progress","hook":{"resource":{"addr":"aws_vpc.network"},"action":"create","elapsed_seconds":10}}
{"@level":"info","type":"apply_complete","hook":{"resource":{"addr":"aws_vpc.network"},"action":"create","elapsed_seconds":12}}
{"@level":"info","type":"apply_start","hook":{"resource":{"addr":"aws_ssm_association.rollout"},"action":"create"}}
{"@level":"info","type":"apply_errored","hook":{"resource":{"addr":"aws_ssm_association.rollout"},"action":"create","elapsed_seconds":1}}
{"@level":"error","type":"diagnostic","diagnostic":{"severity":"error","summary":"creating SSM Association","detail":"StatusCode: 500","address":"aws_ssm_association.rollout"}}
{"@level":"info","type":"change_summary","changes":{"add":1,"change":0,"import":0,"remove":0,"operation":"apply"}}
`

func TestApplyEvents(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "out.json"), []byte(applyJSON), 0o644))
	fake := filepath.Join(dir, "terraform")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\ncat \"$(dirname \"$0\")/out.json\"\nexit 1\n"), 0o755))
	tf := &Terraform{Bin: fake, Dir: dir}
	var events []Event
	res, err := tf.Apply(context.Background(), func(e Event) { events = append(events, e) })
	require.NoError(t, err, "a failed apply is reported in its outcomes")
	assert.Equal(t, []Event{
		{Kind: EventPlanned, Total: 2},
		{Kind: EventStart, Address: "aws_vpc.network", Action: "create"},
		{Kind: EventProgress, Address: "aws_vpc.network", Action: "create", Elapsed: 10},
		{Kind: EventComplete, Address: "aws_vpc.network", Action: "create", Elapsed: 12},
		{Kind: EventStart, Address: "aws_ssm_association.rollout", Action: "create"},
		{Kind: EventErrored, Address: "aws_ssm_association.rollout", Action: "create", Elapsed: 1},
	}, events)
	assert.True(t, res.Outcomes["aws_vpc.network"].Created)
	assert.Equal(t, "creating SSM Association StatusCode: 500", res.Outcomes["aws_ssm_association.rollout"].Error)
}

func TestLineWriter(t *testing.T) {
	var lines []string
	w := &lineWriter{onLine: func(b []byte) { lines = append(lines, string(b)) }}
	for _, chunk := range []string{"a", "b\nc", "\n\nd"} {
		n, err := w.Write([]byte(chunk))
		require.NoError(t, err)
		assert.Equal(t, len(chunk), n)
	}
	assert.Equal(t, []string{"ab", "c", ""}, lines, "a line is handed on once complete")
}
