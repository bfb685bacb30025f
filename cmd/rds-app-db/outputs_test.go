package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleOutputs is testdata/stack-outputs.json: what `pulumi stack output
// --json --show-secrets` prints for a deployed dev stack.
var sampleOutputs = stackOutputs{
	DBEndpoint:  "rds-app-dev-db-7c1e9a2b.c9akciq32xyz.eu-west-1.rds.amazonaws.com",
	DBPort:      5432,
	DBName:      "app",
	DBSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:database-connection-8a4d1f3-Jk2LmN",
	InstanceID:  "i-0a1b2c3d4e5f67890",
	Region:      "eu-west-1",
}

func TestParseOutputsRecordedSample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "stack-outputs.json"))
	require.NoError(t, err)
	out, err := parseOutputs(data, "dev")
	require.NoError(t, err)
	assert.Equal(t, sampleOutputs, out)
}

func TestParseOutputsProblems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		json  string
		stack string
		want  []string
	}{
		{
			name:  "a stack never deployed has no outputs",
			json:  `{}`,
			stack: "dev",
			want:  []string{`stack "dev" has no outputs: it has not been deployed yet (run ` + "`pulumi up --stack dev`)"},
		},
		{
			name: "the selected stack is named as such",
			json: `{}`,
			want: []string{"the selected stack has no outputs", "(run `pulumi up`)"},
		},
		{
			name:  "outputs of an older program are named, all at once",
			json:  `{"url": "http://192.0.2.1", "dbEndpoint": "db.example", "dbPort": 5432, "dbName": "app", "dbSecretArn": "arn:x"}`,
			stack: "prod",
			want:  []string{`the outputs of stack "prod" are not usable`, "missing instanceId, region: the stack was deployed by an older version of the program (run `pulumi up --stack prod`)"},
		},
		{
			name: "every malformed output is reported",
			json: `{"dbEndpoint": "", "dbPort": "5432", "dbName": 7, "dbSecretArn": "arn:x", "instanceId": "i-1", "region": "eu-west-1"}`,
			want: []string{`dbEndpoint: "" is not a non-empty string`, `dbPort: "5432" is not a port number`, `dbName: 7 is not a non-empty string`},
		},
		{
			name: "a port out of range",
			json: `{"dbEndpoint": "db.example", "dbPort": 70000, "dbName": "app", "dbSecretArn": "arn:x", "instanceId": "i-1", "region": "eu-west-1"}`,
			want: []string{"dbPort: 70000 is not a port number"},
		},
		{
			name: "not JSON",
			json: `error: something else`,
			want: []string{"reading the stack outputs: not a JSON object"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseOutputs([]byte(tc.json), tc.stack)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// Without pulumi, --outputs is the way round; pulumi's other failures are
// internal/pulumicli's to explain (TestOutputError).
func TestPulumiMissing(t *testing.T) {
	assert.EqualError(t, pulumiError(exec.ErrNotFound, "", ""),
		"pulumi is not installed (https://www.pulumi.com/docs/install/); or pass --outputs FILE with the output of `pulumi stack output --json --show-secrets`")
	assert.EqualError(t, pulumiError(errors.New("exit status 255"), "error: no stack selected; please use `pulumi stack select`\n", ""),
		"no stack selected: pass --stack NAME (for example --stack dev), or run `pulumi stack select NAME` once")
}

// TestParseOutputsProxy: dbInstanceEndpoint, which the program exports
// only with database.proxy, marks dbEndpoint as the proxy's.
func TestParseOutputsProxy(t *testing.T) {
	const base = `"dbPort": 5432, "dbName": "app", "dbSecretArn": "arn:x", "instanceId": "i-1", "region": "eu-west-1"`
	out, err := parseOutputs([]byte(`{"dbEndpoint": "rds-app-dev-a1b2c3d4-proxy.proxy-c9akciq32xyz.eu-west-1.rds.amazonaws.com", `+
		`"dbInstanceEndpoint": "rds-app-dev-a1b2c3d4.c9akciq32xyz.eu-west-1.rds.amazonaws.com", `+base+`}`), "scale")
	require.NoError(t, err)
	assert.True(t, out.Proxy())
	assert.Equal(t, "rds-app-dev-a1b2c3d4-proxy.proxy-c9akciq32xyz.eu-west-1.rds.amazonaws.com", out.DBEndpoint, "the tunnel goes to the proxy")

	out, err = parseOutputs([]byte(`{"dbEndpoint": "db.example", `+base+`}`), "dev")
	require.NoError(t, err)
	assert.False(t, out.Proxy())
	assert.False(t, sampleOutputs.Proxy())

	_, err = parseOutputs([]byte(`{"dbEndpoint": "db.example", "dbInstanceEndpoint": "", `+base+`}`), "dev")
	assert.ErrorContains(t, err, `dbInstanceEndpoint: "" is not a non-empty string`)
}

// TestParseOutputsIAMAuth: dbConnectArn, which the program exports only
// with database.proxyIamAuth, means the proxy takes IAM tokens.
func TestParseOutputsIAMAuth(t *testing.T) {
	const base = `"dbEndpoint": "rds-app-dev-a1b2c3d4-proxy.proxy-c9akciq32xyz.eu-west-1.rds.amazonaws.com", ` +
		`"dbInstanceEndpoint": "rds-app-dev-a1b2c3d4.c9akciq32xyz.eu-west-1.rds.amazonaws.com", ` +
		`"dbPort": 5432, "dbName": "app", "dbSecretArn": "arn:x", "instanceId": "i-1", "region": "eu-west-1"`
	out, err := parseOutputs([]byte(`{"dbConnectArn": "arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-0123456789abcdef0/app_admin", `+base+`}`), "dev")
	require.NoError(t, err)
	assert.True(t, out.IAMAuth())
	assert.Equal(t, proxyOutputs.DBConnectArn, out.DBConnectArn)

	out, err = parseOutputs([]byte(`{`+base+`}`), "dev")
	require.NoError(t, err)
	assert.False(t, out.IAMAuth(), "the proxy takes the password")
	assert.False(t, sampleOutputs.IAMAuth())

	_, err = parseOutputs([]byte(`{"dbConnectArn": "", `+base+`}`), "dev")
	assert.ErrorContains(t, err, `dbConnectArn: "" is not a non-empty string`)
}
