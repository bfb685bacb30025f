// Package rehearsal is rds-app-rehearse's work, apart from its command
// line: it runs the real program on a stack's configuration, has the real
// AWS provider create every resource against an AWS emulator, prints what
// was created and the stack's outputs, plans a configuration change
// against what was applied, and tears down. The real-provider tests run
// their dev stack through it (Options.Then), so that one apply serves the
// command's test and the layer's checks.
package rehearsal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rds-app/rds-app/internal/motoserver"
	"github.com/rds-app/rds-app/internal/realprovider"
	"github.com/rds-app/rds-app/internal/stackfile"
)

// DefaultRegion is where a stack without aws:region is rehearsed (the
// tests' region; the emulator has them all).
const DefaultRegion = "eu-west-1"

// Exit statuses of a rehearsal.
const (
	ExitOK = 0
	// ExitFailed: the rehearsal ran and found a failure.
	ExitFailed = 1
	// ExitSetup: the rehearsal could not start.
	ExitSetup = 2
)

// Options say what to rehearse.
type Options struct {
	// Record records the program (realprovider.InProcess(program.Offline.Run))
	// for the provider. It is passed in, not imported, so that this package's
	// tests do not link the AWS SDK, and the real-provider tests record the
	// program in a process of their own (realprovider.Remote).
	Record realprovider.RecordFunc
	// Stack is the stack's name: Pulumi.<Stack>.yaml.
	Stack string
	// Changes are configuration changes to plan after the apply, as
	// `pulumi config set --path` takes them (key=value, key:=JSON).
	Changes []string
	// Endpoint is an AWS emulator already running; "" starts moto_server.
	Endpoint string
	// Keep leaves the emulator running with the stack in it.
	Keep bool
	// Destroy rehearses `pulumi destroy` before the emulator stops.
	Destroy bool
	// Region overrides the stack's aws:region.
	Region string
	// Schema is the provider's schema when the caller has read it already;
	// nil reads it.
	Schema *realprovider.Schema
	// Then, when set, runs against the applied stack beside the change's
	// plan and before the teardown: the real-provider tests plan their own
	// changes there, on the same apply, and their plans share the change's
	// Terraform runs and provider process.
	Then func(ctx context.Context, st *realprovider.Stack)
	// Slots, when set, bounds the Terraform processes that plan at once,
	// with the caller's other stacks (realprovider.Stack.Slots).
	Slots chan struct{}
}

// Stop is an error that ends a rehearsal before it starts, with what the
// user can do about it.
type Stop struct {
	Err error
	Fix string
}

func (s *Stop) Error() string { return s.Err.Error() }
func (s *Stop) Unwrap() error { return s.Err }

// Run rehearses and returns the exit status; the error says what stopped
// it, if anything did. out gets the tables, log the progress (redrawn in
// place when live).
func Run(ctx context.Context, o Options, out, log io.Writer, live bool) (int, error) {
	r := &rehearsal{opts: o, out: out, log: log, live: live}
	return r.run(ctx)
}

// What to do about a missing tool. The command downloads nothing itself.
const (
	terraformFix = "install Terraform 1.5 or later (https://developer.hashicorp.com/terraform/install) and put it on PATH; " +
		"rds-app-rehearse downloads nothing itself"
	motoFix = `pip install "moto[server]" (that puts moto_server on PATH), ` +
		"or point --endpoint at an AWS emulator that is already running (moto_server, LocalStack)"
	changeFix = "write each --change as `pulumi config set --path` takes it: key=value (app.image=nginx:1.29, database.port=6543, " +
		"app.environment.FOO=bar), or key:=JSON for a list, an object or a string that looks like a number " +
		`(app.secretNames:='["A","B"]', database.engineVersion:='"18"'); README, "Configuration", lists every key`
)

