package refresh

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/smithy-go"
)

// activeRefresh is the group's refresh in progress, if any (AWS runs at
// most one per group and lists the newest first).
func (c *Client) activeRefresh(ctx context.Context, group string) (*types.InstanceRefresh, error) {
	out, err := c.autoscaling.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{
		AutoScalingGroupName: aws.String(group),
	})
	if err != nil {
		return nil, fmt.Errorf("listing the instance refreshes of group %q: %w", group, err)
	}
	for _, ir := range out.InstanceRefreshes {
		if Active(ir.Status) {
			return &ir, nil
		}
	}
	return nil, nil
}

// describeRefresh reads one refresh.
func (c *Client) describeRefresh(ctx context.Context, group, id string) (types.InstanceRefresh, error) {
	out, err := c.autoscaling.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{
		AutoScalingGroupName: aws.String(group),
		InstanceRefreshIds:   []string{id},
	})
	if err != nil {
		return types.InstanceRefresh{}, fmt.Errorf("describing instance refresh %s of group %q: %w", id, group, err)
	}
	for _, ir := range out.InstanceRefreshes {
		if aws.ToString(ir.InstanceRefreshId) == id {
			return ir, nil
		}
	}
	return types.InstanceRefresh{}, fmt.Errorf("describing instance refresh %s of group %q: AWS does not list it", id, group)
}

// start starts the refresh r asks for and returns its ID.
func (c *Client) start(ctx context.Context, r Request) (string, error) {
	out, err := c.autoscaling.StartInstanceRefresh(ctx, StartInput(r))
	if err != nil {
		return "", fmt.Errorf("starting an instance refresh of group %q to launch template %s version %d: %w",
			r.Group, r.TemplateID, r.Version, err)
	}
	return aws.ToString(out.InstanceRefreshId), nil
}

// cancel cancels the group's refresh in progress. One that ended meanwhile
// is no error.
func (c *Client) cancel(ctx context.Context, group string) error {
	_, err := c.autoscaling.CancelInstanceRefresh(ctx, &autoscaling.CancelInstanceRefreshInput{
		AutoScalingGroupName: aws.String(group),
	})
	var ended *types.ActiveInstanceRefreshNotFoundFault
	if err != nil && !errors.As(err, &ended) {
		return fmt.Errorf("cancelling the instance refresh of group %q: %w", group, err)
	}
	return nil
}

// rollback asks AWS to roll the group's refresh back, or, where AWS
// refuses (IrreversibleInstanceRefresh: the desired configuration cannot be
// rolled back to), to cancel it. It returns how it stopped the refresh, for
// the message.
func (c *Client) rollback(ctx context.Context, group string) (string, error) {
	_, err := c.autoscaling.RollbackInstanceRefresh(ctx, &autoscaling.RollbackInstanceRefreshInput{
		AutoScalingGroupName: aws.String(group),
	})
	if err == nil {
		return "rolled back", nil
	}
	if ctx.Err() != nil {
		return "", err
	}
	if cerr := c.cancel(ctx, group); cerr != nil {
		return "", fmt.Errorf("rolling back the instance refresh of group %q: %w; and then %w", group, err, cerr)
	}
	return fmt.Sprintf("AWS refused to roll it back (%s), so it was cancelled", apiErrorText(err)), nil
}

// apiErrorText is AWS's code and message of err, without the SDK's
// operation and request ID around them.
func apiErrorText(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode() + ": " + api.ErrorMessage()
	}
	return err.Error()
}
