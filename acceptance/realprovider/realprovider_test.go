package realprovider_test

// The real-provider layer: every shipped stack is recorded under mocks,
// translated to Terraform JSON and applied by terraform-provider-aws 5.100
// (the provider pulumi-aws v6.83 wraps) against moto_server. Then one
// setting at a time is changed and the provider's own plan says what the
// change would update or replace, and the stack is destroyed. Trivy
// scans each stack's plan (trivy_test.go).

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/procgroup"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/realprovider"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/testenv"
)

const terraformPath = "/usr/local/bin/terraform"

func TestMain(m *testing.M) {
	// Terraform (with its provider plugins) and moto_server die with this
	// process, however it ends.
	procgroup.Started = func(pgid int) { _ = testenv.ReapGroup(pgid) }
	os.Exit(m.Run())
}

var (
	schemaOnce sync.Once
	schemaVal  *realprovider.Schema
	schemaErr  error
)

// providerSchema reads the provider's schema once per test run.
func providerSchema(t *testing.T, tfBin, mirror string) *realprovider.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rds-app-schema-")
		if err != nil {
			schemaErr = err
			return
		}
		defer os.RemoveAll(dir)
		tf, err := realprovider.NewTerraform(tfBin, dir, "http://127.0.0.1:1", mirror)
		if err != nil {
			schemaErr = err
			return
		}
		schemaVal, schemaErr = tf.ProviderSchema(context.Background())
	})
	require.NoError(t, schemaErr, "reading the AWS provider's schema")
	return schemaVal
}

// realProviderTools finds terraform and the provider mirror, or skips
// (fails in CI).
func realProviderTools(t *testing.T) (tfBin, mirror string) {
	t.Helper()
	tfBin = testenv.RequireTool(t, "terraform", terraformPath)
	testenv.RequireTool(t, "moto_server")
	return tfBin, needMirror(t)
}

// terraformSlots bounds the Terraform processes that plan at once, across
// every stack (a batch of plans is one): a plan is CPU work, unlike an
// apply, which mostly waits on the provider's waiters. Two per core keeps
// both cores busy while one process reads files or waits on the emulator.
var terraformSlots = make(chan struct{}, 2*runtime.NumCPU())

// stackRun is one stack applied against its own emulator.
type stackRun struct {
	t      *testing.T
	stack  stacktest.Stack
	schema *realprovider.Schema
	tf     *realprovider.Terraform
	moto   *testenv.Moto
	tr     *realprovider.Translation
	// applied is the stack as the provider applied it: its gaps, and the
	// baseline plan every other plan is told apart from.
	applied *realprovider.Stack
	// variant: the stack is not as shipped (rehearsalRun.variant).
	variant bool
}

// translateStack runs the program for stack with cfg under the recorder and
// translates what it registered.
func translateStack(t *testing.T, schema *realprovider.Schema, stack string, cfg map[string]string) *realprovider.Translation {
	t.Helper()
	tr, err := record(t, schema, stack, cfg)
	require.NoError(t, err, "running the program for stack %s", stack)
	return tr
}

// TestRealProvider applies every shipped stack at once, each against its
// own emulator: the provider spends most of an apply waiting on its
// waiters (about 2 minutes 40 for a database), so the stacks overlap.
func TestRealProvider(t *testing.T) {
	// Beside the command's tests (command_test.go), which start Terraform
	// too: after it, they would add their time to the layer's.
	t.Parallel()
	tfBin, mirror := realProviderTools(t)
	schema := providerSchema(t, tfBin, mirror)
	var runs []rehearsalRun
	for _, s := range stacktest.Shipped(t) {
		if stacktest.Parse(t, s).Database.ReadReplicas == 0 {
			runs = append(runs, rehearsalRun{label: s.Name, stack: s, plans: true})
			continue
		}
		// moto cannot create a read replica (a listed gap), and what waits
		// for the connection secret, which names the replicas, waits in
		// vain: on a group's stack the launch template and the group, which
		// every plan of a deploy is about. So the stack is applied as it
		// is, and its plans are checked on the same stack without replicas,
		// where they are really created.
		without := s
		without.Config = stacktest.WithSetting(t, s.Config, "database.readReplicas", 0)
		runs = append(runs, rehearsalRun{label: s.Name, stack: s},
			rehearsalRun{label: s.Name + " without replicas", stack: without, plans: true, variant: true})
	}
	// Subtests started from goroutines run side by side without the
	// -parallel bound (GOMAXPROCS): the applies wait, they do not compute.
	var wg sync.WaitGroup
	for _, run := range runs {
		wg.Go(func() {
			t.Run(run.label, func(t *testing.T) {
				if run.stack.Name == "dev" && run.plans {
					// dev goes through rds-app-rehearse's own runner: one
					// apply for the command's test and the layer's checks.
					rehearseDev(t, schema, run.stack)
					return
				}
				ctx := context.Background()
				moto := testenv.StartMoto(t)
				tf, err := realprovider.NewTerraform(tfBin, filepath.Join(t.TempDir(), "apply"), moto.URL, mirror)
				require.NoError(t, err)
				r := &stackRun{t: t, stack: run.stack, schema: schema, tf: tf, moto: moto, variant: run.variant}
				r.apply(ctx)
				if t.Failed() {
					return
				}
				r.checkPlansAndDestroy(ctx, run.plans)
			})
		})
	}
	wg.Wait()
}

