package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// Parameters are the PostgreSQL settings the stack pins, the same for every
// family from postgres13 to postgres18. rds.force_ssl is already 1 by
// default from PostgreSQL 15 on RDS, but SSL-only must never depend on a
// default. log_connections became a list of aspects in PostgreSQL 18, which
// still takes the boolean forms ("1" means receipt, authentication and
// authorization, what "1" logged before).
var Parameters = map[string]string{
	"rds.force_ssl":      "1",
	"log_connections":    "1",
	"log_disconnections": "1",
}

// newParameterGroup creates the parameter group for the engine's major
// version. Its physical name is left to Pulumi's auto-naming, so when the
// major version (and with it the family) changes, the new group is created
// and attached before the old one is deleted.
func newParameterGroup(ctx *pulumi.Context, name string, version awsfacts.EngineVersion, parent pulumi.ResourceOption) (*rds.ParameterGroup, error) {
	var params rds.ParameterGroupParameterArray
	for _, k := range []string{"rds.force_ssl", "log_connections", "log_disconnections"} {
		params = append(params, rds.ParameterGroupParameterArgs{
			Name:  pulumi.String(k),
			Value: pulumi.String(Parameters[k]),
			// All three are dynamic parameters.
			ApplyMethod: pulumi.String("immediate"),
		})
	}
	g, err := rds.NewParameterGroup(ctx, name+"-params", &rds.ParameterGroupArgs{
		Family:      pulumi.String(version.Family()),
		Description: pulumi.Sprintf("rds-app %s: SSL only, connection logging", version.Family()),
		Parameters:  params,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating DB parameter group: %w", err)
	}
	return g, nil
}
