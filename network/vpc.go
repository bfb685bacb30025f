package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type vpcResources struct {
	vpc *ec2.Vpc
	igw *ec2.InternetGateway
}

// newVPC creates the VPC, its internet gateway, and adopts the VPC's default
// security group with every rule removed, so that nothing placed in it by
// mistake can talk to anything.
func newVPC(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (*vpcResources, error) {
	vpc, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock: pulumi.String(args.CIDR),
		// RDS endpoints and Session Manager need DNS resolution inside the VPC.
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true),
		Tags:               nameTag(name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating VPC: %w", err)
	}
	igw, err := ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{
		VpcId: vpc.ID(),
		Tags:  nameTag(name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating internet gateway: %w", err)
	}
	// No ingress or egress blocks: Pulumi removes every rule of the adopted group.
	if _, err := ec2.NewDefaultSecurityGroup(ctx, name+"-default-sg", &ec2.DefaultSecurityGroupArgs{
		VpcId: vpc.ID(),
		Tags:  nameTag(name + "-default-unused"),
	}, parent); err != nil {
		return nil, fmt.Errorf("adopting the default security group: %w", err)
	}
	return &vpcResources{vpc: vpc, igw: igw}, nil
}
