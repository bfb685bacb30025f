package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGroupOutputs: a stack whose hosts run in an Auto Scaling group names
// the group instead of an instance; either one is enough.
func TestGroupOutputs(t *testing.T) {
	out, err := parseOutputs([]byte(`{"dbEndpoint":"db.example","dbPort":5432,"dbName":"app","dbSecretArn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
		"autoScalingGroup":"app-hosts-1234567","region":"eu-west-1"}`), "scale")
	require.NoError(t, err)
	assert.Equal(t, "app-hosts-1234567", out.AutoScalingGroup)
	assert.Empty(t, out.InstanceID, "found when the command runs")

	_, err = parseOutputs([]byte(`{"dbEndpoint":"db.example","dbPort":5432,"dbName":"app","dbSecretArn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
		"autoScalingGroup":"","region":"eu-west-1"}`), "scale")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `autoScalingGroup: "" is not a non-empty string`)
}

// TestHostInServiceFromTheEmulator: the real AWS CLI asks the emulator's
// Auto Scaling group for a host in service with the program's own query,
// and an empty group is a clear error rather than a tunnel to "None".
func TestHostInServiceFromTheEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("needs moto_server and the AWS CLI")
	}
	if !inOwnProcess(t) {
		return
	}
	moto := testenv.StartMoto(t)
	moto.UseFor(t)
	aws := func(args ...string) string {
		out, err := exec.Command(moto.CLI(), append(args, "--region", "eu-west-1")...).CombinedOutput()
		require.NoError(t, err, "aws %v: %s", args, out)
		return strings.TrimSpace(string(out))
	}
	ami := aws("ec2", "describe-images", "--owners", "amazon", "--query", "Images[0].ImageId", "--output", "text")
	template := aws("ec2", "create-launch-template", "--launch-template-name", "hosts",
		"--launch-template-data", `{"ImageId":"`+ami+`","InstanceType":"t3.micro"}`, "--query", "LaunchTemplate.LaunchTemplateId", "--output", "text")
	aws("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "app-hosts", "--min-size", "2", "--max-size", "2",
		"--availability-zones", "eu-west-1a", "--launch-template", "LaunchTemplateId="+template)
	aws("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "empty", "--min-size", "0", "--max-size", "2",
		"--availability-zones", "eu-west-1a", "--launch-template", "LaunchTemplateId="+template)
	hosts := strings.Fields(aws("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "app-hosts",
		"--query", "AutoScalingGroups[0].Instances[].InstanceId", "--output", "text"))
	require.Len(t, hosts, 2)

	a := newApp(nil, nil, nil)
	id, err := a.hostInService(context.Background(), stackOutputs{AutoScalingGroup: "app-hosts", Region: "eu-west-1"})
	require.NoError(t, err)
	assert.Contains(t, hosts, id)

	_, err = a.hostInService(context.Background(), stackOutputs{AutoScalingGroup: "empty", Region: "eu-west-1"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `the Auto Scaling group "empty" has no host in service`)
}
