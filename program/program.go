// Package program is the rds-app Pulumi program: what `pulumi up` runs
// (through the rds-app command at the repository root), what the tests run
// under mocks and what rds-app-rehearse runs against an emulator.
//
// Run wires the components in order: network, database, compute, then
// operations, which watch the other three. It reads no configuration keys
// itself; package config does.
package program

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/database"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/awslookup"
	"github.com/rds-app/rds-app/internal/imagelookup"
	"github.com/rds-app/rds-app/network"
	"github.com/rds-app/rds-app/ops"
	"github.com/rds-app/rds-app/registry"
)

// Program is the program with the two things it does outside Pulumi's
// resources: ask what an image tag in another registry names now, and roll
// an Auto Scaling group out to a new release and wait for it.
type Program struct {
	// ResolveDigest looks up the digest of an image named by tag outside
	// ECR (compute.DigestResolver).
	ResolveDigest compute.DigestResolver
	// RollGroup rolls a group out to a new release (compute.GroupRoller);
	// nil leaves a group on the release it was created with.
	RollGroup compute.GroupRoller
}

// Deployed is the program `pulumi up` runs: tags are looked up in their
// registries, and a group's release is rolled out by an instance refresh
// `pulumi up` waits for.
var Deployed = Program{ResolveDigest: imagelookup.Digest, RollGroup: RollGroupWithAWS}

// Offline is the program where no registry and no AWS API outside the
// provider may be asked (the tests, and rds-app-rehearse against an
// emulator): a tag outside ECR stands for the digest OfflineDigest gives
// it, and a group is not rolled (the emulator has no instance refresh).
var Offline = Program{ResolveDigest: OfflineDigest}

// OfflineDigest stands in for a registry: a digest that follows the
// reference, so one tag is one digest and another tag another.
func OfflineDigest(ref string) (string, error) {
	sum := sha256.Sum256([]byte(ref))
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Run is the whole program: what `pulumi up` executes (main.go).
func Run(ctx *pulumi.Context) error { return Deployed.Run(ctx) }

// Run runs the program and exports its outputs.
func (p Program) Run(ctx *pulumi.Context) error {
	outputs, err := p.Deploy(ctx)
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
func (p Program) Deploy(ctx *pulumi.Context) (pulumi.Map, error) {
	info, err := awslookup.Lookup(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := loadConfig(ctx, config.Facts{
		Region:            info.Region,
		AvailabilityZones: info.AvailabilityZones,
		Today:             time.Now().UTC(),
		ZonesOffering:     func(instanceType string) ([]string, error) { return awslookup.InstanceTypeZones(ctx, instanceType) },
	})
	if err != nil {
		return nil, err
	}
	// A tag outside ECR is looked up before anything is registered: a tag
	// its registry does not have stops the deploy with nothing half-built.
	image, err := awsfacts.ParseImage(cfg.App.Image)
	if err != nil {
		return nil, err
	}
	if cfg.App.Image, err = compute.PinOutsideECR(image, p.ResolveDigest); err != nil {
		return nil, err
	}
	// Names that must be unique per account and region start with this.
	prefix := ctx.Project() + "-" + ctx.Stack()

	webPorts, publicPorts := cfg.App.ListenPorts()
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

	var repo *registry.Registry
	if cfg.App.Repository {
		repo, err = registry.New(ctx, "images", cfg.App, registry.Inputs{NamePrefix: prefix})
		if err != nil {
			return nil, fmt.Errorf("building the image repository: %w", err)
		}
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
		RollGroup:                   p.RollGroup,
		// The rollout step calls AWS with the provider's profile.
		AWSProfile: awsProfile(ctx),
	}
	if repo != nil {
		computeInputs.RepositoryArn = repo.RepositoryArn
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

	return stackOutputs(cfg, info.Region, net, db, app, repo, watch), nil
}

// awsProfile is the provider's aws:profile, "" when it has none.
func awsProfile(ctx *pulumi.Context) string {
	profile, _ := ctx.GetConfig("aws:profile")
	return profile
}
