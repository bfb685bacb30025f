package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// ReplicaZones places n read replicas: round robin over the zones other
// than the primary's, in their order, so that losing the primary's zone
// leaves every replica standing and the replicas spread over the rest.
func ReplicaZones(zones []string, primary string, n int) ([]string, error) {
	var others []string
	for _, z := range zones {
		if z != primary {
			others = append(others, z)
		}
	}
	if len(others) == 0 {
		return nil, fmt.Errorf("no zone other than the instance's %s among %v for its read replicas", primary, zones)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = others[i%len(others)]
	}
	return out, nil
}

// newReplicas creates database.readReplicas read replicas of the instance,
// none by default. Each is an instance of its own, named after the primary
// with "-replica-<n>", set up like the primary where it can be.
func newReplicas(ctx *pulumi.Context, name string, args Args, version awsfacts.EngineVersion, primary *rds.Instance, deps instanceDeps, suffix pulumi.StringOutput, parent pulumi.ResourceOption) ([]*rds.Instance, error) {
	var replicas []*rds.Instance
	for n := 1; n <= args.ReadReplicas; n++ {
		logical := fmt.Sprintf("%s-replica-%d", name, n)
		identifier := suffix.ApplyT(func(hex string) string {
			return ReplicaIdentifier(args.IdentifierPrefix, hex, n)
		}).(pulumi.StringOutput)
		logGroups, err := newLogGroups(ctx, logical, args, identifier, parent)
		if err != nil {
			return nil, err
		}
		zone := primary.AvailabilityZone.ApplyT(func(az string) (string, error) {
			zones, err := ReplicaZones(args.AvailabilityZones, az, args.ReadReplicas)
			if err != nil {
				return "", err
			}
			return zones[n-1], nil
		}).(pulumi.StringOutput)

		replicaArgs := &rds.InstanceArgs{
			Identifier: identifier,
			// The identifier, not the ARN: in the same region the replica
			// then lives in the primary's subnet group (setting one would
			// need the ARN here). Engine, version, user, password and
			// database come from the primary and cannot be set.
			ReplicateSourceDb: primary.Identifier,
			AvailabilityZone:  zone,
			InstanceClass:     pulumi.String(args.InstanceClass),
			// As the primary: a pinned minor version turns automatic
			// minor upgrades off on the replicas too.
			AutoMinorVersionUpgrade: pulumi.Bool(!version.PinsMinor()),
			ParameterGroupName:      deps.params.Name,

			// A replica in the instance's region is always encrypted with
			// the instance's key, and RDS refuses a KMS key parameter for
			// one ("Your request does not require the KMS key parameter"),
			// so the key is left to RDS; the provider reads it back.
			StorageEncrypted:    pulumi.Bool(true),
			StorageType:         pulumi.String("gp3"),
			MaxAllocatedStorage: pulumi.Int(args.MaxAllocatedStorage),

			PubliclyAccessible:  pulumi.Bool(false),
			VpcSecurityGroupIds: pulumi.StringArray{args.ReplicaSecurityGroupID},
			Port:                pulumi.Int(args.Port),
			// The primary is the one that fails over; a replica that is
			// lost is simply recreated.
			MultiAz:                          pulumi.Bool(false),
			CaCertIdentifier:                 pulumi.String(CACertIdentifier),
			IamDatabaseAuthenticationEnabled: pulumi.Bool(true),

			// A replica holds no data of its own: the primary's backups
			// cover it, so it keeps none, and RDS takes no final snapshot
			// of a read replica (it refuses a final snapshot identifier
			// for one). Nothing is lost when it is deleted, so nothing
			// protects it from deletion either.
			BackupRetentionPeriod: pulumi.Int(0),
			SkipFinalSnapshot:     pulumi.Bool(true),
			DeletionProtection:    pulumi.Bool(false),
			MaintenanceWindow:     pulumi.String(args.MaintenanceWindow),
			ApplyImmediately:      pulumi.Bool(args.ApplyImmediately),

			EnabledCloudwatchLogsExports:       pulumi.ToStringArray(ExportedLogs),
			DatabaseInsightsMode:               pulumi.String(args.InsightsMode),
			PerformanceInsightsEnabled:         pulumi.Bool(true),
			PerformanceInsightsKmsKeyId:        deps.key.Arn,
			PerformanceInsightsRetentionPeriod: pulumi.Int(awsfacts.PerformanceInsightsRetentionDays(args.InsightsMode)),
			MonitoringInterval:                 pulumi.Int(args.MonitoringInterval),

			Tags: pulumi.StringMap{"Name": identifier},
		}
		if deps.monitoringRole != nil {
			replicaArgs.MonitoringRoleArn = deps.monitoringRole.Arn
		}
		replica, err := rds.NewInstance(ctx, logical, replicaArgs, parent,
			pulumi.DependsOn(logGroups),
			// The zone is chosen once, when the replica is created: the
			// primary's zone changes when it fails over to its standby,
			// and following it would replace the replica.
			pulumi.IgnoreChanges([]string{"availabilityZone"}))
		if err != nil {
			return nil, fmt.Errorf("creating read replica %d: %w", n, err)
		}
		replicas = append(replicas, replica)
	}
	return replicas, nil
}

// replicaOutputs collects the replicas' addresses and identifiers, in
// order.
func replicaOutputs(replicas []*rds.Instance) (addresses, identifiers pulumi.StringArrayOutput) {
	var as, ids []any
	for _, r := range replicas {
		as = append(as, r.Address)
		ids = append(ids, r.Identifier)
	}
	strs := func(vs []any) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = v.(string)
		}
		return out
	}
	return pulumi.All(as...).ApplyT(strs).(pulumi.StringArrayOutput),
		pulumi.All(ids...).ApplyT(strs).(pulumi.StringArrayOutput)
}
