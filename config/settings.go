package config

// This file assembles the settings table from its sections, one file each
// (settings_<section>.go), and holds the helpers the sections' rules share.

import (
	"slices"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// Settings is every configuration key of rds-app, in the order
// docs/configuration.md lists them: the sections in their order (see
// sections), each section's keys as its file lists them
// (settings_network.go, settings_database.go, settings_app.go,
// settings_ops.go). Adding a key means adding it to its section's list,
// using it in its component, and testing it; docs/configuration.md's tables
// and Pulumi.yaml's descriptions are regenerated from this table
// (`go generate ./...`), and a test fails until they are.
var Settings = slices.Concat(networkSettings, databaseSettings, appSettings, opsSettings)

// Lookup returns the setting at path ("database.port").
func Lookup(path string) (Setting, bool) {
	for _, s := range Settings {
		if s.Path() == path {
			return s, true
		}
	}
	return Setting{}, false
}

var retentionRule = "a CloudWatch Logs retention: " + awsfacts.JoinInts(awsfacts.LogRetentionDays)

// between fails a value outside min..max; unit follows the value (" GiB").
func (v *checker) between(n, min, max int, unit string) {
	if n < min || n > max {
		v.fail("%d%s is outside %d..%d", n, unit, min, max)
	}
}

// retention fails a period CloudWatch Logs cannot keep logs for.
func (v *checker) retention(days int) {
	if !slices.Contains(awsfacts.LogRetentionDays, days) {
		v.fail("%d is not a retention period CloudWatch Logs accepts", days)
	}
}