// rehearsalRun is one stack the layer applies and destroys (or is refused
// to destroy); with plans, its plans are checked in between.
type rehearsalRun struct {
	label string
	stack stacktest.Stack
	plans bool
	// variant: the stack with a setting changed (scale without its
	// replicas), not as shipped.
	variant bool
}

// apply translates the stack and applies it; every resource must be created
// or be a listed emulator gap.
func (r *stackRun) apply(ctx context.Context) {
	t := r.t
	r.tr = translateStack(t, r.schema, r.stack.Name, r.stack.Config)
	require.NoError(t, r.tf.WriteConfig(r.tr.Document))
	require.NoError(t, r.tf.Init(ctx))
	start := time.Now()
	applied, err := realprovider.ApplyStack(ctx, r.tf, r.tr, nil)
	require.NoError(t, err)
	r.applied = applied
	t.Logf("stack %s applied by terraform-provider-aws %s against moto in %s:\n%s",
		r.stack.Name, realprovider.ProviderVersion, time.Since(start).Round(time.Second), realprovider.FormatReport(applied.Rows))
	r.checkApplied()
}

// checkApplied: every resource was created or is a listed emulator gap,
// and most of the stack was really created.
func (r *stackRun) checkApplied() {
	t := r.t
	for _, row := range r.applied.Rows {
		switch row.Verdict {
		case realprovider.ProgramDefect:
			t.Errorf("program defect: %s: %s", row.Address, row.Detail)
		case realprovider.NotReached:
			t.Errorf("%s was never created: something it depends on failed", row.Address)
		}
	}
	assert.Less(t, len(r.applied.Gaps), len(r.applied.Rows)/4, "most of the stack must really be created")
}

// plan re-runs the program with cfg and plans it against the applied state.
func (r *stackRun) plan(ctx context.Context, t *testing.T, label string, cfg map[string]string) ([]realprovider.Change, *realprovider.Translation) {
	return r.planTranslation(ctx, t, label, translateStack(t, r.schema, r.stack.Name, cfg))
}

// planTranslation plans tr against the applied state, without the
// emulator's gaps and drift.
func (r *stackRun) planTranslation(ctx context.Context, t *testing.T, label string, tr *realprovider.Translation) ([]realprovider.Change, *realprovider.Translation) {
	changes, err := r.applied.Filter(ctx, r.rawPlan(ctx, t, label, tr))
	require.NoError(t, err)
	return changes, tr
}

// each runs the checks side by side, each as a subtest of its own (so that
// require stops only that check). The plans they make share
// terraformSlots.
func each(t *testing.T, checks map[string]func(t *testing.T)) {
	var wg sync.WaitGroup
	for name, check := range checks {
		wg.Go(func() { t.Run(name, check) })
	}
	wg.Wait()
}

// checkPlansAndDestroy checks the plans (when plans; else only Trivy's
// scan) and the destroy side by side: the plans start from the state as
// the apply left it (realprovider.Stack keeps it), or from none (Trivy's),
// and read nothing the destroy deletes, so the destroy need not wait for
// them.
func (r *stackRun) checkPlansAndDestroy(ctx context.Context, plans bool) {
	var wg sync.WaitGroup
	wg.Go(func() { r.t.Run("destroy", func(t *testing.T) { r.checkDestroy(ctx, t) }) })
	if plans {
		r.checkPlans(ctx)
	} else {
		r.t.Run("trivy", func(t *testing.T) { r.checkTrivy(ctx, t) })
	}
	wg.Wait()
}

