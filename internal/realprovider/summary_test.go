package realprovider

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSummarise(t *testing.T) {
	tr := &Translation{Addresses: map[string]Resource{
		"aws_instance.app_host":  {Name: "app-host"},
		"aws_db_instance.db":     {Name: "database"},
		"aws_ssm_association.ro": {Name: "app-rollout"},
	}}
	changes := []Change{
		{Address: "aws_subnet.b", Type: "aws_subnet", Actions: []string{"create", "delete"}, ReplacePaths: []string{"vpc_id"}},
		{Address: "aws_subnet.a", Type: "aws_subnet", Actions: []string{"create", "delete"}, ReplacePaths: []string{"cidr_block"}},
		{Address: "aws_instance.app_host", Type: "aws_instance", Actions: []string{"delete", "create"}, ReplacePaths: []string{"ami"}},
		{Address: "aws_eip.ip", Type: "aws_eip", Actions: []string{"update"}, Attributes: []string{"network_interface"}},
		{Address: "aws_db_instance.db", Type: "aws_db_instance", Actions: []string{"update"}, Attributes: []string{"port"}},
		{Address: "aws_vpc_security_group_ingress_rule.r1", Type: "aws_vpc_security_group_ingress_rule", Actions: []string{"create"}},
		{Address: "aws_vpc_security_group_ingress_rule.r0", Type: "aws_vpc_security_group_ingress_rule", Actions: []string{"delete"}},
	}
	s := Summarise(changes, tr, []string{"aws_ssm_association.ro"})
	assert.True(t, s.ReplacesHost())
	assert.False(t, s.ReplacesDatabase())
	assert.True(t, s.RedeploysContainer())
	assert.Equal(t, "replaces the host", s.Verdict())
	// The host first, then by name.
	var replaced []string
	for _, c := range s.Replaced {
		replaced = append(replaced, c.Address)
	}
	assert.Equal(t, []string{"aws_instance.app_host", "aws_subnet.a", "aws_subnet.b"}, replaced)
	assert.Equal(t, "db_instance database", s.Name("aws_db_instance.db"))
	assert.Equal(t, []string{"port"}, s.Why(s.Updated[0]))
	verdict, plan := s.Markdown()
	assert.Equal(t, "**replaces the host**", verdict)
	assert.Equal(t, "replaces `instance app-host` (ami), `subnet a` (cidr_block), `subnet b` (vpc_id); "+
		"updates `db_instance database` (port), `eip ip` (network_interface); "+
		"creates `vpc_security_group_ingress_rule r1`; deletes `vpc_security_group_ingress_rule r0`; "+
		"reruns (emulator gap, from its inputs) `ssm_association app-rollout`", plan)

	// More than four of one action are counted, not listed.
	var many []Change
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		many = append(many, Change{Address: "aws_subnet." + n, Type: "aws_subnet", Actions: []string{"create"}})
	}
	_, plan = Summarise(many, nil, nil).Markdown()
	assert.Equal(t, "creates `subnet a`, `subnet b`, `subnet c`, `subnet d` and 2 more", plan)

	empty := Summarise(nil, tr, nil)
	assert.True(t, empty.Empty())
	verdict, plan = empty.Markdown()
	assert.Equal(t, "no change", verdict)
	assert.Equal(t, "nothing", plan)

	db := Summarise([]Change{{Address: "aws_db_instance.db", Type: "aws_db_instance", Actions: []string{"create", "delete"}}}, tr, nil)
	assert.Equal(t, "replaces the database", db.Verdict())
	assert.Equal(t, "in place", Summarise(changes[4:5], tr, nil).Verdict())
	assert.Equal(t, "in place, redeploys the container", Summarise(changes[4:5], tr, []string{"aws_ssm_association.ro"}).Verdict())
}

