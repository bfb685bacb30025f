// Package cidr plans the subnets of the VPC from its CIDR block. It is pure
// arithmetic with no Pulumi or AWS types, so every rule is table-tested.
//
// The layout splits the VPC into 16 equal blocks (the VPC prefix plus 4 bits,
// so a /16 yields /20 subnets). Public subnets take blocks 0..n-1 and private
// subnets take blocks 8..8+n-1, one of each per availability zone. The blocks
// in between stay free: room for more zones or another tier later without
// renumbering what exists.
package cidr

import (
	"fmt"
	"net"
	"net/netip"

	gocidr "github.com/apparentlymart/go-cidr/cidr"
)

const (
	// subnetBits is how many bits each subnet adds to the VPC prefix.
	subnetBits = 4
	// privateOffset is the block index of the first private subnet.
	privateOffset = 8
	// MaxZones is how many zones the layout can hold (one public and one
	// private block each).
	MaxZones = privateOffset
	// MinVPCPrefix and MaxVPCPrefix bound the VPC sizes AWS accepts
	// (/16 to /28); the layout needs /24 or larger so that each subnet is
	// at least a /28, the smallest subnet AWS allows.
	MinVPCPrefix = 16
	MaxVPCPrefix = 28
	// maxPlannablePrefix is the smallest VPC that still yields /28 subnets.
	maxPlannablePrefix = 28 - subnetBits
)

// Plan is the subnet layout of one VPC: index i of each list is zone i.
type Plan struct {
	VPC     netip.Prefix
	Public  []netip.Prefix
	Private []netip.Prefix
}

// ParseVPC parses and checks a VPC CIDR block on its own (without a zone
// count): IPv4, a network address, and a size AWS accepts for a VPC.
func ParseVPC(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR block (want a.b.c.d/n, e.g. 10.0.0.0/16)", s)
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 CIDR block; the VPC is IPv4", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set; its network address is %s", s, p.Masked())
	}
	if p.Bits() < MinVPCPrefix || p.Bits() > MaxVPCPrefix {
		return netip.Prefix{}, fmt.Errorf("%q has a /%d netmask; AWS accepts VPCs from /%d to /%d", s, p.Bits(), MinVPCPrefix, MaxVPCPrefix)
	}
	if space := addressSpace(p); space != "" {
		return netip.Prefix{}, fmt.Errorf("%q is %s; a VPC block must lie in private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or shared (100.64.0.0/10) address space", s, space)
	}
	return p, nil
}

// privateSpace is where a VPC block may lie: RFC 1918 private space and RFC
// 6598 shared space. AWS refuses loopback, link-local and multicast blocks;
// a public block it accepts would shadow real internet addresses.
var privateSpace = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
}

// addressSpace names the space p lies in when it is not private or shared;
// "" when it is.
func addressSpace(p netip.Prefix) string {
	for _, ok := range privateSpace {
		if ok.Bits() <= p.Bits() && ok.Contains(p.Addr()) {
			return ""
		}
	}
	a := p.Addr()
	switch {
	case a.IsLoopback():
		return "loopback address space"
	case a.IsLinkLocalUnicast():
		return "link-local address space"
	case a.IsMulticast():
		return "multicast address space"
	case a.As4()[0] == 0 || a.As4()[0] >= 240:
		return "reserved address space"
	}
	return "public address space (or overlaps it)"
}

// PlanSubnets derives one public and one private subnet per zone from the
// VPC block. It fails when the VPC is malformed or too small for the layout.
func PlanSubnets(vpc string, zones int) (Plan, error) {
	p, err := ParseVPC(vpc)
	if err != nil {
		return Plan{}, err
	}
	if zones < 1 || zones > MaxZones {
		return Plan{}, fmt.Errorf("the subnet layout holds 1 to %d zones, not %d", MaxZones, zones)
	}
	if p.Bits() > maxPlannablePrefix {
		return Plan{}, fmt.Errorf("%q is too small: %d public and %d private subnets of at least /28 each need a VPC of /%d or larger", vpc, zones, zones, maxPlannablePrefix)
	}
	plan := Plan{VPC: p}
	for i := 0; i < zones; i++ {
		pub, err := block(p, i)
		if err != nil {
			return Plan{}, err
		}
		priv, err := block(p, privateOffset+i)
		if err != nil {
			return Plan{}, err
		}
		plan.Public = append(plan.Public, pub)
		plan.Private = append(plan.Private, priv)
	}
	return plan, nil
}

// block returns block number n of the VPC, as Terraform's cidrsubnet would.
func block(vpc netip.Prefix, n int) (netip.Prefix, error) {
	base := &net.IPNet{IP: vpc.Addr().AsSlice(), Mask: net.CIDRMask(vpc.Bits(), 32)}
	sub, err := gocidr.Subnet(base, subnetBits, n)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("carving block %d of %s: %w", n, vpc, err)
	}
	addr, _ := netip.AddrFromSlice(sub.IP.To4())
	ones, _ := sub.Mask.Size()
	return netip.PrefixFrom(addr, ones), nil
}
