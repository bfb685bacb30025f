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
	// WebPorts are the ports open to network.ingressCidrs: the host's, or
	// the load balancer's when LoadBalanced.
	WebPorts []int
	// PublicPorts are ports open to everyone, whatever
	// network.ingressCidrs says (ACME's HTTP-01 challenge on 80).
	PublicPorts []int
	// LoadBalanced puts the hosts behind a load balancer: the world
	// reaches only the load balancer, which reaches the hosts on AppPort.
	LoadBalanced bool
	AppPort      int
	// DatabasePort is the PostgreSQL port.
	DatabasePort int
	// Proxy puts an RDS Proxy between the hosts and the database: the
	// hosts reach only the proxy, and only the proxy reaches the database.
	Proxy bool
	// ReadReplicas gives the replicas a group the hosts reach directly.
	ReadReplicas bool
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
	// LoadBalancerSecurityGroupID is the load balancer's security group
	// (LoadBalanced only).
	LoadBalancerSecurityGroupID pulumi.StringOutput `pulumi:"loadBalancerSecurityGroupId"`
	// ProxySecurityGroupID is the database proxy's security group (Proxy
	// only).
	ProxySecurityGroupID pulumi.StringOutput `pulumi:"proxySecurityGroupId"`
	// ReplicaSecurityGroupID is the read replicas' security group
	// (ReadReplicas only).
	ReplicaSecurityGroupID pulumi.StringOutput `pulumi:"replicaSecurityGroupId"`
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
	n.HostSecurityGroupID = groups.id(GroupHost).ToStringOutput()
	n.DatabaseSecurityGroupID = groups.id(GroupDatabase).ToStringOutput()
	outputs := pulumi.Map{
		"vpcId":                   n.VpcID,
		"publicSubnetIds":         n.PublicSubnetIDs,
		"privateSubnetIds":        n.PrivateSubnetIDs,
		"hostSecurityGroupId":     n.HostSecurityGroupID,
		"databaseSecurityGroupId": n.DatabaseSecurityGroupID,
	}
	if sg, ok := groups[GroupLoadBalancer]; ok {
		n.LoadBalancerSecurityGroupID = sg.ID().ToStringOutput()
		outputs["loadBalancerSecurityGroupId"] = n.LoadBalancerSecurityGroupID
	}
	if sg, ok := groups[GroupProxy]; ok {
		n.ProxySecurityGroupID = sg.ID().ToStringOutput()
		outputs["proxySecurityGroupId"] = n.ProxySecurityGroupID
	}
	if sg, ok := groups[GroupReplica]; ok {
		n.ReplicaSecurityGroupID = sg.ID().ToStringOutput()
		outputs["replicaSecurityGroupId"] = n.ReplicaSecurityGroupID
	}
	if err := ctx.RegisterResourceOutputs(n, outputs); err != nil {
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
