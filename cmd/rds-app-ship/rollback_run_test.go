//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rollbackHarness is a harness whose dev stack file names configured as
// app.image (the shipped file with only that line changed), and whose
// pulumi answers the outputs release and previousRelease. It returns the
// stack file's text.
func rollbackHarness(t *testing.T, configured string, current, previous release) (*harness, string) {
	t.Helper()
	h := newHarness(t, sampleURL, nil)
	path := filepath.Join(h.project, "Pulumi.dev.yaml")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	text := strings.Replace(string(data), "image: "+shippedImage+"\n", "image: "+configured+"\n", 1)
	require.NotEqual(t, string(data), text, "the shipped dev stack names %s", shippedImage)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	h.setOutputs(releasesJSON(current, previous))
	return h, text
}

// rollback runs `rds-app-ship --rollback` with the project, in no
// application checkout: a rollback needs none.
func (h *harness) rollback(args ...string) int {
	h.t.Helper()
	return h.runWith(append([]string{"--project-dir", h.project, "--stack", "dev", "--rollback"}, args...))
}

// stackFile is the dev stack file's text.
func (h *harness) stackFile() string {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.project, "Pulumi.dev.yaml"))
	require.NoError(h.t, err)
	return string(data)
}

// outputsRun is the pulumi run that reads the dev stack's outputs.
func outputsRun(t *testing.T, h *harness) pulumiRun {
	return pulumiRun{dir: realDir(t, h.project), args: []string{"stack", "output", "--json", "--non-interactive", "--stack", "dev"}}
}

func TestRollback(t *testing.T) {
	r3, r2, r1 := releaseOf("3", pinned("3")), releaseOf("2", pinned("2")), releaseOf("1", tagPinned("v1", "1"))

	t.Run("after a release that rolled out: the one before it, through pulumi up", func(t *testing.T) {
		h, text := rollbackHarness(t, r2.Image, r2, r1)
		require.Equal(t, 0, h.rollback())
		assert.Equal(t, r1.Image, h.image(), "the previous release's image, exactly as the output names it")
		assert.Equal(t, strings.Replace(text, r2.Image, r1.Image, 1), h.stackFile(), "only app.image changed: comments, order and the other keys stay")
		assert.Contains(t, h.stderr.String(), "rds-app-ship: rolling back stack dev from release 222222222222 ("+r2.Image+") to the image of the one before, release 111111111111 ("+r1.Image+
			"); today's settings and secrets stay, only the image goes back\n")
		assert.Contains(t, h.stderr.String(), "rds-app-ship: Pulumi.dev.yaml: app.image is now "+r1.Image+" (was "+r2.Image+")\n")
		assert.Contains(t, h.stderr.String(), "rds-app-ship: rolled back to "+r1.Image+"; commit Pulumi.dev.yaml with the rds-app checkout\n")
		assert.Equal(t, []pulumiRun{outputsRun(t, h), {dir: realDir(t, h.project), args: []string{"up", "--stack", "dev"}}}, pulumiRuns(t))
		assert.Contains(t, h.stdout.String(), "fake pulumi up", "pulumi up has the terminal")
		for _, argv := range h.argv {
			assert.Equal(t, "pulumi", filepath.Base(argv[0]), "a rollback runs pulumi only: no git, builder or AWS CLI (%q)", argv)
		}
	})

	t.Run("after a pulumi up that failed: the release the hosts run", func(t *testing.T) {
		// The outputs are the last successful pulumi up's: r2 runs, and
		// the stack file names r3, which never rolled out.
		h, text := rollbackHarness(t, r3.Image, r2, r1)
		require.Equal(t, 0, h.rollback("--", "--yes"))
		assert.Equal(t, r2.Image, h.image())
		assert.Equal(t, strings.Replace(text, r3.Image, r2.Image, 1), h.stackFile())
		assert.Contains(t, h.stderr.String(), "rds-app-ship: rolling back stack dev from app.image "+r3.Image+", which has not rolled out")
		assert.Equal(t, []pulumiRun{outputsRun(t, h), {dir: realDir(t, h.project), args: []string{"up", "--stack", "dev", "--yes"}}}, pulumiRuns(t))
	})

	t.Run("--no-deploy prints the command", func(t *testing.T) {
		h, _ := rollbackHarness(t, r2.Image, r2, r1)
		require.Equal(t, 0, h.rollback("--no-deploy", "--", "--yes"))
		assert.Equal(t, r1.Image, h.image())
		assert.Equal(t, "cd "+h.project+" && pulumi up --stack dev --yes\n", h.stdout.String())
		assert.Contains(t, h.stderr.String(), "rds-app-ship: not deployed (--no-deploy); to deploy, run:\n")
		assert.Equal(t, []pulumiRun{outputsRun(t, h)}, pulumiRuns(t), "no pulumi up")
	})

	t.Run("a failed pulumi up says how to go on or back", func(t *testing.T) {
		h, _ := rollbackHarness(t, r2.Image, r2, r1)
		t.Setenv("FAKE_PULUMI_UP_EXIT", "3")
		assert.Equal(t, 3, h.rollback(), "pulumi's exit status")
		assert.Equal(t, r1.Image, h.image(), "app.image stays set")
		assert.Contains(t, h.stderr.String(), "rds-app-ship: pulumi up did not finish; app.image stays "+r1.Image+" in Pulumi.dev.yaml. "+
			"Fix what pulumi reported and run `cd "+h.project+" && pulumi up --stack dev` again, or go back to the previous image: `pulumi config set --path app.image "+r2.Image+" --stack dev`")
	})

	// Nothing to roll back to: the error, the stack file untouched, no
	// pulumi up.
	for _, tc := range []struct {
		name              string
		current, previous release
		want              string
	}{
		{"no release has rolled out", release{}, release{}, `rds-app-ship: error: stack "dev" has no release output: `},
		{"one release has rolled out", r2, release{}, `rds-app-ship: error: stack "dev" has no previous release: release 222222222222 (` + r2.Image + `) is the only one that rolled out`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, text := rollbackHarness(t, r2.Image, tc.current, tc.previous)
			assert.Equal(t, 1, h.rollback())
			assert.Contains(t, h.stderr.String(), tc.want)
			assert.Contains(t, h.stderr.String(), "so there is nothing to roll back to; to deploy an older image, find it in `git log -p Pulumi.dev.yaml`")
			assert.Equal(t, text, h.stackFile(), "the stack file is untouched")
			assert.Equal(t, []pulumiRun{outputsRun(t, h)}, pulumiRuns(t), "no pulumi up")
		})
	}

	t.Run("a build flag is a usage error", func(t *testing.T) {
		h, text := rollbackHarness(t, r2.Image, r2, r1)
		assert.Equal(t, 2, h.rollback("--app-dir", h.app))
		assert.Contains(t, h.stderr.String(), "rds-app-ship: --app-dir is for a build, and --rollback builds nothing")
		assert.Equal(t, text, h.stackFile())
		assert.Empty(t, pulumiRuns(t), "pulumi never ran")
	})
}
