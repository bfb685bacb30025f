package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rds-app/rds-app/internal/pulumicli"
	"github.com/rds-app/rds-app/internal/stackfile"
)

// ship takes the checkout's commit to a release, in this order: the
// commit, the stack, ECR, the build, the login, the push, app.image and
// pulumi up. Each step checks what it needs before the next one costs
// anything: a dirty tree fails before a build, a missing repository before
// a login.
func (a *app) ship(ctx context.Context, o options) error {
	src, err := a.readSource(ctx, o.appDir, o.allowDirty)
	if err != nil {
		return err
	}
	state := "clean"
	if len(src.Changes) > 0 {
		state = fmt.Sprintf("with %d uncommitted change(s), --allow-dirty", len(src.Changes))
	}
	a.step("commit %s of %s (%s): tag %s", src.Commit, src.Top, state, src.Tag)
	// Checked even when the image turns out to be pushed already: a
	// checkout without one is not an application this command ships.
	dockerfile := o.dockerfile
	if dockerfile == "" {
		dockerfile = filepath.Join(o.appDir, "Dockerfile")
	}
	if info, err := os.Stat(dockerfile); err != nil || info.IsDir() {
		if abs, absErr := filepath.Abs(dockerfile); absErr == nil {
			dockerfile = abs
		}
		return fmt.Errorf("no Dockerfile at %s: rds-app-ship builds the image from it; write one (what the container gets: docs/deploys.md, \"The container contract\"), or pass --file PATH", dockerfile)
	}

	projectDir, st, err := openStack(o)
	if err != nil {
		return err
	}
	instanceType, platform, err := hostPlatform(st)
	if err != nil {
		return err
	}
	repo, err := a.readRepository(ctx, projectDir, st)
	if err != nil {
		return err
	}
	a.step("stack %s: repository %s; hosts %s, so the image is built for %s", o.stack, repo.URL, instanceType, platform)

	digest, err := a.pushedDigest(ctx, repo, src.Tag)
	if err != nil {
		return err
	}
	if digest != "" {
		a.step("%s is already in the repository as %s: its tags are immutable, so that image is deployed as it is (no build, no push)", src.Tag, digest)
	} else {
		if digest, err = a.buildAndPush(ctx, o, src, dockerfile, repo, instanceType, platform); err != nil {
			return err
		}
	}

	image := repo.URL + "@" + digest
	return a.deployImage(ctx, o, projectDir, st, image, fmt.Sprintf("shipped %s as %s", src.Tag, image))
}

// deployImage is how a ship and a rollback end: it sets app.image in the
// stack file to image, as `pulumi config set --path` would, and runs
// pulumi up (with --no-deploy, prints it). done says what happened, for
// the last line after a pulumi up that finished.
func (a *app) deployImage(ctx context.Context, o options, projectDir string, st *stackfile.Stack, image, done string) error {
	previous, set, err := st.Get("app.image")
	if err != nil {
		return err
	}
	was := previous
	if !set {
		was = "unset"
	}
	if err := st.Set("app.image=" + image); err != nil {
		return err
	}
	if err := st.Save(); err != nil {
		return err
	}
	a.step("%s: app.image is now %s (was %s)", filepath.Base(st.Path), image, was)

	up := append([]string{"up", "--stack", o.stack}, o.pulumiArgs...)
	if o.noDeploy {
		a.step("not deployed (--no-deploy); to deploy, run:")
		fmt.Fprintf(a.stdout, "cd %s && pulumi %s\n", shellQuote(projectDir), shellJoin(up))
		return nil
	}
	a.step("deploying: pulumi %s (in %s)", shellJoin(up), projectDir)
	if err := a.deploy(ctx, projectDir, up); err != nil {
		a.step("pulumi up did not finish; app.image stays %s in %s. Fix what pulumi reported and run `cd %s && pulumi %s` again, or go back to the previous image: `pulumi config set --path app.image %s --stack %s`",
			image, filepath.Base(st.Path), shellQuote(projectDir), shellJoin(up), shellQuote(previous), o.stack)
		return err
	}
	a.step("%s; commit %s with the rds-app checkout", done, filepath.Base(st.Path))
	return nil
}

// buildAndPush builds the image for platform, checks what came out, logs in
// and pushes it, and returns the digest the registry reports.
func (a *app) buildAndPush(ctx context.Context, o options, src source, dockerfile string, repo repository, instanceType, platform string) (string, error) {
	b, err := a.chooseBuilder(ctx, o)
	if err != nil {
		return "", err
	}
	defer b.Close()

	host := repo.Host
	if o.registry != "" {
		host = o.registry
	}
	ref := host + "/" + repo.Name + ":" + src.Tag
	a.step("building %s for %s with %s", ref, platform, b.Name())
	if err := b.Build(ctx, o.appDir, dockerfile, platform, ref); err != nil {
		return "", fmt.Errorf("%s could not build %s (its output is above): %w", b.Name(), dockerfile, err)
	}
	got, err := b.Platform(ctx, ref)
	if err != nil {
		return "", err
	}
	if got != platform {
		return "", wrongPlatform(got, platform, instanceType, dockerfile)
	}
	a.step("built %s for %s", ref, got)

	a.step("logging in to %s with your AWS credentials (aws ecr get-login-password | %s login --password-stdin)", host, b.Name())
	password, err := a.loginPassword(ctx, repo)
	if err != nil {
		return "", err
	}
	if err := b.Login(ctx, host, password); err != nil {
		return "", err
	}
	a.step("pushing %s", ref)
	digest, err := b.Push(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("%s could not push %s (its output is above): %w", b.Name(), ref, err)
	}
	a.step("pushed %s: %s", ref, digest)
	return digest, nil
}

// deploy runs pulumi up in the foreground: it has the terminal, and Ctrl-C
// is its to handle.
func (a *app) deploy(ctx context.Context, projectDir string, args []string) error {
	cmd, err := a.command(ctx, projectDir, "pulumi", args...)
	if err != nil {
		return errors.New(pulumicli.NotInstalled)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = a.stdin, a.stdout, a.stderr
	a.observe(cmd)
	a.foreground.Store(true)
	defer a.foreground.Store(false)
	if err := cmd.Run(); err != nil {
		if code := exitStatus(err); code > 0 {
			return exitCode(code)
		}
		return fmt.Errorf("running pulumi up: %w", err)
	}
	return nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@=+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, s := range args {
		quoted[i] = shellQuote(s)
	}
	return strings.Join(quoted, " ")
}
