// Command rds-app-rehearse rehearses a stack of rds-app on this machine,
// with no AWS account and no Pulumi CLI: it runs the real program on the
// stack's configuration, has the real AWS provider (terraform-provider-aws,
// the provider pulumi-aws wraps) create every resource against an AWS
// emulator (moto_server), prints what was created and the stack outputs
// the stack would have, and, with --change, what a configuration change
// would update or replace. Then it stops the emulator, which takes the
// stack with it (--destroy first rehearses `pulumi destroy`, as it always
// does with an emulator of the user's, --endpoint).
//
// Usage, from the repository:
//
//	go run ./cmd/rds-app-rehearse [--stack dev] [--change key=value]... [--endpoint URL] [--keep | --destroy] [--region R]
//
// Exit status: 0 when every resource was created (or is a listed emulator
// gap), the change can be applied and the teardown went through; 1 when a
// resource failed, the change would be refused, or the teardown failed; 2
// when the rehearsal could not start (a flag, the stack, a change the
// program refuses, a missing tool).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/rds-app/rds-app/internal/realprovider"
	"github.com/rds-app/rds-app/internal/rehearsal"
	"github.com/rds-app/rds-app/program"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := rehearsal.Command(ctx, os.Args[1:], os.Stdout, os.Stderr, realprovider.InProcess(program.Offline.Run))
	stop()
	os.Exit(code)
}
