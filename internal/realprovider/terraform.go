package realprovider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/rds-app/rds-app/internal/procgroup"
)

// DefaultMirror is where the machine image keeps the provider binary in
// Terraform's filesystem-mirror layout.
const DefaultMirror = "/opt/tf-plugins"

// MirrorDir is the provider mirror to use: $RDS_APP_TF_MIRROR, else
// DefaultMirror when it holds the AWS provider, else "" (Terraform then
// downloads the provider as usual).
func MirrorDir() string {
	if d := os.Getenv("RDS_APP_TF_MIRROR"); d != "" {
		return d
	}
	if _, err := os.Stat(filepath.Join(DefaultMirror, "registry.terraform.io/hashicorp/aws", ProviderVersion)); err == nil {
		return DefaultMirror
	}
	return ""
}

// Terraform runs the terraform CLI in one working directory against one
// endpoint (the emulator).
type Terraform struct {
	Bin string
	Dir string
	// Endpoint is every AWS service's URL (AWS_ENDPOINT_URL).
	Endpoint string
	// CLIConfig is the CLI config file (the mirror), or "".
	CLIConfig string
	// Log, when set, receives every command's output.
	Log io.Writer
	// Reattach, when set, is a SharedProvider's TF_REATTACH_PROVIDERS:
	// the commands use that provider instead of starting their own.
	Reattach string
}

