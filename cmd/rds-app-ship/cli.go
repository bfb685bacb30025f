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
	"time"

	"github.com/rds-app/rds-app/internal/clirun"
)

const usage = `rds-app-ship: ships the commit of the application in this git checkout.
It builds the image from the Dockerfile for the stack's hosts (linux/arm64
for t4g, m7g, ...; linux/amd64 otherwise), pushes it to the stack's ECR
repository tagged with the commit, sets app.image in Pulumi.<stack>.yaml to
<repositoryUrl>@sha256:<the pushed digest> and runs pulumi up. A commit
already in the repository is deployed as it is, without a build.

With --rollback it builds and pushes nothing: it sets app.image to the image
of the release before the one the hosts run (stack output previousRelease),
or, when the hosts do not run the image app.image names (the last pulumi up
failed), to the one they run (output release), and runs pulumi up. Today's
settings and secrets stay: only the image goes back.

Usage:
  rds-app-ship --stack NAME [flags] [-- pulumi up arguments]
                              for example: rds-app-ship --stack prod -- --yes
  rds-app-ship --stack NAME --rollback [--no-deploy] [-- pulumi up arguments]

Flags:
`

// Environment variables the flags default to.
const (
	// envProjectDir is the rds-app checkout; bin/rds-app-ship sets it.
	envProjectDir = "RDS_APP_SHIP_PROJECT_DIR"
	// envRegistry is --registry.
	envRegistry = "RDS_APP_SHIP_REGISTRY"
)

// options are the command line.
type options struct {
	stack      string
	projectDir string
	appDir     string
	dockerfile string
	builder    string
	registry   string
	tlsVerify  bool
	allowDirty bool
	noDeploy   bool
	// rollback deploys an earlier release's image instead of a commit.
	rollback bool
	// pulumiArgs follow "--": more arguments for pulumi up.
	pulumiArgs []string
}

func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.stack, "stack", o.stack, "the Pulumi stack `NAME` to ship to (required): its Pulumi.<NAME>.yaml gets the new app.image")
	fs.StringVar(&o.projectDir, "project-dir", o.projectDir, "the rds-app checkout `DIR`, where pulumi runs (default: $"+envProjectDir+", which bin/rds-app-ship sets, or the Pulumi project around the current directory)")
	fs.StringVar(&o.appDir, "app-dir", o.appDir, "the application's checkout `DIR`: the build context, and the git checkout whose commit is shipped")
	fs.StringVar(&o.dockerfile, "file", o.dockerfile, "the Dockerfile `PATH` (default: Dockerfile in --app-dir)")
	fs.StringVar(&o.builder, "builder", o.builder, "the image `BUILDER`: docker (docker buildx), buildah, or auto: docker when its engine answers, else buildah")
	fs.StringVar(&o.registry, "registry", o.registry, "push to this registry `HOST[:PORT]` instead of the repository's ECR host, same repository name and login (a mirror, or a test's local registry; default: $"+envRegistry+")")
	fs.BoolVar(&o.tlsVerify, "tls-verify", o.tlsVerify, "with buildah: check the registry's TLS certificate; false only for a --registry on plain HTTP")
	fs.BoolVar(&o.allowDirty, "allow-dirty", o.allowDirty, "ship uncommitted changes too, tagged <commit>-dirty-<UTC time> (a clean checkout is tagged <commit>)")
	fs.BoolVar(&o.noDeploy, "no-deploy", o.noDeploy, "stop after setting app.image, and print the pulumi up command to run")
	fs.BoolVar(&o.rollback, "rollback", o.rollback, "build nothing: set app.image back to the previous release's image (the stack output previousRelease, or release when the last pulumi up failed), keeping today's settings and secrets, and run pulumi up")
}

// buildFlags are the flags about the commit, its build and its push.
var buildFlags = map[string]bool{"app-dir": true, "file": true, "builder": true, "registry": true, "tls-verify": true, "allow-dirty": true}

// app is one run of the command, with what it uses from the outside world
// as fields, so that tests can watch and substitute them.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// interrupts delivers Ctrl-C. While pulumi up runs it is ignored:
	// pulumi got it too, from the terminal, and cancels its update
	// cleanly. Otherwise it stops the run.
	interrupts <-chan os.Signal
	foreground atomic.Bool

	lookPath func(string) (string, error)
	// observe sees every command before it starts.
	observe func(*exec.Cmd)
	// now is the time a dirty tree's tag records.
	now func() time.Time
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{stdin: stdin, stdout: stdout, stderr: stderr, lookPath: exec.LookPath, observe: func(*exec.Cmd) {}, now: time.Now}
}

// exitCode ends the run with a child's exit status; usageError is a
// mistake in the command line.
type (
	exitCode   = clirun.ExitCode
	usageError = clirun.UsageError
)

// run runs the command line and returns the process's exit status.
func (a *app) run(ctx context.Context, args []string) int {
	r := clirun.Runner{Name: "rds-app-ship", Stderr: a.stderr, Usage: a.printUsage,
		Interrupts: a.interrupts, Foreground: &a.foreground}
	return r.Run(ctx, func(ctx context.Context) error { return a.dispatch(ctx, args) })
}

func (a *app) printUsage() {
	fmt.Fprint(a.stderr, usage)
	fs := flag.NewFlagSet("rds-app-ship", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	defaultOptions().register(fs)
	fs.PrintDefaults()
}

// defaultOptions are the flags' defaults, before the environment.
func defaultOptions() *options {
	return &options{appDir: ".", builder: "auto", tlsVerify: true}
}

// parseOptions reads the command line and the environment behind it.
func parseOptions(args []string) (options, error) {
	o := defaultOptions()
	o.projectDir = os.Getenv(envProjectDir)
	o.registry = os.Getenv(envRegistry)
	fs := flag.NewFlagSet("rds-app-ship", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run
	o.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return options{}, err
		}
		return options{}, usageError{Msg: err.Error()}
	}
	consumed := len(args) - fs.NArg()
	if fs.NArg() > 0 && (consumed == 0 || args[consumed-1] != "--") {
		return options{}, usageError{Msg: fmt.Sprintf("unexpected argument %q: arguments for pulumi up come after --", fs.Arg(0))}
	}
	o.pulumiArgs = fs.Args()
	var problems []string
	if o.stack == "" {
		problems = append(problems, "--stack is required: the stack to ship to (for example --stack dev)")
	}
	switch o.builder {
	case "auto", "docker", "buildah":
	default:
		problems = append(problems, fmt.Sprintf("--builder %q: use docker, buildah or auto", o.builder))
	}
	if o.registry != "" && (strings.ContainsAny(o.registry, "/ ") || strings.Contains(o.registry, "://")) {
		problems = append(problems, fmt.Sprintf("--registry %q: a registry host, optionally with a port (127.0.0.1:5000), without a scheme or path", o.registry))
	}
	if !o.tlsVerify && o.builder == "docker" {
		problems = append(problems, dockerTLS)
	}
	if o.rollback {
		// What a build or a push takes has no use in a rollback: one on
		// the command line is a mistake about what is about to happen.
		fs.Visit(func(f *flag.Flag) {
			if buildFlags[f.Name] {
				problems = append(problems, fmt.Sprintf("--%s is for a build, and --rollback builds nothing: it deploys an image already in the repository", f.Name))
			}
		})
	}
	if len(problems) > 0 {
		return options{}, usageError{Msg: strings.Join(problems, "\n  ")}
	}
	return *o, nil
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	if o.rollback {
		return a.rollback(ctx, o)
	}
	return a.ship(ctx, o)
}
