package awsfacts

// This file holds the host's contract with the container: which variable
// names an env file can carry, which the host itself sets, and the metric
// the host publishes of the container's health.

import (
	"fmt"
	"regexp"
	"slices"
)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// CheckEnvName accepts names that are valid shell and Docker env-file
// identifiers.
func CheckEnvName(s string) error {
	if !envNameRE.MatchString(s) {
		return fmt.Errorf("%s is not a valid environment variable name; use letters, digits and underscores, not starting with a digit", Quote(s))
	}
	return nil
}

// ContractVariables are the environment variables the host itself sets in
// the container from the database secret (the DATABASE_READ_ ones only
// with read replicas). Neither generated secrets nor user variables may
// reuse these names.
var ContractVariables = slices.Concat([]string{
	"DATABASE_CLIENT", "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USERNAME",
	"DATABASE_PASSWORD", "DATABASE_SSL", "DATABASE_SSL_CA", "DATABASE_SSL_REJECT_UNAUTHORIZED",
	"DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE", "PGSSLROOTCERT",
}, ReadVariables)

// ReadVariables are the contract variables the container gets with read
// replicas only.
var ReadVariables = []string{"DATABASE_READ_HOSTS", "DATABASE_READ_PORT", "DATABASE_READ_URLS"}

// IsContractVariable reports whether name is set by the host.
func IsContractVariable(name string) bool {
	return slices.Contains(ContractVariables, name)
}

// GeneratedSecretLength is the length of each generated application secret:
// letters and digits only (no character needs quoting anywhere), 48 of them
// for about 285 bits.
const GeneratedSecretLength = 48

// GeneratedSecretBytes is the size of the application secret holding a
// generated value for each name: a JSON object of name/value strings.
func GeneratedSecretBytes(names []string) int {
	size := 2 // {}
	for i, name := range names {
		if i > 0 {
			size++ // ,
		}
		size += len(name) + 2 + 1 + GeneratedSecretLength + 2 // "name":"value"
	}
	return size
}

// HealthMetricName is the CloudWatch metric the host's health reporter
// publishes and the app-health alarm watches: 1 while the application
// answers its health check and 0 while it does not.
const HealthMetricName = "AppHealthy"
