package refresh

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// NextSteps ends every failure message: a failed roll ends `pulumi up`.
const NextSteps = "Fix the release (its image or settings) and run `pulumi up` again, " +
	"or go back to the previous release with `bin/rds-app-ship --rollback`."

// Failure is Roll's error when a refresh ends other than Successful: what
// AWS said, what the group runs now and why the new hosts failed.
type Failure struct {
	Request Request
	// Refresh is the refresh as last described, in a terminal status.
	Refresh types.InstanceRefresh
	// TimedOut: Roll stopped the refresh after Request.Timeout, as
	// Stopped says ("rolled back", or cancelled where AWS refused).
	TimedOut bool
	Stopped  string
	// Group is the group described after the refresh ended; GroupErr why
	// it could not be.
	Group    *types.AutoScalingGroup
	GroupErr error
	// Hosts are the hosts launched for the new version, with their last
	// load balancer health (zero when none was recorded); HealthErr is the
	// last error asking the load balancer, if any.
	Hosts     map[string]Health
	HealthErr error
}

func (f *Failure) Error() string {
	r, ir := f.Request, f.Refresh
	var b strings.Builder
	fmt.Fprintf(&b, "instance refresh %s of Auto Scaling group %q to launch template %s version %d ",
		aws.ToString(ir.InstanceRefreshId), r.Group, r.TemplateID, r.Version)
	if f.TimedOut {
		fmt.Fprintf(&b, "did not finish within %s; %s: it ", r.Timeout, f.Stopped)
	}
	fmt.Fprintf(&b, "ended %s", ir.Status)
	if reason := aws.ToString(ir.StatusReason); reason != "" {
		fmt.Fprintf(&b, ": %s", reason)
	}
	if ir.RollbackDetails != nil && aws.ToString(ir.RollbackDetails.RollbackReason) != "" {
		fmt.Fprintf(&b, "\n  AWS's rollback reason: %s", aws.ToString(ir.RollbackDetails.RollbackReason))
	}
	fmt.Fprintf(&b, "\n  what that leaves: %s", Meaning(ir.Status))
	if f.Group != nil {
		fmt.Fprintf(&b, "\n  the group now %s", GroupSummary(*f.Group))
	} else {
		fmt.Fprintf(&b, "\n  the group's launch template version now is unknown: %v", f.GroupErr)
	}
	b.WriteString("\n  " + HostsReport(r, f.Hosts, f.HealthErr))
	if r.LogGroup != "" {
		fmt.Fprintf(&b, "\n  the hosts' logs: CloudWatch log group %s", r.LogGroup)
	}
	b.WriteString("\n" + NextSteps)
	return b.String()
}

// GroupSummary says which launch template version group g names and which
// versions its hosts were launched from.
func GroupSummary(g types.AutoScalingGroup) string {
	s := "names no launch template"
	if lt := g.LaunchTemplate; lt != nil {
		s = fmt.Sprintf("names launch template %s version %s",
			aws.ToString(lt.LaunchTemplateId), aws.ToString(lt.Version))
	}
	count := map[string]int{}
	for _, i := range g.Instances {
		v := "unknown"
		if i.LaunchTemplate != nil {
			v = aws.ToString(i.LaunchTemplate.Version)
		}
		count[v]++
	}
	if len(count) == 0 {
		return s + "; it has no hosts"
	}
	var runs []string
	for _, v := range slices.Sorted(maps.Keys(count)) {
		runs = append(runs, fmt.Sprintf("version %s (%d)", v, count[v]))
	}
	return s + "; its hosts run " + strings.Join(runs, ", ")
}

// HostsReport lists the hosts launched for r.Version with their last
// health check, sorted by instance ID.
func HostsReport(r Request, hosts map[string]Health, healthErr error) string {
	if r.TargetGroupArn == "" {
		return "no target group was given: the new hosts' load balancer health was not followed"
	}
	var b strings.Builder
	if len(hosts) == 0 {
		fmt.Fprintf(&b, "no host launched for version %d was seen", r.Version)
	} else {
		fmt.Fprintf(&b, "the hosts launched for version %d, by their last load balancer health check:", r.Version)
	}
	for _, id := range slices.Sorted(maps.Keys(hosts)) {
		fmt.Fprintf(&b, "\n    %s: %s", id, hosts[id].text())
	}
	if healthErr != nil {
		fmt.Fprintf(&b, "\n    (the last look at their health failed: %v)", healthErr)
	}
	return b.String()
}

// text is h as one line: state, reason, description.
func (h Health) text() string {
	if h.State == "" {
		return "no health check recorded"
	}
	parts := []string{h.State}
	for _, p := range []string{h.Reason, h.Description} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// WatchCommand is the AWS CLI command that shows the group's refreshes.
func WatchCommand(group, region, profile string) string {
	cmd := "aws autoscaling describe-instance-refreshes --auto-scaling-group-name " + group
	if region != "" {
		cmd += " --region " + region
	}
	if profile != "" {
		cmd += " --profile " + profile
	}
	return cmd
}

// goesOn is the end of every error that leaves a refresh running in AWS.
func goesOn(group, region, profile string) string {
	return "the instance refresh goes on in AWS (on success AWS moves the group to the new version; " +
		"after a failure it rolls back and the group keeps the old one), and the next `pulumi up` waits on it; " +
		"watch it with: " + WatchCommand(group, region, profile)
}

// stuckMessage is the error when a rollback Roll asked for outlasts its
// bound too.
func stuckMessage(r Request, ir types.InstanceRefresh, stopped string, bound time.Duration, region, profile string) string {
	return fmt.Sprintf("instance refresh %s of Auto Scaling group %q to launch template %s version %d did not finish within %s; "+
		"it was then %s, and AWS had not finished that %s later either (status %s); %s",
		aws.ToString(ir.InstanceRefreshId), r.Group, r.TemplateID, r.Version, r.Timeout,
		stopped, bound, ir.Status, goesOn(r.Group, region, profile))
}
