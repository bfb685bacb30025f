package config

// This file holds the rds-app:network keys of the settings table: the VPC
// block, its availability zones, who may reach the application and the flow
// logs' retention.

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/cidr"
)

// networkSettings are the rds-app:network keys, in the order
// docs/configuration.md lists them.
var networkSettings = []Setting{
	{
		Section: SectionNetwork, Name: "cidr", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.Network.CIDR }, DefaultVPCCIDR),
		Rule:    "an IPv4 network address in private or shared space, /16 to /24",
		Doc:     "The VPC block. It is split into 16 equal blocks: public subnets take blocks 0.., private 8.. (a /16 gives /20 subnets), leaving the rest for growth.",
		Example: "10.1.0.0/16", Effect: ReplacesHost,
		check: func(v *checker, c *Config) {
			if _, err := cidr.ParseVPC(c.Network.CIDR); err != nil {
				v.fail("%v", err)
				return
			}
			// A zone count out of range is its own problem (azCount's or
			// availabilityZones'); the block is still checked, against the
			// nearest count the layout takes, so that both are reported at once.
			zones := min(max(c.Network.AZCount, minAZCount), cidr.MaxZones)
			if _, err := cidr.PlanSubnets(c.Network.CIDR, zones); err != nil {
				v.fail("%v", err)
			}
		},
	},
	{
		Section: SectionNetwork, Name: "azCount", Kind: Integer,
		bind:    intField(func(c *Config) *int { return &c.Network.AZCount }, DefaultAZCount),
		Default: fmt.Sprintf("`%d` (or the length of `availabilityZones`)", DefaultAZCount),
		Rule:    fmt.Sprintf("%d to the zones the region offers (at most %d)", minAZCount, cidr.MaxZones),
		Doc:     "How many availability zones get a public and a private subnet.",
		Example: 3, Effect: InPlace,
		check: func(v *checker, c *Config) {
			if !v.isSet("network.azCount") && v.isSet("network.availabilityZones") {
				return // the count is the list's length: availabilityZones reports it
			}
			n, zones := c.Network.AZCount, v.facts.AvailabilityZones
			switch {
			case n < minAZCount:
				v.fail("%d is below the minimum of %d", n, minAZCount)
			case n > cidr.MaxZones:
				v.fail("%d is above the maximum of %d", n, cidr.MaxZones)
			case len(zones) > 0 && n > len(zones):
				v.fail("%d is above the %d availability zones %s offers (%s)", n, len(zones), v.facts.Region, strings.Join(zones, ", "))
			}
		},
	},
	{
		Section: SectionNetwork, Name: "availabilityZones", Kind: StringList,
		bind:    listField(func(c *Config) *[]string { return &c.Network.AvailabilityZones }, nil),
		Default: "the region's first `azCount` zones",
		Rule:    "zones of the stack's region, no repeats, as many as azCount; the first holds the host and must offer app.instanceType",
		Doc:     "The zones to use, in order.",
		Example: []string{"eu-west-1b", "eu-west-1c"}, Effect: ReplacesHost,
		check: func(v *checker, c *Config) {
			zones, region := c.Network.AvailabilityZones, v.facts.AvailabilityZones
			if v.isSet("network.availabilityZones") {
				switch {
				case v.isSet("network.azCount"):
					if len(zones) != c.Network.AZCount {
						v.fail("lists %d zones but azCount is %d; set one or make them agree", len(zones), c.Network.AZCount)
					}
				// Without azCount, the list's length is the zone count, so
				// azCount's bounds are checked here, on the key the user typed.
				case len(zones) < minAZCount:
					v.fail("lists %s; an RDS subnet group needs subnets in at least %d zones", countZones(zones), minAZCount)
				case len(zones) > cidr.MaxZones:
					v.fail("lists %s, above the maximum of %d the subnet layout holds", countZones(zones), cidr.MaxZones)
				}
				for i, z := range zones {
					item := fmt.Sprintf("[%d]", i)
					switch {
					case slices.Index(zones, z) != i:
						v.failAt(item, "%s is listed twice; each zone holds one public and one private subnet", awsfacts.Quote(z))
					case len(region) > 0 && !slices.Contains(region, z):
						v.failAt(item, "%s is not an availability zone of %s; it offers %s", awsfacts.Quote(z), v.facts.Region, strings.Join(region, ", "))
					}
				}
			}
		},
	},
	{
		Section: SectionNetwork, Name: "ingressCidrs", Kind: StringList,
		bind: listField(func(c *Config) *[]string { return &c.Network.IngressCIDRs }, DefaultIngressCIDRs),
		Rule: fmt.Sprintf("1 to %d distinct IPv4 CIDR blocks given as network addresses (each is a security group rule; a group holds %d)",
			awsfacts.SecurityGroupRules, awsfacts.SecurityGroupRules),
		Doc:     "Who may reach `app.hostPort` (with `app.domain`: 443; port 80, which then only answers ACME's challenge and redirects, is open to everyone).",
		Example: []string{"203.0.113.0/24"}, Effect: InPlace,
		check: func(v *checker, c *Config) {
			list := c.Network.IngressCIDRs
			switch {
			case len(list) == 0:
				v.fail("is empty, so no one could reach the application; list who may, such as [\"0.0.0.0/0\"] for everyone")
			case len(list) > awsfacts.SecurityGroupRules:
				v.fail("lists %d blocks, above the %d rules a security group holds", len(list), awsfacts.SecurityGroupRules)
			}
			for i, s := range list {
				item := fmt.Sprintf("[%d]", i)
				if err := checkIngressCIDR(s); err != nil {
					v.failAt(item, "%v", err)
				} else if slices.Index(list, s) != i {
					v.failAt(item, "%q is listed twice", s)
				}
			}
		},
	},
	{
		Section: SectionNetwork, Name: "flowLogRetentionDays", Kind: Integer, Unit: "days",
		bind:    intField(func(c *Config) *int { return &c.Network.FlowLogRetentionDays }, DefaultLogRetentionDays),
		Rule:    retentionRule,
		Doc:     "How long CloudWatch Logs keeps the VPC flow logs.",
		Example: 14, Effect: InPlace,
		check: func(v *checker, c *Config) { v.retention(c.Network.FlowLogRetentionDays) },
	},
}

// minAZCount: an RDS subnet group needs subnets in at least two zones.
const minAZCount = 2

// countZones shows a short list of zones with its length: `1 zone
// ("eu-west-1a")`, `0 zones`; a long one by its length alone.
func countZones(zones []string) string {
	switch len(zones) {
	case 0:
		return "0 zones"
	case 1:
		return "1 zone (" + awsfacts.Quote(zones[0]) + ")"
	}
	return fmt.Sprintf("%d zones", len(zones))
}

// checkIngressCIDR accepts IPv4 CIDR blocks given as network addresses.
func checkIngressCIDR(s string) error {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if a, aerr := netip.ParseAddr(s); aerr == nil && a.Is4() {
			return fmt.Errorf("%q is an address, not a CIDR block; use %s/32 for a single address", s, s)
		}
		return fmt.Errorf("%s is not a CIDR block (want a.b.c.d/n)", awsfacts.Quote(s))
	}
	if !p.Addr().Is4() {
		return fmt.Errorf("%q is IPv6; the host has an IPv4 address only", s)
	}
	if p.Masked() != p {
		return fmt.Errorf("%q has host bits set; its network address is %s", s, p.Masked())
	}
	return nil
}
