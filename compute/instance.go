package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// AMIParameter is AWS's public SSM parameter naming the latest Amazon Linux
// 2023 AMI for an architecture ("x86_64" or "arm64").
func AMIParameter(arch string) string {
	return "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-" + arch
}

// amiChoice is the AMI new hosts boot.
type amiChoice struct {
	// ami is app.amiId, or else the latest Amazon Linux 2023.
	ami pulumi.StringOutput
	// latest is the newest Amazon Linux 2023 AMI for the host's
	// architecture, as of this run.
	latest pulumi.StringOutput
	// keep says an existing host (or launch template) keeps the AMI it was
	// created with: unpinned, a new Amazon Linux release must not replace
	// the hosts at an unrelated `pulumi up`. Pinning app.amiId (for
	// example to latestAmi) is how the user moves on.
	keep bool
}

// chooseAMI reads the latest Amazon Linux 2023 for the instance type's
// architecture on every run, as a plain value (the parameter is public;
// the provider's `value` would show as a secret in previews); it is shown
// as an output so the user sees when a newer release is waiting.
func chooseAMI(ctx *pulumi.Context, args Args) amiChoice {
	latest := ssm.LookupParameterOutput(ctx, ssm.LookupParameterOutputArgs{
		Name: pulumi.String(AMIParameter(awsfacts.Architecture(args.InstanceType))),
	}).InsecureValue()
	if args.AMIID != "" {
		return amiChoice{ami: pulumi.String(args.AMIID).ToStringOutput(), latest: latest}
	}
	return amiChoice{ami: latest, latest: latest, keep: true}
}

// hostDefinition is what every host is made from, alone or in a group.
type hostDefinition struct {
	ami      amiChoice
	userData pulumi.StringOutput
	identity *hostIdentity
	// waitFor must exist before a host boots.
	waitFor []pulumi.Resource
}

type hostInstance struct {
	instance *ec2.Instance
	eip      *ec2.Eip
}

// newHost creates the host's network interface and Elastic IP first, then
// the instance on that interface: the Elastic IP is bound before the host
// boots, so cloud-init has a route out from its first second.
func newHost(ctx *pulumi.Context, name string, args Args, def hostDefinition, parent pulumi.ResourceOption) (*hostInstance, error) {
	var amiOpts []pulumi.ResourceOption
	if def.ami.keep {
		amiOpts = append(amiOpts, pulumi.IgnoreChanges([]string{"ami"}))
	}

	eni, err := ec2.NewNetworkInterface(ctx, name+"-host", &ec2.NetworkInterfaceArgs{
		SubnetId:       args.SubnetIDs.ToStringArrayOutput().Index(pulumi.Int(0)),
		SecurityGroups: pulumi.StringArray{args.SecurityGroupID},
		Description:    pulumi.String("rds-app application host"),
		Tags:           pulumi.StringMap{"Name": pulumi.String(name + "-host")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating host network interface: %w", err)
	}
	eip, err := ec2.NewEip(ctx, name+"-host", &ec2.EipArgs{
		Domain:           pulumi.String("vpc"),
		NetworkInterface: eni.ID(),
		Tags:             pulumi.StringMap{"Name": pulumi.String(name + "-host")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating Elastic IP: %w", err)
	}

	deps := append(append([]pulumi.Resource{eip}, def.identity.grants...), def.waitFor...)
	instance, err := ec2.NewInstance(ctx, name+"-host", &ec2.InstanceArgs{
		Ami:                def.ami.ami,
		InstanceType:       pulumi.String(args.InstanceType),
		IamInstanceProfile: def.identity.profile.Name,
		// No key pair: shell access is through Session Manager only.
		NetworkInterfaces: ec2.InstanceNetworkInterfaceArray{ec2.InstanceNetworkInterfaceArgs{
			DeviceIndex:         pulumi.Int(0),
			NetworkInterfaceId:  eni.ID(),
			DeleteOnTermination: pulumi.Bool(false),
		}},
		// IMDSv2 only, one hop: the container (one hop further) cannot
		// reach the instance role's credentials; the host makes all AWS calls.
		MetadataOptions: ec2.InstanceMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
		},
		RootBlockDevice: ec2.InstanceRootBlockDeviceArgs{
			VolumeType:          pulumi.String("gp3"),
			VolumeSize:          pulumi.Int(args.RootVolumeSize),
			Encrypted:           pulumi.Bool(true),
			DeleteOnTermination: pulumi.Bool(true),
		},
		// Gzipped cloud-config, base64 (EncodeUserData).
		UserDataBase64: def.userData,
		// cloud-init applies user-data at first boot only, so a change must
		// replace the host to take effect. The image is not in user-data:
		// rolling out an image never replaces the host.
		UserDataReplaceOnChange: pulumi.Bool(true),
		Tags:                    pulumi.StringMap{"Name": pulumi.String(name + "-host")},
	}, append(amiOpts, parent,
		pulumi.DependsOn(deps),
		// The network interface (and with it the Elastic IP) can only be
		// attached to one instance at a time.
		pulumi.DeleteBeforeReplace(true))...)
	if err != nil {
		return nil, fmt.Errorf("creating host instance: %w", err)
	}
	return &hostInstance{instance: instance, eip: eip}, nil
}
