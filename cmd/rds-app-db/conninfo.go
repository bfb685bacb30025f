package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// tunnelAddr is where the tunnel's local end listens, and so where libpq
// sends the packets (hostaddr). Loopback only: the tunnel is for this
// machine's user, never its network.
const tunnelAddr = "127.0.0.1"

// redacted stands in for the password in what is printed without
// --show-password.
const redacted = "REDACTED"

// connParams are libpq's settings for the database through the tunnel.
type connParams struct {
	// Host is the RDS endpoint's name. With hostaddr set libpq does not
	// look it up; verify-full checks the server certificate against it,
	// and the password file is matched on it.
	Host string
	// HostAddr is where the packets go: the tunnel's local end.
	HostAddr string
	// Port is the tunnel's local port.
	Port     int
	DBName   string
	User     string
	RootCert string
}

func newConnParams(out stackOutputs, sec connection, localPort int, rootCert string) connParams {
	return connParams{
		Host:     out.DBEndpoint,
		HostAddr: tunnelAddr,
		Port:     localPort,
		DBName:   out.DBName,
		User:     sec.Username,
		RootCert: rootCert,
	}
}

// keyword is one libpq connection setting.
type keyword struct{ key, value string }

// keywords are the settings in libpq's order of importance to a reader.
// The password is never one of them: it comes from the password file (or,
// printed on request, is added by keywordString/urlString).
func (p connParams) keywords() []keyword {
	return []keyword{
		{"host", p.Host},
		{"hostaddr", p.HostAddr},
		{"port", strconv.Itoa(p.Port)},
		{"dbname", p.DBName},
		{"user", p.User},
		{"sslmode", "verify-full"},
		{"sslrootcert", p.RootCert},
	}
}

// keywordString is the libpq key=value form (what psql and pg_dump take
// with --dbname). password is added only when not empty.
func (p connParams) keywordString(password string) string {
	kws := p.keywords()
	if password != "" {
		kws = append(kws[:5:5], append([]keyword{{"password", password}}, kws[5:]...)...)
	}
	parts := make([]string, len(kws))
	for i, kw := range kws {
		parts[i] = kw.key + "=" + quoteKeywordValue(kw.value)
	}
	return strings.Join(parts, " ")
}

// quoteKeywordValue quotes a libpq keyword value when it needs it: an empty
// value, or one with white space, a quote or a backslash, goes in single
// quotes with \ and ' escaped by a backslash.
func quoteKeywordValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r\v\f'\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// urlString is the postgresql:// form. password is added only when not
// empty.
func (p connParams) urlString(password string) string {
	u := url.URL{Scheme: "postgresql", Host: p.Host + ":" + strconv.Itoa(p.Port), Path: "/" + p.DBName}
	if password != "" {
		u.User = url.UserPassword(p.User, password)
	} else {
		u.User = url.User(p.User)
	}
	var query []string
	for _, kw := range p.keywords() {
		switch kw.key {
		case "host", "port", "dbname", "user":
			continue // already in the URL's authority and path
		}
		query = append(query, kw.key+"="+uriQueryEscape(kw.value))
	}
	u.RawQuery = strings.Join(query, "&")
	return u.String()
}

// uriQueryEscape percent-encodes a query value for libpq, which decodes
// %XX but, unlike HTML forms, leaves "+" as it is.
func uriQueryEscape(v string) string {
	return strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
}

// pgpassLine is the password file's one line: host:port:database:user:password,
// with ":" and "\" escaped in every field. The database is "*" so that
// psql's \connect to another database of the instance works too.
func pgpassLine(p connParams, password string) string {
	esc := strings.NewReplacer(`\`, `\\`, `:`, `\:`)
	return fmt.Sprintf("%s:%d:*:%s:%s\n", esc.Replace(p.Host), p.Port, esc.Replace(p.User), esc.Replace(password))
}
