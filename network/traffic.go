package network

// The traffic policy of the whole stack: every path allowed between the
// world, the load balancer, the application hosts, the database proxy, the
// database and its replicas is a row of TrafficRules, and nothing else opens
// a port. Security groups carry no inline rules; each row becomes its own
// rule resource, so the groups can reference each other without a
// dependency cycle.
//
// One host:
//
//	world (IngressCIDRs) --tcp WebPorts--> host
//	world (anywhere)     --tcp PublicPorts--> host
//
// Hosts behind a load balancer (LoadBalanced):
//
//	world (IngressCIDRs) --tcp WebPorts--> load balancer
//	load balancer --tcp AppPort--> host
//
// Always:
//
//	host --tcp 443--> anywhere        (ECR, Secrets Manager, SSM, packages)
//	host --tcp DatabasePort--> database      (or, with Proxy:)
//	host --tcp ProxyPort--> proxy --tcp DatabasePort--> database
//	host --tcp DatabasePort--> replica       (with ReadReplicas)
//	database, replica: no egress at all
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
	GroupLoadBalancer Group = "load-balancer"
	GroupHost         Group = "host"
	GroupProxy        Group = "proxy"
	GroupDatabase     Group = "database"
	GroupReplica      Group = "replica"
)

// ProxyPort is where an RDS Proxy for PostgreSQL listens, whatever the
// database's own port: RDS fixes it.
const ProxyPort = 5432

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
	front := GroupHost
	if args.LoadBalanced {
		front = GroupLoadBalancer
	}
	for _, port := range args.WebPorts {
		for _, c := range args.IngressCIDRs {
			rules = append(rules, Rule{Group: front, Direction: Ingress, Port: port, PeerCIDR: c,
				Description: fmt.Sprintf("web traffic to the application from %s", c)})
		}
	}
	for _, port := range args.PublicPorts {
		// A web port already open to everyone needs no second rule (AWS
		// refuses a duplicate).
		if slices.Contains(args.WebPorts, port) && slices.Contains(args.IngressCIDRs, Anywhere) {
			continue
		}
		rules = append(rules, Rule{Group: front, Direction: Ingress, Port: port, PeerCIDR: Anywhere,
			Description: "HTTP from anywhere: ACME's HTTP-01 challenge and the redirect to HTTPS"})
	}
	if args.LoadBalanced {
		rules = append(rules,
			Rule{Group: GroupLoadBalancer, Direction: Egress, Port: args.AppPort, PeerGroup: GroupHost,
				Description: "requests and health checks to the application hosts"},
			Rule{Group: GroupHost, Direction: Ingress, Port: args.AppPort, PeerGroup: GroupLoadBalancer,
				Description: "requests and health checks from the load balancer only"})
	}
	rules = append(rules, Rule{Group: GroupHost, Direction: Egress, Port: HTTPSPort, PeerCIDR: "0.0.0.0/0",
		Description: "HTTPS to AWS APIs, ECR and package repositories"})
	if args.Proxy {
		rules = append(rules,
			Rule{Group: GroupHost, Direction: Egress, Port: ProxyPort, PeerGroup: GroupProxy,
				Description: "PostgreSQL to the database proxy"},
			Rule{Group: GroupProxy, Direction: Ingress, Port: ProxyPort, PeerGroup: GroupHost,
				Description: "PostgreSQL from the application hosts only"},
			Rule{Group: GroupProxy, Direction: Egress, Port: args.DatabasePort, PeerGroup: GroupDatabase,
				Description: "PostgreSQL to the database"},
			Rule{Group: GroupDatabase, Direction: Ingress, Port: args.DatabasePort, PeerGroup: GroupProxy,
				Description: "PostgreSQL from the database proxy only"})
	} else {
		rules = append(rules,
			Rule{Group: GroupHost, Direction: Egress, Port: args.DatabasePort, PeerGroup: GroupDatabase,
				Description: "PostgreSQL to the database"},
			Rule{Group: GroupDatabase, Direction: Ingress, Port: args.DatabasePort, PeerGroup: GroupHost,
				Description: "PostgreSQL from the application host only"})
	}
	if args.ReadReplicas {
		rules = append(rules,
			Rule{Group: GroupHost, Direction: Egress, Port: args.DatabasePort, PeerGroup: GroupReplica,
				Description: "PostgreSQL to the read replicas"},
			Rule{Group: GroupReplica, Direction: Ingress, Port: args.DatabasePort, PeerGroup: GroupHost,
				Description: "PostgreSQL from the application hosts only"})
	}
	return rules
}

// Groups lists the security groups a policy needs, in creation order.
func Groups(args Args) []Group {
	groups := []Group{GroupHost, GroupDatabase}
	if args.LoadBalanced {
		groups = append(groups, GroupLoadBalancer)
	}
	if args.Proxy {
		groups = append(groups, GroupProxy)
	}
	if args.ReadReplicas {
		groups = append(groups, GroupReplica)
	}
	return groups
}

// groupDescriptions are the groups' descriptions (fixed at creation).
var groupDescriptions = map[Group]string{
	GroupLoadBalancer: "rds-app load balancer",
	GroupHost:         "rds-app application host",
	GroupProxy:        "rds-app database proxy",
	GroupDatabase:     "rds-app database",
	GroupReplica:      "rds-app database read replicas",
}

type securityGroups map[Group]*ec2.SecurityGroup

func (g securityGroups) id(group Group) pulumi.IDOutput { return g[group].ID() }

// newTrafficPolicy creates the security groups and one rule resource per
// row of TrafficRules.
func newTrafficPolicy(ctx *pulumi.Context, name string, args Args, v *vpcResources, parent pulumi.ResourceOption) (securityGroups, error) {
	groups := securityGroups{}
	for _, g := range Groups(args) {
		// Without egress blocks, Pulumi removes the allow-all egress rule
		// AWS adds to every new group; RevokeRulesOnDelete lets groups that
		// reference each other be deleted cleanly.
		sg, err := ec2.NewSecurityGroup(ctx, name+"-"+string(g), &ec2.SecurityGroupArgs{
			VpcId:               v.vpc.ID(),
			Description:         pulumi.String(groupDescriptions[g]),
			RevokeRulesOnDelete: pulumi.Bool(true),
			Tags:                nameTag(name + "-" + string(g)),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("creating %s security group: %w", g, err)
		}
		groups[g] = sg
	}
	for _, r := range TrafficRules(args) {
		if err := newRule(ctx, name, r, groups, parent); err != nil {
			return nil, err
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
