// Package pulumicli is what the commands that work on a deployed stack
// (rds-app-db, rds-app-ship) share of the Pulumi CLI: the command line that
// prints a stack's outputs, and that command's failures turned into what
// to do next.
package pulumicli

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// NotInstalled says what to do when there is no pulumi on PATH.
const NotInstalled = "pulumi is not installed (https://www.pulumi.com/docs/install/)"

// OutputArgs is the pulumi command line that prints the outputs of stack
// ("": the selected one) as JSON; showSecrets prints secret outputs in
// plain text. --non-interactive: without a selected stack pulumi must
// fail, not prompt.
func OutputArgs(stack string, showSecrets bool) []string {
	args := []string{"stack", "output", "--json"}
	if showSecrets {
		args = append(args, "--show-secrets")
	}
	args = append(args, "--non-interactive")
	if stack != "" {
		args = append(args, "--stack", stack)
	}
	return args
}

// OutputError turns a failed `pulumi stack output` (err, and what it wrote
// to standard error) into what to do next. The messages it recognises are
// pulumi's own (pkg/cmd/pulumi/stack.go).
func OutputError(err error, stderr string, stack string) error {
	if errors.Is(err, exec.ErrNotFound) {
		return errors.New(NotInstalled)
	}
	msg := strings.TrimSpace(stderr)
	switch {
	case strings.Contains(msg, "no stack selected"):
		return errors.New("no stack selected: pass --stack NAME (for example --stack dev), or run `pulumi stack select NAME` once")
	case strings.Contains(msg, "no stack named"):
		return fmt.Errorf("%s does not exist here (`pulumi stack ls` lists the stacks; is the backend right?): %s", StackLabel(stack), msg)
	case strings.Contains(msg, "no Pulumi.yaml project file found"), strings.Contains(msg, "no Pulumi project found"):
		return fmt.Errorf("pulumi found no project: run this inside the rds-app checkout, or pass --project-dir DIR: %s", msg)
	}
	if msg == "" {
		msg = err.Error()
	}
	return fmt.Errorf("reading the outputs of %s (pulumi stack output): %s", StackLabel(stack), msg)
}

// StackLabel names a stack in a message: "" is the selected one.
func StackLabel(stack string) string {
	if stack == "" {
		return "the selected stack"
	}
	return fmt.Sprintf("stack %q", stack)
}

// StackFlag is the --stack argument a suggested pulumi command needs ("" for
// the selected stack).
func StackFlag(stack string) string {
	if stack == "" {
		return ""
	}
	return " --stack " + stack
}
