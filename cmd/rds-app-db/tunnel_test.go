package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The production tunnel's command line, exactly: AWS's port-forwarding
// document through the stack's host to the endpoint's port, listening on
// the chosen local port.
func TestSSMStartSessionArgs(t *testing.T) {
	target := newTunnelTarget(sampleOutputs, 54321)
	assert.Equal(t, tunnelTarget{Region: "eu-west-1", InstanceID: "i-0a1b2c3d4e5f67890",
		Host: sampleOutputs.DBEndpoint, RemotePort: 5432, LocalPort: 54321}, target)
	assert.Equal(t, []string{
		"ssm", "start-session",
		"--region", "eu-west-1",
		"--target", "i-0a1b2c3d4e5f67890",
		"--document-name", "AWS-StartPortForwardingSessionToRemoteHost",
		"--parameters", `{"host":["rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com"],"localPortNumber":["54321"],"portNumber":["5432"]}`,
	}, ssmStartSessionArgs(target))
}

// What the program tells people to run by hand (the recorded output
// dbTunnelCommand) and what this command runs must open the same session.
func TestSSMStartSessionMatchesDbTunnelCommand(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "stack-outputs.json"))
	require.NoError(t, err)
	var recorded struct {
		DBTunnelCommand string `json:"dbTunnelCommand"`
	}
	require.NoError(t, json.Unmarshal(data, &recorded))
	fields := strings.Fields(recorded.DBTunnelCommand)
	require.Equal(t, "host=rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com,portNumber=5432,localPortNumber=5432", fields[len(fields)-1])
	args := ssmStartSessionArgs(newTunnelTarget(sampleOutputs, 5432))
	require.Len(t, args, len(fields)-1)
	assert.Equal(t, fields[1:len(fields)-1], args[:len(args)-1], "everything but the parameters' notation")
	assert.Equal(t, `{"host":["rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com"],"localPortNumber":["5432"],"portNumber":["5432"]}`, args[len(args)-1])
}

func TestTunnelNeedsTheSessionManagerPlugin(t *testing.T) {
	a := newApp(nil, nil, nil)
	started := false
	a.observe = func(*exec.Cmd) { started = true }
	a.lookPath = func(name string) (string, error) {
		if name == "aws" {
			return "/usr/local/bin/aws", nil
		}
		return "", exec.ErrNotFound
	}
	_, err := a.openSSMTunnel(context.Background(), newTunnelTarget(sampleOutputs, 0))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "session-manager-plugin is not installed, and the tunnel needs it: install the Session Manager plugin: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html")
	assert.False(t, started, "nothing is started without the plugin")

	a.lookPath = func(string) (string, error) { return "", exec.ErrNotFound }
	_, err = a.openSSMTunnel(context.Background(), newTunnelTarget(sampleOutputs, 0))
	assert.ErrorContains(t, err, "the AWS CLI is not installed")
}

// The AWS CLI's own words for each failure (botocore's error format).
func TestTunnelErrors(t *testing.T) {
	target := newTunnelTarget(sampleOutputs, 54321)
	for _, tc := range []struct{ name, output, want string }{
		{"host not managed yet",
			"\nAn error occurred (TargetNotConnected) when calling the StartSession operation: i-0a1b2c3d4e5f67890 is not connected.\n",
			"the tunnel failed: host i-0a1b2c3d4e5f67890 is not connected to Session Manager. It is not SSM-managed yet (its agent registers a few minutes after boot) or it is stopped; `aws ssm describe-instance-information --region eu-west-1`"},
		{"plugin missing for the CLI",
			"\nSessionManagerPlugin is not found. Please refer to SessionManager Documentation here: http://docs.aws.amazon.com/console/systems-manager/session-manager-plugin-not-found\n",
			"the AWS CLI cannot find the Session Manager plugin: install the Session Manager plugin"},
		{"not allowed",
			"\nAn error occurred (AccessDeniedException) when calling the StartSession operation: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ssm:StartSession\n",
			"not allowed to start a session (your AWS identity needs ssm:StartSession on i-0a1b2c3d4e5f67890 and on the document AWS-StartPortForwardingSessionToRemoteHost)"},
		{"no credentials",
			"\nUnable to locate credentials. You can configure credentials by running \"aws configure\".\n",
			"no valid AWS credentials"},
		{"anything else: the last lines",
			"Starting session with SessionId: dev-0123\nPort 54321 opened for sessionId dev-0123.\nWaiting for connections...\n\nExiting session with sessionId: dev-0123.\n",
			"the tunnel through i-0a1b2c3d4e5f67890 to rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com:5432 ended: Starting session with SessionId: dev-0123 / Port 54321 opened for sessionId dev-0123. / Waiting for connections... / Exiting session with sessionId: dev-0123."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Contains(t, tunnelError(target, tc.output, errors.New("exit status 254")).Error(), tc.want)
		})
	}
	assert.EqualError(t, tunnelError(target, "", errors.New("signal: killed")),
		"the tunnel through i-0a1b2c3d4e5f67890 to rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com:5432 ended: signal: killed")
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	b := &tailBuffer{limit: 8}
	_, _ = b.Write([]byte("0123456"))
	_, _ = b.Write([]byte("789abc"))
	assert.Equal(t, "56789abc", b.String())
}

func TestFreeLoopbackPort(t *testing.T) {
	port, err := freeLoopbackPort()
	require.NoError(t, err)
	assert.Greater(t, port, 0)
}
