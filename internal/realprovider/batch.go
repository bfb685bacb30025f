package realprovider

// Plans in batches. Terraform spends most of a small plan's CPU reading
// the provider's schema (each `terraform plan` and `terraform show` does,
// about 2.7 CPU-seconds a command on the project's machine), not planning
// the stack's hundred resources. So the configurations asked of one stack
// while a plan runs are planned together, in one `terraform plan`: each is
// a module of its own (module.v1, module.v2, …) whose state is a copy of
// the applied stack's, and the plan is split back by module. A resource's
// plan depends only on its configuration and its prior state (plans do not
// refresh), so each module's changes are what the configuration's plan
// alone gives. If the batch fails (a configuration Terraform refuses),
// each configuration is planned alone, so the error is its own.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// batchGather is how long a batch waits for more configurations after the
// first: the checks that start together ask within about a second.
var batchGather = time.Second

// maxBatch bounds a batch: a larger plan holds more memory and makes the
// configurations asked meanwhile wait longer.
const maxBatch = 40

// batchesAtOnce is how many batches of one stack plan at once, when at
// least batchesAtOnce*minSplit configurations wait: a stack that asks many
// together (dev's setting table) gets that many Terraform processes, each
// with its share of the cores beside the other tests' processes, instead
// of one twice as long.
const (
	batchesAtOnce = 2
	minSplit      = 8
)

// enqueue adds e to the stack's next batch, starting the batcher when none
// runs.
func (s *Stack) enqueue(ctx context.Context, e *plannedEntry) {
	s.plannedMu.Lock()
	defer s.plannedMu.Unlock()
	s.pending = append(s.pending, e)
	if !s.batching {
		s.batching = true
		go s.runBatches(context.WithoutCancel(ctx))
	}
}

// runBatches plans what is pending, round after round, until nothing is.
// Each batch holds a slot; the first is taken before the pending
// configurations are, so that more gather while it waits.
func (s *Stack) runBatches(ctx context.Context) {
	for {
		time.Sleep(batchGather)
		s.takeSlot()
		s.plannedMu.Lock()
		batches := splitBatches(s.pending)
		for _, b := range batches {
			s.pending = s.pending[len(b):]
		}
		if len(batches) == 0 {
			s.batching = false
		}
		s.plannedMu.Unlock()
		if len(batches) == 0 {
			s.giveSlot()
			return
		}
		var wg sync.WaitGroup
		for i, batch := range batches {
			wg.Go(func() {
				if i > 0 {
					s.takeSlot()
				}
				defer s.giveSlot()
				s.planBatch(ctx, batch)
			})
		}
		wg.Wait()
	}
}

func (s *Stack) takeSlot() {
	if s.Slots != nil {
		s.Slots <- struct{}{}
	}
}

func (s *Stack) giveSlot() {
	if s.Slots != nil {
		<-s.Slots
	}
}

// splitBatches is the next round's batches of pending, in order: one
// batch, or batchesAtOnce of about equal size when enough wait; none
// larger than maxBatch (the rest waits for the next round).
func splitBatches(pending []*plannedEntry) [][]*plannedEntry {
	parts := 1
	if len(pending) >= batchesAtOnce*minSplit {
		parts = batchesAtOnce
	}
	size := min(maxBatch, (len(pending)+parts-1)/parts)
	var out [][]*plannedEntry
	for range parts {
		if len(pending) == 0 {
			break
		}
		n := min(size, len(pending))
		out = append(out, pending[:n])
		pending = pending[n:]
	}
	return out
}

// planBatch plans the entries, together when there are several.
func (s *Stack) planBatch(ctx context.Context, batch []*plannedEntry) {
	defer func() {
		for _, e := range batch {
			close(e.done)
		}
	}()
	s.plans.Add(int64(len(batch)))
	// Without an applied state (a stack not applied) there is nothing to
	// copy into the modules.
	if len(batch) > 1 && s.state != nil {
		byModule, err := s.planModules(ctx, batch)
		if err == nil {
			for i, e := range batch {
				e.changes = byModule[moduleName(i)]
			}
			return
		}
	}
	for _, e := range batch {
		e.changes, e.err = s.plan(ctx, e.label, e.tr)
	}
}

