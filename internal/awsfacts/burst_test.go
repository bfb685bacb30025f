package awsfacts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLookupBurst checks the credit arithmetic against the figures AWS
// publishes per type (credits earned per hour, maximum balance).
func TestLookupBurst(t *testing.T) {
	for _, tt := range []struct {
		name              string
		baseline, perHour float64
		maxCredits        float64
	}{
		{"t2.micro", 10, 6, 144},
		{"t2.medium", 20, 24, 576},
		{"t2.2xlarge", 16.875, 81, 1944},
		{"t3.nano", 5, 6, 144},
		{"t3.small", 20, 24, 576},
		{"t3.xlarge", 40, 96, 2304},
		{"t3a.large", 30, 36, 864},
		{"t4g.micro", 10, 12, 288},
		{"t4g.2xlarge", 40, 192, 4608},
		{"db.t4g.micro", 10, 12, 288},
		{"db.t4g.medium", 20, 24, 576},
		{"db.t3.large", 30, 36, 864},
	} {
		b, ok := LookupBurst(tt.name)
		require.True(t, ok, tt.name)
		assert.Equal(t, Burst{BaselinePercent: tt.baseline, CreditsPerHour: tt.perHour, MaxCredits: tt.maxCredits}, b, tt.name)
	}
	for _, steady := range []string{"m7g.large", "db.m7g.large", "db.r6g.xlarge", "c5.large", "nonsense", "db.t4g"} {
		_, ok := LookupBurst(steady)
		assert.False(t, ok, steady)
	}
}

// TestEveryBurstableTypeHasABaseline: a burstable family added to the
// catalogue without a baseline would silently lose its credit alarm.
func TestEveryBurstableTypeHasABaseline(t *testing.T) {
	for name, it := range ec2Types {
		if !it.Burstable {
			continue
		}
		_, ok := LookupBurst(name)
		family, _, _ := strings.Cut(name, ".")
		assert.True(t, ok, "%s is burstable but family %s has no baseline table", name, family)
	}
}
