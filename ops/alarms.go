package ops

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// EC2ActionArn is the alarm action that has EC2 recover or reboot the
// instance the alarm watches.
func EC2ActionArn(partition, region, action string) string {
	return fmt.Sprintf("arn:%s:automate:%s:ec2:%s", partition, region, action)
}

// AlarmName is the name of the alarm with key in the stack with prefix
// ("rds-app-dev-database-cpu").
func AlarmName(prefix, key string) string { return prefix + "-" + key }

// newAlarms creates the alarms Alarms derives, each notifying the topic on
// ALARM and on OK.
func newAlarms(ctx *pulumi.Context, name string, args Args, alarms []Alarm, topicArn pulumi.StringOutput, parent pulumi.ResourceOption) error {
	for _, a := range alarms {
		dimensions, namespace := pulumi.StringMap{}, pulumi.StringInput(pulumi.String(a.Namespace))
		switch a.Target {
		case TargetDatabase:
			dimensions["DBInstanceIdentifier"] = args.DBInstanceIdentifier
		case TargetHost:
			dimensions["InstanceId"] = args.HostInstanceID
		case TargetApp:
			namespace = args.HealthNamespace
		case TargetHosts:
			dimensions["AutoScalingGroupName"] = args.AutoScalingGroupName
		case TargetLoadBalancer:
			dimensions["LoadBalancer"] = args.LoadBalancerArnSuffix
		case TargetTargetGroup:
			// A target group's metrics are published per load balancer.
			dimensions["TargetGroup"] = args.TargetGroupArnSuffix
			dimensions["LoadBalancer"] = args.LoadBalancerArnSuffix
		case TargetReplica:
			dimensions["DBInstanceIdentifier"] = args.ReplicaIdentifiers.ToStringArrayOutput().Index(pulumi.Int(a.Replica))
		case TargetProxy:
			dimensions["ProxyName"] = args.ProxyName
		default:
			return fmt.Errorf("creating alarm %q: no dimensions for target %q", a.Key, a.Target)
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
		if _, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+a.Key, alarmArgs, parent); err != nil {
			return fmt.Errorf("creating alarm %q: %w", a.Key, err)
		}
	}
	return nil
}
