package refresh_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/refresh"
	"github.com/rds-app/rds-app/internal/refresh/refreshtest"
)

const (
	group       = "web"
	templateID  = "lt-0abc"
	targetGroup = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
	logGroup    = "/rds-app/scale/app"
)

// request rolls the group to version 7, with the preferences the program
// uses.
func request() refresh.Request {
	return refresh.Request{
		Group:      group,
		TemplateID: templateID,
		Version:    7,
		Preferences: refresh.Preferences{
			MinHealthyPercentage:   100,
			MaxHealthyPercentage:   200,
			CheckpointPercentages:  []int{50, 100},
			CheckpointDelaySeconds: 300,
			InstanceWarmupSeconds:  60,
			SkipMatching:           true,
		},
		Timeout:        30 * time.Minute,
		TargetGroupArn: targetGroup,
		LogGroup:       logGroup,
	}
}

// script is a group on version 6 with two old hosts and one host the
// refresh launched for version 7, whose health is newHealth.
func script(start refreshtest.Refresh, newHealth ...refreshtest.Health) refreshtest.Script {
	healthy := []refreshtest.Health{{State: "healthy"}}
	if len(newHealth) == 0 {
		newHealth = healthy
	}
	return refreshtest.Script{
		Group:      group,
		TemplateID: templateID,
		Version:    6,
		Instances: []refreshtest.Instance{
			{ID: "i-old1", Version: 6, Health: healthy},
			{ID: "i-old2", Version: 6, Health: healthy},
			{ID: "i-new1", Version: 7, Health: newHealth},
		},
		TargetGroupArn: targetGroup,
		Start:          start,
	}
}

// client is a Client of srv on a fake clock, and its progress lines: a
// wait that never ends fails at the request's timeout without taking it.
func client(srv *refreshtest.Server) (*refresh.Client, *bytes.Buffer, *fakeClock) {
	c := refresh.New(srv.Config())
	var progress bytes.Buffer
	c.Progress = &progress
	clock := &fakeClock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	c.UseClock(clock.now, clock.sleep)
	c.PollInterval = 15 * time.Second
	return c, &progress, clock
}

// fakeClock is a clock that moves only when Roll sleeps.
type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time { return f.t }

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	f.t = f.t.Add(d)
	return ctx.Err()
}

func TestRollSucceeds(t *testing.T) {
	srv := refreshtest.Start(t, script(refreshtest.Refresh{States: []refreshtest.State{
		{Status: "Pending"},
		{Status: "InProgress", Percentage: 50, InstancesToUpdate: 1, Reason: "Waiting for checkpoint"},
		{Status: "InProgress", Percentage: 50, InstancesToUpdate: 1, Reason: "Waiting for checkpoint"},
		{Status: "Successful", Percentage: 100},
	}}))
	c, progress, _ := client(srv)

	require.NoError(t, c.Roll(t.Context(), request()))

	starts := srv.Calls("StartInstanceRefresh")
	require.Len(t, starts, 1)
	start := starts[0]
	assert.Equal(t, group, start.Get("AutoScalingGroupName"))
	assert.Equal(t, "Rolling", start.Get("Strategy"))
	assert.Equal(t, templateID, start.Get("DesiredConfiguration.LaunchTemplate.LaunchTemplateId"))
	assert.Equal(t, "7", start.Get("DesiredConfiguration.LaunchTemplate.Version"))
	assert.Equal(t, "true", start.Get("Preferences.AutoRollback"))
	assert.Equal(t, "100", start.Get("Preferences.MinHealthyPercentage"))
	assert.Equal(t, "200", start.Get("Preferences.MaxHealthyPercentage"))
	assert.Equal(t, []string{"50", "100"}, start.List("Preferences.CheckpointPercentages"))
	assert.Equal(t, "300", start.Get("Preferences.CheckpointDelay"))
	assert.Equal(t, "60", start.Get("Preferences.InstanceWarmup"))
	assert.Equal(t, "true", start.Get("Preferences.SkipMatching"))
	assert.Equal(t, 6, start.GroupVersion, "the group must still name the old version when the refresh starts")
	assert.Equal(t, 7, srv.GroupVersion(), "a successful refresh moves the group to its desired version")

	// Nothing but reads and the start: the group itself is never updated.
	for _, action := range srv.Actions() {
		assert.Contains(t, []string{"DescribeAutoScalingGroups", "DescribeInstanceRefreshes", "StartInstanceRefresh", "DescribeTargetHealth"}, action)
	}
	polls := srv.Calls("DescribeInstanceRefreshes")
	require.Len(t, polls, 5, "one look for a refresh in progress, then one per scripted state")
	assert.Empty(t, polls[0].List("InstanceRefreshIds"))
	for _, p := range polls[1:] {
		assert.Equal(t, []string{"refresh-started"}, p.List("InstanceRefreshIds"))
	}
	health := srv.Calls("DescribeTargetHealth")
	require.NotEmpty(t, health)
	for _, h := range health {
		assert.Equal(t, targetGroup, h.Get("TargetGroupArn"))
		assert.Equal(t, "i-new1", h.Get("Targets.member.1.Id"), "only the hosts launched for the new version")
		assert.False(t, h.Params.Has("Targets.member.2.Id"))
	}

	out := progress.String()
	assert.Contains(t, out, "starting an instance refresh to launch template lt-0abc version 7, auto rollback on (the group names launch template lt-0abc version 6")
	assert.Equal(t, 1, strings.Count(out, "InProgress, 50% complete, 1 host(s) to update: Waiting for checkpoint"), "a line only when status or percentage changes:\n%s", out)
	assert.Contains(t, out, "instance refresh refresh-started: Successful, 100% complete")
	assert.Contains(t, out, "host i-new1 (version 7): healthy")
	assert.Contains(t, out, "succeeded; the group names launch template lt-0abc version 7")
}

