package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/cidr"
)

type subnetResources struct {
	public, private []*ec2.Subnet
}

// newSubnets creates one public and one private subnet per zone, with CIDRs
// from the pure plan in internal/cidr. No subnet hands out public IPs: the
// host gets its Elastic IP explicitly, and nothing else should have one.
func newSubnets(ctx *pulumi.Context, name string, zones []string, plan cidr.Plan, vpc *vpcResources, parent pulumi.ResourceOption) (*subnetResources, error) {
	out := &subnetResources{}
	for i, zone := range zones {
		pub, err := newSubnet(ctx, fmt.Sprintf("%s-public-%d", name, i), zone, plan.Public[i].String(), vpc, parent)
		if err != nil {
			return nil, err
		}
		priv, err := newSubnet(ctx, fmt.Sprintf("%s-private-%d", name, i), zone, plan.Private[i].String(), vpc, parent)
		if err != nil {
			return nil, err
		}
		out.public = append(out.public, pub)
		out.private = append(out.private, priv)
	}
	return out, nil
}

func newSubnet(ctx *pulumi.Context, name, zone, block string, vpc *vpcResources, parent pulumi.ResourceOption) (*ec2.Subnet, error) {
	s, err := ec2.NewSubnet(ctx, name, &ec2.SubnetArgs{
		VpcId:               vpc.vpc.ID(),
		AvailabilityZone:    pulumi.String(zone),
		CidrBlock:           pulumi.String(block),
		MapPublicIpOnLaunch: pulumi.Bool(false),
		Tags:                nameTag(name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating subnet %q: %w", name, err)
	}
	return s, nil
}

func subnetIDs(subnets []*ec2.Subnet) pulumi.StringArrayOutput {
	ids := make(pulumi.StringArray, len(subnets))
	for i, s := range subnets {
		ids[i] = s.ID().ToStringOutput()
	}
	return ids.ToStringArrayOutput()
}
