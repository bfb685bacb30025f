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

// ReplicaEventCategories are the read replicas': the database's, and
// "read replica", RDS's word that replication broke, stopped or was
// restarted (RDS-EVENT-0045, 0057, 0062, 0063 ...), which ReplicaLag
// alone would show only as a lag.
var ReplicaEventCategories = append(append([]string{}, DatabaseEventCategories...), "read replica")

// ProxyEventCategories are the RDS Proxy's: "failure" holds its two
// failures, too few free addresses in the subnets to grow
// (RDS-EVENT-0243) and connections refused over its limit of concurrent
// connection requests (RDS-EVENT-0275). Its other categories (creation,
// deletion, configuration change) are the stack's own doing.
var ProxyEventCategories = []string{"failure"}

// newEventSubscription sends the database's events to the topic, and
// those of its replicas and proxy when there are any. One subscription per
// source type (RDS takes one type per subscription); the database's is
// the same in every mode, so turning replicas or the proxy on or off
// leaves it alone.
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
	if args.Database.ReadReplicas > 0 {
		if _, err := rds.NewEventSubscription(ctx, name+"-replica-events", &rds.EventSubscriptionArgs{
			SnsTopic:        topicArn,
			SourceType:      pulumi.String("db-instance"),
			SourceIds:       args.ReplicaIdentifiers,
			EventCategories: pulumi.ToStringArray(ReplicaEventCategories),
			Enabled:         pulumi.Bool(true),
		}, parent); err != nil {
			return fmt.Errorf("creating the read replicas' event subscription: %w", err)
		}
	}
	if args.Database.Proxy {
		if _, err := rds.NewEventSubscription(ctx, name+"-proxy-events", &rds.EventSubscriptionArgs{
			SnsTopic:        topicArn,
			SourceType:      pulumi.String("db-proxy"),
			SourceIds:       pulumi.StringArray{args.ProxyName},
			EventCategories: pulumi.ToStringArray(ProxyEventCategories),
			Enabled:         pulumi.Bool(true),
		}, parent); err != nil {
			return fmt.Errorf("creating the proxy's event subscription: %w", err)
		}
	}
	return nil
}
