//go:build !unix

package main

import (
	"os"
	"os/exec"
	"syscall"
)

// Without process groups (Windows) the session is killed outright; the
// Session Manager plugin then ends with its parent's pipe.
const (
	sigTerm = syscall.SIGTERM
	sigKill = syscall.SIGKILL
)

func ownProcessGroup(*exec.Cmd) {}

func signalGroup(p *os.Process, _ syscall.Signal) error { return p.Kill() }
