// Package network owns the VPC of rds-app: public subnets for the application
// host, isolated private subnets for the database, their routes, the VPC
// flow logs and (in traffic.go) every security group rule of the stack.
//
// New calls the steps in a fixed order; each AWS concern has its own file.
package network

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/cidr"
)

// Inputs is what the network needs beyond its own configuration section:
// the ports other sections decide, and the account.
type Inputs struct {
	// WebPorts are the host ports open to network.ingressCidrs.
	WebPorts []int
	// PublicPorts are host ports open to everyone, whatever
	// network.ingressCidrs says (ACME's HTTP-01 challenge on 80).
	PublicPorts []int
	// DatabasePort is the PostgreSQL port.
	DatabasePort int
	// AccountID scopes the flow-log role's trust policy to this account.
	AccountID string
}

// Args is what the network is built from: its validated configuration
// section (the VPC block, zones, ingress blocks, flow-log retention) and
// its inputs.
type Args struct {
	config.Network
	Inputs
}

// Network is the component. Its outputs are IDs, not resources.
type Network struct {
	pulumi.ResourceState

	// VpcID is the ID of the VPC.
	VpcID pulumi.StringOutput `pulumi:"vpcId"`
	// PublicSubnetIDs are the application host's subnets, one per zone.
	PublicSubnetIDs pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	// PrivateSubnetIDs are the database's subnets, one per zone; they have
	// no route out of the VPC.
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	// HostSecurityGroupID is the application host's security group.
	HostSecurityGroupID pulumi.StringOutput `pulumi:"hostSecurityGroupId"`
	// DatabaseSecurityGroupID is the database's security group.
	DatabaseSecurityGroupID pulumi.StringOutput `pulumi:"databaseSecurityGroupId"`
}

// New creates the network.
func New(ctx *pulumi.Context, name string, cfg config.Network, in Inputs, opts ...pulumi.ResourceOption) (*Network, error) {
	args := Args{Network: cfg, Inputs: in}
	// Plan first: a network that cannot be laid out fails before anything
	// is registered.
	plan, err := cidr.PlanSubnets(args.CIDR, len(args.AvailabilityZones))
	if err != nil {
		return nil, fmt.Errorf("planning subnets of %q: %w", name, err)
	}
	n := &Network{}
	if err := ctx.RegisterComponentResource("rds-app:network:Network", name, n, opts...); err != nil {
		return nil, fmt.Errorf("registering network component %q: %w", name, err)
	}
	parent := pulumi.Parent(n)

	vpc, err := newVPC(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	subnets, err := newSubnets(ctx, name, args.AvailabilityZones, plan, vpc, parent)
	if err != nil {
		return nil, err
	}
	routedOut, err := newRoutes(ctx, name, vpc, subnets, parent)
	if err != nil {
		return nil, err
	}
	if err := newFlowLogs(ctx, name, args, vpc, parent); err != nil {
		return nil, err
	}
	groups, err := newTrafficPolicy(ctx, name, args, vpc, parent)
	if err != nil {
		return nil, err
	}

	n.VpcID = vpc.vpc.ID().ToStringOutput()
	// Whoever uses a public subnet ID (the host's network interface and its
	// Elastic IP) waits for the internet gateway's route: an Elastic IP
	// needs the gateway attached, and the host needs a route out at boot.
	n.PublicSubnetIDs = after(subnetIDs(subnets.public), routedOut)
	n.PrivateSubnetIDs = subnetIDs(subnets.private)
	n.HostSecurityGroupID = groups.host.ID().ToStringOutput()
	n.DatabaseSecurityGroupID = groups.database.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":                   n.VpcID,
		"publicSubnetIds":         n.PublicSubnetIDs,
		"privateSubnetIds":        n.PrivateSubnetIDs,
		"hostSecurityGroupId":     n.HostSecurityGroupID,
		"databaseSecurityGroupId": n.DatabaseSecurityGroupID,
	}); err != nil {
		return nil, fmt.Errorf("registering network outputs: %w", err)
	}
	return n, nil
}

// after returns ids carrying a dependency on every resource in deps.
func after(ids pulumi.StringArrayOutput, deps []pulumi.Resource) pulumi.StringArrayOutput {
	inputs := []any{ids}
	for _, d := range deps {
		inputs = append(inputs, d.(pulumi.CustomResource).ID())
	}
	return pulumi.All(inputs...).ApplyT(func(vs []any) []string { return vs[0].([]string) }).(pulumi.StringArrayOutput)
}

// nameTag gives a resource a readable name in the AWS console.
func nameTag(name string) pulumi.StringMap {
	return pulumi.StringMap{"Name": pulumi.String(name)}
}