// rehearsal is one run of the command.
type rehearsal struct {
	opts Options
	// out gets the tables; log gets progress and what is going on.
	out, log io.Writer
	live     bool

	project, stack string
	// file is the stack file, as the user knows it ("Pulumi.dev.yaml").
	file   string
	region string
	// baseCfg is what is applied; changedCfg what is planned after (nil
	// without --change).
	baseCfg, changedCfg map[string]string
	// dir holds the Terraform working directories and the emulator's log.
	dir      string
	tf       *realprovider.Terraform
	moto     *motoserver.Server
	endpoint string
	mirror   string
}

// run rehearses and returns the exit status; the error says what stopped
// it, if anything did.
func (r *rehearsal) run(ctx context.Context) (int, error) {
	start := time.Now()
	if err := r.configure(); err != nil {
		return ExitSetup, err
	}
	tfBin, motoBin, err := r.tools()
	if err != nil {
		return ExitSetup, err
	}
	if r.dir, err = os.MkdirTemp("", "rds-app-rehearse-"); err != nil {
		return ExitSetup, err
	}
	defer func() {
		if !r.opts.Keep {
			os.RemoveAll(r.dir)
		}
	}()

	base, changed, err := r.translate(ctx, tfBin)
	var s *Stop
	if errors.As(err, &s) {
		return ExitSetup, err
	}
	if err != nil {
		return ExitFailed, err
	}
	if err := r.startEmulator(ctx, motoBin); err != nil {
		return ExitSetup, err
	}
	defer func() {
		if r.moto != nil && !r.opts.Keep {
			r.moto.Stop()
		}
	}()

	st, err := r.apply(ctx, base)
	if err != nil {
		return ExitFailed, err
	}
	t := count(st.Rows)
	code := ExitOK
	if !t.ok() {
		code = ExitFailed
	}
	if err := r.printOutputs(base); err != nil {
		return ExitFailed, err
	}

	if t.ok() && (changed != nil || r.opts.Then != nil) {
		// One provider process serves every plan of the stack, the change's
		// and the caller's, instead of one started for each Terraform run.
		shared, err := r.tf.StartSharedProvider(ctx)
		if err != nil {
			return ExitFailed, err
		}
		defer shared.Stop()
		st.Reattach, st.Slots = shared.Reattach, r.opts.Slots
	}
	var then sync.WaitGroup
	if r.opts.Then != nil && t.ok() {
		then.Go(func() { r.opts.Then(ctx, st) })
	}
	if changed != nil {
		if !t.ok() {
			fmt.Fprintf(r.log, "\nThe change is not planned: the stack itself did not apply.\n")
		} else if refused, err := r.planChange(ctx, st, changed); err != nil {
			then.Wait()
			return ExitFailed, err
		} else if refused {
			code = ExitFailed
		}
	}
	then.Wait()

	switch {
	case r.opts.Keep:
		r.printKeep()
	case r.moto != nil && !r.opts.Destroy:
		fmt.Fprintf(r.out, "\nTeardown: the emulator stops, and the stack goes with it (--destroy rehearses `pulumi destroy` first).\n")
	default:
		ok, err := r.teardown(ctx, base)
		if err != nil {
			return ExitFailed, err
		}
		if !ok {
			code = ExitFailed
		}
	}
	fmt.Fprintf(r.out, "\nRehearsed stack %s in %s: %s.\n", r.stack, time.Since(start).Round(time.Second), t)
	return code, nil
}

