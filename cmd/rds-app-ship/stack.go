package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/pulumicli"
	"github.com/rds-app/rds-app/internal/stackfile"
)

// repository is the stack's own ECR repository.
type repository struct {
	// URL is the stack output repositoryUrl: <registry host>/<name>.
	URL string
	// Host is URL's registry host.
	Host string
	awsfacts.ECRRepository
}

// enableRepository is what to do when the stack has no repository.
func enableRepository(stack string) string {
	return fmt.Sprintf("enable the repository (`pulumi config set --path app.repository true --stack %s`) and run `pulumi up --stack %s` once", stack, stack)
}

// parseRepository reads the repositoryUrl output from the JSON of
// `pulumi stack output --json`. repositoryOn says whether the stack file
// already has app.repository on (then only the pulumi up is missing).
func parseRepository(data []byte, stack string, repositoryOn bool) (repository, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return repository{}, fmt.Errorf("reading the outputs of %s: not a JSON object (%v)", pulumicli.StackLabel(stack), err)
	}
	v, ok := raw["repositoryUrl"]
	if !ok {
		what := "has no repository yet"
		if len(raw) == 0 {
			what = "has not been deployed yet"
		}
		if repositoryOn {
			return repository{}, fmt.Errorf("%s %s: app.repository is on in Pulumi.%s.yaml; run `pulumi up --stack %s` once to create the repository", pulumicli.StackLabel(stack), what, stack, stack)
		}
		return repository{}, fmt.Errorf("%s %s (no repositoryUrl output): %s", pulumicli.StackLabel(stack), what, enableRepository(stack))
	}
	var url string
	if err := json.Unmarshal(v, &url); err != nil {
		return repository{}, fmt.Errorf("the output repositoryUrl of %s is %s, not a string", pulumicli.StackLabel(stack), v)
	}
	r, err := awsfacts.ParseRepositoryURL(url)
	if err != nil {
		return repository{}, fmt.Errorf("the output repositoryUrl of %s: %w", pulumicli.StackLabel(stack), err)
	}
	host, _, _ := strings.Cut(url, "/")
	return repository{URL: url, Host: host, ECRRepository: r}, nil
}

// readRepository asks pulumi, in the project directory, for the stack's
// repository.
func (a *app) readRepository(ctx context.Context, projectDir string, st *stackfile.Stack) (repository, error) {
	outputs, err := a.readOutputs(ctx, projectDir, st.Name)
	if err != nil {
		return repository{}, err
	}
	on, _, _ := st.Get("app.repository")
	return parseRepository(outputs, st.Name, on == "true")
}

// readOutputs is the JSON of `pulumi stack output --json` for stack, run in
// the project directory (secret outputs stay hidden: none is needed).
func (a *app) readOutputs(ctx context.Context, projectDir, stack string) ([]byte, error) {
	stdout, stderr, err := a.capture(ctx, projectDir, nil, "pulumi", pulumicli.OutputArgs(stack, false)...)
	if err != nil {
		return nil, pulumicli.OutputError(err, stderr, stack)
	}
	return stdout, nil
}

// hostPlatform is the container platform of the stack's hosts, from
// app.instanceType in the stack file (or its default, as the program
// reads it). The stack file's other keys are the program's to check at
// pulumi up: app.image in particular is about to change.
func hostPlatform(st *stackfile.Stack) (instanceType, platform string, err error) {
	instanceType, set, err := st.Get("app.instanceType")
	if err != nil {
		return "", "", fmt.Errorf("reading app.instanceType in %s: %w", st.Path, err)
	}
	if !set {
		instanceType = config.DefaultInstanceType
	}
	platform = awsfacts.Platform(instanceType)
	if platform == "" {
		return "", "", fmt.Errorf("app.instanceType in %s: %v, so the hosts' CPU is unknown; fix it (`pulumi config set --path app.instanceType t4g.small --stack %s`)",
			st.Path, awsfacts.CheckInstanceType(instanceType), st.Name)
	}
	return instanceType, platform, nil
}

// openStack finds the rds-app checkout and reads its stack file for
// --stack.
func openStack(o options) (projectDir string, st *stackfile.Stack, err error) {
	if projectDir, err = findProject(o); err != nil {
		return "", nil, err
	}
	if st, err = loadStack(projectDir, o.stack); err != nil {
		return "", nil, err
	}
	return projectDir, st, nil
}

// loadStack reads the project's stack file.
func loadStack(projectDir, stack string) (*stackfile.Stack, error) {
	st, err := stackfile.Load(projectDir, stack)
	var unknown *stackfile.UnknownStackError
	if errors.As(err, &unknown) {
		return nil, fmt.Errorf("%w: is --project-dir the rds-app checkout, and --stack right?", err)
	}
	return st, err
}

// findProject is the rds-app checkout: --project-dir (or its variable),
// else the Pulumi project around the current directory.
func findProject(o options) (string, error) {
	if o.projectDir != "" {
		return stackfile.FindProject(o.projectDir)
	}
	dir, err := stackfile.FindProject(".")
	if err != nil {
		return "", errors.New("no rds-app checkout: run bin/rds-app-ship of the checkout (it passes the checkout on), or pass --project-dir DIR")
	}
	return dir, nil
}
