package program_test

// The whole program in scale mode under mocks: the dev stack with
// app.hosts 3 (and variants), checked for how the components are wired
// (subnets, security groups, the VPC) and for the stack's outputs.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/stacktest/mockrun"
	"github.com/rds-app/rds-app/internal/testenv"
)

const (
	typeLoadBalancer = "aws:lb/loadBalancer:LoadBalancer"
	typeTargetGroup  = "aws:lb/targetGroup:TargetGroup"
	typeTemplate     = "aws:ec2/launchTemplate:LaunchTemplate"
	typeGroup        = "aws:autoscaling/group:Group"
)

// TestScaleStack: the dev stack with three hosts runs them in a group
// behind a load balancer, in the network's public subnets and security
// groups, with the single host's user-data, and exports the load
// balancer's address and a way to reach a host instead of the single
// host's.
func TestScaleStack(t *testing.T) {
	single := mockrun.RunProgram(t, "dev", stacktest.DevWith(t, map[string]any{}))
	require.NoError(t, single.Err)
	r := mockrun.RunProgram(t, "dev", stacktest.DevWith(t, map[string]any{"hosts": 3}))
	require.NoError(t, r.Err)
	m := r.Mocks

	for _, typ := range []string{typeHost, "aws:ec2/eip:Eip", "aws:ec2/networkInterface:NetworkInterface", "aws:ssm/association:Association"} {
		assert.Empty(t, m.OfType(typ), typ)
	}
	var publicSubnets []string
	for _, sn := range m.OfType(typeSubnet) {
		if strings.Contains(sn.Name, "public") {
			publicSubnets = append(publicSubnets, sn.ID)
		}
	}
	require.Len(t, publicSubnets, 2)
	lb := m.One(t, typeLoadBalancer)
	assert.ElementsMatch(t, publicSubnets, strs(lb.Input("subnets")))
	assert.Equal(t, []string{m.Named(t, typeSG, "network-load-balancer").ID}, strs(lb.Input("securityGroups")))
	assert.Equal(t, m.One(t, "aws:ec2/vpc:Vpc").ID, m.One(t, typeTargetGroup).Str("vpcId"))
	group := m.One(t, typeGroup)
	assert.ElementsMatch(t, publicSubnets, strs(group.Input("vpcZoneIdentifiers")))
	assert.Equal(t, 3.0, group.Input("desiredCapacity").NumberValue())

	lt := m.One(t, typeTemplate)
	nic := pulumitest.Unwrap(lt.Input("networkInterfaces").ArrayValue()[0]).ObjectValue()
	assert.Equal(t, []string{m.Named(t, typeSG, "network-host").ID}, strs(nic["securityGroups"]))
	assert.Equal(t, single.Mocks.One(t, typeHost).Str("userDataBase64"), lt.Str("userData"), "the single host's user-data")
	// Unlike a single host, the group's hosts wait for the database (its
	// connection secret holds the endpoint once the instance exists): one
	// that waited at boot would outlast its grace period and be replaced.
	var waits bool
	for _, dep := range lt.Request.GetDependencies() {
		waits = waits || strings.HasSuffix(dep, "aws:secretsmanager/secretVersion:SecretVersion::database-connection")
	}
	assert.True(t, waits, "the launch template waits for the database's connection secret")
	assert.Equal(t, single.Mocks.Named(t, "aws:iam/rolePolicy:RolePolicy", "app-host").Inputs,
		m.Named(t, "aws:iam/rolePolicy:RolePolicy", "app-host").Inputs, "the single host's permissions")

	record, recordVersion := mockrun.ReleaseRecordOf(t, m)
	dbHost := m.One(t, typeDB).Outputs["address"].StringValue()
	picker := compute.HostPicker(pulumitest.Region, group.ID)
	dns := lb.Outputs["dnsName"].StringValue()
	assert.Equal(t, map[string]any{
		"url":              "http://" + dns,
		"version":          mockrun.ReleaseImage(t, "public.ecr.aws/docker/library/nginx:stable-alpine"),
		"repositoryUrl":    m.One(t, "aws:ecr/repository:Repository").Outputs["repositoryUrl"].StringValue(),
		"loadBalancerDns":  dns,
		"autoScalingGroup": group.ID,
		"sessionCommand":   "aws ssm start-session --region eu-west-1 --target " + picker,
		"dbTunnelCommand": fmt.Sprintf("aws ssm start-session --region eu-west-1 --target %s --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters host=%s,portNumber=5432,localPortNumber=5432",
			picker, dbHost),
		"releaseBucket":   m.One(t, "aws:s3/bucketV2:BucketV2").Outputs["bucket"].StringValue(),
		"release":         map[string]string{"id": record.ID, "version": recordVersion, "image": record.Image},
		"previousRelease": map[string]string{},
		"hostAmi":         lt.Str("imageId"),
		"latestAmi":       pulumitest.AMIPrefix + "arm64",
		"appSecretArn":    m.Named(t, typeSecret, "app-app-secrets").Outputs["arn"].StringValue(),
		"dbEndpoint":      dbHost,
		"dbPort":          5432,
		"dbName":          single.Outputs["dbName"],
		"dbSecretArn":     m.Named(t, typeSecret, "database-connection").Outputs["arn"].StringValue(),
		"vpcId":           m.One(t, "aws:ec2/vpc:Vpc").ID,
		"region":          "eu-west-1",
		"alarmTopicArn":   m.One(t, "aws:sns/topic:Topic").Outputs["arn"].StringValue(),
		"dashboardUrl":    "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/rds-app-dev",
	}, r.Outputs)
	assert.Contains(t, single.Outputs, "publicIp", "one host keeps its outputs")
	assert.Contains(t, single.Outputs, "instanceId")
}

