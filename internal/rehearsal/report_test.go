package rehearsal

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/rds-app/rds-app/internal/realprovider"
)

func TestApplyTable(t *testing.T) {
	rows := []realprovider.Row{
		{Address: "aws_db_instance.database", Verdict: realprovider.Created, Seconds: 160},
		{Address: "aws_ssm_association.app-rollout", Verdict: realprovider.EmulatorGap, Detail: "ssm:CreateAssociation"},
		{Address: "aws_instance.app-host", Verdict: realprovider.ProgramDefect, Seconds: 3, Detail: "creating EC2 Instance: operation error EC2: RunInstances\nInvalidParameterValue"},
		{Address: "aws_eip.app-host", Verdict: realprovider.NotReached},
	}
	want := `RESOURCE                         RESULT         TIME  WHY
aws_db_instance.database         created       2m40s
aws_ssm_association.app-rollout  emulator gap     0s  ssm:CreateAssociation, which moto lacks: the image rollout's State Manager association; its command is covered by the host-script tests
aws_instance.app-host            FAILED           3s
    creating EC2 Instance: operation error EC2: RunInstances
    InvalidParameterValue
aws_eip.app-host                 not reached      0s  something it depends on failed
4 resources: 1 created, 1 emulator gap, 1 failed, 1 not reached
`
	assert.Equal(t, want, applyTable(rows))
	assert.False(t, count(rows).ok())
	assert.True(t, count(rows[:2]).ok(), "an emulator gap is not a failure")
	assert.False(t, count(rows[3:]).ok(), "a resource never reached is")
}

func TestOutputsTable(t *testing.T) {
	got := outputsTable(map[string]any{"url": "http://127.1.2.3", "dbPort": 5432, "list": []any{"a"}},
		map[string][]string{"rollout": {"aws_ssm_association.app-rollout"}})
	assert.Equal(t, `  dbPort   5432
  list     ["a"]
  rollout  (not known: it needs aws_ssm_association.app-rollout, which was not created)
  url      http://127.1.2.3
`, got)
}

func TestChangeTable(t *testing.T) {
	tr := &realprovider.Translation{Addresses: map[string]realprovider.Resource{}}
	redeploy := realprovider.Summarise([]realprovider.Change{
		{Address: "aws_ssm_parameter.app-image", Type: "aws_ssm_parameter", Actions: []string{"update"}, Attributes: []string{"insecure_value"}},
	}, tr, []string{"aws_ssm_association.app-rollout"})
	assert.Equal(t, `Outcome: in place, redeploys the container
ACTION            RESOURCE                         WHY / WHAT CHANGES
updated in place  aws_ssm_parameter.app-image      insecure_value
runs again        aws_ssm_association.app-rollout  an emulator gap: decided from its inputs
`, changeTable(redeploy))

	replace := realprovider.Summarise([]realprovider.Change{
		{Address: "aws_db_instance.database", Type: "aws_db_instance", Actions: []string{"create", "delete"}, ReplacePaths: []string{"username"}},
		{Address: "aws_instance.app-host", Type: "aws_instance", Actions: []string{"delete", "create"}, ReplacePaths: []string{"ami"}},
		{Address: "aws_vpc_security_group_ingress_rule.new", Type: "aws_vpc_security_group_ingress_rule", Actions: []string{"create"}},
		{Address: "aws_vpc_security_group_ingress_rule.old", Type: "aws_vpc_security_group_ingress_rule", Actions: []string{"delete"}},
	}, tr, nil)
	got := changeTable(replace)
	assert.Contains(t, got, "Outcome: replaces the database and the host\n")
	assert.Contains(t, got, "!!! THIS REPLACES THE DATABASE: aws_db_instance.database is created anew (forced by username): a new, empty database")
	assert.Contains(t, got, "!!! THIS REPLACES THE HOST: aws_instance.app-host is created anew (forced by ami)")
	assert.Contains(t, got, "replaced          aws_db_instance.database                 forced by username\n")
	assert.Contains(t, got, "created           aws_vpc_security_group_ingress_rule.new\n")
	assert.Contains(t, got, "deleted           aws_vpc_security_group_ingress_rule.old\n")

	assert.Equal(t, "Outcome: no change\n", changeTable(realprovider.Summarise(nil, tr, nil)))

	// What Pulumi retains on delete is kept, whatever Terraform plans.
	retained := &realprovider.Translation{Addresses: map[string]realprovider.Resource{}, Retained: []string{"aws_cloudwatch_log_group.database-postgresql-log"}}
	got = changeTable(realprovider.Summarise([]realprovider.Change{
		{Address: "aws_cloudwatch_log_group.database-postgresql-log", Type: "aws_cloudwatch_log_group", Actions: []string{"create", "delete"}, ReplacePaths: []string{"name"}},
	}, retained, nil))
	assert.Contains(t, got, "replaced          aws_cloudwatch_log_group.database-postgresql-log  forced by name; the old one is kept (retained on delete)\n")
}

