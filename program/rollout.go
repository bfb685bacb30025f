package program

import (
	"context"

	"github.com/rds-app/rds-app/compute"
)

// RollGroupWithAWS is the rollout step of `pulumi up` for a group: it
// starts the instance refresh and waits for it (internal/refresh).
func RollGroupWithAWS(ctx context.Context, r compute.GroupRollout) error {
	panic("not yet")
}
