//go:build unix

package host

import (
	"os"
	"testing"

	"github.com/rds-app/rds-app/internal/testenv"
)

func TestMain(m *testing.M) {
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
