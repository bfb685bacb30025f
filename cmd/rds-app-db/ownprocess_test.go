package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// ownProcessEnv names, in a test's own process (inOwnProcess), the test
// that process runs.
const ownProcessEnv = "RDS_APP_DB_TEST_OWN_PROCESS"

// inOwnProcess runs the calling test again in a process of its own (this
// test binary, told to run that test only), beside the other tests that do.
// The end-to-end tests set the process environment the command reads
// (t.Setenv: TMPDIR, HOME, PATH with the fake aws, the emulator's
// endpoint), which tests sharing one process must take turns at; each in a
// process of its own, they run at once. It returns true in that process,
// where the test goes on. In this one it returns false, and the test has
// the other process's verdict: passed, skipped (with its reason) or failed
// (with its output), and its subtests, each with theirs. Under -short, where these tests skip, the test goes on
// in this process.
func inOwnProcess(t *testing.T) bool {
	t.Helper()
	if os.Getenv(ownProcessEnv) == t.Name() || testing.Short() {
		return true
	}
	t.Parallel()
	args := []string{"-test.run=^" + regexp.QuoteMeta(t.Name()) + "$", "-test.v"}
	if deadline, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout="+time.Until(deadline).Round(time.Second).String())
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), ownProcessEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	result := resultOf(t.Name(), out)
	if err == nil && result.verdict == "SKIP" {
		t.Skipf("skipped in its own process:\n%s", quoted(out))
	}
	// The subtests that ran there are reported here too, each with its
	// verdict, so that go test's account of the run still lists them.
	replay(t, result.subtests)
	if err == nil && result.verdict == "PASS" {
		return false
	}
	// The other process's lines are quoted, so that go test's reading of
	// this one's output (-json) does not take them for this one's results.
	t.Fatalf("%s failed in a process of its own (%v):\n%s", t.Name(), err, quoted(out))
	return false
}

// subtest is a test's or subtest's result in another process's -test.v
// output.
type subtest struct {
	name, verdict string
	subtests      []*subtest
}

// resultRE is a result line of -test.v output.
var resultRE = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+) \(`)

// resultOf is test's result in out, with its subtests in the order they
// were reported (a subtest's own before its children's).
func resultOf(test string, out []byte) *subtest {
	root := &subtest{name: test}
	byName := map[string]*subtest{test: root}
	for _, line := range strings.Split(string(out), "\n") {
		m := resultRE.FindStringSubmatch(line)
		if m != nil && m[2] == test {
			root.verdict = m[1]
		}
		if m == nil || !strings.HasPrefix(m[2], test+"/") {
			continue
		}
		parent := byName[m[2][:strings.LastIndex(m[2], "/")]]
		if parent == nil {
			continue
		}
		s := &subtest{name: m[2][strings.LastIndex(m[2], "/")+1:], verdict: m[1]}
		byName[m[2]] = s
		parent.subtests = append(parent.subtests, s)
	}
	return root
}

// replay reports subtests under t with the verdicts they had.
func replay(t *testing.T, subtests []*subtest) {
	for _, s := range subtests {
		t.Run(s.name, func(t *testing.T) {
			replay(t, s.subtests)
			switch s.verdict {
			case "FAIL":
				t.Error("failed in the test's own process (its output is the test's)")
			case "SKIP":
				t.Skip("skipped in the test's own process")
			}
		})
	}
}

// quoted is out with every line prefixed by "| ".
func quoted(out []byte) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	return "| " + strings.Join(lines, "\n| ")
}

// TestInOwnProcess: the test goes on in another process, which its
// environment names, where it may set the environment (t.Setenv panics in
// a test that runs in parallel with others in one process); its verdict is
// the test's here.
func TestInOwnProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts this test binary again")
	}
	if !inOwnProcess(t) {
		return
	}
	assert.Equal(t, t.Name(), os.Getenv(ownProcessEnv))
	t.Setenv("RDS_APP_DB_TEST_PROBE", "set")
	assert.Equal(t, "set", os.Getenv("RDS_APP_DB_TEST_PROBE"))
}
