package cidr

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func TestPlanSubnets(t *testing.T) {
	tests := []struct {
		vpc     string
		zones   int
		public  []netip.Prefix
		private []netip.Prefix
	}{
		{"10.0.0.0/16", 2, prefixes("10.0.0.0/20", "10.0.16.0/20"), prefixes("10.0.128.0/20", "10.0.144.0/20")},
		{"10.20.0.0/16", 3, prefixes("10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"), prefixes("10.20.128.0/20", "10.20.144.0/20", "10.20.160.0/20")},
		{"172.16.0.0/20", 2, prefixes("172.16.0.0/24", "172.16.1.0/24"), prefixes("172.16.8.0/24", "172.16.9.0/24")},
		{"192.168.1.0/24", 2, prefixes("192.168.1.0/28", "192.168.1.16/28"), prefixes("192.168.1.128/28", "192.168.1.144/28")},
		{"10.0.0.0/16", 8, prefixes("10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20", "10.0.48.0/20", "10.0.64.0/20", "10.0.80.0/20", "10.0.96.0/20", "10.0.112.0/20"),
			prefixes("10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20", "10.0.176.0/20", "10.0.192.0/20", "10.0.208.0/20", "10.0.224.0/20", "10.0.240.0/20")},
	}
	for _, tt := range tests {
		t.Run(tt.vpc, func(t *testing.T) {
			plan, err := PlanSubnets(tt.vpc, tt.zones)
			require.NoError(t, err)
			assert.Equal(t, tt.public, plan.Public)
			assert.Equal(t, tt.private, plan.Private)
		})
	}
}

// TestPlanInvariants checks, for every VPC size and zone count the layout
// accepts, that subnets are inside the VPC, never overlap, are at least /28,
// and leave unallocated space for growth.
func TestPlanInvariants(t *testing.T) {
	for bits := MinVPCPrefix; bits <= maxPlannablePrefix; bits++ {
		for zones := 1; zones <= MaxZones; zones++ {
			vpc := netip.PrefixFrom(netip.MustParseAddr("10.0.0.0"), bits)
			plan, err := PlanSubnets(vpc.String(), zones)
			require.NoError(t, err, "%s with %d zones", vpc, zones)
			all := append(append([]netip.Prefix{}, plan.Public...), plan.Private...)
			require.Len(t, all, 2*zones)
			var size uint64
			for i, a := range all {
				assert.True(t, vpc.Contains(a.Addr()) && a.Bits() >= vpc.Bits(), "%s outside %s", a, vpc)
				assert.LessOrEqual(t, a.Bits(), 28, "%s smaller than /28", a)
				for _, b := range all[i+1:] {
					assert.False(t, a.Overlaps(b), "%s overlaps %s", a, b)
				}
				size += 1 << (32 - a.Bits())
			}
			if zones < MaxZones {
				assert.Less(t, size, uint64(1)<<(32-vpc.Bits()), "%s with %d zones leaves no room", vpc, zones)
			}
		}
	}
}

func TestPlanSubnetsRejects(t *testing.T) {
	tests := []struct {
		vpc   string
		zones int
		want  string
	}{
		{"10.0.0/16", 2, `"10.0.0/16" is not a CIDR block`},
		{"banana", 2, `"banana" is not a CIDR block`},
		{"10.0.0.0", 2, `"10.0.0.0" is not a CIDR block`},
		{"fd00::/56", 2, `"fd00::/56" is not an IPv4 CIDR block`},
		{"10.0.1.0/16", 2, `"10.0.1.0/16" has host bits set; its network address is 10.0.0.0/16`},
		{"10.0.0.0/8", 2, `"10.0.0.0/8" has a /8 netmask; AWS accepts VPCs from /16 to /28`},
		{"10.0.0.0/29", 2, `has a /29 netmask`},
		{"10.0.0.0/25", 2, `"10.0.0.0/25" is too small: 2 public and 2 private subnets of at least /28 each need a VPC of /24 or larger`},
		{"10.0.0.0/28", 2, `is too small`},
		{"10.0.0.0/16", 9, `the subnet layout holds 1 to 8 zones, not 9`},
		{"10.0.0.0/16", 0, `the subnet layout holds 1 to 8 zones, not 0`},
	}
	for _, tt := range tests {
		t.Run(tt.vpc, func(t *testing.T) {
			_, err := PlanSubnets(tt.vpc, tt.zones)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
