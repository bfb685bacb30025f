package compute_test

// Scale mode (app.hosts of 2 or more, or app.scaling): the load balancer,
// the launch template, the Auto Scaling group and its scaling policy.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/pulumitest"
)

const (
	typeLB           = "aws:lb/loadBalancer:LoadBalancer"
	typeTargetGroup  = "aws:lb/targetGroup:TargetGroup"
	typeListener     = "aws:lb/listener:Listener"
	typeTemplate     = "aws:ec2/launchTemplate:LaunchTemplate"
	typeGroup        = "aws:autoscaling/group:Group"
	typePolicy       = "aws:autoscaling/policy:Policy"
	typeCert         = "aws:acm/certificate:Certificate"
	typeCertValid    = "aws:acm/certificateValidation:CertificateValidation"
	typeRecord       = "aws:route53/record:Record"
	lbSecurityGroup  = "sg-lb"
	connectArn       = "arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-0123456789abcdef0/app_admin"
	zoneID           = "Z0123456789ABCDEFGHIJ"
	vpcCIDR          = "10.0.0.0/16"
	domain           = "app.example.com"
	lbDNS            = "app-lb-1234567890.eu-west-1.elb.amazonaws.com"
	lbArnSuffix      = "app/app-lb/50dc6c495c0c9188"
	targetArnSuffix  = "targetgroup/app-hosts/943f017f100becff"
	targetGroupArn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:" + targetArnSuffix
	loadBalancerArn  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/" + lbArnSuffix
	launchTemplateID = "lt-0123456789abcdef0"
)

// scaleArgs is testArgs with three hosts behind a load balancer.
func scaleArgs() compute.Args {
	a := testArgs()
	a.Hosts = 3
	a.VpcID = pulumi.String("vpc-0123")
	a.VpcCIDR = vpcCIDR
	a.LoadBalancerSecurityGroupID = pulumi.String(lbSecurityGroup)
	return a
}

// scaleSettingsOf is the container settings the hosts of a group read:
// no domain, and the VPC's forwarded headers trusted.
func scaleSettingsOf(t *testing.T, args compute.Args) string {
	t.Helper()
	s, err := hostconf.ContainerSettings{
		HostPort: args.HostPort, ContainerPort: args.ContainerPort, HealthCheckPath: args.HealthCheckPath,
		HealthCheckTimeout: args.HealthCheckTimeout, HealthCheckInterval: args.HealthCheckInterval, HealthCheckRetries: args.HealthCheckRetries,
		DrainSeconds: args.DrainSeconds, ProxyImage: args.ProxyImage,
		SlotPorts: awsfacts.AppSlotPorts, ProxyAdminPort: awsfacts.ProxyAdminPort, Environment: args.Environment,
		TrustedProxies: []string{args.VpcCIDR},
	}.JSON()
	require.NoError(t, err)
	return s
}

type scaleOutputs struct {
	url, version, session, ami, latestAMI, lbDNS, lbSuffix, tgSuffix, group, certificateValidation string
}

func buildScale(t *testing.T, args compute.Args) (*pulumitest.Mocks, scaleOutputs) {
	t.Helper()
	return buildScaleWith(t, pulumitest.New(), args)
}

func buildScaleWith(t *testing.T, m *pulumitest.Mocks, args compute.Args, opts ...pulumi.RunOption) (*pulumitest.Mocks, scaleOutputs) {
	t.Helper()
	var out scaleOutputs
	err := m.Run("test", func(ctx *pulumi.Context) error {
		c, err := compute.New(ctx, "app", args.App, args.Inputs)
		if err != nil {
			return err
		}
		values := []any{c.URL, c.Version, c.SessionCommand, c.AMI, c.LatestAMI, c.LoadBalancerDNS, c.LoadBalancerArnSuffix, c.TargetGroupArnSuffix, c.AutoScalingGroupName}
		if args.Domain != "" {
			values = append(values, c.CertificateValidation)
		}
		pulumi.All(values...).ApplyT(func(vs []any) error {
			s := make([]string, 10)
			for i, v := range vs {
				s[i] = v.(string)
			}
			out = scaleOutputs{s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]}
			return nil
		})
		return nil
	}, opts...)
	require.NoError(t, err)
	return m, out
}

// buildEither builds args in whichever mode they ask for.
func buildEither(t *testing.T, args compute.Args) *pulumitest.Mocks {
	t.Helper()
	if args.LoadBalanced() {
		m, _ := buildScale(t, args)
		return m
	}
	m, _ := build(t, args)
	return m
}

func strList(v resource.PropertyValue) []string {
	var out []string
	for _, item := range pulumitest.Unwrap(v).ArrayValue() {
		out = append(out, pulumitest.Unwrap(item).StringValue())
	}
	return out
}

func obj(r pulumitest.Resource, key string) resource.PropertyMap {
	return r.Input(key).ObjectValue()
}

