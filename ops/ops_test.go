package ops_test

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/iampolicy"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/ops"
	"github.com/rds-app/rds-app/ops/thresholds"
)

const (
	typeAlarm     = "aws:cloudwatch/metricAlarm:MetricAlarm"
	typeTopic     = "aws:sns/topic:Topic"
	typeComponent = "rds-app:ops:Ops"
	dbArn         = "arn:aws:rds:eu-west-1:123456789012:db:rds-app-dev-a1b2c3d4"
	topicArn      = "arn:aws:sns:eu-west-1:123456789012:rds-app-dev-alarms"
)

// devArgs mirror the dev stack: the smallest classes, alarms on, no
// AWS Backup.
func devArgs() (config.Ops, ops.Inputs) {
	return config.Ops{Alarms: true, AlarmEmails: []string{}}, ops.Inputs{
		NamePrefix: "rds-app-dev", Region: "eu-west-1", Partition: "aws", AccountID: pulumitest.AccountID,
		Database: config.Database{InstanceClass: "db.t4g.micro", AllocatedStorage: 20, MaxAllocatedStorage: 50,
			BackupWindow: "03:00-04:00", MaintenanceWindow: "sun:04:30-sun:05:30"},
		App:                  config.App{InstanceType: "t4g.micro"},
		DBInstanceIdentifier: pulumi.String("rds-app-dev-a1b2c3d4"),
		DBInstanceArn:        pulumi.String(dbArn),
		DBSubnetGroupName:    pulumi.String("database-subnets-1234"),
		HostInstanceID:       pulumi.String("i-0123456789abcdef0"),
		HealthNamespace:      pulumi.String("rds-app/dev"),
	}
}

type outputs struct {
	topicArn, vault, role       string
	alarms                      []string
	dashboardName, dashboardURL string
}

func build(t *testing.T, cfg config.Ops, in ops.Inputs) (*pulumitest.Mocks, outputs) {
	t.Helper()
	m := pulumitest.New()
	var out outputs
	require.NoError(t, m.Run("dev", func(ctx *pulumi.Context) error {
		o, err := ops.New(ctx, "ops", cfg, in)
		if err != nil {
			return err
		}
		pulumi.All(o.TopicArn, o.BackupVault, o.AlarmNames, o.BackupRoleArn, o.DashboardName, o.DashboardURL).ApplyT(func(vs []any) error {
			out = outputs{topicArn: vs[0].(string), vault: vs[1].(string), alarms: vs[2].([]string), role: vs[3].(string),
				dashboardName: vs[4].(string), dashboardURL: vs[5].(string)}
			return nil
		})
		return nil
	}))
	return m, out
}

func policy(t *testing.T, r pulumitest.Resource, key string) map[string]iampolicy.Statement {
	t.Helper()
	var doc iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(r.Str(key)), &doc))
	out := map[string]iampolicy.Statement{}
	for _, s := range doc.Statement {
		out[s.Sid] = s
	}
	return out
}

func strs(v resource.PropertyValue) []string {
	var out []string
	for _, item := range v.ArrayValue() {
		out = append(out, pulumitest.Unwrap(item).StringValue())
	}
	return out
}