// checkPlans asserts the provider's own plans: nothing without a change, an
// image change replaces nothing, a minor engine bump updates the database
// in place; for dev, every setting's plan is summarised and compared with
// the manual's table. The checks plan side by side, every plan attached to
// one provider process of the stack's (realprovider.SharedProvider).
func (r *stackRun) checkPlans(ctx context.Context) {
	t := r.t
	// A stack rehearsed through rds-app-rehearse's runner (dev) has its
	// provider process and slots from the runner, which plans its change
	// beside these checks.
	if r.applied.Reattach == "" {
		shared, err := r.tf.StartSharedProvider(ctx)
		require.NoError(t, err)
		defer shared.Stop()
		r.applied.Reattach, r.applied.Slots = shared.Reattach, terraformSlots
		defer func() { r.applied.Reattach = "" }()
	}
	start := time.Now()
	// The plan of the stack as applied, which every check's plan is set
	// against (Filter), is asked now, so that it shares the checks' first
	// Terraform run instead of one of its own.
	var baseline sync.WaitGroup
	baseline.Go(func() { _, _ = r.applied.Baseline(ctx) })
	defer baseline.Wait()

	checks := map[string]func(t *testing.T){}
	// The program run again on the same configuration plans nothing but
	// the emulator's drift (the plan of what was applied).
	checks["unchanged"] = func(t *testing.T) {
		again, _ := r.plan(ctx, t, "unchanged", r.stack.Config)
		assert.Empty(t, again, "running the same stack again must plan no change")
	}
	// What the container sees reaches it through the rollout, and replaces
	// nothing: not the host, not the database.
	for _, sc := range []settingChange{
		{Key: "app.image", Value: "public.ecr.aws/docker/library/nginx:1.29-alpine"},
		{Key: "app.environment", Value: map[string]string{"NODE_ENV": "production", "FEATURE_X": "on"}},
		{Key: "app.secretNames", Value: []string{"APP_KEYS", "EXTRA_SECRET"}},
		{Key: "database.port", Value: 5433},
	} {
		checks["new "+sc.Key] = func(t *testing.T) { r.checkReachesTheContainer(ctx, t, sc) }
	}
	// What bin/rds-app-ship deploys: the same repository at a new digest.
	// It is a new release and nothing else.
	checks["new digest"] = func(t *testing.T) {
		img, err := awsfacts.ParseImage(stacktest.Parse(t, r.stack).App.Image)
		require.NoError(t, err)
		r.checkReachesTheContainer(ctx, t, settingChange{Key: "app.image", Value: img.Domain + "/" + img.Repository + "@sha256:" + strings.Repeat("5", 64)})
	}
	// What bin/rds-app-ship --rollback deploys: the previous release's
	// image, as the previousRelease output names it (tag and digest),
	// with today's settings. The emulator's stack has one release, so the
	// shipped image pinned to another digest stands for the previous one.
	checks["rollback"] = func(t *testing.T) {
		img, err := awsfacts.ParseImage(stacktest.Parse(t, r.stack).App.Image)
		require.NoError(t, err)
		tag := img.Tag
		if tag == "" {
			tag = "previous"
		}
		r.checkReachesTheContainer(ctx, t, settingChange{Key: "app.image", Value: img.Domain + "/" + img.Repository + ":" + tag + "@sha256:" + strings.Repeat("6", 64)})
	}
	checks["password rotation"] = func(t *testing.T) { r.checkPasswordRotation(ctx, t) }
	checks["minor engine version"] = func(t *testing.T) {
		minor, _ := r.plan(ctx, t, "database.engineVersion", stacktest.WithSetting(t, r.stack.Config, "database.engineVersion", "17.5"))
		db := changeOfType(minor, "aws_db_instance")
		if assert.NotNil(t, db, "a minor version bump must change the database") {
			assert.Equal(t, []string{"update"}, db.Actions, "a minor version bump must update %s in place", db.Address)
		}
	}
	checks["newer AMI"] = func(t *testing.T) { r.checkNewerAMI(ctx, t) }
	checks["trivy"] = func(t *testing.T) { r.checkTrivy(ctx, t) }
	if r.grouped() {
		checks["back to one host"] = func(t *testing.T) { r.checkBackToOneHost(ctx, t) }
	}
	if r.stack.Name == "dev" {
		checks["what a change does"] = func(t *testing.T) { r.checkSettingTable(ctx, t) }
	}
	each(t, checks)
	t.Logf("stack %s: %d plans, in %d Terraform runs, in %s", r.stack.Name, r.applied.Plans(), r.applied.PlanRuns(), time.Since(start).Round(time.Second))
}

