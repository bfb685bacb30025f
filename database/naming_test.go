package database

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInstanceIdentifier(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z](?:[a-z0-9]|-[a-z0-9])*$`)
	for _, tt := range []struct{ prefix, suffix, want string }{
		{"rds-app-dev", "a1b2c3d4", "rds-app-dev-a1b2c3d4"},
		{"rds-app-Prod_EU.1", "a1b2c3d4", "rds-app-prod-eu-1-a1b2c3d4"},
		{"rds-app--x--", "00ff00ff", "rds-app-x-00ff00ff"},
		{"42", "a1b2c3d4", "db-42-a1b2c3d4"},
		{"", "a1b2c3d4", "db-a1b2c3d4"},
		{strings.Repeat("long-", 20), "a1b2c3d4", "long-long-long-long-long-long-long-long-long-long-long-a1b2c3d4"},
	} {
		got := InstanceIdentifier(tt.prefix, tt.suffix)
		assert.Equal(t, tt.want, got)
		assert.LessOrEqual(t, len(got), 63)
		assert.Regexp(t, valid, got, "RDS identifier rules")
		assert.Regexp(t, valid, FinalSnapshotIdentifier(got), "snapshot identifier rules")
	}
}
