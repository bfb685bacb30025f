package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

const (
	// CACertIdentifier pins the server certificate's CA, so a CA rotation is
	// a reviewed change and not a surprise for clients verifying it.
	CACertIdentifier = "rds-ca-rsa2048-g1"
)

// ExportedLogs are the PostgreSQL logs RDS publishes to CloudWatch.
var ExportedLogs = []string{"postgresql", "upgrade"}

type instanceDeps struct {
	key            *kms.Key
	subnetGroup    *rds.SubnetGroup
	params         *rds.ParameterGroup
	password       *random.RandomPassword
	monitoringRole *iam.Role // nil when Enhanced Monitoring is off
}

// newIdentifierSuffix creates the random part of the instance identifier,
// which the replicas and the proxy share.
func newIdentifierSuffix(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	// The identifier is set, not auto-named, because the exported log groups
	// are named after it and must exist (with a retention) before RDS would
	// create them with none. Its random part is new for every stack, so the
	// final snapshot named after it never collides with an earlier stack's.
	suffix, err := random.NewRandomId(ctx, name+"-id", &random.RandomIdArgs{
		ByteLength: pulumi.Int(4),
		// The settings RDS can only apply to a new instance: changing one
		// makes a new suffix, so the new instance (created before the old
		// one is deleted) gets an identifier of its own instead of failing
		// on the old one's. A protected (prod) instance is not replaced at
		// all: Pulumi stops at its protect.
		Keepers: pulumi.StringMap{
			"username":     pulumi.String(args.Username),
			"databaseName": pulumi.String(args.Name),
		},
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating instance identifier suffix: %w", err)
	}
	return suffix.Hex, nil
}

// newInstance creates the RDS instance and the log groups it exports to.
func newInstance(ctx *pulumi.Context, name string, args Args, version awsfacts.EngineVersion, suffix pulumi.StringOutput, deps instanceDeps, parent pulumi.ResourceOption) (*rds.Instance, error) {
	identifier := suffix.ApplyT(func(hex string) string {
		return InstanceIdentifier(args.IdentifierPrefix, hex)
	}).(pulumi.StringOutput)
	logGroups, err := newLogGroups(ctx, name, args, identifier, parent)
	if err != nil {
		return nil, err
	}

	instanceArgs := &rds.InstanceArgs{
		Identifier:    identifier,
		Engine:        pulumi.String("postgres"),
		EngineVersion: pulumi.String(args.EngineVersion),
		InstanceClass: pulumi.String(args.InstanceClass),
		// A major version alone lets AWS apply minor upgrades without Pulumi
		// seeing drift; a pinned minor turns automatic upgrades off, since
		// they would fight the pin.
		AutoMinorVersionUpgrade: pulumi.Bool(!version.PinsMinor()),
		// Major upgrades happen only when engineVersion is changed on purpose.
		AllowMajorVersionUpgrade: pulumi.Bool(true),
		// Stated either way: left unset, RDS enrols a major past standard
		// support in paid Extended Support without asking.
		EngineLifecycleSupport: pulumi.String(awsfacts.EngineLifecycleSupport(args.ExtendedSupport)),
		ParameterGroupName:     deps.params.Name,

		AllocatedStorage:    pulumi.Int(args.AllocatedStorage),
		MaxAllocatedStorage: pulumi.Int(args.MaxAllocatedStorage),
		StorageType:         pulumi.String("gp3"),
		StorageEncrypted:    pulumi.Bool(true),
		KmsKeyId:            deps.key.Arn,

		PubliclyAccessible:  pulumi.Bool(false),
		DbSubnetGroupName:   deps.subnetGroup.Name,
		VpcSecurityGroupIds: pulumi.StringArray{args.SecurityGroupID},
		Port:                pulumi.Int(args.Port),
		MultiAz:             pulumi.Bool(args.MultiAZ),
		CaCertIdentifier:    pulumi.String(CACertIdentifier),

		Username:                         pulumi.String(args.Username),
		Password:                         pulumi.ToSecret(deps.password.Result).(pulumi.StringOutput),
		DbName:                           pulumi.String(args.Name),
		IamDatabaseAuthenticationEnabled: pulumi.Bool(true),

		BackupRetentionPeriod: pulumi.Int(args.BackupRetentionDays),
		BackupWindow:          pulumi.String(args.BackupWindow),
		MaintenanceWindow:     pulumi.String(args.MaintenanceWindow),
		CopyTagsToSnapshot:    pulumi.Bool(true),
		DeletionProtection:    pulumi.Bool(args.DeletionProtection),
		SkipFinalSnapshot:     pulumi.Bool(args.SkipFinalSnapshot),
		ApplyImmediately:      pulumi.Bool(args.ApplyImmediately),

		EnabledCloudwatchLogsExports: pulumi.ToStringArray(ExportedLogs),
		// Stated either way: Performance Insights' own console reached end
		// of life on 2026-07-31, and Database Insights (in CloudWatch) is
		// where its data is read; advanced mode needs 465 days of it.
		DatabaseInsightsMode:               pulumi.String(args.InsightsMode),
		PerformanceInsightsEnabled:         pulumi.Bool(true),
		PerformanceInsightsKmsKeyId:        deps.key.Arn,
		PerformanceInsightsRetentionPeriod: pulumi.Int(awsfacts.PerformanceInsightsRetentionDays(args.InsightsMode)),
		MonitoringInterval:                 pulumi.Int(args.MonitoringInterval),

		Tags: pulumi.StringMap{"Name": identifier},
	}
	if !args.SkipFinalSnapshot {
		instanceArgs.FinalSnapshotIdentifier = identifier.ApplyT(FinalSnapshotIdentifier).(pulumi.StringOutput)
	}
	if deps.monitoringRole != nil {
		instanceArgs.MonitoringRoleArn = deps.monitoringRole.Arn
	}
	instance, err := rds.NewInstance(ctx, name, instanceArgs, parent,
		// Deletion protection in AWS is mirrored by Pulumi's protect, so a
		// `pulumi destroy` stops before it even asks AWS.
		pulumi.Protect(args.DeletionProtection),
		pulumi.DependsOn(logGroups))
	if err != nil {
		return nil, fmt.Errorf("creating RDS instance: %w", err)
	}
	return instance, nil
}

// retainLogs keeps a log group in AWS when Pulumi deletes it. A new
// database.username or database.name renews the identifier (see
// newIdentifierSuffix), and with it the names of the instance's, the
// replicas' and the proxy's log groups: their replacement would delete the
// old groups and the replaced database's logs with them. Retained, the old
// groups stay until someone deletes them, and their events expire after
// the retention they were created with (docs/operations.md, Tearing down).
var retainLogs = pulumi.RetainOnDelete(true)

// newLogGroups creates the groups an instance exports its logs to, named
// after its identifier, so that they exist with a retention before RDS
// would create them with none.
func newLogGroups(ctx *pulumi.Context, name string, args Args, identifier pulumi.StringOutput, parent pulumi.ResourceOption) ([]pulumi.Resource, error) {
	var logGroups []pulumi.Resource
	for _, log := range ExportedLogs {
		g, err := cloudwatch.NewLogGroup(ctx, name+"-"+log+"-log", &cloudwatch.LogGroupArgs{
			Name:            pulumi.Sprintf("/aws/rds/instance/%s/%s", identifier, log),
			RetentionInDays: pulumi.Int(args.LogRetentionDays),
		}, parent, retainLogs)
		if err != nil {
			return nil, fmt.Errorf("creating %s log group: %w", log, err)
		}
		logGroups = append(logGroups, g)
	}
	return logGroups, nil
}
