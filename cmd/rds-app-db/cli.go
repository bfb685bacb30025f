package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"

	"github.com/rds-app/rds-app/internal/clirun"
)

const usage = `rds-app-db: the stack's private database from this machine, through a
Session Manager tunnel, with the server's certificate verified against the
RDS endpoint's name (sslmode=verify-full). The password stays off every
command line.

Usage:
  rds-app-db [flags] psql [-- psql arguments]   psql on the database
  rds-app-db [flags] url [--port N] [--keywords] [--show-password]
                                                 a connection string for other tools
                                                 (through a tunnel on local port N)
  rds-app-db [flags] load FILE.sql               run a SQL file in one transaction
  rds-app-db [flags] dump [FILE]                 pg_dump -Fc to FILE (default DBNAME-TIME.dump)
  rds-app-db [flags] restore [--clean] FILE      pg_restore a dump; --clean to replace
                                                 what a non-empty database has
  rds-app-db [flags] tunnel [--port N]           only the tunnel, until Ctrl-C

Flags (before or after the command):
`

// globals are the settings every command takes.
type globals struct {
	stack       string
	outputsFile string
	projectDir  string
	caBundle    string
	pgBin       string
}

// register adds the common flags to fs, with the values set so far as
// defaults, so that they may come before or after the command.
func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.stack, "stack", g.stack, "the Pulumi stack `NAME` (passed to pulumi; default: the selected stack)")
	fs.StringVar(&g.outputsFile, "outputs", g.outputsFile, "read the stack outputs from this `FILE` (the JSON of pulumi stack output --json --show-secrets) instead of running pulumi")
	fs.StringVar(&g.projectDir, "project-dir", g.projectDir, "run pulumi in this `DIR`, the rds-app checkout (default: $RDS_APP_DB_PROJECT_DIR, or the current directory)")
	fs.StringVar(&g.caBundle, "ca-bundle", g.caBundle, "trust this CA bundle `FILE` instead of the built-in RDS global bundle")
	fs.StringVar(&g.pgBin, "pg-bin", g.pgBin, "take psql, pg_dump and pg_restore from this `DIR` (default: PATH)")
}

// app is one run of the command, with what it uses from the outside world
// as fields, so that tests can watch and substitute them.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// interrupts delivers Ctrl-C. While a client tool runs in the
	// foreground it is ignored: the tool got it too, from the terminal,
	// and decides (psql cancels the query). Otherwise it cancels the run.
	interrupts <-chan os.Signal
	foreground atomic.Bool
	// interrupted records Ctrl-C during the last foreground tool, so that
	// its failure is reported as an interruption.
	interrupted atomic.Bool

	lookPath func(string) (string, error)
	// openTunnel opens the tunnel; openSSMTunnel in production.
	openTunnel func(context.Context, tunnelTarget) (tunnel, error)
	// observe sees every command before it starts.
	observe func(*exec.Cmd)
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, lookPath: exec.LookPath, observe: func(*exec.Cmd) {}}
	a.openTunnel = a.openSSMTunnel
	return a
}

// exitCode ends the run with a child's exit status; usageError is a
// mistake in the command line.
type (
	exitCode   = clirun.ExitCode
	usageError = clirun.UsageError
)

// run runs the command line and returns the process's exit status.
func (a *app) run(ctx context.Context, args []string) int {
	r := clirun.Runner{Name: "rds-app-db", Stderr: a.stderr, Usage: a.printUsage,
		Interrupts: a.interrupts, Foreground: &a.foreground, Interrupted: &a.interrupted}
	return r.Run(ctx, func(ctx context.Context) error { return a.dispatch(ctx, args) })
}

func (a *app) printUsage() {
	fmt.Fprint(a.stderr, usage)
	fs := flag.NewFlagSet("rds-app-db", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	new(globals).register(fs)
	fs.PrintDefaults()
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	g := globals{projectDir: os.Getenv("RDS_APP_DB_PROJECT_DIR")}
	fs := a.flagSet("rds-app-db")
	g.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.printUsage()
			return nil
		}
		return usageError{Msg: err.Error()}
	}
	if fs.NArg() == 0 {
		return usageError{Msg: "no command given"}
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	switch cmd {
	case "psql":
		return a.cmdPsql(ctx, g, rest)
	case "url":
		return a.cmdURL(ctx, g, rest)
	case "load":
		return a.cmdLoad(ctx, g, rest)
	case "dump":
		return a.cmdDump(ctx, g, rest)
	case "restore":
		return a.cmdRestore(ctx, g, rest)
	case "tunnel":
		return a.cmdTunnel(ctx, g, rest)
	case "help":
		a.printUsage()
		return nil
	}
	return usageError{Msg: fmt.Sprintf("unknown command %q", cmd)}
}

// flagSet is a flag set that reports to stderr and turns a parse error
// into a usage error.
func (a *app) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run
	return fs
}

// parse parses a command's flags, which may come before or after its
// arguments (up to a "--"), and returns the arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{Msg: fs.Name() + ": " + err.Error()}
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if len(rest) == 0 || (consumed > 0 && args[consumed-1] == "--") {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// wantArgs checks the number of a command's arguments.
func wantArgs(cmd string, args []string, min, max int, what string) error {
	if len(args) < min || len(args) > max {
		return usageError{Msg: fmt.Sprintf("%s takes %s, got %d argument(s): %s", cmd, what, len(args), strings.Join(args, " "))}
	}
	return nil
}
