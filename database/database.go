// Package database owns the stack's PostgreSQL: an RDS instance that is
// private, encrypted with the stack's own KMS key, SSL-only, backed up and
// monitored, plus the Secrets Manager secret the application host reads its
// connection settings from.
//
// New calls the steps in a fixed order; each AWS concern has its own file,
// and the naming and scheduling rules RDS enforces live in rules.go.
package database

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args configures the database. Values decided by configuration are plain Go
// values; values produced by other components are Pulumi inputs.
type Args struct {
	// IdentifierPrefix starts the RDS instance identifier and the KMS alias
	// (usually "<project>-<stack>").
	IdentifierPrefix string
	// EngineVersion is a PostgreSQL major ("17") or major.minor ("17.4").
	EngineVersion string
	// InstanceClass is the RDS instance class, such as db.t4g.micro.
	InstanceClass string
	// AllocatedStorage and MaxAllocatedStorage are the starting gp3 size and
	// the storage autoscaling ceiling, in GiB.
	AllocatedStorage, MaxAllocatedStorage int
	// Port is the PostgreSQL port.
	Port int
	// Username is the master user; DatabaseName the database created.
	Username, DatabaseName string
	// BackupRetentionDays keeps automated backups this long.
	BackupRetentionDays int
	// BackupWindow (daily) and MaintenanceWindow (weekly) are in UTC.
	BackupWindow, MaintenanceWindow string
	// MultiAZ runs a synchronous standby in another zone.
	MultiAZ bool
	// DeletionProtection blocks deletion in AWS and sets Pulumi's protect.
	DeletionProtection bool
	// SkipFinalSnapshot deletes without a final snapshot.
	SkipFinalSnapshot bool
	// ApplyImmediately applies changes now rather than in MaintenanceWindow.
	ApplyImmediately bool
	// ExtendedSupport allows RDS Extended Support (paid) once the major
	// version leaves standard support; without it, RDS refuses such a major.
	ExtendedSupport bool
	// MonitoringInterval is the Enhanced Monitoring interval in seconds (0: off).
	MonitoringInterval int
	// LogRetentionDays keeps the exported PostgreSQL logs this long.
	LogRetentionDays int
	// Partition and AccountID build AWS managed policy ARNs and scope trust.
	Partition, AccountID string

	// SubnetIDs are the private subnets the instance may live in.
	SubnetIDs pulumi.StringArrayInput
	// SecurityGroupID is the database's security group.
	SecurityGroupID pulumi.StringInput
}

// Database is the component. Its outputs are plain values and ARNs.
type Database struct {
	pulumi.ResourceState

	// Address is the instance's DNS name; its TLS certificate is issued for it.
	Address pulumi.StringOutput `pulumi:"address"`
	// Port is the PostgreSQL port.
	Port pulumi.IntOutput `pulumi:"port"`
	// DatabaseName is the database created on the instance.
	DatabaseName pulumi.StringOutput `pulumi:"databaseName"`
	// Username is the master user.
	Username pulumi.StringOutput `pulumi:"username"`
	// SecretArn is the Secrets Manager secret holding the connection JSON.
	// It exists before the instance does; only its value waits.
	SecretArn pulumi.StringOutput `pulumi:"secretArn"`
	// SecretVersion identifies the secret's current value: it changes
	// whenever a connection setting (host, port, name, user, password) does.
	SecretVersion pulumi.StringOutput `pulumi:"secretVersion"`
	// KmsKeyArn is the stack's customer-managed key (storage, Performance
	// Insights, secrets).
	KmsKeyArn pulumi.StringOutput `pulumi:"kmsKeyArn"`
	// InstanceIdentifier is the RDS instance identifier.
	InstanceIdentifier pulumi.StringOutput `pulumi:"instanceIdentifier"`
}

// New creates the database.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Database, error) {
	version, err := ParseEngineVersion(args.EngineVersion)
	if err != nil {
		return nil, fmt.Errorf("creating database %q: %w", name, err)
	}
	d := &Database{}
	if err := ctx.RegisterComponentResource("rds-app:database:Database", name, d, opts...); err != nil {
		return nil, fmt.Errorf("registering database component %q: %w", name, err)
	}
	parent := pulumi.Parent(d)

	key, err := newKey(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	subnetGroup, err := newSubnetGroup(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	params, err := newParameterGroup(ctx, name, version, parent)
	if err != nil {
		return nil, err
	}
	creds, err := newCredentials(ctx, name, key, parent)
	if err != nil {
		return nil, err
	}
	monitoringRole, err := newMonitoringRole(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	instance, err := newInstance(ctx, name, args, version, instanceDeps{
		key: key, subnetGroup: subnetGroup, params: params, password: creds.password, monitoringRole: monitoringRole,
	}, parent)
	if err != nil {
		return nil, err
	}
	connection, err := creds.storeConnection(ctx, name, args, instance, parent)
	if err != nil {
		return nil, err
	}

	d.Address = instance.Address
	d.Port = instance.Port
	d.DatabaseName = pulumi.String(args.DatabaseName).ToStringOutput()
	d.Username = pulumi.String(args.Username).ToStringOutput()
	d.SecretArn = creds.secret.Arn
	d.SecretVersion = connection.VersionId
	d.KmsKeyArn = key.Arn
	d.InstanceIdentifier = instance.Identifier
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{
		"address":            d.Address,
		"port":               d.Port,
		"databaseName":       d.DatabaseName,
		"username":           d.Username,
		"secretArn":          d.SecretArn,
		"secretVersion":      d.SecretVersion,
		"kmsKeyArn":          d.KmsKeyArn,
		"instanceIdentifier": d.InstanceIdentifier,
	}); err != nil {
		return nil, fmt.Errorf("registering database outputs: %w", err)
	}
	return d, nil
}
