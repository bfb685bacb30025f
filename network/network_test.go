package network_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/iampolicy"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/network"
)

const (
	typeVPC       = "aws:ec2/vpc:Vpc"
	typeSubnet    = "aws:ec2/subnet:Subnet"
	typeRoute     = "aws:ec2/route:Route"
	typeRT        = "aws:ec2/routeTable:RouteTable"
	typeRTA       = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	typeSG        = "aws:ec2/securityGroup:SecurityGroup"
	typeIngress   = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeEgress    = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	typeComponent = "rds-app:network:Network"
)

func testArgs() network.Args {
	return network.Args{
		Network: config.Network{
			CIDR:                 "10.20.0.0/16",
			AZCount:              3,
			AvailabilityZones:    []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
			IngressCIDRs:         []string{"0.0.0.0/0", "203.0.113.0/24"},
			FlowLogRetentionDays: 14,
		},
		Inputs: network.Inputs{WebPorts: []int{80}, DatabasePort: 5432, AccountID: pulumitest.AccountID},
	}
}

// build runs network.New under the recording mock and returns the mock and
// the component's resolved outputs.
func build(t *testing.T, args network.Args) (*pulumitest.Mocks, map[string]any) {
	t.Helper()
	m := pulumitest.New()
	outputs := map[string]any{}
	err := m.Run("test", func(ctx *pulumi.Context) error {
		n, err := network.New(ctx, "app", args.Network, args.Inputs)
		if err != nil {
			return err
		}
		pulumi.All(n.VpcID, n.PublicSubnetIDs, n.PrivateSubnetIDs, n.HostSecurityGroupID, n.DatabaseSecurityGroupID).ApplyT(func(vs []any) error {
			outputs["vpcId"], outputs["public"], outputs["private"], outputs["hostSg"], outputs["dbSg"] = vs[0], vs[1], vs[2], vs[3], vs[4]
			return nil
		})
		return nil
	})
	require.NoError(t, err)
	return m, outputs
}

func TestVPCAndSubnets(t *testing.T) {
	m, out := build(t, testArgs())

	vpc := m.One(t, typeVPC)
	assert.Equal(t, "10.20.0.0/16", vpc.Str("cidrBlock"))
	assert.True(t, vpc.Input("enableDnsSupport").BoolValue())
	assert.True(t, vpc.Input("enableDnsHostnames").BoolValue())
	assert.Equal(t, vpc.ID, m.One(t, "aws:ec2/internetGateway:InternetGateway").Str("vpcId"))

	subnets := m.OfType(typeSubnet)
	require.Len(t, subnets, 6)
	zonesPublic, zonesPrivate := map[string]string{}, map[string]string{}
	for _, s := range subnets {
		assert.Equal(t, vpc.ID, s.Str("vpcId"))
		assert.False(t, s.Input("mapPublicIpOnLaunch").BoolValue(), "%s must not hand out public IPs", s.Name)
		if isPublic(s.Name) {
			zonesPublic[s.Str("availabilityZone")] = s.Str("cidrBlock")
		} else {
			zonesPrivate[s.Str("availabilityZone")] = s.Str("cidrBlock")
		}
	}
	// One public and one private subnet in every zone, CIDRs from the plan.
	assert.Equal(t, map[string]string{"eu-west-1a": "10.20.0.0/20", "eu-west-1b": "10.20.16.0/20", "eu-west-1c": "10.20.32.0/20"}, zonesPublic)
	assert.Equal(t, map[string]string{"eu-west-1a": "10.20.128.0/20", "eu-west-1b": "10.20.144.0/20", "eu-west-1c": "10.20.160.0/20"}, zonesPrivate)

	assert.Equal(t, vpc.ID, out["vpcId"])
	assert.Equal(t, []string{"app-public-0-id", "app-public-1-id", "app-public-2-id"}, out["public"])
	assert.Equal(t, []string{"app-private-0-id", "app-private-1-id", "app-private-2-id"}, out["private"])
	assert.Equal(t, "app-host-id", out["hostSg"])
	assert.Equal(t, "app-database-id", out["dbSg"])
}

func isPublic(name string) bool { return len(name) > 10 && name[:10] == "app-public" }