func TestLoadBalancer(t *testing.T) {
	m, out := buildScale(t, scaleArgs())
	lb := m.One(t, typeLB)
	assert.Equal(t, "application", lb.Str("loadBalancerType"))
	assert.True(t, lb.Input("internal").IsBool() && !lb.Input("internal").BoolValue(), "internet-facing, set explicitly")
	assert.Equal(t, []string{"subnet-public-0", "subnet-public-1"}, strList(lb.Input("subnets")), "every public subnet")
	assert.Equal(t, []string{lbSecurityGroup}, strList(lb.Input("securityGroups")))
	assert.True(t, lb.Input("dropInvalidHeaderFields").BoolValue())
	assert.True(t, lb.Input("enableHttp2").BoolValue())
	assert.Equal(t, float64(compute.LoadBalancerIdleTimeout), lb.Input("idleTimeout").NumberValue())
	assert.Less(t, compute.LoadBalancerIdleTimeout, 300, "below Caddy's 5-minute keep-alive")
	assert.True(t, lb.Input("enableDeletionProtection").IsBool() && !lb.Input("enableDeletionProtection").BoolValue())

	tg := m.One(t, typeTargetGroup)
	assert.Equal(t, "vpc-0123", tg.Str("vpcId"))
	assert.Equal(t, "instance", tg.Str("targetType"))
	assert.Equal(t, "HTTP", tg.Str("protocol"))
	assert.Equal(t, 80.0, tg.Input("port").NumberValue(), "the hosts' proxies on app.hostPort")
	assert.Equal(t, 10.0, tg.Input("deregistrationDelay").NumberValue(), "app.drainSeconds")
	hc := obj(tg, "healthCheck")
	assert.True(t, hc["enabled"].BoolValue())
	assert.Equal(t, "HTTP", hc["protocol"].StringValue())
	assert.Equal(t, "traffic-port", hc["port"].StringValue())
	assert.Equal(t, "/", hc["path"].StringValue())
	assert.Equal(t, "200-399", hc["matcher"].StringValue())
	assert.Equal(t, 6.0, hc["interval"].NumberValue())
	assert.Equal(t, 5.0, hc["timeout"].NumberValue())
	assert.Equal(t, 2.0, hc["healthyThreshold"].NumberValue())
	assert.Equal(t, 10.0, hc["unhealthyThreshold"].NumberValue())

	// Without a domain: one plain HTTP listener on app.hostPort, no
	// certificate.
	listener := m.One(t, typeListener)
	assert.Equal(t, loadBalancerArn, listener.Str("loadBalancerArn"))
	assert.Equal(t, "HTTP", listener.Str("protocol"))
	assert.Equal(t, 80.0, listener.Input("port").NumberValue())
	assertForwards(t, listener)
	assert.Empty(t, m.OfType(typeCert))
	assert.Empty(t, m.OfType(typeRecord), "no zone, no record")

	assert.Equal(t, "http://"+lbDNS, out.url)
	assert.Equal(t, lbDNS, out.lbDNS)
	assert.Equal(t, lbArnSuffix, out.lbSuffix)
	assert.Equal(t, targetArnSuffix, out.tgSuffix)

	args := scaleArgs()
	args.HostPort = 8080
	m, out = buildScale(t, args)
	assert.Equal(t, 8080.0, m.One(t, typeListener).Input("port").NumberValue())
	assert.Equal(t, 8080.0, m.One(t, typeTargetGroup).Input("port").NumberValue())
	assert.Equal(t, "http://"+lbDNS+":8080", out.url)
}

func assertForwards(t *testing.T, listener pulumitest.Resource) {
	t.Helper()
	actions := listener.Input("defaultActions").ArrayValue()
	require.Len(t, actions, 1)
	action := pulumitest.Unwrap(actions[0]).ObjectValue()
	assert.Equal(t, "forward", action["type"].StringValue())
	assert.Equal(t, targetGroupArn, pulumitest.Unwrap(action["targetGroupArn"]).StringValue())
}

