package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/rds-app/rds-app/internal/clirun"
)

// builder builds an image, logs in to a registry and pushes: docker buildx
// or buildah.
type builder interface {
	// Name is the builder's command ("docker", "buildah").
	Name() string
	// Build builds the Dockerfile in contextDir for platform, as ref.
	Build(ctx context.Context, contextDir, dockerfile, platform, ref string) error
	// Platform is the built image's "os/architecture".
	Platform(ctx context.Context, ref string) (string, error)
	// Login logs in to host with the password on standard input.
	Login(ctx context.Context, host string, password []byte) error
	// Push pushes ref and returns the digest the registry reports.
	Push(ctx context.Context, ref string) (string, error)
	// Close forgets what Login stored where it can (buildah's login lives
	// in a private file of the run).
	Close()
}

// noBuilder says how to get one.
const noBuilder = "install Docker with buildx (https://docs.docker.com/engine/install/) and start it, or install buildah (apt-get install buildah, dnf install buildah)"

// dockerTLS refuses --tls-verify=false with docker.
const dockerTLS = "--tls-verify=false is for buildah: docker takes plain-HTTP registries from its engine's insecure-registries setting, and allows loopback ones by itself"

// chooseBuilder finds the builder: docker when asked, or (auto) when its
// engine answers `docker info`; buildah when asked, or otherwise.
func (a *app) chooseBuilder(ctx context.Context, o options) (builder, error) {
	dockerWhy := ""
	if o.builder == "docker" || o.builder == "auto" {
		_, err := a.lookPath("docker")
		switch {
		case err != nil:
			dockerWhy = "docker is not installed"
		default:
			infoCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			_, stderr, err := a.capture(infoCtx, "", nil, "docker", "info", "--format", "{{.ServerVersion}}")
			cancel()
			if err != nil {
				dockerWhy = "docker's engine does not answer (docker info: " + strings.TrimSpace(firstNonEmpty(lastLine(stderr), err.Error())) + ")"
			}
		}
		if dockerWhy == "" {
			if !o.tlsVerify {
				return nil, errors.New(dockerTLS)
			}
			if _, stderr, err := a.capture(ctx, "", nil, "docker", "buildx", "version"); err != nil {
				return nil, fmt.Errorf("docker buildx is not installed (docker buildx version: %s): install the buildx plugin (docker-buildx-plugin), or use --builder buildah", strings.TrimSpace(firstNonEmpty(stderr, err.Error())))
			}
			return &dockerBuilder{a: a}, nil
		}
		if o.builder == "docker" {
			return nil, fmt.Errorf("%s: start it (systemctl start docker, or Docker Desktop), or use --builder buildah", dockerWhy)
		}
	}
	if _, err := a.lookPath("buildah"); err != nil {
		if o.builder == "buildah" {
			return nil, errors.New("buildah is not installed: install it (apt-get install buildah, dnf install buildah), or use --builder docker")
		}
		return nil, fmt.Errorf("no image builder: %s, and buildah is not installed: %s", dockerWhy, noBuilder)
	}
	dir, err := os.MkdirTemp(clirun.PrivateTempRoot(), "rds-app-ship-")
	if err != nil {
		return nil, fmt.Errorf("creating a private directory for the registry login: %w", err)
	}
	return &buildahBuilder{a: a, tlsVerify: o.tlsVerify, authDir: dir}, nil
}

// buildahBuilder builds with buildah. Its storage and isolation are
// buildah's own settings (containers-storage.conf, STORAGE_DRIVER,
// BUILDAH_ISOLATION), so they are the user's, not this command's.
type buildahBuilder struct {
	a         *app
	tlsVerify bool
	// authDir holds the login (auth.json), for this run only.
	authDir string
}

func (b *buildahBuilder) Name() string { return "buildah" }

func (b *buildahBuilder) authFile() string { return filepath.Join(b.authDir, "auth.json") }

func (b *buildahBuilder) tls() string { return fmt.Sprintf("--tls-verify=%t", b.tlsVerify) }

func (b *buildahBuilder) Build(ctx context.Context, contextDir, dockerfile, platform, ref string) error {
	_, err := b.a.stream(ctx, "", "buildah", "build", "--platform", platform, "--file", dockerfile, "--tag", ref, contextDir)
	return err
}

func (b *buildahBuilder) Platform(ctx context.Context, ref string) (string, error) {
	stdout, stderr, err := b.a.capture(ctx, "", nil, "buildah", "inspect", "--type", "image", "--format", "{{.OCIv1.OS}}/{{.OCIv1.Architecture}}", ref)
	if err != nil {
		return "", fmt.Errorf("buildah inspect %s: %s", ref, strings.TrimSpace(firstNonEmpty(stderr, err.Error())))
	}
	return strings.TrimSpace(string(stdout)), nil
}

