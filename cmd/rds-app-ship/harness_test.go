//go:build unix

package main

// The stand-ins and fixtures the command's tests share: a project (the
// shipped Pulumi.yaml and Pulumi.dev.yaml), an application checkout with a
// commit, a recording pulumi on PATH, and stand-ins for docker and buildah
// where the real ones are not the point.

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rds-app/rds-app/internal/stackfile"
	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/require"
)

// fakePulumi is `pulumi` on PATH: it records each run (its directory and
// arguments), answers `stack output` with the test's outputs and `up`
// with the test's exit status.
const fakePulumi = `#!/bin/sh
{ echo "dir=$(pwd)"; for a in "$@"; do echo "arg=$a"; done; echo end; } >> "$FAKE_PULUMI_LOG"
case "$1" in
stack) cat "$FAKE_PULUMI_OUTPUTS" ;;
up) echo "fake pulumi up"; exit "${FAKE_PULUMI_UP_EXIT:-0}" ;;
*) echo "fake pulumi: unexpected $*" >&2; exit 2 ;;
esac
`

// fakeBuilder is docker or buildah on PATH (the same script, by its name):
// it records its arguments, keeps what a login got on standard input,
// reports FAKE_PLATFORM for the built image and FAKE_DIGEST for a push.
const fakeBuilder = `#!/bin/sh
tool=$(basename "$0")
echo "$tool $*" >> "$FAKE_TOOLS_LOG"
case "$tool $1" in
"docker info")
  if [ "$FAKE_DOCKER_ENGINE" = up ]; then echo 27.3.1; exit 0; fi
  echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1 ;;
"docker buildx"|"buildah build") echo "fake build for $FAKE_PLATFORM" ;;
"docker image"|"buildah inspect") echo "$FAKE_PLATFORM" ;;
*" login") cat > "$FAKE_LOGIN_STDIN"; echo "Login Succeeded!" ;;
"docker push")
  echo "The push refers to repository [$2]"
  echo "${2##*:}: digest: $FAKE_DIGEST size: 528" ;;
"buildah push")
  while [ $# -gt 0 ]; do
    if [ "$1" = --digestfile ]; then printf '%s\n' "$FAKE_DIGEST" > "$2"; fi
    shift
  done ;;
*) echo "fake $tool: unexpected $*" >&2; exit 2 ;;
esac
`

// fakeAWS is `aws` on PATH where ECR's answers are not the point: no tag
// is in the repository, and the login password is fakePassword.
const fakeAWS = `#!/bin/sh
echo "aws $*" >> "$FAKE_TOOLS_LOG"
case "$1 $2" in
"ecr describe-images")
  echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image does not exist" >&2; exit 254 ;;
"ecr get-login-password") echo ` + fakePassword + ` ;;
*) echo "fake aws: unexpected $*" >&2; exit 2 ;;
esac
`

const fakePassword = "fake-registry-password-0123"

// harness is one run's world: the project, the application, the tools.
type harness struct {
	t       *testing.T
	project string
	app     string
	bin     string
	// hidden are tools lookPath does not find.
	hidden map[string]bool
	// argv is every command the run started, as it was started.
	argv [][]string
	// stdin is what each command got on standard input, by its argv.
	stdin          map[string]string
	stdout, stderr bytes.Buffer
}

