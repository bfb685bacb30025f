// Package database owns the stack's PostgreSQL: an RDS instance that is
// private, encrypted with the stack's own KMS key, SSL-only, backed up and
// monitored, plus the Secrets Manager secret the application host reads its
// connection settings from.
//
// New calls the steps in a fixed order; each AWS concern has its own file,
// and the names RDS requires are derived in naming.go. With database.proxy
// an RDS Proxy stands between the clients and the instance (proxy.go), and
// database.readReplicas adds read replicas in the other zones
// (replicas.go).
package database

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/network"
)

// Inputs is what the database needs beyond its own configuration section:
// names, the account, and values produced by the network.
type Inputs struct {
	// IdentifierPrefix starts the RDS instance identifier and the KMS alias
	// (usually "<project>-<stack>").
	IdentifierPrefix string
	// Partition and AccountID build AWS managed policy ARNs and scope trust.
	Partition, AccountID string
	// Region is the stack's region (the proxy's IAM resources name it).
	Region string

	// SubnetIDs are the private subnets the instance may live in.
	SubnetIDs pulumi.StringArrayInput
	// SecurityGroupID is the database's security group.
	SecurityGroupID pulumi.StringInput
	// ProxySecurityGroupID is the proxy's security group (database.proxy).
	ProxySecurityGroupID pulumi.StringInput
	// ReplicaSecurityGroupID is the read replicas' security group
	// (database.readReplicas above 0).
	ReplicaSecurityGroupID pulumi.StringInput
	// AvailabilityZones are the zones of SubnetIDs, in order: replicas go
	// to zones other than the instance's.
	AvailabilityZones []string
	// RecoveryPointsOutliveStack says that AWS Backup keeps recovery points
	// of the instance in a vault that outlives the stack (ops.backupPlan).
	// They stay encrypted with the stack's key, which must then outlive
	// the stack too.
	RecoveryPointsOutliveStack bool
}

// Args is what the database is built from: its validated configuration
// section and its inputs.
type Args struct {
	config.Database
	Inputs
}

// Database is the component. Its outputs are plain values and ARNs.
type Database struct {
	pulumi.ResourceState

	// Address is the instance's DNS name; its TLS certificate is issued for it.
	Address pulumi.StringOutput `pulumi:"address"`
	// Port is the instance's PostgreSQL port.
	Port pulumi.IntOutput `pulumi:"port"`
	// Endpoint is where clients connect, and what the connection secret
	// names: the proxy's DNS name with database.proxy, else Address.
	Endpoint pulumi.StringOutput `pulumi:"endpoint"`
	// ConnectPort is Endpoint's port: the proxy's (network.ProxyPort), else
	// Port.
	ConnectPort pulumi.IntOutput `pulumi:"connectPort"`
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
	// InstanceArn is the RDS instance's ARN (what AWS Backup protects).
	InstanceArn pulumi.StringOutput `pulumi:"instanceArn"`
	// SubnetGroupName is the DB subnet group (where a restored copy goes).
	SubnetGroupName pulumi.StringOutput `pulumi:"subnetGroupName"`

	// ProxyName and ProxyArn are the RDS Proxy's (database.proxy only).
	ProxyName pulumi.StringOutput `pulumi:"proxyName"`
	ProxyArn  pulumi.StringOutput `pulumi:"proxyArn"`
	// ConnectArn is the rds-db:connect resource for signing in to the
	// proxy as the master user with an IAM token (database.proxyIamAuth
	// only).
	ConnectArn pulumi.StringOutput `pulumi:"connectArn"`

	// ReplicaAddresses and ReplicaIdentifiers are the read replicas' DNS
	// names and RDS identifiers, in order (database.readReplicas above 0).
	ReplicaAddresses   pulumi.StringArrayOutput `pulumi:"replicaAddresses"`
	ReplicaIdentifiers pulumi.StringArrayOutput `pulumi:"replicaIdentifiers"`
}

