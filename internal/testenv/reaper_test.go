package testenv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// childMode makes this test binary the test process whose death is under
// test: it starts a process group through Start (a shell and its child,
// as Terraform and its provider plugin), prints the group's ID and then
// hangs until it is killed or times out.
const childMode = "RDS_APP_TESTENV_CHILD"

// TestHangingChild is the child's test: run only by TestStartedProcessesDie.
func TestHangingChild(t *testing.T) {
	if os.Getenv(childMode) != "1" {
		t.Skip("the child half of TestStartedProcessesDie")
	}
	cmd := exec.Command("/bin/sh", "-c", "sleep 600 & sleep 600")
	require.NoError(t, Start(cmd))
	// A process another process daemonised, listed in a PID file (as the
	// fake docker lists its containers).
	pids := filepath.Join(t.TempDir(), "pids")
	require.NoError(t, ReapPIDFile(pids))
	daemon := exec.Command("sleep", "600")
	daemon.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	require.NoError(t, daemon.Start())
	require.NoError(t, os.WriteFile(pids, []byte(strconv.Itoa(daemon.Process.Pid)+"\n"), 0o600))
	fmt.Printf("group %d daemon %d\n", cmd.Process.Pid, daemon.Process.Pid)
	time.Sleep(time.Hour)
}

// TestStartedProcessesDie: what Start started dies with the test process,
// however it ends: killed outright, or by Go's test timeout, when no
// cleanup runs.
func TestStartedProcessesDie(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts processes")
	}
	for _, tc := range []struct {
		name string
		args []string
		end  func(*exec.Cmd)
	}{
		{"killed", []string{"-test.run=^TestHangingChild$", "-test.timeout=10m"}, func(c *exec.Cmd) { _ = c.Process.Kill() }},
		{"test timeout", []string{"-test.run=^TestHangingChild$", "-test.timeout=3s"}, func(*exec.Cmd) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			child := exec.Command(os.Args[0], tc.args...)
			child.Env = append(os.Environ(), childMode+"=1")
			out, err := child.StdoutPipe()
			require.NoError(t, err)
			var stderr bytes.Buffer
			child.Stderr = &stderr
			require.NoError(t, child.Start())
			line, err := bufio.NewReader(out).ReadString('\n')
			require.NoError(t, err, "the child prints its group")
			var pgid, daemon int
			_, err = fmt.Sscanf(line, "group %d daemon %d", &pgid, &daemon)
			require.NoError(t, err, line)
			require.NoError(t, syscall.Kill(-pgid, 0), "the group runs while its test does")
			require.NoError(t, syscall.Kill(daemon, 0), "the daemon runs while its test does")

			tc.end(child)
			_ = child.Wait()
			for _, target := range []int{-pgid, daemon} {
				deadline := time.Now().Add(10 * time.Second)
				for syscall.Kill(target, 0) == nil && time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
				}
				err = syscall.Kill(target, 0)
				if !assert.True(t, errors.Is(err, syscall.ESRCH), "%d (a negative number is a group) outlived its test process (%v):\n%s", target, err, stderr.String()) {
					_ = syscall.Kill(target, syscall.SIGKILL)
				}
			}
		})
	}
}
