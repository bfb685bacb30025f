package realprovider_test

// The real-provider layer: every shipped stack is recorded under mocks,
// translated to Terraform JSON and applied by terraform-provider-aws 5.100
// (the provider pulumi-aws v6.83 wraps) against moto_server. Then one
// setting at a time is changed and the provider's own plan says what the
// change would update or replace, and the stack is destroyed.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/realprovider"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/rds-app/rds-app/program"
)

const terraformPath = "/usr/local/bin/terraform"

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

// realProviderTools finds terraform, the provider mirror and moto_server,
// or skips (fails in CI).
func realProviderTools(t *testing.T) (tfBin, mirror, motoBin string) {
	t.Helper()
	tfBin = testenv.RequireTool(t, "terraform", terraformPath)
	motoBin = testenv.RequireTool(t, "moto_server")
	mirror = realprovider.MirrorDir()
	if mirror == "" {
		msg := "the terraform-provider-aws " + realprovider.ProviderVersion + " mirror is missing (" + realprovider.DefaultMirror + " or $RDS_APP_TF_MIRROR)"
		if testenv.InCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return tfBin, mirror, motoBin
}

// rehearsal is one stack applied against its own emulator.
type rehearsal struct {
	t      *testing.T
	stack  stacktest.Stack
	schema *realprovider.Schema
	tf     *realprovider.Terraform
	moto   *realprovider.Moto
	tr     *realprovider.Translation
	// gaps are the resources the emulator could not create: every plan
	// shows them as still to be created, which says nothing of a change.
	gaps map[string]bool
	// baseline is the plan of the unchanged stack: what the emulator's
	// drift alone makes the provider want to change.
	baseline []realprovider.Change
}

// translateStack runs the program for stack with cfg under the recorder and
// translates what it registered.
func translateStack(t *testing.T, schema *realprovider.Schema, stack string, cfg map[string]string) *realprovider.Translation {
	t.Helper()
	tr, err := realprovider.Record(schema, realprovider.MotoFacts(pulumitest.Region), pulumitest.Project, stack, program.Run, stacktest.WithRegion(cfg))
	require.NoError(t, err, "running the program for stack %s", stack)
	return tr
}

func TestRealProvider(t *testing.T) {
	tfBin, mirror, motoBin := realProviderTools(t)
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
			rehearsalRun{label: s.Name + " without replicas", stack: without, plans: true})
	}
	for _, run := range runs {
		s := run.stack
		t.Run(run.label, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			motoLog, err := os.Create(filepath.Join(t.TempDir(), "moto.log"))
			require.NoError(t, err)
			moto, err := realprovider.StartMoto(ctx, motoBin, motoLog)
			require.NoError(t, err)
			t.Cleanup(moto.Stop)
			tf, err := realprovider.NewTerraform(tfBin, filepath.Join(t.TempDir(), "apply"), moto.URL, mirror)
			require.NoError(t, err)
			r := &rehearsal{t: t, stack: s, schema: schema, tf: tf, moto: moto}
			r.apply(ctx)
			if t.Failed() {
				return
			}
			if run.plans {
				r.checkPlans(ctx)
			}
			r.checkDestroy(ctx)
		})
	}
}

// rehearsalRun is one stack the layer applies and destroys (or is refused
// to destroy); with plans, its plans are checked in between.
type rehearsalRun struct {
	label string
	stack stacktest.Stack
	plans bool
}

// apply translates the stack and applies it; every resource must be created
// or be a listed emulator gap.
func (r *rehearsal) apply(ctx context.Context) {
	t := r.t
	r.tr = translateStack(t, r.schema, r.stack.Name, r.stack.Config)
	require.NoError(t, r.tf.WriteConfig(r.tr.Document))
	require.NoError(t, r.tf.Init(ctx))
	start := time.Now()
	res, err := r.tf.Apply(ctx, nil)
	require.NoError(t, err)
	rows := realprovider.Report(r.tr, res)
	t.Logf("stack %s applied by terraform-provider-aws %s against moto in %s:\n%s",
		r.stack.Name, realprovider.ProviderVersion, time.Since(start).Round(time.Second), realprovider.FormatReport(rows))
	r.gaps = map[string]bool{}
	for _, row := range rows {
		switch row.Verdict {
		case realprovider.ProgramDefect:
			t.Errorf("program defect: %s: %s", row.Address, row.Detail)
		case realprovider.NotReached:
			t.Errorf("%s was never created: something it depends on failed", row.Address)
		case realprovider.EmulatorGap:
			r.gaps[row.Address] = true
		}
	}
	assert.Less(t, len(r.gaps), len(rows)/4, "most of the stack must really be created")
}