// TestLoadBalancerHTTPS: with a domain, TLS ends at the load balancer with
// an ACM certificate validated in the hosted zone, port 80 redirects to
// HTTPS, and the hosts serve plain HTTP.
func TestLoadBalancerHTTPS(t *testing.T) {
	args := scaleArgs()
	args.Domain, args.HostedZoneID = domain, zoneID
	m, out := buildScale(t, args)
	cert := m.One(t, typeCert)
	assert.Equal(t, domain, cert.Str("domainName"))
	assert.Equal(t, "DNS", cert.Str("validationMethod"))
	assert.True(t, cert.Input("subjectAlternativeNames").IsNull(), "one name: one validation record")

	validationRecord := m.Named(t, typeRecord, "app-cert-validation")
	assert.Equal(t, zoneID, validationRecord.Str("zoneId"))
	assert.Equal(t, pulumitest.ValidationRecordName(domain), validationRecord.Str("name"))
	assert.Equal(t, "CNAME", validationRecord.Str("type"))
	assert.Equal(t, []string{pulumitest.ValidationRecordValue(domain)}, strList(validationRecord.Input("records")))
	assert.Equal(t, float64(compute.ValidationRecordTTL), validationRecord.Input("ttl").NumberValue())
	assert.False(t, validationRecord.Input("allowOverwrite").BoolValue())
	validation := m.One(t, typeCertValid)
	assert.Equal(t, cert.Outputs["arn"].StringValue(), validation.Str("certificateArn"))
	assert.Equal(t, []string{pulumitest.ValidationRecordName(domain)}, strList(validation.Input("validationRecordFqdns")))

	https := m.Named(t, typeListener, "app-https")
	assert.Equal(t, "HTTPS", https.Str("protocol"))
	assert.Equal(t, 443.0, https.Input("port").NumberValue())
	assert.Equal(t, "ELBSecurityPolicy-TLS13-1-2-2021-06", https.Str("sslPolicy"))
	assert.Equal(t, cert.Outputs["arn"].StringValue(), https.Str("certificateArn"))
	assert.Contains(t, https.Request.GetPropertyDependencies()["certificateArn"].GetUrns(), urnOf(validation),
		"the listener takes the certificate once it is issued")
	assert.Equal(t, hostconf.HSTS, https.Str("routingHttpResponseStrictTransportSecurityHeaderValue"))
	assertForwards(t, https)

	redirect := m.Named(t, typeListener, "app-http")
	assert.Equal(t, "HTTP", redirect.Str("protocol"))
	assert.Equal(t, 80.0, redirect.Input("port").NumberValue())
	actions := redirect.Input("defaultActions").ArrayValue()
	require.Len(t, actions, 1)
	action := pulumitest.Unwrap(actions[0]).ObjectValue()
	assert.Equal(t, "redirect", action["type"].StringValue())
	r := pulumitest.Unwrap(action["redirect"]).ObjectValue()
	assert.Equal(t, "HTTPS", r["protocol"].StringValue())
	assert.Equal(t, "443", r["port"].StringValue())
	assert.Equal(t, "HTTP_301", r["statusCode"].StringValue())
	assert.Len(t, m.OfType(typeListener), 2)
	web, public := args.App.ListenPorts()
	assert.Equal(t, []int{443, 80}, web, "the network opens what the listeners listen on")
	assert.Empty(t, public)

	assert.Equal(t, "https://"+domain, out.url)
	assert.Equal(t, pulumitest.ValidationRecordName(domain)+" CNAME "+pulumitest.ValidationRecordValue(domain), out.certificateValidation)

	// TLS ends at the load balancer: the hosts' proxy serves plain HTTP on
	// app.hostPort, asks Let's Encrypt for nothing, and keeps the scheme
	// and client address the load balancer forwards.
	settings := string(recordOf(t, m).Settings)
	assert.Equal(t, scaleSettingsOf(t, args), settings)
	assert.Contains(t, settings, `"domain":""`)
	assert.NotContains(t, settings, domain)
	var doc struct {
		Proxy struct {
			Apps struct {
				HTTP struct {
					Servers map[string]struct {
						Listen []string `json:"listen"`
						Routes []struct {
							Handle []map[string]any `json:"handle"`
						} `json:"routes"`
					} `json:"servers"`
				} `json:"http"`
				TLS any `json:"tls"`
			} `json:"apps"`
		} `json:"proxy"`
	}
	require.NoError(t, json.Unmarshal([]byte(settings), &doc))
	server := doc.Proxy.Apps.HTTP.Servers["app"]
	assert.Equal(t, []string{":80"}, server.Listen)
	require.Len(t, server.Routes, 1)
	assert.Equal(t, []any{vpcCIDR}, server.Routes[0].Handle[0]["trusted_proxies"])
	assert.Nil(t, doc.Proxy.Apps.TLS)
	single := testArgs()
	single.Domain = domain
	assert.Contains(t, settingsOf(t, single), `"domain":"`+domain+`"`, "a single host still serves HTTPS itself")
}

// TestCertificateWithoutZone: without a hosted zone the stack creates no
// record; the validation waits for the user's, which the output shows.
func TestCertificateWithoutZone(t *testing.T) {
	args := scaleArgs()
	args.Domain = domain
	m, out := buildScale(t, args)
	assert.Empty(t, m.OfType(typeRecord))
	validation := m.One(t, typeCertValid)
	assert.True(t, validation.Input("validationRecordFqdns").IsNull())
	assert.Equal(t, m.One(t, typeCert).Outputs["arn"].StringValue(), m.Named(t, typeListener, "app-https").Str("certificateArn"))
	assert.Equal(t, pulumitest.ValidationRecordName(domain)+" CNAME "+pulumitest.ValidationRecordValue(domain), out.certificateValidation)
}

