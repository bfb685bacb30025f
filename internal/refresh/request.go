package refresh

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// Preferences are the refresh's preferences, sent to AWS as they are.
// AutoRollback is always on: it is why this package exists.
type Preferences struct {
	// MinHealthyPercentage is the share of the group's desired capacity
	// that must stay in service and healthy (0 to 100).
	MinHealthyPercentage int
	// MaxHealthyPercentage is how far above desired capacity the refresh
	// may launch replacements before it terminates old hosts (100 to 200,
	// and at most 100 above MinHealthyPercentage).
	MaxHealthyPercentage int
	// CheckpointPercentages are the shares of the group (ascending, 1 to
	// 100, the last 100) at which the refresh pauses for
	// CheckpointDelaySeconds. None: no pauses.
	CheckpointPercentages []int
	// CheckpointDelaySeconds is the pause at each checkpoint (0 to 172800,
	// AWS's limit); sent only with checkpoints.
	CheckpointDelaySeconds int
	// InstanceWarmupSeconds is how long a new host serves, once healthy,
	// before the refresh counts it and goes on (0 or more).
	InstanceWarmupSeconds int
	// SkipMatching leaves hosts that already run the new version (launched
	// by a scale-out during the refresh) alone.
	SkipMatching bool
}

// Request is one roll of a group to a launch template version.
type Request struct {
	// Group is the Auto Scaling group's name.
	Group string
	// TemplateID is the launch template's ID.
	TemplateID string
	// Version is the launch template version to roll to (1 or more).
	Version int
	// Preferences are the refresh's preferences.
	Preferences Preferences
	// Timeout is how long Roll waits, from its start, for the refresh to
	// finish; then it rolls the refresh back (and waits at most as long
	// again, and never more than MaxRollbackWait, for that).
	Timeout time.Duration
	// TargetGroupArn is the load balancer's target group, whose health
	// checks of the new hosts the failure message reports. Empty: none.
	TargetGroupArn string
	// LogGroup is the CloudWatch log group holding the hosts' container
	// logs, named in the failure message.
	LogGroup string
}

// MaxRollbackWait bounds the wait for a rollback Roll asked for after
// Request.Timeout.
const MaxRollbackWait = 30 * time.Minute

// The limits AWS puts on a refresh's preferences (StartInstanceRefresh's
// RefreshPreferences).
const (
	maxCheckpointDelaySeconds = 172800
	maxHealthyCeiling         = 200
	healthySpread             = 100
)

// validate reports every problem of r at once, each naming the field.
func (r Request) validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if r.Group == "" {
		add("Group is empty: the Auto Scaling group's name is required")
	}
	if r.TemplateID == "" {
		add("TemplateID is empty: the launch template's ID is required")
	}
	if r.Version < 1 {
		add("Version: %d is not a launch template version (1 or more)", r.Version)
	}
	if r.Timeout <= 0 {
		add("Timeout: %s is not a duration to wait (more than 0)", r.Timeout)
	}
	p := r.Preferences
	if p.MinHealthyPercentage < 0 || p.MinHealthyPercentage > 100 {
		add("Preferences.MinHealthyPercentage: %d is outside 0..100", p.MinHealthyPercentage)
	}
	if p.MaxHealthyPercentage < 100 || p.MaxHealthyPercentage > maxHealthyCeiling {
		add("Preferences.MaxHealthyPercentage: %d is outside 100..%d", p.MaxHealthyPercentage, maxHealthyCeiling)
	} else if p.MaxHealthyPercentage-p.MinHealthyPercentage > healthySpread {
		add("Preferences.MaxHealthyPercentage: %d is more than %d above MinHealthyPercentage %d",
			p.MaxHealthyPercentage, healthySpread, p.MinHealthyPercentage)
	}
	for i, c := range p.CheckpointPercentages {
		switch {
		case c < 1 || c > 100:
			add("Preferences.CheckpointPercentages[%d]: %d is outside 1..100", i, c)
		case i > 0 && c <= p.CheckpointPercentages[i-1]:
			add("Preferences.CheckpointPercentages[%d]: %d does not follow %d in ascending order", i, c, p.CheckpointPercentages[i-1])
		}
	}
	if n := len(p.CheckpointPercentages); n > 0 && p.CheckpointPercentages[n-1] != 100 {
		// Short of 100 the refresh stops at the last checkpoint, and the
		// group never moves to the new version.
		add("Preferences.CheckpointPercentages: the last is %d, not 100", p.CheckpointPercentages[n-1])
	}
	if p.CheckpointDelaySeconds < 0 || p.CheckpointDelaySeconds > maxCheckpointDelaySeconds {
		add("Preferences.CheckpointDelaySeconds: %d is outside 0..%d", p.CheckpointDelaySeconds, maxCheckpointDelaySeconds)
	}
	if p.InstanceWarmupSeconds < 0 || p.InstanceWarmupSeconds > math.MaxInt32 {
		add("Preferences.InstanceWarmupSeconds: %d is outside 0..%d", p.InstanceWarmupSeconds, math.MaxInt32)
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New("refresh request: " + strings.Join(problems, "; "))
}

// StartInput is the StartInstanceRefresh call for r (r valid): the group
// is told its desired configuration, it is not changed first, so that only
// a successful refresh moves it to the new version.
func StartInput(r Request) *autoscaling.StartInstanceRefreshInput {
	p := r.Preferences
	prefs := &types.RefreshPreferences{
		AutoRollback:         aws.Bool(true),
		MinHealthyPercentage: aws.Int32(int32(p.MinHealthyPercentage)),
		MaxHealthyPercentage: aws.Int32(int32(p.MaxHealthyPercentage)),
		InstanceWarmup:       aws.Int32(int32(p.InstanceWarmupSeconds)),
		SkipMatching:         aws.Bool(p.SkipMatching),
	}
	if len(p.CheckpointPercentages) > 0 {
		for _, c := range p.CheckpointPercentages {
			prefs.CheckpointPercentages = append(prefs.CheckpointPercentages, int32(c))
		}
		prefs.CheckpointDelay = aws.Int32(int32(p.CheckpointDelaySeconds))
	}
	return &autoscaling.StartInstanceRefreshInput{
		AutoScalingGroupName: aws.String(r.Group),
		Strategy:             types.RefreshStrategyRolling,
		DesiredConfiguration: &types.DesiredConfiguration{
			LaunchTemplate: &types.LaunchTemplateSpecification{
				LaunchTemplateId: aws.String(r.TemplateID),
				Version:          aws.String(strconv.Itoa(r.Version)),
			},
		},
		Preferences: prefs,
	}
}