// New creates the database.
func New(ctx *pulumi.Context, name string, cfg config.Database, in Inputs, opts ...pulumi.ResourceOption) (*Database, error) {
	args := Args{Database: cfg, Inputs: in}
	version, err := awsfacts.ParseEngineVersion(args.EngineVersion)
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
	creds, err := newCredentials(ctx, name, args, key, parent)
	if err != nil {
		return nil, err
	}
	monitoringRole, err := newMonitoringRole(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	suffix, err := newIdentifierSuffix(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	deps := instanceDeps{
		key: key, subnetGroup: subnetGroup, params: params, password: creds.password, monitoringRole: monitoringRole,
	}
	instance, err := newInstance(ctx, name, args, version, suffix, deps, parent)
	if err != nil {
		return nil, err
	}
	replicas, err := newReplicas(ctx, name, args, version, instance, deps, suffix, parent)
	if err != nil {
		return nil, err
	}
	proxy, err := newProxy(ctx, name, args, proxyDeps{key: key, secret: creds.secret, instance: instance, suffix: suffix}, parent)
	if err != nil {
		return nil, err
	}

	ep := endpoints{host: instance.Address, port: instance.Port}
	outputs := pulumi.Map{}
	if args.Proxy {
		ep = endpoints{host: proxy.Endpoint, port: pulumi.Int(network.ProxyPort).ToIntOutput(), proxy: true, waitFor: []pulumi.Resource{proxy.target}}
		d.ProxyName, d.ProxyArn = proxy.Name, proxy.Arn
		outputs["proxyName"], outputs["proxyArn"] = d.ProxyName, d.ProxyArn
		if args.ProxyIAMAuth {
			d.ConnectArn = proxy.Arn.ApplyT(func(arn string) (string, error) {
				return ProxyConnectArn(args.Partition, args.Region, args.AccountID, arn, args.Username)
			}).(pulumi.StringOutput)
			outputs["connectArn"] = d.ConnectArn
		}
	}
	if args.ReadReplicas > 0 {
		d.ReplicaAddresses, d.ReplicaIdentifiers = replicaOutputs(replicas)
		ep.readHosts, ep.readPort, ep.replicas = d.ReplicaAddresses, args.Port, true
		outputs["replicaAddresses"], outputs["replicaIdentifiers"] = d.ReplicaAddresses, d.ReplicaIdentifiers
	}
	connection, err := creds.storeConnection(ctx, name, args, ep, parent)
	if err != nil {
		return nil, err
	}

	d.Address = instance.Address
	d.Port = instance.Port
	d.Endpoint = ep.host
	d.ConnectPort = ep.port
	d.DatabaseName = pulumi.String(args.Name).ToStringOutput()
	d.Username = pulumi.String(args.Username).ToStringOutput()
	d.SecretArn = creds.secret.Arn
	d.SecretVersion = connection.VersionId
	d.KmsKeyArn = key.Arn
	d.InstanceIdentifier = instance.Identifier
	d.InstanceArn = instance.Arn
	d.SubnetGroupName = subnetGroup.Name
	for k, v := range map[string]pulumi.Input{
		"address":            d.Address,
		"port":               d.Port,
		"endpoint":           d.Endpoint,
		"connectPort":        d.ConnectPort,
		"databaseName":       d.DatabaseName,
		"username":           d.Username,
		"secretArn":          d.SecretArn,
		"secretVersion":      d.SecretVersion,
		"kmsKeyArn":          d.KmsKeyArn,
		"instanceIdentifier": d.InstanceIdentifier,
		"instanceArn":        d.InstanceArn,
		"subnetGroupName":    d.SubnetGroupName,
	} {
		outputs[k] = v
	}
	if err := ctx.RegisterResourceOutputs(d, outputs); err != nil {
		return nil, fmt.Errorf("registering database outputs: %w", err)
	}
	return d, nil
}
