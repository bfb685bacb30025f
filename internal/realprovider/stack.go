package realprovider

// The one runner for "apply a stack, then plan changes against it", which
// rds-app-rehearse and the real-provider tests share.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Stack is one stack's translation applied by the provider against one
// emulator, ready to plan changes against.
type Stack struct {
	TF   *Terraform
	Base *Translation
	// Rows say what became of every resource of the apply.
	Rows []Row
	// Gaps are the resources the emulator could not create (listed gaps),
	// by address: every plan shows them as still to be created, which says
	// nothing of a change.
	Gaps map[string]bool
	// Reattach, when set, is a SharedProvider's TF_REATTACH_PROVIDERS that
	// every plan uses (the apply and the destroy start their own).
	Reattach string
	// Slots, when set, bounds the plans that run at once (across stacks):
	// a batch holds one while it plans.
	Slots chan struct{}

	baselineOnce sync.Once
	baseline     []Change
	baselineErr  error
	plans        atomic.Int64
	// runs counts the `terraform plan` runs (a batch is one).
	runs atomic.Int64
	// state is the state as the apply left it: every plan starts from it,
	// whatever the working directory's state has become since (a destroy).
	state []byte
	// planned holds each configuration's plan, by the hash of its
	// document: the same configuration is planned once, whoever asks.
	plannedMu sync.Mutex
	planned   map[[sha256.Size]byte]*plannedEntry
	// pending are the configurations waiting for the next batch
	// (batch.go); batching is true while a batcher runs.
	pending  []*plannedEntry
	batching bool
}

// plannedEntry is one configuration's plan; done is closed when it is made.
type plannedEntry struct {
	label   string
	tr      *Translation
	done    chan struct{}
	changes []Change
	err     error
}

// ApplyStack writes base's configuration into tf's directory (where Init
// has run) and applies it; onEvent, if set, sees each step. A resource
// that fails is in the rows, not an error.
func ApplyStack(ctx context.Context, tf *Terraform, base *Translation, onEvent func(Event)) (*Stack, error) {
	if err := tf.WriteConfig(base.Document); err != nil {
		return nil, err
	}
	res, err := tf.Apply(ctx, onEvent)
	if err != nil {
		return nil, fmt.Errorf("running terraform apply: %w", err)
	}
	state, err := tf.State()
	if err != nil {
		return nil, err
	}
	s := &Stack{TF: tf, Base: base, Rows: Report(base, res), Gaps: map[string]bool{}, state: state}
	for _, row := range s.Rows {
		if row.Verdict == EmulatorGap {
			s.Gaps[row.Address] = true
		}
	}
	return s, nil
}

// PlanRaw is the provider's plan of tr against the applied state, as it
// is. Configurations asked while a plan runs are planned together, in one
// Terraform run (batch.go). A configuration planned before (the same
// document) is not planned again.
func (s *Stack) PlanRaw(ctx context.Context, label string, tr *Translation) ([]Change, error) {
	doc, err := json.Marshal(tr.Document)
	if err != nil {
		return nil, err
	}
	key := sha256.Sum256(doc)
	s.plannedMu.Lock()
	if s.planned == nil {
		s.planned = map[[sha256.Size]byte]*plannedEntry{}
	}
	e := s.planned[key]
	fresh := e == nil
	if fresh {
		e = &plannedEntry{label: label, tr: tr, done: make(chan struct{})}
		s.planned[key] = e
	}
	s.plannedMu.Unlock()
	if fresh {
		s.enqueue(ctx, e)
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return slices.Clone(e.changes), e.err
}

// plan plans tr alone, in a directory of its own.
func (s *Stack) plan(ctx context.Context, label string, tr *Translation) ([]Change, error) {
	name := fmt.Sprintf("plan-%03d-%s", s.runs.Add(1), strings.NewReplacer("/", "_", ".", "_", " ", "_", "=", "_").Replace(label))
	c, err := s.TF.Clone(filepath.Join(filepath.Dir(s.TF.Dir), filepath.Base(s.TF.Dir)+"-"+name))
	if err != nil {
		return nil, err
	}
	if err := c.WriteConfig(tr.Document); err != nil {
		return nil, err
	}
	if s.state != nil {
		if err := os.WriteFile(filepath.Join(c.Dir, "terraform.tfstate"), s.state, 0o644); err != nil {
			return nil, err
		}
	}
	c.Reattach = s.Reattach
	return c.Plan(ctx)
}

// Plans counts the configurations the provider planned (a configuration
// asked again is not planned again).
func (s *Stack) Plans() int { return int(s.plans.Load()) }

// PlanRuns counts the `terraform plan` runs that planned them (a batch of
// configurations is one).
func (s *Stack) PlanRuns() int { return int(s.runs.Load()) }

// Baseline is the plan of the unchanged stack: what the emulator's drift
// alone makes the provider want to change. It is planned once.
func (s *Stack) Baseline(ctx context.Context) ([]Change, error) {
	s.baselineOnce.Do(func() {
		s.baseline, s.baselineErr = s.PlanRaw(ctx, "unchanged", s.Base)
		if s.baselineErr != nil {
			s.baselineErr = fmt.Errorf("planning the unchanged stack: %w", s.baselineErr)
		}
	})
	return s.baseline, s.baselineErr
}

// NewStackPlan plans the stack as on a new stack, with no state (every
// resource to be created), and returns the plan as `terraform show -json`
// prints it, which Trivy scans. There a value one resource takes from
// another is unknown until it is created, and the plan keeps the
// reference, which Trivy follows (a listener's load balancer, a rule's
// security group, a flow log's VPC); a plan against the applied state
// (Baseline) already knows every such value and gives only the literal,
// so Trivy would see no link and miss every check that needs one.
func (s *Stack) NewStackPlan(ctx context.Context) ([]byte, error) {
	name := fmt.Sprintf("plan-%03d-new-stack", s.runs.Add(1))
	c, err := s.TF.Clone(filepath.Join(filepath.Dir(s.TF.Dir), filepath.Base(s.TF.Dir)+"-"+name))
	if err != nil {
		return nil, err
	}
	if err := c.WriteConfig(s.Base.Document); err != nil {
		return nil, err
	}
	if err := os.Remove(filepath.Join(c.Dir, "terraform.tfstate")); err != nil {
		return nil, err
	}
	c.Reattach = s.Reattach
	out, err := c.planJSON(ctx)
	if err != nil {
		return nil, fmt.Errorf("planning the stack as a new one: %w", err)
	}
	return out, nil
}

// Filter drops from a plan the emulator's gaps and drift.
func (s *Stack) Filter(ctx context.Context, planned []Change) ([]Change, error) {
	baseline, err := s.Baseline(ctx)
	if err != nil {
		return nil, err
	}
	return Meaningful(planned, baseline, s.Gaps), nil
}

// PlanChange plans changed against the applied stack and returns what the
// plan says about the program (without the emulator's gaps and drift) and
// the gap resources it would change, had the emulator created them (the
// rollout association, which runs again).
func (s *Stack) PlanChange(ctx context.Context, label string, changed *Translation) (changes []Change, reruns []string, err error) {
	// The baseline and the change are planned side by side.
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = s.Baseline(ctx) })
	planned, err := s.PlanRaw(ctx, label, changed)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	if changes, err = s.Filter(ctx, planned); err != nil {
		return nil, nil, err
	}
	return changes, GapsAffected(s.Base, changed, changes, s.Gaps), nil
}
