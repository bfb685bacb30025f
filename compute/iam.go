package compute

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/iampolicy"
)

// HostPolicyInput is what the host's permissions are scoped to.
type HostPolicyInput struct {
	Region, Partition string
	// SecretArns are the secrets the start script reads.
	SecretArns []string
	// KmsKeyArn encrypts those secrets.
	KmsKeyArn string
	// ReleaseRecordArn is the release record in the release bucket
	// (arn:…:s3:::<bucket>/release.json): the host reads its versions.
	ReleaseRecordArn string
	// LogGroupArn is where the container's logs go.
	LogGroupArn string
	// PullRepositoryArns are the private ECR repositories the host pulls
	// from: app.image's, and the stack's own (app.repository).
	PullRepositoryArns []string
	// HealthNamespace is where the host publishes its health metric.
	HealthNamespace string
	// DatabaseConnectArn, when set, is the rds-db:connect resource the
	// host may connect as (database.proxyIamAuth).
	DatabaseConnectArn string
}

// HostPolicy is the host's own policy: exact actions, each on exactly the
// resources the host uses. Only ecr:GetAuthorizationToken and
// cloudwatch:PutMetricData, which AWS does not scope to resources, have
// "*"; the latter is held to the stack's own namespace by a condition.
func HostPolicy(in HostPolicyInput) iampolicy.Document {
	statements := []iampolicy.Statement{
		iampolicy.Allow("ReadStackSecrets", []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, in.SecretArns...),
		decryptVia("DecryptSecretsThroughSecretsManager", "secretsmanager", in),
		// The newest release, or the version its launch template names.
		iampolicy.Allow("ReadReleases", []string{"s3:GetObject", "s3:GetObjectVersion"}, in.ReleaseRecordArn),
		// The release bucket is encrypted with the stack's key too.
		decryptVia("DecryptReleasesThroughS3", "s3", in),
		iampolicy.Allow("WriteContainerLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, in.LogGroupArn, in.LogGroupArn+":log-stream:*"),
		{
			Sid:       "PublishHealthMetric",
			Effect:    "Allow",
			Action:    []string{"cloudwatch:PutMetricData"},
			Resource:  []string{"*"},
			Condition: map[string]map[string]string{"StringEquals": {"cloudwatch:namespace": in.HealthNamespace}},
		},
	}
	if len(in.PullRepositoryArns) > 0 {
		statements = append(statements,
			iampolicy.Allow("LogInToECR", []string{"ecr:GetAuthorizationToken"}, "*"),
			iampolicy.Allow("PullImage", []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}, in.PullRepositoryArns...),
		)
	}
	if in.DatabaseConnectArn != "" {
		// An IAM authentication token for the database's user, signed with
		// the host's credentials: the one resource, never a wildcard.
		statements = append(statements,
			iampolicy.Allow("ConnectToDatabase", []string{"rds-db:connect"}, in.DatabaseConnectArn))
	}
	return iampolicy.New(statements...)
}

// decryptVia lets the host decrypt with the stack's key only through
// service (kms:ViaService), in the stack's region.
func decryptVia(sid, service string, in HostPolicyInput) iampolicy.Statement {
	return iampolicy.Statement{
		Sid:      sid,
		Effect:   "Allow",
		Action:   []string{"kms:Decrypt"},
		Resource: []string{in.KmsKeyArn},
		Condition: map[string]map[string]string{"StringEquals": {
			"kms:ViaService": fmt.Sprintf("%s.%s.%s", service, in.Region, dnsSuffix(in.Partition)),
		}},
	}
}

// pullRepositories are the repositories the host pulls from: app.image's
// when it is in private ECR, and the stack's own repository (ownArn, ""
// without one), once each.
func pullRepositories(image awsfacts.Image, ownArn string) []string {
	var arns []string
	if image.ECR != nil {
		arns = append(arns, image.ECR.ARN())
	}
	if ownArn != "" && !slices.Contains(arns, ownArn) {
		arns = append(arns, ownArn)
	}
	return arns
}

func dnsSuffix(partition string) string {
	if partition == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// SSMManagedPolicyARN is the AWS managed policy Session Manager needs.
func SSMManagedPolicyARN(partition string) string {
	return fmt.Sprintf("arn:%s:iam::aws:policy/AmazonSSMManagedInstanceCore", partition)
}

type hostResources struct {
	logGroup  *cloudwatch.LogGroup
	appSecret *secretsmanager.Secret
	releases  *s3.BucketV2
}

type hostIdentity struct {
	profile *iam.InstanceProfile
	// grants must exist before the host boots and starts calling AWS.
	grants []pulumi.Resource
}

// newHostIdentity creates the host's role (Session Manager plus HostPolicy)
// and its instance profile.
func newHostIdentity(ctx *pulumi.Context, name string, args Args, image awsfacts.Image, res hostResources, parent pulumi.ResourceOption) (*hostIdentity, error) {
	role, err := iam.NewRole(ctx, name+"-host", &iam.RoleArgs{
		Description:      pulumi.String("rds-app application host"),
		AssumeRolePolicy: pulumi.String(iampolicy.AssumeRole("ec2.amazonaws.com", "").JSON()),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating host role: %w", err)
	}
	ssmCore, err := iam.NewRolePolicyAttachment(ctx, name+"-host-ssm", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(SSMManagedPolicyARN(args.Partition)),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("attaching Session Manager policy: %w", err)
	}
	connect := pulumi.StringInput(pulumi.String(""))
	if args.DatabaseIAMAuth {
		if args.DatabaseConnectArn == nil {
			return nil, fmt.Errorf("creating host role: database IAM authentication is on but no rds-db:connect resource was given")
		}
		connect = args.DatabaseConnectArn
	}
	repository := pulumi.StringInput(pulumi.String(""))
	if args.RepositoryArn != nil {
		repository = args.RepositoryArn
	}
	policy := pulumi.All(args.DatabaseSecretArn, res.appSecret.Arn, args.KmsKeyArn, res.releases.Arn, res.logGroup.Arn, connect, repository).ApplyT(
		func(vs []any) string {
			return HostPolicy(HostPolicyInput{
				Region:             args.Region,
				Partition:          args.Partition,
				SecretArns:         []string{vs[0].(string), vs[1].(string)},
				KmsKeyArn:          vs[2].(string),
				ReleaseRecordArn:   vs[3].(string) + "/" + hostconf.ReleaseKey,
				LogGroupArn:        vs[4].(string),
				PullRepositoryArns: pullRepositories(image, vs[6].(string)),
				HealthNamespace:    HealthNamespace(args.ParameterPrefix),
				DatabaseConnectArn: vs[5].(string),
			}).JSON()
		}).(pulumi.StringOutput)
	own, err := iam.NewRolePolicy(ctx, name+"-host", &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: policy,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating host role policy: %w", err)
	}
	profile, err := iam.NewInstanceProfile(ctx, name+"-host", &iam.InstanceProfileArgs{
		Role: role.Name,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating host instance profile: %w", err)
	}
	return &hostIdentity{profile: profile, grants: []pulumi.Resource{ssmCore, own}}, nil
}
