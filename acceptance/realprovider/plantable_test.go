package realprovider_test

// "What a change does": one setting at a time is changed on the applied dev
// stack and the real provider's plan is summarised. docs/configuration.md keeps the table
// between <!-- BEGIN plan-table --> and <!-- END plan-table -->; the
// real-provider test fails when it differs (RDS_APP_UPDATE_README=1
// rewrites it).

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/docs"
	"github.com/rds-app/rds-app/internal/realprovider"
	"github.com/rds-app/rds-app/internal/stacktest"
)

// settingChange is the value a setting is changed to on the dev stack.
type settingChange struct {
	Key   string
	Value any
	// With are other keys the value needs set beside it; the plan shown is
	// what the change does on the stack that already has them.
	With map[string]any
	// Effect is what the settings table says a change does.
	Effect config.Effect
	// Note is printed beside the plan when the plan's outcome is known to
	// be wrong and an issue is open to change it.
	Note string
}

// settingChanges covers every key of the settings table (and so of the manual's
// configuration tables): each is changed to its example, a valid value
// different from dev's.
var settingChanges = func() []settingChange {
	var out []settingChange
	for _, st := range config.Settings {
		out = append(out, settingChange{Key: st.Path(), Value: st.Example, With: st.ExampleNeeds, Effect: st.Effect})
	}
	return out
}()

// settingRow is one setting's plan, summarised.
type settingRow struct {
	Key, Value, With, Verdict, Plan, Note string
}

// settingTable plans every setting change on the applied stack. A plan is
// CPU work (Terraform and the provider load the provider's schema), so the
// changes are planned several at a time where the plan still tells their
// effects apart: each change is first translated alone (Go only), and
// changes whose reaches (realprovider.Translation.Reach: what they change
// and everything that depends on it) are disjoint share one plan, whose
// changes are then told apart by address. A change that needs other keys
// beside it, or a group the program refuses together, or whose plan holds
// a change no member reaches, is planned alone, as before.
func (r *stackRun) settingTable(ctx context.Context, t *testing.T) []settingRow {
	rows := make([]settingRow, len(settingChanges))
	var together []soloChange
	var alone []int
	for i, sc := range settingChanges {
		if len(sc.With) > 0 {
			alone = append(alone, i)
			continue
		}
		cfg := stacktest.WithSetting(t, r.stack.Config, sc.Key, sc.Value)
		tr := translateStack(t, r.schema, r.stack.Name, cfg)
		reach := tr.Reach(r.tr)
		if len(reach) == 0 {
			alone = append(alone, i)
			continue
		}
		together = append(together, soloChange{index: i, cfg: cfg, tr: tr, reach: reach})
	}
	groups := packDisjoint(together)
	t.Logf("%d setting changes in %d plans (%d alone, %d in %d shared plans)", len(settingChanges), len(alone)+len(groups), len(alone), len(together), len(groups))
	var wg sync.WaitGroup
	for _, g := range groups {
		wg.Go(func() {
			t.Run(g.label(), func(t *testing.T) { r.planGroup(ctx, t, g, rows) })
		})
	}
	for _, i := range alone {
		wg.Go(func() {
			sc := settingChanges[i]
			t.Run(sc.Key, func(t *testing.T) { rows[i] = r.planAlone(ctx, t, sc) })
		})
	}
	wg.Wait()
	return rows
}

// soloChange is one setting change translated alone.
type soloChange struct {
	index int
	cfg   map[string]string
	tr    *realprovider.Translation
	reach map[string]bool
}

// changeGroup are setting changes with disjoint reaches.
type changeGroup []soloChange

func (g changeGroup) label() string {
	keys := make([]string, len(g))
	for i, c := range g {
		keys[i] = settingChanges[c.index].Key
	}
	return strings.Join(keys, "+")
}