func TestRollReportsAFailedRefresh(t *testing.T) {
	unhealthy := refreshtest.Health{State: "unhealthy", Reason: "Target.ResponseCodeMismatch", Description: "Health checks failed with these codes: [502]"}
	for _, tc := range []struct {
		name   string
		states []refreshtest.State
		want   []string
	}{{
		name: "failed",
		states: []refreshtest.State{
			{Status: "Failed", Reason: "Instance i-new1 failed to pass health checks"},
		},
		want: []string{"version 7 ended Failed: Instance i-new1 failed to pass health checks", "not rolled back"},
	}, {
		name: "cancelled",
		states: []refreshtest.State{
			{Status: "Cancelling"},
			{Status: "Cancelled", Reason: "The instance refresh was cancelled by a user"},
		},
		want: []string{"version 7 ended Cancelled: The instance refresh was cancelled by a user", "was cancelled"},
	}, {
		name: "rolled back by AWS",
		states: []refreshtest.State{
			{Status: "RollbackInProgress", Reason: "Rolling back"},
			{Status: "RollbackSuccessful", Reason: "Rollback completed", RollbackReason: "Instance refresh failed: instances failed their health checks"},
		},
		want: []string{
			"version 7 ended RollbackSuccessful: Rollback completed",
			"AWS's rollback reason: Instance refresh failed: instances failed their health checks",
			"AWS rolled the refresh back",
		},
	}, {
		name: "rollback failed",
		states: []refreshtest.State{
			{Status: "RollbackFailed", Reason: "Rollback failed", RollbackReason: "Instance refresh failed"},
		},
		want: []string{"version 7 ended RollbackFailed: Rollback failed", "AWS's rollback reason: Instance refresh failed", "mix of both versions"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			// The new host fails its health check, then the rollback
			// deregisters it: the message must still say why it failed.
			// Three looks before the end, so the health check's three
			// answers below are all seen.
			inProgress := refreshtest.State{Status: "InProgress", Percentage: 0, InstancesToUpdate: 2}
			states := append([]refreshtest.State{inProgress, inProgress, inProgress}, tc.states...)
			srv := refreshtest.Start(t, script(refreshtest.Refresh{States: states},
				refreshtest.Health{State: "initial", Reason: "Elb.RegistrationInProgress"},
				unhealthy,
				refreshtest.Health{State: "draining", Reason: "Target.DeregistrationInProgress"},
			))
			c, _, _ := client(srv)

			err := c.Roll(t.Context(), request())

			var failure *refresh.Failure
			require.ErrorAs(t, err, &failure)
			assert.False(t, failure.TimedOut)
			msg := err.Error()
			for _, want := range append(tc.want,
				`instance refresh refresh-started of Auto Scaling group "web" to launch template lt-0abc version 7`,
				"the group now names launch template lt-0abc version 6; its hosts run version 6 (2), version 7 (1)",
				"i-new1: unhealthy, Target.ResponseCodeMismatch, Health checks failed with these codes: [502]",
				"the hosts' logs: CloudWatch log group /rds-app/scale/app",
				refresh.NextSteps,
			) {
				assert.Contains(t, msg, want)
			}
			assert.NotContains(t, msg, "i-old1", "only the hosts launched for the new version")
			assert.Equal(t, 6, srv.GroupVersion())
			assert.Empty(t, srv.Calls("RollbackInstanceRefresh", "CancelInstanceRefresh"), "AWS ended it; Roll must not")
		})
	}
}