func (b *buildahBuilder) Login(ctx context.Context, host string, password []byte) error {
	_, stderr, err := b.a.capture(ctx, "", password, "buildah", "login", "--authfile", b.authFile(), b.tls(), "--username", "AWS", "--password-stdin", host)
	if err != nil {
		return fmt.Errorf("buildah login %s: %s", host, strings.TrimSpace(firstNonEmpty(stderr, err.Error())))
	}
	return nil
}

func (b *buildahBuilder) Push(ctx context.Context, ref string) (string, error) {
	digestFile := filepath.Join(b.authDir, "digest")
	if _, err := b.a.stream(ctx, "", "buildah", "push", "--authfile", b.authFile(), b.tls(), "--digestfile", digestFile, ref, "docker://"+ref); err != nil {
		return "", err
	}
	data, err := os.ReadFile(digestFile)
	if err != nil {
		return "", fmt.Errorf("reading the pushed digest (buildah push --digestfile): %w", err)
	}
	digest := strings.TrimSpace(string(data))
	if !digestRE.MatchString(digest) || len(digest) != len("sha256:")+64 {
		return "", fmt.Errorf("buildah push reported the digest %q, not sha256:<64 hex digits>", digest)
	}
	return digest, nil
}

func (b *buildahBuilder) Close() { _ = os.RemoveAll(b.authDir) }

// dockerBuilder builds with docker buildx into the engine's images (--load)
// and pushes with docker push. The login is docker's: its credential store
// keeps it, as after any `docker login`.
type dockerBuilder struct{ a *app }

func (b *dockerBuilder) Name() string { return "docker" }

func (b *dockerBuilder) Build(ctx context.Context, contextDir, dockerfile, platform, ref string) error {
	_, err := b.a.stream(ctx, "", "docker", "buildx", "build", "--platform", platform, "--file", dockerfile, "--tag", ref, "--load", contextDir)
	return err
}

func (b *dockerBuilder) Platform(ctx context.Context, ref string) (string, error) {
	stdout, stderr, err := b.a.capture(ctx, "", nil, "docker", "image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", ref)
	if err != nil {
		return "", fmt.Errorf("docker image inspect %s: %s", ref, strings.TrimSpace(firstNonEmpty(stderr, err.Error())))
	}
	return strings.TrimSpace(string(stdout)), nil
}

func (b *dockerBuilder) Login(ctx context.Context, host string, password []byte) error {
	_, stderr, err := b.a.capture(ctx, "", password, "docker", "login", "--username", "AWS", "--password-stdin", host)
	if err != nil {
		return fmt.Errorf("docker login %s: %s", host, strings.TrimSpace(firstNonEmpty(stderr, err.Error())))
	}
	return nil
}

func (b *dockerBuilder) Push(ctx context.Context, ref string) (string, error) {
	out, err := b.a.stream(ctx, "", "docker", "push", ref)
	if err != nil {
		return "", err
	}
	return pushedDigestIn(out)
}

func (b *dockerBuilder) Close() {}

// pushDigestRE is the line docker push ends with:
// "<tag>: digest: sha256:<hex> size: <bytes>".
var pushDigestRE = regexp.MustCompile(`(?m)^\S+: digest: (sha256:[0-9a-f]{64}) size: \d+\s*$`)

// pushedDigestIn reads the digest from docker push's output.
func pushedDigestIn(out string) (string, error) {
	m := pushDigestRE.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return "", errors.New("docker push reported no digest (no line \"<tag>: digest: sha256:… size: …\")")
	}
	return m[len(m)-1][1], nil
}

// platformPins lists the Dockerfile's FROM lines that pin a literal
// platform ("FROM --platform=linux/amd64 node:22"), with their numbers:
// the usual reason an image comes out for another CPU. A platform from a
// build argument ($BUILDPLATFORM for a cross-compiling stage) is not one.
func platformPins(dockerfile string) []string {
	f, err := os.Open(dockerfile)
	if err != nil {
		return nil
	}
	defer f.Close()
	var pins []string
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		fields := strings.Fields(s.Text())
		if len(fields) < 2 || !strings.EqualFold(fields[0], "FROM") {
			continue
		}
		for _, f := range fields[1:] {
			if p, ok := strings.CutPrefix(f, "--platform="); ok && !strings.HasPrefix(p, "$") {
				pins = append(pins, fmt.Sprintf("line %d: %s", n, strings.TrimSpace(s.Text())))
			}
		}
	}
	return pins
}

// wrongPlatform is the error for an image built for another CPU than the
// hosts'.
func wrongPlatform(got, want, instanceType, dockerfile string) error {
	why := "its base image may have no " + want + " variant"
	if pins := platformPins(dockerfile); len(pins) > 0 {
		why = "the Dockerfile pins the platform (" + strings.Join(pins, "; ") + "): remove --platform, or use --platform=$TARGETPLATFORM"
	}
	return fmt.Errorf("the image was built for %s, but the stack's hosts (app.instanceType %s) run %s, so it could not start there: %s", got, instanceType, want, why)
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// exitStatus is the exit status of a failed child, or 0.
func exitStatus(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return 0
}
