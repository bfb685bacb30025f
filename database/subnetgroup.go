package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newSubnetGroup places the database in the private subnets only.
func newSubnetGroup(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (*rds.SubnetGroup, error) {
	g, err := rds.NewSubnetGroup(ctx, name+"-subnets", &rds.SubnetGroupArgs{
		Description: pulumi.String("rds-app private subnets"),
		SubnetIds:   args.SubnetIDs,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating DB subnet group: %w", err)
	}
	return g, nil
}
