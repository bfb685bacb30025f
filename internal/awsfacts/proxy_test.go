package awsfacts

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProxyEngine(t *testing.T) {
	for _, tt := range []struct {
		version EngineVersion
		want    string // "" when RDS Proxy supports it
	}{
		{EngineVersion{Major: 13, Minor: -1}, ""},
		{EngineVersion{Major: 17, Minor: 6}, ""}, // a major's every minor
		{EngineVersion{Major: 18, Minor: -1}, ""},
		{EngineVersion{Major: 12, Minor: -1}, "RDS Proxy does not support PostgreSQL 12; it supports majors 13, 14, 15, 16, 17, 18"},
		{EngineVersion{Major: 19, Minor: 0}, "RDS Proxy does not support PostgreSQL 19; it supports majors 13, 14, 15, 16, 17, 18"},
	} {
		err := CheckProxyEngine(tt.version)
		if tt.want == "" {
			assert.NoError(t, err, "%+v", tt.version)
		} else {
			assert.EqualError(t, err, tt.want)
		}
	}
}

// TestProxyPostgresMajorsCoverTheProgram: the facts are about majors the
// program can create, in order; a major added to the program's range is
// refused with the proxy until RDS Proxy's support for it is read and
// added here.
func TestProxyPostgresMajorsCoverTheProgram(t *testing.T) {
	assert.True(t, slices.IsSorted(ProxyPostgresMajors))
	for _, m := range ProxyPostgresMajors {
		assert.True(t, m >= MinMajorVersion && m <= MaxMajorVersion, "%d is not a major the program supports", m)
	}
}

// TestProxyInstanceClasses: AWS's documentation names no RDS for PostgreSQL
// class RDS Proxy refuses, burstable micro and small ones included.
func TestProxyInstanceClasses(t *testing.T) {
	for _, class := range []string{"db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.m7g.large", "db.r8g.48xlarge"} {
		assert.NoError(t, CheckProxyInstanceClass(class), class)
	}

	excluded := ProxyExcludedClassFamilies
	t.Cleanup(func() { ProxyExcludedClassFamilies = excluded })
	ProxyExcludedClassFamilies = []string{"t3", "t4g", "m5", "m5d", "m6g", "m6gd", "m6i", "m6id", "m6idn", "m6in", "m7i", "m8g", "m8gd",
		"r5", "r5b", "r5d", "r6g", "r6gd", "r6i", "r6id", "r6idn", "r6in", "r7i", "r8g", "r8gd", "x2g", "x2idn", "x2iedn", "x2iezn"}
	assert.EqualError(t, CheckProxyInstanceClass("db.t4g.micro"), "RDS Proxy does not run with db.t4g classes; it runs with db.m7g, db.r7g")
	assert.NoError(t, CheckProxyInstanceClass("db.m7g.large"))
}
