package program

import (
	"context"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/internal/refresh"
)

// RollGroupWithAWS is the rollout step of `pulumi up` for a group: it
// starts the instance refresh, with the new launch template version as its
// desired configuration, and waits for it (internal/refresh), with the
// environment's AWS credentials and the provider's profile.
func RollGroupWithAWS(ctx context.Context, r compute.GroupRollout) error {
	client, err := refresh.NewFromEnvironment(ctx, r.Region, r.Profile)
	if err != nil {
		return err
	}
	client.Progress = r.Progress
	return client.Roll(ctx, RefreshRequest(r))
}

// RefreshRequest is what the refresh is asked to do for r.
func RefreshRequest(r compute.GroupRollout) refresh.Request {
	return refresh.Request{
		Group: r.Group, TemplateID: r.TemplateID, Version: r.Version,
		Preferences: refresh.Preferences{
			MinHealthyPercentage: r.MinHealthyPercentage, MaxHealthyPercentage: r.MaxHealthyPercentage,
			CheckpointPercentages: r.CheckpointPercentages, CheckpointDelaySeconds: r.CheckpointDelaySeconds,
			InstanceWarmupSeconds: r.InstanceWarmupSeconds, SkipMatching: r.SkipMatching,
		},
		Timeout:        r.Timeout,
		TargetGroupArn: r.TargetGroupArn,
		LogGroup:       r.LogGroup,
	}
}