// TestScaleStackWithDomain: with a domain and a hosted zone the stack
// validates the certificate in the zone, points the name at the load
// balancer and exports the validation record.
func TestScaleStackWithDomain(t *testing.T) {
	r := mockrun.RunProgram(t, "dev", stacktest.DevWith(t, map[string]any{
		"scaling": map[string]int{"min": 2, "max": 4, "targetCpu": 60},
		"domain":  "app.example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ",
	}))
	require.NoError(t, r.Err)
	m := r.Mocks
	assert.Equal(t, "https://app.example.com", r.Outputs["url"])
	assert.Equal(t, pulumitest.ValidationRecordName("app.example.com")+" CNAME "+pulumitest.ValidationRecordValue("app.example.com"),
		r.Outputs["certificateValidation"])
	alias := m.Named(t, "aws:route53/record:Record", "app-dns")
	assert.NotEmpty(t, alias.Input("aliases").ArrayValue())
	m.Named(t, "aws:route53/record:Record", "app-cert-validation")
	assert.Len(t, m.OfType("aws:autoscaling/policy:Policy"), 1)
	// The network opens 443 and 80 on the load balancer, and the hosts'
	// port to the load balancer only.
	lbSG, hostSG := m.Named(t, typeSG, "network-load-balancer").ID, m.Named(t, typeSG, "network-host").ID
	var lbPorts []float64
	for _, rule := range m.OfType(typeIngress) {
		switch rule.Str("securityGroupId") {
		case lbSG:
			lbPorts = append(lbPorts, rule.Input("fromPort").NumberValue())
		case hostSG:
			assert.Equal(t, lbSG, rule.Str("referencedSecurityGroupId"), rule.Name)
			assert.Equal(t, 80.0, rule.Input("fromPort").NumberValue())
		}
	}
	assert.ElementsMatch(t, []float64{443, 80}, lbPorts)
}

// TestHostPicker runs the session command the scale stack exports, with a
// stand-in aws CLI: the shell hands the query to the CLI intact, and the
// session goes to the host it printed. shellcheck checks the command.
func TestHostPicker(t *testing.T) {
	shellcheck := testenv.RequireTool(t, "shellcheck")
	command := "aws ssm start-session --region eu-west-1 --target " + compute.HostPicker("eu-west-1", "app-hosts-0a1b2c3")
	script := filepath.Join(t.TempDir(), "session.sh")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\n"+command+"\n"), 0o755))
	out, err := exec.Command(shellcheck, script).CombinedOutput()
	assert.NoError(t, err, "%s", out)

	bin := t.TempDir()
	calls := filepath.Join(bin, "calls")
	// Each call is written as a JSON array of its arguments; the group
	// lookup answers with one instance ID.
	fake := `#!/bin/sh
{ printf '['; sep=''; for a in "$@"; do printf '%s"%s"' "$sep" "$a"; sep=','; done; printf ']\n'; } >> "` + calls + `"
if [ "$1" = autoscaling ]; then echo i-0123456789abcdef0; fi
`
	require.NoError(t, os.WriteFile(filepath.Join(bin, "aws"), []byte(fake), 0o755))
	cmd := exec.Command("sh", script)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	data, err := os.ReadFile(calls)
	require.NoError(t, err)
	var got [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var call []string
		require.NoError(t, json.Unmarshal([]byte(line), &call), line)
		got = append(got, call)
	}
	assert.Equal(t, [][]string{
		{"autoscaling", "describe-auto-scaling-groups", "--region", "eu-west-1", "--auto-scaling-group-names", "app-hosts-0a1b2c3",
			"--query", compute.InServiceHostQuery, "--output", "text"},
		{"ssm", "start-session", "--region", "eu-west-1", "--target", "i-0123456789abcdef0"},
	}, got)

	// The query itself, run by the JMESPath library the AWS CLI uses, on
	// a group whose first host is still starting.
	python := testenv.RequireTool(t, "python3")
	group := `{"AutoScalingGroups": [{"Instances": [
		{"InstanceId": "i-0aaaaaaaaaaaaaaaa", "LifecycleState": "Pending"},
		{"InstanceId": "i-0bbbbbbbbbbbbbbbb", "LifecycleState": "InService"},
		{"InstanceId": "i-0cccccccccccccccc", "LifecycleState": "InService"}]}]}`
	out, err = exec.Command(python, "-c", "import json, sys, jmespath; print(jmespath.search(sys.argv[1], json.loads(sys.argv[2])))",
		compute.InServiceHostQuery, group).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "i-0bbbbbbbbbbbbbbbb", strings.TrimSpace(string(out)))
}
