package refresh

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// Health is a host's load balancer health as DescribeTargetHealth last
// reported it.
type Health struct {
	State       string // healthy, unhealthy, initial, draining, unused, ...
	Reason      string // Target.ResponseCodeMismatch, Target.Timeout, ...
	Description string // "Health checks failed with these codes: [502]"
}

// checked reports whether h is the outcome of health checks, not of the
// target's registration: a host the rollback deregisters turns draining,
// then unused, and that must not hide why it failed.
func (h Health) checked() bool {
	switch elbtypes.TargetHealthStateEnum(h.State) {
	case elbtypes.TargetHealthStateEnumDraining, elbtypes.TargetHealthStateEnumUnused, "":
		return false
	}
	return true
}

// Keep reports whether a new observation next should replace the last
// one kept, last: a health check's outcome always does, a registration
// state only when nothing better is known.
func Keep(last, next Health) bool {
	return next.checked() || !last.checked()
}

// newHosts are the group's hosts launched from launch template templateID
// at version.
func newHosts(g types.AutoScalingGroup, templateID string, version int) []string {
	var ids []string
	for _, i := range g.Instances {
		if names(i.LaunchTemplate, templateID, version) {
			ids = append(ids, aws.ToString(i.InstanceId))
		}
	}
	return ids
}

// targetHealth asks the target group about the hosts ids.
func (c *Client) targetHealth(ctx context.Context, targetGroupArn string, ids []string) (map[string]Health, error) {
	in := &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(targetGroupArn)}
	for _, id := range ids {
		in.Targets = append(in.Targets, elbtypes.TargetDescription{Id: aws.String(id)})
	}
	out, err := c.loadbalancer.DescribeTargetHealth(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("describing the health of hosts %v in target group %s: %w", ids, targetGroupArn, err)
	}
	health := map[string]Health{}
	for _, d := range out.TargetHealthDescriptions {
		if d.Target == nil || d.TargetHealth == nil {
			continue
		}
		health[aws.ToString(d.Target.Id)] = Health{
			State:       string(d.TargetHealth.State),
			Reason:      string(d.TargetHealth.Reason),
			Description: aws.ToString(d.TargetHealth.Description),
		}
	}
	return health, nil
}
