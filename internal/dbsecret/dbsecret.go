// Package dbsecret is the format of the database's connection secret: the
// program writes it (package database), and the host's start script and
// rds-app-db read it. It imports nothing, so a command can use it without
// linking the Pulumi SDK.
package dbsecret

// SSLMode is what clients must use: encrypt and verify the server's
// certificate and host name against the RDS CA.
const SSLMode = "verify-full"

// Connection is the JSON stored in the secret: what a client needs to
// connect. The field names follow AWS's own RDS secret format, which is
// also what an RDS Proxy reads its username and password from (it ignores
// the other keys). The fields after SSLMode are left out when empty, so a
// stack with one database and no proxy keeps the value it always had.
type Connection struct {
	Engine   string `json:"engine"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	DBName   string `json:"dbname"`
	Username string `json:"username"`
	Password string `json:"password"`
	SSLMode  string `json:"sslmode"`

	// ReadHosts are the read replicas' host names, in order
	// (database.readReplicas); the same database, user and password.
	ReadHosts []string `json:"readHosts,omitempty"`
	// ReadPort is the replicas' port. It is the instance's, and differs
	// from Port when Host is a proxy (which always listens on 5432).
	ReadPort int `json:"readPort,omitempty"`
	// Proxy says that Host is an RDS Proxy endpoint (database.proxy). Its
	// certificate comes from AWS Certificate Manager and chains to Amazon
	// Trust Services' roots, not to the RDS CA, so a client verifying it
	// needs those roots too.
	Proxy bool `json:"proxy,omitempty"`
}

// The master password alphabet. RDS refuses "/", "@", '"' and space in a
// master password; anything outside RFC 3986's unreserved set would need
// percent-encoding in a postgres:// URL and quoting in shells and env files.
// So the password uses letters, digits and the four unreserved specials
// only, and makes up for the smaller alphabet with length (40 characters
// from 66 symbols is about 240 bits).
const (
	// PasswordLength is the master password length.
	PasswordLength = 40
	// PasswordSpecials are the only non-alphanumeric characters used.
	PasswordSpecials = "-_.~"
)

// PasswordAlphabet is every character the generated password can contain.
func PasswordAlphabet() string {
	return "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "abcdefghijklmnopqrstuvwxyz" + "0123456789" + PasswordSpecials
}
