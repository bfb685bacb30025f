package ops

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/iampolicy"
)

const (
	// vaultKeyDeletionWindowDays: the longest wait AWS allows, as for the
	// database's key.
	vaultKeyDeletionWindowDays = 30
	// VaultEvents are what the vault tells the topic: each restore job's
	// end (the weekly restore test's result, success or failure). Failed
	// backups go through EventBridge instead (BackupFailurePattern), so a
	// daily success does not page anyone.
	restoreJobCompleted = "RESTORE_JOB_COMPLETED"
)

// BackupFailureRuleName is the EventBridge rule that forwards failed AWS
// Backup jobs to the topic. Fixed (per project and stack) because the
// topic's policy names it.
func BackupFailureRuleName(prefix string) string { return prefix + "-backup-failures" }

// BackupFailureRuleArn is that rule's ARN.
func BackupFailureRuleArn(partition, region, account, prefix string) string {
	return fmt.Sprintf("arn:%s:events:%s:%s:rule/%s", partition, region, account, BackupFailureRuleName(prefix))
}

// BackupFailurePattern matches the stack's AWS Backup jobs (those that
// back up into its vault) that did not finish.
func BackupFailurePattern(vaultArn string) string {
	b, _ := json.Marshal(map[string]any{
		"source":      []string{"aws.backup"},
		"detail-type": []string{"Backup Job State Change"},
		"detail": map[string]any{
			"state":          []string{"FAILED", "ABORTED", "EXPIRED", "PARTIAL"},
			"backupVaultArn": []string{vaultArn},
		},
	})
	return string(b)
}

// newBackups creates what ops.backupPlan promises: a vault with its own
// key (both kept when the stack is deleted: the vault holds the recovery
// points, which are what a deleted database is restored from), a daily
// backup plan for the database, a weekly restore test that restores the
// newest recovery point into a new instance and deletes it again, and
// notifications of restore results and of failed backups.
type backups struct {
	vault *backup.Vault
	role  *iam.Role
}