func moduleName(i int) string { return fmt.Sprintf("v%d", i+1) }

// planModules plans every entry's configuration as a module of one
// configuration and returns each module's changes, by module name, with
// addresses as the configuration alone has them.
func (s *Stack) planModules(ctx context.Context, batch []*plannedEntry) (map[string][]Change, error) {
	n := s.runs.Add(1)
	dir := filepath.Join(filepath.Dir(s.TF.Dir), fmt.Sprintf("%s-batch-%03d", filepath.Base(s.TF.Dir), n))
	c, err := s.TF.cloneWithOwnModules(dir)
	if err != nil {
		return nil, err
	}
	root := map[string]any{}
	modules := map[string]any{}
	for i, e := range batch {
		name := moduleName(i)
		child := map[string]any{}
		for k, v := range e.tr.Document {
			switch k {
			case "provider":
				// The root's, which a module inherits.
				root[k] = v
			case "terraform":
				root[k] = v
				child[k] = v
			default:
				child[k] = v
			}
		}
		cc := *c
		cc.Dir = filepath.Join(dir, name)
		if err := os.MkdirAll(cc.Dir, 0o755); err != nil {
			return nil, err
		}
		if err := cc.WriteConfig(child); err != nil {
			return nil, err
		}
		modules[name] = map[string]any{"source": "./" + name}
	}
	root["module"] = modules
	if err := c.WriteConfig(root); err != nil {
		return nil, err
	}
	state, err := moduleStates(s.state, len(batch))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfstate"), state, 0o644); err != nil {
		return nil, err
	}
	if _, err := c.Run(ctx, "get", "-no-color"); err != nil {
		return nil, err
	}
	c.Reattach = s.Reattach
	changes, err := c.Plan(ctx)
	if err != nil {
		return nil, err
	}
	byModule := map[string][]Change{}
	for _, ch := range changes {
		rest, ok := strings.CutPrefix(ch.Address, "module.")
		name, addr, ok2 := strings.Cut(rest, ".")
		if !ok || !ok2 {
			return nil, fmt.Errorf("the batch plan has a change outside the modules: %s", ch.Address)
		}
		ch.Address = addr
		byModule[name] = append(byModule[name], ch)
	}
	return byModule, nil
}

// moduleStates is state (a root module's) copied into modules v1…vN.
func moduleStates(state []byte, n int) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(state, &doc); err != nil {
		return nil, fmt.Errorf("reading the applied state: %w", err)
	}
	var resources []map[string]any
	if err := json.Unmarshal(doc["resources"], &resources); err != nil {
		return nil, fmt.Errorf("reading the applied state's resources: %w", err)
	}
	for _, r := range resources {
		if _, ok := r["module"]; ok {
			return nil, fmt.Errorf("the applied state has a resource in a module: %v", r["module"])
		}
	}
	var copies []map[string]any
	for i := range n {
		for _, r := range resources {
			c := maps.Clone(r)
			c["module"] = "module." + moduleName(i)
			copies = append(copies, c)
		}
	}
	var err error
	if doc["resources"], err = json.Marshal(copies); err != nil {
		return nil, err
	}
	doc["outputs"] = json.RawMessage("{}")
	return json.Marshal(doc)
}

// cloneWithOwnModules is Clone with a .terraform directory of the clone's
// own (the installed provider linked into it), so that `terraform get`
// records the clone's modules there and not in the directory cloned.
func (tf *Terraform) cloneWithOwnModules(dir string) (*Terraform, error) {
	c, err := tf.Clone(dir)
	if err != nil {
		return nil, err
	}
	link := filepath.Join(dir, ".terraform")
	if err := os.Remove(link); err != nil {
		return nil, err
	}
	if err := os.Mkdir(link, 0o755); err != nil {
		return nil, err
	}
	if err := os.Symlink(filepath.Join(tf.Dir, ".terraform", "providers"), filepath.Join(link, "providers")); err != nil {
		return nil, err
	}
	return c, nil
}
