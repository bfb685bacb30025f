package ops

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/iampolicy"
)

// Publishers are the AWS services that publish to the topic, by the
// statement that names them: CloudWatch alarms, RDS event notifications,
// AWS Backup's vault notifications and EventBridge (failed backup jobs).
var Publishers = map[string]string{
	"CloudWatchAlarms": "cloudwatch.amazonaws.com",
	"RDSEvents":        "events.rds.amazonaws.com",
	"AWSBackup":        "backup.amazonaws.com",
	"EventBridge":      "events.amazonaws.com",
}

// publisherOrder keeps the policies' statements in a stable order.
var publisherOrder = []string{"CloudWatchAlarms", "RDSEvents", "AWSBackup", "EventBridge"}

// TopicName is the notification topic's name. It is fixed (per project and
// stack) because the key policy names the topic before it exists, and it
// is what a subscriber sees.
func TopicName(prefix string) string { return prefix + "-alarms" }

// TopicArn is the ARN of the topic named name.
func TopicArn(partition, region, account, name string) string {
	return fmt.Sprintf("arn:%s:sns:%s:%s:%s", partition, region, account, name)
}

// TopicKeyPolicy lets the account administer the topic's key, and each
// publisher use it, for this topic only: SNS encrypts with the topic's ARN
// as encryption context. Without such a statement a service's messages to
// an encrypted topic are dropped.
func TopicKeyPolicy(partition, account, topicArn string) iampolicy.Document {
	statements := []iampolicy.Statement{{
		Sid:       "AccountAdministersTheKey",
		Effect:    "Allow",
		Principal: map[string]string{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", partition, account)},
		Action:    []string{"kms:*"},
		Resource:  []string{"*"},
	}}
	for _, sid := range publisherOrder {
		statements = append(statements, iampolicy.Statement{
			Sid:       sid + "EncryptForTheTopic",
			Effect:    "Allow",
			Principal: map[string]string{"Service": Publishers[sid]},
			Action:    []string{"kms:GenerateDataKey*", "kms:Decrypt"},
			Resource:  []string{"*"},
			Condition: map[string]map[string]string{"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topicArn}},
		})
	}
	return iampolicy.New(statements...)
}

// TopicPolicy is SNS's default policy (the account's own principals and
// the services acting for it, such as CloudWatch alarms and RDS events,
// may use the topic) plus the two publishers that need naming: AWS Backup,
// and EventBridge for the one rule that forwards failed backup jobs.
func TopicPolicy(account, topicArn, ruleArn string) iampolicy.Document {
	return iampolicy.New(
		iampolicy.Statement{
			Sid:       "AccountUsesTheTopic",
			Effect:    "Allow",
			Principal: map[string]string{"AWS": "*"},
			Action: []string{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
				"SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"},
			Resource:  []string{topicArn},
			Condition: map[string]map[string]string{"StringEquals": {"AWS:SourceOwner": account}},
		},
		iampolicy.Statement{
			Sid:       "AWSBackupPublishes",
			Effect:    "Allow",
			Principal: map[string]string{"Service": Publishers["AWSBackup"]},
			Action:    []string{"SNS:Publish"},
			Resource:  []string{topicArn},
		},
		iampolicy.Statement{
			Sid:       "EventBridgePublishesFailedBackups",
			Effect:    "Allow",
			Principal: map[string]string{"Service": Publishers["EventBridge"]},
			Action:    []string{"SNS:Publish"},
			Resource:  []string{topicArn},
			Condition: map[string]map[string]string{"ArnEquals": {"aws:SourceArn": ruleArn}},
		},
	)
}

type topic struct {
	topic *sns.Topic
	arn   string // known before the topic exists
}

// newTopic creates the stack's notification topic, encrypted with a key of
// its own, and subscribes ops.alarmEmail.
func newTopic(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (*topic, error) {
	topicName := TopicName(args.NamePrefix)
	arn := TopicArn(args.Partition, args.Region, args.AccountID, topicName)
	key, err := kms.NewKey(ctx, name+"-topic-key", &kms.KeyArgs{
		Description:          pulumi.Sprintf("rds-app %s: the alarm and event topic", args.NamePrefix),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(topicKeyDeletionWindowDays),
		Policy:               pulumi.String(TopicKeyPolicy(args.Partition, args.AccountID, arn).JSON()),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating the topic's KMS key: %w", err)
	}
	if _, err := kms.NewAlias(ctx, name+"-topic-key", &kms.AliasArgs{
		NamePrefix:  pulumi.Sprintf("alias/%s-alarms-", args.NamePrefix),
		TargetKeyId: key.KeyId,
	}, parent); err != nil {
		return nil, fmt.Errorf("creating the topic key's alias: %w", err)
	}
	t, err := sns.NewTopic(ctx, name+"-topic", &sns.TopicArgs{
		Name:           pulumi.String(topicName),
		DisplayName:    pulumi.Sprintf("%s alarms", args.NamePrefix),
		KmsMasterKeyId: key.Arn,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating topic %q: %w", topicName, err)
	}
	if _, err := sns.NewTopicPolicy(ctx, name+"-topic", &sns.TopicPolicyArgs{
		Arn:    t.Arn,
		Policy: pulumi.String(TopicPolicy(args.AccountID, arn, BackupFailureRuleArn(args.Partition, args.Region, args.AccountID, args.NamePrefix)).JSON()),
	}, parent); err != nil {
		return nil, fmt.Errorf("creating the topic's policy: %w", err)
	}
	for _, address := range args.Ops.AlarmEmails {
		// Named by address: removing one address unsubscribes that one only.
		if _, err := sns.NewTopicSubscription(ctx, name+"-email-"+address, &sns.TopicSubscriptionArgs{
			Topic:    t.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(address),
		}, parent); err != nil {
			return nil, fmt.Errorf("subscribing %q to the topic: %w", address, err)
		}
	}
	return &topic{topic: t, arn: arn}, nil
}

// topicKeyDeletionWindowDays: the key encrypts only messages in flight,
// so a week's wait is enough to undo a mistake.
const topicKeyDeletionWindowDays = 7
