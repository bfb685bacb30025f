// Command rds-app-db gives people the stack's private database from a
// laptop: psql, a connection string for other tools, loading a SQL file,
// and pg_dump/pg_restore, each through a Session Manager tunnel to the RDS
// endpoint, with the server's certificate checked against the endpoint's
// real name (sslmode=verify-full) and the password kept off every command
// line.
//
// It owns the way there, not the database: it reads the stack's outputs
// (pulumi stack output), the connection secret (aws secretsmanager), opens
// the tunnel (aws ssm start-session) and runs the PostgreSQL client tools.
// The trick that makes verify-full work through a tunnel is libpq's pair
// host=<endpoint name> (checked against the certificate) and
// hostaddr=127.0.0.1 (where the packets go). With database.proxyIamAuth
// the password file holds an IAM authentication token instead, made with
// aws rds generate-db-auth-token just before each tool starts.
//
// Pure logic (outputs, command lines, connection strings, the password
// file) lives apart from the code that starts processes, so it has plain
// table tests; the rest is tested against a real PostgreSQL.
package main

import (
	"context"
	"os"

	"github.com/rds-app/rds-app/internal/clirun"
)

// SIGTERM and SIGHUP end everything: children are stopped, the tunnel
// closed and the password file removed. Ctrl-C is handled by the app: see
// app.interrupts.
func main() {
	clirun.Main(func(ctx context.Context, interrupts <-chan os.Signal) int {
		a := newApp(os.Stdin, os.Stdout, os.Stderr)
		a.interrupts = interrupts
		return a.run(ctx, os.Args[1:])
	})
}
