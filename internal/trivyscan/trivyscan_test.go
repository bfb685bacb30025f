package trivyscan

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// report is the shape of `trivy config --format json` (0.74): one result
// per file, each failed check with the resource it is about.
const report = `{
  "SchemaVersion": 2,
  "ArtifactName": "plan",
  "ArtifactType": "filesystem",
  "Results": [
    {
      "Target": "tfplan.json",
      "Class": "config",
      "Type": "terraformplan-json",
      "MisconfSummary": {"Successes": 0, "Failures": 3},
      "Misconfigurations": [
        {"Type": "Terraform Plan JSON", "ID": "AWS-0107", "AVDID": "AVD-AWS-0107", "Title": "An ingress security group rule allows traffic from /0.",
         "Severity": "CRITICAL", "Status": "FAIL", "CauseMetadata": {"Resource": "aws_vpc_security_group_ingress_rule.b", "Provider": "AWS", "Service": "ec2"}},
        {"Type": "Terraform Plan JSON", "ID": "AWS-0054", "AVDID": "AVD-AWS-0054", "Title": "Use of plain HTTP.",
         "Severity": "CRITICAL", "Status": "FAIL", "CauseMetadata": {"Resource": "aws_lb_listener.http", "Provider": "AWS", "Service": "elb"}},
        {"Type": "Terraform Plan JSON", "ID": "AWS-0107", "AVDID": "AVD-AWS-0107", "Title": "An ingress security group rule allows traffic from /0.",
         "Severity": "CRITICAL", "Status": "FAIL", "CauseMetadata": {"Resource": "aws_vpc_security_group_ingress_rule.a", "Provider": "AWS", "Service": "ec2"}},
        {"Type": "Terraform Plan JSON", "ID": "AWS-0099", "AVDID": "AVD-AWS-0099", "Title": "passed",
         "Severity": "HIGH", "Status": "PASS", "CauseMetadata": {"Resource": "aws_security_group.x"}}
      ]
    }
  ]
}`

func TestParseReport(t *testing.T) {
	findings, err := ParseReport([]byte(report))
	require.NoError(t, err)
	assert.Equal(t, []Finding{
		{ID: "AWS-0054", Resource: "aws_lb_listener.http", Severity: "CRITICAL", Title: "Use of plain HTTP."},
		{ID: "AWS-0107", Resource: "aws_vpc_security_group_ingress_rule.a", Severity: "CRITICAL", Title: "An ingress security group rule allows traffic from /0."},
		{ID: "AWS-0107", Resource: "aws_vpc_security_group_ingress_rule.b", Severity: "CRITICAL", Title: "An ingress security group rule allows traffic from /0."},
	}, findings, "failed checks only, sorted by check and resource")

	_, err = ParseReport([]byte("not json"))
	assert.Error(t, err)
}

// TestCheck: a finding not listed for the stack is unlisted; a listed one
// the stack no longer has is stale.
func TestCheck(t *testing.T) {
	saved := Accepted
	t.Cleanup(func() { Accepted = saved })
	Accepted = []Exception{
		{ID: "AWS-0054", Resource: "aws_lb_listener.http", Stacks: []string{"scale"}, Reason: "r"},
		{ID: "AWS-0107", Resource: "aws_vpc_security_group_ingress_rule.a", Stacks: []string{"dev", "scale"}, Reason: "r"},
	}
	http := Finding{ID: "AWS-0054", Resource: "aws_lb_listener.http"}
	ingress := Finding{ID: "AWS-0107", Resource: "aws_vpc_security_group_ingress_rule.a"}

	unlisted, stale := Check("scale", []Finding{http, ingress})
	assert.Empty(t, unlisted)
	assert.Empty(t, stale)

	unlisted, stale = Check("dev", []Finding{http, ingress})
	assert.Equal(t, []Finding{http}, unlisted, "listed for another stack only")
	assert.Empty(t, stale)

	unlisted, stale = Check("scale", []Finding{ingress})
	assert.Empty(t, unlisted)
	assert.Equal(t, []Exception{Accepted[0]}, stale)
}