// packDisjoint puts each change into the first group none of whose
// changes reaches what it reaches.
func packDisjoint(changes []soloChange) []changeGroup {
	var groups []changeGroup
	var reached []map[string]bool
next:
	for _, c := range changes {
		for gi := range groups {
			if !overlaps(reached[gi], c.reach) {
				groups[gi] = append(groups[gi], c)
				maps.Copy(reached[gi], c.reach)
				continue next
			}
		}
		groups = append(groups, changeGroup{c})
		reached = append(reached, maps.Clone(c.reach))
	}
	return groups
}

func overlaps(a, b map[string]bool) bool {
	for k := range b {
		if a[k] {
			return true
		}
	}
	return false
}

// planGroup plans the group's changes in one plan and gives each member
// the changes at the addresses it reaches. It falls back to a plan per
// member when the program refuses the changes together, when together
// they reach other than what each reaches alone, or when the plan holds a
// change no member reaches.
func (r *stackRun) planGroup(ctx context.Context, t *testing.T, g changeGroup, rows []settingRow) {
	solo := func(why string) {
		if len(g) > 1 {
			t.Logf("%s: planned one by one (%s)", g.label(), why)
		}
		for _, c := range g {
			sc := settingChanges[c.index]
			changes, tr := r.planTranslation(ctx, t, sc.Key, c.tr)
			rows[c.index] = r.settingRowOf(sc, changes, tr, r.tr)
		}
	}
	if len(g) == 1 {
		solo("")
		return
	}
	cfg := r.stack.Config
	union := map[string]bool{}
	for _, c := range g {
		sc := settingChanges[c.index]
		cfg = stacktest.WithSetting(t, cfg, sc.Key, sc.Value)
		maps.Copy(union, c.reach)
	}
	tr, err := record(t, r.schema, r.stack.Name, cfg)
	if err != nil {
		solo("the program refuses them together: " + err.Error())
		return
	}
	if !maps.Equal(tr.Reach(r.tr), union) {
		solo("together they reach other than each alone")
		return
	}
	changes, _ := r.planTranslation(ctx, t, g.label(), tr)
	owned := make([][]realprovider.Change, len(g))
	for _, ch := range changes {
		owner := slices.IndexFunc(g, func(c soloChange) bool { return c.reach[ch.Address] })
		if owner < 0 {
			solo("the plan changes " + ch.Address + ", which no member reaches")
			return
		}
		owned[owner] = append(owned[owner], ch)
	}
	for i, c := range g {
		rows[c.index] = r.settingRowOf(settingChanges[c.index], owned[i], c.tr, r.tr)
	}
}

// planAlone plans one setting change on its own (on top of the keys it
// needs beside it, whose own changes are left out).
func (r *stackRun) planAlone(ctx context.Context, t *testing.T, sc settingChange) settingRow {
	base, baseTr := r.stack.Config, r.tr
	var baseChanges []realprovider.Change
	for _, k := range slices.Sorted(maps.Keys(sc.With)) {
		base = stacktest.WithSetting(t, base, k, sc.With[k])
	}
	if len(sc.With) > 0 {
		// What the other keys do alone is not this setting's.
		baseChanges, baseTr = r.plan(ctx, t, sc.Key+" without it", base)
	}
	changes, tr := r.plan(ctx, t, sc.Key, stacktest.WithSetting(t, base, sc.Key, sc.Value))
	return r.settingRowOf(sc, changesWithout(changes, baseChanges), tr, baseTr)
}

// settingRowOf summarises a setting change's plan.
func (r *stackRun) settingRowOf(sc settingChange, changes []realprovider.Change, tr, baseTr *realprovider.Translation) settingRow {
	var with []string
	for _, k := range slices.Sorted(maps.Keys(sc.With)) {
		v, _ := json.Marshal(sc.With[k])
		with = append(with, fmt.Sprintf("`%s` `%s`", k, v))
	}
	value, _ := json.Marshal(sc.Value)
	verdict, plan := summarisePlan(changes, tr, realprovider.GapsAffected(baseTr, tr, changes, r.applied.Gaps))
	return settingRow{Key: sc.Key, Value: string(value), With: strings.Join(with, ", "), Verdict: verdict, Plan: plan, Note: sc.Note}
}