// TestTopicIsEncryptedAndServicesMayPublish: one topic per stack, with a
// key of its own whose policy lets each publishing service encrypt for
// exactly this topic, and a topic policy naming AWS Backup and the
// EventBridge rule.
func TestTopicIsEncryptedAndServicesMayPublish(t *testing.T) {
	cfg, in := devArgs()
	m, out := build(t, cfg, in)
	topic := m.One(t, typeTopic)
	key := m.Named(t, "aws:kms/key:Key", "ops-topic-key")
	assert.Equal(t, "rds-app-dev-alarms", topic.Str("name"))
	assert.Equal(t, key.Outputs["arn"].StringValue(), topic.Str("kmsMasterKeyId"))
	assert.True(t, key.Input("enableKeyRotation").BoolValue())
	assert.Equal(t, topic.Outputs["arn"].StringValue(), out.topicArn)
	assert.Equal(t, topicArn, out.topicArn, "the policies name the topic's real ARN")
	assert.Equal(t, "alias/rds-app-dev-alarms-", m.Named(t, "aws:kms/alias:Alias", "ops-topic-key").Str("namePrefix"))

	kp := policy(t, key, "policy")
	assert.Equal(t, map[string]string{"AWS": "arn:aws:iam::123456789012:root"}, kp["AccountAdministersTheKey"].Principal)
	for sid, service := range ops.Publishers {
		st, ok := kp[sid+"EncryptForTheTopic"]
		require.True(t, ok, sid)
		assert.Equal(t, map[string]string{"Service": service}, st.Principal)
		assert.ElementsMatch(t, []string{"kms:GenerateDataKey*", "kms:Decrypt"}, st.Action)
		assert.Equal(t, map[string]map[string]string{"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topicArn}}, st.Condition)
	}
	assert.Len(t, kp, 1+len(ops.Publishers))
	assert.ElementsMatch(t, []string{"cloudwatch.amazonaws.com", "events.rds.amazonaws.com", "backup.amazonaws.com", "events.amazonaws.com"},
		[]string{ops.Publishers["CloudWatchAlarms"], ops.Publishers["RDSEvents"], ops.Publishers["AWSBackup"], ops.Publishers["EventBridge"]})

	tp := m.One(t, "aws:sns/topicPolicy:TopicPolicy")
	assert.Equal(t, topic.Outputs["arn"].StringValue(), tp.Str("arn"))
	sp := policy(t, tp, "policy")
	assert.Equal(t, map[string]map[string]string{"StringEquals": {"AWS:SourceOwner": "123456789012"}}, sp["AccountUsesTheTopic"].Condition)
	assert.Equal(t, map[string]string{"Service": "backup.amazonaws.com"}, sp["AWSBackupPublishes"].Principal)
	assert.Equal(t, map[string]map[string]string{"ArnEquals": {"aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/rds-app-dev-backup-failures"}},
		sp["EventBridgePublishesFailedBackups"].Condition)
	for _, st := range sp {
		assert.Equal(t, []string{topicArn}, st.Resource, st.Sid)
	}
	assert.Empty(t, m.OfType("aws:sns/topicSubscription:TopicSubscription"), "no address configured, no subscription")
}

func TestEmailsAreSubscribed(t *testing.T) {
	cfg, in := devArgs()
	cfg.AlarmEmails = []string{"ops@example.com", "oncall@example.org"}
	m, _ := build(t, cfg, in)
	subs := m.OfType("aws:sns/topicSubscription:TopicSubscription")
	require.Len(t, subs, 2)
	var endpoints []string
	for _, s := range subs {
		assert.Equal(t, "email", s.Str("protocol"))
		assert.Equal(t, m.One(t, typeTopic).Outputs["arn"].StringValue(), s.Str("topic"))
		endpoints = append(endpoints, s.Str("endpoint"))
	}
	assert.ElementsMatch(t, cfg.AlarmEmails, endpoints)
}

// TestAlarmsMatchTheirThresholds: every alarm Alarms derives is created,
// named after the stack, on the right metric and dimension, with its
// threshold, notifying the topic on ALARM and on OK.
func TestAlarmsMatchTheirThresholds(t *testing.T) {
	cfg, in := devArgs()
	m, out := build(t, cfg, in)
	want, err := thresholds.Alarms(thresholds.Deployment{Database: in.Database, App: in.App})
	require.NoError(t, err)
	alarms := m.OfType(typeAlarm)
	require.Len(t, alarms, len(want))
	topic := m.One(t, typeTopic).Outputs["arn"].StringValue()
	var names []string
	for _, a := range want {
		r := m.Named(t, typeAlarm, "ops-"+a.Key)
		names = append(names, r.Str("name"))
		assertAlarmFigures(t, r, a)
		assert.Equal(t, []string{topic}, strs(r.Input("okActions")), "%s: OK is notified", a.Key)
		actions := strs(r.Input("alarmActions"))
		assert.Equal(t, topic, actions[0], "%s: ALARM is notified", a.Key)
		switch a.EC2Action {
		case thresholds.ActionRecover:
			assert.Equal(t, []string{topic, "arn:aws:automate:eu-west-1:ec2:recover"}, actions)
		case thresholds.ActionReboot:
			assert.Equal(t, []string{topic, "arn:aws:automate:eu-west-1:ec2:reboot"}, actions)
		default:
			assert.Len(t, actions, 1, a.Key)
		}

		wantDims := map[thresholds.Target]map[string]any{
			thresholds.TargetDatabase: {"DBInstanceIdentifier": "rds-app-dev-a1b2c3d4"},
			thresholds.TargetHost:     {"InstanceId": "i-0123456789abcdef0"},
			thresholds.TargetApp:      nil,
		}[a.Target]
		if len(a.Queries) == 0 {
			assert.Equal(t, a.Metric, r.Str("metricName"), a.Key)
			assert.Equal(t, a.Statistic, r.Str("statistic"), a.Key)
			assert.Equal(t, float64(a.Period), r.Input("period").NumberValue(), a.Key)
			if a.Target == thresholds.TargetApp {
				assert.Equal(t, "rds-app/dev", r.Str("namespace"), "the namespace the host publishes in")
				assert.True(t, r.Input("dimensions").IsNull(), "the health metric has no dimension")
			} else {
				assert.Equal(t, a.Namespace, r.Str("namespace"), a.Key)
				assert.Equal(t, wantDims, r.Input("dimensions").ObjectValue().Mappable(), a.Key)
			}
			continue
		}
		assert.True(t, r.Input("metricName").IsNull(), "%s: a metric-math alarm names its metrics in queries", a.Key)
		queries := r.Input("metricQueries").ArrayValue()
		require.Len(t, queries, len(a.Queries), a.Key)
		for i, q := range a.Queries {
			got := pulumitest.Unwrap(queries[i]).ObjectValue()
			assert.Equal(t, q.ID, got["id"].StringValue())
			assert.Equal(t, i == len(a.Queries)-1, got["returnData"].BoolValue(), "only the expression is the alarm's value")
			if q.Expression != "" {
				assert.Equal(t, q.Expression, got["expression"].StringValue())
				continue
			}
			metric := pulumitest.Unwrap(got["metric"]).ObjectValue()
			assert.Equal(t, q.Metric, metric["metricName"].StringValue())
			assert.Equal(t, q.Statistic, metric["stat"].StringValue())
			assert.Equal(t, a.Namespace, metric["namespace"].StringValue())
			assert.Equal(t, wantDims, pulumitest.Unwrap(metric["dimensions"]).ObjectValue().Mappable())
		}
	}
	assert.Equal(t, names, out.alarms)
}

// TestAlarmsOffKeepTheTopicAndEvents: a throwaway stack loses its alarms
// but keeps the topic and the database's events.
func TestAlarmsOffKeepTheTopicAndEvents(t *testing.T) {
	cfg, in := devArgs()
	cfg.Alarms = false
	m, out := build(t, cfg, in)
	assert.Empty(t, m.OfType(typeAlarm))
	assert.Empty(t, out.alarms)
	m.One(t, typeTopic)
	m.One(t, "aws:rds/eventSubscription:EventSubscription")
}

func TestDatabaseEventsGoToTheTopic(t *testing.T) {
	cfg, in := devArgs()
	m, _ := build(t, cfg, in)
	sub := m.One(t, "aws:rds/eventSubscription:EventSubscription")
	assert.Equal(t, m.One(t, typeTopic).Outputs["arn"].StringValue(), sub.Str("snsTopic"))
	assert.Equal(t, "db-instance", sub.Str("sourceType"))
	assert.Equal(t, []string{"rds-app-dev-a1b2c3d4"}, strs(sub.Input("sourceIds")))
	assert.ElementsMatch(t, []string{"failover", "failure", "low storage", "maintenance", "notification"}, strs(sub.Input("eventCategories")))
	assert.True(t, sub.Input("enabled").BoolValue())
}

func TestNoBackupsUnlessAsked(t *testing.T) {
	cfg, in := devArgs()
	m, out := build(t, cfg, in)
	for _, r := range m.Resources() {
		assert.NotContains(t, r.Type, "aws:backup/", r.Name)
	}
	assert.Empty(t, out.vault)
	assert.Empty(t, out.role)
}

// TestBackupsAreRestoredOnASchedule: the vault (retained, with its own
// key), the daily plan and its selection, the weekly restore test into the
// stack's private subnets, and their reports to the topic.
func TestBackupsAreRestoredOnASchedule(t *testing.T) {
	cfg, in := devArgs()
	cfg.BackupPlan = true
	m, out := build(t, cfg, in)
	topic := m.One(t, typeTopic).Outputs["arn"].StringValue()

	vault := m.One(t, "aws:backup/vault:Vault")
	vaultKey := m.Named(t, "aws:kms/key:Key", "ops-vault-key")
	assert.Equal(t, vaultKey.Outputs["arn"].StringValue(), vault.Str("kmsKeyArn"))
	assert.False(t, vault.Input("forceDestroy").BoolValue())
	assert.Equal(t, "rds-app-dev-backups-a1b2c3d4", vault.Str("name"), "a suffix of its own: the vault outlives the stack")
	for _, r := range []pulumitest.Resource{vault, vaultKey, m.Named(t, "aws:kms/alias:Alias", "ops-vault-key")} {
		assert.True(t, r.Request.GetRetainOnDelete(), "%s is kept when the stack is deleted", r.Name)
	}
	assert.Equal(t, vault.Outputs["name"].StringValue(), out.vault)

	role := m.One(t, "aws:iam/role:Role")
	assert.Equal(t, role.Outputs["arn"].StringValue(), out.role)
	var trust iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(role.Str("assumeRolePolicy")), &trust))
	assert.Equal(t, map[string]string{"Service": "backup.amazonaws.com"}, trust.Statement[0].Principal)
	var attached []string
	for _, a := range m.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		assert.Equal(t, role.Outputs["name"].StringValue(), a.Str("role"))
		attached = append(attached, a.Str("policyArn"))
	}
	assert.ElementsMatch(t, []string{
		"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
		"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
	}, attached)

	plan := m.One(t, "aws:backup/plan:Plan")
	rules := plan.Input("rules").ArrayValue()
	require.Len(t, rules, 1)
	rule := pulumitest.Unwrap(rules[0]).ObjectValue()
	assert.Equal(t, vault.Outputs["name"].StringValue(), pulumitest.Unwrap(rule["targetVaultName"]).StringValue())
	assert.Equal(t, "cron(0 6 * * ? *)", rule["schedule"].StringValue(), "clear of the 03:00-04:00 backup and Sunday's 04:30 maintenance")
	assert.Equal(t, float64(config.BackupPlanRetentionDays), pulumitest.Unwrap(rule["lifecycle"]).ObjectValue()["deleteAfter"].NumberValue())

	assert.Equal(t, "rds-app-dev-daily", plan.Str("name"))
	sel := m.One(t, "aws:backup/selection:Selection")
	assert.Equal(t, "rds-app-dev-database", sel.Str("name"))
	assert.Equal(t, plan.ID, sel.Str("planId"))
	assert.Equal(t, role.Outputs["arn"].StringValue(), sel.Str("iamRoleArn"))
	assert.Equal(t, []string{dbArn}, strs(sel.Input("resources")))

	test := m.One(t, "aws:backup/restoreTestingPlan:RestoreTestingPlan")
	assert.Equal(t, "rds_app_dev_restore_test", test.Str("name"))
	assert.Equal(t, "cron(0 8 ? * WED *)", test.Str("scheduleExpression"))
	pick := test.Input("recoveryPointSelection").ObjectValue()
	assert.Equal(t, "LATEST_WITHIN_WINDOW", pick["algorithm"].StringValue())
	assert.Equal(t, []string{vault.Outputs["arn"].StringValue()}, strs(pick["includeVaults"]))
	assert.Equal(t, []string{"SNAPSHOT"}, strs(pick["recoveryPointTypes"]))
	assert.Equal(t, 7.0, pick["selectionWindowDays"].NumberValue())

	testSel := m.One(t, "aws:backup/restoreTestingSelection:RestoreTestingSelection")
	assert.Equal(t, "rds_app_dev_restore_test", testSel.Str("restoreTestingPlanName"))
	assert.Equal(t, "RDS", testSel.Str("protectedResourceType"))
	assert.Equal(t, []string{dbArn}, strs(testSel.Input("protectedResourceArns")))
	assert.Equal(t, role.Outputs["arn"].StringValue(), testSel.Str("iamRoleArn"))
	assert.Equal(t, map[string]any{"dbSubnetGroupName": "database-subnets-1234"}, testSel.Input("restoreMetadataOverrides").ObjectValue().Mappable(),
		"the restored copy lands in the stack's private subnets, not the default VPC")

	notes := m.One(t, "aws:backup/vaultNotifications:VaultNotifications")
	assert.Equal(t, vault.Outputs["name"].StringValue(), notes.Str("backupVaultName"))
	assert.Equal(t, topic, notes.Str("snsTopicArn"))
	assert.Equal(t, []string{"RESTORE_JOB_COMPLETED"}, strs(notes.Input("backupVaultEvents")))

	rule2 := m.One(t, "aws:cloudwatch/eventRule:EventRule")
	assert.Equal(t, "rds-app-dev-backup-failures", rule2.Str("name"), "the name the topic policy allows")
	var pattern map[string]any
	require.NoError(t, json.Unmarshal([]byte(rule2.Str("eventPattern")), &pattern))
	assert.Equal(t, []any{"aws.backup"}, pattern["source"])
	assert.Equal(t, map[string]any{
		"state":          []any{"FAILED", "ABORTED", "EXPIRED", "PARTIAL"},
		"backupVaultArn": []any{vault.Outputs["arn"].StringValue()},
	}, pattern["detail"])
	target := m.One(t, "aws:cloudwatch/eventTarget:EventTarget")
	assert.Equal(t, topic, target.Str("arn"))
	assert.Equal(t, rule2.Outputs["name"].StringValue(), target.Str("rule"))
}

