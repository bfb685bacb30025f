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

type hostInstance struct {
	instance *ec2.Instance
	eip      *ec2.Eip
	// latestAMI is the newest Amazon Linux 2023 AMI for the host's
	// architecture, as of this run.
	latestAMI pulumi.StringOutput
}

// newHost creates the host's network interface and Elastic IP first, then
// the instance on that interface: the Elastic IP is bound before the host
// boots, so cloud-init has a route out from its first second.
func newHost(ctx *pulumi.Context, name string, args Args, userData pulumi.StringOutput, identity *hostIdentity, waitFor []pulumi.Resource, parent pulumi.ResourceOption) (*hostInstance, error) {
	// The latest Amazon Linux 2023 for the instance type's architecture is
	// read on every run, as a plain value (the parameter is public; the
	// provider's `value` would show as a secret in previews), and shown as
	// an output so the user sees when a newer release is waiting.
	latest := ssm.LookupParameterOutput(ctx, ssm.LookupParameterOutputArgs{
		Name: pulumi.String(AMIParameter(awsfacts.Architecture(args.InstanceType))),
	}).InsecureValue()
	// Unpinned, the host takes the latest AMI when it is created and keeps
	// it: a new Amazon Linux release must not replace the host (an outage
	// and a new root volume) at an unrelated `pulumi up`. Pinning
	// app.amiId (for example to latestAmi) is how the user moves on.
	ami := latest
	amiOpts := []pulumi.ResourceOption{pulumi.IgnoreChanges([]string{"ami"})}
	if args.AMIID != "" {
		ami = pulumi.String(args.AMIID).ToStringOutput()
		amiOpts = nil
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

	deps := append(append([]pulumi.Resource{eip}, identity.grants...), waitFor...)
	instance, err := ec2.NewInstance(ctx, name+"-host", &ec2.InstanceArgs{
		Ami:                ami,
		InstanceType:       pulumi.String(args.InstanceType),
		IamInstanceProfile: identity.profile.Name,
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
		UserDataBase64: userData,
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
	return &hostInstance{instance: instance, eip: eip, latestAMI: latest}, nil
}
