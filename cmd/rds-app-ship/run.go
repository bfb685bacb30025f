package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
)

// step says what the run does next, or what it found: one line per step,
// on standard error, in a log as on a terminal.
func (a *app) step(format string, args ...any) {
	fmt.Fprintf(a.stderr, "rds-app-ship: "+format+"\n", args...)
}

// command prepares a program found on PATH (through lookPath, so that a
// test can take it away), run in dir ("" for the current directory) with
// this process's environment.
func (a *app) command(ctx context.Context, dir, name string, args ...string) (*exec.Cmd, error) {
	path, err := a.lookPath(name)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	return cmd, nil
}

// capture runs a program to completion, with stdin (nil for none) on its
// standard input, and returns its standard output and error. The ECR
// password travels this way: in memory and on pipes, never in arguments.
func (a *app) capture(ctx context.Context, dir string, stdin []byte, name string, args ...string) ([]byte, string, error) {
	cmd, err := a.command(ctx, dir, name, args...)
	if err != nil {
		return nil, "", err
	}
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	a.observe(cmd)
	err = cmd.Run()
	return stdout.Bytes(), stderr.String(), err
}

// stream runs a long step (a build, a push) with its output shown as it
// comes, on standard error, and returns that output too.
func (a *app) stream(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd, err := a.command(ctx, dir, name, args...)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	w := io.MultiWriter(a.stderr, &out)
	cmd.Stdout, cmd.Stderr = w, w
	a.observe(cmd)
	err = cmd.Run()
	return out.String(), err
}
