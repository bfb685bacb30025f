package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ImageParameterName is the SSM parameter that holds the image reference.
func ImageParameterName(prefix string) string { return prefix + "/image" }

// RolloutCommand is what the host runs when the image changes: reload the
// unit (pull the new image, then replace the container) if it is running.
// Before the first start it does nothing; the first start reads the
// parameter anyway.
func RolloutCommand(image string) string {
	return fmt.Sprintf("systemctl try-reload-or-restart %s # image: %s", UnitName, image)
}

// newImageParameter stores the image reference where the host reads it at
// every start. The name is fixed (per project and stack) because the host
// and the README refer to it.
func newImageParameter(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (*ssm.Parameter, error) {
	p, err := ssm.NewParameter(ctx, name+"-image", &ssm.ParameterArgs{
		Name:        pulumi.String(ImageParameterName(args.ParameterPrefix)),
		Description: pulumi.String("Container image the rds-app host runs; read at every start of " + UnitName),
		Type:        pulumi.String("String"),
		// InsecureValue: an image reference is not secret, so it shows in diffs.
		InsecureValue: pulumi.String(args.Image),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating image parameter: %w", err)
	}
	return p, nil
}

// newRollout creates an SSM State Manager association that runs
// RolloutCommand on the host. An association runs when it is created and
// whenever it changes; its command names the image, so changing only the
// image in config updates the parameter and then the association, and the
// host swaps containers in place: the instance, its user-data and its
// address stay as they are.
func newRollout(ctx *pulumi.Context, name string, args Args, instance *ec2.Instance, param *ssm.Parameter, identity *hostIdentity, parent pulumi.ResourceOption) error {
	if _, err := ssm.NewAssociation(ctx, name+"-rollout", &ssm.AssociationArgs{
		Name: pulumi.String("AWS-RunShellScript"),
		Targets: ssm.AssociationTargetArray{ssm.AssociationTargetArgs{
			Key:    pulumi.String("InstanceIds"),
			Values: pulumi.StringArray{instance.ID().ToStringOutput()},
		}},
		Parameters: pulumi.StringMap{
			"commands":         pulumi.String(RolloutCommand(args.Image)),
			"executionTimeout": pulumi.String("1800"),
		},
		MaxConcurrency: pulumi.String("1"),
		MaxErrors:      pulumi.String("0"),
	}, parent,
		// The parameter must hold the new image before the host is told, and
		// the host must be allowed to read it (and the secrets, and to run
		// as a managed instance) before the command runs on a first deploy.
		pulumi.DependsOn(append([]pulumi.Resource{param, identity.profile}, identity.grants...))); err != nil {
		return fmt.Errorf("creating image rollout association: %w", err)
	}
	return nil
}
