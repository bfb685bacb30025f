// Package trivyscan owns the independent security scan of the shipped
// stacks: Trivy (the pinned Version) reads the plan the real AWS provider
// makes of each stack (`terraform show -json`), and every HIGH or CRITICAL
// finding is either fixed in the program or listed in Accepted with the
// reason it stays. The real-provider layer runs the scan
// (acceptance/realprovider) and fails on a finding not listed; the manual's
// table of accepted findings (docs/security.md) is rendered from Accepted.
package trivyscan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Version is the Trivy release the scan is pinned to. Its checks are the
// ones built into that release (the trivy-checks module it requires):
// the scan never downloads a newer bundle, so a finding appears or goes
// only when this changes. .ci/run builds this version
// (`go install github.com/aquasecurity/trivy/cmd/trivy@v<Version>`).
const Version = "0.74.0"

// Severities are the severities the scan reports; lower ones are not
// looked at.
const Severities = "HIGH,CRITICAL"

// EnvBinary names the environment variable that points at the trivy
// binary (.ci/run sets it to the one it built); without it, trivy is
// looked up on PATH.
const EnvBinary = "RDS_APP_TRIVY"

// Finding is one failed check on one resource.
type Finding struct {
	// ID is Trivy's check ID, "AWS-0054".
	ID string
	// Resource is the resource's address in the plan,
	// "aws_lb_listener.compute-http".
	Resource string
	// Severity is "HIGH" or "CRITICAL".
	Severity string
	// Title is the check's title.
	Title string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s on %s: %s", f.Severity, f.ID, f.Resource, f.Title)
}

// Scan runs trivy (bin) on one plan, as `terraform show -json` prints it,
// and returns its HIGH and CRITICAL findings, sorted. It runs offline:
// with a cache of its own that holds no downloaded checks and
// --skip-check-update, Trivy falls back to the checks built into it. An
// error Trivy logs (a plan it could not read, which it would otherwise
// report as clean) fails the scan.
func Scan(ctx context.Context, bin string, plan []byte) ([]Finding, error) {
	plan, err := ForTrivy(plan)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rds-app-trivy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// A directory with nothing but the plan, which Trivy knows by its
	// content.
	target := filepath.Join(dir, "plan")
	if err := os.Mkdir(target, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(target, "tfplan.json"), plan, 0o644); err != nil {
		return nil, err
	}
	report := filepath.Join(dir, "report.json")
	cmd := exec.CommandContext(ctx, bin, Args(filepath.Join(dir, "cache"), report, target)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("running trivy: %w\n%s", err, out.String())
	}
	if errs := loggedErrors(out.String()); len(errs) > 0 {
		return nil, fmt.Errorf("trivy could not read the whole plan:\n%s", strings.Join(errs, "\n"))
	}
	data, err := os.ReadFile(report)
	if err != nil {
		return nil, fmt.Errorf("reading trivy's report: %w\n%s", err, out.String())
	}
	return ParseReport(data)
}

// loggedErrors are the ERROR lines of trivy's log but the expected one:
// there is no downloaded check bundle, so it uses its own checks.
func loggedErrors(log string) []string {
	var errs []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "\tERROR\t") && !strings.Contains(line, "Falling back to embedded checks") {
			errs = append(errs, line)
		}
	}
	return errs
}

// ForTrivy rewrites a plan (`terraform show -json`) so that Trivy 0.74
// reads all of it, the same way each time, as it reads the plan of a
// configuration written in Terraform's own language:
//
//   - An expression that refers to another resource keeps its references
//     and loses its constant_value. The configuration the real-provider
//     layer plans is Terraform JSON, where a reference is a template
//     string ("${aws_lb.app-lb.arn}"), and Terraform reports both; Trivy
//     takes whichever of the two it meets first in a Go map, so a check
//     that follows a reference (a listener's load balancer, a rule's
//     security group) would find a resource on one run and not the next.
//   - A list element unknown until apply (null in the planned values: the
//     ARN of a resource still to be created) is dropped. Trivy turns a plan
//     into Terraform's language to read it, writes such an element as
//     `<nil>`, which is not the language, and then reads nothing of the
//     whole plan (aquasecurity/trivy#7630 shows the same error). It could
//     know nothing of an unknown value anyway.
func ForTrivy(plan []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(plan, &doc); err != nil {
		return nil, fmt.Errorf("reading the plan: %w", err)
	}
	changes, _ := doc["resource_changes"].([]any)
	for _, rc := range changes {
		change, _ := rc.(map[string]any)["change"].(map[string]any)
		if change != nil {
			change["after"] = dropNullElements(change["after"])
		}
	}
	if cfg, ok := doc["configuration"].(map[string]any); ok {
		referencesOnly(cfg["root_module"])
	}
	return json.Marshal(doc)
}

