package main

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sampleConn = connParams{
	Host:     sampleOutputs.DBEndpoint,
	HostAddr: "127.0.0.1",
	Port:     54321,
	DBName:   "app",
	User:     "app_admin",
	RootCert: "/home/dev/.cache/rds-app/rds-global-bundle.pem",
}

func TestNewConnParams(t *testing.T) {
	got := newConnParams(sampleOutputs, connection{Host: "ignored", Username: "app_admin", Password: "pw"}, 54321, sampleConn.RootCert)
	assert.Equal(t, sampleConn, got, "the certificate is checked against the endpoint name, the packets go to the tunnel")
}

func TestKeywordString(t *testing.T) {
	assert.Equal(t,
		"host=rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com hostaddr=127.0.0.1 port=54321 dbname=app user=app_admin "+
			"sslmode=verify-full sslrootcert=/home/dev/.cache/rds-app/rds-global-bundle.pem",
		sampleConn.keywordString(""), "no password unless asked for")
	assert.Equal(t,
		"host=rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com hostaddr=127.0.0.1 port=54321 dbname=app user=app_admin "+
			`password='it\'s a \\ pw' sslmode=verify-full sslrootcert=/home/dev/.cache/rds-app/rds-global-bundle.pem`,
		sampleConn.keywordString(`it's a \ pw`))
	assert.Equal(t, "host=rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com hostaddr=127.0.0.1 port=54321 dbname=app user=app_admin "+
		"sslmode=verify-full sslrootcert=/home/dev/.cache/rds-app/rds-global-bundle.pem", sampleConn.keywordString(""),
		"a call with a password leaves the next call without one")
}

func TestQuoteKeywordValue(t *testing.T) {
	for in, want := range map[string]string{
		"plain":              "plain",
		"a=b":                "a=b",
		"":                   "''",
		"with space":         "'with space'",
		"it's":               `'it\'s'`,
		`back\slash`:         `'back\\slash'`,
		"/Users/A B/ca.pem":  "'/Users/A B/ca.pem'",
		"tab\there":          "'tab\there'",
		`both ' and \ and x`: `'both \' and \\ and x'`,
	} {
		assert.Equal(t, want, quoteKeywordValue(in), "value %q", in)
	}
}

func TestURLString(t *testing.T) {
	assert.Equal(t,
		"postgresql://app_admin@rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com:54321/app"+
			"?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=%2Fhome%2Fdev%2F.cache%2Frds-app%2Frds-global-bundle.pem",
		sampleConn.urlString(""))

	// Every special character survives the round trip, and a space is
	// %20: libpq does not read "+" as a space.
	odd := sampleConn
	odd.RootCert = "/Users/A B/ca+x.pem"
	u, err := url.Parse(odd.urlString(`p@ss:w/rd %+`))
	require.NoError(t, err)
	pw, ok := u.User.Password()
	assert.True(t, ok)
	assert.Equal(t, `p@ss:w/rd %+`, pw)
	assert.Contains(t, u.RawQuery, "sslrootcert=%2FUsers%2FA%20B%2Fca%2Bx.pem")
	assert.Equal(t, "/Users/A B/ca+x.pem", u.Query().Get("sslrootcert"))
}

func TestPgpassLine(t *testing.T) {
	assert.Equal(t, "rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com:54321:*:app_admin:s3cret-_.~\n",
		pgpassLine(sampleConn, "s3cret-_.~"))
	// ":" separates the fields and "\" escapes: both are escaped in a value.
	assert.Equal(t, `rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com:54321:*:app_admin:a\:b\\c\:\\`+"\n",
		pgpassLine(sampleConn, `a:b\c:\`))
	odd := sampleConn
	odd.User = `us:er`
	assert.Equal(t, `rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com:54321:*:us\:er:pw`+"\n", pgpassLine(odd, "pw"))
}
