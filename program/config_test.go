package program

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/pulumitest"
)

var loadFacts = config.Facts{Region: pulumitest.Region, AvailabilityZones: pulumitest.Zones}

func loadRunning(t *testing.T, values map[string]string, secretKeys ...string) (*config.Config, error) {
	t.Helper()
	var cfg *config.Config
	var loadErr error
	err := pulumitest.New().Run("dev", func(ctx *pulumi.Context) error {
		cfg, loadErr = loadConfig(ctx, loadFacts)
		return nil
	}, pulumitest.WithConfig(values, secretKeys...))
	require.NoError(t, err)
	return cfg, loadErr
}

func TestLoadReadsTheRunningStack(t *testing.T) {
	cfg, err := loadRunning(t, map[string]string{
		"rds-app:app":     `{"image": "nginx:1.27", "hostPort": 8080}`,
		"rds-app:network": `{"azCount": 3}`,
	})
	require.NoError(t, err)
	assert.Equal(t, "nginx:1.27", cfg.App.Image)
	assert.Equal(t, 8080, cfg.App.HostPort)
	assert.Equal(t, pulumitest.Zones, cfg.Network.AvailabilityZones)
}

// The SDK only answers for keys it is asked about; the CLI's PULUMI_CONFIG
// holds them all, which is how a misspelt section is found.
func TestLoadFindsMisspeltSectionsThroughPulumiConfig(t *testing.T) {
	t.Setenv(pulumi.EnvConfig, `{"aws:region": "eu-west-1", "rds-app:app": "{\"image\": \"nginx:1\"}", "rds-app:dtabase": "{}"}`)
	_, err := loadRunning(t, map[string]string{"rds-app:app": `{"image": "nginx:1"}`})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rds-app:dtabase: is not a known key")
}

func TestLoadRejectsSecretSections(t *testing.T) {
	_, err := loadRunning(t, map[string]string{"rds-app:app": `{"image": "nginx:1"}`, "rds-app:database": `{"username": "owner"}`}, "rds-app:database")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rds-app:database: holds a secret value")
}
