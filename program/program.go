// Package program is the rds-app Pulumi program: what `pulumi up` runs
// (through the rds-app command at the repository root), what the tests run
// under mocks and what rds-app-rehearse runs against an emulator.
//
// Run wires the components in order: network, database, compute, then
// operations, which watch the other three. It reads no configuration keys
// itself; package config does.
package program

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/database"
	"github.com/rds-app/rds-app/internal/awslookup"
	"github.com/rds-app/rds-app/network"
	"github.com/rds-app/rds-app/ops"
)

// Run is the whole program: what `pulumi up` executes and what the tests
// run under mocks.
func Run(ctx *pulumi.Context) error {
	outputs, err := Deploy(ctx)
	if err != nil {
		return err
	}
	for name, value := range outputs {
		ctx.Export(name, value)
	}
	return nil
}

// Deploy validates the configuration, builds the stack and returns its
// outputs. Nothing is registered unless the whole configuration is valid.
func Deploy(ctx *pulumi.Context) (pulumi.Map, error) {
	info, err := awslookup.Lookup(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(ctx, config.Facts{
		Region:            info.Region,
		AvailabilityZones: info.AvailabilityZones,
		Today:             time.Now().UTC(),
		ZonesOffering:     func(instanceType string) ([]string, error) { return awslookup.InstanceTypeZones(ctx, instanceType) },
	})
	if err != nil {
		return nil, err
	}
	// Names that must be unique per account and region start with this.
	prefix := ctx.Project() + "-" + ctx.Stack()

	webPorts, publicPorts := compute.ListenPorts(cfg.App)
	net, err := network.New(ctx, "network", cfg.Network, network.Inputs{
		WebPorts:     webPorts,
		PublicPorts:  publicPorts,
		LoadBalanced: cfg.App.LoadBalanced(),
		AppPort:      cfg.App.HostPort,
		DatabasePort: cfg.Database.Port,
		Proxy:        cfg.Database.Proxy,
		ReadReplicas: cfg.Database.ReadReplicas > 0,
		AccountID:    info.AccountID,
	})
	if err != nil {
		return nil, fmt.Errorf("building the network: %w", err)
	}

	db, err := database.New(ctx, "database", cfg.Database, database.Inputs{
		IdentifierPrefix:       prefix,
		Partition:              info.Partition,
		AccountID:              info.AccountID,
		Region:                 info.Region,
		SubnetIDs:              net.PrivateSubnetIDs,
		AvailabilityZones:      cfg.Network.AvailabilityZones,
		SecurityGroupID:        net.DatabaseSecurityGroupID,
		ProxySecurityGroupID:   net.ProxySecurityGroupID,
		ReplicaSecurityGroupID: net.ReplicaSecurityGroupID,
		// AWS Backup's recovery points outlive the stack, encrypted with
		// the database's key.
		RecoveryPointsOutliveStack: cfg.Ops.BackupPlan,
	})
	if err != nil {
		return nil, fmt.Errorf("building the database: %w", err)
	}

	// The host gets the database's secret ARN, not the database: it boots
	// while the database is being created and waits for the secret's value.
	computeInputs := compute.Inputs{
		ParameterPrefix:             "/" + ctx.Project() + "/" + ctx.Stack(),
		Region:                      info.Region,
		Partition:                   info.Partition,
		AccountID:                   info.AccountID,
		SubnetIDs:                   net.PublicSubnetIDs,
		VpcID:                       net.VpcID,
		VpcCIDR:                     cfg.Network.CIDR,
		SecurityGroupID:             net.HostSecurityGroupID,
		LoadBalancerSecurityGroupID: net.LoadBalancerSecurityGroupID,
		DatabaseSecretArn:           db.SecretArn,
		DatabaseSecretVersion:       db.SecretVersion,
		KmsKeyArn:                   db.KmsKeyArn,
		DatabaseIAMAuth:             cfg.Database.ProxyIAMAuth,
	}
	if cfg.Database.ProxyIAMAuth {
		// The hosts' role may then sign in to the proxy with a token.
		computeInputs.DatabaseConnectArn = db.ConnectArn
	}
	app, err := compute.New(ctx, "app", cfg.App, computeInputs)
	if err != nil {
		return nil, fmt.Errorf("building the application host: %w", err)
	}

	watch, err := ops.New(ctx, "ops", cfg.Ops, ops.Inputs{
		NamePrefix:           prefix,
		Region:               info.Region,
		Partition:            info.Partition,
		AccountID:            info.AccountID,
		Database:             cfg.Database,
		App:                  cfg.App,
		DBInstanceIdentifier: db.InstanceIdentifier,
		DBInstanceArn:        db.InstanceArn,
		DBSubnetGroupName:    db.SubnetGroupName,
		HealthNamespace:      app.HealthNamespace,
		// One host, or a group behind a load balancer: ops reads the
		// inputs of the mode cfg.App is in.
		HostInstanceID:        app.InstanceID,
		AutoScalingGroupName:  app.AutoScalingGroupName,
		LoadBalancerArnSuffix: app.LoadBalancerArnSuffix,
		TargetGroupArnSuffix:  app.TargetGroupArnSuffix,
		// Read when the database has them.
		ReplicaIdentifiers: db.ReplicaIdentifiers,
		ProxyName:          db.ProxyName,
	})
	if err != nil {
		return nil, fmt.Errorf("building operations: %w", err)
	}

	return stackOutputs(cfg, info.Region, net, db, app, watch), nil
}
