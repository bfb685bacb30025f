package network

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/iampolicy"
)

// flowLogActions are exactly what the VPC flow logs service needs to write
// into an existing log group.
var flowLogActions = []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}

// allLogGroups turns a log group's ARN into the ARN of every log group in
// its account and region (arn:aws:logs:<region>:<account>:log-group:*).
func allLogGroups(groupARN string) string {
	prefix, _, _ := strings.Cut(groupARN, ":log-group:")
	return prefix + ":log-group:*"
}

// newFlowLogs records all VPC traffic (accepted and rejected) to a CloudWatch
// log group, written by a role that may touch that log group only.
func newFlowLogs(ctx *pulumi.Context, name string, args Args, vpc *vpcResources, parent pulumi.ResourceOption) error {
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(args.FlowLogRetentionDays),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating flow log group: %w", err)
	}
	role, err := iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{
		Description:      pulumi.String("Lets VPC flow logs write to the stack's flow log group"),
		AssumeRolePolicy: pulumi.String(iampolicy.AssumeRole("vpc-flow-logs.amazonaws.com", args.AccountID).JSON()),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating flow log role: %w", err)
	}
	policy := group.Arn.ApplyT(func(arn string) string {
		// The group itself and its streams (the service names a stream
		// after each network interface, hence the wildcard after
		// ":log-stream:", as for the host's own log group); and the one
		// listing the service makes before it writes, which AWS authorises
		// on every group of the account and region (the action cannot name
		// one group).
		return iampolicy.New(
			iampolicy.Allow("WriteFlowLogs", flowLogActions, arn, arn+":log-stream:*"),
			iampolicy.Allow("FindFlowLogGroup", []string{"logs:DescribeLogGroups"}, allLogGroups(arn)),
		).JSON()
	}).(pulumi.StringOutput)
	rolePolicy, err := iam.NewRolePolicy(ctx, name+"-flow-logs", &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: policy,
	}, parent)
	if err != nil {
		return fmt.Errorf("creating flow log role policy: %w", err)
	}
	if _, err := ec2.NewFlowLog(ctx, name+"-flow-logs", &ec2.FlowLogArgs{
		VpcId:              vpc.vpc.ID(),
		TrafficType:        pulumi.String("ALL"),
		LogDestinationType: pulumi.String("cloud-watch-logs"),
		LogDestination:     group.Arn,
		IamRoleArn:         role.Arn,
		Tags:               nameTag(name),
	}, parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy})); err != nil {
		return fmt.Errorf("creating flow log: %w", err)
	}
	return nil
}
