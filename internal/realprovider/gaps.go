package realprovider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Gap is an AWS API the emulator does not implement, which a resource type
// needs. A failure is an emulator gap only when it is listed here; any
// other failure is a defect of the program.
type Gap struct {
	// ResourceType is the Terraform resource type that needs the API.
	ResourceType string
	// API is "<service>:<Action>", as in IAM policies.
	API string
	// Phase is when the gap shows: PhaseApply, PhaseDestroy or PhaseRefresh.
	Phase Phase
	// Error is part of the emulator's answer when it refuses a call AWS
	// accepts (rather than lacking the API).
	Error string
	// Why says what the resource is for, and how it is covered instead.
	Why string
}

// EmulatorGaps is every gap the real-provider layer accepts (moto 5.2).
var EmulatorGaps = []Gap{
	{
		ResourceType: "aws_ssm_association",
		Phase:        PhaseApply,
		API:          "ssm:CreateAssociation",
		Why:          "the image rollout's State Manager association; its command is covered by the host-script tests",
	},
	{
		ResourceType: "aws_backup_selection",
		Phase:        PhaseApply,
		API:          "backup:CreateBackupSelection",
		Why:          "what the daily backup plan backs up (the database); its inputs are checked under mocks, and the plan and vault it names are created",
	},
	{
		ResourceType: "aws_backup_restore_testing_plan",
		Phase:        PhaseApply,
		API:          "backup:CreateRestoreTestingPlan",
		Error:        "StatusCode: 404",
		Why:          "the weekly restore test's schedule; its inputs are checked under mocks (its selection, which needs it, is not reached either)",
	},
	{
		ResourceType: "aws_backup_vault_notifications",
		Phase:        PhaseApply,
		API:          "backup:PutBackupVaultNotifications",
		Error:        "StatusCode: 404",
		Why:          "sends restore results to the topic; the topic and its policy allowing AWS Backup are created, the inputs checked under mocks",
	},
	{
		ResourceType: "aws_db_instance",
		Phase:        PhaseApply,
		API:          "rds:DescribeDBInstances",
		Error:        "couldn't find resource",
		Why: "moto gives a read replica its source's DbiResourceId, and the provider, which finds a new instance by that ID, never sees the replica it created; " +
			"the replica's inputs (source, key, zone, security group) are checked under mocks, and the primary is created",
	},
	{
		ResourceType: "aws_network_interface",
		API:          "ec2:DetachNetworkInterface",
		Phase:        PhaseDestroy,
		Error:        "OperationNotPermitted: The network interface at device index 0",
		Why:          "moto keeps the host's primary interface attached to the terminated instance; AWS detaches it at termination, and the interface is then deleted",
	},
	{
		ResourceType: "aws_s3_bucket_lifecycle_configuration",
		Phase:        PhaseApply,
		API:          "s3:PutBucketLifecycleConfiguration",
		Error:        "timeout while waiting for state to become 'true'",
		Why: "moto drops NoncurrentVersionExpiration's NewerNoncurrentVersions, so the provider waits in vain for the rule it wrote to read back (3 minutes, beside the database's creation); " +
			"the rule is checked under mocks, and the bucket, its versioning and the release record are created",
	},
	{
		ResourceType: "aws_secretsmanager_secret_version",
		Phase:        PhaseRefresh,
		API:          "secretsmanager:GetSecretValue",
		Error:        "currently marked deleted",
		Why:          "moto words the refusal for a secret scheduled for deletion differently from AWS, whose wording the provider takes as \"gone\"",
	},
}

// Phase is a step of the real-provider layer.
type Phase string

const (
	PhaseApply   Phase = "apply"
	PhaseDestroy Phase = "destroy"
	// PhaseRefresh reads, after a destroy, what still exists.
	PhaseRefresh Phase = "refresh"
)

// Drift is a set of attributes the emulator accepts but does not keep: it
// answers them empty, so every plan sets them again. Plans ignore them.
type Drift struct {
	ResourceType string
	Attributes   []string
	Why          string
}

// EmulatorDrift is every attribute the plans ignore (moto 5.2).
var EmulatorDrift = []Drift{
	{
		ResourceType: "aws_db_instance",
		Attributes: []string{"database_insights_mode", "engine_lifecycle_support", "monitoring_interval", "monitoring_role_arn", "performance_insights_enabled",
			"performance_insights_kms_key_id", "performance_insights_retention_period"},
		Why: "moto's DescribeDBInstances answers no Database Insights, Extended Support, Performance Insights or Enhanced Monitoring settings",
	},
	{
		ResourceType: "aws_autoscaling_group",
		Attributes:   []string{"capacity_reservation_specification", "default_instance_warmup", "instance_refresh"},
		Why:          "moto's DescribeAutoScalingGroups answers no capacity reservation, default warmup or instance refresh settings",
	},
	{
		ResourceType: "aws_autoscaling_policy",
		Attributes:   []string{"enabled", "predictive_scaling_configuration"},
		Why:          "moto's DescribePolicies answers neither whether a policy is enabled nor an empty predictive configuration",
	},
	{
		ResourceType: "aws_launch_template",
		Attributes:   []string{"default_version", "latest_version", "network_interfaces", "tag_specifications"},
		Why: "moto's DescribeLaunchTemplateVersions answers the network interface and tag specifications other than they were given, and so the provider plans a new version each time; " +
			"a change of them (a release's tag) still shows, since plans ignore only the unchanged program's values",
	},
}

