package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/iampolicy"
)

// newMonitoringRole creates the role RDS Enhanced Monitoring publishes OS
// metrics with, or nothing when monitoring is off.
func newMonitoringRole(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (*iam.Role, error) {
	if args.MonitoringInterval == 0 {
		return nil, nil
	}
	role, err := iam.NewRole(ctx, name+"-monitoring", &iam.RoleArgs{
		Description:      pulumi.String("RDS Enhanced Monitoring for rds-app"),
		AssumeRolePolicy: pulumi.String(iampolicy.AssumeRole("monitoring.rds.amazonaws.com", args.AccountID).JSON()),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating enhanced monitoring role: %w", err)
	}
	if _, err := iam.NewRolePolicyAttachment(ctx, name+"-monitoring", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole", args.Partition),
	}, parent); err != nil {
		return nil, fmt.Errorf("attaching enhanced monitoring policy: %w", err)
	}
	return role, nil
}
