package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/rds-app/rds-app/compute/hostconf"
)

// rolloutLogLines is how much of the unit's journal a failed rollout
// prints: the deploy's own error, which names the log group, and the new
// container's last 50 lines, so they are in the association's output.
const rolloutLogLines = 80

// RolloutCommand is what the host runs when anything the container sees
// changes: reload the unit (which reads the newest release record, both
// secrets by the versions it names, pulls, starts the new container beside
// the old one and switches the proxy to it once it is healthy) if it is
// running; before the first start it does nothing, as the first start reads
// the release anyway. A failed reload prints the unit's last journal lines.
// The command names the release (its ID digests the image, the container
// settings and both secrets' version IDs, none of them secret) and the
// record's version, so that any change of them changes the command and so
// runs it again.
func RolloutCommand(image, releaseID, recordVersion string) string {
	return fmt.Sprintf("systemctl try-reload-or-restart %s || { journalctl --unit %s --lines %d --no-pager --output cat; exit 1; } # release: %s (record version %s); image: %s",
		hostconf.UnitName, hostconf.UnitName, rolloutLogLines, releaseID, recordVersion, image)
}

// RolloutWaitSeconds bounds how long `pulumi up` waits for a rollout: the
// host registering with Systems Manager on a first deploy, the image pull,
// and the container starting to answer.
const RolloutWaitSeconds = 1200

// rolloutInputs are what the rollout waits for and follows.
type rolloutInputs struct {
	// image is the release's image, with its digest.
	image pulumi.StringOutput
	// releaseID is the release's ID (ReleaseDigest), recordVersion the
	// version of the release record that holds it.
	releaseID, recordVersion pulumi.StringOutput
	// written hold the release; they are written before the host is told.
	written []pulumi.Resource
}

// newRollout creates an SSM State Manager association that runs
// RolloutCommand on the host. An association runs when it is created and
// whenever it changes, and its command changes with anything the container
// sees, so such a change reaches the running container (a new container on
// the same host) while the instance, its user-data and its address stay as
// they are.
func newRollout(ctx *pulumi.Context, name string, instance *ec2.Instance, in rolloutInputs, identity *hostIdentity, parent pulumi.ResourceOption) (*ssm.Association, error) {
	command := pulumi.All(in.image, in.releaseID, in.recordVersion).ApplyT(func(vs []any) string {
		return RolloutCommand(vs[0].(string), vs[1].(string), vs[2].(string))
	}).(pulumi.StringOutput)
	deps := append(append([]pulumi.Resource{identity.profile}, in.written...), identity.grants...)
	association, err := ssm.NewAssociation(ctx, name+"-rollout", &ssm.AssociationArgs{
		Name: pulumi.String("AWS-RunShellScript"),
		Targets: ssm.AssociationTargetArray{ssm.AssociationTargetArgs{
			Key:    pulumi.String("InstanceIds"),
			Values: pulumi.StringArray{instance.ID().ToStringOutput()},
		}},
		Parameters: pulumi.StringMap{
			"commands":         command,
			"executionTimeout": pulumi.String("1800"),
		},
		MaxConcurrency: pulumi.String("1"),
		MaxErrors:      pulumi.String("0"),
		// `pulumi up` waits for the rollout and fails with it: the start
		// script fails unless the new container answers HTTP. The journal
		// (journalctl -u rds-app) and the container's log group say why.
		WaitForSuccessTimeoutSeconds: pulumi.Int(RolloutWaitSeconds),
	}, parent,
		// The record must hold the new release before the host is told,
		// and the host must be allowed to read it (and the secrets, and to
		// run as a managed instance) before the command runs on a first
		// deploy.
		pulumi.DependsOn(deps))
	if err != nil {
		return nil, fmt.Errorf("creating rollout association: %w", err)
	}
	return association, nil
}