// TestSummariseRetained: Terraform plans to delete the old copy of a
// replaced or removed resource that Pulumi retains on delete; the summary
// says it is kept.
func TestSummariseRetained(t *testing.T) {
	tr := &Translation{
		Addresses: map[string]Resource{"aws_cloudwatch_log_group.pg": {Name: "database-postgresql-log"}, "aws_cloudwatch_log_group.up": {Name: "database-upgrade-log"}},
		Retained:  []string{"aws_cloudwatch_log_group.pg", "aws_cloudwatch_log_group.gone"},
	}
	s := Summarise([]Change{
		{Address: "aws_cloudwatch_log_group.pg", Type: "aws_cloudwatch_log_group", Actions: []string{"create", "delete"}, ReplacePaths: []string{"name"}},
		{Address: "aws_cloudwatch_log_group.up", Type: "aws_cloudwatch_log_group", Actions: []string{"create", "delete"}, ReplacePaths: []string{"name"}},
		{Address: "aws_cloudwatch_log_group.gone", Type: "aws_cloudwatch_log_group", Actions: []string{"delete"}},
		{Address: "aws_cloudwatch_log_group.new", Type: "aws_cloudwatch_log_group", Actions: []string{"create"}},
	}, tr, nil)
	assert.True(t, s.KeepsOld(s.Replaced[0]))
	assert.False(t, s.KeepsOld(s.Replaced[1]))
	assert.False(t, s.KeepsOld(s.Created[0]), "only a deletion or replacement keeps an old one")
	_, plan := s.Markdown()
	assert.Equal(t, "replaces `cloudwatch_log_group database-postgresql-log` (name; the old one is kept), `cloudwatch_log_group database-upgrade-log` (name); "+
		"creates `cloudwatch_log_group new`; deletes `cloudwatch_log_group gone` (the old one is kept)", plan)
}

func TestMeaningful(t *testing.T) {
	planned := []Change{
		{Address: "aws_ssm_association.ro", Type: "aws_ssm_association", Actions: []string{"create"}},
		{Address: "aws_db_instance.db", Type: "aws_db_instance", Actions: []string{"update"}, Attributes: []string{"monitoring_interval"},
			After: map[string]string{"monitoring_interval": "0"}},
		{Address: "aws_ssm_parameter.image", Type: "aws_ssm_parameter", Actions: []string{"update"}, Attributes: []string{"insecure_value"}},
	}
	baseline := planned[:2]
	got := Meaningful(planned, baseline, map[string]bool{"aws_ssm_association.ro": true})
	assert.Equal(t, []Change{planned[2]}, got, "the gap and the drift go, the real change stays")
}

func TestSummariseModeSwitches(t *testing.T) {
	host := Change{Address: "aws_instance.app_host", Type: "aws_instance"}
	group := Change{Address: "aws_autoscaling_group.app", Type: "aws_autoscaling_group"}
	template := Change{Address: "aws_launch_template.app", Type: "aws_launch_template"}
	with := func(c Change, actions ...string) Change { c.Actions = actions; return c }

	toGroup := Summarise([]Change{with(host, "delete"), with(group, "create"), with(template, "create")}, nil, nil)
	assert.Equal(t, "replaces the host with hosts behind a load balancer", toGroup.Verdict())
	verdict, _ := toGroup.Markdown()
	assert.Equal(t, "**replaces the host with hosts behind a load balancer**", verdict)

	back := Summarise([]Change{with(host, "create"), with(group, "delete"), with(template, "delete")}, nil, nil)
	assert.Equal(t, "replaces the hosts behind a load balancer with one host", back.Verdict())

	rolls := Summarise([]Change{with(template, "update"), with(group, "update")}, nil, nil)
	assert.Equal(t, "in place, rolls the hosts", rolls.Verdict())
	assert.False(t, rolls.Disruptive())
	// Resizing the group changes no template: no refresh.
	assert.Equal(t, "in place", Summarise([]Change{with(group, "update")}, nil, nil).Verdict())
}
