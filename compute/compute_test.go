package compute_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/iampolicy"
	"github.com/rds-app/rds-app/internal/pulumitest"
)

const (
	typeInstance  = "aws:ec2/instance:Instance"
	typeComponent = "rds-app:compute:Compute"
	dbSecretArn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-connection-AbCdEf"
	keyArn        = "arn:aws:kms:eu-west-1:123456789012:key/key-db"
	ecrImage      = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1"
)

// pinnedImage is ecrImage with the digest the mock's ECR holds for it:
// what a release names.
var pinnedImage = ecrImage + "@" + pulumitest.ECRDigest("shop", "v1")

// registry stands in for the registries outside ECR: the digest its tags
// name now, by reference.
var registry = map[string]string{
	"public.ecr.aws/docker/library/nginx:stable-alpine": "sha256:" + strings.Repeat("1", 64),
}

func lookUp(ref string) (string, error) {
	if d, ok := registry[ref]; ok {
		return d, nil
	}
	return "", fmt.Errorf("MANIFEST_UNKNOWN: manifest unknown")
}

func testArgs() compute.Args {
	return compute.Args{
		App: config.App{
			Image: ecrImage, InstanceType: "t3.micro",
			HostPort: 80, ContainerPort: 1337, HealthCheckPath: "/", RootVolumeSize: 20, LogRetentionDays: 14,
			SecretNames: []string{"APP_KEYS", "JWT_SECRET"}, Environment: map[string]string{"NODE_ENV": "production"},
			HealthCheckTimeout: 120, HealthCheckInterval: 2, HealthCheckRetries: 10, DrainSeconds: 10,
			ProxyImage:   "public.ecr.aws/docker/library/caddy:2.11.4",
			ReleasesKept: 10, RefreshTimeout: 3600,
		},
		Inputs: compute.Inputs{
			ParameterPrefix: "/rds-app/test", Region: "eu-west-1", Partition: "aws", AccountID: "123456789012",
			SubnetIDs: pulumi.StringArray{pulumi.String("subnet-public-0"), pulumi.String("subnet-public-1")}, SecurityGroupID: pulumi.String("sg-host"),
			DatabaseSecretArn: pulumi.String(dbSecretArn), DatabaseSecretVersion: pulumi.String("db-v1"), KmsKeyArn: pulumi.String(keyArn),
			ResolveDigest: lookUp,
		},
	}
}

type outputs struct {
	instanceID, publicIP, url, session, appSecretArn, releaseBucket, ami, latestAMI, version string
	release, previousRelease                                                                 map[string]string
}

const typeObject = "aws:s3/bucketObjectv2:BucketObjectv2"

// recordOf is the release record the run wrote.
func recordOf(t *testing.T, m *pulumitest.Mocks) hostconf.ReleaseRecord {
	t.Helper()
	rec, err := hostconf.ParseReleaseRecord(m.Named(t, typeObject, "app-release").Str("content"))
	require.NoError(t, err)
	return rec
}

// settingsOf is the container settings the host is given for args.
func settingsOf(t *testing.T, args compute.Args) string {
	t.Helper()
	s, err := hostconf.ContainerSettings{
		HostPort: args.HostPort, ContainerPort: args.ContainerPort, HealthCheckPath: args.HealthCheckPath,
		HealthCheckTimeout: args.HealthCheckTimeout, HealthCheckInterval: args.HealthCheckInterval, HealthCheckRetries: args.HealthCheckRetries,
		DrainSeconds: args.DrainSeconds, ProxyImage: args.ProxyImage, Domain: args.Domain,
		SlotPorts: awsfacts.AppSlotPorts, ProxyAdminPort: awsfacts.ProxyAdminPort, Environment: args.Environment,
	}.JSON()
	require.NoError(t, err)
	return s
}

func build(t *testing.T, args compute.Args) (*pulumitest.Mocks, outputs) {
	t.Helper()
	return buildWith(t, pulumitest.New(), args)
}

