package ops

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/rds-app/rds-app/ops/thresholds"
)

// EC2ActionArn is the alarm action that has EC2 recover or reboot the
// instance the alarm watches.
func EC2ActionArn(partition, region, action string) string {
	return fmt.Sprintf("arn:%s:automate:%s:ec2:%s", partition, region, action)
}

// AlarmName is the name of the alarm with key in the stack with prefix
// ("rds-app-dev-database-cpu").
func AlarmName(prefix, key string) string { return prefix + "-" + key }

// dimension is one CloudWatch dimension of a metric.
type dimension[T any] struct {
	Name  string
	Value T
}

// targetIDs hold what the dimensions of each target's metrics take their
// values from: inputs for the alarms, resolved names for the dashboard.
// Replica is called only for TargetReplica.
type targetIDs[T any] struct {
	Database, Host, Hosts, LoadBalancer, TargetGroup, Proxy T
	Replica                                                 func(i int) T
}

// dimensionsOf are the dimensions of a target's metrics (replica numbers a
// TargetReplica's), the one mapping from targets to CloudWatch dimensions;
// false for a target it does not know.
func dimensionsOf[T any](target thresholds.Target, replica int, ids targetIDs[T]) ([]dimension[T], bool) {
	switch target {
	case thresholds.TargetDatabase:
		return []dimension[T]{{"DBInstanceIdentifier", ids.Database}}, true
	case thresholds.TargetHost:
		return []dimension[T]{{"InstanceId", ids.Host}}, true
	case thresholds.TargetApp:
		// The hosts' health metric has no dimension: CloudWatch pools
		// their reports.
		return nil, true
	case thresholds.TargetHosts:
		return []dimension[T]{{"AutoScalingGroupName", ids.Hosts}}, true
	case thresholds.TargetLoadBalancer:
		return []dimension[T]{{"LoadBalancer", ids.LoadBalancer}}, true
	case thresholds.TargetTargetGroup:
		// A target group's metrics are published per load balancer.
		return []dimension[T]{{"TargetGroup", ids.TargetGroup}, {"LoadBalancer", ids.LoadBalancer}}, true
	case thresholds.TargetReplica:
		return []dimension[T]{{"DBInstanceIdentifier", ids.Replica(replica)}}, true
	case thresholds.TargetProxy:
		return []dimension[T]{{"ProxyName", ids.Proxy}}, true
	}
	return nil, false
}

// newAlarms creates the alarms Alarms derives, each notifying the topic on
// ALARM and on OK, and returns their ARNs in the same order.
func newAlarms(ctx *pulumi.Context, name string, args Args, alarms []thresholds.Alarm, topicArn pulumi.StringOutput, parent pulumi.ResourceOption) (pulumi.StringArray, error) {
	ids := targetIDs[pulumi.StringInput]{
		Database: args.DBInstanceIdentifier, Host: args.HostInstanceID, Hosts: args.AutoScalingGroupName,
		LoadBalancer: args.LoadBalancerArnSuffix, TargetGroup: args.TargetGroupArnSuffix, Proxy: args.ProxyName,
		Replica: func(i int) pulumi.StringInput {
			return args.ReplicaIdentifiers.ToStringArrayOutput().Index(pulumi.Int(i))
		},
	}
	var arns pulumi.StringArray
	for _, a := range alarms {
		dims, ok := dimensionsOf(a.Target, a.Replica, ids)
		if !ok {
			return nil, fmt.Errorf("creating alarm %q: no dimensions for target %q", a.Key, a.Target)
		}
		dimensions, namespace := pulumi.StringMap{}, pulumi.StringInput(pulumi.String(a.Namespace))
		for _, d := range dims {
			dimensions[d.Name] = d.Value
		}
		if a.Target == thresholds.TargetApp {
			namespace = args.HealthNamespace
		}
		actions := pulumi.Array{topicArn}
		if a.EC2Action != "" {
			actions = append(actions, pulumi.String(EC2ActionArn(args.Partition, args.Region, a.EC2Action)))
		}
		alarmArgs := &cloudwatch.MetricAlarmArgs{
			// Named, not auto-named: the name is the subject of every
			// notification.
			Name:               pulumi.String(AlarmName(args.NamePrefix, a.Key)),
			AlarmDescription:   pulumi.String(a.Description),
			ComparisonOperator: pulumi.String(a.Comparison),
			Threshold:          pulumi.Float64(a.Threshold),
			EvaluationPeriods:  pulumi.Int(a.EvaluationPeriods),
			DatapointsToAlarm:  pulumi.Int(a.DatapointsToAlarm),
			TreatMissingData:   pulumi.String(a.TreatMissingData),
			ActionsEnabled:     pulumi.Bool(true),
			AlarmActions:       actions,
			OkActions:          pulumi.Array{topicArn},
		}
		if len(a.Queries) == 0 {
			alarmArgs.Namespace = namespace
			alarmArgs.MetricName = pulumi.String(a.Metric)
			// CloudWatch takes a statistic or a percentile, never both.
			if a.ExtendedStatistic != "" {
				alarmArgs.ExtendedStatistic = pulumi.String(a.ExtendedStatistic)
			} else {
				alarmArgs.Statistic = pulumi.String(a.Statistic)
			}
			alarmArgs.Period = pulumi.Int(a.Period)
			if len(dimensions) > 0 {
				alarmArgs.Dimensions = dimensions
			}
		} else {
			var queries cloudwatch.MetricAlarmMetricQueryArray
			for i, q := range a.Queries {
				query := cloudwatch.MetricAlarmMetricQueryArgs{
					Id:         pulumi.String(q.ID),
					ReturnData: pulumi.Bool(i == len(a.Queries)-1),
				}
				if q.Expression != "" {
					query.Expression = pulumi.String(q.Expression)
					query.Label = pulumi.String(a.Formula)
				} else {
					query.Metric = cloudwatch.MetricAlarmMetricQueryMetricArgs{
						Namespace:  namespace,
						MetricName: pulumi.String(q.Metric),
						Stat:       pulumi.String(q.Statistic),
						Period:     pulumi.Int(a.Period),
						Dimensions: dimensions,
					}
				}
				queries = append(queries, query)
			}
			alarmArgs.MetricQueries = queries
		}
		alarm, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+a.Key, alarmArgs, parent)
		if err != nil {
			return nil, fmt.Errorf("creating alarm %q: %w", a.Key, err)
		}
		arns = append(arns, alarm.Arn)
	}
	return arns, nil
}