func TestEveryChildIsParentedToTheComponent(t *testing.T) {
	cfg, in := devArgs()
	cfg.BackupPlan = true
	cfg.AlarmEmails = []string{"ops@example.com"}
	m, _ := build(t, cfg, in)
	// topic key, alias, topic, policy, subscription, 11 alarms,
	// dashboard, event subscription; vault key, alias, name suffix, vault,
	// role, 2 attachments, plan, selection, restore plan and selection,
	// notifications, rule, target.
	assert.Equal(t, 5+11+1+1+14, m.AssertParentedTo(t, typeComponent, "ops"))
}

const (
	asgName   = "app-hosts-4f2a9c1e"
	lbSuffix  = "app/app-lb-3b1c/50dc6c495c0c9188"
	tgSuffix  = "targetgroup/app-hosts-7d1e/73e2d6bc24d8a067"
	proxyName = "database-proxy-9e8f7a6b"
)

var replicaIDs = []string{"database-replica-1-5c4d3e2f", "database-replica-2-1a2b3c4d"}

// scaleArgs are devArgs with every scale-out feature on: three hosts
// behind the load balancer, two replicas and the proxy. The single host's
// instance ID is the zero-valued output a load balanced program passes.
func scaleArgs() (config.Ops, ops.Inputs) {
	cfg, in := devArgs()
	in.App.Hosts = 3
	in.Database.ReadReplicas, in.Database.Proxy = 2, true
	in.HostInstanceID = pulumi.StringOutput{}
	in.AutoScalingGroupName = pulumi.String(asgName)
	in.LoadBalancerArnSuffix = pulumi.String(lbSuffix)
	in.TargetGroupArnSuffix = pulumi.String(tgSuffix)
	in.ReplicaIdentifiers = pulumi.ToStringArray(replicaIDs)
	in.ProxyName = pulumi.String(proxyName)
	return cfg, in
}

