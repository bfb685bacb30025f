// Command rds-app is a Pulumi program that gives one containerised web
// application a production-grade home on AWS: a private VPC, an encrypted,
// SSL-only RDS PostgreSQL that only the application host can reach, and an
// EC2 host that runs the application's container with the database
// settings injected at start. The program itself is package program.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/program"
)

//go:generate go run ./internal/docs/gendocs

func main() { pulumi.Run(program.Run) }