// checkReachesTheContainer: a change of sc's key reaches the container
// (the rollout runs again, or the group rolls) and replaces neither the
// host nor the database.
func (r *stackRun) checkReachesTheContainer(ctx context.Context, t *testing.T, sc settingChange) {
	changes, tr := r.plan(ctx, t, sc.Key, stacktest.WithSetting(t, r.stack.Config, sc.Key, sc.Value))
	assert.NotEmpty(t, changes, "%s must change something", sc.Key)
	for _, c := range changes {
		if c.Type == "aws_instance" || c.Type == "aws_db_instance" {
			assert.False(t, c.Replaced(), "a new %s replaces %s (%v)", sc.Key, c.Address, c.ReplacePaths)
		}
	}
	if r.grouped() {
		r.checkOnlyRollsTheGroup(t, sc.Key, changes)
	}
	if db := stacktest.Parse(t, r.stack).Database; sc.Key == "database.port" && db.Proxy && db.ReadReplicas == 0 {
		// The hosts reach the proxy, on its own port: the connection
		// secret, and so the release, stay as they are.
		assert.Nil(t, changeOfType(changes, "aws_s3_object"), "a new database.port behind the proxy changes no release")
		return
	}
	r.checkNewRelease(t, sc.Key, changes)
	assert.True(t, r.redeploys(changes, tr), "a new %s must redeploy the container", sc.Key)
}

// checkNewRelease: a change the container sees writes a new version of
// the release record (an update in place: the bucket keeps the older
// versions) and deletes no release. In a group
// the group itself is not changed: the rollout step moves it to the new
// template version, by an instance refresh, only once that succeeds.
func (r *stackRun) checkNewRelease(t *testing.T, key string, changes []realprovider.Change) {
	record := changeOfType(changes, "aws_s3_object")
	if assert.NotNil(t, record, "a new %s must write a new release", key) {
		assert.Equal(t, []string{"update"}, record.Actions, "a new %s must write a new version of %s, not replace it", key, record.Address)
	}
	for _, c := range changes {
		if c.Type == "aws_s3_object" || c.Type == "aws_s3_bucket" {
			assert.False(t, c.Replaced() || slices.Contains(c.Actions, "delete"), "a new %s deletes %s: no release may go", key, c.Address)
		}
		if r.grouped() {
			assert.NotEqual(t, "aws_autoscaling_group", c.Type, "a new %s changes the group (%v): only the rollout step moves it", key, c.Attributes)
		}
	}
}

// checkSettingTable: on dev, every setting's plan is what the settings
// table says a change does, and the manual shows it.
func (r *stackRun) checkSettingTable(ctx context.Context, t *testing.T) {
	rows := r.settingTable(ctx, t)
	for i, row := range rows {
		// The settings table says what a change does; the plan must agree.
		want := string(settingChanges[i].Effect)
		switch settingChanges[i].Effect {
		case config.ReplacesHost, config.ReplacesDatabase, config.ReplacesHostWithGroup:
			want = "**" + want + "**"
		}
		assert.Equal(t, want, row.Verdict, "%s: config/settings.go says a change does %q, the provider plans %q", row.Key, want, row.Verdict)
	}
	if t.Failed() {
		return
	}
	table := formatSettingTable(rows)
	t.Logf("what a change does (dev):\n%s", table)
	checkManualBlock(t, "plan-table", table)
}