func TestRoutes(t *testing.T) {
	m, _ := build(t, testArgs())
	igw := m.One(t, "aws:ec2/internetGateway:InternetGateway")
	public := m.Named(t, typeRT, "app-public")
	private := m.Named(t, typeRT, "app-private")
	for _, rt := range m.OfType(typeRT) {
		assert.True(t, rt.Input("routes").IsNull() || len(rt.Input("routes").ArrayValue()) == 0, "%s has inline routes", rt.Name)
	}

	// The only route in the stack: public 0.0.0.0/0 to the internet gateway.
	route := m.One(t, typeRoute)
	assert.Equal(t, public.ID, route.Str("routeTableId"))
	assert.Equal(t, "0.0.0.0/0", route.Str("destinationCidrBlock"))
	assert.Equal(t, igw.ID, route.Str("gatewayId"))
	assert.Empty(t, m.OfType("aws:ec2/natGateway:NatGateway"), "no NAT gateway is needed")

	assoc := map[string]string{}
	for _, a := range m.OfType(typeRTA) {
		assoc[a.Str("subnetId")] = a.Str("routeTableId")
	}
	require.Len(t, assoc, 6, "every subnet is associated explicitly")
	for _, s := range m.OfType(typeSubnet) {
		want := private.ID
		if isPublic(s.Name) {
			want = public.ID
		}
		assert.Equal(t, want, assoc[s.ID], "route table of %s", s.Name)
	}
}

// TestPublicSubnetsAreReadyOnlyWithARouteOut: a consumer of the public
// subnet IDs (the host) must wait for the internet gateway's route and the
// subnets' association with the public table.
func TestPublicSubnetsAreReadyOnlyWithARouteOut(t *testing.T) {
	m := pulumitest.New()
	require.NoError(t, m.Run("test", func(ctx *pulumi.Context) error {
		args := testArgs()
		n, err := network.New(ctx, "app", args.Network, args.Inputs)
		if err != nil {
			return err
		}
		_, err = ec2.NewNetworkInterface(ctx, "consumer", &ec2.NetworkInterfaceArgs{SubnetId: n.PublicSubnetIDs.Index(pulumi.Int(0))})
		return err
	}))
	consumer := m.Named(t, "aws:ec2/networkInterface:NetworkInterface", "consumer")
	deps := consumer.Request.GetDependencies()
	prefix := "urn:pulumi:test::rds-app::rds-app:network:Network$"
	assert.Contains(t, deps, prefix+typeRoute+"::app-public-default")
	for i := 0; i < 3; i++ {
		assert.Contains(t, deps, fmt.Sprintf("%s%s::app-public-%d", prefix, typeRTA, i))
	}
}

func TestDefaultSecurityGroupIsEmptied(t *testing.T) {
	m, _ := build(t, testArgs())
	sg := m.One(t, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
	assert.Equal(t, m.One(t, typeVPC).ID, sg.Str("vpcId"))
	assert.True(t, sg.Input("ingress").IsNull(), "default group keeps no ingress rules")
	assert.True(t, sg.Input("egress").IsNull(), "default group keeps no egress rules")
}

func TestFlowLogs(t *testing.T) {
	m, _ := build(t, testArgs())
	group := m.One(t, "aws:cloudwatch/logGroup:LogGroup")
	assert.Equal(t, 14.0, group.Input("retentionInDays").NumberValue())
	groupARN := group.Outputs["arn"].StringValue()

	role := m.One(t, "aws:iam/role:Role")
	var trust iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(role.Str("assumeRolePolicy")), &trust))
	require.Len(t, trust.Statement, 1)
	assert.Equal(t, map[string]string{"Service": "vpc-flow-logs.amazonaws.com"}, trust.Statement[0].Principal)
	assert.Equal(t, []string{"sts:AssumeRole"}, trust.Statement[0].Action)
	assert.Equal(t, pulumitest.AccountID, trust.Statement[0].Condition["StringEquals"]["aws:SourceAccount"])

	policy := m.One(t, "aws:iam/rolePolicy:RolePolicy")
	assert.Equal(t, role.ID, policy.Str("role"))
	var doc iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(policy.Str("policy")), &doc))
	require.Len(t, doc.Statement, 2)
	assert.Equal(t, "Allow", doc.Statement[0].Effect)
	assert.ElementsMatch(t, []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}, doc.Statement[0].Action)
	// The group and its streams, not "<group>:*".
	assert.ElementsMatch(t, []string{groupARN, groupARN + ":log-stream:*"}, doc.Statement[0].Resource)
	// What the flow logs service documents it needs besides: listing groups,
	// which IAM authorises on the account's groups as a whole.
	assert.Equal(t, "Allow", doc.Statement[1].Effect)
	assert.Equal(t, []string{"logs:DescribeLogGroups"}, doc.Statement[1].Action)
	assert.Equal(t, []string{"arn:aws:logs:eu-west-1:123456789012:log-group:*"}, doc.Statement[1].Resource)

	fl := m.One(t, "aws:ec2/flowLog:FlowLog")
	assert.Equal(t, m.One(t, typeVPC).ID, fl.Str("vpcId"))
	assert.Equal(t, "ALL", fl.Str("trafficType"))
	assert.Equal(t, "cloud-watch-logs", fl.Str("logDestinationType"))
	assert.Equal(t, groupARN, fl.Str("logDestination"))
	assert.Equal(t, role.Outputs["arn"].StringValue(), fl.Str("iamRoleArn"))
}

