package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pinned is an image of the sample repository by digest, as rds-app-ship
// writes app.image; tagPinned is one by tag and digest, as `pulumi up` pins
// an image named by tag.
func pinned(c string) string { return sampleURL + "@sha256:" + strings.Repeat(c, 64) }
func tagPinned(tag, c string) string {
	return sampleURL + ":" + tag + "@sha256:" + strings.Repeat(c, 64)
}

// releaseOf is a release with an ID made of c.
func releaseOf(c, image string) release {
	return release{ID: strings.Repeat(c, 32), Version: "v-" + c, Image: image}
}

// releasesJSON is `pulumi stack output --json` with the outputs release
// and previousRelease ({} for a zero one).
func releasesJSON(current, previous release) string {
	out := func(r release) string {
		if r == (release{}) {
			return "{}"
		}
		return fmt.Sprintf(`{"id": %q, "version": %q, "image": %q}`, r.ID, r.Version, r.Image)
	}
	return fmt.Sprintf(`{"url": "http://203.0.113.7", "repositoryUrl": %q, "release": %s, "previousRelease": %s}`, sampleURL, out(current), out(previous))
}

func TestParseReleases(t *testing.T) {
	r2, r1 := releaseOf("2", pinned("2")), releaseOf("1", tagPinned("v1", "1"))
	current, previous, err := parseReleases([]byte(releasesJSON(r2, r1)), "dev")
	require.NoError(t, err)
	assert.Equal(t, r2, current)
	assert.Equal(t, r1, previous)

	current, previous, err = parseReleases([]byte(releasesJSON(r2, release{})), "dev")
	require.NoError(t, err)
	assert.Equal(t, r2, current)
	assert.Equal(t, release{}, previous, "{} is no previous release")

	current, previous, err = parseReleases([]byte(`{"url": "http://203.0.113.7"}`), "dev")
	require.NoError(t, err)
	assert.Equal(t, [2]release{}, [2]release{current, previous}, "no outputs, no releases")

	for _, tc := range []struct{ name, outputs, want string }{
		{"not JSON", `warning: something`, `reading the outputs of stack "dev": not a JSON object`},
		{"not an object", `{"release": "x"}`, `the output release of stack "dev" is "x", not a release ({"id", "version", "image"})`},
		{"not pinned", `{"release": {"id": "` + strings.Repeat("2", 32) + `", "version": "v", "image": "` + sampleURL + `:v2"}}`,
			`the output release of stack "dev" is {"id": "22222222222222222222222222222222", "version": "v", "image": "` + sampleURL + `:v2"}, not a release with an ID and an image pinned to its digest`},
		{"no ID", `{"previousRelease": {"image": "` + pinned("1") + `"}}`, `the output previousRelease of stack "dev" is {"image": "` + pinned("1") + `"}, not a release with an ID`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := parseReleases([]byte(tc.outputs), "dev")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestRolledOut(t *testing.T) {
	assert.True(t, rolledOut(pinned("2"), pinned("2")))
	assert.False(t, rolledOut(pinned("3"), pinned("2")))
	assert.True(t, rolledOut(sampleURL+":v2", tagPinned("v2", "2")), "a tag is its pinned form")
	assert.False(t, rolledOut(sampleURL+":v3", tagPinned("v2", "2")))
	assert.False(t, rolledOut(sampleURL+":v", tagPinned("v2", "2")), "a tag is not a prefix of another")
	assert.False(t, rolledOut(tagPinned("v2", "3"), tagPinned("v2", "2")), "a digest is not replaced by another")
	assert.False(t, rolledOut("", pinned("2")), "app.image unset")
}

// Which release a rollback picks, and each way there is none.
func TestPlanRollback(t *testing.T) {
	r3, r2, r1 := releaseOf("3", pinned("3")), releaseOf("2", pinned("2")), releaseOf("1", tagPinned("v1", "1"))
	byHand := "to deploy an older image, find it in `git log -p Pulumi.dev.yaml` (in the rds-app checkout), set it with " +
		"`pulumi config set --path app.image <repository>@sha256:<digest> --stack dev` and run `pulumi up --stack dev`"

	t.Run("the configured release rolled out: the one before it", func(t *testing.T) {
		p, err := planRollback("dev", r2.Image, r2, r1)
		require.NoError(t, err)
		assert.Equal(t, rollbackPlan{image: r1.Image, say: "rolling back stack dev from release 222222222222 (" + r2.Image +
			") to the image of the one before, release 111111111111 (" + r1.Image + "); today's settings and secrets stay, only the image goes back"}, p)
	})
	t.Run("by tag, as pulumi up pins it", func(t *testing.T) {
		cur := releaseOf("2", tagPinned("v2", "2"))
		p, err := planRollback("dev", sampleURL+":v2", cur, r1)
		require.NoError(t, err)
		assert.Equal(t, r1.Image, p.image)
	})
	t.Run("the configured release did not roll out: the one the hosts run", func(t *testing.T) {
		p, err := planRollback("dev", r3.Image, r2, r1)
		require.NoError(t, err)
		assert.Equal(t, rollbackPlan{image: r2.Image, say: "rolling back stack dev from app.image " + r3.Image +
			", which has not rolled out (the last pulumi up failed, or app.image changed since), to " + r2.Image +
			" (release 222222222222), which the hosts run; today's settings and secrets stay, only the image goes back"}, p)
		// Without a previous release too: what runs is enough.
		p, err = planRollback("dev", r3.Image, r2, release{})
		require.NoError(t, err)
		assert.Equal(t, r2.Image, p.image)
		p, err = planRollback("dev", "", r2, release{})
		require.NoError(t, err)
		assert.Contains(t, p.say, "from app.image unset, which has not rolled out")
	})
	for _, tc := range []struct {
		name, configured  string
		current, previous release
		want              string
	}{
		{"no release yet", r2.Image, release{}, release{},
			`stack "dev" has no release output: no release has rolled out there yet (or the program that deployed it predates releases), so there is nothing to roll back to; ` + byHand},
		{"no previous release", r2.Image, r2, release{},
			`stack "dev" has no previous release: release 222222222222 (` + r2.Image + `) is the only one that rolled out (the output previousRelease is empty), so there is nothing to roll back to; ` + byHand},
		{"the previous release ran the same image", r2.Image, r2, releaseOf("1", r2.Image),
			`the previous release of stack "dev", release 111111111111, ran the same image as release 222222222222 (` + r2.Image + `): they differ in settings or secrets only, and --rollback keeps those; ` +
				"to go back on a setting, revert it in Pulumi.dev.yaml (`git log -p Pulumi.dev.yaml`) and run `pulumi up --stack dev`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := planRollback("dev", tc.configured, tc.current, tc.previous)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}
