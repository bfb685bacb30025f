package program_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/internal/refresh"
	"github.com/rds-app/rds-app/program"
)

// TestRefreshRequest: the rollout step asks the refresh for exactly what
// compute decided: the group, the version, the preferences and the wait.
func TestRefreshRequest(t *testing.T) {
	r := compute.GroupRollout{
		Region: "eu-west-1", Group: "app-hosts-1", TemplateID: "lt-1", Version: 7,
		MinHealthyPercentage: 100, MaxHealthyPercentage: 200, CheckpointPercentages: []int{50, 100},
		CheckpointDelaySeconds: 300, InstanceWarmupSeconds: 60, SkipMatching: true,
		TargetGroupArn: "arn:tg", LogGroup: "app-logs", Timeout: time.Hour,
	}
	assert.Equal(t, refresh.Request{
		Group: "app-hosts-1", TemplateID: "lt-1", Version: 7,
		Preferences: refresh.Preferences{MinHealthyPercentage: 100, MaxHealthyPercentage: 200, CheckpointPercentages: []int{50, 100},
			CheckpointDelaySeconds: 300, InstanceWarmupSeconds: 60, SkipMatching: true},
		Timeout: time.Hour, TargetGroupArn: "arn:tg", LogGroup: "app-logs",
	}, program.RefreshRequest(r))
}
