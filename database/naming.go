package database

// This file derives the names of the database's resources.

import (
	"regexp"
	"strings"
)

// maxIdentifierLen is the longest RDS instance identifier.
const maxIdentifierLen = 63

var nonIdentifierRE = regexp.MustCompile(`[^a-z0-9]+`)

// InstanceIdentifier builds the RDS instance identifier from a prefix
// (usually "<project>-<stack>") and a random suffix: lower-case letters,
// digits and single hyphens, starting with a letter, at most 63 characters.
// The random suffix is created once per stack, so a final snapshot named
// after the identifier never collides with one left behind by an earlier
// stack of the same name.
func InstanceIdentifier(prefix, suffix string) string {
	base := strings.Trim(nonIdentifierRE.ReplaceAllString(strings.ToLower(prefix), "-"), "-")
	if base == "" || base[0] < 'a' || base[0] > 'z' {
		base = strings.TrimSuffix("db-"+base, "-")
	}
	if max := maxIdentifierLen - len(suffix) - 1; len(base) > max {
		base = strings.TrimRight(base[:max], "-")
	}
	return base + "-" + suffix
}

// FinalSnapshotIdentifier names the snapshot RDS takes when the instance is
// deleted.
func FinalSnapshotIdentifier(instanceIdentifier string) string {
	return instanceIdentifier + "-final"
}