// In a log, progress is a line per finished resource and a line every
// stillEvery for a slow one; reads of data sources are not counted.
func TestProgressLog(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, false)
	now := p.start
	p.now = func() time.Time { return now }
	p.event(realprovider.Event{Kind: realprovider.EventStart, Address: "data.aws_ssm_parameter.q1", Action: "read"})
	p.event(realprovider.Event{Kind: realprovider.EventComplete, Address: "data.aws_ssm_parameter.q1", Action: "read"})
	p.event(realprovider.Event{Kind: realprovider.EventPlanned, Total: 12})
	p.event(realprovider.Event{Kind: realprovider.EventStart, Address: "aws_vpc.network", Action: "create"})
	now = now.Add(2 * time.Second)
	p.event(realprovider.Event{Kind: realprovider.EventComplete, Address: "aws_vpc.network", Action: "create", Elapsed: 2})
	for _, s := range []float64{10, 20, 30, 40, 50, 60} {
		now = p.start.Add(time.Duration(s) * time.Second)
		p.event(realprovider.Event{Kind: realprovider.EventProgress, Address: "aws_db_instance.database", Action: "create", Elapsed: s})
	}
	p.event(realprovider.Event{Kind: realprovider.EventErrored, Address: "aws_ssm_association.rollout", Action: "create"})
	p.finish()
	assert.Equal(t, `  [ 1/12 2s]  created aws_vpc.network (2s)
  [ 1/12 30s]  still creating aws_db_instance.database (30s)
  [ 1/12 1m0s]  still creating aws_db_instance.database (1m0s)
  [ 2/12 1m0s]  error creating aws_ssm_association.rollout (0s)
`, out.String())
}

func TestStatusLine(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	running := map[string]time.Time{
		"aws_db_instance.database": start,
		"aws_instance.app-host":    start.Add(5 * time.Second),
		"aws_eip.app-host":         start.Add(5 * time.Second),
	}
	now := start.Add(95 * time.Second)
	assert.Equal(t, "[44/46 3m0s] aws_db_instance.database (1m35s) and 2 more", statusLine("[44/46 3m0s]", running, now))
	assert.Equal(t, "[46/46 3m0s]", statusLine("[46/46 3m0s]", nil, now))
}

// On a terminal the line is redrawn in place and cleared at the end.
func TestProgressLive(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, true)
	p.event(realprovider.Event{Kind: realprovider.EventPlanned, Total: 2})
	p.event(realprovider.Event{Kind: realprovider.EventStart, Address: "aws_vpc.network", Action: "create"})
	p.event(realprovider.Event{Kind: realprovider.EventComplete, Address: "aws_vpc.network", Action: "create"})
	p.finish()
	got := out.String()
	assert.Contains(t, got, "\r\x1b[K  [0/2 0s] aws_vpc.network (0s)")
	assert.Contains(t, got, "\r\x1b[K  [1/2 0s]")
	assert.True(t, strings.HasSuffix(got, "\r\x1b[K"), "the last thing is clearing the line: %q", got)
	assert.NotContains(t, got, "\n")
}
