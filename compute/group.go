package compute

// The hosts behind the load balancer: the single host's definition (AMI
// choice, instance type, IAM, metadata options, root volume, user-data) as
// a launch template, run by an Auto Scaling group across the public
// subnets, and target tracking when app.scaling asks for it.
//
// A deploy is a new launch template version: the template's instance tags
// carry a digest of the release (image, container settings) and of both
// secrets' versions, so anything the container must see makes a new
// version, and the group rolls it out by an instance refresh that launches
// each new host before it retires an old one. The hosts read the release
// from the same SSM parameters as a single host, at boot.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/awsfacts"

	"github.com/rds-app/rds-app/config"
)

const (
	// RootDeviceName is Amazon Linux 2023's root device on both
	// architectures: a launch template sets the root volume by naming it
	// (an instance's root block device needs no name).
	RootDeviceName = "/dev/xvda"
	// ReleaseTag is the instance tag holding ReleaseDigest: it makes a new
	// launch template version for every release, and tells which release
	// a host was launched for.
	ReleaseTag = "rds-app:release"
	// HostBootSeconds bounds a new host's way to a running container: EC2
	// boot, cloud-init installing Docker, pulling the proxy and the
	// application images.
	HostBootSeconds = 300
	// RefreshWarmupSeconds is how long an instance refresh lets a new host
	// serve, once it has passed the load balancer's health check, before
	// it retires the next old one: time for connection pools and caches to
	// fill under real traffic.
	RefreshWarmupSeconds = 60
	// RefreshCheckpointDelaySeconds is how long a refresh pauses at each
	// checkpoint: half the hosts serve the new release for five minutes
	// before the other half are replaced, time to see a release that
	// passes its health check but fails under traffic, and to deploy the
	// previous image (which cancels the refresh) before it reaches every
	// host.
	RefreshCheckpointDelaySeconds = 300
)

// RefreshCheckpoints are the percentages of the group at which a refresh
// pauses for RefreshCheckpointDelaySeconds.
var RefreshCheckpoints = []int{50, 100}

// ReleaseDigest names what RolloutCommand names on a single host: the
// image, the container settings and both secrets' version IDs (none of
// them secret).
func ReleaseDigest(r Release, databaseSecretVersion, appSecretVersion string) string {
	// A JSON array: no choice of values can make two releases read alike.
	text, err := json.Marshal([]string{r.Image, r.Container, databaseSecretVersion, appSecretVersion})
	if err != nil {
		panic(err) // strings always marshal
	}
	sum := sha256.Sum256(text)
	return hex.EncodeToString(sum[:16])
}

// GracePeriod is how long, in seconds, a new host may fail the load
// balancer's health check before the group replaces it: the boot, then
// app.healthCheckTimeout for the container to answer, as on a single host.
func GracePeriod(app config.App) int { return HostBootSeconds + app.HealthCheckTimeout }

// InServiceHostQuery picks, from `aws autoscaling
// describe-auto-scaling-groups` for one group, the ID of its first host in
// service (JMESPath); rds-app-db asks the same.
const InServiceHostQuery = awsfacts.InServiceHostQuery

// HostPicker is a shell command substitution that prints the ID of one of
// the group's hosts in service, for `aws ssm start-session --target`.
// Hosts come and go, so it is asked when the command runs.
func HostPicker(region, group string) string {
	return fmt.Sprintf(`"$(aws autoscaling describe-auto-scaling-groups --region %s --auto-scaling-group-names %s --query "%s" --output text)"`,
		region, group, InServiceHostQuery)
}

type hostGroup struct {
	template *ec2.LaunchTemplate
	group    *autoscaling.Group
}

