package awslookup_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/awslookup"
	"github.com/rds-app/rds-app/internal/pulumitest"
)

// TestZonesDoNotDependOnTheirStateToday: the zone lookup filters on the
// kind of zone only, so an impaired zone on the day of an update moves no
// subnet.
func TestZonesDoNotDependOnTheirStateToday(t *testing.T) {
	m := pulumitest.New()
	var info awslookup.Info
	require.NoError(t, m.Run("test", func(ctx *pulumi.Context) error {
		var err error
		info, err = awslookup.Lookup(ctx)
		return err
	}))
	assert.Equal(t, pulumitest.Zones, info.AvailabilityZones)
	var asked int
	for _, inv := range m.Invokes() {
		if inv.Token != "aws:index/getAvailabilityZones:getAvailabilityZones" {
			continue
		}
		asked++
		assert.NotContains(t, inv.Args, "state", "zones must not be filtered by their state today")
		assert.NotContains(t, inv.Args, "excludeNames")
		filters := inv.Args["filters"].ArrayValue()
		require.Len(t, filters, 1)
		assert.Equal(t, "opt-in-status", filters[0].ObjectValue()["name"].StringValue())
	}
	assert.Equal(t, 1, asked)
}