// WithoutDrift drops from changes the updates of attributes the emulator
// does not keep, and the updates left with nothing else. An attribute is
// drift only when baseline (the plan of the unchanged program) sets it to
// the same value: a real change of it still shows.
func WithoutDrift(changes, baseline []Change) []Change {
	before := map[string]map[string]string{}
	changedBefore := map[string][]string{}
	for _, c := range baseline {
		before[c.Address] = c.After
		changedBefore[c.Address] = c.Attributes
	}
	var out []Change
	for _, c := range changes {
		if len(c.Actions) == 1 && c.Actions[0] == "update" {
			var attrs []string
			for _, a := range c.Attributes {
				base, inBaseline := before[c.Address][a]
				after, known := c.After[a]
				// Known only after apply in both plans (a computed
				// attribute the drift makes new) is the same value too.
				unknownInBoth := !inBaseline && !known && slices.Contains(changedBefore[c.Address], a)
				if !drifts(c.Type, a) || (!unknownInBoth && (!inBaseline || base != after)) {
					attrs = append(attrs, a)
				}
			}
			if len(attrs) == 0 && len(c.Attributes) > 0 {
				continue
			}
			c.Attributes = attrs
		}
		out = append(out, c)
	}
	return out
}

// Meaningful is what a plan says about the program: planned without the
// emulator's drift (measured by baseline, the plan of the unchanged
// program) and without the resources the emulator could not create (gaps,
// by address), which every plan shows as still to be created.
func Meaningful(planned, baseline []Change, gaps map[string]bool) []Change {
	var out []Change
	for _, c := range WithoutDrift(planned, baseline) {
		if !gaps[c.Address] {
			out = append(out, c)
		}
	}
	return out
}

func drifts(resourceType, attr string) bool {
	for _, d := range EmulatorDrift {
		if d.ResourceType == resourceType && slices.Contains(d.Attributes, attr) {
			return true
		}
	}
	return false
}

