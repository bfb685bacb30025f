// Package procgroup starts helper processes (Terraform with its provider
// plugins, moto_server) as leaders of process groups of their own, so that
// a cancel kills each whole, and tells a test's reaper about every group,
// so that nothing outlives a test process that Go's timeout kills before
// any cleanup runs. It imports nothing of the project, so the packages
// that start such processes (internal/realprovider, internal/motoserver)
// share it without one linking the other.
package procgroup

import (
	"os/exec"
	"syscall"
)

// Started, when set, is told the process group of every process started
// through Own. Tests hand each group to internal/testenv's reaper.
var Started func(pgid int)

// Own makes cmd, before it starts, the leader of a process group of its
// own, which a cancel of its context kills whole: Terraform's provider
// plugins are its children, and must not outlive it. A terminal's Ctrl-C
// reaches the command that started it, which cancels the context.
func Own(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if cmd.Cancel != nil {
		cmd.Cancel = func() error { return Kill(cmd) }
	}
}

// Report tells Started about cmd's group once cmd has started.
func Report(cmd *exec.Cmd) {
	if Started != nil {
		Started(cmd.Process.Pid)
	}
}

// Kill ends cmd's whole group.
func Kill(cmd *exec.Cmd) error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
