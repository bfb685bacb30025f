package program_test

// Day-2 operations, checked on every shipped stack as the real program
// builds it: someone can be paged, the host heals itself, the dashboard
// graphs what every alarm watches, the database's events are heard,
// Database Insights is stated, and prod proves its backups restore.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/iampolicy"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/stacktest/mockrun"
	"github.com/rds-app/rds-app/ops/thresholds"
)

const (
	typeAlarm        = "aws:cloudwatch/metricAlarm:MetricAlarm"
	typeTopic        = "aws:sns/topic:Topic"
	typeEventSub     = "aws:rds/eventSubscription:EventSubscription"
	typeRestorePlan  = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
	typeRestoreSel   = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
	typeBackupSel    = "aws:backup/selection:Selection"
	typeDashboard    = "aws:cloudwatch/dashboard:Dashboard"
	recoverActionArn = "arn:aws:automate:eu-west-1:ec2:recover"
)

func TestEveryStackIsWatched(t *testing.T) {
	for _, s := range stacktest.Shipped(t) {
		t.Run(s.Name, func(t *testing.T) {
			r := mockrun.RunProgram(t, s.Name, s.Config)
			require.NoError(t, r.Err)
			cfg := stacktest.Parse(t, s)
			m := r.Mocks
			// The primary; read replicas are instances too.
			db := m.Named(t, typeDB, "database")
			topic := m.One(t, typeTopic)
			topicArn := topic.Outputs["arn"].StringValue()

			t.Run("an encrypted topic", func(t *testing.T) {
				key := m.Named(t, typeKey, "ops-topic-key")
				assert.Equal(t, key.Outputs["arn"].StringValue(), topic.Str("kmsMasterKeyId"))
				var policy iampolicy.Document
				require.NoError(t, json.Unmarshal([]byte(key.Str("policy")), &policy))
				var services []string
				for _, st := range policy.Statement {
					if svc := st.Principal["Service"]; svc != "" {
						services = append(services, svc)
						assert.Equal(t, topicArn, st.Condition["StringEquals"]["kms:EncryptionContext:aws:sns:topicArn"])
					}
				}
				assert.Subset(t, services, []string{"cloudwatch.amazonaws.com", "events.rds.amazonaws.com", "backup.amazonaws.com"})
			})
			t.Run("alarms that page and heal", func(t *testing.T) {
				alarms := m.OfType(typeAlarm)
				require.True(t, cfg.Ops.Alarms, "every shipped stack has alarms")
				assert.GreaterOrEqual(t, len(alarms), 6)
				recovers := false
				for _, a := range alarms {
					assert.Contains(t, strs(a.Input("alarmActions")), topicArn, a.Name)
					assert.Equal(t, []string{topicArn}, strs(a.Input("okActions")), a.Name)
					recovers = recovers || slices.Contains(strs(a.Input("alarmActions")), recoverActionArn)
					if cfg.App.LoadBalanced() {
						assert.Equal(t, []string{topicArn}, strs(a.Input("alarmActions")), "%s: the group replaces hosts, EC2 acts on none", a.Name)
					}
				}
				assert.Equal(t, !cfg.App.LoadBalanced(), recovers, "a failed system check recovers the single host")
				// The figures are the stack's own, from its classes and storage.
				want, err := thresholds.Alarms(thresholds.Deployment{Database: cfg.Database, App: cfg.App})
				require.NoError(t, err)
				require.Len(t, alarms, len(want))
				for _, a := range want {
					assert.Equal(t, a.Threshold, m.Named(t, typeAlarm, "ops-"+a.Key).Input("threshold").NumberValue(), a.Key)
				}
			})
			t.Run("a dashboard of what the alarms watch", func(t *testing.T) {
				assertDashboardShowsAlarms(t, m)
			})
			t.Run("database events", func(t *testing.T) {
				sub := m.Named(t, typeEventSub, "ops-database-events")
				assert.Equal(t, topicArn, sub.Str("snsTopic"))
				assert.Equal(t, []string{db.Str("identifier")}, strs(sub.Input("sourceIds")))
				subs := 1
				if cfg.Database.ReadReplicas > 0 {
					subs++
					replicas := m.Named(t, typeEventSub, "ops-replica-events")
					assert.Equal(t, topicArn, replicas.Str("snsTopic"))
					assert.Len(t, strs(replicas.Input("sourceIds")), cfg.Database.ReadReplicas)
				}
				if cfg.Database.Proxy {
					subs++
					proxy := m.Named(t, typeEventSub, "ops-proxy-events")
					assert.Equal(t, topicArn, proxy.Str("snsTopic"))
					assert.Equal(t, "db-proxy", proxy.Str("sourceType"))
				}
				assert.Len(t, m.OfType(typeEventSub), subs)
			})
			t.Run("Database Insights stated", func(t *testing.T) {
				assert.Equal(t, cfg.Database.InsightsMode, db.Str("databaseInsightsMode"))
				assert.NotEmpty(t, db.Str("databaseInsightsMode"))
				assert.True(t, db.Input("performanceInsightsEnabled").BoolValue())
			})
			t.Run("backups restored on a schedule", func(t *testing.T) {
				if !cfg.Ops.BackupPlan {
					assert.Empty(t, m.OfType(typeRestorePlan))
					assert.False(t, m.Named(t, typeKey, "database-key").Request.GetRetainOnDelete() && cfg.Database.SkipFinalSnapshot)
					return
				}
				m.One(t, typeRestorePlan)
				assert.Equal(t, []string{db.Outputs["arn"].StringValue()}, strs(m.One(t, typeRestoreSel).Input("protectedResourceArns")))
				assert.Equal(t, []string{db.Outputs["arn"].StringValue()}, strs(m.One(t, typeBackupSel).Input("resources")))
				assert.True(t, m.Named(t, typeKey, "database-key").Request.GetRetainOnDelete(), "the recovery points need the database's key")
			})
		})
	}
}

