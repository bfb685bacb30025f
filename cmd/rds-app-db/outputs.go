package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/rds-app/rds-app/internal/pulumicli"
)

// stackOutputs are the stack outputs this command uses, by the names the
// program exports (program.Deploy).
type stackOutputs struct {
	// DBEndpoint is the RDS endpoint's host name: the tunnel's far end and
	// the name the server certificate is checked against. With
	// database.proxy it is the proxy's.
	DBEndpoint string
	// DBInstanceEndpoint is the instance behind the proxy; the program
	// exports it only with database.proxy.
	DBInstanceEndpoint string
	// DBConnectArn is the rds-db:connect resource of IAM sign-in; the
	// program exports it only with database.proxyIamAuth, when the proxy
	// refuses the password and takes an IAM authentication token.
	DBConnectArn string
	// DBPort is the database's port on the endpoint.
	DBPort int
	// DBName is the application database.
	DBName string
	// DBSecretArn is the Secrets Manager secret with the connection JSON.
	DBSecretArn string
	// InstanceID is the SSM-managed host the tunnel goes through: the
	// single host's, or (AutoScalingGroup) one of the group's hosts in
	// service, found when the command runs.
	InstanceID string
	// AutoScalingGroup is the group the application's hosts run in, when
	// they run behind a load balancer.
	AutoScalingGroup string
	// Region is the stack's AWS region.
	Region string
}

// parseOutputs reads the JSON of `pulumi stack output --json` and reports
// every missing or malformed output at once. stack names the stack in
// messages ("" when pulumi chose the selected one).
func parseOutputs(data []byte, stack string) (stackOutputs, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return stackOutputs{}, fmt.Errorf("reading the stack outputs: not a JSON object (%v)", err)
	}
	if len(raw) == 0 {
		return stackOutputs{}, fmt.Errorf("%s has no outputs: it has not been deployed yet (run `pulumi up%s`)", pulumicli.StackLabel(stack), pulumicli.StackFlag(stack))
	}
	var out stackOutputs
	var missing, problems []string
	str := func(name string, dst *string) {
		v, ok := raw[name]
		if !ok {
			missing = append(missing, name)
			return
		}
		if err := json.Unmarshal(v, dst); err != nil || *dst == "" {
			problems = append(problems, fmt.Sprintf("%s: %s is not a non-empty string", name, v))
		}
	}
	str("dbEndpoint", &out.DBEndpoint)
	if v, ok := raw["dbPort"]; !ok {
		missing = append(missing, "dbPort")
	} else if err := json.Unmarshal(v, &out.DBPort); err != nil || out.DBPort < 1 || out.DBPort > 65535 {
		problems = append(problems, fmt.Sprintf("dbPort: %s is not a port number", v))
	}
	str("dbName", &out.DBName)
	str("dbSecretArn", &out.DBSecretArn)
	if _, grouped := raw["autoScalingGroup"]; grouped {
		str("autoScalingGroup", &out.AutoScalingGroup)
	} else {
		str("instanceId", &out.InstanceID)
	}
	str("region", &out.Region)
	if _, ok := raw["dbInstanceEndpoint"]; ok {
		str("dbInstanceEndpoint", &out.DBInstanceEndpoint)
	}
	if _, ok := raw["dbConnectArn"]; ok {
		str("dbConnectArn", &out.DBConnectArn)
	}

	if len(missing) > 0 {
		// An older deployment: the outputs appear with the next pulumi up.
		problems = append([]string{fmt.Sprintf("missing %s: the stack was deployed by an older version of the program (run `pulumi up%s`)",
			strings.Join(missing, ", "), pulumicli.StackFlag(stack))}, problems...)
	}
	if len(problems) > 0 {
		return stackOutputs{}, fmt.Errorf("the outputs of %s are not usable:\n  - %s", pulumicli.StackLabel(stack), strings.Join(problems, "\n  - "))
	}
	return out, nil
}

// Proxy reports whether DBEndpoint is an RDS Proxy: the program names the
// instance apart only then.
func (o stackOutputs) Proxy() bool { return o.DBInstanceEndpoint != "" }

// IAMAuth reports whether the proxy takes IAM authentication tokens instead
// of the password: the program names the resource to connect to only then.
func (o stackOutputs) IAMAuth() bool { return o.DBConnectArn != "" }

// loadOutputs reads the outputs from file, or else from pulumi for the
// given (or selected) stack, run in projectDir ("" for the current
// directory, where pulumi looks upwards for Pulumi.yaml).
func (a *app) loadOutputs(ctx context.Context, g globals) (stackOutputs, error) {
	if g.outputsFile != "" {
		data, err := os.ReadFile(g.outputsFile)
		if err != nil {
			return stackOutputs{}, fmt.Errorf("reading stack outputs: %w", err)
		}
		return parseOutputs(data, g.stack)
	}
	stdout, stderr, err := a.capture(ctx, g.projectDir, nil, "pulumi", pulumicli.OutputArgs(g.stack, true)...)
	if err != nil {
		return stackOutputs{}, pulumiError(err, stderr, g.stack)
	}
	return parseOutputs(stdout, g.stack)
}

// pulumiError turns a failed `pulumi stack output` into what to do next;
// without pulumi, --outputs is the way round.
func pulumiError(err error, stderr string, stack string) error {
	if errors.Is(err, exec.ErrNotFound) {
		return errors.New(pulumicli.NotInstalled + "; or pass --outputs FILE with the output of `pulumi stack output --json --show-secrets`")
	}
	return pulumicli.OutputError(err, stderr, stack)
}

// capture runs a program to completion and returns its standard output and
// error. Standard output is kept in memory only: the secret comes this way.
func (a *app) capture(ctx context.Context, dir string, env []string, name string, args ...string) ([]byte, string, error) {
	path, err := a.lookPath(name)
	if err != nil {
		return nil, "", err
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	a.observe(cmd)
	err = cmd.Run()
	return stdout.Bytes(), stderr.String(), err
}
