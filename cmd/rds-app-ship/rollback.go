package main

// --rollback: an earlier release's image, deployed again through the same
// end as a ship (app.image in the stack file, then pulumi up), with no
// commit, build or push. Only the image goes back: the settings are the
// stack file's (they are in git, and go back there), and the secrets'
// versions are today's, since an old version of a rotated password no
// longer opens the database.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/pulumicli"
)

// release is a release as the stack outputs release and previousRelease
// give it (hostconf.HistoryEntry's fields); an empty Image is none.
type release struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Image   string `json:"image"`
}

// label names the release in a message by the start of its ID, as long as
// a short commit ID.
func (r release) label() string {
	id := r.ID
	if len(id) > 12 {
		id = id[:12]
	}
	return "release " + id
}

// parseReleases reads the outputs release (what the hosts run) and
// previousRelease (what rolled out before it) from the JSON of `pulumi
// stack output --json`. A missing output, or {}, is no release.
func parseReleases(data []byte, stack string) (current, previous release, err error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return release{}, release{}, fmt.Errorf("reading the outputs of %s: not a JSON object (%v)", pulumicli.StackLabel(stack), err)
	}
	read := func(name string) (release, error) {
		v, ok := raw[name]
		if !ok {
			return release{}, nil
		}
		var r release
		if err := json.Unmarshal(v, &r); err != nil {
			return release{}, fmt.Errorf("the output %s of %s is %s, not a release ({\"id\", \"version\", \"image\"})", name, pulumicli.StackLabel(stack), v)
		}
		if r == (release{}) {
			return r, nil
		}
		// The image goes into app.image as it is: it must be pinned.
		if img, err := awsfacts.ParseImage(r.Image); err != nil || img.Digest == "" || r.ID == "" {
			return release{}, fmt.Errorf("the output %s of %s is %s, not a release with an ID and an image pinned to its digest", name, pulumicli.StackLabel(stack), v)
		}
		return r, nil
	}
	if current, err = read("release"); err != nil {
		return release{}, release{}, err
	}
	if previous, err = read("previousRelease"); err != nil {
		return release{}, release{}, err
	}
	return current, previous, nil
}

// rolledOut says whether the image app.image names (configured) is the
// release's image: the same reference, or, for an image named by tag, that
// tag pinned to a digest, as `pulumi up` pins it. (A tag moved since the
// release cannot be told from here; app.image by digest, as rds-app-ship
// writes it, has no such doubt.)
func rolledOut(configured, image string) bool {
	if configured == image {
		return true
	}
	return configured != "" && !strings.Contains(configured, "@") && strings.HasPrefix(image, configured+"@")
}

// rollbackPlan is the image a rollback deploys, and the line that says so.
type rollbackPlan struct {
	image string
	say   string
}

// planRollback picks the image a rollback of stack deploys, from app.image
// in its stack file (configured, "" when unset) and the outputs release
// and previousRelease:
//
//   - when the hosts do not run configured (the last pulumi up failed and
//     Pulumi kept the outputs of the one before, or app.image was changed
//     by hand since), the release they run: going back means undoing the
//     change that never rolled out;
//   - otherwise the release that rolled out before it.
func planRollback(stack, configured string, current, previous release) (rollbackPlan, error) {
	file := "Pulumi." + stack + ".yaml"
	byHand := fmt.Sprintf("to deploy an older image, find it in `git log -p %s` (in the rds-app checkout), set it with `pulumi config set --path app.image <repository>@sha256:<digest> --stack %s` and run `pulumi up --stack %s`",
		file, stack, stack)
	keep := "today's settings and secrets stay, only the image goes back"
	if current.Image == "" {
		return rollbackPlan{}, fmt.Errorf("%s has no release output: no release has rolled out there yet (or the program that deployed it predates releases), so there is nothing to roll back to; %s",
			pulumicli.StackLabel(stack), byHand)
	}
	if !rolledOut(configured, current.Image) {
		was := configured
		if was == "" {
			was = "unset"
		}
		return rollbackPlan{image: current.Image, say: fmt.Sprintf(
			"rolling back stack %s from app.image %s, which has not rolled out (the last pulumi up failed, or app.image changed since), to %s (%s), which the hosts run; %s",
			stack, was, current.Image, current.label(), keep)}, nil
	}
	if previous.Image == "" {
		return rollbackPlan{}, fmt.Errorf("%s has no previous release: %s (%s) is the only one that rolled out (the output previousRelease is empty), so there is nothing to roll back to; %s",
			pulumicli.StackLabel(stack), current.label(), current.Image, byHand)
	}
	if rolledOut(configured, previous.Image) {
		return rollbackPlan{}, fmt.Errorf("the previous release of %s, %s, ran the same image as %s (%s): they differ in settings or secrets only, and --rollback keeps those; "+
			"to go back on a setting, revert it in %s (`git log -p %s`) and run `pulumi up --stack %s`",
			pulumicli.StackLabel(stack), previous.label(), current.label(), current.Image, file, file, stack)
	}
	return rollbackPlan{image: previous.Image, say: fmt.Sprintf(
		"rolling back stack %s from %s (%s) to the image of the one before, %s (%s); %s",
		stack, current.label(), current.Image, previous.label(), previous.Image, keep)}, nil
}

// rollback deploys the image planRollback picks: the outputs, then the
// same end as a ship.
func (a *app) rollback(ctx context.Context, o options) error {
	projectDir, st, err := openStack(o)
	if err != nil {
		return err
	}
	outputs, err := a.readOutputs(ctx, projectDir, o.stack)
	if err != nil {
		return err
	}
	current, previous, err := parseReleases(outputs, o.stack)
	if err != nil {
		return err
	}
	configured, _, err := st.Get("app.image")
	if err != nil {
		return err
	}
	plan, err := planRollback(o.stack, configured, current, previous)
	if err != nil {
		return err
	}
	a.step("%s", plan.say)
	return a.deployImage(ctx, o, projectDir, st, plan.image, "rolled back to "+plan.image)
}
