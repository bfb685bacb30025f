package realprovider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTerraform is a terraform that records its commands and plans no
// change.
const fakeTerraform = `#!/bin/sh
echo "$1 $TF_REATTACH_PROVIDERS" >> "$FAKE_TERRAFORM_LOG"
case "$1" in
show) echo '{"resource_changes":[]}' ;;
esac
`

// TestPlanRawPlansAConfigurationOnce: the same document asked twice (a
// check and a row of the plan table on the same value) is planned once; a
// plan uses the stack's shared provider.
func TestPlanRawPlansAConfigurationOnce(t *testing.T) {
	gatherFor(t, 0)
	tf, log := fakeTerraformDir(t, fakeTerraform)
	s := &Stack{TF: tf, Reattach: "shared"}
	one := &Translation{Document: map[string]any{"resource": map[string]any{"a": 1}}}
	same := &Translation{Document: map[string]any{"resource": map[string]any{"a": 1}}}
	other := &Translation{Document: map[string]any{"resource": map[string]any{"a": 2}}}
	for _, tr := range []*Translation{one, same, other, one} {
		changes, err := s.PlanRaw(context.Background(), "x", tr)
		require.NoError(t, err)
		assert.Empty(t, changes)
	}
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, []string{"plan shared", "show shared", "plan shared", "show shared"}, strings.Split(strings.TrimSpace(string(data)), "\n"))
	assert.Equal(t, 2, s.Plans())
}

// gatherFor sets how long a batch waits for more configurations.
func gatherFor(t *testing.T, d time.Duration) {
	old := batchGather
	batchGather = d
	t.Cleanup(func() { batchGather = old })
}

// fakeTerraformDir is an applied stack's directory for the terraform
// script, and the file the script logs to.
func fakeTerraformDir(t *testing.T, script string) (*Terraform, string) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "terraform")
	require.NoError(t, os.WriteFile(bin, []byte(script), 0o755))
	log := filepath.Join(dir, "log")
	t.Setenv("FAKE_TERRAFORM_LOG", log)
	tf, err := NewTerraform(bin, filepath.Join(dir, "apply"), "http://127.0.0.1:1", "")
	require.NoError(t, err)
	for _, f := range []string{".terraform.lock.hcl", "terraform.tfstate"} {
		require.NoError(t, os.WriteFile(filepath.Join(tf.Dir, f), nil, 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(tf.Dir, ".terraform", "providers"), 0o755))
	return tf, log
}

// fakeModuleTerraform plans a change of aws_x.a in every module (or root
// configuration) whose configuration holds "changed"; it fails the plan
// when one holds "refused".
const fakeModuleTerraform = `#!/bin/sh
echo "$1" $(ls -d v* 2>/dev/null) >> "$FAKE_TERRAFORM_LOG"
case "$1" in
plan) ! grep -rq refused --include=main.tf.json . ;;
show)
  printf '{"resource_changes":['
  sep=
  for f in main.tf.json v*/main.tf.json; do
    [ -f "$f" ] && grep -q changed "$f" || continue
    mod=$(dirname "$f")
    prefix=; [ "$mod" = . ] || prefix="module.$mod."
    printf '%s{"address":"%saws_x.a","type":"aws_x","mode":"managed","change":{"actions":["update"],"before":{"v":1},"after":{"v":2}}}' "$sep" "$prefix"
    sep=,
  done
  printf ']}' ;;
esac
`

