// Package compute owns the application hosts and what runs on them: the
// container, with the database settings injected at start, the hosts' IAM
// role, their log group, the generated application secrets, the SSM
// parameters holding the release (image and container settings), and the
// domain's DNS record.
//
// By default (app.hosts 1) that is one EC2 instance with an Elastic IP,
// and an SSM association that rolls out a new release on the same host (a
// health-gated blue/green swap behind the host's proxy, Caddy). With
// app.hosts of 2 or more, or app.scaling (config.App.LoadBalanced), the
// same host definition becomes a launch template run by an Auto Scaling
// group across the public subnets behind an Application Load Balancer, and
// a new release is a new template version rolled out by an instance
// refresh.
//
// New calls the steps in a fixed order; each AWS concern has its own file.
// userdata.go renders the boot configuration, container.go the settings
// every deploy reads, proxy.go the proxy's configuration, instance.go the
// single host, group.go the Auto Scaling group and loadbalancer.go the
// load balancer.
package compute

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
)

// Inputs is what the host needs beyond its own configuration section:
// names, the stack's location, and values produced by other components.
type Inputs struct {
	// ParameterPrefix names the SSM parameter holding the image
	// ("/rds-app/dev" gives "/rds-app/dev/image").
	ParameterPrefix string
	// Region, Partition and AccountID locate the stack.
	Region, Partition, AccountID string
	// AWSProfile is the provider's aws:profile, for the rollout step's own
	// calls (RollGroup).
	AWSProfile string

	// SubnetIDs are the public subnets, one per zone: a single host lives
	// in the first, an Auto Scaling group and its load balancer span all.
	SubnetIDs pulumi.StringArrayInput
	// VpcID is the VPC (the load balancer's target group lives in it).
	VpcID pulumi.StringInput
	// SecurityGroupID is the hosts' security group.
	SecurityGroupID pulumi.StringInput
	// VpcCIDR is the VPC's address block: behind a load balancer the hosts'
	// proxy keeps the forwarded headers of requests from it (the load
	// balancer's nodes), so the application sees the client's address and
	// scheme (app.LoadBalanced() only).
	VpcCIDR string
	// LoadBalancerSecurityGroupID is the load balancer's security group
	// (app.LoadBalanced() only).
	LoadBalancerSecurityGroupID pulumi.StringInput
	// DatabaseIAMAuth says the hosts connect to the database with IAM
	// authentication tokens (database.proxyIamAuth): their role may then
	// use rds-db:connect on DatabaseConnectArn.
	DatabaseIAMAuth bool
	// DatabaseConnectArn is the rds-db:connect resource the hosts' role may
	// use when DatabaseIAMAuth is on.
	DatabaseConnectArn pulumi.StringInput
	// DatabaseSecretArn is the secret holding the connection JSON.
	DatabaseSecretArn pulumi.StringInput
	// DatabaseSecretVersion changes whenever the connection settings do: a
	// change redeploys the container, which reads them at start.
	DatabaseSecretVersion pulumi.StringInput
	// KmsKeyArn encrypts both secrets; the host may decrypt through
	// Secrets Manager only.
	KmsKeyArn pulumi.StringInput
	// RepositoryArn is the stack's own ECR repository (app.repository),
	// which the hosts may pull from beside app.image's; nil without one.
	RepositoryArn pulumi.StringInput
	// ResolveDigest looks up the digest of an image named by tag outside
	// ECR (releaseImage). The program leaves it unset: it pins app.image
	// with PinOutsideECR before anything is registered, so the lookup
	// happens once.
	ResolveDigest DigestResolver
	// RollGroup rolls an Auto Scaling group out to a new release and waits
	// (app.LoadBalanced() only). Nil skips the step: the group then stays
	// on the release it was created with.
	RollGroup GroupRoller
}

// Args is what the host is built from: the validated app configuration
// section and its inputs.
type Args struct {
	config.App
	Inputs
}

