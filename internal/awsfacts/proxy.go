package awsfacts

// This file holds what RDS Proxy supports of RDS for PostgreSQL, so that a
// stack with database.proxy is refused before anything is created instead
// of failing when the proxy's target is registered.

import (
	"fmt"
	"slices"
	"strings"
)

// ProxyPostgresMajors are the RDS for PostgreSQL majors RDS Proxy supports.
//
// Source: "Supported Regions and DB engines for Amazon RDS Proxy",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.RDS_Fea_Regions_DB-eng.Feature.RDSProxy.html,
// read 2026-12-05 together with the Amazon RDS User Guide's document history
// (2022-12-13: "Amazon RDS supports RDS Proxy with RDS for PostgreSQL
// version 14"). The page gives one column per major, each "All available
// versions" where RDS Proxy supports it, so the proxy follows majors, not
// minors. Ambiguous: the copy of the page that could be read in full is an
// older one (majors 10 to 13, 14 not yet); the PostgreSQL table of the
// current page could not be read, so 15 to 18 are listed because no page
// read says otherwise, not because one says so: a major is left out only on
// a page's word. A major added to MinMajorVersion..MaxMajorVersion is
// refused with the proxy until its support is read and added here.
var ProxyPostgresMajors = []int{13, 14, 15, 16, 17, 18}

// ProxyExcludedClassFamilies are the RDS for PostgreSQL class families RDS
// Proxy does not run with.
//
// Source: "Quotas and limitations for RDS Proxy" and "Additional limitations
// for RDS for PostgreSQL",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html,
// read 2026-12-05: they name no instance class, burstable or other, that
// RDS Proxy refuses for an RDS for PostgreSQL instance (db.t3 and db.t4g,
// micro and small included), so none is excluded. (db.t2 is not an RDS for
// PostgreSQL class this program accepts at all: see postgresFamilies.)
var ProxyExcludedClassFamilies = []string{}

// CheckProxyEngine refuses a version whose major RDS Proxy does not support.
func CheckProxyEngine(v EngineVersion) error {
	if slices.Contains(ProxyPostgresMajors, v.Major) {
		return nil
	}
	return fmt.Errorf("RDS Proxy does not support PostgreSQL %d; it supports majors %s", v.Major, JoinInts(ProxyPostgresMajors))
}

// CheckProxyInstanceClass refuses a class (already an RDS for PostgreSQL
// class) whose family RDS Proxy does not run with.
func CheckProxyInstanceClass(class string) error {
	rest, _ := strings.CutPrefix(class, "db.")
	family, _, _ := strings.Cut(rest, ".")
	if !slices.Contains(ProxyExcludedClassFamilies, family) {
		return nil
	}
	var supported []string
	for _, f := range PostgresFamilies() {
		if !slices.Contains(ProxyExcludedClassFamilies, f) {
			supported = append(supported, "db."+f)
		}
	}
	return fmt.Errorf("RDS Proxy does not run with db.%s classes; it runs with %s", family, strings.Join(supported, ", "))
}