// configure loads the stack and makes the changes.
func (r *rehearsal) configure() error {
	dir, err := stackfile.FindProject(".")
	if err != nil {
		return &Stop{Err: err, Fix: "run it from the rds-app repository: go run ./cmd/rds-app-rehearse"}
	}
	st, err := stackfile.Load(dir, r.opts.Stack)
	var unknown *stackfile.UnknownStackError
	if errors.As(err, &unknown) {
		return &Stop{Err: err, Fix: fmt.Sprintf("choose one with --stack %s, or create Pulumi.%s.yaml (README, \"Configuration\")",
			strings.Join(unknown.Known, "|"), unknown.Name)}
	}
	if err != nil {
		return err
	}
	r.project, r.stack, r.file = st.Project, st.Name, filepath.Base(st.Path)
	if r.baseCfg, err = st.Config(); err != nil {
		return err
	}
	for _, c := range r.opts.Changes {
		if err := st.Set(c); err != nil {
			return &Stop{Err: fmt.Errorf("--change %w", err), Fix: changeFix}
		}
	}
	if len(r.opts.Changes) > 0 {
		if r.changedCfg, err = st.Config(); err != nil {
			return err
		}
	}
	r.region = r.opts.Region
	if r.region == "" {
		r.region = r.baseCfg["aws:region"]
	}
	if r.region == "" {
		r.region = DefaultRegion
	}
	r.baseCfg = r.withRegion(r.baseCfg)
	if r.changedCfg != nil {
		r.changedCfg = r.withRegion(r.changedCfg)
	}
	return nil
}

// withRegion adds the region to cfg unless the user set one (--region wins).
func (r *rehearsal) withRegion(cfg map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range cfg {
		out[k] = v
	}
	if r.opts.Region != "" || out["aws:region"] == "" {
		out["aws:region"] = r.region
	}
	return out
}

// tools finds terraform and, unless an emulator is given, moto_server.
func (r *rehearsal) tools() (tfBin, motoBin string, err error) {
	if tfBin, err = exec.LookPath("terraform"); err != nil {
		return "", "", &Stop{Err: errors.New("terraform is not installed (it is not on PATH)"), Fix: terraformFix}
	}
	if r.opts.Endpoint != "" {
		return tfBin, "", nil
	}
	if motoBin, err = exec.LookPath("moto_server"); err != nil {
		return "", "", &Stop{Err: errors.New("moto_server is not installed (it is not on PATH)"), Fix: motoFix}
	}
	return tfBin, motoBin, nil
}

// translate installs the provider and translates the program's run on
// the stack (and on the changed stack) for it.
func (r *rehearsal) translate(ctx context.Context, tfBin string) (base, changed *realprovider.Translation, err error) {
	r.mirror = realprovider.MirrorDir()
	from := "from the Terraform registry"
	if r.mirror != "" {
		from = "from the mirror " + r.mirror
	}
	fmt.Fprintf(r.log, "Rehearsing stack %s (%s) in %s with terraform-provider-aws %s %s.\n",
		r.stack, r.file, r.region, realprovider.ProviderVersion, from)
	if r.tf, err = realprovider.NewTerraform(tfBin, filepath.Join(r.dir, "stack"), "", r.mirror); err != nil {
		return nil, nil, err
	}
	schema := r.opts.Schema
	if schema == nil {
		schema, err = r.tf.ProviderSchema(ctx)
	} else if err = r.tf.WriteConfig(realprovider.ProviderDocument()); err == nil {
		err = r.tf.Init(ctx)
	}
	if err != nil {
		fix := "check that " + r.mirror + " holds hashicorp/aws " + realprovider.ProviderVersion + " in Terraform's filesystem-mirror layout, or set RDS_APP_TF_MIRROR"
		if r.mirror == "" {
			fix = "terraform must download hashicorp/aws " + realprovider.ProviderVersion + ": let it reach the Terraform registry, " +
				"or set RDS_APP_TF_MIRROR to a filesystem mirror that holds it"
		}
		return nil, nil, &Stop{Err: fmt.Errorf("installing the AWS provider: %w", err), Fix: fix}
	}
	record := func(cfg map[string]string) (*realprovider.Translation, error) {
		return r.opts.Record(schema, realprovider.MotoFacts(r.region), r.project, r.stack, cfg)
	}
	// The program checks the configuration as under `pulumi up`: its
	// refusal is the same message. Any other error is a defect of the
	// program or of the translation.
	var refusal *realprovider.ProgramError
	base, err = record(r.baseCfg)
	if err != nil && !errors.As(err, &refusal) {
		return nil, nil, fmt.Errorf("translating the program for the provider: %w", err)
	}
	if err != nil && r.changedCfg == nil {
		return nil, nil, &Stop{Err: err, Fix: fmt.Sprintf("correct %s (README, \"Configuration\"), or rehearse it with the value you will use: --change key=value", r.file)}
	}
	if r.changedCfg != nil {
		var cerr error
		if changed, cerr = record(r.changedCfg); errors.As(cerr, &refusal) {
			return nil, nil, &Stop{Err: cerr, Fix: "correct the --change values (README, \"Configuration\", has every key and its rules)"}
		} else if cerr != nil {
			return nil, nil, fmt.Errorf("translating the changed program for the provider: %w", cerr)
		}
	}
	if err != nil {
		// The stack as it is is refused (prod's placeholder image) but
		// accepted with the changes: they are what the user would put in
		// the file before `pulumi up`, and are rehearsed so.
		fmt.Fprintf(r.log, "%s as it is is refused:\n%v\nWith the --change settings it is accepted: they are rehearsed as if made in %s, and no change is left to plan.\n",
			r.file, err, r.file)
		base, changed, r.opts.Changes = changed, nil, nil
	}
	return base, changed, nil
}

