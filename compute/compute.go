// Package compute owns the application host: an EC2 instance that runs the
// application's container with the database settings injected at start,
// its IAM role, its Elastic IP, its log group, the generated application
// secrets, the SSM parameter and association that roll out a new image on
// the same host (a health-gated blue/green swap behind the host's proxy,
// Caddy), and the domain's DNS record.
//
// New calls the steps in a fixed order; each AWS concern has its own file.
// userdata.go renders the boot configuration, container.go the settings
// every deploy reads, and proxy.go the proxy's configuration.
package compute

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

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

	// SubnetIDs are the public subnets, one per zone: a single host lives
	// in the first, an Auto Scaling group and its load balancer span all.
	SubnetIDs pulumi.StringArrayInput
	// VpcID is the VPC (the load balancer's target group lives in it).
	VpcID pulumi.StringInput
	// SecurityGroupID is the hosts' security group.
	SecurityGroupID pulumi.StringInput
	// LoadBalancerSecurityGroupID is the load balancer's security group
	// (app.LoadBalanced() only).
	LoadBalancerSecurityGroupID pulumi.StringInput
	// DatabaseConnectArn, when set, is the rds-db:connect resource the
	// hosts' role may use (database.proxyIamAuth).
	DatabaseConnectArn pulumi.StringInput
	// DatabaseSecretArn is the secret holding the connection JSON.
	DatabaseSecretArn pulumi.StringInput
	// DatabaseSecretVersion changes whenever the connection settings do: a
	// change redeploys the container, which reads them at start.
	DatabaseSecretVersion pulumi.StringInput
	// KmsKeyArn encrypts both secrets; the host may decrypt through
	// Secrets Manager only.
	KmsKeyArn pulumi.StringInput
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

	// InstanceID is the EC2 instance ID (the Session Manager target).
	InstanceID pulumi.StringOutput `pulumi:"instanceId"`
	// PublicIP is the Elastic IP; it survives a replacement of the host.
	PublicIP pulumi.StringOutput `pulumi:"publicIp"`
	// URL is where the application answers: https://<domain> with a
	// domain, else http://<Elastic IP>[:port].
	URL pulumi.StringOutput `pulumi:"url"`
	// Version is the image the host serves, as deployed by the rollout; it
	// resolves only once the rollout has succeeded.
	Version pulumi.StringOutput `pulumi:"version"`
	// SessionCommand opens a shell on the host through Session Manager.
	SessionCommand pulumi.StringOutput `pulumi:"sessionCommand"`
	// AppSecretArn is the secret holding the generated application secrets.
	AppSecretArn pulumi.StringOutput `pulumi:"appSecretArn"`
	// ImageParameter is the SSM parameter holding the image reference.
	ImageParameter pulumi.StringOutput `pulumi:"imageParameter"`
	// AMI is the AMI the host runs: the one it was created from, unless
	// app.amiId pins another.
	AMI pulumi.StringOutput `pulumi:"ami"`
	// LatestAMI is the newest Amazon Linux 2023 AMI for the host's
	// architecture; when it differs from AMI, a newer release is waiting.
	LatestAMI pulumi.StringOutput `pulumi:"latestAmi"`
	// HealthNamespace and HealthMetric name the CloudWatch metric the host
	// publishes every minute: 1 while the application answers its health
	// check, 0 while it does not.
	HealthNamespace pulumi.StringOutput `pulumi:"healthNamespace"`
	HealthMetric    pulumi.StringOutput `pulumi:"healthMetric"`
}