// newHarness makes a project whose dev stack has the shipped
// Pulumi.dev.yaml and answers repositoryUrl with repoURL ("" for no
// output), and an application checkout with one commit of files.
func newHarness(t *testing.T, repoURL string, files map[string]string) *harness {
	t.Helper()
	testenv.RequireTool(t, "sh", "/bin/sh")
	testenv.RequireTool(t, "git")
	h := &harness{t: t, project: t.TempDir(), bin: t.TempDir(), hidden: map[string]bool{}, stdin: map[string]string{}}
	root, err := stackfile.FindProject(".")
	require.NoError(t, err)
	for _, f := range []string{"Pulumi.yaml", "Pulumi.dev.yaml"} {
		data, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		testenv.WriteTemp(t, h.project, f, string(data), 0o644)
	}
	testenv.WriteTemp(t, h.bin, "pulumi", fakePulumi, 0o755)
	t.Setenv("PATH", h.bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_PULUMI_LOG", filepath.Join(t.TempDir(), "pulumi.log"))
	t.Setenv("FAKE_TOOLS_LOG", filepath.Join(t.TempDir(), "tools.log"))
	t.Setenv("FAKE_LOGIN_STDIN", filepath.Join(t.TempDir(), "login-stdin"))
	t.Setenv("FAKE_PULUMI_UP_EXIT", "0")
	t.Setenv(envProjectDir, "")
	t.Setenv(envRegistry, "")
	outputs := `{"url": "http://203.0.113.7"}`
	if repoURL != "" {
		outputs = fmt.Sprintf(`{"url": "http://203.0.113.7", "repositoryUrl": %q}`, repoURL)
	}
	t.Setenv("FAKE_PULUMI_OUTPUTS", testenv.WriteTemp(t, t.TempDir(), "outputs.json", outputs, 0o600))
	h.app = gitCheckout(t, files)
	return h
}

// setOutputs makes outputs (JSON) what `pulumi stack output` answers.
func (h *harness) setOutputs(outputs string) {
	h.t.Setenv("FAKE_PULUMI_OUTPUTS", testenv.WriteTemp(h.t, h.t.TempDir(), "outputs.json", outputs, 0o600))
}

// fakeBuilders puts the stand-ins for docker and buildah first on PATH.
func (h *harness) fakeBuilders(dockerEngine, platform, digest string) {
	for _, tool := range []string{"docker", "buildah"} {
		testenv.WriteTemp(h.t, h.bin, tool, fakeBuilder, 0o755)
	}
	h.t.Setenv("FAKE_DOCKER_ENGINE", dockerEngine)
	h.t.Setenv("FAKE_PLATFORM", platform)
	h.t.Setenv("FAKE_DIGEST", digest)
}

// fakeAWS puts the stand-in for the AWS CLI first on PATH.
func (h *harness) fakeAWS() { testenv.WriteTemp(h.t, h.bin, "aws", fakeAWS, 0o755) }

// run runs the command in the application's checkout with --project-dir.
func (h *harness) run(args ...string) int {
	h.t.Helper()
	return h.runWith(append([]string{"--project-dir", h.project, "--app-dir", h.app}, args...))
}

// runWith runs the command line full as it is.
func (h *harness) runWith(full []string) int {
	h.t.Helper()
	h.stdout.Reset()
	h.stderr.Reset()
	a := newApp(strings.NewReader(""), &h.stdout, &h.stderr)
	a.lookPath = func(name string) (string, error) {
		if h.hidden[name] {
			return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
		}
		return exec.LookPath(name)
	}
	a.observe = func(cmd *exec.Cmd) {
		h.argv = append(h.argv, cmd.Args)
		if r, ok := cmd.Stdin.(*bytes.Reader); ok {
			data := make([]byte, r.Len())
			_, _ = r.ReadAt(data, 0)
			h.stdin[strings.Join(cmd.Args, " ")] = string(data)
		}
	}
	code := a.run(context.Background(), full)
	h.t.Logf("rds-app-ship %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(full, " "), code, &h.stdout, &h.stderr)
	return code
}

// ran lists the commands started by name (the program's base name).
func (h *harness) ran(name string) [][]string {
	var out [][]string
	for _, argv := range h.argv {
		if filepath.Base(argv[0]) == name {
			out = append(out, argv[1:])
		}
	}
	return out
}

// pulumiRuns are the fake pulumi's runs: the directory and the arguments.
type pulumiRun struct {
	dir  string
	args []string
}

func pulumiRuns(t *testing.T) []pulumiRun {
	t.Helper()
	data, err := os.ReadFile(os.Getenv("FAKE_PULUMI_LOG"))
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var runs []pulumiRun
	var cur pulumiRun
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		switch {
		case strings.HasPrefix(line, "dir="):
			cur = pulumiRun{dir: strings.TrimPrefix(line, "dir=")}
		case strings.HasPrefix(line, "arg="):
			cur.args = append(cur.args, strings.TrimPrefix(line, "arg="))
		case line == "end":
			runs = append(runs, cur)
		}
	}
	return runs
}

// image is app.image in the project's dev stack file.
func (h *harness) image() string {
	h.t.Helper()
	st, err := stackfile.Load(h.project, "dev")
	require.NoError(h.t, err)
	v, _, err := st.Get("app.image")
	require.NoError(h.t, err)
	return v
}

// realDir is dir with symbolic links resolved, as pwd reports it.
func realDir(t *testing.T, dir string) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	return d
}

// gitCheckout makes a git repository holding files in one commit.
func gitCheckout(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		testenv.WriteTemp(t, dir, name, content, 0o644)
	}
	git(t, dir, "init", "-q")
	if len(files) > 0 {
		git(t, dir, "add", "-A")
		git(t, dir, "commit", "-q", "-m", "the application")
	}
	return dir
}

// git runs git in dir as a test author, with no user configuration.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

// ecrRepository creates a repository in the emulator, with immutable tags
// as the stack's, and returns its URL.
func ecrRepository(t *testing.T, m *testenv.Moto, name string) string {
	t.Helper()
	answer := m.Call(t, "ecr", "AmazonEC2ContainerRegistry_V20150921.CreateRepository",
		map[string]any{"repositoryName": name, "imageTagMutability": "IMMUTABLE"})
	url, _ := answer["repository"].(map[string]any)["repositoryUri"].(string)
	require.NotEmpty(t, url, "CreateRepository answered %v", answer)
	return url
}

// ecrPassword is the registry password ECR (the emulator) hands out, as
// `aws ecr get-login-password` prints it.
func ecrPassword(t *testing.T, m *testenv.Moto) string {
	t.Helper()
	answer := m.Call(t, "ecr", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken", map[string]any{})
	data := answer["authorizationData"].([]any)[0].(map[string]any)
	token, err := base64.StdEncoding.DecodeString(data["authorizationToken"].(string))
	require.NoError(t, err)
	user, password, ok := strings.Cut(string(token), ":")
	require.True(t, ok && user == "AWS", "token %q", token)
	return password
}

// assertNoPassword checks that password is in no command line the run
// started.
func (h *harness) assertNoPassword(password string) {
	h.t.Helper()
	require.NotEmpty(h.t, h.argv)
	for _, argv := range h.argv {
		require.NotContains(h.t, strings.Join(argv, " "), password, "a command line holds the registry password")
	}
	require.NotContains(h.t, h.stdout.String()+h.stderr.String(), password, "the output holds the registry password")
	if log, err := os.ReadFile(os.Getenv("FAKE_TOOLS_LOG")); err == nil {
		require.NotContains(h.t, string(log), password)
	}
}
