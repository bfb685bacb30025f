// Package clirun is what the commands for people (rds-app-db,
// rds-app-ship) share of running as a process: the signals, Ctrl-C while a
// child tool has the terminal, and how the run's error becomes the exit
// status and the last line the user reads.
package clirun

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// ExitCode ends the run with a child's exit status; the child has already
// said why.
type ExitCode int

func (e ExitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// UsageError is a mistake in the command line: usage is shown with it.
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// Runner runs one command line.
type Runner struct {
	// Name starts every message ("rds-app-db").
	Name   string
	Stderr io.Writer
	// Usage prints the usage, for --help and usage errors.
	Usage func()
	// Interrupts delivers Ctrl-C (nil: none). While Foreground is set a
	// child tool has the terminal and got Ctrl-C too: it decides (psql
	// cancels the query, pulumi its update), and Interrupted records it.
	// Otherwise Ctrl-C cancels the run.
	Interrupts  <-chan os.Signal
	Foreground  *atomic.Bool
	Interrupted *atomic.Bool
}

// Run runs do and returns the process's exit status.
func (r Runner) Run(ctx context.Context, do func(context.Context) error) int {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if r.Interrupts != nil {
		go func() {
			for {
				select {
				case <-r.Interrupts:
					if r.Foreground != nil && r.Foreground.Load() {
						if r.Interrupted != nil {
							r.Interrupted.Store(true)
						}
					} else {
						cancel()
					}
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	err := do(ctx)
	var code ExitCode
	var uerr UsageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		r.Usage()
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &uerr):
		fmt.Fprintf(r.Stderr, "%s: %s\n\n", r.Name, uerr.Msg)
		r.Usage()
		return 2
	case ctx.Err() != nil:
		// Stopped by Ctrl-C before a foreground tool ran, or by SIGTERM:
		// what failed then (a killed child, say) is a consequence, not
		// the news.
		fmt.Fprintf(r.Stderr, "%s: interrupted\n", r.Name)
		return 130
	}
	fmt.Fprintf(r.Stderr, "%s: error: %v\n", r.Name, err)
	return 1
}

// Main is a command's main: SIGTERM and SIGHUP cancel the context run
// gets, Ctrl-C arrives on the channel (see Runner.Interrupts), and the
// process exits with what run returns.
func Main(run func(ctx context.Context, interrupts <-chan os.Signal) int) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP)
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	code := run(ctx, interrupts)
	stop()
	os.Exit(code)
}

// PrivateTempRoot is where a run keeps a secret file (a password file, a
// registry login): the user's runtime directory (a per-user tmpfs on most
// Linux desktops) when there is one, else "" (the shared temporary
// directory, for os.MkdirTemp).
func PrivateTempRoot() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		if info, err := os.Stat(d); err == nil && info.IsDir() {
			return d
		}
	}
	return ""
}