func buildWith(t *testing.T, m *pulumitest.Mocks, args compute.Args) (*pulumitest.Mocks, outputs) {
	t.Helper()
	var out outputs
	err := m.Run("test", func(ctx *pulumi.Context) error {
		c, err := compute.New(ctx, "app", args.App, args.Inputs)
		if err != nil {
			return err
		}
		pulumi.All(c.InstanceID, c.PublicIP, c.URL, c.SessionCommand, c.AppSecretArn, c.ReleaseBucket, c.AMI, c.LatestAMI, c.Version, c.Release, c.PreviousRelease).ApplyT(func(vs []any) error {
			out = outputs{vs[0].(string), vs[1].(string), vs[2].(string), vs[3].(string), vs[4].(string), vs[5].(string), vs[6].(string), vs[7].(string), vs[8].(string),
				vs[9].(map[string]string), vs[10].(map[string]string)}
			return nil
		})
		return nil
	})
	require.NoError(t, err)
	return m, out
}

func policyOf(t *testing.T, r pulumitest.Resource, key string) iampolicy.Document {
	t.Helper()
	var doc iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(r.Str(key)), &doc))
	return doc
}

func statements(doc iampolicy.Document) map[string]iampolicy.Statement {
	out := map[string]iampolicy.Statement{}
	for _, s := range doc.Statement {
		out[s.Sid] = s
	}
	return out
}

