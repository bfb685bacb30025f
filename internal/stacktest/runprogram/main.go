// Command runprogram runs the real program for the tests that do not link
// it, so that `go test -short` need not relink them after every edit to a
// component:
//
//	runprogram render
//	    reads a stacktest.RenderRequest (JSON) on stdin, runs the program
//	    under the recording mock (mockrun) and writes a stacktest.Rendered
//	    on stdout: what the host layer's tests boot (stacktest.Render). A
//	    program that refuses the configuration is Rendered.Error.
//	runprogram record
//	    reads the provider's schema on stdin, then records the program for
//	    the real provider for every realprovider.RecordRequest that follows,
//	    until stdin ends (realprovider.Serve, realprovider.Remote): the
//	    real-provider layer's recordings.
//
// Anything else that goes wrong is on stderr, with exit status 1.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/rds-app/rds-app/internal/realprovider"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/stacktest/mockrun"
	"github.com/rds-app/rds-app/program"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "runprogram:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 1 && args[0] == "render":
		return render()
	case len(args) == 1 && args[0] == "record":
		return realprovider.Serve(program.Offline.Run, os.Stdin, os.Stdout)
	}
	return errors.New("usage: runprogram render | runprogram record")
}

func render() error {
	var req stacktest.RenderRequest
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		return fmt.Errorf("reading the request: %w", err)
	}
	// What the hosts get is registered: the outputs' second run is not needed.
	run := mockrun.Registered(req.Stack, req.Config)
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