// TestShippedOpsChoices: dev pages but does not pay for AWS Backup; prod
// proves its backups.
func TestShippedOpsChoices(t *testing.T) {
	for _, s := range stacktest.Shipped(t) {
		cfg := stacktest.Parse(t, s)
		switch s.Name {
		case "dev":
			assert.True(t, cfg.Ops.Alarms)
			assert.False(t, cfg.Ops.BackupPlan)
		case "prod":
			assert.True(t, cfg.Ops.Alarms)
			assert.True(t, cfg.Ops.BackupPlan, "prod restores its backups every week")
		}
	}
}

// TestDevWithoutAlarms: ops.alarms off removes the alarms only; the topic,
// the events, the host's health reporter and the dashboard (without the
// alarms' lines) stay, so turning alarms back on never touches the host.
func TestDevWithoutAlarms(t *testing.T) {
	dev := stacktest.Named(t, "dev")
	on := mockrun.RunProgram(t, "dev", dev.Config)
	require.NoError(t, on.Err)
	off := mockrun.RunProgram(t, "dev", stacktest.WithSetting(t, dev.Config, "ops.alarms", false))
	require.NoError(t, off.Err)
	assert.NotEmpty(t, on.Mocks.OfType(typeAlarm))
	assert.Empty(t, off.Mocks.OfType(typeAlarm))
	off.Mocks.One(t, typeTopic)
	off.Mocks.One(t, typeEventSub)
	assert.Equal(t, mockrun.UserDataOf(t, on), mockrun.UserDataOf(t, off), "the host is the same either way")
	// The dashboard stays, its graphs without the alarms' lines.
	on.Mocks.One(t, typeDashboard)
	body := off.Mocks.One(t, typeDashboard).Str("dashboardBody")
	assert.NotContains(t, body, `"annotations"`)
	assert.NotContains(t, body, `"type":"alarm"`)
	assert.Equal(t, without(inputsOf(on), typeAlarm, typeDashboard), without(inputsOf(off), typeAlarm, typeDashboard), "nothing else changes")
}

// TestPasswordRotationChangesOnlyThePassword: a new passwordVersion gives
// the password resource a new keeper, so a new value, and nothing else the
// program registers changes. The real-provider plan (docs/configuration.md, What a change
// does) shows what follows from the new value: the database updated in
// place, the secret's new version, the rollout.
func TestPasswordRotationChangesOnlyThePassword(t *testing.T) {
	dev := stacktest.Named(t, "dev")
	before := mockrun.RunProgram(t, "dev", dev.Config)
	require.NoError(t, before.Err)
	after := mockrun.RunProgram(t, "dev", stacktest.WithSetting(t, dev.Config, "database.passwordVersion", 2))
	require.NoError(t, after.Err)
	const typePassword = "random:index/randomPassword:RandomPassword"
	assert.True(t, before.Mocks.Named(t, typePassword, "database-master-password").Input("keepers").IsNull())
	assert.Equal(t, map[string]any{"passwordVersion": "2"},
		after.Mocks.Named(t, typePassword, "database-master-password").Input("keepers").ObjectValue().Mappable())
	b, a := inputsOf(before), inputsOf(after)
	delete(b, typePassword+"::database-master-password")
	delete(a, typePassword+"::database-master-password")
	assert.Equal(t, without(b), without(a))
	assert.Equal(t, before.Mocks.One(t, "random:index/randomId:RandomId").Inputs, after.Mocks.One(t, "random:index/randomId:RandomId").Inputs,
		"the instance identifier stays")
}