// checkPasswordRotation: a new database.passwordVersion sets a new master
// password on the same instance, in place, writes the connection secret's
// new version and a new release naming it, rolls it out, and changes
// nothing else.
func (r *stackRun) checkPasswordRotation(ctx context.Context, t *testing.T) {
	changes, tr := r.plan(ctx, t, "database.passwordVersion", stacktest.WithSetting(t, r.stack.Config, "database.passwordVersion", 2))
	got := map[string]string{}
	for _, c := range changes {
		// A replacement is told by what forces it; an update by what changes.
		if c.Replaced() {
			got[c.Type] = "replace " + strings.Join(c.ReplacePaths, ",")
			continue
		}
		got[c.Type] = strings.Join(c.Actions, ",") + " " + strings.Join(c.Attributes, ",")
	}
	want := map[string]string{
		"aws_db_instance":                   "update password",
		"aws_secretsmanager_secret_version": "replace secret_string",
		"aws_s3_object":                     "update content,version_id",
	}
	if r.grouped() {
		// A new template version, and the history it joins once rolled out
		// (on one host the history waits for the rollout, an emulator gap).
		want["aws_launch_template"] = "update tag_specifications"
		want["aws_ssm_parameter"] = "update insecure_value"
	}
	assert.Equal(t, want, got, "a rotation changes the password of the same instance, the secret's value and the release, and nothing else")
	assert.True(t, r.redeploys(changes, tr), "a rotation redeploys the container")
}

// checkNewerAMI: a newer Amazon Linux release behind AWS's public "latest
// AMI" parameter changes nothing on the host. The emulator's public
// parameter cannot be rewritten, so the program's lookup is pointed at a
// parameter holding another AMI that moto knows.
func (r *stackRun) checkNewerAMI(ctx context.Context, t *testing.T) {
	const newer = "/rds-app-test/al2023-newer"
	r.moto.PutParameter(t, newer, "ami-0f11cbb02d426f673")
	tr := translateStack(t, r.schema, r.stack.Name, r.stack.Config)
	lookups := tr.Document["data"].(map[string]map[string]any)["aws_ssm_parameter"]
	require.NotEmpty(t, lookups, "the host's AMI comes from a parameter lookup")
	for _, body := range lookups {
		body.(map[string]any)["name"] = newer
	}
	changes, _ := r.planTranslation(ctx, t, "newer AMI", tr)
	assert.Empty(t, changes, "a newer AMI behind the public parameter must not change the host (or anything)")
}

// checkBackToOneHost: moving a group's stack back to one host (app.hosts 1,
// no app.scaling) deletes the group, its template and the load balancer,
// creates the host with its Elastic IP and rollout, and leaves the
// database alone. docs/deploys.md, "Scaling out", shows the plan.
func (r *stackRun) checkBackToOneHost(ctx context.Context, t *testing.T) {
	cfg := stacktest.WithSetting(t, r.stack.Config, "app.hosts", 1)
	var app map[string]any
	require.NoError(t, json.Unmarshal([]byte(cfg[pulumitest.Project+":app"]), &app))
	delete(app, "scaling")
	data, err := json.Marshal(app)
	require.NoError(t, err)
	cfg[pulumitest.Project+":app"] = string(data)
	changes, tr := r.plan(ctx, t, "one host", cfg)
	s := realprovider.Summarise(changes, tr, nil)
	assert.Equal(t, "replaces the hosts behind a load balancer with one host", s.Verdict())
	assert.False(t, s.ReplacesDatabase(), "moving to one host must leave the database alone")
	for _, typ := range []string{"aws_lb", "aws_lb_target_group", "aws_launch_template"} {
		assert.True(t, hasChange(s.Deleted, typ), "moving to one host deletes the %s", typ)
	}
	for _, typ := range []string{"aws_eip", "aws_network_interface"} {
		assert.True(t, hasChange(s.Created, typ), "moving to one host creates the %s", typ)
	}
	_, plan := s.Markdown()
	t.Logf("stack %s back to one host plans: %s", r.stack.Name, plan)
}

func hasChange(changes []realprovider.Change, typ string) bool {
	return changeOfType(changes, typ) != nil
}

// rawPlan is the provider's plan of tr, as it is.
func (r *stackRun) rawPlan(ctx context.Context, t *testing.T, label string, tr *realprovider.Translation) []realprovider.Change {
	planned, err := r.applied.PlanRaw(ctx, label, tr)
	require.NoError(t, err, "planning %s", label)
	return planned
}

// grouped reports whether the stack runs its hosts in an Auto Scaling group.
func (r *stackRun) grouped() bool {
	for addr := range r.tr.Addresses {
		if strings.HasPrefix(addr, "aws_autoscaling_group.") {
			return true
		}
	}
	return false
}

