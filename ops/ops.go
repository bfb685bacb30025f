// Package ops owns what watches the stack once it runs: one encrypted SNS
// topic per stack that pages someone, CloudWatch alarms with thresholds
// derived from what is deployed (ops/thresholds, pure: this package turns
// its alarms into CloudWatch resources),
// a CloudWatch dashboard graphing what the alarms watch with their
// thresholds drawn (dashboard.go; its body pure), the RDS event
// subscriptions of the database, its replicas and its proxy,
// and, with ops.backupPlan, AWS Backup with a weekly restore test that
// proves the backups restore.
//
// New calls the steps in a fixed order; each AWS concern has its own file.
package ops

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/ops/thresholds"
)

// Inputs is what operations need beyond their own configuration section:
// what the thresholds follow from, names, the stack's location, and what
// the other components produced.
type Inputs struct {
	// NamePrefix starts the names that must be stable ("rds-app-dev"): the
	// topic, the alarms, the restore test.
	NamePrefix string
	// Region, Partition and AccountID locate the stack.
	Region, Partition, AccountID string
	// Database and App are the validated sections the thresholds and the
	// backup schedule follow from.
	Database config.Database
	App      config.App

	// DBInstanceIdentifier, DBInstanceArn and DBSubnetGroupName are the
	// database's.
	DBInstanceIdentifier pulumi.StringInput
	DBInstanceArn        pulumi.StringInput
	DBSubnetGroupName    pulumi.StringInput
	// HostInstanceID is the single host the status check alarms watch
	// (unused with App.LoadBalanced()).
	HostInstanceID pulumi.StringInput
	// HealthNamespace is where the hosts publish their health metric.
	HealthNamespace pulumi.StringInput

	// The inputs of scale-out. Each is read only when the configuration
	// above turns its feature on, and may be a zero-valued output when it
	// is off (and nil in a program that never turns it on).

	// AutoScalingGroupName is the hosts' Auto Scaling group's name, the
	// AWS/EC2 dimension AutoScalingGroupName. Read when App.LoadBalanced().
	AutoScalingGroupName pulumi.StringInput
	// LoadBalancerArnSuffix is the Application Load Balancer's ARN suffix
	// ("app/<name>/<id>", aws.lb.LoadBalancer's arnSuffix), the
	// AWS/ApplicationELB dimension LoadBalancer. Read when
	// App.LoadBalanced().
	LoadBalancerArnSuffix pulumi.StringInput
	// TargetGroupArnSuffix is the hosts' target group's ARN suffix
	// ("targetgroup/<name>/<id>", aws.lb.TargetGroup's arnSuffix), the
	// AWS/ApplicationELB dimension TargetGroup. Read when
	// App.LoadBalanced().
	TargetGroupArnSuffix pulumi.StringInput
	// ReplicaIdentifiers are the read replicas' DB instance identifiers,
	// Database.ReadReplicas of them in the order of DATABASE_READ_URLS:
	// the first is replica 1 of the replica-1-* alarms. Read when
	// Database.ReadReplicas > 0.
	ReplicaIdentifiers pulumi.StringArrayInput
	// ProxyName is the RDS Proxy's name, the dimension ProxyName and the
	// source of its RDS events. Read when Database.Proxy.
	ProxyName pulumi.StringInput
}

// check reports the inputs a turned-on feature needs and was not given:
// a program that forgets one fails here, by name, rather than with a nil
// dereference.
func (in Inputs) check() error {
	var missing []string
	need := func(name string, absent bool) {
		if absent {
			missing = append(missing, name)
		}
	}
	if in.App.LoadBalanced() {
		need("AutoScalingGroupName", in.AutoScalingGroupName == nil)
		need("LoadBalancerArnSuffix", in.LoadBalancerArnSuffix == nil)
		need("TargetGroupArnSuffix", in.TargetGroupArnSuffix == nil)
	} else {
		need("HostInstanceID", in.HostInstanceID == nil)
	}
	if in.Database.ReadReplicas > 0 {
		need("ReplicaIdentifiers", in.ReplicaIdentifiers == nil)
	}
	if in.Database.Proxy {
		need("ProxyName", in.ProxyName == nil)
	}
	if len(missing) > 0 {
		return fmt.Errorf("operations need %s for what the configuration turns on", strings.Join(missing, ", "))
	}
	return nil
}

