package refresh

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// DefaultPollInterval is how often Roll asks AWS about a refresh unless
// Client.PollInterval says otherwise: a refresh takes minutes per host, and
// DescribeInstanceRefreshes shares the account's Auto Scaling rate limit.
const DefaultPollInterval = 15 * time.Second

// Client rolls groups through the Auto Scaling and Elastic Load Balancing
// APIs of one account and region.
type Client struct {
	// PollInterval is the time between two looks at a refresh; 0 means
	// DefaultPollInterval.
	PollInterval time.Duration
	// Progress receives a line whenever a refresh's status or percentage,
	// or a new host's health, changes. Nil: the lines are dropped.
	Progress io.Writer

	autoscaling  *autoscaling.Client
	loadbalancer *elasticloadbalancingv2.Client
	// region and profile go into the command that watches a refresh.
	region, profile string
	// now and sleep are the clock; tests replace them.
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

// New makes a Client from an AWS configuration (its region, credentials
// and, for tests, BaseEndpoint).
func New(cfg aws.Config) *Client {
	return &Client{
		autoscaling:  autoscaling.NewFromConfig(cfg),
		loadbalancer: elasticloadbalancingv2.NewFromConfig(cfg),
		region:       cfg.Region,
		now:          time.Now,
		sleep:        sleep,
	}
}

// NewFromEnvironment makes a Client with the SDK's default credential chain
// (environment, shared files, SSO, instance role), as the AWS CLI finds
// them. profile "" is the default profile; region "" is the environment's.
func NewFromEnvironment(ctx context.Context, region, profile string) (*Client, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration (region %q, profile %q): %w", region, profile, err)
	}
	c := New(cfg)
	c.profile = profile
	return c, nil
}

// printf writes one progress line.
func (c *Client) printf(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", args...)
	}
}

func (c *Client) pollInterval() time.Duration {
	if c.PollInterval > 0 {
		return c.PollInterval
	}
	return DefaultPollInterval
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