// assertAlarms checks every alarm Alarms derives for in against what was
// registered: name, figures, dimensions by target, and the topic alone on
// ALARM and OK (no EC2 action: scale-out alarms none).
func assertAlarms(t *testing.T, m *pulumitest.Mocks, in ops.Inputs, out outputs) {
	t.Helper()
	want, err := thresholds.Alarms(thresholds.Deployment{Database: in.Database, App: in.App})
	require.NoError(t, err)
	require.Len(t, m.OfType(typeAlarm), len(want))
	topic := m.One(t, typeTopic).Outputs["arn"].StringValue()
	var names []string
	for _, a := range want {
		r := m.Named(t, typeAlarm, "ops-"+a.Key)
		names = append(names, r.Str("name"))
		assertAlarmFigures(t, r, a)
		assert.Equal(t, []string{topic}, strs(r.Input("alarmActions")), "%s: notifies the topic, and nothing else", a.Key)
		assert.Equal(t, []string{topic}, strs(r.Input("okActions")), a.Key)

		wantDims := map[thresholds.Target]map[string]any{
			thresholds.TargetDatabase:     {"DBInstanceIdentifier": "rds-app-dev-a1b2c3d4"},
			thresholds.TargetHosts:        {"AutoScalingGroupName": asgName},
			thresholds.TargetLoadBalancer: {"LoadBalancer": lbSuffix},
			thresholds.TargetTargetGroup:  {"TargetGroup": tgSuffix, "LoadBalancer": lbSuffix},
			thresholds.TargetReplica:      {"DBInstanceIdentifier": replicaIDs[a.Replica]},
			thresholds.TargetProxy:        {"ProxyName": proxyName},
		}[a.Target]
		if a.Target == thresholds.TargetApp {
			assert.Equal(t, "rds-app/dev", r.Str("namespace"))
			assert.True(t, r.Input("dimensions").IsNull(), "the health metric has no dimension")
			assert.Equal(t, a.Statistic, r.Str("statistic"))
			continue
		}
		require.NotNil(t, wantDims, "%s: target %s", a.Key, a.Target)
		if len(a.Queries) == 0 {
			assert.Equal(t, a.Namespace, r.Str("namespace"), a.Key)
			assert.Equal(t, a.Metric, r.Str("metricName"), a.Key)
			assert.Equal(t, float64(a.Period), r.Input("period").NumberValue(), a.Key)
			if a.ExtendedStatistic != "" {
				assert.Equal(t, a.ExtendedStatistic, r.Str("extendedStatistic"), a.Key)
				assert.True(t, r.Input("statistic").IsNull(), "%s: CloudWatch takes a statistic or a percentile", a.Key)
			} else {
				assert.Equal(t, a.Statistic, r.Str("statistic"), a.Key)
				assert.True(t, r.Input("extendedStatistic").IsNull(), a.Key)
			}
			assert.Equal(t, wantDims, pulumitest.Unwrap(r.Input("dimensions")).ObjectValue().Mappable(), a.Key)
			continue
		}
		queries := r.Input("metricQueries").ArrayValue()
		require.Len(t, queries, len(a.Queries), a.Key)
		for i, q := range a.Queries {
			got := pulumitest.Unwrap(queries[i]).ObjectValue()
			assert.Equal(t, q.ID, got["id"].StringValue())
			assert.Equal(t, i == len(a.Queries)-1, got["returnData"].BoolValue())
			if q.Expression != "" {
				assert.Equal(t, q.Expression, got["expression"].StringValue(), a.Key)
				continue
			}
			metric := pulumitest.Unwrap(got["metric"]).ObjectValue()
			assert.Equal(t, q.Metric, metric["metricName"].StringValue(), a.Key)
			assert.Equal(t, q.Statistic, metric["stat"].StringValue(), a.Key)
			assert.Equal(t, a.Namespace, metric["namespace"].StringValue(), a.Key)
			assert.Equal(t, wantDims, pulumitest.Unwrap(metric["dimensions"]).ObjectValue().Mappable(), a.Key)
		}
	}
	assert.Equal(t, names, out.alarms)
}