func TestTargetHealthCheck(t *testing.T) {
	for _, tt := range []struct {
		interval, retries int
		want              compute.TargetHealth
	}{
		{2, 10, compute.TargetHealth{Interval: 6, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 10}},
		{1, 1, compute.TargetHealth{Interval: 6, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 2}},
		{30, 5, compute.TargetHealth{Interval: 30, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 5}},
		{60, 50, compute.TargetHealth{Interval: 60, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 10}},
	} {
		got := compute.TargetHealthCheck(config.App{HealthCheckInterval: tt.interval, HealthCheckRetries: tt.retries})
		assert.Equal(t, tt.want, got, "interval %d, retries %d", tt.interval, tt.retries)
	}
	// Whatever the app's settings, the load balancer accepts the check.
	for interval := 1; interval <= 60; interval++ {
		for retries := 1; retries <= 50; retries++ {
			h := compute.TargetHealthCheck(config.App{HealthCheckInterval: interval, HealthCheckRetries: retries})
			assert.True(t, h.Interval >= 5 && h.Interval <= 300 && h.Timeout >= 2 && h.Timeout < h.Interval &&
				h.HealthyThreshold >= 2 && h.HealthyThreshold <= 10 && h.UnhealthyThreshold >= 2 && h.UnhealthyThreshold <= 10,
				"%+v", h)
		}
	}
}

