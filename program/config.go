package program

import (
	"encoding/json"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/config"
)

// The running stack's configuration, read here rather than in config, so
// that config (and every test and command that imports it) links none of
// the Pulumi SDK.

// configSource reads the raw configuration of the running program. The
// Pulumi SDK only answers for keys it is asked about, so the full key list
// comes from PULUMI_CONFIG, which the Pulumi CLI sets for the program: that
// is how a misspelt section ("rds-app:netwrok") is caught.
func configSource(ctx *pulumi.Context) config.Source {
	src := config.Source{Values: map[string]string{}}
	if all := os.Getenv(pulumi.EnvConfig); all != "" {
		_ = json.Unmarshal([]byte(all), &src.Values)
	}
	for _, s := range config.Sections() {
		key := ctx.Project() + ":" + s
		if v, ok := ctx.GetConfig(key); ok {
			src.Values[key] = v
		}
		if ctx.IsConfigSecret(key) {
			src.SecretKeys = append(src.SecretKeys, key)
		}
	}
	return src
}

// loadConfig reads, defaults and validates the running stack's
// configuration.
func loadConfig(ctx *pulumi.Context, facts config.Facts) (*config.Config, error) {
	return config.Parse(ctx.Project(), configSource(ctx), facts)
}
