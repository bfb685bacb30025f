package ops

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DatabaseEventCategories are the RDS event categories sent to the topic:
// the instance failed, failed over, runs out of storage (including storage
// autoscaling reaching its ceiling), or has maintenance due, and RDS's own
// notices (among them a pending CA certificate rotation and a retired
// engine version).
var DatabaseEventCategories = []string{"failover", "failure", "low storage", "maintenance", "notification"}

// newEventSubscription sends the database's events to the topic.
func newEventSubscription(ctx *pulumi.Context, name string, args Args, topicArn pulumi.StringOutput, parent pulumi.ResourceOption) error {
	if _, err := rds.NewEventSubscription(ctx, name+"-database-events", &rds.EventSubscriptionArgs{
		SnsTopic:        topicArn,
		SourceType:      pulumi.String("db-instance"),
		SourceIds:       pulumi.StringArray{args.DBInstanceIdentifier},
		EventCategories: pulumi.ToStringArray(DatabaseEventCategories),
		Enabled:         pulumi.Bool(true),
	}, parent); err != nil {
		return fmt.Errorf("creating the database's event subscription: %w", err)
	}
	return nil
}
