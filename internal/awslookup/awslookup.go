// Package awslookup asks AWS, once per program run (where
// internal/awsfacts holds what is known without asking), for the facts the
// configuration is validated against and the components build ARNs from:
// the region, its availability zones, the partition and the account.
package awslookup

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Info is what the program knows about the AWS account and region it
// deploys into.
type Info struct {
	Region            string
	AvailabilityZones []string
	Partition         string
	// DNSSuffix is the partition's domain ("amazonaws.com").
	DNSSuffix string
	AccountID string
}

// InstanceTypeZones lists the availability zones of the region that offer
// instanceType. Not every zone offers every type, and an instance launched
// in a zone without it fails half-way through a deploy.
func InstanceTypeZones(ctx *pulumi.Context, instanceType string) ([]string, error) {
	res, err := ec2.GetInstanceTypeOfferings(ctx, &ec2.GetInstanceTypeOfferingsArgs{
		LocationType: pulumi.StringRef("availability-zone"),
		Filters:      []ec2.GetInstanceTypeOfferingsFilter{{Name: "instance-type", Values: []string{instanceType}}},
	})
	if err != nil {
		return nil, fmt.Errorf("looking up the zones that offer %q: %w", instanceType, err)
	}
	return res.Locations, nil
}

// Lookup reads the facts through the AWS provider's data sources.
func Lookup(ctx *pulumi.Context) (Info, error) {
	region, err := aws.GetRegion(ctx, &aws.GetRegionArgs{})
	if err != nil {
		return Info{}, fmt.Errorf("looking up the AWS region: %w", err)
	}
	// Only the region's own zones (not Local or Wavelength Zones), whatever
	// their state today: a zone that is impaired on the day of a `pulumi up`
	// must not shift the zone list, and with it every subnet, the database's
	// subnet group and the host.
	zones, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		Filters: []aws.GetAvailabilityZonesFilter{
			{Name: "opt-in-status", Values: []string{"opt-in-not-required"}},
		},
	})
	if err != nil {
		return Info{}, fmt.Errorf("looking up availability zones: %w", err)
	}
	partition, err := aws.GetPartition(ctx, &aws.GetPartitionArgs{})
	if err != nil {
		return Info{}, fmt.Errorf("looking up the AWS partition: %w", err)
	}
	caller, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{})
	if err != nil {
		return Info{}, fmt.Errorf("looking up the AWS account: %w", err)
	}
	return Info{
		Region:            region.Name,
		AvailabilityZones: zones.Names,
		Partition:         partition.Partition,
		DNSSuffix:         partition.DnsSuffix,
		AccountID:         caller.AccountId,
	}, nil
}