// GapsAffected names the emulator-gap resources a plan would change, had
// the emulator created them: those whose configuration differs from the
// baseline's, or that take a value from a resource the plan replaces (its
// ID and computed attributes are new), or an attribute the plan changes (a
// release record's new version ID).
func GapsAffected(baseline, next *Translation, changes []Change, gaps map[string]bool) []string {
	replaced := map[string]bool{}
	changed := map[string]bool{}
	for _, c := range changes {
		if c.Replaced() {
			replaced[c.Address] = true
		}
		for _, a := range c.Attributes {
			changed[c.Address+"."+a] = true
		}
	}
	var out []string
	for addr := range gaps {
		before, after := baseline.body(addr), next.body(addr)
		if before != after {
			out = append(out, addr)
			continue
		}
		for _, m := range referenceRE.FindAllStringSubmatch(after, -1) {
			if replaced[m[1]] || changed[m[1]+"."+m[2]] {
				out = append(out, addr)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// dependencies are the addresses a resource's configuration depends on.
func (t *Translation) dependencies(addr string) []string {
	typ, name, _ := strings.Cut(addr, ".")
	blocks, _ := t.Document["resource"].(map[string]map[string]any)
	b, _ := blocks[typ][name].(map[string]any)
	switch deps := b["depends_on"].(type) {
	case []string:
		return deps
	case []any: // a translation read back from JSON (Remote)
		out := make([]string, 0, len(deps))
		for _, d := range deps {
			if s, ok := d.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

var referenceRE = regexp.MustCompile(`\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+)\}`)

// body is a resource's configuration as JSON, without its lifecycle and
// dependencies ("" when it has none).
func (t *Translation) body(addr string) string {
	typ, name, _ := strings.Cut(addr, ".")
	blocks, _ := t.Document["resource"].(map[string]map[string]any)
	b, ok := blocks[typ][name].(map[string]any)
	if !ok {
		return ""
	}
	trimmed := map[string]any{}
	for k, v := range b {
		if k != "lifecycle" && k != "depends_on" {
			trimmed[k] = v
		}
	}
	data, _ := json.Marshal(trimmed)
	return string(data)
}

// Verdict classifies one resource of an apply.
type Verdict string

const (
	Created       Verdict = "created"
	EmulatorGap   Verdict = "emulator gap"
	ProgramDefect Verdict = "program defect"
	// NotReached is a resource Terraform never started because something
	// it depends on failed.
	NotReached Verdict = "not reached"
)

// Row is one line of an apply report.
type Row struct {
	Address string
	Verdict Verdict
	// Detail is the provider's message (failures) or the gap's API.
	Detail string
	// Seconds is how long the provider took.
	Seconds float64
}

var operationRE = regexp.MustCompile(`operation error ([A-Za-z0-9 ]+): ([A-Za-z0-9]+)`)

// notImplemented recognises moto's answer to an API it lacks: HTTP 500
// with an HTML page, or an explicit "not implemented".
func notImplemented(msg string) bool {
	return strings.Contains(msg, "StatusCode: 500") ||
		strings.Contains(msg, "has not been implemented") ||
		strings.Contains(msg, "NotImplemented")
}

// API names the AWS API a provider error message is about
// ("operation error SSM: CreateAssociation" -> "ssm:CreateAssociation").
func API(msg string) string {
	m := operationRE.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	return strings.ToLower(strings.ReplaceAll(m[1], " ", "")) + ":" + m[2]
}

// Classify decides what a failure of a resource in a phase is.
func Classify(resourceType, msg string, phase Phase) (Verdict, string) {
	api := API(msg)
	for _, g := range EmulatorGaps {
		if g.ResourceType != resourceType || g.Phase != phase {
			continue
		}
		// A message that names no API call (the provider's own "couldn't
		// find resource" after a create) matches only a gap's own words.
		if api != g.API && (api != "" || g.Error == "") {
			continue
		}
		if (g.Error == "" && notImplemented(msg)) || (g.Error != "" && strings.Contains(msg, g.Error)) {
			return EmulatorGap, g.API
		}
	}
	return ProgramDefect, msg
}

// Failures classifies what a destroy could not delete, or a refresh could
// not read.
func Failures(t *Translation, res *ApplyResult, phase Phase) []Row {
	var rows []Row
	for addr, o := range res.Outcomes {
		if o.Error == "" {
			continue
		}
		row := Row{Address: addr, Verdict: ProgramDefect, Detail: o.Error}
		if r, ok := t.Addresses[addr]; ok {
			row.Verdict, row.Detail = Classify(r.TFType, o.Error, phase)
		}
		rows = append(rows, row)
	}
	for _, e := range res.Errors {
		rows = append(rows, Row{Address: "(" + string(phase) + ")", Verdict: ProgramDefect, Detail: e})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Address < rows[j].Address })
	return rows
}

// Report classifies every resource of a translation after an apply.
func Report(t *Translation, res *ApplyResult) []Row {
	var rows []Row
	for addr, r := range t.Addresses {
		row := Row{Address: addr, Verdict: NotReached}
		if o := res.Outcomes[addr]; o != nil {
			row.Seconds = o.Seconds
			switch {
			case o.Error != "":
				row.Verdict, row.Detail = Classify(r.TFType, o.Error, PhaseApply)
			case o.Created:
				row.Verdict = Created
			}
		}
		rows = append(rows, row)
	}
	// What the emulator never reached because it needs a gap's resource is
	// a gap too: it says nothing of the program.
	gaps := map[string]bool{}
	for _, r := range rows {
		if r.Verdict == EmulatorGap {
			gaps[r.Address] = true
		}
	}
	// Through any number of steps: what needs something that needs a gap.
	for changed := true; changed; {
		changed = false
		for i, r := range rows {
			if r.Verdict != NotReached {
				continue
			}
			for _, dep := range t.dependencies(r.Address) {
				if gaps[dep] {
					rows[i].Verdict, rows[i].Detail = EmulatorGap, "needs "+dep
					gaps[r.Address], changed = true, true
					break
				}
			}
		}
	}
	for addr, o := range res.Outcomes {
		if _, ok := t.Addresses[addr]; !ok && o.Error != "" {
			rows = append(rows, Row{Address: addr, Verdict: ProgramDefect, Detail: o.Error})
		}
	}
	for _, e := range res.Errors {
		rows = append(rows, Row{Address: "(configuration)", Verdict: ProgramDefect, Detail: e})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Address < rows[j].Address })
	return rows
}

// FormatReport prints rows as a table.
func FormatReport(rows []Row) string {
	var b strings.Builder
	counts := map[Verdict]int{}
	for _, r := range rows {
		counts[r.Verdict]++
		detail := strings.ReplaceAll(r.Detail, "\n", " ")
		if len(detail) > 300 {
			detail = detail[:300] + "…"
		}
		fmt.Fprintf(&b, "  %-70s %-15s %4.0fs %s\n", r.Address, r.Verdict, r.Seconds, detail)
	}
	fmt.Fprintf(&b, "  %d created, %d emulator gaps, %d program defects, %d not reached\n",
		counts[Created], counts[EmulatorGap], counts[ProgramDefect], counts[NotReached])
	return b.String()
}