// TestLaunchTemplateIsTheSingleHost: the group's hosts are the single host:
// the same user-data (to the byte), AMI choice, profile, metadata options
// and root volume; and the same IAM.
func TestLaunchTemplateIsTheSingleHost(t *testing.T) {
	single, singleOut := build(t, testArgs())
	scaled, out := buildScale(t, scaleArgs())
	host, lt := single.One(t, typeInstance), scaled.One(t, typeTemplate)

	assert.Equal(t, host.Str("userDataBase64"), lt.Str("userData"))
	assert.Equal(t, host.Str("ami"), lt.Str("imageId"))
	assert.Equal(t, host.Str("instanceType"), lt.Str("instanceType"))
	assert.Equal(t, host.Str("iamInstanceProfile"), obj(lt, "iamInstanceProfile")["name"].StringValue())
	assert.True(t, lt.Input("keyName").IsNull(), "no SSH key pair")
	md := obj(lt, "metadataOptions")
	assert.Equal(t, "enabled", md["instanceMetadataTags"].StringValue(), "a group's host reads its release from its tags")
	assert.NotContains(t, obj(host, "metadataOptions"), resource.PropertyKey("instanceMetadataTags"), "a single host reads the newest release")
	delete(md, "instanceMetadataTags")
	assert.Equal(t, obj(host, "metadataOptions"), md, "otherwise the single host's")
	assert.Equal(t, "required", md["httpTokens"].StringValue())
	assert.Equal(t, 1.0, md["httpPutResponseHopLimit"].NumberValue())

	disks := lt.Input("blockDeviceMappings").ArrayValue()
	require.Len(t, disks, 1)
	disk := pulumitest.Unwrap(disks[0]).ObjectValue()
	assert.Equal(t, compute.RootDeviceName, disk["deviceName"].StringValue())
	ebs, root := pulumitest.Unwrap(disk["ebs"]).ObjectValue(), obj(host, "rootBlockDevice")
	assert.Equal(t, root["volumeType"].StringValue(), ebs["volumeType"].StringValue())
	assert.Equal(t, root["volumeSize"].NumberValue(), ebs["volumeSize"].NumberValue())
	assert.Equal(t, "true", ebs["encrypted"].StringValue())
	assert.Equal(t, "true", ebs["deleteOnTermination"].StringValue())

	nics := lt.Input("networkInterfaces").ArrayValue()
	require.Len(t, nics, 1)
	nic := pulumitest.Unwrap(nics[0]).ObjectValue()
	assert.Equal(t, 0.0, nic["deviceIndex"].NumberValue())
	assert.Equal(t, "true", nic["associatePublicIpAddress"].StringValue(), "the way out: the VPC has no NAT")
	assert.Equal(t, []string{"sg-host"}, strList(nic["securityGroups"]))
	assert.True(t, lt.Input("updateDefaultVersion").BoolValue())
	assert.Equal(t, []string{"imageId"}, lt.Request.GetIgnoreChanges(), "created with the latest AMI and kept")

	// The same role, policy and profile as a single host.
	for _, typ := range []string{"aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/instanceProfile:InstanceProfile", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"} {
		assert.Equal(t, single.One(t, typ).Inputs, scaled.One(t, typ).Inputs, typ)
	}
	// A new host boots with its grants, the release and the secret in place.
	for _, dep := range []pulumitest.Resource{
		scaled.One(t, "aws:iam/rolePolicy:RolePolicy"),
		scaled.One(t, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
		scaled.Named(t, typeObject, "app-release"),
		scaled.One(t, "aws:secretsmanager/secretVersion:SecretVersion"),
	} {
		assert.Contains(t, lt.Request.GetDependencies(), urnOf(dep), "%s %s", dep.Type, dep.Name)
	}

	assert.Equal(t, singleOut.ami, out.ami, "the AMI output is the template's")
	assert.Equal(t, singleOut.latestAMI, out.latestAMI)

	tags := map[string]map[string]string{}
	for _, spec := range lt.Input("tagSpecifications").ArrayValue() {
		s := pulumitest.Unwrap(spec).ObjectValue()
		tags[s["resourceType"].StringValue()] = map[string]string{}
		for k, v := range pulumitest.Unwrap(s["tags"]).ObjectValue() {
			tags[s["resourceType"].StringValue()][string(k)] = pulumitest.Unwrap(v).StringValue()
		}
	}
	appVersion := scaled.One(t, "aws:secretsmanager/secretVersion:SecretVersion").Outputs["versionId"].StringValue()
	rec := recordOf(t, scaled)
	assert.Equal(t, hostconf.NewReleaseRecord(hostconf.Release{Image: pinnedImage, Container: scaleSettingsOf(t, scaleArgs())}, "db-v1", appVersion), rec)
	assert.Equal(t, map[string]map[string]string{
		// The template version names the record version a host boots.
		"instance": {"Name": "app-host", hostconf.ReleaseTag: scaled.Named(t, typeObject, "app-release").Outputs["versionId"].StringValue(), hostconf.ReleaseIDTag: rec.ID},
		"volume":   {"Name": "app-host"},
	}, tags)
}

func TestLaunchTemplateAMI(t *testing.T) {
	args := scaleArgs()
	args.AMIID = "ami-0123456789abcdef0"
	m, out := buildScale(t, args)
	lt := m.One(t, typeTemplate)
	assert.Equal(t, "ami-0123456789abcdef0", lt.Str("imageId"))
	assert.Empty(t, lt.Request.GetIgnoreChanges(), "a pinned AMI is applied: changing the pin rolls the group")
	assert.Equal(t, "ami-0123456789abcdef0", out.ami)
	assert.Equal(t, pulumitest.AMIPrefix+"x86_64", out.latestAMI)

	args = scaleArgs()
	args.InstanceType = "t4g.small"
	m, _ = buildScale(t, args)
	assert.Equal(t, pulumitest.AMIPrefix+"arm64", m.One(t, typeTemplate).Str("imageId"))

	// A newer Amazon Linux release makes no new template version: every
	// other input is the same, and the image ID is ignored.
	before, _ := buildScale(t, scaleArgs())
	newer := pulumitest.New()
	newer.AMIPrefix = "ami-newer-"
	after, out := buildScaleWith(t, newer, scaleArgs())
	a, b := before.One(t, typeTemplate), after.One(t, typeTemplate)
	assert.Equal(t, []string{"imageId"}, b.Request.GetIgnoreChanges())
	assert.Equal(t, "ami-newer-x86_64", out.latestAMI)
	delete(a.Inputs, "imageId")
	delete(b.Inputs, "imageId")
	assert.Equal(t, a.Inputs, b.Inputs)
	assert.Equal(t, before.One(t, typeGroup).Inputs, after.One(t, typeGroup).Inputs)
}

func TestGroup(t *testing.T) {
	m, out := buildScale(t, scaleArgs())
	g := m.One(t, typeGroup)
	assert.Equal(t, []string{"subnet-public-0", "subnet-public-1"}, strList(g.Input("vpcZoneIdentifiers")), "across every public subnet")
	for _, k := range []string{"minSize", "desiredCapacity", "maxSize"} {
		assert.Equal(t, 3.0, g.Input(k).NumberValue(), k)
	}
	assert.Equal(t, []string{"launchTemplate.version"}, g.Request.GetIgnoreChanges(),
		"a fixed size is applied; the rollout step, not the provider, moves the group to a new release")
	lt := obj(g, "launchTemplate")
	assert.Equal(t, launchTemplateID, pulumitest.Unwrap(lt["id"]).StringValue())
	assert.Equal(t, "1", pulumitest.Unwrap(lt["version"]).StringValue(), "a version number, never $Latest")
	assert.Equal(t, []string{targetGroupArn}, strList(g.Input("targetGroupArns")))
	assert.Equal(t, "ELB", g.Str("healthCheckType"))
	assert.Equal(t, float64(compute.HostBootSeconds+120), g.Input("healthCheckGracePeriod").NumberValue())
	assert.Equal(t, float64(compute.HostBootSeconds+120), g.Input("defaultInstanceWarmup").NumberValue())
	assert.Equal(t, 3.0, g.Input("waitForElbCapacity").NumberValue(), "pulumi up waits for healthy hosts")
	assert.Equal(t, fmt.Sprintf("%ds", compute.RolloutWaitSeconds), g.Str("waitForCapacityTimeout"))
	assert.Contains(t, g.Request.GetDependencies(), urnOf(m.One(t, typeListener)),
		"the load balancer checks the hosts only once a listener forwards to them")

	assert.True(t, g.Input("instanceRefresh").IsNull(),
		"no refresh by the provider: it would move the group first, and a rollback would restore the new release")

	tags := g.Input("tags").ArrayValue()
	require.Len(t, tags, 1)
	tag := pulumitest.Unwrap(tags[0]).ObjectValue()
	assert.Equal(t, "Name", tag["key"].StringValue())
	assert.Equal(t, "app-host", tag["value"].StringValue())
	assert.True(t, tag["propagateAtLaunch"].BoolValue())

	assert.Equal(t, g.ID, out.group)
	assert.Equal(t, pinnedImage, out.version, "the image the group's template carries, tag and digest")
	assert.Equal(t, "aws ssm start-session --region eu-west-1 --target "+compute.HostPicker("eu-west-1", g.ID), out.session)
	assert.Empty(t, m.OfType(typePolicy), "a fixed size has no scaling policy")
}

// TestScalingPolicy: with app.scaling the group tracks the CPU or the
// requests per host, between min and max, and `pulumi up` leaves the
// desired capacity where target tracking put it.
func TestScalingPolicy(t *testing.T) {
	args := testArgs()
	args.Scaling = &config.Scaling{Min: 2, Max: 6, TargetCPU: 60}
	args.VpcID, args.VpcCIDR, args.LoadBalancerSecurityGroupID = pulumi.String("vpc-0123"), vpcCIDR, pulumi.String(lbSecurityGroup)
	m, _ := buildScale(t, args)
	g := m.One(t, typeGroup)
	assert.Equal(t, 2.0, g.Input("minSize").NumberValue())
	assert.Equal(t, 2.0, g.Input("desiredCapacity").NumberValue())
	assert.Equal(t, 6.0, g.Input("maxSize").NumberValue())
	assert.Equal(t, 2.0, g.Input("waitForElbCapacity").NumberValue())
	assert.Equal(t, []string{"launchTemplate.version", "desiredCapacity"}, g.Request.GetIgnoreChanges())

	policy := m.One(t, typePolicy)
	assert.Equal(t, g.ID, policy.Str("autoscalingGroupName"))
	assert.Equal(t, "TargetTrackingScaling", policy.Str("policyType"))
	tracking := obj(policy, "targetTrackingConfiguration")
	assert.Equal(t, 60.0, tracking["targetValue"].NumberValue())
	assert.False(t, tracking["disableScaleIn"].BoolValue())
	metric := pulumitest.Unwrap(tracking["predefinedMetricSpecification"]).ObjectValue()
	assert.Equal(t, "ASGAverageCPUUtilization", metric["predefinedMetricType"].StringValue())
	assert.True(t, pulumitest.Unwrap(metric["resourceLabel"]).IsNull())

	args.Scaling = &config.Scaling{Min: 2, Max: 6, TargetRequests: 1000}
	m, _ = buildScale(t, args)
	policy = m.One(t, typePolicy)
	assert.Equal(t, "app-scaling", policy.Name, "one policy, whichever the target: a switch updates it")
	tracking = obj(policy, "targetTrackingConfiguration")
	assert.Equal(t, 1000.0, tracking["targetValue"].NumberValue())
	metric = pulumitest.Unwrap(tracking["predefinedMetricSpecification"]).ObjectValue()
	assert.Equal(t, "ALBRequestCountPerTarget", metric["predefinedMetricType"].StringValue())
	assert.Equal(t, lbArnSuffix+"/"+targetArnSuffix, pulumitest.Unwrap(metric["resourceLabel"]).StringValue())
}

// TestReleaseTag: anything the container must see makes a new launch
// template version (and so an instance refresh); nothing else does, and
// the user-data never changes with a release.
func TestReleaseTag(t *testing.T) {
	release := func(m *pulumitest.Mocks) string { return releaseTagOf(t, m) }
	base, _ := buildScale(t, scaleArgs())
	again, _ := buildScale(t, scaleArgs())
	require.NotEmpty(t, release(base))
	assert.Equal(t, release(base), release(again), "nothing changed, no new version")
	assert.Equal(t, base.One(t, typeTemplate).Inputs, again.One(t, typeTemplate).Inputs)

	for name, change := range map[string]func(*compute.Args){
		"image":             func(a *compute.Args) { a.Image = strings.Replace(ecrImage, ":v1", ":v2", 1) },
		"environment":       func(a *compute.Args) { a.Environment = map[string]string{"NODE_ENV": "staging"} },
		"health check":      func(a *compute.Args) { a.HealthCheckPath = "/healthz" },
		"secret names":      func(a *compute.Args) { a.SecretNames = append(a.SecretNames, "EXTRA") },
		"database settings": func(a *compute.Args) { a.DatabaseSecretVersion = pulumi.String("db-v2") },
	} {
		t.Run(name, func(t *testing.T) {
			args := scaleArgs()
			change(&args)
			changed, _ := buildScale(t, args)
			assert.NotEqual(t, release(base), release(changed))
			a, b := base.One(t, typeTemplate), changed.One(t, typeTemplate)
			assert.Equal(t, a.Str("userData"), b.Str("userData"), "a release never touches user-data")
			assert.Equal(t, a.Str("imageId"), b.Str("imageId"))
		})
	}
}

func TestReleaseDigest(t *testing.T) {
	r := hostconf.Release{Image: "repo:v1", Container: `{"a":1}`}
	assert.Equal(t, hostconf.ReleaseDigest(r, "db1", "app1"), hostconf.ReleaseDigest(r, "db1", "app1"))
	assert.Regexp(t, `^[0-9a-f]{32}$`, hostconf.ReleaseDigest(r, "db1", "app1"))
	for _, other := range []string{
		hostconf.ReleaseDigest(hostconf.Release{Image: "repo:v2", Container: r.Container}, "db1", "app1"),
		hostconf.ReleaseDigest(hostconf.Release{Image: r.Image, Container: `{"a":2}`}, "db1", "app1"),
		hostconf.ReleaseDigest(r, "db2", "app1"),
		hostconf.ReleaseDigest(r, "db1", "app2"),
		// The same characters split differently are another release.
		hostconf.ReleaseDigest(r, "db1app", "1"),
	} {
		assert.NotEqual(t, hostconf.ReleaseDigest(r, "db1", "app1"), other)
	}
}

// TestScaleModeHasNoSingleHost: no instance, Elastic IP, network interface
// or rollout association: the group launches the hosts and the refresh
// deploys.
func TestScaleModeHasNoSingleHost(t *testing.T) {
	m, _ := buildScale(t, scaleArgs())
	for _, typ := range []string{typeInstance, "aws:ec2/eip:Eip", "aws:ec2/networkInterface:NetworkInterface", "aws:ssm/association:Association"} {
		assert.Empty(t, m.OfType(typ), typ)
	}
	single, _ := build(t, testArgs())
	for _, typ := range []string{typeLB, typeTargetGroup, typeListener, typeTemplate, typeGroup, typePolicy, typeCert} {
		assert.Empty(t, single.OfType(typ), "a single host has no %s", typ)
	}
	assert.Equal(t, 22, m.AssertParentedTo(t, typeComponent, "app"))
	args := scaleArgs()
	args.Domain, args.HostedZoneID = domain, zoneID
	args.Scaling, args.Hosts = &config.Scaling{Min: 2, Max: 4, TargetCPU: 50}, 1
	m, _ = buildScale(t, args)
	assert.Equal(t, 28, m.AssertParentedTo(t, typeComponent, "app"),
		"and the certificate, its validation and record, the redirect listener, the alias record and the policy")
}

// TestDNSAliasKeepsTheRecordName: in scale mode the domain's record is an
// alias to the load balancer, under the single host's logical name, so a
// switch between the modes updates the record instead of creating a
// second one of the same name (which Route 53 refuses).
func TestDNSAliasKeepsTheRecordName(t *testing.T) {
	args := scaleArgs()
	args.Domain, args.HostedZoneID = domain, zoneID
	m, _ := buildScale(t, args)
	alias := m.Named(t, typeRecord, "app-dns")
	singleArgs := testArgs()
	singleArgs.Domain, singleArgs.HostedZoneID = domain, zoneID
	single, _ := build(t, singleArgs)
	record := single.One(t, typeRecord)
	assert.Equal(t, record.Name, alias.Name)
	for _, k := range []string{"zoneId", "name", "type"} {
		assert.Equal(t, record.Str(k), alias.Str(k), k)
	}
	assert.Equal(t, "A", alias.Str("type"))
	assert.False(t, alias.Input("allowOverwrite").BoolValue())
	assert.True(t, alias.Input("ttl").IsNull(), "an alias has no TTL")
	assert.True(t, alias.Input("records").IsNull())
	aliases := alias.Input("aliases").ArrayValue()
	require.Len(t, aliases, 1)
	a := pulumitest.Unwrap(aliases[0]).ObjectValue()
	assert.Equal(t, lbDNS, pulumitest.Unwrap(a["name"]).StringValue())
	assert.Equal(t, pulumitest.LoadBalancerZoneID, pulumitest.Unwrap(a["zoneId"]).StringValue())
	assert.True(t, a["evaluateTargetHealth"].BoolValue())
}

// TestDatabaseConnectGrant: with database IAM authentication the hosts'
// role may connect as exactly the given database user, in either mode;
// without, it has no rds-db permission at all.
func TestDatabaseConnectGrant(t *testing.T) {
	for name, args := range map[string]compute.Args{"single host": testArgs(), "scale": scaleArgs()} {
		t.Run(name, func(t *testing.T) {
			m := buildEither(t, args)
			assert.NotContains(t, m.One(t, "aws:iam/rolePolicy:RolePolicy").Str("policy"), "rds-db")

			args.DatabaseIAMAuth = true
			args.DatabaseConnectArn = pulumi.String(connectArn)
			m = buildEither(t, args)
			st := statements(policyOf(t, m.One(t, "aws:iam/rolePolicy:RolePolicy"), "policy"))
			require.Contains(t, st, "ConnectToDatabase")
			assert.Equal(t, []string{"rds-db:connect"}, st["ConnectToDatabase"].Action)
			assert.Equal(t, []string{connectArn}, st["ConnectToDatabase"].Resource)
			assert.Equal(t, "Allow", st["ConnectToDatabase"].Effect)
		})
	}
	args := testArgs()
	args.DatabaseIAMAuth = true
	err := pulumitest.New().Run("test", func(ctx *pulumi.Context) error {
		_, err := compute.New(ctx, "app", args.App, args.Inputs)
		return err
	})
	assert.ErrorContains(t, err, "no rds-db:connect resource")
}

// recordingRoller records the rollouts it is asked for and answers err.
type recordingRoller struct {
	asked []compute.GroupRollout
	err   error
}

func (r *recordingRoller) roll(_ context.Context, g compute.GroupRollout) error {
	r.asked = append(r.asked, g)
	return r.err
}

// TestGroupRolloutStep: `pulumi up` hands the group and the template's
// newest version to the rollout step with the refresh's preferences and
// app.refreshTimeout, and waits for it: the version output, the release
// output and the history wait for it, and a failed rollout fails the
// program (so nothing that `pulumi up` deletes at its end is deleted). A
// preview asks nothing.
func TestGroupRolloutStep(t *testing.T) {
	roller := &recordingRoller{}
	args := scaleArgs()
	args.RollGroup = roller.roll
	args.AWSProfile = "shop-admin"
	m, out := buildScale(t, args)
	require.Len(t, roller.asked, 1)
	g := m.One(t, typeGroup)
	require.NotNil(t, roller.asked[0].Progress, "the refresh's progress shows in `pulumi up`")
	_, err := roller.asked[0].Progress.Write([]byte("refresh 1: InProgress, 50%\n"))
	require.NoError(t, err)
	roller.asked[0].Progress = nil
	assert.Equal(t, compute.GroupRollout{
		Region: "eu-west-1", Profile: "shop-admin",
		Group: g.ID, TemplateID: launchTemplateID, Version: 1,
		MinHealthyPercentage: 100, MaxHealthyPercentage: 200,
		CheckpointPercentages: compute.RefreshCheckpoints, CheckpointDelaySeconds: compute.RefreshCheckpointDelaySeconds,
		InstanceWarmupSeconds: compute.RefreshWarmupSeconds, SkipMatching: true,
		TargetGroupArn: targetGroupArn, LogGroup: m.One(t, "aws:cloudwatch/logGroup:LogGroup").Outputs["name"].StringValue(),
		Timeout: 3600 * time.Second,
	}, roller.asked[0])
	assert.Equal(t, pinnedImage, out.version)
	history := m.Named(t, "aws:ssm/parameter:Parameter", "app-release-history")
	assert.Contains(t, history.Str("insecureValue"), recordOf(t, m).ID, "a release that rolled out joins the history")

	failing := &recordingRoller{err: errors.New("the instance refresh ended Failed")}
	args.RollGroup = failing.roll
	m = pulumitest.New()
	err = m.Run("test", func(ctx *pulumi.Context) error {
		c, err := compute.New(ctx, "app", args.App, args.Inputs)
		if err != nil {
			return err
		}
		ctx.Export("version", c.Version)
		return nil
	})
	require.Error(t, err, "a failed rollout fails `pulumi up`")
	assert.Contains(t, err.Error(), "rolling out launch template version 1 to the group "+g.ID+": the instance refresh ended Failed")
	for _, r := range m.OfType("aws:ssm/parameter:Parameter") {
		assert.NotEqual(t, "app-release-history", r.Name, "the history waits for the rollout, and a failed one never joins it")
	}

	preview := &recordingRoller{}
	args.RollGroup = preview.roll
	_, _ = buildScaleWith(t, pulumitest.New(), args, func(info *pulumi.RunInfo) { info.DryRun = true })
	assert.Empty(t, preview.asked, "a preview starts no refresh")
}

// TestScaleOutBootsTheRunningRelease: a new release is a new template
// version whose instance tag names it, while the group's own version is
// left to the rollout step: until a refresh succeeds, the group launches
// (a scale-out, a replaced host) the version it runs, whose tag names the
// release its peers run, with the same user-data.
func TestScaleOutBootsTheRunningRelease(t *testing.T) {
	tagOf := func(m *pulumitest.Mocks) string { return releaseTagOf(t, m) }
	before, _ := buildScale(t, scaleArgs())
	args := scaleArgs()
	args.Image = strings.Replace(ecrImage, ":v1", ":v2", 1)
	after, _ := buildScale(t, args)
	assert.NotEqual(t, tagOf(before), tagOf(after), "a new release is a new template version")
	assert.Equal(t, before.Named(t, typeObject, "app-release").Outputs["versionId"].StringValue(), tagOf(before), "the tag names the record version of the release")
	assert.Equal(t, before.One(t, typeTemplate).Str("userData"), after.One(t, typeTemplate).Str("userData"), "every host boots the same way")
	g := after.One(t, typeGroup)
	assert.Contains(t, g.Request.GetIgnoreChanges(), "launchTemplate.version", "Pulumi never moves the group to the new version")
	assert.True(t, g.Input("instanceRefresh").IsNull())
}

// releaseTagOf is the release the launch template's hosts are tagged with.
func releaseTagOf(t *testing.T, m *pulumitest.Mocks) string {
	t.Helper()
	for _, spec := range m.One(t, typeTemplate).Input("tagSpecifications").ArrayValue() {
		s := pulumitest.Unwrap(spec).ObjectValue()
		if s["resourceType"].StringValue() == "instance" {
			return pulumitest.Unwrap(pulumitest.Unwrap(s["tags"]).ObjectValue()[hostconf.ReleaseTag]).StringValue()
		}
	}
	return ""
}