// newGroup creates the launch template, the Auto Scaling group and, with
// app.scaling, its target tracking policy.
func newGroup(ctx *pulumi.Context, name string, args Args, def hostDefinition, release Release, in rolloutInputs, balancer *loadBalancer, parent pulumi.ResourceOption) (*hostGroup, error) {
	digest := pulumi.All(in.image, in.databaseSecretVersion, in.appSecretVersion).ApplyT(func(vs []any) string {
		return ReleaseDigest(release.withImage(vs[0].(string)), vs[1].(string), vs[2].(string))
	}).(pulumi.StringOutput)

	// The parameters hold the release, the secret its value and the role
	// its grants before a host of a new version boots. Through the
	// database secret's version the template also waits for the database
	// on a first deploy, unlike a single host: a host that waited for it
	// would outlast its grace period and be replaced, over and over.
	deps := append(append(append([]pulumi.Resource{}, def.identity.grants...), in.parameters...), def.waitFor...)
	templateOpts := []pulumi.ResourceOption{parent, pulumi.DependsOn(deps)}
	if def.ami.keep {
		// Resolved once, when the template is created, and kept: a new
		// Amazon Linux release in AWS's public parameter must not make a new
		// version, and so replace every host, at an unrelated `pulumi up`
		// (nor ride along with a deploy). The template does not name the
		// parameter itself ("resolve:ssm:"), which would give each host the
		// AMI of the day it launched: hosts of one group on different AMIs,
		// one nobody tested arriving with a scale-out, and no rollback (AWS
		// cannot roll back a refresh of such a template). Pinning app.amiId
		// moves the group, by a refresh.
		templateOpts = append(templateOpts, pulumi.IgnoreChanges([]string{"imageId"}))
	}
	hostName := pulumi.String(name + "-host")
	template, err := ec2.NewLaunchTemplate(ctx, name+"-host", &ec2.LaunchTemplateArgs{
		Description:  pulumi.String("rds-app application host"),
		ImageId:      def.ami.ami,
		InstanceType: pulumi.String(args.InstanceType),
		IamInstanceProfile: ec2.LaunchTemplateIamInstanceProfileArgs{
			Name: def.identity.profile.Name,
		},
		// No key pair: shell access is through Session Manager only.
		// IMDSv2 only, one hop, as on a single host: the container cannot
		// reach the instance role's credentials.
		MetadataOptions: ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String(RootDeviceName),
			Ebs: ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeType:          pulumi.String("gp3"),
				VolumeSize:          pulumi.Int(args.RootVolumeSize),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		NetworkInterfaces: ec2.LaunchTemplateNetworkInterfaceArray{ec2.LaunchTemplateNetworkInterfaceArgs{
			DeviceIndex: pulumi.Int(0),
			// The VPC has no NAT gateway: a public address is the hosts'
			// way out (AWS APIs, image pulls). Nothing comes in by it: their
			// security group admits the load balancer's group only.
			AssociatePublicIpAddress: pulumi.String("true"),
			SecurityGroups:           pulumi.StringArray{args.SecurityGroupID},
			DeleteOnTermination:      pulumi.String("true"),
		}},
		// The single host's user-data, to the byte (EncodeUserData).
		UserData: def.userData,
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			ec2.LaunchTemplateTagSpecificationArgs{
				ResourceType: pulumi.String("instance"),
				Tags:         pulumi.StringMap{"Name": hostName, ReleaseTag: digest},
			},
			ec2.LaunchTemplateTagSpecificationArgs{
				ResourceType: pulumi.String("volume"),
				Tags:         pulumi.StringMap{"Name": hostName},
			},
		},
		UpdateDefaultVersion: pulumi.Bool(true),
		Tags:                 pulumi.StringMap{"Name": hostName},
	}, templateOpts...)
	if err != nil {
		return nil, fmt.Errorf("creating host launch template: %w", err)
	}

	minSize, desired, maxSize := args.Capacity()
	groupOpts := []pulumi.ResourceOption{parent,
		// The load balancer checks the target group's health only once a
		// listener forwards to it; before, the group would wait in vain.
		pulumi.DependsOn([]pulumi.Resource{balancer.forwarding})}
	if args.Scaling != nil {
		// Target tracking moves the desired capacity; setting it back to
		// app.scaling.min at every `pulumi up` would take hosts away under
		// load. A change of min or max still applies: AWS moves the desired
		// capacity into the new bounds.
		groupOpts = append(groupOpts, pulumi.IgnoreChanges([]string{"desiredCapacity"}))
	}
	grace := GracePeriod(args.App)
	group, err := autoscaling.NewGroup(ctx, name+"-hosts", &autoscaling.GroupArgs{
		VpcZoneIdentifiers: args.SubnetIDs,
		MinSize:            pulumi.Int(minSize),
		DesiredCapacity:    pulumi.Int(desired),
		MaxSize:            pulumi.Int(maxSize),
		LaunchTemplate: autoscaling.GroupLaunchTemplateArgs{
			Id: template.ID(),
			// A version number, never $Latest: a new version then changes the
			// group, which starts the refresh.
			Version: template.LatestVersion.ApplyT(strconv.Itoa).(pulumi.StringOutput),
		},
		TargetGroupArns: pulumi.StringArray{balancer.targetGroup.Arn},
		// A host whose application stops answering is replaced, not only
		// one whose instance fails.
		HealthCheckType:        pulumi.String("ELB"),
		HealthCheckGracePeriod: pulumi.Int(grace),
		// Target tracking leaves a new host's metrics out for as long:
		// its boot (image pulls) is not load.
		DefaultInstanceWarmup: pulumi.Int(grace),
		// `pulumi up` waits, as long as for a single host's rollout, until
		// app.scaling.min (or app.hosts) hosts pass the load balancer's
		// health check: on creation, and when the minimum changes. It does
		// not wait for an instance refresh (the provider starts it and
		// returns).
		WaitForElbCapacity:     pulumi.Int(minSize),
		WaitForCapacityTimeout: pulumi.String(fmt.Sprintf("%ds", RolloutWaitSeconds)),
		InstanceRefresh: autoscaling.GroupInstanceRefreshArgs{
			Strategy: pulumi.String("Rolling"),
			Preferences: autoscaling.GroupInstanceRefreshPreferencesArgs{
				// Launch before terminate: every old host serves until its
				// replacement passes the health check, so a deploy drops no
				// capacity, and a release that never gets healthy replaces
				// no one.
				MinHealthyPercentage: pulumi.Int(100),
				MaxHealthyPercentage: pulumi.Int(200),
				CheckpointPercentages: pulumi.IntArray{
					pulumi.Int(RefreshCheckpoints[0]), pulumi.Int(RefreshCheckpoints[1]),
				},
				CheckpointDelay: pulumi.String(strconv.Itoa(RefreshCheckpointDelaySeconds)),
				InstanceWarmup:  pulumi.String(strconv.Itoa(RefreshWarmupSeconds)),
				// A failed refresh returns the hosts it replaced to the
				// group's configuration from before it began. Two limits:
				// the provider sets the group's new template version before
				// it starts the refresh (hashicorp/terraform-provider-aws
				// #34189), so that configuration is already the new one;
				// and every host reads the image from SSM at boot. The
				// previous release comes back by deploying it; what keeps a
				// bad one from taking the site down is launch before
				// terminate, above.
				AutoRollback: pulumi.Bool(true),
				// Hosts already on the new version (launched by a scale-out
				// during the refresh) are not replaced again.
				SkipMatching: pulumi.Bool(true),
			},
		},
		Tags: autoscaling.GroupTagArray{autoscaling.GroupTagArgs{
			Key:               pulumi.String("Name"),
			Value:             hostName,
			PropagateAtLaunch: pulumi.Bool(true),
		}},
	}, groupOpts...)
	if err != nil {
		return nil, fmt.Errorf("creating host Auto Scaling group: %w", err)
	}
	if err := newScalingPolicy(ctx, name, args, group, balancer, parent); err != nil {
		return nil, err
	}
	return &hostGroup{template: template, group: group}, nil
}