// New creates the application host.
func New(ctx *pulumi.Context, name string, cfg config.App, in Inputs, opts ...pulumi.ResourceOption) (*Compute, error) {
	args := Args{App: cfg, Inputs: in}
	image, err := awsfacts.ParseImage(args.Image)
	if err != nil {
		return nil, fmt.Errorf("creating host %q: %w", name, err)
	}
	settings, err := ContainerSettings{
		HostPort: args.HostPort, ContainerPort: args.ContainerPort, HealthCheckPath: args.HealthCheckPath,
		HealthCheckTimeout: args.HealthCheckTimeout, HealthCheckInterval: args.HealthCheckInterval, HealthCheckRetries: args.HealthCheckRetries,
		DrainSeconds: args.DrainSeconds, ProxyImage: args.ProxyImage, Domain: args.Domain,
		SlotPorts: awsfacts.AppSlotPorts, ProxyAdminPort: awsfacts.ProxyAdminPort,
		Environment: args.Environment,
	}.JSON()
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
	imageParam, err := newImageParameter(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	containerParams, err := newContainerParameters(ctx, name, args, settings, parent)
	if err != nil {
		return nil, err
	}
	identity, err := newHostIdentity(ctx, name, args, image, hostResources{
		logGroup: logGroup, appSecret: appSecret.secret, imageParam: imageParam,
	}, parent)
	if err != nil {
		return nil, err
	}
	userData := pulumi.All(args.DatabaseSecretArn, appSecret.secret.Arn, imageParam.Name, logGroup.Name).ApplyT(
		func(vs []any) (string, error) {
			cloudConfig, err := RenderUserData(HostSettings{
				Region:            args.Region,
				DatabaseSecretArn: vs[0].(string),
				AppSecretArn:      vs[1].(string),
				ImageParameter:    vs[2].(string),
				ContainerPath:     ContainerPath(args.ParameterPrefix),
				LogGroup:          vs[3].(string),
				HealthNamespace:   HealthNamespace(args.ParameterPrefix),
			})
			if err != nil {
				return "", err
			}
			return EncodeUserData(cloudConfig)
		}).(pulumi.StringOutput)
	written := []pulumi.Resource{imageParam}
	for _, p := range containerParams {
		written = append(written, p)
	}
	host, err := newHost(ctx, name, args, userData, identity, append([]pulumi.Resource{appSecret.version}, written[1:]...), parent)
	if err != nil {
		return nil, err
	}
	if err := newDNSRecord(ctx, name, args, host.eip, parent); err != nil {
		return nil, err
	}
	release := Release{Image: args.Image, Container: settings}
	rollout, err := newRollout(ctx, name, release, host.instance, rolloutInputs{
		parameters:            written,
		databaseSecretVersion: args.DatabaseSecretVersion,
		appSecretVersion:      appSecret.version.VersionId,
	}, identity, parent)
	if err != nil {
		return nil, err
	}

	c.InstanceID = host.instance.ID().ToStringOutput()
	c.PublicIP = host.eip.PublicIp
	c.URL = host.eip.PublicIp.ApplyT(func(ip string) string { return URL(ip, args.HostPort, args.Domain) }).(pulumi.StringOutput)
	// Known once the rollout has succeeded: the image the host now serves.
	c.Version = rollout.ID().ApplyT(func(pulumi.ID) string { return args.Image }).(pulumi.StringOutput)
	c.SessionCommand = pulumi.Sprintf("aws ssm start-session --region %s --target %s", args.Region, c.InstanceID)
	c.AppSecretArn = appSecret.secret.Arn
	c.ImageParameter = imageParam.Name
	c.AMI = host.instance.Ami
	c.LatestAMI = host.latestAMI
	c.HealthNamespace = pulumi.String(HealthNamespace(args.ParameterPrefix)).ToStringOutput()
	c.HealthMetric = pulumi.String(HealthMetricName).ToStringOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"ami":             c.AMI,
		"latestAmi":       c.LatestAMI,
		"instanceId":      c.InstanceID,
		"publicIp":        c.PublicIP,
		"url":             c.URL,
		"sessionCommand":  c.SessionCommand,
		"appSecretArn":    c.AppSecretArn,
		"imageParameter":  c.ImageParameter,
		"version":         c.Version,
		"healthNamespace": c.HealthNamespace,
		"healthMetric":    c.HealthMetric,
	}); err != nil {
		return nil, fmt.Errorf("registering compute outputs: %w", err)
	}
	return c, nil
}

// URL is the application's address: its domain over HTTPS when it has one,
// else the host's IP and port over plain HTTP.
func URL(ip string, port int, domain string) string {
	if domain != "" {
		return "https://" + domain
	}
	if port == 80 {
		return "http://" + ip
	}
	return fmt.Sprintf("http://%s:%d", ip, port)
}
