package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newLogGroup creates the group Docker's awslogs driver sends the
// container's output to.
func newLogGroup(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (*cloudwatch.LogGroup, error) {
	g, err := cloudwatch.NewLogGroup(ctx, name+"-app-logs", &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating application log group: %w", err)
	}
	return g, nil
}