// TestScaleOutAlarmsWatchTheGroupReplicasAndProxy: behind a load balancer,
// with replicas and the proxy, every alarm is on the group, the load
// balancer, its target group, a replica or the proxy by their own
// dimensions, and none on an instance or with an EC2 action.
func TestScaleOutAlarmsWatchTheGroupReplicasAndProxy(t *testing.T) {
	cfg, in := scaleArgs()
	m, out := build(t, cfg, in)
	assertAlarms(t, m, in, out)

	var got []string
	for _, r := range m.OfType(typeAlarm) {
		got = append(got, r.Name)
		// Metric-math alarms name theirs in queries, which assertAlarms
		// compares whole.
		if dims := r.Input("dimensions"); !dims.IsNull() {
			assert.NotContains(t, pulumitest.Unwrap(dims).ObjectValue().Mappable(), "InstanceId", r.Name)
		}
	}
	assert.ElementsMatch(t, []string{
		"ops-database-cpu", "ops-database-load", "ops-database-memory", "ops-database-storage",
		"ops-database-connections", "ops-database-transaction-ids", "ops-database-cpu-credits",
		"ops-replica-1-lag", "ops-replica-1-cpu", "ops-replica-1-memory", "ops-replica-1-storage", "ops-replica-1-connections", "ops-replica-1-cpu-credits",
		"ops-replica-2-lag", "ops-replica-2-cpu", "ops-replica-2-memory", "ops-replica-2-storage", "ops-replica-2-connections", "ops-replica-2-cpu-credits",
		"ops-proxy-borrow-latency",
		"ops-hosts-cpu", "ops-hosts-healthy", "ops-app-5xx-rate", "ops-load-balancer-5xx-rate", "ops-app-response-time", "ops-hosts-cpu-credits",
		"ops-app-health",
	}, got)

	healthy := m.Named(t, typeAlarm, "ops-hosts-healthy")
	assert.Equal(t, 3.0, healthy.Input("threshold").NumberValue(), "below app.hosts")
	assert.Equal(t, "Minimum", healthy.Str("statistic"))
	assert.Equal(t, "p95", m.Named(t, typeAlarm, "ops-app-response-time").Str("extendedStatistic"))
	assert.Equal(t, "Maximum", m.Named(t, typeAlarm, "ops-app-health").Str("statistic"), "no host answering pages")
	lag := m.Named(t, typeAlarm, "ops-replica-2-lag")
	assert.Equal(t, map[string]any{"DBInstanceIdentifier": "database-replica-2-1a2b3c4d"}, pulumitest.Unwrap(lag.Input("dimensions")).ObjectValue().Mappable())
}