// Compute is the component.
type Compute struct {
	pulumi.ResourceState

	// InstanceID is the EC2 instance ID (the Session Manager target). Single
	// host only.
	InstanceID pulumi.StringOutput `pulumi:"instanceId"`
	// PublicIP is the Elastic IP; it survives a replacement of the host.
	// Single host only.
	PublicIP pulumi.StringOutput `pulumi:"publicIp"`
	// URL is where the application answers: https://<domain> with a
	// domain, else http://<Elastic IP or load balancer>[:port].
	URL pulumi.StringOutput `pulumi:"url"`
	// Version is the image the hosts serve, with its digest
	// ("<repository>:<tag>@sha256:…"). It resolves once the rollout has
	// succeeded: on a single host the swap, in an Auto Scaling group the
	// instance refresh.
	Version pulumi.StringOutput `pulumi:"version"`
	// Release is the release the hosts run once the rollout has
	// succeeded: its ID, the version of the release record that holds it
	// and its image (HistoryEntry's fields).
	Release pulumi.StringMapOutput `pulumi:"release"`
	// PreviousRelease is the release a rollback goes back to
	// (ReleaseHistory.Previous): the same fields, none before a second
	// release has rolled out.
	PreviousRelease pulumi.StringMapOutput `pulumi:"previousRelease"`
	// ReleaseBucket holds the release record and its versions.
	ReleaseBucket pulumi.StringOutput `pulumi:"releaseBucket"`
	// SessionCommand opens a shell on a host through Session Manager.
	SessionCommand pulumi.StringOutput `pulumi:"sessionCommand"`
	// SessionTarget is what `aws ssm start-session --target` takes: the
	// instance ID, or in an Auto Scaling group a shell command
	// substitution that picks one of its hosts in service (HostPicker).
	SessionTarget pulumi.StringOutput
	// AppSecretArn is the secret holding the generated application secrets.
	AppSecretArn pulumi.StringOutput `pulumi:"appSecretArn"`
	// AMI is the AMI the hosts run: the one the host (or the launch
	// template) was created with, unless app.amiId pins another.
	AMI pulumi.StringOutput `pulumi:"ami"`
	// LatestAMI is the newest Amazon Linux 2023 AMI for the host's
	// architecture; when it differs from AMI, a newer release is waiting.
	LatestAMI pulumi.StringOutput `pulumi:"latestAmi"`
	// HealthNamespace and HealthMetric name the CloudWatch metric every
	// host publishes every minute: 1 while the application answers its
	// health check, 0 while it does not.
	HealthNamespace pulumi.StringOutput `pulumi:"healthNamespace"`
	HealthMetric    pulumi.StringOutput `pulumi:"healthMetric"`

	// LoadBalancerDNS is the load balancer's DNS name. Auto Scaling group
	// only, as are the fields below.
	LoadBalancerDNS pulumi.StringOutput `pulumi:"loadBalancerDns"`
	// LoadBalancerArnSuffix and TargetGroupArnSuffix are the
	// LoadBalancer and TargetGroup dimensions of the AWS/ApplicationELB
	// metrics.
	LoadBalancerArnSuffix pulumi.StringOutput `pulumi:"loadBalancerArnSuffix"`
	TargetGroupArnSuffix  pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
	// AutoScalingGroupName is the hosts' Auto Scaling group.
	AutoScalingGroupName pulumi.StringOutput `pulumi:"autoScalingGroupName"`
	// CertificateValidation is the DNS record ACM validates the domain's
	// certificate with, and renews it with as long as it stays in place:
	// "<name> CNAME <value>". With app.domain only.
	CertificateValidation pulumi.StringOutput `pulumi:"certificateValidation"`
}

