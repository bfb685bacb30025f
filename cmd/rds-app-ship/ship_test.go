//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shippedImage is app.image in the shipped Pulumi.dev.yaml.
const shippedImage = "public.ecr.aws/docker/library/nginx:stable-alpine"

var scratchApp = map[string]string{"Dockerfile": "FROM scratch\nCOPY server /server\nENTRYPOINT [\"/server\"]\n", "server": "a binary"}

// The failures that come before anything is asked of AWS or built: each
// says what to do next, and nothing is built, asked or deployed.
func TestShipRefuses(t *testing.T) {
	const repo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/rds-app-dev-app-1a2b3c"
	check := func(t *testing.T, h *harness, want string) {
		t.Helper()
		// Reaching AWS would fail with "the AWS CLI is not installed".
		h.hidden["aws"] = true
		assert.Equal(t, 1, h.run("--stack", "dev"))
		assert.Contains(t, h.stderr.String(), "rds-app-ship: error: "+want)
		assert.Empty(t, h.ran("docker"))
		assert.Empty(t, h.ran("buildah"))
		for _, r := range pulumiRuns(t) {
			assert.NotEqual(t, "up", r.args[0], "pulumi up ran")
		}
		assert.Equal(t, shippedImage, h.image(), "the stack file is untouched")
	}

	t.Run("a dirty tree", func(t *testing.T) {
		h := newHarness(t, repo, scratchApp)
		testenv.WriteTemp(t, h.app, "Dockerfile", "FROM scratch\n", 0o644)
		testenv.WriteTemp(t, h.app, "notes.txt", "untracked\n", 0o644)
		commit := git(t, h.app, "rev-parse", "HEAD")
		check(t, h, "the checkout "+realDir(t, h.app)+" has uncommitted changes (Dockerfile, notes.txt): commit or stash them, so that the image is exactly commit "+
			commit[:12]+"; or pass --allow-dirty to ship them anyway, tagged <commit>-dirty-<UTC time>")
	})
	t.Run("not a git checkout", func(t *testing.T) {
		h := newHarness(t, repo, scratchApp)
		h.app = t.TempDir()
		check(t, h, h.app+" is not a git checkout: run rds-app-ship in your application's checkout (where its Dockerfile is), or pass --app-dir DIR")
	})
	t.Run("no commit yet", func(t *testing.T) {
		h := newHarness(t, repo, nil)
		check(t, h, "the checkout "+realDir(t, h.app)+" has no commit yet: commit your application first")
	})
	t.Run("no Dockerfile", func(t *testing.T) {
		h := newHarness(t, repo, map[string]string{"main.go": "package main\n"})
		check(t, h, "no Dockerfile at "+filepath.Join(h.app, "Dockerfile")+": rds-app-ship builds the image from it; write one")
	})
	t.Run("no repository yet", func(t *testing.T) {
		// The shipped dev stack has app.repository on: it was not deployed
		// since.
		h := newHarness(t, "", scratchApp)
		check(t, h, "stack \"dev\" has no repository yet: app.repository is on in Pulumi.dev.yaml; run `pulumi up --stack dev` once to create the repository")
		runs := pulumiRuns(t)
		require.Len(t, runs, 1)
		assert.Equal(t, realDir(t, h.project), runs[0].dir, "pulumi runs in the project")
		assert.Equal(t, []string{"stack", "output", "--json", "--non-interactive", "--stack", "dev"}, runs[0].args)
	})
	t.Run("no repository setting", func(t *testing.T) {
		h := newHarness(t, "", scratchApp)
		path := filepath.Join(h.project, "Pulumi.dev.yaml")
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		off := strings.Replace(string(data), "repository: true", "repository: false", 1)
		require.NotEqual(t, string(data), off, "the shipped dev stack turns the repository on")
		require.NoError(t, os.WriteFile(path, []byte(off), 0o644))
		check(t, h, "stack \"dev\" has no repository yet (no repositoryUrl output): enable the repository (`pulumi config set --path app.repository true --stack dev`) and run `pulumi up --stack dev` once")
	})
	t.Run("pulumi missing", func(t *testing.T) {
		h := newHarness(t, repo, scratchApp)
		h.hidden["pulumi"] = true
		check(t, h, "pulumi is not installed (https://www.pulumi.com/docs/install/)")
	})
	t.Run("no such stack", func(t *testing.T) {
		h := newHarness(t, repo, scratchApp)
		h.hidden["aws"] = true
		assert.Equal(t, 1, h.run("--stack", "qa"))
		assert.Contains(t, h.stderr.String(), `rds-app-ship: error: stack "qa" not found: the project in `+h.project+` has no Pulumi.qa.yaml (its stacks are dev): is --project-dir the rds-app checkout, and --stack right?`)
	})
}

