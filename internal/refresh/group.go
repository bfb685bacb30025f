package refresh

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// describeGroup reads the group: the launch template it names and its
// hosts with the version each was launched from.
func (c *Client) describeGroup(ctx context.Context, name string) (types.AutoScalingGroup, error) {
	out, err := c.autoscaling.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{
		AutoScalingGroupNames: []string{name},
	})
	if err != nil {
		return types.AutoScalingGroup{}, fmt.Errorf("describing Auto Scaling group %q: %w", name, err)
	}
	for _, g := range out.AutoScalingGroups {
		if aws.ToString(g.AutoScalingGroupName) == name {
			return g, nil
		}
	}
	return types.AutoScalingGroup{}, fmt.Errorf("describing Auto Scaling group %q: no such group in region %s", name, c.region)
}
