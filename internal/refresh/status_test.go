package refresh

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/stretchr/testify/assert"
)

func TestStatuses(t *testing.T) {
	for _, tc := range []struct {
		status             Status
		terminal, succeeds bool
	}{
		{Pending, false, false},
		{InProgress, false, false},
		{Cancelling, false, false},
		{RollbackInProgress, false, false},
		{Baking, false, false},
		{Successful, true, true},
		{Failed, true, false},
		{Cancelled, true, false},
		{RollbackSuccessful, true, false},
		{RollbackFailed, true, false},
		// A status AWS adds later holds the group: Roll waits, bounded by
		// the timeout, rather than start a second refresh beside it.
		{"SomethingNew", false, false},
	} {
		assert.Equal(t, tc.terminal, Terminal(tc.status), "Terminal(%s)", tc.status)
		assert.Equal(t, !tc.terminal, Active(tc.status), "Active(%s)", tc.status)
		assert.Equal(t, tc.succeeds, Succeeded(tc.status), "Succeeded(%s)", tc.status)
		if tc.terminal {
			assert.NotEqual(t, "status "+string(tc.status), Meaning(tc.status), "Meaning(%s)", tc.status)
		}
	}
	// The SDK knows these statuses and no other: a new one is a reason to
	// look at this table again.
	assert.ElementsMatch(t, []Status{Pending, InProgress, Cancelling, RollbackInProgress, Baking,
		Successful, Failed, Cancelled, RollbackSuccessful, RollbackFailed}, Status("").Values())
}

func TestTargets(t *testing.T) {
	lt := func(id, version string) *types.LaunchTemplateSpecification {
		return &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(id), Version: aws.String(version)}
	}
	onSix := types.AutoScalingGroup{LaunchTemplate: lt("lt-1", "6")}
	onSeven := types.AutoScalingGroup{LaunchTemplate: lt("lt-1", "7")}
	desired := func(l *types.LaunchTemplateSpecification) types.InstanceRefresh {
		return types.InstanceRefresh{DesiredConfiguration: &types.DesiredConfiguration{LaunchTemplate: l}}
	}
	assert.True(t, Targets(desired(lt("lt-1", "7")), onSix, "lt-1", 7))
	assert.False(t, Targets(desired(lt("lt-1", "5")), onSix, "lt-1", 7), "another version")
	assert.False(t, Targets(desired(lt("lt-2", "7")), onSix, "lt-1", 7), "another template")
	assert.False(t, Targets(desired(lt("lt-1", "$Latest")), onSix, "lt-1", 7), "not a version number")
	assert.False(t, Targets(desired(nil), onSeven, "lt-1", 7), "a desired configuration without a launch template")
	// Without a desired configuration a refresh rolls to what the group
	// names (refreshes the provider started).
	assert.True(t, Targets(types.InstanceRefresh{}, onSeven, "lt-1", 7))
	assert.False(t, Targets(types.InstanceRefresh{}, onSix, "lt-1", 7))
	assert.False(t, Targets(types.InstanceRefresh{}, types.AutoScalingGroup{}, "lt-1", 7), "a group without a launch template")
}

func TestKeep(t *testing.T) {
	none := Health{}
	initial := Health{State: "initial", Reason: "Elb.RegistrationInProgress"}
	unhealthy := Health{State: "unhealthy", Reason: "Target.Timeout"}
	healthy := Health{State: "healthy"}
	draining := Health{State: "draining", Reason: "Target.DeregistrationInProgress"}
	unused := Health{State: "unused", Reason: "Target.NotRegistered"}
	for _, tc := range []struct {
		last, next Health
		keep       bool
	}{
		{none, initial, true},
		{initial, unhealthy, true},
		{unhealthy, healthy, true},
		{healthy, unhealthy, true},
		{none, draining, true},
		{none, unused, true},
		{draining, unused, true},
		// Deregistration must not hide why a host failed.
		{unhealthy, draining, false},
		{unhealthy, unused, false},
		{healthy, draining, false},
	} {
		assert.Equal(t, tc.keep, Keep(tc.last, tc.next), "Keep(%+v, %+v)", tc.last, tc.next)
	}
}

func TestProgressLine(t *testing.T) {
	ir := types.InstanceRefresh{InstanceRefreshId: aws.String("r-1"), Status: InProgress, PercentageComplete: aws.Int32(50)}
	assert.Equal(t, "group web: instance refresh r-1: InProgress, 50% complete", ProgressLine("web", ir))
	ir.InstancesToUpdate, ir.StatusReason = aws.Int32(1), aws.String("Waiting for checkpoint")
	assert.Equal(t, "group web: instance refresh r-1: InProgress, 50% complete, 1 host(s) to update: Waiting for checkpoint", ProgressLine("web", ir))
}

func TestGroupSummary(t *testing.T) {
	host := func(version string) types.Instance {
		return types.Instance{LaunchTemplate: &types.LaunchTemplateSpecification{Version: aws.String(version)}}
	}
	g := types.AutoScalingGroup{
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String("lt-1"), Version: aws.String("6")},
		Instances:      []types.Instance{host("7"), host("6"), host("6"), {}},
	}
	assert.Equal(t, "names launch template lt-1 version 6; its hosts run version 6 (2), version 7 (1), version unknown (1)", GroupSummary(g))
	assert.Equal(t, "names no launch template; it has no hosts", GroupSummary(types.AutoScalingGroup{}))
}