// TestScalingGroupAlarmsFollowItsMinimum: with app.scaling the group's
// minimum is app.scaling.min, and the load balancer's alarms stand alone
// (no replica, no proxy).
func TestScalingGroupAlarmsFollowItsMinimum(t *testing.T) {
	cfg, in := devArgs()
	in.App.Scaling = &config.Scaling{Min: 2, Max: 5, TargetCPU: 70}
	in.HostInstanceID = pulumi.StringOutput{}
	in.AutoScalingGroupName = pulumi.String(asgName)
	in.LoadBalancerArnSuffix = pulumi.String(lbSuffix)
	in.TargetGroupArnSuffix = pulumi.String(tgSuffix)
	m, out := build(t, cfg, in)
	assertAlarms(t, m, in, out)
	assert.Equal(t, 2.0, m.Named(t, typeAlarm, "ops-hosts-healthy").Input("threshold").NumberValue())
	assert.Equal(t, 85.0, m.Named(t, typeAlarm, "ops-hosts-cpu").Input("threshold").NumberValue(), "above the 70 % target")
	for _, r := range m.OfType(typeAlarm) {
		assert.NotContains(t, r.Name, "replica", "no replicas configured")
		assert.NotContains(t, r.Name, "proxy", "no proxy configured")
		assert.NotContains(t, r.Name, "ops-host-", "no single host")
	}
	m.One(t, "aws:rds/eventSubscription:EventSubscription")
}

