//go:build unix

package host

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/rds-app/rds-app/internal/testenv"
)

// TestMain runs the tests, by default four per core side by side: a host
// test mostly waits (on a script's retries and health checks, on the
// emulator, on a proxy draining), so go test's default of one per core
// leaves the cores idle. -parallel, given, wins.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
	code := m.Run()
	testenv.RemoveCommands()
	os.Exit(code)
}

// fakeDockerShim is the `docker` on the scripts' PATH: the fake Docker
// (package fakedocker), built once per test process.
func fakeDockerShim(t testing.TB) string {
	t.Helper()
	return "#!/bin/sh\nexec '" + testenv.Command(t, "github.com/rds-app/rds-app/acceptance/host/fakedocker/docker") + "' \"$@\"\n"
}
