package config

// This file holds the rds-app:ops keys of the settings table: the alarms,
// who is told, and AWS Backup with its restore test.

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// opsSettings are the rds-app:ops keys, in the order docs/configuration.md
// lists them.
var opsSettings = []Setting{
	{
		Section: SectionOps, Name: "alarms", Kind: Boolean,
		bind: boolField(func(c *Config) *bool { return &c.Ops.Alarms }, DefaultAlarms),
		Doc: "The CloudWatch alarms of [Operations](#operations) on the database (and its replicas and proxy), the host or the group and its load balancer, and the application's health, with thresholds derived from the instance class, the storage and the hosts' type; each notifies the topic on ALARM and OK. " +
			"Off suits a throwaway stack: the topic, the RDS event subscription, the host's health metric and the dashboard (without the thresholds) stay.",
		Example: false, Effect: InPlace,
	},
	{
		Section: SectionOps, Name: "alarmEmail", Kind: StringList,
		bind:    listField(func(c *Config) *[]string { return &c.Ops.AlarmEmails }, DefaultAlarmEmails),
		Rule:    fmt.Sprintf("distinct email addresses, at most %d characters each", maxEmail),
		Doc:     "Addresses subscribed by email to the stack's notification topic (output `alarmTopicArn`). AWS mails each a confirmation link, and nothing reaches an address until it is followed. Subscribe Slack, PagerDuty or a phone to the topic yourself.",
		Example: []string{"ops@example.com"}, Effect: InPlace,
		check: func(v *checker, c *Config) {
			list := c.Ops.AlarmEmails
			for i, s := range list {
				item := fmt.Sprintf("[%d]", i)
				switch {
				case len(s) > maxEmail:
					v.failAt(item, "%s is longer than %d characters", awsfacts.Quote(s), maxEmail)
				case !emailRE.MatchString(s):
					v.failAt(item, "%s is not an email address", awsfacts.Quote(s))
				case slices.Index(list, s) != i:
					v.failAt(item, "%q is listed twice", s)
				}
			}
		},
	},
	{
		Section: SectionOps, Name: "backupPlan", Kind: Boolean,
		bind: boolField(func(c *Config) *bool { return &c.Ops.BackupPlan }, DefaultBackupPlan),
		Doc: "AWS Backup for the database: a vault with its own KMS key (kept when the stack is deleted, with its recovery points), a daily backup kept " + fmt.Sprint(BackupPlanRetentionDays) + " days, " +
			"and a weekly restore test that restores the latest backup into a new instance, reports to the topic and deletes it: see [Operations](#operations).",
		Example: true, Effect: InPlace,
	},
}

// maxEmail is the longest address SMTP carries (RFC 5321's path limit).
const maxEmail = 254

// emailRE is an address SNS can mail: local part, @, a dotted domain.
var emailRE = regexp.MustCompile(`^[^@\s"(),:;<>\[\]\\]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)