// rule is a recorded security group rule, reduced to what it allows.
type rule struct{ group, dir, port, peer string }

func recordedRules(m *pulumitest.Mocks) []rule {
	var out []rule
	for typ, dir := range map[string]string{typeIngress: "in", typeEgress: "out"} {
		for _, r := range m.OfType(typ) {
			peer := r.Str("cidrIpv4")
			if peer == "" {
				peer = "sg:" + r.Str("referencedSecurityGroupId")
			}
			if r.Str("ipProtocol") != "tcp" || r.Input("fromPort").NumberValue() != r.Input("toPort").NumberValue() {
				peer += " (not a single TCP port)"
			}
			out = append(out, rule{r.Str("securityGroupId"), dir, fmt.Sprint(r.Input("fromPort").NumberValue()), peer})
		}
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

func TestTrafficPolicyIsExactlyAsIntended(t *testing.T) {
	args := testArgs()
	args.WebPorts = []int{80, 8080}
	args.DatabasePort = 6543
	m, _ := build(t, args)

	host, db := "app-host-id", "app-database-id"
	want := []rule{
		{db, "in", "6543", "sg:" + host},
		{host, "in", "80", "0.0.0.0/0"},
		{host, "in", "80", "203.0.113.0/24"},
		{host, "in", "8080", "0.0.0.0/0"},
		{host, "in", "8080", "203.0.113.0/24"},
		{host, "out", "443", "0.0.0.0/0"},
		{host, "out", "6543", "sg:" + db},
	}
	sort.Slice(want, func(i, j int) bool { return fmt.Sprint(want[i]) < fmt.Sprint(want[j]) })
	assert.Equal(t, want, recordedRules(m))

	for _, sg := range m.OfType(typeSG) {
		assert.True(t, sg.Input("ingress").IsNull(), "%s has inline ingress", sg.Name)
		assert.True(t, sg.Input("egress").IsNull(), "%s has inline egress (and would keep AWS's allow-all)", sg.Name)
		assert.Equal(t, "app-vpc-id", sg.Str("vpcId"))
		assert.True(t, sg.Input("revokeRulesOnDelete").BoolValue())
	}
	for _, r := range recordedRules(m) {
		assert.NotEqual(t, "22", r.port, "no SSH: the host is reached through Session Manager")
		if r.group == db {
			assert.Equal(t, "in", r.dir, "the database group has no egress rules")
		}
	}
}

func TestTrafficRulesTable(t *testing.T) {
	rules := network.TrafficRules(network.Args{Network: config.Network{IngressCIDRs: []string{"198.51.100.0/24"}}, Inputs: network.Inputs{WebPorts: []int{80}, DatabasePort: 5432}})
	assert.Equal(t, []network.Rule{
		{Group: network.GroupHost, Direction: network.Ingress, Port: 80, PeerCIDR: "198.51.100.0/24", Description: "web traffic to the application from 198.51.100.0/24"},
		{Group: network.GroupHost, Direction: network.Egress, Port: 443, PeerCIDR: "0.0.0.0/0", Description: "HTTPS to AWS APIs, ECR and package repositories"},
		{Group: network.GroupHost, Direction: network.Egress, Port: 5432, PeerGroup: network.GroupDatabase, Description: "PostgreSQL to the database"},
		{Group: network.GroupDatabase, Direction: network.Ingress, Port: 5432, PeerGroup: network.GroupHost, Description: "PostgreSQL from the application host only"},
	}, rules)
}

// TestHTTPSTraffic: with a domain (config.App.ListenPorts), 443
// is open to the ingress blocks and 80 to everyone, for ACME's HTTP-01
// challenge and the redirect; nothing else, and no rule twice when the
// ingress blocks already hold everyone.
func TestHTTPSTraffic(t *testing.T) {
	args := testArgs()
	args.IngressCIDRs = []string{"203.0.113.0/24"}
	args.WebPorts, args.PublicPorts = []int{443}, []int{80}
	m, _ := build(t, args)
	host, db := "app-host-id", "app-database-id"
	want := []rule{
		{db, "in", "5432", "sg:" + host},
		{host, "in", "443", "203.0.113.0/24"},
		{host, "in", "80", "0.0.0.0/0"},
		{host, "out", "443", "0.0.0.0/0"},
		{host, "out", "5432", "sg:" + db},
	}
	sort.Slice(want, func(i, j int) bool { return fmt.Sprint(want[i]) < fmt.Sprint(want[j]) })
	assert.Equal(t, want, recordedRules(m))
	for _, r := range m.OfType(typeIngress) {
		if r.Input("fromPort").NumberValue() == 80 {
			assert.Equal(t, "HTTP from anywhere: ACME's HTTP-01 challenge and the redirect to HTTPS", r.Str("description"))
			assert.Equal(t, "app-host-ingress-80-0-0-0-0-0", r.Name, "the same name as a plain-HTTP stack's rule: adding a domain keeps it")
		}
	}

	args.IngressCIDRs = []string{"0.0.0.0/0"}
	args.WebPorts, args.PublicPorts = []int{80}, []int{80}
	rules := network.TrafficRules(args)
	var on80 int
	for _, r := range rules {
		if r.Direction == network.Ingress && r.Port == 80 {
			on80++
		}
	}
	assert.Equal(t, 1, on80, "a port open to everyone is opened once")
}

// TestApplicationPortsAreNotReachable: whatever the stack serves, the
// host's group opens only the proxy's ports; the application's slots and
// the proxy's admin API (loopback ports on the host) are never opened.
func TestApplicationPortsAreNotReachable(t *testing.T) {
	for _, app := range []config.App{{HostPort: 80}, {HostPort: 8080}, {HostPort: 80, Domain: "app.example.com"}} {
		args := testArgs()
		args.WebPorts, args.PublicPorts = app.ListenPorts()
		m, _ := build(t, args)
		opened := map[float64]bool{}
		for _, r := range m.OfType(typeIngress) {
			if r.Str("securityGroupId") == "app-host-id" {
				assert.Equal(t, r.Input("fromPort").NumberValue(), r.Input("toPort").NumberValue(), "one port per rule")
				opened[r.Input("fromPort").NumberValue()] = true
			}
		}
		want := map[float64]bool{float64(app.HostPort): true}
		if app.Domain != "" {
			want = map[float64]bool{80: true, 443: true}
		}
		assert.Equal(t, want, opened, "%+v", app)
		for _, p := range append(awsfacts.AppSlotPorts[:], awsfacts.ProxyAdminPort) {
			assert.False(t, opened[float64(p)], "port %d is the host's own", p)
		}
	}
}

func TestEveryChildIsParentedToTheComponent(t *testing.T) {
	m, _ := build(t, testArgs())
	assert.Equal(t, 29, m.AssertParentedTo(t, typeComponent, "app"))
}

func TestUnplannableNetworkFailsBeforeAnyResource(t *testing.T) {
	args := testArgs()
	args.CIDR = "10.0.0.0/26"
	m := pulumitest.New()
	err := m.Run("test", func(ctx *pulumi.Context) error {
		_, err := network.New(ctx, "app", args.Network, args.Inputs)
		return err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `planning subnets of "app": "10.0.0.0/26" is too small`)
	assert.Empty(t, m.Resources(), "nothing may be registered for a network that cannot be laid out")
}

// reachable lists every path the recorded rules allow, as
// "from -> to:port": a path needs the receiver's ingress rule and, between
// two groups, the sender's egress rule too. Groups are named by their
// resource ("app-load-balancer-id" reads "load-balancer"); addresses outside
// the VPC read "world <cidr>". The host's HTTPS out to the world is left out:
// every mode has it.
func reachable(m *pulumitest.Mocks) []string {
	short := func(id string) string {
		return strings.TrimSuffix(strings.TrimPrefix(id, "app-"), "-id")
	}
	egress := map[string]bool{}
	for _, r := range recordedRules(m) {
		if r.dir == "out" {
			egress[r.group+" "+r.port+" "+r.peer] = true
		}
	}
	var paths []string
	for _, r := range recordedRules(m) {
		if r.dir != "in" {
			continue
		}
		from := "world " + r.peer
		if sg, ok := strings.CutPrefix(r.peer, "sg:"); ok {
			if !egress[sg+" "+r.port+" sg:"+r.group] {
				continue
			}
			from = short(sg)
		}
		paths = append(paths, fmt.Sprintf("%s -> %s:%s", from, short(r.group), r.port))
	}
	sort.Strings(paths)
	return paths
}

// TestWhoCanReachWhom: per mode, the complete set of paths into and inside
// the VPC. With a load balancer the world reaches only it, and it only the
// hosts; with the proxy the hosts reach only the proxy, and only the proxy
// reaches the database; replicas are reached by the hosts alone.
func TestWhoCanReachWhom(t *testing.T) {
	tests := []struct {
		name string
		app  config.App
		in   network.Inputs // Proxy, ReadReplicas and DatabasePort (default 5432)
		want []string
	}{
		{"one host", config.App{HostPort: 80, Hosts: 1}, network.Inputs{}, []string{
			"host -> database:5432",
			"world 0.0.0.0/0 -> host:80", "world 203.0.113.0/24 -> host:80",
		}},
		{"load balancer", config.App{HostPort: 8080, Hosts: 3}, network.Inputs{}, []string{
			"host -> database:5432",
			"load-balancer -> host:8080",
			"world 0.0.0.0/0 -> load-balancer:8080", "world 203.0.113.0/24 -> load-balancer:8080",
		}},
		{"load balancer with a domain", config.App{HostPort: 80, Domain: "app.example.com", Scaling: &config.Scaling{Min: 2, Max: 4, TargetCPU: 50}}, network.Inputs{}, []string{
			"host -> database:5432",
			"load-balancer -> host:80",
			"world 0.0.0.0/0 -> load-balancer:443", "world 0.0.0.0/0 -> load-balancer:80",
			"world 203.0.113.0/24 -> load-balancer:443", "world 203.0.113.0/24 -> load-balancer:80",
		}},
		{"proxy and replicas", config.App{HostPort: 80, Hosts: 2}, network.Inputs{Proxy: true, ReadReplicas: true, DatabasePort: 6543}, []string{
			"host -> proxy:5432",
			"host -> replica:6543",
			"load-balancer -> host:80",
			"proxy -> database:6543",
			"world 0.0.0.0/0 -> load-balancer:80", "world 203.0.113.0/24 -> load-balancer:80",
		}},
		{"one host with a proxy", config.App{HostPort: 80, Hosts: 1}, network.Inputs{Proxy: true}, []string{
			"host -> proxy:5432",
			"proxy -> database:5432",
			"world 0.0.0.0/0 -> host:80", "world 203.0.113.0/24 -> host:80",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := testArgs()
			args.WebPorts, args.PublicPorts = tt.app.ListenPorts()
			args.LoadBalanced, args.AppPort = tt.app.LoadBalanced(), tt.app.HostPort
			args.Proxy, args.ReadReplicas = tt.in.Proxy, tt.in.ReadReplicas
			if tt.in.DatabasePort != 0 {
				args.DatabasePort = tt.in.DatabasePort
			}
			m, _ := build(t, args)
			assert.Equal(t, tt.want, reachable(m))

			var groups []string
			for _, sg := range m.OfType(typeSG) {
				groups = append(groups, sg.Name)
			}
			sort.Strings(groups)
			var want []string
			for _, g := range network.Groups(args) {
				want = append(want, "app-"+string(g))
			}
			sort.Strings(want)
			assert.Equal(t, want, groups, "one group per party, and no other")
			for _, r := range recordedRules(m) {
				if r.dir == "out" && r.group != "app-host-id" && r.group != "app-load-balancer-id" && r.group != "app-proxy-id" {
					t.Errorf("%s has egress %v: the database and replicas send nothing", r.group, r)
				}
			}
		})
	}
}
