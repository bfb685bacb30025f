package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/realprovider"
	"github.com/rds-app/rds-app/internal/stackfile"
	"github.com/rds-app/rds-app/program"
)

// defaultRegion is where a stack without aws:region is rehearsed (the
// tests' region; the emulator has them all).
const defaultRegion = "eu-west-1"

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
	opts options
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
	moto     *realprovider.Moto
	endpoint string
	mirror   string
}

// run rehearses and returns the exit status; the error says what stopped
// it, if anything did.
func (r *rehearsal) run(ctx context.Context) (int, error) {
	start := time.Now()
	if err := r.configure(); err != nil {
		return exitSetup, err
	}
	tfBin, motoBin, err := r.tools()
	if err != nil {
		return exitSetup, err
	}
	if r.dir, err = os.MkdirTemp("", "rds-app-rehearse-"); err != nil {
		return exitSetup, err
	}
	defer func() {
		if !r.opts.keep {
			os.RemoveAll(r.dir)
		}
	}()

	base, changed, err := r.translate(ctx, tfBin)
	var s *stop
	if errors.As(err, &s) {
		return exitSetup, err
	}
	if err != nil {
		return exitFailed, err
	}
	if err := r.startEmulator(ctx, motoBin); err != nil {
		return exitSetup, err
	}
	defer func() {
		if r.moto != nil && !r.opts.keep {
			r.moto.Stop()
		}
	}()

	rows, err := r.apply(ctx, base)
	if err != nil {
		return exitFailed, err
	}
	t := count(rows)
	code := exitOK
	if !t.ok() {
		code = exitFailed
	}
	if err := r.printOutputs(base); err != nil {
		return exitFailed, err
	}

	if changed != nil {
		if !t.ok() {
			fmt.Fprintf(r.log, "\nThe change is not planned: the stack itself did not apply.\n")
		} else if refused, err := r.planChange(ctx, base, changed, rows); err != nil {
			return exitFailed, err
		} else if refused {
			code = exitFailed
		}
	}

	switch {
	case r.opts.keep:
		r.printKeep()
	case r.moto != nil && !r.opts.destroy:
		fmt.Fprintf(r.out, "\nTeardown: the emulator stops, and the stack goes with it (--destroy rehearses `pulumi destroy` first).\n")
	default:
		ok, err := r.teardown(ctx, base)
		if err != nil {
			return exitFailed, err
		}
		if !ok {
			code = exitFailed
		}
	}
	fmt.Fprintf(r.out, "\nRehearsed stack %s in %s: %s.\n", r.stack, time.Since(start).Round(time.Second), t)
	return code, nil
}