// plan re-runs the program with cfg and plans it against the applied state.
func (r *rehearsal) plan(ctx context.Context, label string, cfg map[string]string) ([]realprovider.Change, *realprovider.Translation) {
	return r.planTranslation(ctx, label, translateStack(r.t, r.schema, r.stack.Name, cfg))
}

// planTranslation plans tr against the applied state, without the
// emulator's gaps and drift.
func (r *rehearsal) planTranslation(ctx context.Context, label string, tr *realprovider.Translation) ([]realprovider.Change, *realprovider.Translation) {
	return r.filter(r.rawPlan(ctx, label, tr)), tr
}

// filter drops from a plan the emulator's gaps and drift.
func (r *rehearsal) filter(planned []realprovider.Change) []realprovider.Change {
	return realprovider.Meaningful(planned, r.baseline, r.gaps)
}

// checkPlans asserts the provider's own plans: nothing without a change, an
// image change replaces nothing, a minor engine bump updates the database
// in place; for dev, every setting's plan is summarised and compared with
// README's table.
func (r *rehearsal) checkPlans(ctx context.Context) {
	t := r.t
	r.baseline = r.rawPlan(ctx, "unchanged", translateStack(t, r.schema, r.stack.Name, r.stack.Config))
	assert.Empty(t, r.filter(r.baseline), "running the same stack again must plan no change")

	// What the container sees reaches it through the rollout, and replaces
	// nothing: not the host, not the database.
	for _, sc := range []settingChange{
		{Key: "app.image", Value: "public.ecr.aws/docker/library/nginx:1.29-alpine"},
		{Key: "app.environment", Value: map[string]string{"NODE_ENV": "production", "FEATURE_X": "on"}},
		{Key: "app.secretNames", Value: []string{"APP_KEYS", "EXTRA_SECRET"}},
		{Key: "database.port", Value: 5433},
	} {
		changes, tr := r.plan(ctx, sc.Key, stacktest.WithSetting(t, r.stack.Config, sc.Key, sc.Value))
		assert.NotEmpty(t, changes, "%s must change something", sc.Key)
		for _, c := range changes {
			if c.Type == "aws_instance" || c.Type == "aws_db_instance" {
				assert.False(t, c.Replaced(), "a new %s replaces %s (%v)", sc.Key, c.Address, c.ReplacePaths)
			}
		}
		if r.grouped() {
			r.checkOnlyRollsTheGroup(sc.Key, changes)
			if sc.Key == "app.secretNames" || sc.Key == "database.port" {
				// These reach the hosts through a secret's new version; the
				// release tag hashes the version IDs, which the translation
				// cannot follow through a hash. TestReleaseTag (compute)
				// checks that a new version makes a new tag.
				continue
			}
		}
		assert.True(t, r.redeploys(changes, tr), "a new %s must redeploy the container", sc.Key)
	}

	r.checkPasswordRotation(ctx)

	minor, _ := r.plan(ctx, "database.engineVersion", stacktest.WithSetting(t, r.stack.Config, "database.engineVersion", "17.5"))
	db := changeOfType(minor, "aws_db_instance")
	if assert.NotNil(t, db, "a minor version bump must change the database") {
		assert.Equal(t, []string{"update"}, db.Actions, "a minor version bump must update %s in place", db.Address)
	}

	r.checkNewerAMI(ctx)
	if r.grouped() {
		r.checkBackToOneHost(ctx)
	}

	if r.stack.Name != "dev" {
		return
	}
	rows := r.settingTable(ctx)
	for i, row := range rows {
		// The settings table says what a change does; the plan must agree.
		want := string(settingChanges[i].Effect)
		switch settingChanges[i].Effect {
		case config.ReplacesHost, config.ReplacesDatabase, config.ReplacesHostWithGroup:
			want = "**" + want + "**"
		}
		assert.Equal(t, want, row.Verdict, "%s: config/settings.go says a change does %q, the provider plans %q", row.Key, want, row.Verdict)
	}
	table := formatSettingTable(rows)
	t.Logf("what a change does (dev):\n%s", table)
	checkManualBlock(t, "plan-table", table)
}

// checkPasswordRotation: a new database.passwordVersion sets a new master
// password on the same instance, in place, writes the connection secret's
// new version and reruns the rollout, and changes nothing else.
func (r *rehearsal) checkPasswordRotation(ctx context.Context) {
	t := r.t
	changes, tr := r.plan(ctx, "database.passwordVersion", stacktest.WithSetting(t, r.stack.Config, "database.passwordVersion", 2))
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
	}
	assert.Equal(t, want, got, "a rotation changes the password of the same instance and the secret's value, and nothing else")
	if r.grouped() {
		// In a group the secret's new version makes a new release tag (a
		// hash the translation cannot follow; TestReleaseTag checks it).
		return
	}
	assert.True(t, r.redeploys(changes, tr), "a rotation redeploys the container")
}

