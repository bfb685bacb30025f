package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/iampolicy"
)

// HostPolicyInput is what the host's permissions are scoped to.
type HostPolicyInput struct {
	Region, Partition string
	// SecretArns are the secrets the start script reads.
	SecretArns []string
	// KmsKeyArn encrypts those secrets.
	KmsKeyArn string
	// ParameterArns are the SSM parameters holding the image and the
	// container settings.
	ParameterArns []string
	// LogGroupArn is where the container's logs go.
	LogGroupArn string
	// ECR is the image's repository when it lives in private ECR.
	ECR *ECRRepository
}

// HostPolicy is the host's own policy: exact actions, each on exactly the
// resources the host uses. Only ecr:GetAuthorizationToken, which AWS does
// not scope to resources, has "*".
func HostPolicy(in HostPolicyInput) iampolicy.Document {
	statements := []iampolicy.Statement{
		iampolicy.Allow("ReadStackSecrets", []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, in.SecretArns...),
		{
			Sid:      "DecryptSecretsThroughSecretsManager",
			Effect:   "Allow",
			Action:   []string{"kms:Decrypt"},
			Resource: []string{in.KmsKeyArn},
			Condition: map[string]map[string]string{"StringEquals": {
				"kms:ViaService": fmt.Sprintf("secretsmanager.%s.%s", in.Region, dnsSuffix(in.Partition)),
			}},
		},
		iampolicy.Allow("ReadRolloutParameters", []string{"ssm:GetParameter"}, in.ParameterArns...),
		iampolicy.Allow("WriteContainerLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, in.LogGroupArn, in.LogGroupArn+":log-stream:*"),
	}
	if in.ECR != nil {
		statements = append(statements,
			iampolicy.Allow("LogInToECR", []string{"ecr:GetAuthorizationToken"}, "*"),
			iampolicy.Allow("PullImage", []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}, in.ECR.ARN()),
		)
	}
	return iampolicy.New(statements...)
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
	logGroup       *cloudwatch.LogGroup
	appSecret      *secretsmanager.Secret
	imageParam     *ssm.Parameter
	containerParam *ssm.Parameter
}

type hostIdentity struct {
	profile *iam.InstanceProfile
	// grants must exist before the host boots and starts calling AWS.
	grants []pulumi.Resource
}

// newHostIdentity creates the host's role (Session Manager plus HostPolicy)
// and its instance profile.
func newHostIdentity(ctx *pulumi.Context, name string, args Args, image Image, res hostResources, parent pulumi.ResourceOption) (*hostIdentity, error) {
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
	policy := pulumi.All(args.DatabaseSecretArn, res.appSecret.Arn, args.KmsKeyArn, res.imageParam.Arn, res.containerParam.Arn, res.logGroup.Arn).ApplyT(
		func(vs []any) string {
			return HostPolicy(HostPolicyInput{
				Region:        args.Region,
				Partition:     args.Partition,
				SecretArns:    []string{vs[0].(string), vs[1].(string)},
				KmsKeyArn:     vs[2].(string),
				ParameterArns: []string{vs[3].(string), vs[4].(string)},
				LogGroupArn:   vs[5].(string),
				ECR:           image.ECR,
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
