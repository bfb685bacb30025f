package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newRoutes gives the public subnets a default route to the internet gateway
// and the private subnets a table with no routes at all beyond the implicit
// VPC-local one: the database has no path out of the VPC, and no NAT gateway
// is created because nothing private needs one.
func newRoutes(ctx *pulumi.Context, name string, vpc *vpcResources, subnets *subnetResources, parent pulumi.ResourceOption) error {
	public, err := ec2.NewRouteTable(ctx, name+"-public", &ec2.RouteTableArgs{
		VpcId: vpc.vpc.ID(),
		Tags:  nameTag(name + "-public"),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating public route table: %w", err)
	}
	if _, err := ec2.NewRoute(ctx, name+"-public-default", &ec2.RouteArgs{
		RouteTableId:         public.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		GatewayId:            vpc.igw.ID(),
	}, parent); err != nil {
		return fmt.Errorf("creating public default route: %w", err)
	}
	private, err := ec2.NewRouteTable(ctx, name+"-private", &ec2.RouteTableArgs{
		VpcId: vpc.vpc.ID(),
		Tags:  nameTag(name + "-private"),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating private route table: %w", err)
	}
	for i, s := range subnets.public {
		if err := associate(ctx, fmt.Sprintf("%s-public-%d", name, i), s, public, parent); err != nil {
			return err
		}
	}
	for i, s := range subnets.private {
		if err := associate(ctx, fmt.Sprintf("%s-private-%d", name, i), s, private, parent); err != nil {
			return err
		}
	}
	return nil
}

func associate(ctx *pulumi.Context, name string, subnet *ec2.Subnet, table *ec2.RouteTable, parent pulumi.ResourceOption) error {
	if _, err := ec2.NewRouteTableAssociation(ctx, name, &ec2.RouteTableAssociationArgs{
		SubnetId:     subnet.ID(),
		RouteTableId: table.ID(),
	}, parent); err != nil {
		return fmt.Errorf("associating subnet %q with its route table: %w", name, err)
	}
	return nil
}
