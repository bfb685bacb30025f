package realprovider

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// schemaJSON is a small excerpt in the shape `terraform providers schema
// -json` prints, with the traps the real schema has: aws_instance exists
// beside aws_db_instance, blocks that Pulumi pluralises, map attributes.
const schemaJSON = `{"format_version":"1.0","provider_schemas":{"registry.terraform.io/hashicorp/aws":{
 "resource_schemas":{
  "aws_instance":{"block":{"attributes":{"ami":{"type":"string","required":true},"id":{"type":"string","computed":true},
     "arn":{"type":"string","computed":true},"tags":{"type":["map","string"],"optional":true},
     "user_data":{"type":"string","optional":true}},
   "block_types":{"network_interface":{"nesting_mode":"set","block":{"attributes":{"device_index":{"type":"number","required":true}}}},
     "root_block_device":{"nesting_mode":"list","max_items":1,"block":{"attributes":{"volume_size":{"type":"number","optional":true}}}}}}},
  "aws_db_instance":{"block":{"attributes":{"identifier":{"type":"string","optional":true,"computed":true},
     "address":{"type":"string","computed":true},"port":{"type":"number","optional":true,"computed":true},
     "vpc_security_group_ids":{"type":["set","string"],"optional":true}}}},
  "aws_db_parameter_group":{"block":{"attributes":{"family":{"type":"string","required":true}},
   "block_types":{"parameter":{"nesting_mode":"set","block":{"attributes":{"name":{"type":"string","required":true},"value":{"type":"string","required":true}}}}}}},
  "aws_vpc_security_group_ingress_rule":{"block":{"attributes":{"cidr_ipv4":{"type":"string","optional":true}}}},
  "aws_cloudwatch_metric_alarm":{"block":{"attributes":{"alarm_name":{"type":"string","required":true},"threshold":{"type":"number","optional":true}}}},
  "aws_lb":{"block":{"attributes":{"internal":{"type":"bool","optional":true},"name":{"type":"string","optional":true,"computed":true}}}},
  "aws_autoscaling_policy":{"block":{"attributes":{"name":{"type":"string","required":true},"policy_type":{"type":"string","optional":true}}}}
 },
 "data_source_schemas":{"aws_ssm_parameter":{"block":{"attributes":{"name":{"type":"string","required":true},"value":{"type":"string","computed":true}}}}}
}}}`

func testSchema(t *testing.T) *Schema {
	t.Helper()
	s, err := ParseSchema([]byte(schemaJSON))
	require.NoError(t, err)
	return s
}

func TestNames(t *testing.T) {
	for pulumi, tf := range map[string]string{
		"vpcSecurityGroupIds": "vpc_security_group_ids",
		"cidrIpv4":            "cidr_ipv4",
		"multiAz":             "multi_az",
		"ami":                 "ami",
	} {
		assert.Equal(t, tf, snake(pulumi))
	}
	assert.Equal(t, "publicIp", camel("public_ip"))
	assert.Equal(t, "keyId", camel("key_id"))
}

func TestTerraformType(t *testing.T) {
	s := testSchema(t)
	for token, want := range map[string]string{
		"aws:ec2/instance:Instance": "aws_instance",
		// aws_instance exists too, but the module's own prefix comes first.
		"aws:rds/instance:Instance":                                 "aws_db_instance",
		"aws:rds/parameterGroup:ParameterGroup":                     "aws_db_parameter_group",
		"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "aws_vpc_security_group_ingress_rule",
		// A module's main resource named by the module alone.
		"aws:lb/loadBalancer:LoadBalancer": "aws_lb",
	} {
		got, err := s.TerraformType(token, nil)
		require.NoError(t, err, token)
		assert.Equal(t, want, got, token)
	}
	_, err := s.TerraformType("aws:ec2/instance:Instance", []string{"noSuchProperty"})
	assert.ErrorContains(t, err, `no "noSuchProperty"`)
	ds, err := s.TerraformDataSource("aws:ssm/getParameter:getParameter", []string{"name"})
	require.NoError(t, err)
	assert.Equal(t, "aws_ssm_parameter", ds)
}

