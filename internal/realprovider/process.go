package realprovider

import (
	"os/exec"
	"syscall"
)

// ProcessStarted, when set, is told the process group of every process
// this package starts (terraform with its provider plugins, moto_server).
// Tests hand each group to internal/testenv's reaper, so that nothing
// outlives a test process that Go's timeout kills before any cleanup runs.
var ProcessStarted func(pgid int)

// inOwnGroup makes cmd the leader of a process group of its own, which a
// cancel of its context kills whole: Terraform's provider plugins are its
// children, and must not outlive it. A terminal's Ctrl-C reaches the
// command that started it, which cancels the context.
func inOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if cmd.Cancel != nil {
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	}
}

// started reports a started process's group to ProcessStarted.
func started(cmd *exec.Cmd) {
	if ProcessStarted != nil {
		ProcessStarted(cmd.Process.Pid)
	}
}
