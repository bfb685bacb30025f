package stacktest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/testenv"
)

// ProgramCommand is the command that runs the program for the tests that
// do not link it: Render, and the real-provider layer's recordings.
const ProgramCommand = "github.com/rds-app/rds-app/internal/stacktest/runprogram"

// RenderRequest is what Render asks ProgramCommand on its stdin.
type RenderRequest struct {
	Stack  string            `json:"stack"`
	Config map[string]string `json:"config"`
}

// Rendered is what the program rendered for a stack's hosts, as
// ProgramCommand writes it on its stdout.
type Rendered struct {
	// UserData is the hosts' user-data, decoded: the cloud-config document.
	UserData string `json:"userData"`
	// InstanceType is the hosts' (the instance's or the launch template's).
	InstanceType string `json:"instanceType"`
	// ReleaseSettings are the container settings in the release record
	// the run wrote: the JSON text the host reads.
	ReleaseSettings string `json:"releaseSettings"`
	// Error is the program's own error; the run rendered nothing then.
	Error string `json:"error,omitempty"`
}

// Render runs the program for stack with cfg under the recording mock, in a
// process of its own (ProgramCommand, built once per test process), and
// returns what it rendered for the hosts. The program refusing cfg fails
// the test. Under -short it skips the test: building the command links the
// whole program, which the fast loop leaves to the program's own tests.
func Render(t testing.TB, stack string, cfg map[string]string) Rendered {
	t.Helper()
	if testing.Short() {
		t.Skip("renders the program in a process of its own (" + ProgramCommand + "), built on first use: not under -short")
	}
	req, err := json.Marshal(RenderRequest{Stack: stack, Config: cfg})
	require.NoError(t, err)
	cmd := exec.Command(testenv.Command(t, ProgramCommand), "render")
	cmd.Stdin = bytes.NewReader(req)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "rendering stack %s: %s", stack, stderr.String())
	var r Rendered
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &r), "reading what %s rendered", ProgramCommand)
	require.Empty(t, r.Error, "the program refused stack %s", stack)
	return r
}