// redeploys reports whether a plan brings a new release to the running
// application: on one host the rollout runs again; in a group the launch
// template gets a new version, which rolls the group.
//
// The group's side is the provider's: the group names the template's
// latest version, a number, which the translation can only give as the
// value it has now (the program turns it into a string), so here the group
// never follows; the mock tests check that it names the latest version.
func (r *stackRun) redeploys(changes []realprovider.Change, tr *realprovider.Translation) bool {
	if r.grouped() {
		c := changeOfType(changes, "aws_launch_template")
		return c != nil && slices.Equal(c.Actions, []string{"update"}) && slices.Contains(c.Attributes, "tag_specifications")
	}
	return rerunsRollout(realprovider.GapsAffected(r.tr, tr, changes, r.applied.Gaps))
}

// checkOnlyRollsTheGroup: a change the container must see, in a group,
// updates the launch template and the group in place (an instance refresh)
// and replaces nothing: not the load balancer, its listeners or target
// group, not the database.
func (r *stackRun) checkOnlyRollsTheGroup(t *testing.T, key string, changes []realprovider.Change) {
	for _, c := range changes {
		// A secret's new value is a new version: the one replacement.
		if c.Type != "aws_secretsmanager_secret_version" {
			assert.False(t, c.Replaced(), "a new %s replaces %s (%v)", key, c.Address, c.ReplacePaths)
		}
		switch c.Type {
		case "aws_db_instance", "aws_db_proxy":
			if strings.HasPrefix(key, "database.") {
				continue // database.port is the instance's own
			}
			t.Errorf("a new %s changes %s (%v): it must only roll the group", key, c.Address, c.Attributes)
		case "aws_lb", "aws_lb_listener", "aws_lb_target_group":
			t.Errorf("a new %s changes %s (%v): it must only roll the group", key, c.Address, c.Attributes)
		}
	}
}

// rerunsRollout reports whether the rollout association is among addrs.
func rerunsRollout(addrs []string) bool {
	for _, a := range addrs {
		if strings.HasPrefix(a, "aws_ssm_association.") {
			return true
		}
	}
	return false
}

func changeOfType(changes []realprovider.Change, typ string) *realprovider.Change {
	for i := range changes {
		if changes[i].Type == typ {
			return &changes[i]
		}
	}
	return nil
}

// checkDestroy: dev is destroyed and leaves only what is retained on
// purpose; a protected stack refuses to plan its destruction.
func (r *stackRun) checkDestroy(ctx context.Context, t *testing.T) {
	if len(r.tr.Protected) > 0 {
		_, err := r.tf.Plan(ctx, "-destroy")
		require.Error(t, err, "destroying %s must be refused: %v are protected", r.stack.Name, r.tr.Protected)
		for _, addr := range r.tr.Protected {
			assert.Contains(t, err.Error(), addr)
		}
		assert.Contains(t, err.Error(), "prevent_destroy")
		state := r.state(t)
		for _, addr := range r.tr.Protected {
			if strings.HasPrefix(addr, "aws_db_instance.") {
				assert.Equal(t, true, state[addr]["deletion_protection"], "%s: RDS deletion protection", addr)
			}
		}
		return
	}
	applied, err := r.tf.State()
	require.NoError(t, err)
	// A resource the emulator cannot delete (a listed gap) leaves the state
	// as if deleted, and the destroy goes on with the rest.
	td, err := r.tf.DestroyAll(ctx, r.tr, nil)
	require.NoError(t, err)
	for _, row := range td.Failures {
		t.Errorf("destroying %s: %s: %s", row.Address, row.Verdict, row.Detail)
	}
	if t.Failed() {
		return
	}
	gaps := td.Gaps
	// What still exists, as the provider reads it.
	left, err := r.tf.Surviving(ctx, filepath.Join(t.TempDir(), "after-destroy"), applied, r.tr)
	require.NoError(t, err)
	t.Logf("stack %s destroyed; still there: %v (retained on purpose: %v; emulator gaps: %v)", r.stack.Name, left, r.tr.Retained, gaps)
	assert.ElementsMatch(t, append(append([]string{}, r.tr.Retained...), gaps...), left,
		"after a destroy only what the program retains on purpose may remain (docs/operations.md, Tearing down)")
}

// state reads the applied state's attributes per address.
func (r *stackRun) state(t *testing.T) map[string]map[string]any {
	data, err := r.tf.State()
	require.NoError(t, err)
	st, err := realprovider.StateResources(data)
	require.NoError(t, err)
	return st
}