func TestConvertObject(t *testing.T) {
	s := testSchema(t)
	inputs := resource.NewPropertyMapFromMap(map[string]any{
		"ami":      "@@tf:data.aws_ssm_parameter.q1.value@@",
		"userData": "echo ${HOME} %{x} @@tf:aws_secretsmanager_secret.s.arn@@",
		"tags":     map[string]any{"Name": "app-host", "camelKey": "kept"},
		"networkInterfaces": []any{
			map[string]any{"deviceIndex": 0},
		},
		"rootBlockDevice": map[string]any{"volumeSize": 20},
	})
	inputs["ami"] = resource.MakeSecret(inputs["ami"])
	got, err := convertObject(s.Resources["aws_instance"], inputs, "aws_instance.x")
	require.NoError(t, err)
	data, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, `{
	  "ami": "${data.aws_ssm_parameter.q1.value}",
	  "user_data": "echo $${HOME} %%{x} ${aws_secretsmanager_secret.s.arn}",
	  "tags": {"Name": "app-host", "camelKey": "kept"},
	  "network_interface": [{"device_index": 0}],
	  "root_block_device": [{"volume_size": 20}]
	}`, string(data))

	_, err = convertObject(s.Resources["aws_instance"], resource.NewPropertyMapFromMap(map[string]any{"bogus": 1}), "aws_instance.x")
	assert.ErrorContains(t, err, `aws_instance.x: the provider has no attribute for the Pulumi property "bogus"`)
}

func TestClassify(t *testing.T) {
	gap := "creating SSM Association (AWS-RunShellScript): operation error SSM: CreateAssociation, exceeded maximum number of attempts, 1, https response error StatusCode: 500, RequestID: , deserialization failed"
	assert.Equal(t, "ssm:CreateAssociation", API(gap))
	v, detail := Classify("aws_ssm_association", gap, PhaseApply)
	assert.Equal(t, EmulatorGap, v)
	assert.Equal(t, "ssm:CreateAssociation", detail)
	// The same API failing for another resource type is not a listed gap.
	v, _ = Classify("aws_instance", gap, PhaseApply)
	assert.Equal(t, ProgramDefect, v)
	// ... and the same failure in another phase is not either.
	v, _ = Classify("aws_ssm_association", gap, PhaseDestroy)
	assert.Equal(t, ProgramDefect, v)
	// A refusal is the program's fault, whatever the resource.
	refused := "attaching IAM Policy: operation error IAM: AttachRolePolicy, https response error StatusCode: 404, NoSuchEntity"
	v, _ = Classify("aws_iam_role_policy_attachment", refused, PhaseApply)
	assert.Equal(t, ProgramDefect, v)
	// A message naming no API matches a gap by its words only.
	replica := "reading RDS DB Instance (rds-app-scale-a1b2c3d4-replica-1): couldn't find resource"
	v, detail = Classify("aws_db_instance", replica, PhaseApply)
	assert.Equal(t, EmulatorGap, v)
	assert.Equal(t, "rds:DescribeDBInstances", detail)
	v, _ = Classify("aws_db_instance", "creating RDS DB Instance (x): StatusCode: 500 has not been implemented", PhaseApply)
	assert.Equal(t, ProgramDefect, v, "a gap with its own words does not match an unnamed 500")
}