// New creates the application hosts.
func New(ctx *pulumi.Context, name string, cfg config.App, in Inputs, opts ...pulumi.ResourceOption) (*Compute, error) {
	args := Args{App: cfg, Inputs: in}
	image, err := awsfacts.ParseImage(args.Image)
	if err != nil {
		return nil, fmt.Errorf("creating host %q: %w", name, err)
	}
	settings, err := hostContainerSettings(args).JSON()
	if err != nil {
		return nil, fmt.Errorf("creating host %q: %w", name, err)
	}
	// Before the component: a tag that cannot be looked up registers
	// nothing.
	releasedImage, err := releaseImage(ctx, args, image)
	if err != nil {
		return nil, err
	}
	// Read, not written, before the component: what rolled out before.
	history, err := readReleaseHistory(ctx, args.ParameterPrefix)
	if err != nil {
		return nil, fmt.Errorf("creating host %q: %w", name, err)
	}
	c := &Compute{}
	if err := ctx.RegisterComponentResource("rds-app:compute:Compute", name, c, opts...); err != nil {
		return nil, fmt.Errorf("registering compute component %q: %w", name, err)
	}
	parent := pulumi.Parent(c)

	logGroup, err := newLogGroup(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	appSecret, err := newAppSecrets(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	// The release: this image, these settings, the secrets' versions.
	record := pulumi.All(releasedImage, args.DatabaseSecretVersion, appSecret.version.VersionId).ApplyT(func(vs []any) hostconf.ReleaseRecord {
		return hostconf.NewReleaseRecord(hostconf.Release{Image: vs[0].(string), Container: settings}, vs[1].(string), vs[2].(string))
	})
	recordJSON := record.ApplyT(func(r any) (string, error) { return r.(hostconf.ReleaseRecord).JSON() }).(pulumi.StringOutput)
	releaseID := record.ApplyT(func(r any) string { return r.(hostconf.ReleaseRecord).ID }).(pulumi.StringOutput)
	store, err := newReleaseStore(ctx, name, args, recordJSON, parent)
	if err != nil {
		return nil, err
	}
	identity, err := newHostIdentity(ctx, name, args, image, hostResources{
		logGroup: logGroup, appSecret: appSecret.secret, releases: store.bucket,
	}, parent)
	if err != nil {
		return nil, err
	}
	userData := pulumi.All(args.DatabaseSecretArn, appSecret.secret.Arn, store.bucket.Bucket, logGroup.Name).ApplyT(
		func(vs []any) (string, error) {
			cloudConfig, err := RenderUserData(HostSettings{
				Region:            args.Region,
				DatabaseSecretArn: vs[0].(string),
				AppSecretArn:      vs[1].(string),
				ReleaseBucket:     vs[2].(string),
				LogGroup:          vs[3].(string),
				HealthNamespace:   HealthNamespace(args.ParameterPrefix),
			})
			if err != nil {
				return "", err
			}
			return EncodeUserData(cloudConfig)
		}).(pulumi.StringOutput)
	releaseInputs := rolloutInputs{
		image:         releasedImage,
		releaseID:     releaseID,
		recordVersion: store.record.VersionId,
		written:       store.written,
	}
	def := hostDefinition{
		ami:      chooseAMI(ctx, args),
		userData: userData,
		identity: identity,
		// The host boots with the application secret's value in place.
		waitFor: []pulumi.Resource{appSecret.version},
	}

	outputs := pulumi.Map{}
	var rolledOut pulumi.Output
	if args.LoadBalanced() {
		if rolledOut, err = c.newScaledHosts(ctx, name, args, def, releaseInputs, logGroup.Name, outputs, parent); err != nil {
			return nil, err
		}
	} else {
		if rolledOut, err = c.newSingleHost(ctx, name, args, def, releaseInputs, outputs, parent); err != nil {
			return nil, err
		}
	}
	// Known once the release has rolled out: the image the hosts serve, the
	// release, and the history with it first.
	current := pulumi.All(rolledOut, releaseID, store.record.VersionId, releasedImage).ApplyT(func(vs []any) hostconf.HistoryEntry {
		return hostconf.HistoryEntry{ID: vs[1].(string), Version: vs[2].(string), Image: vs[3].(string)}
	})
	c.Version = current.ApplyT(func(e any) string { return e.(hostconf.HistoryEntry).Image }).(pulumi.StringOutput)
	c.Release = current.ApplyT(func(e any) map[string]string { return e.(hostconf.HistoryEntry).Map() }).(pulumi.StringMapOutput)
	c.PreviousRelease = releaseID.ApplyT(func(id string) map[string]string {
		prev, ok := history.Previous(id)
		if !ok {
			return map[string]string{}
		}
		return prev.Map()
	}).(pulumi.StringMapOutput)
	newHistory := current.ApplyT(func(e any) string {
		return history.After(e.(hostconf.HistoryEntry), args.ReleasesKept).Fit(hostconf.HistoryBytes).String()
	}).(pulumi.StringOutput)
	if err := newReleaseHistory(ctx, name, args, newHistory, parent); err != nil {
		return nil, err
	}

	c.AppSecretArn = appSecret.secret.Arn
	c.ReleaseBucket = store.bucket.Bucket
	c.LatestAMI = def.ami.latest
	c.HealthNamespace = pulumi.String(HealthNamespace(args.ParameterPrefix)).ToStringOutput()
	c.HealthMetric = pulumi.String(awsfacts.HealthMetricName).ToStringOutput()
	for k, v := range map[string]pulumi.Output{
		"ami":             c.AMI,
		"latestAmi":       c.LatestAMI,
		"url":             c.URL,
		"sessionCommand":  c.SessionCommand,
		"appSecretArn":    c.AppSecretArn,
		"releaseBucket":   c.ReleaseBucket,
		"version":         c.Version,
		"release":         c.Release,
		"previousRelease": c.PreviousRelease,
		"healthNamespace": c.HealthNamespace,
		"healthMetric":    c.HealthMetric,
	} {
		outputs[k] = v
	}
	if err := ctx.RegisterResourceOutputs(c, outputs); err != nil {
		return nil, fmt.Errorf("registering compute outputs: %w", err)
	}
	return c, nil
}

// newSingleHost runs the host definition on one instance with an Elastic
// IP, and rolls out a release by the association that swaps containers on
// it.
// The result resolves once the rollout has succeeded.
func (c *Compute) newSingleHost(ctx *pulumi.Context, name string, args Args, def hostDefinition, in rolloutInputs, outputs pulumi.Map, parent pulumi.ResourceOption) (pulumi.Output, error) {
	host, err := newHost(ctx, name, args, def, parent)
	if err != nil {
		return nil, err
	}
	if err := newDNSRecord(ctx, name, args, host.eip, parent); err != nil {
		return nil, err
	}
	rollout, err := newRollout(ctx, name, host.instance, in, def.identity, parent)
	if err != nil {
		return nil, err
	}

	c.InstanceID = host.instance.ID().ToStringOutput()
	c.PublicIP = host.eip.PublicIp
	c.URL = host.eip.PublicIp.ApplyT(func(ip string) string { return URL(ip, args.HostPort, args.Domain) }).(pulumi.StringOutput)
	c.SessionTarget = c.InstanceID
	c.SessionCommand = pulumi.Sprintf("aws ssm start-session --region %s --target %s", args.Region, c.InstanceID)
	c.AMI = host.instance.Ami
	outputs["instanceId"] = c.InstanceID
	outputs["publicIp"] = c.PublicIP
	return rollout.ID(), nil
}

// newScaledHosts runs the host definition in an Auto Scaling group behind
// a load balancer; a release is a new launch template version, which the
// rollout step rolls out by an instance refresh. The result resolves once
// it has succeeded.
func (c *Compute) newScaledHosts(ctx *pulumi.Context, name string, args Args, def hostDefinition, in rolloutInputs, logGroup pulumi.StringOutput, outputs pulumi.Map, parent pulumi.ResourceOption) (pulumi.Output, error) {
	balancer, err := newLoadBalancer(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	group, err := newGroup(ctx, name, args, def, in, balancer, logGroup, parent)
	if err != nil {
		return nil, err
	}
	if err := newAliasRecord(ctx, name, args, balancer.lb, parent); err != nil {
		return nil, err
	}

	c.URL = balancer.lb.DnsName.ApplyT(func(dns string) string { return URL(dns, args.HostPort, args.Domain) }).(pulumi.StringOutput)
	c.AutoScalingGroupName = group.group.Name
	c.SessionTarget = c.AutoScalingGroupName.ApplyT(func(g string) string { return HostPicker(args.Region, g) }).(pulumi.StringOutput)
	c.SessionCommand = pulumi.Sprintf("aws ssm start-session --region %s --target %s", args.Region, c.SessionTarget)
	c.AMI = group.template.ImageId.Elem()
	c.LoadBalancerDNS = balancer.lb.DnsName
	c.LoadBalancerArnSuffix = balancer.lb.ArnSuffix
	c.TargetGroupArnSuffix = balancer.targetGroup.ArnSuffix
	outputs["loadBalancerDns"] = c.LoadBalancerDNS
	outputs["loadBalancerArnSuffix"] = c.LoadBalancerArnSuffix
	outputs["targetGroupArnSuffix"] = c.TargetGroupArnSuffix
	outputs["autoScalingGroupName"] = c.AutoScalingGroupName
	if args.Domain != "" {
		c.CertificateValidation = balancer.certificateValidation
		outputs["certificateValidation"] = c.CertificateValidation
	}
	return group.rolledOut, nil
}

// hostContainerSettings are the container settings every host reads. Behind
// a load balancer the domain is not the host's: TLS ends at the load
// balancer, and the host's proxy serves plain HTTP on app.hostPort, taking
// the client's address and scheme from the load balancer's headers.
func hostContainerSettings(args Args) hostconf.ContainerSettings {
	app := args.App
	domain, trusted := app.Domain, []string(nil)
	if app.LoadBalanced() {
		domain, trusted = "", []string{args.VpcCIDR}
	}
	return hostconf.ContainerSettings{
		HostPort: app.HostPort, ContainerPort: app.ContainerPort, HealthCheckPath: app.HealthCheckPath,
		HealthCheckTimeout: app.HealthCheckTimeout, HealthCheckInterval: app.HealthCheckInterval, HealthCheckRetries: app.HealthCheckRetries,
		DrainSeconds: app.DrainSeconds, ProxyImage: app.ProxyImage, Domain: domain,
		SlotPorts: awsfacts.AppSlotPorts, ProxyAdminPort: awsfacts.ProxyAdminPort,
		Environment: app.Environment, TrustedProxies: trusted,
	}
}

// URL is the application's address: its domain over HTTPS when it has one,
// else the host's IP (or the load balancer's name) and port over plain
// HTTP.
func URL(ip string, port int, domain string) string {
	if domain != "" {
		return "https://" + domain
	}
	if port == 80 {
		return "http://" + ip
	}
	return fmt.Sprintf("http://%s:%d", ip, port)
}