// The steps that ask ECR, against the emulator: a commit already in the
// repository is deployed without a build; otherwise the image is built,
// checked, pushed with a login made from the AWS credentials, and its
// digest deployed.
func TestShip(t *testing.T) {
	moto := testenv.StartMoto(t)
	moto.UseFor(t)
	password := ecrPassword(t, moto)

	t.Run("a commit already in the repository is deployed as it is", func(t *testing.T) {
		repo := ecrRepository(t, moto, "rds-app-dev-app-pushed")
		h := newHarness(t, repo, scratchApp)
		commit := git(t, h.app, "rev-parse", "HEAD")
		put := moto.Call(t, "ecr", "AmazonEC2ContainerRegistry_V20150921.PutImage", map[string]any{
			"repositoryName": "rds-app-dev-app-pushed", "imageTag": commit,
			"imageManifest":          `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` + strings.Repeat("1", 64) + `","size":2},"layers":[]}`,
			"imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json",
		})
		digest := put["image"].(map[string]any)["imageId"].(map[string]any)["imageDigest"].(string)
		// No builder at all: none is needed.
		h.hidden["docker"], h.hidden["buildah"] = true, true

		require.Equal(t, 0, h.run("--stack", "dev"))
		assert.Equal(t, repo+"@"+digest, h.image())
		assert.Contains(t, h.stderr.String(), commit+" is already in the repository as "+digest+": its tags are immutable, so that image is deployed as it is (no build, no push)")
		assert.Equal(t, [][]string{{"ecr", "describe-images", "--region", "eu-west-1", "--registry-id", "123456789012",
			"--repository-name", "rds-app-dev-app-pushed", "--image-ids", "imageTag=" + commit, "--output", "json"}}, h.ran("aws"),
			"no login either")
		runs := pulumiRuns(t)
		require.Len(t, runs, 2)
		assert.Equal(t, pulumiRun{dir: realDir(t, h.project), args: []string{"up", "--stack", "dev"}}, runs[1])
		assert.Contains(t, h.stdout.String(), "fake pulumi up", "pulumi's output is passed through")
	})

	t.Run("docker builds and pushes; --no-deploy prints the command", func(t *testing.T) {
		repo := ecrRepository(t, moto, "rds-app-dev-app-docker")
		h := newHarness(t, repo, scratchApp)
		commit := git(t, h.app, "rev-parse", "HEAD")
		digest := "sha256:" + strings.Repeat("d0", 32)
		h.fakeBuilders("up", "linux/arm64", digest)

		require.Equal(t, 0, h.run("--stack", "dev", "--no-deploy", "--", "--yes"))
		host := "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
		ref := host + "/rds-app-dev-app-docker:" + commit
		assert.Equal(t, [][]string{
			{"info", "--format", "{{.ServerVersion}}"},
			{"buildx", "version"},
			{"buildx", "build", "--platform", "linux/arm64", "--file", filepath.Join(h.app, "Dockerfile"), "--tag", ref, "--load", h.app},
			{"image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", ref},
			{"login", "--username", "AWS", "--password-stdin", host},
			{"push", ref},
		}, h.ran("docker"))
		login, err := os.ReadFile(os.Getenv("FAKE_LOGIN_STDIN"))
		require.NoError(t, err)
		assert.Equal(t, password, string(login), "the password reaches docker login on its standard input")
		h.assertNoPassword(password)

		assert.Equal(t, repo+"@"+digest, h.image())
		assert.Equal(t, "cd "+h.project+" && pulumi up --stack dev --yes\n", h.stdout.String())
		runs := pulumiRuns(t)
		require.Len(t, runs, 1, "pulumi up did not run")
		assert.Equal(t, "stack", runs[0].args[0])
	})

	t.Run("buildah logs in with a file of its own and pushes", func(t *testing.T) {
		repo := ecrRepository(t, moto, "rds-app-dev-app-buildah")
		h := newHarness(t, repo, scratchApp)
		testenv.WriteTemp(t, h.app, "notes.txt", "work in progress\n", 0o644)
		digest := "sha256:" + strings.Repeat("b1", 32)
		h.fakeBuilders("down", "linux/arm64", digest)

		require.Equal(t, 0, h.run("--stack", "dev", "--allow-dirty", "--registry", "127.0.0.1:5999", "--tls-verify=false"))
		commit := git(t, h.app, "rev-parse", "HEAD")
		buildah := h.ran("buildah")
		require.Len(t, buildah, 4)
		ref := buildah[0][len(buildah[0])-2]
		assert.Regexp(t, `^127\.0\.0\.1:5999/rds-app-dev-app-buildah:`+commit+`-dirty-\d{8}T\d{6}Z$`, ref, "a dirty tree's tag; the registry replaced")
		authFile := buildah[2][2]
		assert.Equal(t, []string{"login", "--authfile", authFile, "--tls-verify=false", "--username", "AWS", "--password-stdin", "127.0.0.1:5999"}, buildah[2])
		assert.Equal(t, "push", buildah[3][0])
		assert.Equal(t, []string{"--authfile", authFile, "--tls-verify=false"}, buildah[3][1:4])
		assert.Equal(t, []string{ref, "docker://" + ref}, buildah[3][len(buildah[3])-2:])
		assert.NoFileExists(t, authFile, "the login is forgotten after the run")
		assert.Equal(t, password, h.stdin[strings.Join(h.argv[indexOf(h.argv, "login")], " ")])
		h.assertNoPassword(password)
		assert.Equal(t, repo+"@"+digest, h.image(), "app.image names the stack's repository, not the registry used for the push")
	})

	t.Run("no AWS credentials", func(t *testing.T) {
		h := newHarness(t, ecrRepository(t, moto, "rds-app-dev-app-nocreds"), scratchApp)
		for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
			t.Setenv(k, "")
			require.NoError(t, os.Unsetenv(k))
		}
		assert.Equal(t, 1, h.run("--stack", "dev"))
		assert.Contains(t, h.stderr.String(), "no AWS credentials: sign in to the stack's account 123456789012 (aws configure, AWS_PROFILE, or aws sso login) and run this again")
	})

}