func TestWithoutDrift(t *testing.T) {
	changes := []Change{
		// Only attributes moto does not keep, set as in the baseline: dropped.
		{Address: "aws_db_instance.a", Type: "aws_db_instance", Actions: []string{"update"}, Attributes: []string{"monitoring_interval", "performance_insights_enabled"},
			After: map[string]string{"monitoring_interval": "60", "performance_insights_enabled": "true"}},
		// A real change beside them: kept, without them.
		{Address: "aws_db_instance.b", Type: "aws_db_instance", Actions: []string{"update"}, Attributes: []string{"performance_insights_enabled", "port"},
			After: map[string]string{"performance_insights_enabled": "true", "port": "5433"}},
		// The same attribute name on another type is not drift.
		{Address: "aws_instance.c", Type: "aws_instance", Actions: []string{"update"}, Attributes: []string{"monitoring_interval"},
			After: map[string]string{"monitoring_interval": "60"}},
		{Address: "aws_db_instance.d", Type: "aws_db_instance", Actions: []string{"delete", "create"}, Attributes: []string{"monitoring_interval"}},
		// A drift attribute set to another value than in the baseline is a real change.
		{Address: "aws_db_instance.e", Type: "aws_db_instance", Actions: []string{"update"}, Attributes: []string{"monitoring_interval"},
			After: map[string]string{"monitoring_interval": "30"}},
	}
	baseline := []Change{
		{Address: "aws_db_instance.a", After: map[string]string{"monitoring_interval": "60", "performance_insights_enabled": "true"}},
		{Address: "aws_db_instance.b", After: map[string]string{"performance_insights_enabled": "true"}},
		{Address: "aws_instance.c", After: map[string]string{"monitoring_interval": "60"}},
		{Address: "aws_db_instance.e", After: map[string]string{"monitoring_interval": "60"}},
	}
	got := WithoutDrift(changes, baseline)
	require.Len(t, got, 4)
	assert.Equal(t, "aws_db_instance.b", got[0].Address)
	assert.Equal(t, []string{"port"}, got[0].Attributes)
	assert.Equal(t, "aws_instance.c", got[1].Address)
	assert.Equal(t, "aws_db_instance.d", got[2].Address)
	assert.Equal(t, "aws_db_instance.e", got[3].Address)
	assert.Equal(t, []string{"monitoring_interval"}, got[3].Attributes)

	// Known only after apply in both plans: the same drift; a real change
	// beside it stays.
	template := []Change{{Address: "aws_launch_template.t", Type: "aws_launch_template", Actions: []string{"update"},
		Attributes: []string{"latest_version", "tag_specifications"}, After: map[string]string{"tag_specifications": "v2"}}}
	templateBase := []Change{{Address: "aws_launch_template.t", Type: "aws_launch_template", Actions: []string{"update"},
		Attributes: []string{"latest_version", "tag_specifications"}, After: map[string]string{"tag_specifications": "v1"}}}
	got = WithoutDrift(template, templateBase)
	require.Len(t, got, 1)
	assert.Equal(t, []string{"tag_specifications"}, got[0].Attributes)
	assert.Empty(t, WithoutDrift(templateBase, templateBase), "the unchanged program plans nothing")
}

func TestGapsAffected(t *testing.T) {
	doc := func(command string) *Translation {
		return &Translation{Document: map[string]any{"resource": map[string]map[string]any{
			"aws_ssm_association": {"rollout": map[string]any{
				"parameters": map[string]any{"commands": command},
				"depends_on": []string{"aws_iam_role.host"},
				"lifecycle":  map[string]any{"create_before_destroy": true},
			}},
		}}}
	}
	gaps := map[string]bool{"aws_ssm_association.rollout": true}
	base := doc("reload # ${aws_secretsmanager_secret_version.db.version_id}")
	// Its own configuration changes.
	assert.Equal(t, []string{"aws_ssm_association.rollout"}, GapsAffected(base, doc("reload # other"), nil, gaps))
	// Nothing it uses changes.
	assert.Empty(t, GapsAffected(base, base, []Change{{Address: "aws_iam_role.host", Actions: []string{"delete", "create"}}}, gaps),
		"a dependency that is not referenced in the body changes nothing")
	assert.Empty(t, GapsAffected(base, base, []Change{{Address: "aws_secretsmanager_secret_version.db", Actions: []string{"update"}}}, gaps),
		"an update keeps the referenced version")
	// A value it takes is replaced.
	assert.Equal(t, []string{"aws_ssm_association.rollout"},
		GapsAffected(base, base, []Change{{Address: "aws_secretsmanager_secret_version.db", Actions: []string{"create", "delete"}}}, gaps))
	// An attribute it takes changes in an update (a record's new version).
	assert.Equal(t, []string{"aws_ssm_association.rollout"},
		GapsAffected(base, base, []Change{{Address: "aws_secretsmanager_secret_version.db", Actions: []string{"update"}, Attributes: []string{"version_id"}}}, gaps))
	assert.Empty(t, GapsAffected(base, base, []Change{{Address: "aws_secretsmanager_secret_version.db", Actions: []string{"update"}, Attributes: []string{"other"}}}, gaps),
		"an update of another attribute keeps the value it takes")
}