// newScalingPolicy keeps the group's average CPU at app.scaling.targetCpu,
// or the load balancer's requests per host and minute at
// app.scaling.targetRequests, by adding and removing hosts within min and
// max. Without app.scaling the group has a fixed size and no policy.
func newScalingPolicy(ctx *pulumi.Context, name string, args Args, group *autoscaling.Group, balancer *loadBalancer, parent pulumi.ResourceOption) error {
	sc := args.Scaling
	if sc == nil {
		return nil
	}
	metric := autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs{
		PredefinedMetricType: pulumi.String("ASGAverageCPUUtilization"),
	}
	target := sc.TargetCPU
	if sc.TargetRequests > 0 {
		metric = autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs{
			PredefinedMetricType: pulumi.String("ALBRequestCountPerTarget"),
			// "<load balancer>/<target group>", by their ARN suffixes.
			ResourceLabel: pulumi.Sprintf("%s/%s", balancer.lb.ArnSuffix, balancer.targetGroup.ArnSuffix),
		}
		target = sc.TargetRequests
	}
	if _, err := autoscaling.NewPolicy(ctx, name+"-scaling", &autoscaling.PolicyArgs{
		AutoscalingGroupName: group.Name,
		PolicyType:           pulumi.String("TargetTrackingScaling"),
		TargetTrackingConfiguration: autoscaling.PolicyTargetTrackingConfigurationArgs{
			PredefinedMetricSpecification: metric,
			TargetValue:                   pulumi.Float64(float64(target)),
			// The group shrinks back to min when the load goes.
			DisableScaleIn: pulumi.Bool(false),
		},
	}, parent); err != nil {
		return fmt.Errorf("creating scaling policy: %w", err)
	}
	return nil
}