// TestAcceptedIsComplete: every entry names a check, a resource, the
// shipped stacks that have it and a reason, once.
func TestAcceptedIsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Accepted {
		key := a.ID + " " + a.Resource
		assert.False(t, seen[key], "%s is listed twice", key)
		seen[key] = true
		assert.Regexp(t, `^AWS-\d{4}$`, a.ID)
		assert.Regexp(t, `^aws_[a-z0-9_]+\.[A-Za-z0-9_-]+$`, a.Resource)
		assert.Contains(t, []string{"HIGH", "CRITICAL"}, a.Severity, key)
		assert.NotEmpty(t, a.Title, key)
		assert.NotEmpty(t, a.Stacks, key)
		for _, s := range a.Stacks {
			assert.Contains(t, []string{"dev", "prod", "scale"}, s, key)
		}
		assert.True(t, slices.IsSorted(a.Stacks), "%s: stacks in the order dev, prod, scale", key)
		assert.Greater(t, len(a.Reason), 40, "%s: say why it stays", key)
	}
}

func TestTable(t *testing.T) {
	saved := Accepted
	t.Cleanup(func() { Accepted = saved })
	Accepted = []Exception{{ID: "AWS-0054", Resource: "aws_lb_listener.http", Severity: "CRITICAL", Title: "Use of plain HTTP.", Stacks: []string{"scale"}, Reason: "no domain"}}
	assert.Equal(t, "| Check | Severity | Resource | Stacks | Why it stays |\n| --- | --- | --- | --- | --- |\n"+
		"| AWS-0054 Use of plain HTTP. | CRITICAL | `aws_lb_listener.http` | scale | no domain |\n", Table())
}

func TestArgsRunOffline(t *testing.T) {
	args := strings.Join(Args("/c", "/r.json", "/p"), " ")
	assert.Equal(t, "config --format json --severity HIGH,CRITICAL --skip-check-update --cache-dir /c --output /r.json /p", args)
}

// TestForTrivy: a list element unknown until apply leaves the planned
// values, an expression with references loses its constant; everything
// else stays.
func TestForTrivy(t *testing.T) {
	plan := `{"format_version":"1.2","resource_changes":[{"address":"aws_backup_restore_testing_plan.t","change":{"actions":["create"],` +
		`"after":{"name":"t","tags":null,"recovery_point_selection":[{"include_vaults":[null],"recovery_point_types":["SNAPSHOT"]}]},` +
		`"after_unknown":{"recovery_point_selection":[{"include_vaults":[true]}]}}}],` +
		`"configuration":{"root_module":{"resources":[{"address":"aws_lb_listener.http","expressions":{` +
		`"load_balancer_arn":{"constant_value":"${aws_lb.lb.arn}","references":["aws_lb.lb.arn","aws_lb.lb"]},` +
		`"default_action":[{"type":{"constant_value":"forward"}}],"port":{"constant_value":80},"tags":{"constant_value":null,"references":[]}}}]}}}`
	got, err := ForTrivy([]byte(plan))
	require.NoError(t, err)
	assert.JSONEq(t, `{"format_version":"1.2","resource_changes":[{"address":"aws_backup_restore_testing_plan.t","change":{"actions":["create"],`+
		`"after":{"name":"t","tags":null,"recovery_point_selection":[{"include_vaults":[],"recovery_point_types":["SNAPSHOT"]}]},`+
		`"after_unknown":{"recovery_point_selection":[{"include_vaults":[true]}]}}}],`+
		`"configuration":{"root_module":{"resources":[{"address":"aws_lb_listener.http","expressions":{`+
		`"load_balancer_arn":{"references":["aws_lb.lb.arn","aws_lb.lb"]},`+
		`"default_action":[{"type":{"constant_value":"forward"}}],"port":{"constant_value":80},"tags":{"constant_value":null,"references":[]}}}]}}}`, string(got))

	_, err = ForTrivy([]byte("{"))
	assert.Error(t, err)
}

func TestLoggedErrors(t *testing.T) {
	log := "2026-12-05T18:43:12Z\tINFO\t[misconfig] Misconfiguration scanning is enabled\n" +
		"2026-12-05T18:43:12Z\tERROR\t[misconfig] Falling back to embedded checks\terr=\"failed to check cache\"\n" +
		"2026-12-05T18:43:14Z\tERROR\t[terraform parser] Error parsing file\tmodule=\"root\" file_path=\"main.tf\"\n"
	assert.Equal(t, []string{"2026-12-05T18:43:14Z\tERROR\t[terraform parser] Error parsing file\tmodule=\"root\" file_path=\"main.tf\""}, loggedErrors(log))
}