// TestRenamedProperties: the bridge calls a metric alarm's alarm_name
// "name"; the translation finds it.
func TestRenamedProperties(t *testing.T) {
	s := testSchema(t)
	typ, err := s.TerraformType("aws:cloudwatch/metricAlarm:MetricAlarm", []string{"name", "threshold"})
	require.NoError(t, err)
	assert.Equal(t, "aws_cloudwatch_metric_alarm", typ)
	body, err := convertObject(s.Resources[typ], resource.NewPropertyMapFromMap(map[string]any{"name": "rds-app-dev-database-cpu", "threshold": 80}), "aws_cloudwatch_metric_alarm.x")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"alarm_name": "rds-app-dev-database-cpu", "threshold": int64(80)}, body)
}

// TestNotReachedBehindAGap: a resource the emulator never reached because
// it needs a gap's resource is a gap too; one behind a real failure is not.
func TestNotReachedBehindAGap(t *testing.T) {
	doc := map[string]any{"resource": map[string]map[string]any{
		"aws_backup_restore_testing_plan":      {"plan": map[string]any{}},
		"aws_backup_restore_testing_selection": {"sel": map[string]any{"depends_on": []string{"aws_backup_restore_testing_plan.plan"}}},
		"aws_db_instance":                      {"db": map[string]any{}},
		"aws_db_event_subscription":            {"events": map[string]any{"depends_on": []string{"aws_db_instance.db"}}},
		// Two steps behind a gap.
		"aws_sns_topic": {"after-sel": map[string]any{"depends_on": []string{"aws_backup_restore_testing_selection.sel"}}},
	}}
	tr := &Translation{Document: doc, Addresses: map[string]Resource{}}
	for typ, names := range doc["resource"].(map[string]map[string]any) {
		for name := range names {
			tr.Addresses[typ+"."+name] = Resource{TFType: typ, TFName: name}
		}
	}
	res := &ApplyResult{Outcomes: map[string]*Outcome{
		"aws_backup_restore_testing_plan.plan": {Error: "operation error Backup: CreateRestoreTestingPlan, https response error StatusCode: 404, RequestID: "},
		"aws_db_instance.db":                   {Error: "operation error RDS: CreateDBInstance, InvalidParameterCombination"},
	}}
	verdicts := map[string]Verdict{}
	for _, row := range Report(tr, res) {
		verdicts[row.Address] = row.Verdict
	}
	assert.Equal(t, map[string]Verdict{
		"aws_backup_restore_testing_plan.plan":     EmulatorGap,
		"aws_backup_restore_testing_selection.sel": EmulatorGap,
		"aws_db_instance.db":                       ProgramDefect,
		"aws_db_event_subscription.events":         NotReached,
		"aws_sns_topic.after-sel":                  EmulatorGap,
	}, verdicts)
}

// TestAutoName: a name the provider requires and the program leaves to
// Pulumi's auto-naming gets one of Pulumi's shape; a name the program sets,
// or one the provider makes up itself, is left alone.
func TestAutoName(t *testing.T) {
	s := testSchema(t)
	policy := Resource{URN: "urn:pulumi:dev::rds-app::aws:autoscaling/policy:Policy::app-scaling", Name: "app-scaling"}
	body := map[string]any{"policy_type": "TargetTrackingScaling"}
	autoName(s.Resources["aws_autoscaling_policy"], body, policy)
	assert.Regexp(t, `^app-scaling-[0-9a-f]{7}$`, body["name"])
	again := map[string]any{}
	autoName(s.Resources["aws_autoscaling_policy"], again, policy)
	assert.Equal(t, body["name"], again["name"], "stable, as Pulumi keeps it in the state")

	named := map[string]any{"name": "mine"}
	autoName(s.Resources["aws_autoscaling_policy"], named, policy)
	assert.Equal(t, "mine", named["name"])
	lb := map[string]any{}
	autoName(s.Resources["aws_lb"], lb, Resource{URN: "urn:x::aws:lb/loadBalancer:LoadBalancer::app", Name: "app"})
	assert.NotContains(t, lb, "name", "the provider names it")
}