// NewTerraform prepares dir for bin: a CLI config that installs the
// provider from mirror (when mirror is not "") and nothing else.
func NewTerraform(bin, dir, endpoint, mirror string) (*Terraform, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tf := &Terraform{Bin: bin, Dir: dir, Endpoint: endpoint}
	if mirror != "" {
		tf.CLIConfig = filepath.Join(dir, "terraform.rc")
		cfg := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`, mirror)
		if err := os.WriteFile(tf.CLIConfig, []byte(cfg), 0o644); err != nil {
			return nil, err
		}
	}
	return tf, nil
}

// Clone is a second working directory on the same state and the same
// installed provider, for plans that must not touch the first.
func (tf *Terraform) Clone(dir string) (*Terraform, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, f := range []string{".terraform.lock.hcl", "terraform.tfstate"} {
		data, err := os.ReadFile(filepath.Join(tf.Dir, f))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			return nil, err
		}
	}
	if err := os.Symlink(filepath.Join(tf.Dir, ".terraform"), filepath.Join(dir, ".terraform")); err != nil {
		return nil, err
	}
	c := *tf
	c.Dir = dir
	return &c, nil
}

// WriteConfig writes main.tf.json.
func (tf *Terraform) WriteConfig(doc map[string]any) error {
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(tf.Dir, "main.tf.json"), data, 0o644)
}

func (tf *Terraform) env() []string {
	env := append(os.Environ(),
		"AWS_ENDPOINT_URL="+tf.Endpoint,
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0",
	)
	if tf.CLIConfig != "" {
		env = append(env, "TF_CLI_CONFIG_FILE="+tf.CLIConfig)
	}
	if tf.Reattach != "" {
		env = append(env, "TF_REATTACH_PROVIDERS="+tf.Reattach)
	}
	return env
}

// Run runs terraform with args and returns its standard output; an error
// carries its standard error.
func (tf *Terraform) Run(ctx context.Context, args ...string) ([]byte, error) {
	return tf.run(ctx, nil, args...)
}

// run is Run, handing each line of standard output to onLine (when set) as
// Terraform prints it.
func (tf *Terraform) run(ctx context.Context, onLine func([]byte), args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, tf.Bin, args...)
	cmd.Dir = tf.Dir
	cmd.Env = tf.env()
	var stdout, stderr bytes.Buffer
	stdouts, stderrs := []io.Writer{&stdout}, []io.Writer{&stderr}
	if onLine != nil {
		stdouts = append(stdouts, &lineWriter{onLine: onLine})
	}
	if tf.Log != nil {
		stdouts, stderrs = append(stdouts, tf.Log), append(stderrs, tf.Log)
	}
	cmd.Stdout, cmd.Stderr = io.MultiWriter(stdouts...), io.MultiWriter(stderrs...)
	procgroup.Own(cmd)
	err := cmd.Start()
	if err == nil {
		procgroup.Report(cmd)
		err = cmd.Wait()
	}
	if err != nil {
		// Terraform prints its errors on stderr, after whatever progress
		// went to stdout.
		return stdout.Bytes(), fmt.Errorf("terraform %s: %w\n%s\n%s", args[0], err, lastLines(stdout.String(), 10), lastLines(stderr.String(), 40))
	}
	return stdout.Bytes(), nil
}

// lineWriter hands each complete line written to it to onLine.
type lineWriter struct {
	onLine  func([]byte)
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.onLine(w.partial[:i])
		w.partial = w.partial[i+1:]
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Init installs the provider (offline from the mirror).
func (tf *Terraform) Init(ctx context.Context) error {
	_, err := tf.Run(ctx, "init", "-input=false", "-no-color", "-backend=false")
	return err
}

// ProviderDocument is a configuration that names the AWS provider and
// nothing else: enough for Init and Schema before there is a translation.
func ProviderDocument() map[string]any {
	return map[string]any{"terraform": map[string]any{"required_providers": map[string]any{
		"aws": map[string]any{"source": "hashicorp/aws", "version": ProviderVersion}}}}
}

// ProviderSchema installs the provider in the working directory (writing
// ProviderDocument there) and reads its schema, which Record needs. The
// directory is then ready for WriteConfig and Apply.
func (tf *Terraform) ProviderSchema(ctx context.Context) (*Schema, error) {
	if err := tf.WriteConfig(ProviderDocument()); err != nil {
		return nil, err
	}
	if err := tf.Init(ctx); err != nil {
		return nil, err
	}
	return tf.Schema(ctx)
}

// Schema returns the provider's schema (after Init).
func (tf *Terraform) Schema(ctx context.Context) (*Schema, error) {
	out, err := tf.Run(ctx, "providers", "schema", "-json")
	if err != nil {
		return nil, err
	}
	return ParseSchema(out)
}

// Outcome is what became of one resource in an apply or a destroy.
type Outcome struct {
	Address string
	// Created is true when the provider created, updated or (in a
	// destroy) deleted it.
	Created bool
	// Error is the provider's message when it failed.
	Error string
	// Seconds is how long the provider took.
	Seconds float64
	errored bool
}

// ApplyResult is an apply's outcome per resource.
type ApplyResult struct {
	Outcomes map[string]*Outcome
	// Errors are diagnostics not tied to a resource.
	Errors []string
}

// Event is one step of an apply or a destroy, as Terraform reports it while
// it runs.
type Event struct {
	Kind EventKind
	// Address is the resource's ("" for EventPlanned).
	Address string
	// Action is what is done to it: "create", "update", "delete", ...
	Action string
	// Elapsed is how long the resource has taken so far, in seconds.
	Elapsed float64
	// Total is, for EventPlanned, how many resources the run changes.
	Total int
}

// EventKind says what an Event reports.
type EventKind string

const (
	// EventPlanned: Terraform has planned the run; Total is known.
	EventPlanned EventKind = "planned"
	// EventStart: the provider starts on a resource.
	EventStart EventKind = "start"
	// EventProgress: the provider is still at it (Terraform says so every
	// 10 seconds).
	EventProgress EventKind = "progress"
	// EventComplete: the resource is done.
	EventComplete EventKind = "complete"
	// EventErrored: the provider failed on the resource (the outcome has
	// its message once the run ends).
	EventErrored EventKind = "errored"
)

// Apply runs `terraform apply` and reports each resource: created, or
// failed with the provider's message. A failed apply is not an error here;
// the outcomes say what failed. onEvent, if set, sees each step as
// Terraform reports it.
func (tf *Terraform) Apply(ctx context.Context, onEvent func(Event)) (*ApplyResult, error) {
	return tf.runJSON(ctx, onEvent, "apply", "-auto-approve", "-input=false", "-json")
}

// Destroy runs `terraform destroy`; like Apply, its outcomes say what
// could not be deleted. It deletes what the state holds without reading it
// again first, as `pulumi destroy` does (it refreshes only when asked):
// the emulator, on plain HTTP, refuses reads of the release record once
// its bucket's TLS-only policy is in place, and the destroy deletes that
// policy before the record.
func (tf *Terraform) Destroy(ctx context.Context, onEvent func(Event)) (*ApplyResult, error) {
	return tf.runJSON(ctx, onEvent, "destroy", "-auto-approve", "-input=false", "-json", "-refresh=false")
}

// runJSON runs an apply or destroy with machine-readable output and
// collects each resource's outcome, as Terraform prints it.
func (tf *Terraform) runJSON(ctx context.Context, onEvent func(Event), args ...string) (*ApplyResult, error) {
	res := &ApplyResult{Outcomes: map[string]*Outcome{}}
	get := func(addr string) *Outcome {
		if res.Outcomes[addr] == nil {
			res.Outcomes[addr] = &Outcome{Address: addr}
		}
		return res.Outcomes[addr]
	}
	emit := func(e Event) {
		if onEvent != nil {
			onEvent(e)
		}
	}
	planned := false
	onLine := func(line []byte) {
		var msg struct {
			Type string `json:"type"`
			Hook struct {
				Resource struct {
					Addr string `json:"addr"`
				} `json:"resource"`
				Action  string  `json:"action"`
				Elapsed float64 `json:"elapsed_seconds"`
			} `json:"hook"`
			Changes struct {
				Add    int `json:"add"`
				Change int `json:"change"`
				Remove int `json:"remove"`
			} `json:"changes"`
			Diagnostic struct {
				Severity string `json:"severity"`
				Summary  string `json:"summary"`
				Detail   string `json:"detail"`
				Address  string `json:"address"`
				Snippet  struct {
					Context string `json:"context"`
				} `json:"snippet"`
			} `json:"diagnostic"`
		}
		if json.Unmarshal(line, &msg) != nil {
			return
		}
		addr := msg.Hook.Resource.Addr
		event := Event{Address: addr, Action: msg.Hook.Action, Elapsed: msg.Hook.Elapsed}
		switch msg.Type {
		case "change_summary":
			// The first is the plan's; the last says what the run did.
			if !planned {
				planned = true
				emit(Event{Kind: EventPlanned, Total: msg.Changes.Add + msg.Changes.Change + msg.Changes.Remove})
			}
		case "apply_start":
			event.Kind = EventStart
			emit(event)
		case "apply_progress":
			event.Kind = EventProgress
			emit(event)
		case "apply_complete":
			get(addr).Created = true
			get(addr).Seconds = msg.Hook.Elapsed
			event.Kind = EventComplete
			emit(event)
		case "apply_errored":
			get(addr).Seconds = msg.Hook.Elapsed
			get(addr).errored = true
			event.Kind = EventErrored
			emit(event)
		case "diagnostic":
			if msg.Diagnostic.Severity != "error" {
				return
			}
			text := strings.TrimSpace(msg.Diagnostic.Summary + " " + msg.Diagnostic.Detail)
			addr := msg.Diagnostic.Address
			if ctx, ok := strings.CutPrefix(msg.Diagnostic.Snippet.Context, "resource."); ok && addr == "" {
				// "resource.aws_x.name.attribute": the resource's address.
				if parts := strings.SplitN(ctx, ".", 3); len(parts) >= 2 {
					addr = parts[0] + "." + parts[1]
				}
			}
			if addr != "" {
				o := get(addr)
				o.Error = strings.TrimSpace(o.Error + "\n" + text)
			} else {
				res.Errors = append(res.Errors, text)
			}
		}
	}
	_, err := tf.run(ctx, onLine, args...)
	// A destroy's diagnostics name no address; the resource that errored
	// is the one they are about when only one did.
	var silent []*Outcome
	for _, o := range res.Outcomes {
		if o.errored && o.Error == "" {
			silent = append(silent, o)
		}
	}
	if len(silent) == 1 && len(res.Errors) > 0 {
		silent[0].Error = strings.Join(res.Errors, "\n")
		res.Errors = nil
	}
	if err != nil && len(res.Outcomes) == 0 && len(res.Errors) == 0 {
		return nil, err
	}
	return res, nil
}

// Change is one resource's planned change.
type Change struct {
	Address string
	Type    string
	// Actions are Terraform's: ["no-op"], ["create"], ["update"],
	// ["delete"], ["create","delete"] or ["delete","create"] (replace).
	Actions []string
	// ReplacePaths are the attributes that force a replacement.
	ReplacePaths []string
	// Attributes are the top-level attributes the change sets to another
	// value (or to one known only after apply).
	Attributes []string
	// After is each of those attributes' new value as JSON ("" when known
	// only after apply).
	After map[string]string
}

// Replaced reports whether the change replaces the resource.
func (c Change) Replaced() bool { return len(c.Actions) == 2 }

// Plan runs `terraform plan` (without refreshing: the state is what the
// last apply left) and returns every change but no-ops.
func (tf *Terraform) Plan(ctx context.Context, extra ...string) ([]Change, error) {
	out, err := tf.planJSON(ctx, extra...)
	if err != nil {
		return nil, err
	}
	return parsePlan(out)
}

// planJSON runs `terraform plan` and returns the plan as `terraform show
// -json` prints it.
func (tf *Terraform) planJSON(ctx context.Context, extra ...string) ([]byte, error) {
	args := append([]string{"plan", "-input=false", "-no-color", "-refresh=false", "-lock=false", "-out=plan.bin"}, extra...)
	if _, err := tf.Run(ctx, args...); err != nil {
		return nil, err
	}
	return tf.Run(ctx, "show", "-json", "plan.bin")
}

// parsePlan reads the changes out of `terraform show -json`'s plan.
func parsePlan(out []byte) ([]Change, error) {
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Type    string `json:"type"`
			Mode    string `json:"mode"`
			Change  struct {
				Actions      []string                   `json:"actions"`
				ReplacePaths [][]any                    `json:"replace_paths"`
				Before       map[string]json.RawMessage `json:"before"`
				After        map[string]json.RawMessage `json:"after"`
				AfterUnknown map[string]json.RawMessage `json:"after_unknown"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(out, &plan); err != nil {
		return nil, fmt.Errorf("reading the plan: %w", err)
	}
	var changes []Change
	for _, rc := range plan.ResourceChanges {
		if rc.Mode != "managed" || (len(rc.Change.Actions) == 1 && (rc.Change.Actions[0] == "no-op" || rc.Change.Actions[0] == "read")) {
			continue
		}
		c := Change{Address: rc.Address, Type: rc.Type, Actions: rc.Change.Actions}
		for _, p := range rc.Change.ReplacePaths {
			var parts []string
			for _, e := range p {
				parts = append(parts, fmt.Sprint(e))
			}
			c.ReplacePaths = append(c.ReplacePaths, strings.Join(parts, "."))
		}
		sort.Strings(c.ReplacePaths)
		if rc.Change.Before != nil {
			c.After = map[string]string{}
			for k, after := range rc.Change.After {
				if !bytes.Equal(rc.Change.Before[k], after) {
					c.Attributes = append(c.Attributes, k)
					c.After[k] = string(after)
				}
			}
			for k, unknown := range rc.Change.AfterUnknown {
				if string(unknown) == "true" && rc.Change.Before[k] != nil && string(rc.Change.Before[k]) != "null" {
					c.Attributes = append(c.Attributes, k)
				}
			}
			sort.Strings(c.Attributes)
			c.Attributes = slices.Compact(c.Attributes)
		}
		changes = append(changes, c)
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Address < changes[j].Address })
	return changes, nil
}

// State is the working directory's state file.
func (tf *Terraform) State() ([]byte, error) {
	return os.ReadFile(filepath.Join(tf.Dir, "terraform.tfstate"))
}

// Surviving answers which resources of an earlier state still exist: in
// dir, a clone with that state refreshes every resource through the
// provider's own read (which drops what is gone, including KMS keys and
// secrets scheduled for deletion) and lists what is left. A read that fails
// is a listed emulator gap (the resource leaves the state, as gone) or an
// error.
func (tf *Terraform) Surviving(ctx context.Context, dir string, state []byte, t *Translation) ([]string, error) {
	c, err := tf.Clone(dir)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfstate"), state, 0o644); err != nil {
		return nil, err
	}
	for _, f := range []string{"main.tf.json"} {
		data, err := os.ReadFile(filepath.Join(tf.Dir, f))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			return nil, err
		}
	}
	for attempt := 0; ; attempt++ {
		res, err := c.runJSON(ctx, nil, "apply", "-refresh-only", "-auto-approve", "-input=false", "-json", "-lock=false")
		if err != nil {
			return nil, err
		}
		var gaps, defects []string
		for _, row := range Failures(t, res, PhaseRefresh) {
			if row.Verdict == EmulatorGap {
				gaps = append(gaps, row.Address)
			} else {
				defects = append(defects, row.Address+": "+row.Detail)
			}
		}
		if len(defects) > 0 {
			return nil, fmt.Errorf("refreshing after the destroy: %s", strings.Join(defects, "; "))
		}
		if len(gaps) == 0 {
			break
		}
		if attempt > 0 {
			return nil, fmt.Errorf("refreshing after the destroy: %v still fail", gaps)
		}
		if err := c.Forget(ctx, gaps...); err != nil {
			return nil, err
		}
	}
	out, err := c.Run(ctx, "state", "list")
	if err != nil {
		return nil, err
	}
	var left []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" && !strings.HasPrefix(line, "data.") {
			left = append(left, line)
		}
	}
	sort.Strings(left)
	return left, nil
}

// Forget removes addresses from the state without deleting them: what
// Pulumi's retainOnDelete does at a destroy.
func (tf *Terraform) Forget(ctx context.Context, addresses ...string) error {
	if len(addresses) == 0 {
		return nil
	}
	_, err := tf.Run(ctx, append([]string{"state", "rm", "-lock=false"}, addresses...)...)
	return err
}
