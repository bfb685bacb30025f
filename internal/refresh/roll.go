package refresh

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// Roll rolls group r.Group to launch template r.TemplateID version
// r.Version by an instance refresh with auto rollback, and waits for the
// outcome (the steps are in the package comment). It returns nil when the
// group runs the version, a *Failure when the refresh ended otherwise, and
// an error naming the command that watches the refresh when ctx ends
// first (the refresh goes on in AWS).
func (c *Client) Roll(ctx context.Context, r Request) error {
	if err := r.validate(); err != nil {
		return err
	}
	w := &roll{Client: c, r: r, deadline: c.now().Add(r.Timeout), hosts: map[string]Health{}, shown: map[string]string{}}
	g, err := c.describeGroup(ctx, r.Group)
	if err != nil {
		return w.notStarted(ctx, err)
	}
	active, err := c.activeRefresh(ctx, r.Group)
	if err != nil {
		return w.notStarted(ctx, err)
	}
	var id string
	switch {
	case active == nil && names(g.LaunchTemplate, r.TemplateID, r.Version):
		c.printf("group %s already runs launch template version %d", r.Group, r.Version)
		return nil
	case active != nil && Targets(*active, g, r.TemplateID, r.Version):
		// A previous `pulumi up` started it and was interrupted.
		id = aws.ToString(active.InstanceRefreshId)
		c.printf("group %s: waiting on instance refresh %s to version %d, already in progress (%s)", r.Group, id, r.Version, active.Status)
	default:
		if active != nil {
			if err := w.cancelOther(ctx, *active); err != nil {
				return err
			}
		}
		c.printf("group %s: starting an instance refresh to launch template %s version %d, auto rollback on (the group %s)",
			r.Group, r.TemplateID, r.Version, GroupSummary(g))
		if id, err = c.start(ctx, r); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w; it may have started: %s", err, goesOn(r.Group, c.region, c.profile))
			}
			return err
		}
	}
	return w.wait(ctx, id)
}

// roll is one Roll's state.
type roll struct {
	*Client
	r Request
	// deadline is Request.Timeout after Roll began.
	deadline time.Time
	// hosts are the hosts launched for the new version and their last
	// load balancer health; healthErr the last failure to read it.
	hosts     map[string]Health
	healthErr error
	// shown is the last progress each refresh printed.
	shown map[string]string
}

// wait follows refresh id to its end, rolling it back at the deadline.
func (w *roll) wait(ctx context.Context, id string) error {
	ir, done, err := w.follow(ctx, id, w.deadline, true)
	if err != nil {
		return w.interrupted(ctx, id, err)
	}
	if done {
		return w.outcome(ctx, ir, "")
	}
	stopped, err := w.rollback(ctx, w.r.Group)
	if err != nil {
		return w.interrupted(ctx, id, fmt.Errorf("instance refresh %s did not finish within %s, and stopping it failed: %w", id, w.r.Timeout, err))
	}
	w.printf("group %s: instance refresh %s did not finish within %s; asked AWS to stop it (%s)", w.r.Group, id, w.r.Timeout, stopped)
	bound := min(w.r.Timeout, MaxRollbackWait)
	ir, done, err = w.follow(ctx, id, w.now().Add(bound), true)
	if err != nil {
		return w.interrupted(ctx, id, err)
	}
	if !done {
		return errors.New(stuckMessage(w.r, ir, stopped, bound, w.region, w.profile))
	}
	return w.outcome(ctx, ir, stopped)
}

// follow polls refresh id until it is terminal (true) or the clock passes
// deadline (false), printing its progress and, with health, following the
// new hosts' health.
func (w *roll) follow(ctx context.Context, id string, deadline time.Time, health bool) (types.InstanceRefresh, bool, error) {
	for {
		ir, err := w.describeRefresh(ctx, w.r.Group, id)
		if err != nil {
			return ir, false, err
		}
		if key := progressKey(ir); w.shown[id] != key {
			w.shown[id] = key
			w.printf("%s", ProgressLine(w.r.Group, ir))
		}
		if Terminal(ir.Status) {
			return ir, true, nil
		}
		if !w.now().Before(deadline) {
			return ir, false, nil
		}
		if health {
			w.followHealth(ctx)
		}
		if err := w.sleep(ctx, w.pollInterval()); err != nil {
			return ir, false, err
		}
	}
}