// inputsOf is every registration's inputs as JSON, by type and name. The
// mock numbers its generated secrets in the order they are registered,
// which varies between runs, so the numbers are dropped, and with them the
// secret version IDs the mock derives from the values (the rollout's
// command names them).
func inputsOf(r mockrun.Run) map[string]string {
	out := map[string]string{}
	for _, res := range r.Mocks.Resources() {
		b, _ := json.Marshal(res.Inputs.Mappable())
		v := sentinelNumberRE.ReplaceAllString(string(b), "SENTINEL")
		out[res.Type+"::"+res.Name] = versionIDRE.ReplaceAllString(v, "v-…")
	}
	return out
}

var (
	sentinelNumberRE = regexp.MustCompile(`SENTINEL[0-9]+`)
	versionIDRE      = regexp.MustCompile(`v-[0-9a-f]{16}`)
)

// without lists the registrations, but for those of the types given.
func without(inputs map[string]string, types ...string) []string {
	var out []string
	for k, v := range inputs {
		if !slices.ContainsFunc(types, func(typ string) bool { return strings.HasPrefix(k, typ+"::") }) {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// graphOnDashboard is one metric widget of a dashboard body.
type graphOnDashboard struct {
	title       string
	period      float64
	metrics     []string // "namespace metric {dimensions} stat"
	expressions []string
	lines       []float64
}

// dashboardGraphs reads a dashboard body's metric widgets.
func dashboardGraphs(t *testing.T, body string) []graphOnDashboard {
	t.Helper()
	var doc struct {
		Widgets []struct {
			Type       string
			Properties struct {
				Title       string
				Period      float64
				Metrics     [][]any
				Annotations struct{ Horizontal []struct{ Value float64 } }
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	var graphs []graphOnDashboard
	for _, w := range doc.Widgets {
		if w.Type != "metric" {
			continue
		}
		g := graphOnDashboard{title: w.Properties.Title, period: w.Properties.Period}
		for _, row := range w.Properties.Metrics {
			options := row[len(row)-1].(map[string]any)
			if e, ok := options["expression"].(string); ok {
				g.expressions = append(g.expressions, e)
				continue
			}
			dims := map[string]string{}
			for i := 2; i+1 < len(row); i += 2 {
				dims[row[i].(string)] = row[i+1].(string)
			}
			g.metrics = append(g.metrics, metricOf(row[0].(string), row[1].(string), dims, options["stat"].(string)))
		}
		for _, h := range w.Properties.Annotations.Horizontal {
			g.lines = append(g.lines, h.Value)
		}
		graphs = append(graphs, g)
	}
	return graphs
}

// metricOf names a metric with its dimensions and statistic.
func metricOf(namespace, name string, dims map[string]string, stat string) string {
	b, _ := json.Marshal(dims) // sorted keys
	return fmt.Sprintf("%s %s %s %s", namespace, name, b, stat)
}

// conditionRE finds the comparisons of an alarm expression that is 1 while
// they hold ("credits < 28.8").
var conditionRE = regexp.MustCompile(`([a-z][A-Za-z0-9_]*) ([<>]) ([0-9.]+)`)

// assertDashboardShowsAlarms: every registered alarm's metric (namespace,
// name, dimensions, statistic) is on a graph of the dashboard with the
// alarm's period, and the alarm's threshold is a line on that graph: a
// metric-math alarm's expression is graphed with its threshold, or each
// level its expression compares a metric with is a line on that metric's
// graph. Read from the registrations, not from package ops's model.
func assertDashboardShowsAlarms(t *testing.T, m *pulumitest.Mocks) {
	graphs := dashboardGraphs(t, m.One(t, typeDashboard).Str("dashboardBody"))
	showing := func(metric string) (graphOnDashboard, bool) {
		for _, g := range graphs {
			if slices.Contains(g.metrics, metric) {
				return g, true
			}
		}
		return graphOnDashboard{}, false
	}
	dimsOf := func(v resource.PropertyValue) map[string]string {
		out := map[string]string{}
		if v = pulumitest.Unwrap(v); v.IsObject() {
			for k, d := range v.ObjectValue() {
				out[string(k)] = pulumitest.Unwrap(d).StringValue()
			}
		}
		return out
	}
	alarms := m.OfType(typeAlarm)
	require.NotEmpty(t, alarms)
	for _, a := range alarms {
		threshold := a.Input("threshold").NumberValue()
		if !a.Input("metricName").IsNull() {
			period := a.Input("period").NumberValue()
			stat := a.Str("statistic")
			if stat == "" {
				stat = a.Str("extendedStatistic")
			}
			metric := metricOf(a.Str("namespace"), a.Str("metricName"), dimsOf(a.Input("dimensions")), stat)
			g, ok := showing(metric)
			if assert.True(t, ok, "%s: no graph shows %s", a.Name, metric) {
				assert.Contains(t, g.lines, threshold, "%s: its threshold is drawn on %q", a.Name, g.title)
				assert.Equal(t, period, g.period, "%s: %q has the alarm's period", a.Name, g.title)
			}
			continue
		}
		// A metric-math alarm: its metrics by query ID, and the expression
		// whose value the threshold applies to.
		metrics, periods := map[string]string{}, map[string]float64{}
		var expression string
		for _, q := range a.Input("metricQueries").ArrayValue() {
			q := pulumitest.Unwrap(q).ObjectValue()
			if e := q["expression"]; e.IsString() {
				if q["returnData"].BoolValue() {
					expression = e.StringValue()
				}
				continue
			}
			mq := pulumitest.Unwrap(q["metric"]).ObjectValue()
			id := q["id"].StringValue()
			metrics[id] = metricOf(mq["namespace"].StringValue(), mq["metricName"].StringValue(), dimsOf(mq["dimensions"]), mq["stat"].StringValue())
			periods[id] = mq["period"].NumberValue()
		}
		require.NotEmpty(t, expression, a.Name)
		var graphed *graphOnDashboard
		for i := range graphs {
			if slices.Contains(graphs[i].expressions, expression) {
				graphed = &graphs[i]
			}
		}
		if graphed != nil {
			assert.Contains(t, graphed.lines, threshold, "%s: its threshold is drawn on %q", a.Name, graphed.title)
			for id, metric := range metrics {
				assert.Contains(t, graphed.metrics, metric, "%s: %q graphs %s over its metric %s", a.Name, graphed.title, expression, id)
				assert.Equal(t, periods[id], graphed.period, a.Name)
			}
			continue
		}
		conditions := conditionRE.FindAllStringSubmatch(expression, -1)
		require.NotEmpty(t, conditions, "%s: %s is neither graphed nor a set of conditions", a.Name, expression)
		for _, c := range conditions {
			metric, ok := metrics[c[1]]
			require.True(t, ok, "%s: %s names no metric", a.Name, c[0])
			level, err := strconv.ParseFloat(c[3], 64)
			require.NoError(t, err)
			g, ok := showing(metric)
			if assert.True(t, ok, "%s: no graph shows %s", a.Name, metric) {
				assert.Contains(t, g.lines, level, "%s: %s is drawn on %q", a.Name, c[0], g.title)
				assert.Equal(t, periods[c[1]], g.period, a.Name)
			}
		}
	}
}

// TestHealthReporterPublishesWhereTheAlarmLooks: the host.env the program
// renders names the namespace and metric the app-health alarm watches, and
// the host's role may publish in that namespace only.
func TestHealthReporterPublishesWhereTheAlarmLooks(t *testing.T) {
	for _, s := range stacktest.Shipped(t) {
		t.Run(s.Name, func(t *testing.T) {
			r := mockrun.RunProgram(t, s.Name, s.Config)
			require.NoError(t, r.Err)
			host := strings.Split(mockrun.HostFilesOf(t, r)[hostconf.HostEnvPath], "\n")
			alarm := r.Mocks.Named(t, "aws:cloudwatch/metricAlarm:MetricAlarm", "ops-app-health")
			assert.Contains(t, host, "HEALTH_NAMESPACE="+alarm.Str("namespace"))
			assert.Contains(t, host, "HEALTH_METRIC="+alarm.Str("metricName"))
			assert.Equal(t, "rds-app/"+s.Name, alarm.Str("namespace"))

			var policy iampolicy.Document
			require.NoError(t, json.Unmarshal([]byte(r.Mocks.Named(t, "aws:iam/rolePolicy:RolePolicy", "app-host").Str("policy")), &policy))
			found := false
			for _, st := range policy.Statement {
				if len(st.Action) == 1 && st.Action[0] == "cloudwatch:PutMetricData" {
					found = true
					assert.Equal(t, alarm.Str("namespace"), st.Condition["StringEquals"]["cloudwatch:namespace"])
				}
			}
			assert.True(t, found, "the host may publish its health")
		})
	}
}
