package compute

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MaxContainerSettingsBytes is the largest value of an advanced-tier SSM
// parameter, which the container settings must fit.
const MaxContainerSettingsBytes = 8192

// ContainerParameterName is the SSM parameter that holds the container's
// settings (ports and plain environment).
func ContainerParameterName(prefix string) string { return prefix + "/container" }

// ContainerSettings is what the host reads, at every start and reload of
// the unit, to run the container: not user-data, so a change reaches the
// running container through the rollout instead of replacing the host.
type ContainerSettings struct {
	// HostPort is published on the host and mapped to ContainerPort.
	HostPort int `json:"hostPort"`
	// ContainerPort is where the application listens in the container.
	ContainerPort int `json:"containerPort"`
	// Environment holds the plain (non-secret) variables.
	Environment map[string]string `json:"environment"`
}

// JSON renders the settings as the parameter's value, after checking that
// every variable can be handed to the container.
func (s ContainerSettings) JSON() (string, error) {
	for k, v := range s.Environment {
		if err := CheckEnvName(k); err != nil {
			return "", err
		}
		if strings.ContainsAny(v, "\n\r\x00") {
			return "", fmt.Errorf("environment variable %s has a line break, which a Docker env file cannot hold", k)
		}
	}
	if s.Environment == nil {
		s.Environment = map[string]string{}
	}
	// encoding/json sorts map keys: the same settings are the same text.
	b, err := json.Marshal(s)
	return string(b), err
}

// newContainerParameter stores the container settings where the host reads
// them. The name is fixed (per project and stack) because host.env names it.
func newContainerParameter(ctx *pulumi.Context, name string, args Args, settings string, parent pulumi.ResourceOption) (*ssm.Parameter, error) {
	p, err := ssm.NewParameter(ctx, name+"-container", &ssm.ParameterArgs{
		Name:        pulumi.String(ContainerParameterName(args.ParameterPrefix)),
		Description: pulumi.String("Ports and plain environment of the rds-app container; read at every start of " + UnitName),
		Type:        pulumi.String("String"),
		// Standard (free) up to 4 KB, advanced only when the settings are
		// larger: the environment's size is the user's.
		Tier: pulumi.String("Intelligent-Tiering"),
		// Not secret (secrets come from Secrets Manager), so it shows in diffs.
		InsecureValue: pulumi.String(settings),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating container settings parameter: %w", err)
	}
	return p, nil
}