// progressKey is what must change for a new progress line.
func progressKey(ir types.InstanceRefresh) string {
	return fmt.Sprintf("%s %d", ir.Status, aws.ToInt32(ir.PercentageComplete))
}

// followHealth records the load balancer's health of the hosts launched
// for the new version. Failures are kept for the message, not fatal: the
// refresh's own status decides the outcome.
func (w *roll) followHealth(ctx context.Context) {
	if w.r.TargetGroupArn == "" {
		return
	}
	g, err := w.describeGroup(ctx, w.r.Group)
	if err != nil {
		w.healthErr = err
		return
	}
	ids := newHosts(g, w.r.TemplateID, w.r.Version)
	if len(ids) == 0 {
		return
	}
	health, err := w.targetHealth(ctx, w.r.TargetGroupArn, ids)
	if err != nil {
		w.healthErr = err
		return
	}
	w.healthErr = nil
	for _, id := range ids {
		last := w.hosts[id]
		next, answered := health[id]
		if !answered || next == last || !Keep(last, next) {
			w.hosts[id] = last // a host seen, even with no health yet
			continue
		}
		w.hosts[id] = next
		w.printf("group %s: host %s (version %d): %s", w.r.Group, id, w.r.Version, next.text())
	}
}

// cancelOther cancels the refresh in progress, which is not to the
// requested version, and waits for it to end.
func (w *roll) cancelOther(ctx context.Context, ir types.InstanceRefresh) error {
	id := aws.ToString(ir.InstanceRefreshId)
	w.printf("group %s: cancelling instance refresh %s (%s, to %s), which is not to version %d",
		w.r.Group, id, ir.Status, target(ir), w.r.Version)
	if ir.Status != Cancelling {
		if err := w.cancel(ctx, w.r.Group); err != nil {
			return w.notStarted(ctx, err)
		}
	}
	end, done, err := w.follow(ctx, id, w.deadline, false)
	if err != nil {
		return w.notStarted(ctx, fmt.Errorf("waiting for instance refresh %s to be cancelled: %w", id, err))
	}
	if !done {
		return fmt.Errorf("instance refresh %s of group %q, cancelled so that version %d could be rolled out, was still %s after %s; "+
			"no refresh to version %d was started; watch it with: %s",
			id, w.r.Group, w.r.Version, end.Status, w.r.Timeout, w.r.Version, WatchCommand(w.r.Group, w.region, w.profile))
	}
	return nil
}

// target names what refresh ir rolls the group to.
func target(ir types.InstanceRefresh) string {
	if ir.DesiredConfiguration == nil || ir.DesiredConfiguration.LaunchTemplate == nil {
		return "the group's own configuration"
	}
	lt := ir.DesiredConfiguration.LaunchTemplate
	return fmt.Sprintf("launch template %s version %s", aws.ToString(lt.LaunchTemplateId), aws.ToString(lt.Version))
}

// outcome is Roll's result for a refresh in a terminal status; stopped
// says how Roll stopped it at the deadline ("" if it did not).
func (w *roll) outcome(ctx context.Context, ir types.InstanceRefresh, stopped string) error {
	g, gerr := w.describeGroup(ctx, w.r.Group)
	if Succeeded(ir.Status) {
		if gerr == nil {
			w.printf("group %s: instance refresh %s succeeded; the group %s", w.r.Group, aws.ToString(ir.InstanceRefreshId), GroupSummary(g))
		}
		return nil
	}
	f := &Failure{Request: w.r, Refresh: ir, TimedOut: stopped != "", Stopped: stopped, GroupErr: gerr,
		Hosts: w.hosts, HealthErr: w.healthErr}
	if gerr == nil {
		f.Group = &g
	}
	return f
}

// interrupted is the error when the wait for refresh id ends early (ctx
// ended, or AWS could not be asked): the refresh goes on without Roll.
func (w *roll) interrupted(ctx context.Context, id string, err error) error {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return fmt.Errorf("stopped waiting for instance refresh %s of group %q to launch template %s version %d: %w; %s",
		id, w.r.Group, w.r.TemplateID, w.r.Version, err, goesOn(w.r.Group, w.region, w.profile))
}

// notStarted is the error when Roll ends before it started a refresh.
func (w *roll) notStarted(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("rolling group %q to launch template version %d: interrupted (%w) before an instance refresh to it was started",
			w.r.Group, w.r.Version, ctx.Err())
	}
	return err
}
