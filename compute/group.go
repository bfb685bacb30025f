package compute

// The hosts behind the load balancer: the single host's definition (AMI
// choice, instance type, IAM, metadata options, root volume, user-data) as
// a launch template, run by an Auto Scaling group across the public
// subnets, and target tracking when app.scaling asks for it.
//
// A deploy is a new launch template version: the template's instance tags
// name the version of the release record that holds the release (image,
// container settings, both secrets' versions), so anything the container
// must see makes a new template version, and a host boots exactly the
// release its version names. The group itself is never moved to the new
// version by Pulumi: the program's rollout step (GroupRoller) starts an
// instance refresh with the new version as its desired configuration,
// launching each new host before it retires an old one, and waits for it.
// Only a successful refresh moves the group; a failed one rolls back and
// leaves the group, and so every host it launches later, on the previous
// release.

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/awsfacts"

	"github.com/rds-app/rds-app/config"
)

const (
	// RootDeviceName is Amazon Linux 2023's root device on both
	// architectures: a launch template sets the root volume by naming it
	// (an instance's root block device needs no name).
	RootDeviceName = "/dev/xvda"
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
	// passes its health check but fails under traffic, and to cancel it
	// (`pulumi cancel`, or Ctrl-C and cancelling the refresh) before it
	// reaches every host.
	RefreshCheckpointDelaySeconds = 300
)

// RefreshCheckpoints are the percentages of the group at which a refresh
// pauses for RefreshCheckpointDelaySeconds.
var RefreshCheckpoints = []int{50, 100}

// GroupRollout is what rolling a group out to a release asks: start an
// instance refresh of Group to TemplateID's Version as its desired
// configuration, with these preferences and auto rollback, and wait for it
// at most Timeout.
type GroupRollout struct {
	// Region is the group's; Profile the AWS profile the provider is
	// configured with (aws:profile), "" for the default credentials.
	Region, Profile   string
	Group, TemplateID string
	Version           int
	// MinHealthyPercentage and MaxHealthyPercentage bound the group's
	// capacity in service during the refresh.
	MinHealthyPercentage, MaxHealthyPercentage int
	// CheckpointPercentages pause the refresh for CheckpointDelaySeconds.
	CheckpointPercentages  []int
	CheckpointDelaySeconds int
	// InstanceWarmupSeconds is how long a new host serves before the next
	// old one is retired.
	InstanceWarmupSeconds int
	// SkipMatching leaves hosts already on Version alone.
	SkipMatching bool
	// TargetGroupArn is the load balancer's target group: the failing
	// hosts' last health check comes from it.
	TargetGroupArn string
	// LogGroup has the hosts' container logs; a failure names it.
	LogGroup string
	// Timeout bounds the wait (app.refreshTimeout).
	Timeout time.Duration
	// Progress receives the refresh's progress, a line at a time: it
	// shows in `pulumi up`'s output, on the group.
	Progress io.Writer
}

// GroupRoller rolls a group out and returns once the refresh has
// succeeded, or with why it did not (the refresh then rolled back).
type GroupRoller func(ctx context.Context, r GroupRollout) error

// groupRollout is the rollout of a group to version of template.
func groupRollout(args Args, group, template string, version int, targetGroup, logGroup string) GroupRollout {
	return GroupRollout{
		Region: args.Region, Profile: args.AWSProfile,
		Group: group, TemplateID: template, Version: version,
		// Launch before terminate: every old host serves until its
		// replacement passes the health check, so a deploy drops no
		// capacity, and a release that never gets healthy replaces no one.
		MinHealthyPercentage: 100, MaxHealthyPercentage: 200,
		CheckpointPercentages:  RefreshCheckpoints,
		CheckpointDelaySeconds: RefreshCheckpointDelaySeconds,
		InstanceWarmupSeconds:  RefreshWarmupSeconds,
		// Hosts already on the new version (launched by a scale-out during
		// the refresh) are not replaced again.
		SkipMatching:   true,
		TargetGroupArn: targetGroup,
		LogGroup:       logGroup,
		Timeout:        time.Duration(args.RefreshTimeout) * time.Second,
	}
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
	// rolledOut is the template version the group runs once the rollout
	// step has moved it there; it fails when the rollout does.
	rolledOut pulumi.IntOutput
}