// The builders' failures and pulumi up's, with a stand-in for the AWS CLI
// (no tag is in the repository yet).
func TestShipBuilderFailures(t *testing.T) {
	t.Run("auto takes buildah without a docker engine; an image for another CPU is refused", func(t *testing.T) {
		repo := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/rds-app-dev-app-amd64"
		h := newHarness(t, repo, map[string]string{"Dockerfile": "FROM --platform=linux/amd64 scratch\nCOPY server /server\n", "server": "x"})
		h.fakeAWS()
		h.fakeBuilders("down", "linux/amd64", "sha256:"+strings.Repeat("0", 64))

		assert.Equal(t, 1, h.run("--stack", "dev"))
		assert.Contains(t, h.stderr.String(), "rds-app-ship: error: the image was built for linux/amd64, but the stack's hosts (app.instanceType t4g.micro) run linux/arm64, so it could not start there: "+
			"the Dockerfile pins the platform (line 1: FROM --platform=linux/amd64 scratch): remove --platform, or use --platform=$TARGETPLATFORM")
		assert.Equal(t, [][]string{{"info", "--format", "{{.ServerVersion}}"}}, h.ran("docker"))
		buildah := h.ran("buildah")
		require.Len(t, buildah, 2, "a build and an inspect; no login, no push")
		assert.Equal(t, "build", buildah[0][0])
		assert.Equal(t, "inspect", buildah[1][0])
		assert.Equal(t, shippedImage, h.image())
	})

	t.Run("no builder", func(t *testing.T) {
		h := newHarness(t, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/rds-app-dev-app-none", scratchApp)
		h.fakeAWS()
		h.hidden["docker"], h.hidden["buildah"] = true, true
		assert.Equal(t, 1, h.run("--stack", "dev"))
		assert.Contains(t, h.stderr.String(), "rds-app-ship: error: no image builder: docker is not installed, and buildah is not installed: install Docker with buildx (https://docs.docker.com/engine/install/) and start it, or install buildah (apt-get install buildah, dnf install buildah)")
	})

	t.Run("docker asked for, its engine down", func(t *testing.T) {
		h := newHarness(t, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/rds-app-dev-app-down", scratchApp)
		h.fakeAWS()
		h.fakeBuilders("down", "linux/arm64", "")
		assert.Equal(t, 1, h.run("--stack", "dev", "--builder", "docker"))
		assert.Contains(t, h.stderr.String(), "rds-app-ship: error: docker's engine does not answer (docker info: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?): start it (systemctl start docker, or Docker Desktop), or use --builder buildah")
	})

	t.Run("a failed pulumi up says how to go on or back", func(t *testing.T) {
		repo := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/rds-app-dev-app-upfails"
		h := newHarness(t, repo, scratchApp)
		h.fakeAWS()
		h.fakeBuilders("up", "linux/arm64", "sha256:"+strings.Repeat("e", 64))
		t.Setenv("FAKE_PULUMI_UP_EXIT", "3")
		assert.Equal(t, 3, h.run("--stack", "dev"), "pulumi's exit status")
		login, err := os.ReadFile(os.Getenv("FAKE_LOGIN_STDIN"))
		require.NoError(t, err)
		assert.Equal(t, fakePassword, string(login))
		h.assertNoPassword(fakePassword)
		assert.Contains(t, h.stderr.String(), "rds-app-ship: pulumi up did not finish; app.image stays "+repo+"@sha256:"+strings.Repeat("e", 64)+" in Pulumi.dev.yaml. "+
			"Fix what pulumi reported and run `cd "+h.project+" && pulumi up --stack dev` again, or go back to the previous image: `pulumi config set --path app.image "+shippedImage+" --stack dev`")
	})
}

// indexOf is the first command whose first argument is arg.
func indexOf(argv [][]string, arg string) int {
	for i, a := range argv {
		if len(a) > 1 && a[1] == arg {
			return i
		}
	}
	return -1
}