// startEmulator starts moto_server on a free loopback port, or takes the
// one given.
func (r *rehearsal) startEmulator(ctx context.Context, motoBin string) error {
	if r.opts.Endpoint != "" {
		r.endpoint = strings.TrimRight(r.opts.Endpoint, "/")
		fmt.Fprintf(r.log, "Emulator: %s (given with --endpoint).\n", r.endpoint)
		r.tf.Endpoint = r.endpoint
		return nil
	}
	logPath := filepath.Join(r.dir, "moto.log")
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	// moto_server writes to the file itself, so it can outlive this
	// command (--keep).
	defer log.Close()
	if r.moto, err = motoserver.Start(ctx, motoBin, log); err != nil {
		return &Stop{Err: err, Fix: "see " + logPath + "; " + motoFix}
	}
	r.endpoint = r.moto.URL
	r.tf.Endpoint = r.endpoint
	fmt.Fprintf(r.log, "Emulator: moto_server on %s.\n", r.endpoint)
	return nil
}

// apply has the provider create the stack and prints what became of every
// resource.
func (r *rehearsal) apply(ctx context.Context, base *realprovider.Translation) (*realprovider.Stack, error) {
	fmt.Fprintf(r.log, "terraform apply: creating %d resources (the database takes about 3 minutes).\n", len(base.Addresses))
	p := newProgress(r.log, r.live)
	st, err := realprovider.ApplyStack(ctx, r.tf, base, p.event)
	p.finish()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(r.out, "\nStack %s as terraform-provider-aws %s created it against the emulator (%s):\n\n%s",
		r.stack, realprovider.ProviderVersion, time.Since(p.start).Round(time.Second), applyTable(st.Rows))
	return st, nil
}

// printOutputs prints the stack outputs with the values the emulator gave.
func (r *rehearsal) printOutputs(base *realprovider.Translation) error {
	state, err := r.tf.State()
	if err != nil {
		return err
	}
	values, missing, err := realprovider.OutputValues(base.Outputs, state)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.out, "\nStack outputs (`pulumi stack output`), with the emulator's values:\n\n%s", outputsTable(values, missing))
	return nil
}