func TestHostRoleIsLeastPrivilege(t *testing.T) {
	m, out := build(t, testArgs())
	role := m.One(t, "aws:iam/role:Role")
	trust := policyOf(t, role, "assumeRolePolicy")
	require.Len(t, trust.Statement, 1)
	assert.Equal(t, map[string]string{"Service": "ec2.amazonaws.com"}, trust.Statement[0].Principal)

	att := m.One(t, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
	assert.Equal(t, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", att.Str("policyArn"))
	assert.Equal(t, role.Outputs["name"].StringValue(), att.Str("role"))
	assert.Equal(t, role.Outputs["name"].StringValue(), m.One(t, "aws:iam/instanceProfile:InstanceProfile").Str("role"))

	policy := m.One(t, "aws:iam/rolePolicy:RolePolicy")
	assert.Equal(t, role.ID, policy.Str("role"))
	logArn := m.One(t, "aws:cloudwatch/logGroup:LogGroup").Outputs["arn"].StringValue()
	bucketArn := m.One(t, "aws:s3/bucketV2:BucketV2").Outputs["arn"].StringValue()

	type grant struct {
		actions, resources []string
	}
	got := map[string]grant{}
	for sid, s := range statements(policyOf(t, policy, "policy")) {
		assert.Equal(t, "Allow", s.Effect, sid)
		for _, a := range s.Action {
			assert.NotContains(t, a, "*", "no wildcard actions (%s)", sid)
		}
		got[sid] = grant{s.Action, s.Resource}
	}
	assert.Equal(t, map[string]grant{
		"ReadStackSecrets":                    {[]string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, []string{dbSecretArn, out.appSecretArn}},
		"DecryptSecretsThroughSecretsManager": {[]string{"kms:Decrypt"}, []string{keyArn}},
		"ReadReleases":                        {[]string{"s3:GetObject", "s3:GetObjectVersion"}, []string{bucketArn + "/release.json"}},
		"DecryptReleasesThroughS3":            {[]string{"kms:Decrypt"}, []string{keyArn}},
		"WriteContainerLogs":                  {[]string{"logs:CreateLogStream", "logs:PutLogEvents"}, []string{logArn, logArn + ":log-stream:*"}},
		"LogInToECR":                          {[]string{"ecr:GetAuthorizationToken"}, []string{"*"}},
		"PullImage":                           {[]string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}, []string{"arn:aws:ecr:eu-west-1:123456789012:repository/shop"}},
		"PublishHealthMetric":                 {[]string{"cloudwatch:PutMetricData"}, []string{"*"}},
	}, got)
	// PutMetricData takes no resource: the condition holds the host to the
	// stack's own namespace.
	publish := statements(policyOf(t, policy, "policy"))["PublishHealthMetric"]
	assert.Equal(t, map[string]map[string]string{"StringEquals": {"cloudwatch:namespace": "rds-app/test"}}, publish.Condition)
	decrypt := statements(policyOf(t, policy, "policy"))["DecryptSecretsThroughSecretsManager"]
	assert.Equal(t, map[string]map[string]string{"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}, decrypt.Condition)
	decrypt = statements(policyOf(t, policy, "policy"))["DecryptReleasesThroughS3"]
	assert.Equal(t, map[string]map[string]string{"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}, decrypt.Condition)
}

func TestPublicImagesGetNoECRPermissions(t *testing.T) {
	args := testArgs()
	args.Image = "public.ecr.aws/docker/library/nginx:stable-alpine"
	m, _ := build(t, args)
	st := statements(policyOf(t, m.One(t, "aws:iam/rolePolicy:RolePolicy"), "policy"))
	assert.NotContains(t, st, "LogInToECR")
	assert.NotContains(t, st, "PullImage")
	for _, s := range st {
		for _, a := range s.Action {
			assert.False(t, strings.HasPrefix(a, "ecr:"), a)
		}
	}
}

func TestHostInstance(t *testing.T) {
	m, out := build(t, testArgs())
	inst := m.One(t, typeInstance)
	assert.Equal(t, pulumitest.AMIPrefix+"x86_64", inst.Str("ami"))
	assert.Equal(t, "t3.micro", inst.Str("instanceType"))
	assert.True(t, inst.Input("keyName").IsNull(), "no SSH key pair")
	assert.Equal(t, m.One(t, "aws:iam/instanceProfile:InstanceProfile").Outputs["name"].StringValue(), inst.Str("iamInstanceProfile"))

	md := inst.Input("metadataOptions").ObjectValue()
	assert.Equal(t, "required", md["httpTokens"].StringValue(), "IMDSv2 only")
	assert.Equal(t, 1.0, md["httpPutResponseHopLimit"].NumberValue(), "containers must not reach the instance credentials")
	assert.Equal(t, "enabled", md["httpEndpoint"].StringValue())

	root := inst.Input("rootBlockDevice").ObjectValue()
	assert.Equal(t, "gp3", root["volumeType"].StringValue())
	assert.True(t, root["encrypted"].BoolValue())
	assert.Equal(t, 20.0, root["volumeSize"].NumberValue())

	// On a network interface in the public subnet with the host group,
	// whose Elastic IP exists before the instance boots.
	eni := m.One(t, "aws:ec2/networkInterface:NetworkInterface")
	assert.Equal(t, "subnet-public-0", eni.Str("subnetId"))
	assert.Equal(t, []resource.PropertyValue{resource.NewProperty("sg-host")}, eni.Input("securityGroups").ArrayValue())
	nics := inst.Input("networkInterfaces").ArrayValue()
	require.Len(t, nics, 1)
	assert.Equal(t, 0.0, nics[0].ObjectValue()["deviceIndex"].NumberValue())
	assert.Equal(t, eni.ID, nics[0].ObjectValue()["networkInterfaceId"].StringValue())
	eip := m.One(t, "aws:ec2/eip:Eip")
	assert.Equal(t, "vpc", eip.Str("domain"))
	assert.Equal(t, eni.ID, eip.Str("networkInterface"))
	assert.Contains(t, inst.Request.GetDependencies(), urnOf(eip), "the Elastic IP must be bound before the host boots")
	assert.True(t, inst.Input("associatePublicIpAddress").IsNull())
	assert.True(t, inst.Request.GetDeleteBeforeReplace())
	assert.True(t, inst.Input("userDataReplaceOnChange").BoolValue())
	// The grants exist before the host starts calling AWS.
	assert.Contains(t, inst.Request.GetDependencies(), urnOf(m.One(t, "aws:iam/rolePolicy:RolePolicy")))

	assert.Equal(t, 14.0, m.One(t, "aws:cloudwatch/logGroup:LogGroup").Input("retentionInDays").NumberValue())

	assert.Equal(t, "i-0123456789abcdef0", out.instanceID)
	assert.Equal(t, "203.0.113.10", out.publicIP)
	assert.Equal(t, "http://203.0.113.10", out.url)
	assert.Equal(t, "aws ssm start-session --region eu-west-1 --target i-0123456789abcdef0", out.session)
}

func urnOf(r pulumitest.Resource) string {
	return "urn:pulumi:test::rds-app::rds-app:compute:Compute$" + r.Type + "::" + r.Name
}

func TestGravitonTypesGetArmAMIs(t *testing.T) {
	args := testArgs()
	args.InstanceType = "t4g.small"
	m, _ := build(t, args)
	assert.Equal(t, pulumitest.AMIPrefix+"arm64", m.One(t, typeInstance).Str("ami"))
	var asked []string
	for _, inv := range m.Invokes() {
		if inv.Token == "aws:ssm/getParameter:getParameter" {
			asked = append(asked, inv.Args["name"].StringValue())
		}
	}
	assert.Equal(t, []string{"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"}, asked)
}

func TestPinnedAMI(t *testing.T) {
	args := testArgs()
	args.AMIID = "ami-0123456789abcdef0"
	m, out := build(t, args)
	host := m.One(t, typeInstance)
	assert.Equal(t, "ami-0123456789abcdef0", host.Str("ami"))
	assert.Empty(t, host.Request.GetIgnoreChanges(), "a pinned AMI is applied: changing the pin moves the host")
	// The latest is still looked up, to show when a newer one is waiting.
	assert.Equal(t, pulumitest.AMIPrefix+"x86_64", out.latestAMI)
	assert.Equal(t, "ami-0123456789abcdef0", out.ami)
}

// TestANewerAMIDoesNotTouchTheHost: unpinned, the host keeps the AMI it was
// created from; a later Amazon Linux release shows in latestAmi only.
func TestANewerAMIDoesNotTouchTheHost(t *testing.T) {
	m, out := build(t, testArgs())
	host := m.One(t, typeInstance)
	assert.Equal(t, []string{"ami"}, host.Request.GetIgnoreChanges())

	newer := pulumitest.New()
	newer.AMIPrefix = "ami-newer-"
	m2, out2 := buildWith(t, newer, testArgs())
	host2 := m2.One(t, typeInstance)
	assert.Equal(t, []string{"ami"}, host2.Request.GetIgnoreChanges(), "the new AMI must not reach the instance")
	assert.Equal(t, "ami-newer-x86_64", out2.latestAMI)
	// Every other input of the host is the same.
	delete(host.Inputs, "ami")
	delete(host2.Inputs, "ami")
	assert.Equal(t, host.Inputs, host2.Inputs)
	assert.NotEqual(t, out.latestAMI, out2.latestAMI)
}

func TestApplicationSecrets(t *testing.T) {
	m, out := build(t, testArgs())
	pws := m.OfType("random:index/randomPassword:RandomPassword")
	require.Len(t, pws, 2)
	for _, pw := range pws {
		assert.Equal(t, float64(awsfacts.GeneratedSecretLength), pw.Input("length").NumberValue())
		assert.False(t, pw.Input("special").BoolValue())
		assert.Contains(t, pw.Request.GetAdditionalSecretOutputs(), "result")
	}
	secret := m.One(t, "aws:secretsmanager/secret:Secret")
	assert.Equal(t, keyArn, secret.Str("kmsKeyId"))
	assert.Equal(t, secret.Outputs["arn"].StringValue(), out.appSecretArn)
	version := m.One(t, "aws:secretsmanager/secretVersion:SecretVersion")
	assert.True(t, pulumitest.IsSecret(version.Inputs["secretString"]))
	var values map[string]string
	require.NoError(t, json.Unmarshal([]byte(version.Str("secretString")), &values))
	assert.ElementsMatch(t, []string{"APP_KEYS", "JWT_SECRET"}, keys(values))
	assert.ElementsMatch(t, m.Sentinels(), []string{values["APP_KEYS"], values["JWT_SECRET"]})
	assert.Contains(t, m.One(t, typeInstance).Request.GetDependencies(), urnOf(version), "the host boots with the secret's value in place")
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

type cloudConfig struct {
	WriteFiles []struct {
		Path, Permissions, Content string
	} `yaml:"write_files"`
	RunCmd [][]string `yaml:"runcmd"`
}

func TestUserDataHoldsNoSecrets(t *testing.T) {
	m, out := build(t, testArgs())
	ud, err := compute.DecodeUserData(m.One(t, typeInstance).Str("userDataBase64"))
	require.NoError(t, err)
	require.NotEmpty(t, ud)
	require.Len(t, m.Sentinels(), 2)
	for _, s := range m.Sentinels() {
		assert.NotContains(t, ud, s)
	}
	assert.NotContains(t, ud, ecrImage, "the image lives in the release record, not in user-data")

	var doc cloudConfig
	require.NoError(t, yaml.Unmarshal([]byte(ud), &doc))
	files := map[string]string{}
	for _, f := range doc.WriteFiles {
		files[f.Path] = f.Content
	}
	host := strings.Split(files[hostconf.HostEnvPath], "\n")
	assert.Contains(t, host, "DB_SECRET_ARN="+dbSecretArn)
	assert.Contains(t, host, "APP_SECRET_ARN="+out.appSecretArn)
	assert.Contains(t, host, "RELEASE_BUCKET="+out.releaseBucket)
	assert.Contains(t, host, "RELEASE_KEY=release.json")
	assert.Contains(t, host, "LOG_GROUP="+m.One(t, "aws:cloudwatch/logGroup:LogGroup").Outputs["name"].StringValue())
	assert.NotContains(t, ud, "NODE_ENV", "the environment lives in the release record, not in user-data")
	assert.Contains(t, files, hostconf.UnitPath)
	assert.Contains(t, doc.RunCmd, []string{"systemctl", "enable", "--now", "--no-block", "rds-app.service"})
}

func TestImageRollout(t *testing.T) {
	m, out := build(t, testArgs())
	rec := recordOf(t, m)
	appVersion := m.One(t, "aws:secretsmanager/secretVersion:SecretVersion").Outputs["versionId"].StringValue()
	assert.Equal(t, hostconf.NewReleaseRecord(hostconf.Release{Image: pinnedImage, Container: settingsOf(t, testArgs())}, "db-v1", appVersion), rec,
		"the release: the image by its digest (never the tag alone), the container settings and both secrets' versions")
	obj := m.Named(t, typeObject, "app-release")
	assert.Equal(t, hostconf.ReleaseKey, obj.Str("key"))
	assert.Equal(t, out.releaseBucket, obj.Str("bucket"))
	assert.Equal(t, "application/json", obj.Str("contentType"))
	var settings struct {
		hostconf.ContainerSettings
		Proxy struct {
			Admin struct{ Listen string } `json:"admin"`
		} `json:"proxy"`
	}
	require.NoError(t, json.Unmarshal(rec.Settings, &settings))
	assert.Equal(t, [2]int{18001, 18002}, settings.SlotPorts, "the slots are the host's reserved ports")
	assert.Equal(t, "127.0.0.1:2019", settings.Proxy.Admin.Listen, "the proxy's admin API is on loopback, at the reserved port")
	assert.Equal(t, "public.ecr.aws/docker/library/caddy:2.11.4", settings.ProxyImage)
	assert.Equal(t, 10, settings.DrainSeconds)
	assert.Equal(t, pinnedImage, out.version, "the version output is the image the rollout deployed, tag and digest")
	recordVersion := obj.Outputs["versionId"].StringValue()
	assert.Equal(t, map[string]string{"id": rec.ID, "version": recordVersion, "image": pinnedImage}, out.release)
	assert.Empty(t, out.previousRelease, "nothing rolled out before")

	assoc := m.One(t, "aws:ssm/association:Association")
	assert.Equal(t, "AWS-RunShellScript", assoc.Str("name"))
	targets := assoc.Input("targets").ArrayValue()
	require.Len(t, targets, 1)
	assert.Equal(t, "InstanceIds", targets[0].ObjectValue()["key"].StringValue())
	assert.Equal(t, []resource.PropertyValue{resource.NewProperty("i-0123456789abcdef0")}, targets[0].ObjectValue()["values"].ArrayValue())
	// `pulumi up` waits for the rollout and fails with it.
	assert.Equal(t, float64(compute.RolloutWaitSeconds), assoc.Input("waitForSuccessTimeoutSeconds").NumberValue())
	params := assoc.Input("parameters").ObjectValue()
	assert.Equal(t, compute.RolloutCommand(pinnedImage, rec.ID, recordVersion), params["commands"].StringValue())
	assert.Contains(t, assoc.Request.GetDependencies(), urnOf(obj), "the record holds the new release before the host is told")
	// Every grant the command needs exists before it runs on a first deploy.
	for _, grant := range []pulumitest.Resource{
		m.One(t, "aws:iam/rolePolicy:RolePolicy"),
		m.One(t, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
		m.One(t, "aws:iam/instanceProfile:InstanceProfile"),
	} {
		assert.Contains(t, assoc.Request.GetDependencies(), urnOf(grant), "the rollout must wait for %s %s", grant.Type, grant.Name)
	}

	// The history is written once the release has rolled out, with it
	// first.
	history := m.Named(t, "aws:ssm/parameter:Parameter", "app-release-history")
	assert.Equal(t, "/rds-app/test/release-history", history.Str("name"))
	assert.Equal(t, hostconf.ReleaseHistory{{ID: rec.ID, Version: recordVersion, Image: pinnedImage}}.String(), history.Str("insecureValue"))
	assert.Contains(t, history.Request.GetDependencies(), urnOf(assoc), "only a release that rolled out joins the history")
}

// TestChangingTheImageLeavesTheHostAlone: two stacks that differ only in
// the image tag give the instance identical inputs (so `pulumi up` neither
// replaces nor updates it); only the parameter and the association change.
func TestChangingTheImageLeavesTheHostAlone(t *testing.T) {
	b := testArgs()
	b.Image = strings.Replace(ecrImage, ":v1", ":v2", 1)
	assertOnlyTheContainerChanges(t, testArgs(), b, "app-release")
}

// TestContainerChangesLeaveTheHostAlone: whatever the container sees
// (ports, environment, secret names, the database's settings) changes the
// rollout, which redeploys the container, and never the instance.
func TestContainerChangesLeaveTheHostAlone(t *testing.T) {
	for name, change := range map[string]func(*compute.Args) (changedResource string){
		"environment": func(a *compute.Args) string {
			a.Environment = map[string]string{"NODE_ENV": "staging", "NEW": "1"}
			return "app-release"
		},
		"container port": func(a *compute.Args) string { a.ContainerPort = 3000; return "app-release" },
		"domain":         func(a *compute.Args) string { a.Domain = "app.example.com"; return "app-release" },
		"proxy image":    func(a *compute.Args) string { a.ProxyImage = "caddy:2.10.2"; return "app-release" },
		"drain":          func(a *compute.Args) string { a.DrainSeconds = 30; return "app-release" },
		"health check":   func(a *compute.Args) string { a.HealthCheckTimeout = 300; return "app-release" },
		"host port":      func(a *compute.Args) string { a.HostPort = 8080; return "app-release" },
		"secret names": func(a *compute.Args) string {
			a.SecretNames = append(a.SecretNames, "EXTRA")
			return "app-app-secrets"
		},
		"database settings": func(a *compute.Args) string { a.DatabaseSecretVersion = pulumi.String("db-v2"); return "" },
	} {
		t.Run(name, func(t *testing.T) {
			b := testArgs()
			changed := change(&b)
			assertOnlyTheContainerChanges(t, testArgs(), b, changed)
		})
	}
}

// assertOnlyTheContainerChanges builds a and b and checks that the host's
// inputs are the same, the named resource (if any) and the rollout are not.
func assertOnlyTheContainerChanges(t *testing.T, a, b compute.Args, changed string) {
	t.Helper()
	ma, _ := build(t, a)
	mb, _ := build(t, b)
	instA, instB := ma.One(t, typeInstance), mb.One(t, typeInstance)
	assert.Equal(t, instA.Inputs, instB.Inputs, "the instance must not change")
	assert.Equal(t, instA.Request.GetDependencies(), instB.Request.GetDependencies())
	assert.Equal(t, ma.One(t, "aws:ec2/eip:Eip").Inputs, mb.One(t, "aws:ec2/eip:Eip").Inputs)
	if changed != "" {
		var inA, inB resource.PropertyMap
		for _, r := range ma.Resources() {
			if r.Name == changed && r.Type != "random:index/randomPassword:RandomPassword" {
				inA = r.Inputs
			}
		}
		for _, r := range mb.Resources() {
			if r.Name == changed && r.Type != "random:index/randomPassword:RandomPassword" {
				inB = r.Inputs
			}
		}
		assert.NotEqual(t, inA, inB, "%s must change", changed)
	}
	assert.NotEqual(t, ma.One(t, "aws:ssm/association:Association").Inputs, mb.One(t, "aws:ssm/association:Association").Inputs,
		"the rollout must run again")
}

// TestLargeEnvironments: 100 short variables and 500 of 1 KB deploy; the
// settings are in the release record whole, and the user-data does not
// grow with them.
func TestLargeEnvironments(t *testing.T) {
	small, _ := build(t, testArgs())
	baseUserData := small.One(t, typeInstance).Str("userDataBase64")
	for _, tt := range []struct{ count, size int }{{100, 16}, {500, 1024}} {
		t.Run(fmt.Sprintf("%d variables of %d bytes", tt.count, tt.size), func(t *testing.T) {
			args := testArgs()
			args.Environment = map[string]string{}
			for i := 0; i < tt.count; i++ {
				args.Environment[fmt.Sprintf("VAR_%03d", i)] = strings.Repeat(string(rune('a'+i%26)), tt.size-2) + "é"
			}
			m, _ := build(t, args)
			rec := recordOf(t, m)
			assert.Equal(t, settingsOf(t, args), string(rec.Settings))
			assert.True(t, utf8.Valid(rec.Settings))
			assert.Equal(t, baseUserData, m.One(t, typeInstance).Str("userDataBase64"), "the user-data does not carry the environment")
		})
	}
}

func TestEveryChildIsParentedToTheComponent(t *testing.T) {
	m, _ := build(t, testArgs())
	assert.Equal(t, 21, m.AssertParentedTo(t, typeComponent, "app"))
	args := testArgs()
	args.Domain, args.HostedZoneID = "app.example.com", "Z0123456789ABCDEFGHIJ"
	m, _ = build(t, args)
	assert.Equal(t, 22, m.AssertParentedTo(t, typeComponent, "app"), "and the DNS record")
}

// TestHTTPS: with a domain the URL is https://<domain>, the proxy's
// settings carry it, and with a hosted zone the stack points the name at
// the Elastic IP; without a zone it creates no record.
func TestHTTPS(t *testing.T) {
	args := testArgs()
	args.Domain = "app.example.com"
	m, out := build(t, args)
	assert.Equal(t, "https://app.example.com", out.url)
	assert.Empty(t, m.OfType("aws:route53/record:Record"), "no zone, no record: the user points the name")
	assert.Equal(t, settingsOf(t, args), string(recordOf(t, m).Settings))
	assert.Contains(t, settingsOf(t, args), `"domain":"app.example.com"`)

	args.HostedZoneID = "Z0123456789ABCDEFGHIJ"
	m, out = build(t, args)
	record := m.One(t, "aws:route53/record:Record")
	assert.Equal(t, "app-dns", record.Name)
	assert.Equal(t, "Z0123456789ABCDEFGHIJ", record.Str("zoneId"))
	assert.Equal(t, "app.example.com", record.Str("name"))
	assert.Equal(t, "A", record.Str("type"))
	assert.Equal(t, float64(compute.DNSRecordTTL), record.Input("ttl").NumberValue())
	assert.Equal(t, []resource.PropertyValue{resource.NewProperty(out.publicIP)}, record.Input("records").ArrayValue())
	assert.False(t, record.Input("allowOverwrite").BoolValue(), "an existing record is not taken over")
	assert.NotContains(t, record.Request.GetDependencies(), urnOf(m.One(t, typeInstance)), "the name resolves before the host asks for a certificate")

	// The domain reaches the host through the rollout, never user-data.
	plain, _ := build(t, testArgs())
	assert.Equal(t, plain.One(t, typeInstance).Inputs, m.One(t, typeInstance).Inputs, "a domain does not touch the host")
}

func TestBadImageRegistersNothing(t *testing.T) {
	args := testArgs()
	args.Image = "nginx"
	m := pulumitest.New()
	err := m.Run("test", func(ctx *pulumi.Context) error {
		_, err := compute.New(ctx, "app", args.App, args.Inputs)
		return err
	})
	assert.ErrorContains(t, err, `"nginx" has no tag or digest`)
	assert.Empty(t, m.Resources())
}

// TestReleaseBucket: the releases are kept private, encrypted with the
// stack's key, versioned (a version never changes), TLS only, the newest
// app.releasesKept of them, and go with the stack.
func TestReleaseBucket(t *testing.T) {
	args := testArgs()
	args.ReleasesKept = 7
	m, _ := build(t, args)
	bucket := m.One(t, "aws:s3/bucketV2:BucketV2")
	assert.True(t, bucket.Input("forceDestroy").BoolValue(), "the releases go with the stack")
	pab := m.One(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		assert.True(t, pab.Input(k).BoolValue(), k)
	}
	versioning := m.One(t, "aws:s3/bucketVersioningV2:BucketVersioningV2")
	assert.Equal(t, "Enabled", obj(versioning, "versioningConfiguration")["status"].StringValue())
	sse := m.One(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
	rule := pulumitest.Unwrap(sse.Input("rules").ArrayValue()[0]).ObjectValue()
	byDefault := pulumitest.Unwrap(rule["applyServerSideEncryptionByDefault"]).ObjectValue()
	assert.Equal(t, "aws:kms", byDefault["sseAlgorithm"].StringValue())
	assert.Equal(t, keyArn, byDefault["kmsMasterKeyId"].StringValue(), "the stack's key")
	lifecycle := m.One(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
	lrule := pulumitest.Unwrap(lifecycle.Input("rules").ArrayValue()[0]).ObjectValue()
	expiry := pulumitest.Unwrap(lrule["noncurrentVersionExpiration"]).ObjectValue()
	assert.Equal(t, 6.0, expiry["newerNoncurrentVersions"].NumberValue(), "the current version and 6 before it: 7 releases")
	assert.Equal(t, 1.0, expiry["noncurrentDays"].NumberValue())
	assert.Equal(t, "Enabled", lrule["status"].StringValue())

	policy := m.One(t, "aws:s3/bucketPolicy:BucketPolicy")
	st := statements(policyOf(t, policy, "policy"))["TLSOnly"]
	assert.Equal(t, "Deny", st.Effect)
	assert.Equal(t, []string{"s3:*"}, st.Action)
	assert.Equal(t, map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}}, st.Condition)
	record := m.Named(t, typeObject, "app-release")
	for _, dep := range []pulumitest.Resource{versioning, sse, pab} {
		assert.Contains(t, record.Request.GetDependencies(), urnOf(dep), "the record is written once %s is in place", dep.Type)
	}
	assert.Contains(t, policy.Request.GetDependencies(), urnOf(record), "the policy comes after the first record, and goes before it")
}
