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
//
// It returns the resources that must exist before anything in a public
// subnet has a route out: the default route and the public associations.
func newRoutes(ctx *pulumi.Context, name string, vpc *vpcResources, subnets *subnetResources, parent pulumi.ResourceOption) ([]pulumi.Resource, error) {
	public, err := ec2.NewRouteTable(ctx, name+"-public", &ec2.RouteTableArgs{
		VpcId: vpc.vpc.ID(),
		Tags:  nameTag(name + "-public"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating public route table: %w", err)
	}
	route, err := ec2.NewRoute(ctx, name+"-public-default", &ec2.RouteArgs{
		RouteTableId:         public.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		GatewayId:            vpc.igw.ID(),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating public default route: %w", err)
	}
	routedOut := []pulumi.Resource{route}
	private, err := ec2.NewRouteTable(ctx, name+"-private", &ec2.RouteTableArgs{
		VpcId: vpc.vpc.ID(),
		Tags:  nameTag(name + "-private"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating private route table: %w", err)
	}
	for i, s := range subnets.public {
		a, err := associate(ctx, fmt.Sprintf("%s-public-%d", name, i), s, public, parent)
		if err != nil {
			return nil, err
		}
		routedOut = append(routedOut, a)
	}
	for i, s := range subnets.private {
		if _, err := associate(ctx, fmt.Sprintf("%s-private-%d", name, i), s, private, parent); err != nil {
			return nil, err
		}
	}
	return routedOut, nil
}

func associate(ctx *pulumi.Context, name string, subnet *ec2.Subnet, table *ec2.RouteTable, parent pulumi.ResourceOption) (*ec2.RouteTableAssociation, error) {
	a, err := ec2.NewRouteTableAssociation(ctx, name, &ec2.RouteTableAssociationArgs{
		SubnetId:     subnet.ID(),
		RouteTableId: table.ID(),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("associating subnet %q with its route table: %w", name, err)
	}
	return a, nil
}