func TestHostsReport(t *testing.T) {
	r := Request{Version: 7, TargetGroupArn: "arn:tg"}
	hosts := map[string]Health{
		"i-b": {State: "unhealthy", Reason: "Target.ResponseCodeMismatch", Description: "Health checks failed with these codes: [502]"},
		"i-a": {},
	}
	assert.Equal(t, "the hosts launched for version 7, by their last load balancer health check:\n"+
		"    i-a: no health check recorded\n"+
		"    i-b: unhealthy, Target.ResponseCodeMismatch, Health checks failed with these codes: [502]\n"+
		"    (the last look at their health failed: throttled)",
		HostsReport(r, hosts, errors.New("throttled")))
	assert.Equal(t, "no host launched for version 7 was seen", HostsReport(r, nil, nil))
	r.TargetGroupArn = ""
	assert.Equal(t, "no target group was given: the new hosts' load balancer health was not followed", HostsReport(r, hosts, nil))
}

func TestWatchCommand(t *testing.T) {
	assert.Equal(t, "aws autoscaling describe-instance-refreshes --auto-scaling-group-name web", WatchCommand("web", "", ""))
	assert.Equal(t, "aws autoscaling describe-instance-refreshes --auto-scaling-group-name web --region eu-west-1 --profile ops",
		WatchCommand("web", "eu-west-1", "ops"))
}

func TestStartInput(t *testing.T) {
	r := Request{Group: "web", TemplateID: "lt-1", Version: 7, Timeout: time.Minute, Preferences: Preferences{
		MinHealthyPercentage: 90, MaxHealthyPercentage: 110, InstanceWarmupSeconds: 30,
	}}
	in := StartInput(r)
	assert.Equal(t, "web", aws.ToString(in.AutoScalingGroupName))
	assert.Equal(t, types.RefreshStrategyRolling, in.Strategy)
	assert.Equal(t, "lt-1", aws.ToString(in.DesiredConfiguration.LaunchTemplate.LaunchTemplateId))
	assert.Equal(t, "7", aws.ToString(in.DesiredConfiguration.LaunchTemplate.Version))
	assert.Nil(t, in.DesiredConfiguration.MixedInstancesPolicy)
	p := in.Preferences
	assert.True(t, aws.ToBool(p.AutoRollback))
	assert.Equal(t, int32(90), aws.ToInt32(p.MinHealthyPercentage))
	assert.Equal(t, int32(110), aws.ToInt32(p.MaxHealthyPercentage))
	assert.Equal(t, int32(30), aws.ToInt32(p.InstanceWarmup))
	assert.False(t, aws.ToBool(p.SkipMatching))
	assert.NotNil(t, p.SkipMatching, "sent as it is, not left to AWS's default")
	assert.Empty(t, p.CheckpointPercentages)
	assert.Nil(t, p.CheckpointDelay, "a delay only with checkpoints")

	r.Preferences.CheckpointPercentages, r.Preferences.CheckpointDelaySeconds = []int{50, 100}, 300
	p = StartInput(r).Preferences
	assert.Equal(t, []int32{50, 100}, p.CheckpointPercentages)
	assert.Equal(t, int32(300), aws.ToInt32(p.CheckpointDelay))
}

func TestRequestValidation(t *testing.T) {
	valid := Request{Group: "web", TemplateID: "lt-1", Version: 1, Timeout: time.Minute, Preferences: Preferences{
		MinHealthyPercentage: 100, MaxHealthyPercentage: 200, CheckpointPercentages: []int{50, 100}, CheckpointDelaySeconds: 300,
	}}
	assert.NoError(t, valid.validate())

	assert.EqualError(t, Request{Preferences: Preferences{
		MinHealthyPercentage:   101,
		MaxHealthyPercentage:   99,
		CheckpointPercentages:  []int{0, 60, 60, 90},
		CheckpointDelaySeconds: -1,
		InstanceWarmupSeconds:  -1,
	}}.validate(), "refresh request: "+
		"Group is empty: the Auto Scaling group's name is required; "+
		"TemplateID is empty: the launch template's ID is required; "+
		"Version: 0 is not a launch template version (1 or more); "+
		"Timeout: 0s is not a duration to wait (more than 0); "+
		"Preferences.MinHealthyPercentage: 101 is outside 0..100; "+
		"Preferences.MaxHealthyPercentage: 99 is outside 100..200; "+
		"Preferences.CheckpointPercentages[0]: 0 is outside 1..100; "+
		"Preferences.CheckpointPercentages[2]: 60 does not follow 60 in ascending order; "+
		"Preferences.CheckpointPercentages: the last is 90, not 100; "+
		"Preferences.CheckpointDelaySeconds: -1 is outside 0..172800; "+
		"Preferences.InstanceWarmupSeconds: -1 is outside 0..2147483647")

	spread := valid
	spread.Preferences.MinHealthyPercentage = 90
	assert.EqualError(t, spread.validate(), "refresh request: Preferences.MaxHealthyPercentage: 200 is more than 100 above MinHealthyPercentage 90")
}
