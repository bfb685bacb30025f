package rehearsal

// The command line of rds-app-rehearse (cmd/rds-app-rehearse is only its
// main).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rds-app/rds-app/internal/realprovider"
)

// options are the command line's.
type options struct {
	stack    string
	changes  []string
	endpoint string
	keep     bool
	destroy  bool
	region   string
}

// changeFlags collects repeated --change flags.
type changeFlags []string

func (c *changeFlags) String() string     { return strings.Join(*c, " ") }
func (c *changeFlags) Set(v string) error { *c = append(*c, v); return nil }

// parseFlags reads the command line; usage and flag errors go to stderr.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	var changes changeFlags
	fs := flag.NewFlagSet("rds-app-rehearse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.stack, "stack", "dev", "the `stack` to rehearse: Pulumi.<stack>.yaml")
	fs.Var(&changes, "change", "a configuration change to plan after the rehearsal, as 'pulumi config set --path' takes it: "+
		"`key=value` (app.image=nginx:1.29, database.port=6543, app.environment.FOO=bar) or key:=JSON "+
		"(app.secretNames:='[\"A\",\"B\"]'); repeatable, all planned together")
	fs.StringVar(&o.endpoint, "endpoint", "", "the `URL` of an AWS emulator already running (moto_server, LocalStack); default: start moto_server on a free loopback port")
	fs.BoolVar(&o.keep, "keep", false, "leave the emulator running with the stack in it, and print how to reach it")
	fs.BoolVar(&o.destroy, "destroy", false, "rehearse 'pulumi destroy' too before the emulator stops (about 1.5 minutes more; always done with --endpoint)")
	fs.StringVar(&o.region, "region", "", "the AWS `region` to rehearse in (default: the stack's aws:region, else "+DefaultRegion+")")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./cmd/rds-app-rehearse [flags]\n\n"+
			"Rehearses a stack with the real AWS provider against an AWS emulator: no AWS account, no Pulumi CLI.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rds-app-rehearse: unexpected argument %q (a change is --change %s)\n", fs.Arg(0), fs.Arg(0))
		return o, errors.New("unexpected argument")
	}
	if o.keep && o.destroy {
		fmt.Fprintln(stderr, "rds-app-rehearse: --keep and --destroy exclude each other")
		return o, errors.New("--keep and --destroy")
	}
	o.changes = changes
	return o, nil
}

// Command is rds-app-rehearse: it reads the command line args, rehearses
// the program record records (Options.Record) and returns the exit status.
// What stopped it goes to stderr with what to do about it.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer, record realprovider.RecordFunc) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		return ExitSetup
	}
	code, err := Run(ctx, Options{
		Record: record,
		Stack:  opts.stack, Changes: opts.changes, Endpoint: opts.endpoint,
		Keep: opts.keep, Destroy: opts.destroy, Region: opts.region,
	}, stdout, stderr, isTerminal(stderr))
	if err != nil {
		var s *Stop
		if errors.As(err, &s) && s.Fix != "" {
			fmt.Fprintf(stderr, "rds-app-rehearse: %v\n  fix: %s\n", s.Err, s.Fix)
		} else {
			fmt.Fprintf(stderr, "rds-app-rehearse: %v\n", err)
		}
	}
	return code
}

// isTerminal reports whether w is a terminal, where progress is one line
// redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
