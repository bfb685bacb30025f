package realprovider_test

// The program, recorded for the provider in a process of its own: this
// package's test binary does not link it (nor the AWS SDK), so `go test
// -short` does not relink it after an edit to a component.

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/realprovider"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/testenv"
)

var (
	remoteOnce   sync.Once
	remote       *realprovider.Remote
	remoteErr    error
	remoteStderr lockedBuffer
)

// recordProgram records the program: `runprogram record`
// (stacktest.ProgramCommand), one process for the whole test run, started
// on first use with schema and ended when this process closes its stdin
// by ending.
func recordProgram(t *testing.T, schema *realprovider.Schema) realprovider.RecordFunc {
	t.Helper()
	bin := testenv.Command(t, stacktest.ProgramCommand)
	remoteOnce.Do(func() {
		cmd := exec.Command(bin, "record")
		cmd.Stderr = &remoteStderr
		in, err := cmd.StdinPipe()
		if err != nil {
			remoteErr = err
			return
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			remoteErr = err
			return
		}
		if remoteErr = cmd.Start(); remoteErr != nil {
			return
		}
		remote, remoteErr = realprovider.NewRemote(in, out, schema)
	})
	require.NoError(t, remoteErr, "starting %s record: %s", bin, remoteStderr.String())
	return func(schema *realprovider.Schema, facts realprovider.Facts, project, stack string, cfg map[string]string) (*realprovider.Translation, error) {
		tr, err := remote.Record(schema, facts, project, stack, cfg)
		if err != nil {
			if log := remoteStderr.String(); log != "" {
				err = fmt.Errorf("%w\n%s record said:\n%s", err, stacktest.ProgramCommand, strings.TrimSpace(log))
			}
		}
		return tr, err
	}
}

// record runs the program for stack with cfg in the region and account of
// the emulator, and translates what it registered.
func record(t *testing.T, schema *realprovider.Schema, stack string, cfg map[string]string) (*realprovider.Translation, error) {
	t.Helper()
	return recordProgram(t, schema)(schema, realprovider.MotoFacts(pulumitest.Region), pulumitest.Project, stack, stacktest.WithRegion(cfg))
}