// configure loads the stack and makes the changes.
func (r *rehearsal) configure() error {
	dir, err := stackfile.FindProject(".")
	if err != nil {
		return &stop{err: err, fix: "run it from the rds-app repository: go run ./cmd/rds-app-rehearse"}
	}
	st, err := stackfile.Load(dir, r.opts.stack)
	var unknown *stackfile.UnknownStackError
	if errors.As(err, &unknown) {
		return &stop{err: err, fix: fmt.Sprintf("choose one with --stack %s, or create Pulumi.%s.yaml (README, \"Configuration\")",
			strings.Join(unknown.Known, "|"), unknown.Name)}
	}
	if err != nil {
		return err
	}
	r.project, r.stack, r.file = st.Project, st.Name, filepath.Base(st.Path)
	if r.baseCfg, err = st.Config(); err != nil {
		return err
	}
	for _, c := range r.opts.changes {
		if err := st.Set(c); err != nil {
			return &stop{err: fmt.Errorf("--change %w", err), fix: changeFix}
		}
	}
	if len(r.opts.changes) > 0 {
		if r.changedCfg, err = st.Config(); err != nil {
			return err
		}
	}
	r.region = r.opts.region
	if r.region == "" {
		r.region = r.baseCfg["aws:region"]
	}
	if r.region == "" {
		r.region = defaultRegion
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
	if r.opts.region != "" || out["aws:region"] == "" {
		out["aws:region"] = r.region
	}
	return out
}

// programMu serialises the program runs: each one sets PULUMI_CONFIG.
var programMu sync.Mutex

// withPulumiConfig runs f with PULUMI_CONFIG set to cfg. The Pulumi CLI
// hands a program its configuration in that variable, and the config
// package reads every key from it (that is how it knows a misspelt
// section); this command stands in for the CLI.
func withPulumiConfig(cfg map[string]string, f func() error) error {
	programMu.Lock()
	defer programMu.Unlock()
	data, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	old, had := os.LookupEnv(pulumi.EnvConfig)
	os.Setenv(pulumi.EnvConfig, string(data))
	defer func() {
		if had {
			os.Setenv(pulumi.EnvConfig, old)
		} else {
			os.Unsetenv(pulumi.EnvConfig)
		}
	}()
	return f()
}

// tools finds terraform and, unless an emulator is given, moto_server.
func (r *rehearsal) tools() (tfBin, motoBin string, err error) {
	if tfBin, err = exec.LookPath("terraform"); err != nil {
		return "", "", &stop{err: errors.New("terraform is not installed (it is not on PATH)"), fix: terraformFix}
	}
	if r.opts.endpoint != "" {
		return tfBin, "", nil
	}
	if motoBin, err = exec.LookPath("moto_server"); err != nil {
		return "", "", &stop{err: errors.New("moto_server is not installed (it is not on PATH)"), fix: motoFix}
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
	schema, err := r.tf.ProviderSchema(ctx)
	if err != nil {
		fix := "check that " + r.mirror + " holds hashicorp/aws " + realprovider.ProviderVersion + " in Terraform's filesystem-mirror layout, or set RDS_APP_TF_MIRROR"
		if r.mirror == "" {
			fix = "terraform must download hashicorp/aws " + realprovider.ProviderVersion + ": let it reach the Terraform registry, " +
				"or set RDS_APP_TF_MIRROR to a filesystem mirror that holds it"
		}
		return nil, nil, &stop{err: fmt.Errorf("installing the AWS provider: %w", err), fix: fix}
	}
	record := func(cfg map[string]string) (*realprovider.Translation, error) {
		var tr *realprovider.Translation
		err := withPulumiConfig(cfg, func() (err error) {
			tr, err = realprovider.Record(schema, realprovider.MotoFacts(r.region), r.project, r.stack, program.Run, cfg)
			return err
		})
		return tr, err
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
		return nil, nil, &stop{err: err, fix: fmt.Sprintf("correct %s (README, \"Configuration\"), or rehearse it with the value you will use: --change key=value", r.file)}
	}
	if r.changedCfg != nil {
		var cerr error
		if changed, cerr = record(r.changedCfg); errors.As(cerr, &refusal) {
			return nil, nil, &stop{err: cerr, fix: "correct the --change values (README, \"Configuration\", has every key and its rules)"}
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
		base, changed, r.opts.changes = changed, nil, nil
	}
	return base, changed, nil
}

// startEmulator starts moto_server on a free loopback port, or takes the
// one given.
func (r *rehearsal) startEmulator(ctx context.Context, motoBin string) error {
	if r.opts.endpoint != "" {
		r.endpoint = strings.TrimRight(r.opts.endpoint, "/")
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
	if r.moto, err = realprovider.StartMoto(ctx, motoBin, log); err != nil {
		return &stop{err: err, fix: "see " + logPath + "; " + motoFix}
	}
	r.endpoint = r.moto.URL
	r.tf.Endpoint = r.endpoint
	fmt.Fprintf(r.log, "Emulator: moto_server on %s.\n", r.endpoint)
	return nil
}

// apply has the provider create the stack and prints what became of every
// resource.
func (r *rehearsal) apply(ctx context.Context, base *realprovider.Translation) ([]realprovider.Row, error) {
	if err := r.tf.WriteConfig(base.Document); err != nil {
		return nil, err
	}
	fmt.Fprintf(r.log, "terraform apply: creating %d resources (the database takes about 3 minutes).\n", len(base.Addresses))
	p := newProgress(r.log, r.live)
	res, err := r.tf.Apply(ctx, p.event)
	p.finish()
	if err != nil {
		return nil, fmt.Errorf("running terraform apply: %w", err)
	}
	rows := realprovider.Report(base, res)
	fmt.Fprintf(r.out, "\nStack %s as terraform-provider-aws %s created it against the emulator (%s):\n\n%s",
		r.stack, realprovider.ProviderVersion, time.Since(p.start).Round(time.Second), applyTable(rows))
	return rows, nil
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
func (r *rehearsal) planChange(ctx context.Context, base, changed *realprovider.Translation, rows []realprovider.Row) (refused bool, err error) {
	gaps := map[string]bool{}
	for _, row := range rows {
		if row.Verdict == realprovider.EmulatorGap {
			gaps[row.Address] = true
		}
	}
	fmt.Fprintf(r.log, "\nterraform plan: the stack as it is (to tell the emulator's drift) and with %s.\n", strings.Join(r.opts.changes, " "))
	// The two plans are independent: each has its own directory on the
	// same state.
	var baseline, planned []realprovider.Change
	var baseErr, planErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		baseline, baseErr = r.plan(ctx, "plan-unchanged", base)
	}()
	go func() {
		defer wg.Done()
		planned, planErr = r.plan(ctx, "plan-change", changed)
	}()
	wg.Wait()
	if baseErr != nil {
		return false, fmt.Errorf("planning the unchanged stack: %w", baseErr)
	}
	fmt.Fprintf(r.out, "\nWhat this change does (%s), as terraform-provider-aws %s plans it:\n\n", strings.Join(r.opts.changes, " "), realprovider.ProviderVersion)
	if planErr != nil {
		if strings.Contains(planErr.Error(), "prevent_destroy") {
			fmt.Fprintf(r.out, "!!! REFUSED: the change would destroy a protected resource (Pulumi's protect; here lifecycle.prevent_destroy), "+
				"so `pulumi up` refuses it and changes nothing. The provider says:\n%s\n", indent(planErr.Error()))
			return true, nil
		}
		return false, fmt.Errorf("planning the change: %w", planErr)
	}
	changes := realprovider.Meaningful(planned, baseline, gaps)
	reruns := realprovider.GapsAffected(base, changed, changes, gaps)
	fmt.Fprint(r.out, changeTable(realprovider.Summarise(changes, changed, reruns)))
	return false, nil
}

// plan plans tr against the applied state in a directory of its own.
func (r *rehearsal) plan(ctx context.Context, name string, tr *realprovider.Translation) ([]realprovider.Change, error) {
	c, err := r.tf.Clone(filepath.Join(r.dir, name))
	if err != nil {
		return nil, err
	}
	if err := c.WriteConfig(tr.Document); err != nil {
		return nil, err
	}
	return c.Plan(ctx)
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
