// Command render runs the program for one stack under the recording mock
// and writes what it rendered for the hosts: stacktest.Render's other end.
// It reads a stacktest.RenderRequest (JSON) on stdin and writes a
// stacktest.Rendered on stdout; a program that refuses the configuration
// is Rendered.Error, anything else that goes wrong is on stderr with exit
// status 1.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/stacktest/mockrun"
)

func main() {
	if err := render(); err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
}

func render() error {
	var req stacktest.RenderRequest
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		return fmt.Errorf("reading the request: %w", err)
	}
	run, err := mockrun.Program(req.Stack, req.Config)
	if err != nil {
		return err
	}
	var out stacktest.Rendered
	if run.Err != nil {
		out.Error = run.Err.Error()
		return json.NewEncoder(os.Stdout).Encode(out)
	}
	def, err := mockrun.HostDefinitionIn(run.Mocks)
	if err != nil {
		return err
	}
	if out.UserData, err = mockrun.UserData(run.Mocks); err != nil {
		return err
	}
	record, _, err := mockrun.ReleaseRecord(run.Mocks)
	if err != nil {
		return err
	}
	out.InstanceType, out.ReleaseSettings = def.InstanceType, string(record.Settings)
	return json.NewEncoder(os.Stdout).Encode(out)
}