// referencesOnly removes constant_value from every expression of a
// configuration module (and its module calls) that has references.
func referencesOnly(v any) {
	switch v := v.(type) {
	case map[string]any:
		if refs, ok := v["references"].([]any); ok && len(refs) > 0 {
			delete(v, "constant_value")
		}
		for _, e := range v {
			referencesOnly(e)
		}
	case []any:
		for _, e := range v {
			referencesOnly(e)
		}
	}
}

func dropNullElements(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = dropNullElements(e)
		}
		return v
	case []any:
		out := v[:0]
		for _, e := range v {
			if e != nil {
				out = append(out, dropNullElements(e))
			}
		}
		return out
	}
	return v
}

// Args are trivy's arguments for scanning target (a directory holding
// tfplan.json) into report, with cacheDir as its cache: what Scan runs
// and what docs/security.md tells users to run.
func Args(cacheDir, report, target string) []string {
	return []string{"config", "--format", "json", "--severity", Severities,
		"--skip-check-update", "--cache-dir", cacheDir, "--output", report, target}
}

// ParseReport reads the failed checks out of trivy's JSON report.
func ParseReport(data []byte) ([]Finding, error) {
	var report struct {
		Results []struct {
			Target            string
			Misconfigurations []struct {
				ID            string
				AVDID         string
				Title         string
				Severity      string
				Status        string
				CauseMetadata struct {
					Resource string
				}
			}
		}
	}
	if err := json.Unmarshal(data, &report); err != nil {
		return nil, fmt.Errorf("reading trivy's report: %w", err)
	}
	var findings []Finding
	for _, r := range report.Results {
		for _, m := range r.Misconfigurations {
			if m.Status != "FAIL" {
				continue
			}
			id := m.ID
			if id == "" {
				id = m.AVDID
			}
			findings = append(findings, Finding{
				ID:       strings.TrimPrefix(id, "AVD-"),
				Resource: m.CauseMetadata.Resource,
				Severity: m.Severity,
				Title:    m.Title,
			})
		}
	}
	sort.Slice(findings, func(i, j int) bool {
		if findings[i].ID != findings[j].ID {
			return findings[i].ID < findings[j].ID
		}
		return findings[i].Resource < findings[j].Resource
	})
	return slices.Compact(findings), nil
}

// Check compares one stack's findings with Accepted: unlisted are the
// findings no entry accepts on that stack, stale the entries for that stack
// that Trivy no longer finds (the table says only what is true).
func Check(stack string, findings []Finding) (unlisted []Finding, stale []Exception) {
	found := map[[2]string]bool{}
	for _, f := range findings {
		found[[2]string{f.ID, f.Resource}] = true
		if a := accepted(stack, f); a == nil {
			unlisted = append(unlisted, f)
		}
	}
	for _, a := range Accepted {
		if slices.Contains(a.Stacks, stack) && !found[[2]string{a.ID, a.Resource}] {
			stale = append(stale, a)
		}
	}
	return unlisted, stale
}

func accepted(stack string, f Finding) *Exception {
	for i, a := range Accepted {
		if a.ID == f.ID && a.Resource == f.Resource && slices.Contains(a.Stacks, stack) {
			return &Accepted[i]
		}
	}
	return nil
}

// Table is the manual's table of accepted findings (docs/security.md's
// trivy-table block).
func Table() string {
	var b strings.Builder
	b.WriteString("| Check | Severity | Resource | Stacks | Why it stays |\n| --- | --- | --- | --- | --- |\n")
	for _, a := range Accepted {
		fmt.Fprintf(&b, "| %s %s | %s | `%s` | %s | %s |\n", a.ID, a.Title, a.Severity, a.Resource, strings.Join(a.Stacks, ", "), a.Reason)
	}
	return b.String()
}
