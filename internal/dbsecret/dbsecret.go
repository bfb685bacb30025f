// Package dbsecret is the format of the database's connection secret: the
// program writes it (package database), and the host's start script and
// rds-app-db read it. It imports nothing, so a command can use it without
// linking the Pulumi SDK.
package dbsecret

// SSLMode is what clients must use: encrypt and verify the server's
// certificate and host name against the RDS CA.
const SSLMode = "verify-full"

// Connection is the JSON stored in the secret: what a client needs to
// connect. The field names follow AWS's own RDS secret format.
type Connection struct {
	Engine   string `json:"engine"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	DBName   string `json:"dbname"`
	Username string `json:"username"`
	Password string `json:"password"`
	SSLMode  string `json:"sslmode"`
}
