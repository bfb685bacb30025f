package network

// The traffic policy of the whole stack: every path allowed between the
// world, the application host and the database is a row of trafficRules, and
// nothing else opens a port. Security groups carry no inline rules; each row
// becomes its own rule resource, so the two groups can reference each other
// without a dependency cycle.
//
//	world (IngressCIDRs) --tcp WebPorts--> host
//	world (anywhere)     --tcp PublicPorts--> host
//	host --tcp 443--> anywhere        (ECR, Secrets Manager, SSM, packages)
//	host --tcp DatabasePort--> database
//	database: no egress at all
//
// There is no SSH rule: the host is reached through SSM Session Manager,
// which needs only the host's outbound HTTPS.

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Group names a security group of the stack.
type Group string

const (
	GroupHost     Group = "host"
	GroupDatabase Group = "database"
)

// Direction is ingress or egress.
type Direction string

const (
	Ingress Direction = "ingress"
	Egress  Direction = "egress"
)

// HTTPSPort is the only port the host may use to reach the internet.
const HTTPSPort = 443

// Anywhere is every IPv4 address.
const Anywhere = "0.0.0.0/0"

// Rule is one allowed TCP path. Exactly one of PeerCIDR and PeerGroup is set.
type Rule struct {
	Group       Group
	Direction   Direction
	Port        int
	PeerCIDR    string
	PeerGroup   Group
	Description string
}

// TrafficRules is the stack's complete traffic policy, as data.
func TrafficRules(args Args) []Rule {
	var rules []Rule
	for _, port := range args.WebPorts {
		for _, c := range args.IngressCIDRs {
			rules = append(rules, Rule{Group: GroupHost, Direction: Ingress, Port: port, PeerCIDR: c,
				Description: fmt.Sprintf("web traffic to the application from %s", c)})
		}
	}
	for _, port := range args.PublicPorts {
		// A web port already open to everyone needs no second rule (AWS
		// refuses a duplicate).
		if slices.Contains(args.WebPorts, port) && slices.Contains(args.IngressCIDRs, Anywhere) {
			continue
		}
		rules = append(rules, Rule{Group: GroupHost, Direction: Ingress, Port: port, PeerCIDR: Anywhere,
			Description: "HTTP from anywhere: ACME's HTTP-01 challenge and the redirect to HTTPS"})
	}
	rules = append(rules,
		Rule{Group: GroupHost, Direction: Egress, Port: HTTPSPort, PeerCIDR: "0.0.0.0/0",
			Description: "HTTPS to AWS APIs, ECR and package repositories"},
		Rule{Group: GroupHost, Direction: Egress, Port: args.DatabasePort, PeerGroup: GroupDatabase,
			Description: "PostgreSQL to the database"},
		Rule{Group: GroupDatabase, Direction: Ingress, Port: args.DatabasePort, PeerGroup: GroupHost,
			Description: "PostgreSQL from the application host only"},
	)
	return rules
}

type securityGroups struct {
	host, database *ec2.SecurityGroup
}

func (g securityGroups) id(group Group) pulumi.IDOutput {
	if group == GroupDatabase {
		return g.database.ID()
	}
	return g.host.ID()
}

// newTrafficPolicy creates both security groups and one rule resource per
// row of TrafficRules.
func newTrafficPolicy(ctx *pulumi.Context, name string, args Args, v *vpcResources, parent pulumi.ResourceOption) (securityGroups, error) {
	var groups securityGroups
	var err error
	// Without egress blocks, Pulumi removes the allow-all egress rule AWS
	// adds to every new group; RevokeRulesOnDelete lets the two groups that
	// reference each other be deleted cleanly.
	groups.host, err = ec2.NewSecurityGroup(ctx, name+"-host", &ec2.SecurityGroupArgs{
		VpcId:               v.vpc.ID(),
		Description:         pulumi.String("rds-app application host"),
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                nameTag(name + "-host"),
	}, parent)
	if err != nil {
		return groups, fmt.Errorf("creating host security group: %w", err)
	}
	groups.database, err = ec2.NewSecurityGroup(ctx, name+"-database", &ec2.SecurityGroupArgs{
		VpcId:               v.vpc.ID(),
		Description:         pulumi.String("rds-app database"),
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                nameTag(name + "-database"),
	}, parent)
	if err != nil {
		return groups, fmt.Errorf("creating database security group: %w", err)
	}
	for _, r := range TrafficRules(args) {
		if err := newRule(ctx, name, r, groups, parent); err != nil {
			return groups, err
		}
	}
	return groups, nil
}

var unsafeNameRE = regexp.MustCompile(`[^a-zA-Z0-9-]+`)

// ruleName derives a stable resource name from what the rule allows, so that
// reordering the configured CIDRs does not replace rules.
func ruleName(prefix string, r Rule) string {
	peer := string(r.PeerGroup)
	if r.PeerCIDR != "" {
		peer = unsafeNameRE.ReplaceAllString(r.PeerCIDR, "-")
	}
	return fmt.Sprintf("%s-%s-%s-%d-%s", prefix, r.Group, r.Direction, r.Port, peer)
}

func newRule(ctx *pulumi.Context, prefix string, r Rule, groups securityGroups, parent pulumi.ResourceOption) error {
	name := ruleName(prefix, r)
	var cidr pulumi.StringPtrInput
	var peer pulumi.StringPtrInput
	if r.PeerCIDR != "" {
		cidr = pulumi.String(r.PeerCIDR)
	} else {
		peer = groups.id(r.PeerGroup).ToStringOutput().ToStringPtrOutput()
	}
	var err error
	switch r.Direction {
	case Ingress:
		_, err = vpc.NewSecurityGroupIngressRule(ctx, name, &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId:           groups.id(r.Group),
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  pulumi.Int(r.Port),
			ToPort:                    pulumi.Int(r.Port),
			CidrIpv4:                  cidr,
			ReferencedSecurityGroupId: peer,
			Description:               pulumi.String(r.Description),
		}, parent)
	case Egress:
		_, err = vpc.NewSecurityGroupEgressRule(ctx, name, &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId:           groups.id(r.Group),
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  pulumi.Int(r.Port),
			ToPort:                    pulumi.Int(r.Port),
			CidrIpv4:                  cidr,
			ReferencedSecurityGroupId: peer,
			Description:               pulumi.String(r.Description),
		}, parent)
	}
	if err != nil {
		return fmt.Errorf("creating security group rule %q: %w", name, err)
	}
	return nil
}