// changesWithout is changes less those in base (the same change of the same
// resource).
func changesWithout(changes, base []realprovider.Change) []realprovider.Change {
	var out []realprovider.Change
	for _, c := range changes {
		if !slices.ContainsFunc(base, func(b realprovider.Change) bool { return reflect.DeepEqual(b, c) }) {
			out = append(out, c)
		}
	}
	return out
}

// summarisePlan says what a plan does to the two resources whose
// replacement hurts (the host: an outage and a new root volume; the
// database: its data) and whether it reruns the rollout (a new container on
// the same host), and lists the rest by action. rerun are the emulator-gap
// resources the plan would change (the rollout association).
func summarisePlan(changes []realprovider.Change, tr *realprovider.Translation, rerun []string) (verdict, plan string) {
	return realprovider.Summarise(changes, tr, rerun).Markdown()
}

func formatSettingTable(rows []settingRow) string {
	var b strings.Builder
	b.WriteString("| Setting | Changed to | Outcome | The provider's plan |\n| --- | --- | --- | --- |\n")
	for _, r := range rows {
		outcome := r.Verdict
		if r.Note != "" {
			outcome += " — " + r.Note
		}
		value := "`" + r.Value + "`"
		if r.With != "" {
			value += " (with " + r.With + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.Key, value, outcome, r.Plan)
	}
	return b.String()
}

// checkManualBlock compares the manual's generated block name (in
// whichever page of docs/ holds it) with want; RDS_APP_UPDATE_README=1
// rewrites it.
func checkManualBlock(t *testing.T, name, want string) {
	t.Helper()
	root := stacktest.Root(t)
	path, got, err := docs.FindBlock(root, name)
	require.NoError(t, err)
	if got == want {
		return
	}
	if os.Getenv("RDS_APP_UPDATE_README") == "1" {
		require.NoError(t, docs.ReplaceBlock(root, name, want))
		t.Logf("%s: %s block rewritten", path, name)
		return
	}
	t.Errorf("%s's %s block differs from what the real provider planned (RDS_APP_UPDATE_README=1 rewrites it):\n--- %s\n%s\n--- planned\n%s", path, name, path, got, want)
}

// TestSettingChangesCoverEveryKey: every documented key has a planned
// change, so the manual's "what a change does" table is complete.
func TestSettingChangesCoverEveryKey(t *testing.T) {
	keys, err := docs.ConfigKeys(stacktest.Root(t))
	require.NoError(t, err)
	require.Greater(t, len(keys), 20, "the manual's configuration tables were not found")
	var planned []string
	for _, sc := range settingChanges {
		planned = append(planned, sc.Key)
	}
	assert.ElementsMatch(t, keys, planned)
}

// TestReadmeListsTheEmulatorGaps: the manual's gap table (docs/development.md) is gaps.go's.
func TestReadmeListsTheEmulatorGaps(t *testing.T) {
	var b strings.Builder
	b.WriteString("| Resource | When | API | What moto does | Why it does not matter |\n| --- | --- | --- | --- | --- |\n")
	for _, g := range realprovider.EmulatorGaps {
		when, does := string(g.Phase), "lacks the API"
		if g.Error != "" {
			does = "answers `" + g.Error + "…`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s | %s |\n", g.ResourceType, when, g.API, does, g.Why)
	}
	b.WriteString("\nAttributes moto accepts but does not keep (plans ignore their changes):\n\n")
	b.WriteString("| Resource | Attributes | Why |\n| --- | --- | --- |\n")
	for _, d := range realprovider.EmulatorDrift {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", d.ResourceType, strings.Join(d.Attributes, "`, `"), d.Why)
	}
	checkManualBlock(t, "gaps-table", b.String())
}
