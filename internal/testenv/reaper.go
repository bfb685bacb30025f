package testenv

// Cleanups registered with t.Cleanup do not run when Go's test timeout
// panics, nor when the test process is killed: before this package, two
// runs that hit the timeout left six moto_server and three
// terraform-provider-aws processes behind. So every long-lived process a
// test starts is made the leader of a process group of its own (its
// children, such as Terraform's provider plugins, join it), and the group
// is handed to a reaper: a small shell started once per test process,
// which reads group IDs from a pipe whose only writer is the test process.
// However that process ends, the kernel closes the pipe, the reaper reads
// end-of-file and kills every group it was given. A parent-death signal
// alone would not do: it reaches only the direct child, not the provider
// plugins Terraform starts.

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
)

// reaperScript kills, at end-of-file on its standard input, every process
// group it read ("-PGID" per line), every process ("PID" per line) and
// every process listed in a file ("@PATH" per line, one PID a line, read
// at the end).
const reaperScript = `trap '' INT TERM HUP
targets=()
while read -r target; do targets+=("$target"); done
for target in "${targets[@]}"; do
  if [[ $target == @* ]]; then
    while read -r pid; do [[ $pid =~ ^[0-9]+$ ]] && kill -KILL -- "$pid" 2>/dev/null; done <"${target#@}"
  else
    kill -KILL -- "$target" 2>/dev/null
  fi
done
exit 0`

var reaper struct {
	sync.Mutex
	w   *os.File
	err error
}

// reap hands target ("-PGID", "PID" or "@PATH") to the reaper, starting
// it first.
func reap(target any) error {
	reaper.Lock()
	defer reaper.Unlock()
	if reaper.w == nil && reaper.err == nil {
		r, w, err := os.Pipe()
		if err != nil {
			reaper.err = err
			return err
		}
		cmd := exec.Command("/bin/bash", "-c", reaperScript)
		cmd.Stdin = r
		// Its own group: a Ctrl-C to the test's terminal must not stop it
		// before it has done its work.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			reaper.err = fmt.Errorf("starting the reaper: %w", err)
			return reaper.err
		}
		r.Close()
		// Never waited on: it outlives this process by design.
		_ = cmd.Process.Release()
		reaper.w = w
	}
	if reaper.err != nil {
		return reaper.err
	}
	_, err := fmt.Fprintf(reaper.w, "%v\n", target)
	return err
}

// Start starts cmd as the leader of a new process group, which is killed
// whole when the test process ends, however it ends. Use it (or a helper
// of this package that does) for every process a test leaves running in
// the background; KillGroup ends it sooner.
func Start(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := ReapGroup(cmd.Process.Pid); err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return err
	}
	return nil
}

// ReapGroup hands a process group that code under test started (Terraform
// and its plugins, through internal/realprovider's Started hook) to the
// reaper.
func ReapGroup(pgid int) error { return reap(-pgid) }

// ReapProcess hands a process that is not a child of the test (a server a
// tool daemonised, such as pg_ctl's postmaster) to the reaper.
func ReapProcess(pid int) error { return reap(pid) }

// ReapPIDFile hands the reaper a file that will list processes a stand-in
// daemonises after this call (the fake docker's containers), one PID a
// line: it reads the file when the test process ends.
func ReapPIDFile(path string) error {
	if strings.ContainsAny(path, "\n") {
		return fmt.Errorf("a PID file's path may not hold a newline: %q", path)
	}
	return reap("@" + path)
}

// KillGroup ends a process group Start made, at once.
func KillGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