// planChange plans the changed stack against the applied one and prints
// what it does. refused is true when the plan is refused (a protected
// resource would be destroyed), as `pulumi up` would refuse it.
func (r *rehearsal) planChange(ctx context.Context, st *realprovider.Stack, changed *realprovider.Translation) (refused bool, err error) {
	fmt.Fprintf(r.log, "\nterraform plan: the stack as it is (to tell the emulator's drift) and with %s.\n", strings.Join(r.opts.Changes, " "))
	changes, reruns, err := st.PlanChange(ctx, "change", changed)
	fmt.Fprintf(r.out, "\nWhat this change does (%s), as terraform-provider-aws %s plans it:\n\n", strings.Join(r.opts.Changes, " "), realprovider.ProviderVersion)
	if err != nil {
		if strings.Contains(err.Error(), "prevent_destroy") {
			fmt.Fprintf(r.out, "!!! REFUSED: the change would destroy a protected resource (Pulumi's protect; here lifecycle.prevent_destroy), "+
				"so `pulumi up` refuses it and changes nothing. The provider says:\n%s\n", indent(err.Error()))
			return true, nil
		}
		return false, fmt.Errorf("planning the change: %w", err)
	}
	fmt.Fprint(r.out, changeTable(realprovider.Summarise(changes, changed, reruns)))
	return false, nil
}

// teardown destroys the stack as `pulumi destroy` would; ok is false when
// something could not be deleted for another reason than a listed gap.
func (r *rehearsal) teardown(ctx context.Context, base *realprovider.Translation) (ok bool, err error) {
	if len(base.Protected) > 0 {
		fmt.Fprintf(r.out, "\nTeardown: `pulumi destroy` refuses this stack: %s %s protected (Pulumi's protect, with database.deletionProtection); "+
			"README, \"Tearing down\", says how to delete it for real.\n", strings.Join(base.Protected, ", "), plural(len(base.Protected), "is", "are"))
		if r.moto != nil {
			fmt.Fprintf(r.out, "Stopping the emulator removes everything.\n")
		} else {
			fmt.Fprintf(r.out, "Everything stays in the emulator at %s: restart it to clear it.\n", r.endpoint)
		}
		return true, nil
	}
	fmt.Fprintf(r.log, "\nterraform destroy: as `pulumi destroy` would.\n")
	p := newProgress(r.log, r.live)
	td, err := r.tf.DestroyAll(ctx, base, p.event)
	p.finish()
	if err != nil {
		return false, fmt.Errorf("running terraform destroy: %w", err)
	}
	fmt.Fprintf(r.out, "\nTeardown (%s): %d deleted", time.Since(p.start).Round(time.Second), td.Deleted)
	if len(td.Retained) > 0 {
		fmt.Fprintf(r.out, "; kept on purpose, as `pulumi destroy` keeps them: %s", strings.Join(td.Retained, ", "))
	}
	if len(td.Gaps) > 0 {
		fmt.Fprintf(r.out, "; emulator gaps (moto cannot delete them; AWS does): %s", strings.Join(td.Gaps, ", "))
	}
	fmt.Fprintln(r.out, ".")
	for _, row := range td.Failures {
		fmt.Fprintf(r.out, "FAILED to delete %s:\n%s\n", row.Address, indent(row.Detail))
	}
	return len(td.Failures) == 0, nil
}

// printKeep says how to reach the emulator and the state left running.
func (r *rehearsal) printKeep() {
	env := "AWS_ENDPOINT_URL=" + r.endpoint + " AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test"
	tfEnv := env
	if r.tf.CLIConfig != "" {
		tfEnv += " TF_CLI_CONFIG_FILE=" + r.tf.CLIConfig
	}
	fmt.Fprintf(r.out, "\n--keep: the stack stays in the emulator at %s.\n", r.endpoint)
	fmt.Fprintf(r.out, "  AWS CLI:   %s aws --region %s rds describe-db-instances\n", env, r.region)
	fmt.Fprintf(r.out, "  Terraform: cd %s && %s terraform state list\n", r.tf.Dir, tfEnv)
	if r.moto != nil {
		fmt.Fprintf(r.out, "  Stop it:   kill %d && rm -rf %s\n", r.moto.PID(), r.dir)
	} else {
		fmt.Fprintf(r.out, "  Clean up:  rm -rf %s, and restart the emulator to clear it\n", r.dir)
	}
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}