func TestRollRollsBackAtTheTimeout(t *testing.T) {
	var clock *fakeClock
	var rolledBackAt time.Time
	sc := script(refreshtest.Refresh{States: []refreshtest.State{{Status: "InProgress", Percentage: 50, InstancesToUpdate: 1}}})
	sc.OnCall = func(call refreshtest.Call) {
		if call.Action == "RollbackInstanceRefresh" {
			rolledBackAt = clock.now()
		}
	}
	srv := refreshtest.Start(t, sc)
	var c *refresh.Client
	c, _, clock = client(srv)
	began := clock.now()
	r := request()
	r.Timeout = 10 * time.Minute

	err := c.Roll(t.Context(), r)

	var failure *refresh.Failure
	require.ErrorAs(t, err, &failure)
	assert.True(t, failure.TimedOut)
	assert.Contains(t, err.Error(), "did not finish within 10m0s; rolled back: it ended RollbackSuccessful")
	assert.Contains(t, err.Error(), "the group now names launch template lt-0abc version 6")
	assert.Contains(t, err.Error(), "the hosts' logs: CloudWatch log group /rds-app/scale/app")
	require.Len(t, srv.Calls("RollbackInstanceRefresh"), 1)
	assert.Empty(t, srv.Calls("CancelInstanceRefresh"))
	assert.False(t, rolledBackAt.Before(began.Add(r.Timeout)), "rolled back at %s, before the timeout", rolledBackAt.Sub(began))
	assert.True(t, rolledBackAt.Before(began.Add(r.Timeout+c.PollInterval)), "rolled back at %s, a poll after the timeout", rolledBackAt.Sub(began))
	assert.Equal(t, 6, srv.GroupVersion())
}

func TestRollCancelsWhereAWSRefusesTheRollback(t *testing.T) {
	srv := refreshtest.Start(t, script(refreshtest.Refresh{
		States:         []refreshtest.State{{Status: "InProgress"}},
		RefuseRollback: true,
	}))
	c, _, _ := client(srv)

	err := c.Roll(t.Context(), request())

	var failure *refresh.Failure
	require.ErrorAs(t, err, &failure)
	assert.Contains(t, err.Error(), "did not finish within 30m0s; AWS refused to roll it back (IrreversibleInstanceRefresh: ")
	assert.Contains(t, err.Error(), "so it was cancelled: it ended Cancelled")
	assert.Equal(t, []string{"RollbackInstanceRefresh", "CancelInstanceRefresh"}, actionsOf(srv, "RollbackInstanceRefresh", "CancelInstanceRefresh"))
	assert.Equal(t, 6, srv.GroupVersion())
}

func TestRollGivesUpOnARollbackThatDoesNotEnd(t *testing.T) {
	srv := refreshtest.Start(t, script(refreshtest.Refresh{
		States:        []refreshtest.State{{Status: "InProgress"}},
		AfterRollback: []refreshtest.State{{Status: "RollbackInProgress"}},
	}))
	c, _, clock := client(srv)
	c.PollInterval = time.Minute
	began := clock.now()
	r := request()
	r.Timeout = 2 * time.Hour

	err := c.Roll(t.Context(), r)

	require.Error(t, err)
	var failure *refresh.Failure
	assert.False(t, errors.As(err, &failure), "no outcome yet")
	assert.Contains(t, err.Error(), "did not finish within 2h0m0s; it was then rolled back, and AWS had not finished that 30m0s later either (status RollbackInProgress)")
	assert.Contains(t, err.Error(), "watch it with: aws autoscaling describe-instance-refreshes --auto-scaling-group-name web --region us-east-1")
	assert.Equal(t, began.Add(2*time.Hour+30*time.Minute), clock.now(), "the rollback is waited on for at most 30 minutes")
}

func TestRollLeavesAGroupOnTheVersionAlone(t *testing.T) {
	sc := script(refreshtest.Refresh{States: []refreshtest.State{{Status: "Successful"}}})
	sc.Version = 7
	srv := refreshtest.Start(t, sc)
	c, progress, _ := client(srv)

	require.NoError(t, c.Roll(t.Context(), request()))

	assert.Equal(t, []string{"DescribeAutoScalingGroups", "DescribeInstanceRefreshes"}, srv.Actions())
	assert.Equal(t, "group web already runs launch template version 7\n", progress.String())
}