// newGroup creates the launch template, the Auto Scaling group and, with
// app.scaling, its target tracking policy, and rolls the group out to the
// template's newest version.
func newGroup(ctx *pulumi.Context, name string, args Args, def hostDefinition, in rolloutInputs, balancer *loadBalancer, logGroup pulumi.StringOutput, parent pulumi.ResourceOption) (*hostGroup, error) {
	// The record holds the release, the secrets their values and the role
	// its grants before a host of a new version boots. Through the
	// database secret's version (in the release) the template also waits
	// for the database on a first deploy, unlike a single host: a host
	// that waited for it would outlast its grace period and be replaced,
	// over and over.
	deps := append(append(append([]pulumi.Resource{}, def.identity.grants...), in.written...), def.waitFor...)
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
			// The host reads its release (ReleaseTag) there.
			InstanceMetadataTags: pulumi.String("enabled"),
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
				Tags:         pulumi.StringMap{"Name": hostName, hostconf.ReleaseTag: in.recordVersion, hostconf.ReleaseIDTag: in.releaseID},
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
		pulumi.DependsOn([]pulumi.Resource{balancer.forwarding}),
		// The rollout step moves the group to a new template version, by a
		// refresh whose desired configuration it is, and only when the
		// refresh succeeds. The provider would move it first and refresh
		// after (hashicorp/terraform-provider-aws#34189), so that a failed
		// refresh's rollback would restore the new version.
		pulumi.IgnoreChanges([]string{"launchTemplate.version"})}
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
			// A version number, never $Latest or $Default: a scale-out or a
			// replaced host boots the release the group runs, not the newest
			// one configured. Set when the group is created; the rollout
			// step moves it.
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
		// health check: on creation, and when the minimum changes. A
		// release is the rollout step's, below.
		WaitForElbCapacity:     pulumi.Int(minSize),
		WaitForCapacityTimeout: pulumi.String(fmt.Sprintf("%ds", RolloutWaitSeconds)),
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
	rolledOut := rollGroup(ctx, args, group, template, balancer, logGroup)
	return &hostGroup{template: template, group: group, rolledOut: rolledOut}, nil
}

// rollGroup is the rollout step: once the group and the template's newest
// version exist, during `pulumi up` (never a preview), it hands them to
// args.RollGroup and waits. Its result is the version the group runs; an
// error fails the program, so `pulumi up` fails and deletes nothing it
// would have deleted at its end (the old database rules, releases that
// are no longer kept).
func rollGroup(ctx *pulumi.Context, args Args, group *autoscaling.Group, template *ec2.LaunchTemplate, balancer *loadBalancer, logGroup pulumi.StringOutput) pulumi.IntOutput {
	return pulumi.All(group.Name, template.ID(), template.LatestVersion, balancer.targetGroup.Arn, logGroup).ApplyTWithContext(ctx.Context(),
		func(c context.Context, vs []any) (int, error) {
			version := vs[2].(int)
			if ctx.DryRun() || args.RollGroup == nil {
				return version, nil
			}
			r := groupRollout(args, vs[0].(string), string(vs[1].(pulumi.ID)), version, vs[3].(string), vs[4].(string))
			r.Progress = logLines{ctx: ctx, resource: group}
			if err := args.RollGroup(c, r); err != nil {
				return 0, fmt.Errorf("rolling out launch template version %d to the group %s: %w", version, r.Group, err)
			}
			return version, nil
		}).(pulumi.IntOutput)
}

// logLines writes each line it is given to `pulumi up`'s output, as an
// info message of resource.
type logLines struct {
	ctx      *pulumi.Context
	resource pulumi.Resource
}

func (l logLines) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line != "" {
			_ = l.ctx.Log.Info(line, &pulumi.LogArgs{Resource: l.resource})
		}
	}
	return len(p), nil
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
