package testenv

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sync"
	"testing"
)

// built holds the commands Command built in this test process.
var built struct {
	sync.Mutex
	dir  string
	bins map[string]string
}

// Command builds the Go command pkg (an import path) once per test
// process and returns its path; RemoveCommands deletes what was built.
// A stand-in a script runs many times is a small command of its own rather
// than the test binary run again: a test binary that links the Pulumi SDKs
// takes a tenth of a second of CPU just to start.
func Command(t testing.TB, pkg string) string {
	t.Helper()
	goTool := RequireTool(t, "go")
	built.Lock()
	defer built.Unlock()
	if bin, ok := built.bins[pkg]; ok {
		return bin
	}
	if built.dir == "" {
		dir, err := os.MkdirTemp("", "rds-app-commands-")
		if err != nil {
			t.Fatal(err)
		}
		built.dir, built.bins = dir, map[string]string{}
	}
	bin := filepath.Join(built.dir, path.Base(pkg))
	out, err := exec.Command(goTool, "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	built.bins[pkg] = bin
	return bin
}

// RemoveCommands deletes the commands Command built; TestMain calls it
// after the tests.
func RemoveCommands() {
	built.Lock()
	defer built.Unlock()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	built.dir, built.bins = "", nil
}