// TestPlansAskedTogetherShareOneRun: configurations asked while a batch
// gathers are planned in one Terraform run, each as a module on a copy of
// the applied state, and each gets its own module's changes back under
// its own addresses. A batch Terraform refuses is planned again one
// configuration at a time, so only the refused one fails.
func TestPlansAskedTogetherShareOneRun(t *testing.T) {
	gatherFor(t, 0)
	tf, log := fakeTerraformDir(t, fakeModuleTerraform)
	state := `{"version":4,"resources":[{"mode":"managed","type":"aws_x","name":"a","instances":[{"attributes":{"v":1}}]}],"outputs":{"o":{"value":1}}}`
	require.NoError(t, os.WriteFile(filepath.Join(tf.Dir, "terraform.tfstate"), []byte(state), 0o644))
	s := &Stack{TF: tf, state: []byte(state)}
	docs := map[string]*Translation{
		"same":    {Document: map[string]any{"resource": map[string]any{"aws_x": "as applied"}, "provider": map[string]any{"aws": "p"}}},
		"changed": {Document: map[string]any{"resource": map[string]any{"aws_x": "changed"}, "provider": map[string]any{"aws": "p"}}},
	}
	got := planTogether(t, s, docs)
	assert.Empty(t, got["same"].changes)
	if assert.Len(t, got["changed"].changes, 1) {
		assert.Equal(t, "aws_x.a", got["changed"].changes[0].Address)
	}
	assert.Equal(t, 2, s.Plans())
	assert.Equal(t, 1, s.PlanRuns(), "two configurations asked together are one plan")
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, []string{"get v1 v2", "plan v1 v2", "show v1 v2"}, strings.Split(strings.TrimSpace(string(data)), "\n"))
	// Each module's state is the applied state's resources, without its
	// outputs.
	batch, err := os.ReadFile(filepath.Join(filepath.Dir(tf.Dir), "apply-batch-001", "terraform.tfstate"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"version":4,"outputs":{},"resources":[
		{"module":"module.v1","mode":"managed","type":"aws_x","name":"a","instances":[{"attributes":{"v":1}}]},
		{"module":"module.v2","mode":"managed","type":"aws_x","name":"a","instances":[{"attributes":{"v":1}}]}]}`, string(batch))

	refused := planTogether(t, s, map[string]*Translation{
		"refused": {Document: map[string]any{"resource": map[string]any{"aws_x": "refused"}}},
		"changed": {Document: map[string]any{"resource": map[string]any{"aws_x": "changed again"}}},
	})
	assert.Error(t, refused["refused"].err)
	assert.NoError(t, refused["changed"].err)
	assert.Len(t, refused["changed"].changes, 1, "the configuration Terraform accepts is planned alone")
}

type planned struct {
	changes []Change
	err     error
}

// planTogether asks for every document's plan at once: the stack's one
// plan slot is held until every document is waiting for the next batch,
// so they are one batch whatever the machine's speed.
func planTogether(t *testing.T, s *Stack, docs map[string]*Translation) map[string]planned {
	t.Helper()
	s.Slots = make(chan struct{}, 1)
	s.Slots <- struct{}{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	got := map[string]planned{}
	for name, tr := range docs {
		wg.Go(func() {
			changes, err := s.PlanRaw(context.Background(), name, tr)
			mu.Lock()
			defer mu.Unlock()
			got[name] = planned{changes, err}
		})
	}
	require.Eventually(t, func() bool {
		s.plannedMu.Lock()
		defer s.plannedMu.Unlock()
		return len(s.pending) == len(docs)
	}, 10*time.Second, time.Millisecond, "every document is asked before the batch is taken")
	<-s.Slots
	wg.Wait()
	return got
}

// A round is one batch until enough wait for two, which then share them
// evenly, in the order asked, each at most maxBatch.
func TestSplitBatches(t *testing.T) {
	for _, tt := range []struct {
		pending int
		want    []int
	}{
		{0, nil},
		{1, []int{1}},
		{2*minSplit - 1, []int{2*minSplit - 1}},
		{2 * minSplit, []int{minSplit, minSplit}},
		{57, []int{29, 28}},
		{100, []int{maxBatch, maxBatch}},
	} {
		pending := make([]*plannedEntry, tt.pending)
		for i := range pending {
			pending[i] = &plannedEntry{label: fmt.Sprint(i)}
		}
		var sizes []int
		next := 0
		for _, b := range splitBatches(pending) {
			sizes = append(sizes, len(b))
			for _, e := range b {
				assert.Equal(t, fmt.Sprint(next), e.label, "in the order asked")
				next++
			}
		}
		assert.Equal(t, tt.want, sizes, "%d pending", tt.pending)
	}
}

// Many configurations asked together are two Terraform runs, each with
// half of them, and each configuration still gets its own changes.
func TestManyPlansShareTwoRuns(t *testing.T) {
	gatherFor(t, 0)
	tf, log := fakeTerraformDir(t, fakeModuleTerraform)
	state := `{"version":4,"resources":[{"mode":"managed","type":"aws_x","name":"a","instances":[{"attributes":{"v":1}}]}]}`
	require.NoError(t, os.WriteFile(filepath.Join(tf.Dir, "terraform.tfstate"), []byte(state), 0o644))
	s := &Stack{TF: tf, state: []byte(state)}
	docs := map[string]*Translation{}
	for i := range 2 * minSplit {
		value := fmt.Sprintf("as applied %d", i)
		if i%2 == 1 {
			value = fmt.Sprintf("changed %d", i)
		}
		docs[fmt.Sprint(i)] = &Translation{Document: map[string]any{"resource": map[string]any{"aws_x": value}}}
	}
	got := planTogether(t, s, docs)
	for name, p := range got {
		require.NoError(t, p.err, name)
		n, _ := strconv.Atoi(name)
		assert.Len(t, p.changes, n%2, "configuration %s", name)
	}
	assert.Equal(t, 2, s.PlanRuns())
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	var plans []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.HasPrefix(line, "plan ") {
			plans = append(plans, line)
		}
	}
	want := "plan v1 v2 v3 v4 v5 v6 v7 v8"
	assert.Equal(t, []string{want, want}, plans, "two runs of %d modules each", minSplit)
}