func TestRollWaitsOnARefreshToTheVersionInProgress(t *testing.T) {
	sc := script(refreshtest.Refresh{})
	sc.Running = &refreshtest.Refresh{ID: "refresh-earlier", TemplateID: templateID, Version: 7, States: []refreshtest.State{
		{Status: "InProgress", Percentage: 40},
		{Status: "InProgress", Percentage: 80},
		{Status: "Successful", Percentage: 100},
	}}
	srv := refreshtest.Start(t, sc)
	c, progress, _ := client(srv)

	require.NoError(t, c.Roll(t.Context(), request()))

	assert.Empty(t, srv.Calls("StartInstanceRefresh", "CancelInstanceRefresh", "RollbackInstanceRefresh"))
	polls := srv.Calls("DescribeInstanceRefreshes")
	require.Len(t, polls, 3)
	for _, p := range polls[1:] {
		assert.Equal(t, []string{"refresh-earlier"}, p.List("InstanceRefreshIds"))
	}
	assert.Contains(t, progress.String(), "waiting on instance refresh refresh-earlier to version 7, already in progress (InProgress)")
	assert.Equal(t, 7, srv.GroupVersion())
}

func TestRollCancelsARefreshToAnotherVersion(t *testing.T) {
	sc := script(refreshtest.Refresh{States: []refreshtest.State{{Status: "InProgress", Percentage: 50}, {Status: "Successful", Percentage: 100}}})
	sc.Running = &refreshtest.Refresh{ID: "refresh-other", TemplateID: templateID, Version: 5, States: []refreshtest.State{{Status: "InProgress", Percentage: 30}}}
	srv := refreshtest.Start(t, sc)
	c, progress, _ := client(srv)

	require.NoError(t, c.Roll(t.Context(), request()))

	// The stand-in refuses a start while another refresh is active, as AWS
	// does: the start succeeding shows Roll waited for the cancel.
	assert.Equal(t, []string{"CancelInstanceRefresh", "StartInstanceRefresh"}, actionsOf(srv, "CancelInstanceRefresh", "StartInstanceRefresh"))
	assert.Equal(t, 6, srv.Calls("StartInstanceRefresh")[0].GroupVersion)
	assert.Equal(t, 7, srv.GroupVersion())
	out := progress.String()
	assert.Contains(t, out, "cancelling instance refresh refresh-other (InProgress, to launch template lt-0abc version 5), which is not to version 7")
	assert.Contains(t, out, "instance refresh refresh-other: Cancelled")
}

func TestRollStopsWaitingWhenInterrupted(t *testing.T) {
	for _, tc := range []struct {
		name string
		// at is the call during which ctx ends (Ctrl-C), and its number.
		at    string
		nth   int
		every time.Duration
	}{
		// Mid-call: the SDK's call ends with ctx.
		{name: "during a call", at: "DescribeInstanceRefreshes", nth: 3, every: 2 * time.Millisecond},
		// The last call before Roll sleeps: the sleep, an hour long, must
		// end with ctx.
		{name: "while sleeping", at: "DescribeTargetHealth", nth: 1, every: time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			sc := script(refreshtest.Refresh{States: []refreshtest.State{{Status: "InProgress"}}})
			seen := 0
			sc.OnCall = func(call refreshtest.Call) {
				if call.Action == tc.at {
					if seen++; seen == tc.nth {
						cancel()
					}
				}
			}
			srv := refreshtest.Start(t, sc)
			// The real clock.
			c := refresh.New(srv.Config())
			c.PollInterval = tc.every

			err := c.Roll(ctx, request())

			require.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, `stopped waiting for instance refresh refresh-started of group "web" to launch template lt-0abc version 7: context canceled; `+
				"the instance refresh goes on in AWS (on success AWS moves the group to the new version; after a failure it rolls back and the group keeps the old one), "+
				"and the next `pulumi up` waits on it; "+
				"watch it with: aws autoscaling describe-instance-refreshes --auto-scaling-group-name web --region us-east-1", err.Error())
			assert.Empty(t, srv.Calls("RollbackInstanceRefresh", "CancelInstanceRefresh"), "an interrupted Roll leaves the refresh to AWS")
		})
	}
}

func TestRollNamesAMissingGroup(t *testing.T) {
	sc := script(refreshtest.Refresh{})
	sc.Group = "other"
	srv := refreshtest.Start(t, sc)
	c, _, _ := client(srv)

	err := c.Roll(t.Context(), request())

	require.EqualError(t, err, `describing Auto Scaling group "web": no such group in region us-east-1`)
	assert.Equal(t, []string{"DescribeAutoScalingGroups"}, srv.Actions())
}

// actionsOf are srv's recorded calls of the given actions, in order.
func actionsOf(srv *refreshtest.Server, actions ...string) []string {
	var names []string
	for _, c := range srv.Calls(actions...) {
		names = append(names, c.Action)
	}
	return names
}
