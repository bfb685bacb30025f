package database

// This file derives the names of the database's resources.

import (
	"fmt"
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

// ReplicaIdentifier is the identifier of the nth read replica (from 1): the
// primary's identifier with "-replica-<n>", shortening the prefix rather
// than the part that tells the replicas apart.
func ReplicaIdentifier(prefix, suffix string, n int) string {
	return InstanceIdentifier(prefix, fmt.Sprintf("%s-replica-%d", suffix, n))
}

// ProxyName is the RDS Proxy's name: the primary's identifier with
// "-proxy". The rules are the instance identifier's (a letter first, then
// letters, digits and single hyphens, at most 63 characters).
func ProxyName(prefix, suffix string) string {
	return InstanceIdentifier(prefix, suffix+"-proxy")
}

// proxyArnRE matches an RDS Proxy's ARN; the last part is the proxy's
// resource ID.
var proxyArnRE = regexp.MustCompile(`^arn:[a-z-]+:rds:[a-z0-9-]+:[0-9]{12}:db-proxy:(prx-[a-z0-9]+)$`)

// ProxyConnectArn is the resource of rds-db:connect for signing in to the
// proxy as username with an IAM token: the proxy's resource ID (prx-…,
// the last part of its ARN) stands where an instance's db-… would. A value
// that is no ARN at all is a stand-in for one not known yet (rds-app-rehearse
// hands out references to what Terraform will compute): it is kept whole,
// so the result still names the proxy.
func ProxyConnectArn(partition, region, accountID, proxyArn, username string) (string, error) {
	id := proxyArn
	if m := proxyArnRE.FindStringSubmatch(proxyArn); m != nil {
		id = m[1]
	} else if strings.HasPrefix(proxyArn, "arn:") || proxyArn == "" {
		return "", fmt.Errorf("%q is not an RDS Proxy ARN (arn:…:rds:<region>:<account>:db-proxy:prx-…)", proxyArn)
	}
	return fmt.Sprintf("arn:%s:rds-db:%s:%s:dbuser:%s/%s", partition, region, accountID, id, username), nil
}
