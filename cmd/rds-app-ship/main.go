// Command rds-app-ship takes a commit of the user's application to a
// running release in one step: run in the application's git checkout, it
// builds the image from its Dockerfile for the CPU of the stack's hosts
// (app.instanceType), pushes it to the stack's own ECR repository (the
// stack output repositoryUrl) tagged by the commit, sets app.image in
// Pulumi.<stack>.yaml to the digest the registry reports, and runs
// `pulumi up`. A commit already in the repository is not built or pushed
// again: its tag cannot have changed (the repository's tags are
// immutable), so its digest is deployed as it is. With --rollback it sets
// app.image back to the previous release's digest (the stack outputs
// release and previousRelease) and runs `pulumi up`, with today's settings
// and secrets.
//
// It owns the way from a commit to a release, not the release: the build
// is docker buildx's or buildah's, the login and the question "is this tag
// there?" go through the AWS CLI with the user's credentials (the
// registry password only ever on a pipe), and the deploy is pulumi's.
// Pure logic (the outputs, the tag, the tools' answers, the messages)
// lives apart from the code that starts processes, so it has plain table
// tests; the rest is tested with the real git, buildah, registry and AWS
// emulator, and stand-ins for pulumi and docker.
package main

import (
	"context"
	"os"

	"github.com/rds-app/rds-app/internal/clirun"
)

// SIGTERM and SIGHUP stop everything. Ctrl-C is handled by the app: see
// app.interrupts.
func main() {
	clirun.Main(func(ctx context.Context, interrupts <-chan os.Signal) int {
		a := newApp(os.Stdin, os.Stdout, os.Stderr)
		a.interrupts = interrupts
		return a.run(ctx, os.Args[1:])
	})
}
