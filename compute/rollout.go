package compute

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ImageParameterName is the SSM parameter that holds the image reference.
func ImageParameterName(prefix string) string { return prefix + "/image" }

// Release is what a rollout brings to the container, apart from the
// secrets' values: the image, with its digest (releaseImage), and the
// container settings (JSON).
type Release struct {
	Image     string
	Container string
}

// withImage is r naming image.
func (r Release) withImage(image string) Release {
	r.Image = image
	return r
}

// rolloutLogLines is how much of the unit's journal a failed rollout
// prints: the deploy's own error, which names the log group, and the new
// container's last 50 lines, so they are in the association's output.
const rolloutLogLines = 80

// RolloutCommand is what the host runs when anything the container sees
// changes: reload the unit (which re-reads the image, the container
// settings and both secrets, pulls, starts the new container beside the
// old one and switches the proxy to it once it is healthy) if it is
// running; before the first start it does nothing, as the first start reads
// everything anyway. A failed reload prints the unit's last journal lines.
// The command names the image, a digest of the container
// settings and both secrets' current version IDs (which are not secret), so
// that any change of them changes the command and so runs it again.
func RolloutCommand(r Release, databaseSecretVersion, appSecretVersion string) string {
	sum := sha256.Sum256([]byte(r.Container))
	return fmt.Sprintf("systemctl try-reload-or-restart %s || { journalctl --unit %s --lines %d --no-pager --output cat; exit 1; } # image: %s; settings: %s; secrets: %s %s",
		UnitName, UnitName, rolloutLogLines, r.Image, hex.EncodeToString(sum[:6]), databaseSecretVersion, appSecretVersion)
}

// newImageParameter stores the image reference where the host reads it at
// every start. The name is fixed (per project and stack) because the host
// and docs/deploys.md refer to it.
func newImageParameter(ctx *pulumi.Context, name string, args Args, image pulumi.StringOutput, parent pulumi.ResourceOption) (*ssm.Parameter, error) {
	p, err := ssm.NewParameter(ctx, name+"-image", &ssm.ParameterArgs{
		Name:        pulumi.String(ImageParameterName(args.ParameterPrefix)),
		Description: pulumi.String("Container image the rds-app host runs; read at every start of " + UnitName),
		Type:        pulumi.String("String"),
		// InsecureValue: an image reference is not secret, so it shows in diffs.
		InsecureValue: image,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating image parameter: %w", err)
	}
	return p, nil
}

// RolloutWaitSeconds bounds how long `pulumi up` waits for a rollout: the
// host registering with Systems Manager on a first deploy, the image pull,
// and the container starting to answer.
const RolloutWaitSeconds = 1200

// rolloutInputs are what the rollout waits for and follows.
type rolloutInputs struct {
	// image is the release's image, with its digest.
	image pulumi.StringOutput
	// parameters hold the release; they are written before the host is told.
	parameters []pulumi.Resource
	// The secrets' versions change with their values.
	databaseSecretVersion, appSecretVersion pulumi.StringInput
}

// newRollout creates an SSM State Manager association that runs
// RolloutCommand on the host. An association runs when it is created and
// whenever it changes, and its command changes with anything the container
// sees, so such a change reaches the running container (a new container on
// the same host) while the instance, its user-data and its address stay as
// they are.
func newRollout(ctx *pulumi.Context, name string, release Release, instance *ec2.Instance, in rolloutInputs, identity *hostIdentity, parent pulumi.ResourceOption) (*ssm.Association, error) {
	command := pulumi.All(in.image, in.databaseSecretVersion, in.appSecretVersion).ApplyT(func(vs []any) string {
		return RolloutCommand(release.withImage(vs[0].(string)), vs[1].(string), vs[2].(string))
	}).(pulumi.StringOutput)
	deps := append(append([]pulumi.Resource{identity.profile}, in.parameters...), identity.grants...)
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
		// The parameters must hold the new release before the host is told,
		// and the host must be allowed to read them (and the secrets, and to
		// run as a managed instance) before the command runs on a first
		// deploy.
		pulumi.DependsOn(deps))
	if err != nil {
		return nil, fmt.Errorf("creating rollout association: %w", err)
	}
	return association, nil
}