// TestReplicasAndProxyOnOneHost: replicas and the proxy do not need the
// load balancer; the single host keeps its own alarms and EC2 actions.
func TestReplicasAndProxyOnOneHost(t *testing.T) {
	cfg, in := devArgs()
	in.Database.ReadReplicas, in.Database.Proxy = 1, true
	in.ReplicaIdentifiers = pulumi.ToStringArray(replicaIDs[:1])
	in.ProxyName = pulumi.String(proxyName)
	m, _ := build(t, cfg, in)
	m.Named(t, typeAlarm, "ops-replica-1-lag")
	m.Named(t, typeAlarm, "ops-proxy-borrow-latency")
	system := m.Named(t, typeAlarm, "ops-host-system-check")
	assert.Contains(t, strs(system.Input("alarmActions")), "arn:aws:automate:eu-west-1:ec2:recover")
	assert.Equal(t, map[string]any{"InstanceId": "i-0123456789abcdef0"}, system.Input("dimensions").ObjectValue().Mappable())
	assert.Equal(t, "Minimum", m.Named(t, typeAlarm, "ops-app-health").Str("statistic"))
	for _, r := range m.OfType(typeAlarm) {
		assert.NotContains(t, r.Name, "ops-hosts-", "no group")
	}
}

// TestOneHostReadsNoScaleInput: a single-host stack given the zero-valued
// outputs of the features it has off registers what it registers without
// them.
func TestOneHostReadsNoScaleInput(t *testing.T) {
	cfg, in := devArgs()
	plain, _ := build(t, cfg, in)
	in.AutoScalingGroupName, in.LoadBalancerArnSuffix, in.TargetGroupArnSuffix = pulumi.StringOutput{}, pulumi.StringOutput{}, pulumi.StringOutput{}
	in.ReplicaIdentifiers, in.ProxyName = pulumi.StringArrayOutput{}, pulumi.StringOutput{}
	zero, _ := build(t, cfg, in)
	inputs := func(m *pulumitest.Mocks) map[string]any {
		got := map[string]any{}
		for _, r := range m.Resources() {
			got[r.Type+"/"+r.Name] = r.Request.GetObject().AsMap()
		}
		return got
	}
	assert.Equal(t, inputs(plain), inputs(zero))
}

// TestReplicaAndProxyEventsGoToTheTopic: the replicas' events (with RDS's
// "read replica" category) and the proxy's failures reach the topic
// through subscriptions of their own; the database's stays as it was.
func TestReplicaAndProxyEventsGoToTheTopic(t *testing.T) {
	cfg, in := scaleArgs()
	m, _ := build(t, cfg, in)
	topic := m.One(t, typeTopic).Outputs["arn"].StringValue()
	typ := "aws:rds/eventSubscription:EventSubscription"
	require.Len(t, m.OfType(typ), 3)

	db := m.Named(t, typ, "ops-database-events")
	assert.Equal(t, []string{"rds-app-dev-a1b2c3d4"}, strs(db.Input("sourceIds")))
	assert.Equal(t, ops.DatabaseEventCategories, strs(db.Input("eventCategories")))

	replicas := m.Named(t, typ, "ops-replica-events")
	assert.Equal(t, topic, replicas.Str("snsTopic"))
	assert.Equal(t, "db-instance", replicas.Str("sourceType"))
	assert.Equal(t, replicaIDs, strs(replicas.Input("sourceIds")))
	assert.ElementsMatch(t, []string{"failover", "failure", "low storage", "maintenance", "notification", "read replica"}, strs(replicas.Input("eventCategories")))
	assert.True(t, replicas.Input("enabled").BoolValue())

	proxy := m.Named(t, typ, "ops-proxy-events")
	assert.Equal(t, topic, proxy.Str("snsTopic"))
	assert.Equal(t, "db-proxy", proxy.Str("sourceType"))
	assert.Equal(t, []string{proxyName}, strs(proxy.Input("sourceIds")))
	assert.Equal(t, []string{"failure"}, strs(proxy.Input("eventCategories")))
	assert.True(t, proxy.Input("enabled").BoolValue())

	// Events are not alarms: they stay with ops.alarms off.
	cfg.Alarms = false
	m, _ = build(t, cfg, in)
	assert.Empty(t, m.OfType(typeAlarm))
	assert.Len(t, m.OfType(typ), 3)
}

// TestScaleInputsAreRequired: a feature turned on without its inputs fails
// by name, not with a nil dereference.
func TestScaleInputsAreRequired(t *testing.T) {
	cfg, in := scaleArgs()
	in.TargetGroupArnSuffix, in.ReplicaIdentifiers, in.ProxyName = nil, nil, nil
	err := pulumitest.New().Run("dev", func(ctx *pulumi.Context) error {
		_, err := ops.New(ctx, "ops", cfg, in)
		return err
	})
	assert.ErrorContains(t, err, `creating operations "ops": operations need TargetGroupArnSuffix, ReplicaIdentifiers, ProxyName for what the configuration turns on`)
}