func newBackups(ctx *pulumi.Context, name string, args Args, topicArn pulumi.StringOutput, parent pulumi.ResourceOption) (*backups, error) {
	schedule, err := BackupSchedule(args.Database.BackupWindow, args.Database.MaintenanceWindow)
	if err != nil {
		return nil, fmt.Errorf("scheduling backups: %w", err)
	}
	retain := pulumi.RetainOnDelete(true)
	key, err := kms.NewKey(ctx, name+"-vault-key", &kms.KeyArgs{
		Description:          pulumi.Sprintf("rds-app %s: the AWS Backup vault", args.NamePrefix),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(vaultKeyDeletionWindowDays),
	}, parent, retain)
	if err != nil {
		return nil, fmt.Errorf("creating the vault's KMS key: %w", err)
	}
	if _, err := kms.NewAlias(ctx, name+"-vault-key", &kms.AliasArgs{
		NamePrefix:  pulumi.Sprintf("alias/%s-backup-", args.NamePrefix),
		TargetKeyId: key.KeyId,
	}, parent, retain); err != nil {
		return nil, fmt.Errorf("creating the vault key's alias: %w", err)
	}
	// The vault outlives the stack, so a stack made again under the same
	// name must not reuse its name: a random suffix, made once per stack.
	suffix, err := random.NewRandomId(ctx, name+"-vault", &random.RandomIdArgs{ByteLength: pulumi.Int(4)}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating the vault name's suffix: %w", err)
	}
	vault, err := backup.NewVault(ctx, name+"-vault", &backup.VaultArgs{
		Name:      pulumi.Sprintf("%s-backups-%s", args.NamePrefix, suffix.Hex),
		KmsKeyArn: key.Arn,
		// A vault with recovery points cannot be deleted anyway; never
		// empty it to make a `pulumi destroy` go through.
		ForceDestroy: pulumi.Bool(false),
	}, parent, retain)
	if err != nil {
		return nil, fmt.Errorf("creating the backup vault: %w", err)
	}

	role, err := iam.NewRole(ctx, name+"-backup", &iam.RoleArgs{
		Description:      pulumi.String("AWS Backup for rds-app: back up and restore-test the database"),
		AssumeRolePolicy: pulumi.String(iampolicy.AssumeRole("backup.amazonaws.com", "").JSON()),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating the backup role: %w", err)
	}
	var grants []pulumi.Resource
	for _, policy := range []string{"AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"} {
		att, err := iam.NewRolePolicyAttachment(ctx, name+"-backup-"+policy, &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/service-role/%s", args.Partition, policy),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("attaching %s: %w", policy, err)
		}
		grants = append(grants, att)
	}

	plan, err := backup.NewPlan(ctx, name+"-backup-plan", &backup.PlanArgs{
		Name: pulumi.String(args.NamePrefix + "-daily"),
		Rules: backup.PlanRuleArray{backup.PlanRuleArgs{
			RuleName:         pulumi.String("daily"),
			TargetVaultName:  vault.Name,
			Schedule:         pulumi.String(schedule.BackupCron()),
			StartWindow:      pulumi.Int(backupStartWindowMinutes),
			CompletionWindow: pulumi.Int(backupCompletionWindowMinutes),
			Lifecycle: backup.PlanRuleLifecycleArgs{
				DeleteAfter: pulumi.Int(config.BackupPlanRetentionDays),
			},
		}},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating the backup plan: %w", err)
	}
	if _, err := backup.NewSelection(ctx, name+"-backup-database", &backup.SelectionArgs{
		Name:       pulumi.String(args.NamePrefix + "-database"),
		PlanId:     plan.ID(),
		IamRoleArn: role.Arn,
		Resources:  pulumi.StringArray{args.DBInstanceArn},
	}, parent, pulumi.DependsOn(grants)); err != nil {
		return nil, fmt.Errorf("selecting the database for backup: %w", err)
	}

	testPlan, err := backup.NewRestoreTestingPlan(ctx, name+"-restore-test", &backup.RestoreTestingPlanArgs{
		Name:               pulumi.String(restoreTestingName(args.NamePrefix, "restore_test")),
		ScheduleExpression: pulumi.String(schedule.RestoreTestCron()),
		StartWindowHours:   pulumi.Int(restoreTestStartWindowHours),
		RecoveryPointSelection: backup.RestoreTestingPlanRecoveryPointSelectionArgs{
			Algorithm:           pulumi.String("LATEST_WITHIN_WINDOW"),
			IncludeVaults:       pulumi.StringArray{vault.Arn},
			RecoveryPointTypes:  pulumi.StringArray{pulumi.String("SNAPSHOT")},
			SelectionWindowDays: pulumi.Int(restoreTestSelectionDays),
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating the restore testing plan: %w", err)
	}
	if _, err := backup.NewRestoreTestingSelection(ctx, name+"-restore-test-database", &backup.RestoreTestingSelectionArgs{
		Name:                   pulumi.String(restoreTestingName(args.NamePrefix, "database")),
		RestoreTestingPlanName: testPlan.Name,
		ProtectedResourceType:  pulumi.String("RDS"),
		ProtectedResourceArns:  pulumi.StringArray{args.DBInstanceArn},
		IamRoleArn:             role.Arn,
		// Into the stack's private subnets: left to itself, AWS Backup
		// restores into the default VPC, which may have public subnets or
		// not exist at all. The copy gets the VPC's default security group,
		// which the network emptied, so nothing can reach it.
		RestoreMetadataOverrides: pulumi.StringMap{"dbSubnetGroupName": args.DBSubnetGroupName},
	}, parent, pulumi.DependsOn(grants)); err != nil {
		return nil, fmt.Errorf("selecting the database for restore testing: %w", err)
	}

	if _, err := backup.NewVaultNotifications(ctx, name+"-vault", &backup.VaultNotificationsArgs{
		BackupVaultName:   vault.Name,
		SnsTopicArn:       topicArn,
		BackupVaultEvents: pulumi.ToStringArray([]string{restoreJobCompleted}),
	}, parent); err != nil {
		return nil, fmt.Errorf("sending the vault's restore results to the topic: %w", err)
	}
	rule, err := cloudwatch.NewEventRule(ctx, name+"-backup-failures", &cloudwatch.EventRuleArgs{
		Name:         pulumi.String(BackupFailureRuleName(args.NamePrefix)),
		Description:  pulumi.String("rds-app: AWS Backup jobs of the stack's vault that did not finish"),
		EventPattern: vault.Arn.ApplyT(BackupFailurePattern).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating the backup failure rule: %w", err)
	}
	if _, err := cloudwatch.NewEventTarget(ctx, name+"-backup-failures", &cloudwatch.EventTargetArgs{
		Rule: rule.Name,
		Arn:  topicArn,
	}, parent); err != nil {
		return nil, fmt.Errorf("sending failed backups to the topic: %w", err)
	}
	return &backups{vault: vault, role: role}, nil
}