// Args is what operations are built from: the validated ops section and
// the inputs.
type Args struct {
	Ops config.Ops
	Inputs
}

// Ops is the component.
type Ops struct {
	pulumi.ResourceState

	// TopicArn is the notification topic: subscribe Slack, PagerDuty or a
	// phone to it.
	TopicArn pulumi.StringOutput `pulumi:"topicArn"`
	// AlarmNames are the CloudWatch alarms (none with ops.alarms off).
	AlarmNames pulumi.StringArrayOutput `pulumi:"alarmNames"`
	// DashboardName is the CloudWatch dashboard of the stack, made with
	// or without the alarms.
	DashboardName pulumi.StringOutput `pulumi:"dashboardName"`
	// DashboardURL opens it in the AWS console.
	DashboardURL pulumi.StringOutput `pulumi:"dashboardUrl"`
	// BackupVault is the AWS Backup vault ("" without ops.backupPlan).
	BackupVault pulumi.StringOutput `pulumi:"backupVault"`
	// BackupRoleArn is the role AWS Backup backs up and restores with, for
	// a restore by hand ("" without ops.backupPlan).
	BackupRoleArn pulumi.StringOutput `pulumi:"backupRoleArn"`
}

// New creates the topic, the alarms, the dashboard, the event subscription
// and the backups. Thresholds and the dashboard's layout are derived
// before anything is registered.
func New(ctx *pulumi.Context, name string, cfg config.Ops, in Inputs, opts ...pulumi.ResourceOption) (*Ops, error) {
	args := Args{Ops: cfg, Inputs: in}
	if err := in.check(); err != nil {
		return nil, fmt.Errorf("creating operations %q: %w", name, err)
	}
	// The dashboard graphs what the alarms watch whether or not they are
	// created: it is where people look first.
	deployment := thresholds.Deployment{Database: args.Database, App: args.App}
	derived, err := thresholds.Alarms(deployment)
	if err != nil {
		return nil, fmt.Errorf("creating operations %q: %w", name, err)
	}
	var alarms []thresholds.Alarm
	if args.Ops.Alarms {
		alarms = derived
	}
	dashboard := DashboardSpec{Name: DashboardName(args.NamePrefix), Region: args.Region, Deployment: deployment, Alarms: derived, Drawn: args.Ops.Alarms}
	layout, err := dashboardLayout(dashboard)
	if err != nil {
		return nil, fmt.Errorf("creating operations %q: %w", name, err)
	}
	o := &Ops{}
	if err := ctx.RegisterComponentResource("rds-app:ops:Ops", name, o, opts...); err != nil {
		return nil, fmt.Errorf("registering operations component %q: %w", name, err)
	}
	parent := pulumi.Parent(o)

	t, err := newTopic(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	alarmArns, err := newAlarms(ctx, name, args, alarms, t.topic.Arn, parent)
	if err != nil {
		return nil, err
	}
	d, err := newDashboard(ctx, name, args, dashboard, layout, alarmArns, parent)
	if err != nil {
		return nil, err
	}
	if err := newEventSubscription(ctx, name, args, t.topic.Arn, parent); err != nil {
		return nil, err
	}
	o.BackupVault = pulumi.String("").ToStringOutput()
	o.BackupRoleArn = pulumi.String("").ToStringOutput()
	if args.Ops.BackupPlan {
		b, err := newBackups(ctx, name, args, t.topic.Arn, parent)
		if err != nil {
			return nil, err
		}
		o.BackupVault, o.BackupRoleArn = b.vault.Name, b.role.Arn
	}

	names := make([]string, len(alarms))
	for i, a := range alarms {
		names[i] = AlarmName(args.NamePrefix, a.Key)
	}
	o.TopicArn = t.topic.Arn
	o.AlarmNames = pulumi.ToStringArray(names).ToStringArrayOutput()
	o.DashboardName = d.DashboardName
	o.DashboardURL = d.DashboardName.ApplyT(func(n string) string { return DashboardURL(args.Partition, args.Region, n) }).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(o, pulumi.Map{
		"topicArn":      o.TopicArn,
		"alarmNames":    o.AlarmNames,
		"dashboardName": o.DashboardName,
		"dashboardUrl":  o.DashboardURL,
		"backupVault":   o.BackupVault,
		"backupRoleArn": o.BackupRoleArn,
	}); err != nil {
		return nil, fmt.Errorf("registering operations outputs: %w", err)
	}
	return o, nil
}