func TestScaleOutChildrenAreParentedToTheComponent(t *testing.T) {
	cfg, in := scaleArgs()
	m, _ := build(t, cfg, in)
	// topic key, alias, topic, policy, 27 alarms, dashboard, 3 event
	// subscriptions.
	assert.Equal(t, 4+27+1+3, m.AssertParentedTo(t, typeComponent, "ops"))
}

// assertAlarmFigures checks what every registered alarm takes from the
// alarm Alarms derived: its name, figures and description, and that its
// actions are on.
func assertAlarmFigures(t *testing.T, r pulumitest.Resource, a thresholds.Alarm) {
	t.Helper()
	assert.Equal(t, "rds-app-dev-"+a.Key, r.Str("name"))
	assert.Equal(t, a.Threshold, r.Input("threshold").NumberValue(), a.Key)
	assert.Equal(t, a.Comparison, r.Str("comparisonOperator"), a.Key)
	assert.Equal(t, float64(a.EvaluationPeriods), r.Input("evaluationPeriods").NumberValue(), a.Key)
	assert.Equal(t, float64(a.DatapointsToAlarm), r.Input("datapointsToAlarm").NumberValue(), a.Key)
	assert.Equal(t, a.TreatMissingData, r.Str("treatMissingData"), a.Key)
	assert.Equal(t, a.Description, r.Str("alarmDescription"), a.Key)
	assert.True(t, r.Input("actionsEnabled").BoolValue())
}

const typeDashboard = "aws:cloudwatch/dashboard:Dashboard"

// assertDashboard checks the registered dashboard against DashboardBody
// for in, with the IDs the inputs name and the registered alarms' ARNs:
// the wiring passes each target its own ID and the alarms in order.
func assertDashboard(t *testing.T, m *pulumitest.Mocks, cfg config.Ops, in ops.Inputs, ids ops.DashboardIDs, out outputs) {
	t.Helper()
	d := thresholds.Deployment{Database: in.Database, App: in.App}
	alarms, err := thresholds.Alarms(d)
	require.NoError(t, err)
	if cfg.Alarms {
		for _, a := range alarms {
			ids.AlarmArns = append(ids.AlarmArns, m.Named(t, typeAlarm, "ops-"+a.Key).Outputs["arn"].StringValue())
		}
	}
	want, err := ops.DashboardBody(ops.DashboardSpec{Name: "rds-app-dev", Region: "eu-west-1", Deployment: d, Alarms: alarms, Drawn: cfg.Alarms}, ids)
	require.NoError(t, err)
	dash := m.One(t, typeDashboard)
	assert.Equal(t, "rds-app-dev", dash.Str("dashboardName"), "named: the URL names it")
	assert.JSONEq(t, want, dash.Str("dashboardBody"))
	assert.Equal(t, "rds-app-dev", out.dashboardName)
	assert.Equal(t, "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/rds-app-dev", out.dashboardURL)
}

// TestDashboardOfOneHost: the dev-like stack's dashboard names the
// database and the host; with ops.alarms off it stays, without lines.
func TestDashboardOfOneHost(t *testing.T) {
	cfg, in := devArgs()
	ids := ops.DashboardIDs{HealthNamespace: "rds-app/dev", DBInstanceIdentifier: "rds-app-dev-a1b2c3d4", HostInstanceID: "i-0123456789abcdef0"}
	m, out := build(t, cfg, in)
	assertDashboard(t, m, cfg, in, ids, out)
	assert.Contains(t, m.One(t, typeDashboard).Str("dashboardBody"), `"annotations"`)

	cfg.Alarms = false
	m, out = build(t, cfg, in)
	assertDashboard(t, m, cfg, in, ids, out)
	assert.NotContains(t, m.One(t, typeDashboard).Str("dashboardBody"), `"annotations"`)
}

// TestDashboardOfScaleOut: the group, the load balancer and its target
// group, each replica and the proxy by their own IDs.
func TestDashboardOfScaleOut(t *testing.T) {
	cfg, in := scaleArgs()
	m, out := build(t, cfg, in)
	assertDashboard(t, m, cfg, in, ops.DashboardIDs{HealthNamespace: "rds-app/dev", DBInstanceIdentifier: "rds-app-dev-a1b2c3d4",
		AutoScalingGroupName: asgName, LoadBalancerArnSuffix: lbSuffix, TargetGroupArnSuffix: tgSuffix,
		ReplicaIdentifiers: replicaIDs, ProxyName: proxyName}, out)
}
