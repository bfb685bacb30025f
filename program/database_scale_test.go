package program_test

// The database side of scale-out through the whole program: the dev stack
// with database.proxy, database.proxyIamAuth and database.readReplicas.

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/iampolicy"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/stacktest/mockrun"
)

// TestProxyAndReplicasThroughTheProgram: the outputs name the proxy as
// the endpoint (the tunnel goes there, on 5432), the instance behind it,
// the replicas and the resource IAM sign-in needs; every setting reaches the resources; the replicas are
// in zones other than the primary's; the proxy's role is scoped to the
// stack's region.
func TestProxyAndReplicasThroughTheProgram(t *testing.T) {
	s := stacktest.Named(t, "dev")
	s.Config = stacktest.WithSetting(t, s.Config, "database.proxy", true)
	s.Config = stacktest.WithSetting(t, s.Config, "database.proxyIamAuth", true)
	s.Config = stacktest.WithSetting(t, s.Config, "database.readReplicas", 2)
	r := mockrun.RunProgram(t, s.Name, s.Config)
	require.NoError(t, r.Err)
	cfg := stacktest.Parse(t, s)
	require.True(t, cfg.Database.Proxy)
	require.Equal(t, 2, cfg.Database.ReadReplicas)
	m := r.Mocks

	assertOutputs(t, r, cfg)
	assertMirrorsConfig(t, r, cfg)
	proxy := m.One(t, "aws:rds/proxy:Proxy")
	assert.Equal(t, proxy.Outputs["endpoint"].StringValue(), r.Outputs["dbEndpoint"])
	assert.Equal(t, 5432, r.Outputs["dbPort"])
	assert.Len(t, r.Outputs["dbReadEndpoints"], 2)

	assert.Equal(t, []string{m.Named(t, typeSG, "network-proxy").ID}, strs(proxy.Input("vpcSecurityGroupIds")))
	primary := m.Named(t, typeDB, "database")
	for i := 1; i <= 2; i++ {
		replica := m.Named(t, typeDB, fmt.Sprintf("database-replica-%d", i))
		assert.Equal(t, []string{m.Named(t, typeSG, "network-replica").ID}, strs(replica.Input("vpcSecurityGroupIds")))
		assert.Contains(t, cfg.Network.AvailabilityZones, replica.Str("availabilityZone"))
		assert.NotEqual(t, primary.Outputs["availabilityZone"].StringValue(), replica.Str("availabilityZone"))
	}

	var policy iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(m.Named(t, "aws:iam/rolePolicy:RolePolicy", "database-proxy").Str("policy")), &policy))
	assert.Equal(t, "secretsmanager."+pulumitest.Region+".amazonaws.com", policy.Statement[1].Condition["StringEquals"]["kms:ViaService"])

	// dbConnectArn, which people's policies name (and which makes
	// rds-app-db sign in with a token), is what the hosts may connect to.
	var hostPolicy iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(m.Named(t, "aws:iam/rolePolicy:RolePolicy", "app-host").Str("policy")), &hostPolicy))
	var connect []string
	for _, st := range hostPolicy.Statement {
		if st.Sid == "ConnectToDatabase" {
			connect = st.Resource
		}
	}
	assert.Equal(t, []string{r.Outputs["dbConnectArn"].(string)}, connect)
}

// TestReadVariablesAreTheHosts: the names the host sets for the replicas
// cannot be given to the container otherwise.
func TestReadVariablesAreTheHosts(t *testing.T) {
	s := stacktest.Named(t, "dev")
	for _, name := range awsfacts.ReadVariables {
		cfg := stacktest.WithSetting(t, s.Config, "app.environment", map[string]string{name: "x"})
		r := mockrun.RunProgram(t, s.Name, cfg)
		require.Error(t, r.Err, name)
		assert.Contains(t, r.Err.Error(), fmt.Sprintf("%q is set by the host from the database secret", name))
	}
}