// checkNewerAMI: a newer Amazon Linux release behind AWS's public "latest
// AMI" parameter changes nothing on the host. The emulator's public
// parameter cannot be rewritten, so the program's lookup is pointed at a
// parameter holding another AMI that moto knows.
func (r *rehearsal) checkNewerAMI(ctx context.Context) {
	t := r.t
	const newer = "/rds-app-test/al2023-newer"
	require.NoError(t, r.moto.PutParameter(pulumitest.Region, newer, "ami-0f11cbb02d426f673"))
	tr := translateStack(t, r.schema, r.stack.Name, r.stack.Config)
	lookups := tr.Document["data"].(map[string]map[string]any)["aws_ssm_parameter"]
	require.NotEmpty(t, lookups, "the host's AMI comes from a parameter lookup")
	for _, body := range lookups {
		body.(map[string]any)["name"] = newer
	}
	changes, _ := r.planTranslation(ctx, "newer AMI", tr)
	assert.Empty(t, changes, "a newer AMI behind the public parameter must not change the host (or anything)")
}

// checkBackToOneHost: moving a group's stack back to one host (app.hosts 1,
// no app.scaling) deletes the group, its template and the load balancer,
// creates the host with its Elastic IP and rollout, and leaves the
// database alone. README's "Scaling out" shows the plan.
func (r *rehearsal) checkBackToOneHost(ctx context.Context) {
	t := r.t
	cfg := stacktest.WithSetting(t, r.stack.Config, "app.hosts", 1)
	var app map[string]any
	require.NoError(t, json.Unmarshal([]byte(cfg[pulumitest.Project+":app"]), &app))
	delete(app, "scaling")
	data, err := json.Marshal(app)
	require.NoError(t, err)
	cfg[pulumitest.Project+":app"] = string(data)
	changes, tr := r.plan(ctx, "one host", cfg)
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
func (r *rehearsal) rawPlan(ctx context.Context, label string, tr *realprovider.Translation) []realprovider.Change {
	t := r.t
	dir := filepath.Join(t.TempDir(), "plan-"+strings.NewReplacer("/", "_", ".", "_", " ", "_").Replace(label))
	tf, err := r.tf.Clone(dir)
	require.NoError(t, err)
	require.NoError(t, tf.WriteConfig(tr.Document))
	planned, err := tf.Plan(ctx)
	require.NoError(t, err, "planning %s", label)
	return planned
}

// grouped reports whether the stack runs its hosts in an Auto Scaling group.
func (r *rehearsal) grouped() bool {
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
func (r *rehearsal) redeploys(changes []realprovider.Change, tr *realprovider.Translation) bool {
	if r.grouped() {
		c := changeOfType(changes, "aws_launch_template")
		return c != nil && slices.Equal(c.Actions, []string{"update"}) && slices.Contains(c.Attributes, "tag_specifications")
	}
	return rerunsRollout(realprovider.GapsAffected(r.tr, tr, changes, r.gaps))
}

// checkOnlyRollsTheGroup: a change the container must see, in a group,
// updates the launch template and the group in place (an instance refresh)
// and replaces nothing: not the load balancer, its listeners or target
// group, not the database.
func (r *rehearsal) checkOnlyRollsTheGroup(key string, changes []realprovider.Change) {
	for _, c := range changes {
		// A secret's new value is a new version: the one replacement.
		if c.Type != "aws_secretsmanager_secret_version" {
			assert.False(r.t, c.Replaced(), "a new %s replaces %s (%v)", key, c.Address, c.ReplacePaths)
		}
		switch c.Type {
		case "aws_db_instance", "aws_db_proxy":
			if strings.HasPrefix(key, "database.") {
				continue // database.port is the instance's own
			}
			r.t.Errorf("a new %s changes %s (%v): it must only roll the group", key, c.Address, c.Attributes)
		case "aws_lb", "aws_lb_listener", "aws_lb_target_group":
			r.t.Errorf("a new %s changes %s (%v): it must only roll the group", key, c.Address, c.Attributes)
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
func (r *rehearsal) checkDestroy(ctx context.Context) {
	t := r.t
	if len(r.tr.Protected) > 0 {
		_, err := r.tf.Plan(ctx, "-destroy")
		require.Error(t, err, "destroying %s must be refused: %v are protected", r.stack.Name, r.tr.Protected)
		for _, addr := range r.tr.Protected {
			assert.Contains(t, err.Error(), addr)
		}
		assert.Contains(t, err.Error(), "prevent_destroy")
		state := r.state()
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
		"after a destroy only what the program retains on purpose may remain (README, Tearing down)")
}

// state reads the applied state's attributes per address.
func (r *rehearsal) state() map[string]map[string]any {
	data, err := r.tf.State()
	require.NoError(r.t, err)
	st, err := realprovider.StateResources(data)
	require.NoError(r.t, err)
	return st
}
