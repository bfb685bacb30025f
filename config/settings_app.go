package config

// This file holds the rds-app:app keys of the settings table: the image, the
// hosts (one, or a group that may scale), the proxy, HTTPS, health checks and
// the container's variables.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// appSettings are the rds-app:app keys, in the order docs/configuration.md
// lists them.
var appSettings = []Setting{
	{
		Section: SectionApp, Name: "image", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.Image }, ""),
		Default: "**required**",
		Rule:    "registry/repository:tag or registry/repository@sha256:(64 hex digits), with an explicit tag or digest and a lower-case registry host",
		Doc: "The application's image. Private ECR images get an ECR login and pull rights on exactly that repository; others are pulled anonymously. " +
			"A tag is resolved to its digest at every `pulumi up`, and the release names that digest: re-pushing a tag never changes what a host runs, and a preview after a re-push shows a new release " +
			"([deploy by digest](deploys.md#every-release-names-one-digest)). A tag in ECR must be in the stack's region; elsewhere name the image by digest. " +
			"An image in account " + PlaceholderAccount + " (the example's placeholder) is refused.",
		Example: "public.ecr.aws/docker/library/nginx:1.29-alpine", Effect: Redeploys,
		check: func(v *checker, c *Config) {
			if !v.isSet("app.image") {
				v.fail("is required; set it with `pulumi config set --path app.image <registry/repository:tag>`")
				return
			}
			img, err := awsfacts.ParseImage(c.App.Image)
			switch {
			case err != nil:
				v.fail("%v", err)
			case img.ECR != nil && img.ECR.Account == PlaceholderAccount:
				// The shipped prod stack names this account until the user
				// sets their image; deployed, the host would restart-loop on
				// a pull that can never succeed.
				v.fail("%q is in account %s, the placeholder of the example stacks (AWS's documentation account); set your own image: `pulumi config set --path app.image <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`",
					c.App.Image, PlaceholderAccount)
			case img.ECR != nil && img.Digest == "" && v.facts.Region != "" && img.ECR.Region != v.facts.Region:
				// A release names a digest, and `pulumi up` asks ECR for a
				// tag's digest in the stack's own region only.
				v.fail("%q is named by tag in ECR of %s, but the stack is in %s, where `pulumi up` cannot look the tag up; name the image by digest: `pulumi config set --path app.image %s@$(aws ecr describe-images --region %s --repository-name %s --image-ids imageTag=%s --query 'imageDetails[0].imageDigest' --output text)`",
					c.App.Image, img.ECR.Region, v.facts.Region, strings.TrimSuffix(c.App.Image, ":"+img.Tag), img.ECR.Region, img.ECR.Name, img.Tag)
			}
		},
	},
	{
		Section: SectionApp, Name: "repository", Kind: Boolean,
		bind: boolField(func(c *Config) *bool { return &c.App.Repository }, DefaultRepository),
		Doc: "Create the stack's own ECR repository (output `repositoryUrl`), which `bin/rds-app-ship` pushes releases to: immutable tags, scanned on push, encrypted with a KMS key of its own, " +
			"keeping the last `repositoryKeep` releases and expiring untagged images after a day. The hosts may pull from it (and from whatever `image` names). " +
			"See [Shipping a new version](deploys.md#shipping-a-new-version).",
		// The example turns it off: the shipped stacks have it on.
		Example: false, Effect: InPlace,
	},
	{
		Section: SectionApp, Name: "repositoryKeep", Kind: Integer,
		bind:    intField(func(c *Config) *int { return &c.App.RepositoryKeep }, DefaultRepositoryKeep),
		Rule:    fmt.Sprintf("1 to %d", maxRepositoryKeep),
		Doc:     "How many tagged images (releases) the repository keeps; older ones expire, so a rollback can go back this far. With `repository` only.",
		Example: 50, ExampleNeeds: map[string]any{"app.repository": true}, Effect: InPlace,
		// Set without repository it is kept for when the repository is
		// turned on again.
		check: func(v *checker, c *Config) { v.between(c.App.RepositoryKeep, 1, maxRepositoryKeep, "") },
	},
	{
		Section: SectionApp, Name: "repositoryForceDelete", Kind: Boolean,
		bind: boolField(func(c *Config) *bool { return &c.App.RepositoryForceDelete }, DefaultRepositoryForceDelete),
		Doc: "What `pulumi destroy` does to the repository, and turning `repository` off (which follows the value of the last `pulumi up` with it on): true deletes it with its images and schedules its KMS key's deletion; " +
			"false keeps both in the account, out of the stack, so no release is lost ([deleting a kept repository](operations.md#deleting-a-kept-repository)). With `repository` only.",
		Example: false, ExampleNeeds: map[string]any{"app.repository": true}, Effect: InPlace,
	},
	{
		Section: SectionApp, Name: "releasesKept", Kind: Integer,
		bind: intField(func(c *Config) *int { return &c.App.ReleasesKept }, DefaultReleasesKept),
		Rule: fmt.Sprintf("%d to %d", minReleasesKept, maxReleasesKept),
		Doc: "How many releases (image, container settings and secrets' versions) the stack keeps in its release bucket: the newest ones, whichever rolled out or not; older ones are deleted a day after they drop out. " +
			"A group's hosts boot the release their launch template version names, so its hosts, a scale-out and a replaced host keep finding theirs as long as fewer releases than this were tried since it rolled out. " +
			"The release history (output `previousRelease`) lists as many of those that rolled out. See [Releases and rollback](deploys.md#releases-and-rollback).",
		Example: 20, Effect: InPlace,
		check: func(v *checker, c *Config) { v.between(c.App.ReleasesKept, minReleasesKept, maxReleasesKept, "") },
	},
	{
		Section: SectionApp, Name: "hosts", Kind: Integer,
		bind: intField(func(c *Config) *int { return &c.App.Hosts }, DefaultHosts),
		Rule: fmt.Sprintf("1 to %d; not with scaling", maxHosts),
		Doc: "How many hosts run the application. 1 is one host with an Elastic IP, deployed by a blue/green swap on the host. " +
			"2 or more run the same host definition in an Auto Scaling group across the public subnets behind an Application Load Balancer, deployed by a rolling instance refresh: " +
			"see [Scaling out](#scaling-out), which also says what a switch between the two modes replaces.",
		Example: 2, Effect: ReplacesHostWithGroup,
		check: func(v *checker, c *Config) { v.between(c.App.Hosts, 1, maxHosts, "") },
	},
	{
		Section: SectionApp, Name: "scaling", Kind: ScalingObject,
		bind:    scalingField(func(c *Config) **Scaling { return &c.App.Scaling }),
		Default: "none: a fixed `hosts`",
		Rule: fmt.Sprintf("min 1 to %d, max above min and at most %d, and one target: targetCpu %d to %d (average CPU percent) or targetRequests 1 to %d (requests per host per minute); not with hosts",
			maxHosts, maxHosts, minTargetCPU, maxTargetCPU, maxTargetRequests),
		Doc: "Lets the Auto Scaling group (and with it the load balancer, as for `hosts` of 2 or more) grow and shrink between `min` and `max` hosts by target tracking: " +
			"on the hosts' average CPU, or on the load balancer's requests per host.",
		Example: map[string]int{"min": 2, "max": 4, "targetCpu": 60}, Effect: ReplacesHostWithGroup,
		check: func(v *checker, c *Config) {
			sc := c.App.Scaling
			if sc == nil {
				return
			}
			if v.isSet("app.hosts") {
				v.fail("is set and so is app.hosts (%d); set one of them: scaling's min and max bound the group", c.App.Hosts)
			}
			if sc.Min < 1 || sc.Min > maxHosts {
				v.failAt(".min", "%d is outside 1..%d", sc.Min, maxHosts)
			}
			switch {
			case sc.Max > maxHosts:
				v.failAt(".max", "%d is above %d", sc.Max, maxHosts)
			case sc.Max <= sc.Min:
				v.failAt(".max", "%d is not above min (%d); for a fixed number of hosts set app.hosts instead", sc.Max, sc.Min)
			}
			switch {
			case sc.TargetCPU == 0 && sc.TargetRequests == 0:
				v.fail("sets no target; set targetCpu (average CPU percent) or targetRequests (requests per host per minute)")
			case sc.TargetCPU != 0 && sc.TargetRequests != 0:
				v.fail("sets both targetCpu and targetRequests; target tracking on both makes the group follow whichever asks for more hosts, set one")
			case sc.TargetCPU != 0 && (sc.TargetCPU < minTargetCPU || sc.TargetCPU > maxTargetCPU):
				v.failAt(".targetCpu", "%d is outside %d..%d", sc.TargetCPU, minTargetCPU, maxTargetCPU)
			case sc.TargetRequests < 0 || sc.TargetRequests > maxTargetRequests:
				v.failAt(".targetRequests", "%d is outside 1..%d", sc.TargetRequests, maxTargetRequests)
			}
		},
	},
	{
		Section: SectionApp, Name: "refreshTimeout", Kind: Integer, Unit: "seconds",
		bind: intField(func(c *Config) *int { return &c.App.RefreshTimeout }, DefaultRefreshTimeout),
		Rule: fmt.Sprintf("%d to %d", minRefreshTimeout, maxRefreshTimeout),
		Doc: "Behind a load balancer: how long `pulumi up` waits for the instance refresh that rolls a new release out to the group, checkpoints included. " +
			"When it runs out, the refresh is rolled back and `pulumi up` fails; the group keeps the previous release ([A group's deploys](deploys.md#a-groups-deploys)).",
		// Changes nothing in AWS: it is how long the program waits.
		Example: 5400, Effect: NoChange,
		check: func(v *checker, c *Config) { v.between(c.App.RefreshTimeout, minRefreshTimeout, maxRefreshTimeout, "") },
	},
	{
		Section: SectionApp, Name: "instanceType", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.InstanceType }, DefaultInstanceType),
		Rule:    "an EC2 instance type offered in the host's zone (in every zone, with a load balancer)",
		Doc:     "The host's type. Graviton types (`t4g`, `m7g`, ...) get an arm64 AMI, others x86_64; the image must support that architecture.",
		Example: "t4g.small", Effect: InPlace,
		check: func(v *checker, c *Config) {
			if err := awsfacts.CheckInstanceType(c.App.InstanceType); err != nil {
				v.fail("%v", err)
				return
			}
			v.hostZoneOffers(c)
		},
	},
	{
		Section: SectionApp, Name: "amiId", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.AMIID }, ""),
		Default: "the latest Amazon Linux 2023 when the host is created",
		Rule:    "an AMI ID, ami- and 8 or 17 hex digits, of Amazon Linux 2023 for the instance type's architecture",
		Doc: "Pins the AMI. Unpinned, the host keeps the AMI it was created from: a new Amazon Linux release changes nothing until you ask. " +
			"The `latestAmi` output shows the newest release; to move to it, set `amiId` to that value (this replaces the host; its address stays).",
		// Another Amazon Linux 2023 arm64 AMI that moto knows (the latest is
		// ami-00602d9e13dfdc4bd).
		Example: "ami-0f11cbb02d426f673", Effect: ReplacesHost,
		check: func(v *checker, c *Config) {
			if v.isSet("app.amiId") {
				if err := awsfacts.CheckAMI(c.App.AMIID); err != nil {
					v.fail("%v; leave amiId unset to use the latest Amazon Linux 2023", err)
				}
			}
		},
	},
	{
		Section: SectionApp, Name: "hostPort", Kind: Integer,
		bind:    intField(func(c *Config) *int { return &c.App.HostPort }, DefaultHostPort),
		Rule:    "1 to 65535, except the host's own " + hostPortsText(),
		Doc:     "The port the proxy serves plain HTTP on, opened to `network.ingressCidrs`; the application's own port is never published. With `domain` it stays 80: HTTPS is served on 443 and 80 redirects to it.",
		Example: 8080, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			p := c.App.HostPort
			if service, taken := awsfacts.HostPorts[p]; taken {
				v.fail("%d is taken on the host by %s", p, service)
				return
			}
			v.between(p, 1, 65535, "")
			if c.App.Domain != "" && p != DefaultHostPort {
				v.fail("%d is not used with app.domain: HTTPS is served on 443 and %d redirects to it; remove hostPort", p, DefaultHostPort)
			}
		},
	},
	{
		Section: SectionApp, Name: "containerPort", Kind: Integer,
		bind:    intField(func(c *Config) *int { return &c.App.ContainerPort }, DefaultContainerPort),
		Rule:    "1 to 65535",
		Doc:     "Where the application listens inside the container.",
		Example: 8080, Effect: Redeploys,
		check: func(v *checker, c *Config) { v.between(c.App.ContainerPort, 1, 65535, "") },
	},
	{
		Section: SectionApp, Name: "healthCheckPath", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.HealthCheckPath }, DefaultHealthCheckPath),
		Rule:    fmt.Sprintf("a URL path starting with /, at most %d characters, with an optional ?query", maxHealthCheckPath),
		Doc:     "Asked on the new container at every deploy, beside the running one: the proxy switches to it once this answers 2xx or 3xx; otherwise it is removed, the old one keeps serving, and the deploy fails with its last log lines.",
		Example: "/healthz", Effect: Redeploys,
		check: func(v *checker, c *Config) {
			p := c.App.HealthCheckPath
			switch {
			case len(p) > maxHealthCheckPath:
				v.fail("%s is longer than %d characters", awsfacts.Quote(p), maxHealthCheckPath)
			case !healthPathRE.MatchString(p):
				v.fail("%s is not a URL path (it starts with / and holds only URL characters, no spaces or #)", awsfacts.Quote(p))
			}
		},
	},
	{
		Section: SectionApp, Name: "healthCheckTimeout", Kind: Integer, Unit: "seconds",
		bind: intField(func(c *Config) *int { return &c.App.HealthCheckTimeout }, DefaultHealthCheckTimeout),
		Rule: fmt.Sprintf("%d to %d", minHealthCheckTimeout, maxHealthCheckTimeout),
		Doc:  "How long a new container has to become healthy before the deploy gives up on it (the old one keeps serving).",
		// Long enough for the slowest boots; with drainSeconds and the image
		// pull it fits the 20 minutes `pulumi up` waits for a rollout.
		Example: 180, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			v.between(c.App.HealthCheckTimeout, minHealthCheckTimeout, maxHealthCheckTimeout, "")
		},
	},
	{
		Section: SectionApp, Name: "healthCheckInterval", Kind: Integer, Unit: "seconds",
		bind:    intField(func(c *Config) *int { return &c.App.HealthCheckInterval }, DefaultHealthCheckInterval),
		Rule:    fmt.Sprintf("1 to %d, less than healthCheckTimeout", maxHealthCheckInterval),
		Doc:     fmt.Sprintf("The time between two health checks of a new container; each check waits at most %d seconds for an answer.", HealthCheckRequestSeconds),
		Example: 5, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			n := c.App.HealthCheckInterval
			switch {
			case n < 1 || n > maxHealthCheckInterval:
				v.fail("%d is outside 1..%d", n, maxHealthCheckInterval)
			case n >= c.App.HealthCheckTimeout && c.App.HealthCheckTimeout >= minHealthCheckTimeout:
				v.fail("%d is not less than healthCheckTimeout (%d), so a new container would be checked once at most", n, c.App.HealthCheckTimeout)
			}
		},
	},
	{
		Section: SectionApp, Name: "healthCheckRetries", Kind: Integer,
		bind: intField(func(c *Config) *int { return &c.App.HealthCheckRetries }, DefaultHealthCheckRetries),
		Rule: fmt.Sprintf("1 to %d", maxHealthCheckRetries),
		Doc: "How many answers other than 2xx or 3xx in a row refuse a new container before healthCheckTimeout. " +
			"A container that does not answer at all yet (still starting) is waited for.",
		Example: 5, Effect: Redeploys,
		check: func(v *checker, c *Config) { v.between(c.App.HealthCheckRetries, 1, maxHealthCheckRetries, "") },
	},
	{
		Section: SectionApp, Name: "drainSeconds", Kind: Integer, Unit: "seconds",
		bind: intField(func(c *Config) *int { return &c.App.DrainSeconds }, DefaultDrainSeconds),
		Rule: fmt.Sprintf("1 to %d", maxDrainSeconds),
		Doc: "After the proxy switches to the new container, how long requests in flight on the old one may take to finish " +
			"(the proxy's grace period; longer ones, such as WebSockets, are then closed) before the old container is stopped.",
		Example: 30, Effect: Redeploys,
		check: func(v *checker, c *Config) { v.between(c.App.DrainSeconds, 1, maxDrainSeconds, "") },
	},
	{
		Section: SectionApp, Name: "proxyImage", Kind: String,
		bind: stringField(func(c *Config) *string { return &c.App.ProxyImage }, DefaultProxyImage),
		Rule: "a public image reference with an explicit tag or digest, as for image, of Caddy 2.6 or later",
		Doc: "The reverse proxy in front of the application: Caddy's official image, pinned to a release. Set it to move to another release " +
			"or to pin a digest; the host pulls it anonymously. A change starts the new proxy beside the old one, on the same ports; " +
			"the old one stops once the new one answers, after its requests in flight finish, so no connection is refused.",
		Example: "public.ecr.aws/docker/library/caddy:2.10.2", Effect: Redeploys,
		check: func(v *checker, c *Config) {
			img, err := awsfacts.ParseImage(c.App.ProxyImage)
			switch {
			case err != nil:
				v.fail("%v", err)
			case img.ECR != nil:
				v.fail("%s is in a private ECR registry; the host pulls the proxy anonymously, so use a public image such as %q",
					awsfacts.Quote(c.App.ProxyImage), DefaultProxyImage)
			}
		},
	},
	{
		Section: SectionApp, Name: "domain", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.Domain }, ""),
		Default: "none: plain HTTP on `hostPort`",
		Rule:    fmt.Sprintf("a DNS name of lower-case labels, at most %d characters (%d behind a load balancer), not an IP address", awsfacts.MaxDomainName, awsfacts.MaxCertificateDomainName),
		Doc: "Serves the application over HTTPS on this name: the proxy obtains a certificate from Let's Encrypt and renews it, serves 443, " +
			"redirects 80 to 443 and sends HSTS. Point the name at the Elastic IP (`publicIp`), or set `hostedZoneId`; see [HTTPS](#https).",
		Example: "app.example.com", Effect: Redeploys,
		check: func(v *checker, c *Config) {
			if v.isSet("app.domain") {
				if err := awsfacts.CheckDomainName(c.App.Domain); err != nil {
					v.fail("%v", err)
				} else if c.App.LoadBalanced() && len(c.App.Domain) > awsfacts.MaxCertificateDomainName {
					v.fail("%q is %d characters; behind a load balancer its certificate comes from ACM, which takes names of at most %d", c.App.Domain, len(c.App.Domain), awsfacts.MaxCertificateDomainName)
				}
			}
		},
	},
	{
		Section: SectionApp, Name: "hostedZoneId", Kind: String,
		bind:    stringField(func(c *Config) *string { return &c.App.HostedZoneID }, ""),
		Default: "none: you point the name",
		Rule:    "a Route 53 hosted zone ID (Z and upper-case letters and digits) of the zone that holds domain; needs domain",
		Doc:     "The stack creates `domain`'s A record, pointing at the Elastic IP, in this Route 53 hosted zone of the account.",
		Example: "Z0123456789ABCDEFGHIJ", ExampleNeeds: map[string]any{"app.domain": "app.example.com"}, Effect: InPlace,
		check: func(v *checker, c *Config) {
			if !v.isSet("app.hostedZoneId") {
				return
			}
			if err := awsfacts.CheckHostedZoneID(c.App.HostedZoneID); err != nil {
				v.fail("%v", err)
			}
			if c.App.Domain == "" {
				v.fail("%s is set but app.domain is not; set the name the record is for", awsfacts.Quote(c.App.HostedZoneID))
			}
		},
	},
	{
		Section: SectionApp, Name: "rootVolumeSize", Kind: Integer, Unit: "GiB",
		bind:    intField(func(c *Config) *int { return &c.App.RootVolumeSize }, DefaultRootVolumeSize),
		Rule:    fmt.Sprintf("%d to %d", awsfacts.MinRootVolume, awsfacts.MaxRootVolume),
		Doc:     "The host's root volume: gp3, encrypted. Images and container logs' buffers live here.",
		Example: 30, Effect: InPlace,
		check: func(v *checker, c *Config) {
			v.between(c.App.RootVolumeSize, awsfacts.MinRootVolume, awsfacts.MaxRootVolume, " GiB")
		},
	},
	{
		Section: SectionApp, Name: "logRetentionDays", Kind: Integer, Unit: "days",
		bind:    intField(func(c *Config) *int { return &c.App.LogRetentionDays }, DefaultLogRetentionDays),
		Rule:    retentionRule,
		Doc:     "How long the container's logs are kept.",
		Example: 14, Effect: InPlace,
		check: func(v *checker, c *Config) { v.retention(c.App.LogRetentionDays) },
	},
	{
		Section: SectionApp, Name: "secretNames", Kind: StringList,
		bind:    listField(func(c *Config) *[]string { return &c.App.SecretNames }, DefaultSecretNames),
		Default: "`" + render(DefaultSecretNames) + "` (what Strapi needs)",
		Rule: fmt.Sprintf("distinct variable names (letters, digits, _; not starting with a digit; at most %d characters), none the host sets, fitting one %d-byte secret",
			maxEnvName, awsfacts.SecretBytes),
		Doc:     fmt.Sprintf("Variables given a generated %d-character random value each, kept in a Secrets Manager secret.", awsfacts.GeneratedSecretLength),
		Example: []string{"APP_KEYS", "API_TOKEN_SALT", "ADMIN_JWT_SECRET", "JWT_SECRET", "EXTRA_SECRET"}, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			names := c.App.SecretNames
			for i, name := range names {
				item := fmt.Sprintf("[%d]", i)
				switch {
				case checkVariableName(name) != nil:
					v.failAt(item, "%v", checkVariableName(name))
				case slices.Index(names, name) != i:
					v.failAt(item, "%q is listed twice", name)
				}
			}
			if size := awsfacts.GeneratedSecretBytes(names); size > awsfacts.SecretBytes {
				v.fail("%d names make a %d-byte secret, above the %d bytes Secrets Manager holds", len(names), size, awsfacts.SecretBytes)
			}
		},
	},
	{
		Section: SectionApp, Name: "environment", Kind: StringMap,
		bind:    mapField(func(c *Config) *map[string]string { return &c.App.Environment }, map[string]string{}),
		Default: "`{}`",
		Rule: fmt.Sprintf("variable names as for secretNames, not one of them; string values (quote numbers) without line breaks or NUL, each NAME=value at most %d bytes, %d bytes in all",
			maxEnvEntry, maxEnvironment),
		Doc: "Plain, non-secret variables for the container, passed byte-exact. They are part of the release, kept with the ports in the stack's release record " +
			"(S3, not user-data), and read by the host at every deploy, so hundreds of variables are fine.",
		Example: map[string]string{"NODE_ENV": "production"}, Effect: Redeploys,
		check: func(v *checker, c *Config) {
			total := 0
			for _, name := range sortedKeys(c.App.Environment) {
				value := c.App.Environment[name]
				item := "." + name
				total += len(name) + 1 + len(value) + 1
				switch {
				case checkVariableName(name) != nil:
					v.failAt(item, "%v", checkVariableName(name))
				case slices.Contains(c.App.SecretNames, name):
					v.failAt(item, "%q is also in app.secretNames, which generates its value; remove one of them", name)
				case strings.ContainsAny(value, "\n\r\x00"):
					v.failAt(item, "the value contains a line break or NUL, which a Docker env file cannot hold")
				case len(name)+1+len(value) > maxEnvEntry:
					v.failAt(item, "%s=… is %d bytes, above the %d bytes Linux passes for one variable; move large values into the image or a file", name, len(name)+1+len(value), maxEnvEntry)
				}
			}
			if total > maxEnvironment {
				v.fail("takes %d bytes, above %d; move large values into the image or a file the application reads", total, maxEnvironment)
			}
		},
	},
}

const (
	// A release and the one before it, at least: the hosts may run the
	// latter while the former rolls out. S3 keeps at most 100 newer
	// noncurrent versions by a lifecycle rule (awsfacts.S3NewerNoncurrentVersions).
	minReleasesKept = 2
	// A refresh launches a host, lets it warm up and pauses at two
	// checkpoints (compute.RefreshCheckpointDelaySeconds): less than 10
	// minutes fails healthy releases; a day is a hung one.
	minRefreshTimeout, maxRefreshTimeout = 600, 86400
	maxReleasesKept                      = awsfacts.S3NewerNoncurrentVersions + 1
	// maxHosts catches a typo (200 for 20) before it launches the hosts;
	// raise it when an application truly needs more.
	maxHosts = 50
	// maxRepositoryKeep is ECR's quota of images per repository
	// (awsfacts.ECRImagesPerRepository).
	maxRepositoryKeep = awsfacts.ECRImagesPerRepository
	// A CPU target outside these leaves no headroom or never scales in.
	minTargetCPU, maxTargetCPU = 10, 90
	maxTargetRequests          = 1_000_000
	maxHealthCheckPath         = 1024
	// A new container's health check: the timeout, with drainSeconds and
	// the image pull, fits the 20 minutes `pulumi up` waits for a rollout.
	minHealthCheckTimeout  = 5
	maxHealthCheckTimeout  = 600
	maxHealthCheckInterval = 60
	maxHealthCheckRetries  = 100
	maxDrainSeconds        = 300
	// maxEnvName bounds a variable name; nothing else does.
	maxEnvName = 255
	// maxEnvEntry is Linux's MAX_ARG_STRLEN: the longest NAME=value string
	// a process can be started with.
	maxEnvEntry = 128 * 1024
	// maxEnvironment keeps the whole environment, with the secrets and the
	// database settings, well inside the 2 MiB Linux allows at exec.
	maxEnvironment = 1024 * 1024
)

// healthPathRE is an absolute URL path with an optional query, of RFC 3986
// characters (percent-escapes included).
var healthPathRE = regexp.MustCompile(`^/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?$`)

// checkVariableName accepts names the container can be given.
func checkVariableName(name string) error {
	switch {
	case len(name) > maxEnvName:
		return fmt.Errorf("%s is longer than %d characters", awsfacts.Quote(name), maxEnvName)
	case awsfacts.CheckEnvName(name) != nil:
		return awsfacts.CheckEnvName(name)
	case awsfacts.IsContractVariable(name):
		return fmt.Errorf("%q is set by the host from the database secret; choose another name", name)
	}
	return nil
}

// hostZoneOffers checks that the hosts' zones offer app.instanceType: the
// first of network.availabilityZones, where a single host's subnet is, or
// every zone when an Auto Scaling group spreads hosts across them.
func (v *checker) hostZoneOffers(c *Config) {
	zones := c.Network.AvailabilityZones
	if len(zones) == 0 || v.facts.ZonesOffering == nil || awsfacts.CheckInstanceType(c.App.InstanceType) != nil {
		return
	}
	offered, err := v.facts.ZonesOffering(c.App.InstanceType)
	if err != nil {
		v.fail("cannot tell which zones offer %q: %v", c.App.InstanceType, err)
		return
	}
	where := "no zone of the region offers it"
	if len(offered) > 0 {
		where = "zones that offer it: " + strings.Join(slices.Sorted(slices.Values(offered)), ", ")
	}
	if c.App.LoadBalanced() {
		var missing []string
		for _, z := range zones {
			if !slices.Contains(offered, z) {
				missing = append(missing, z)
			}
		}
		if len(missing) > 0 {
			v.fail("%q is not offered in %s, where the Auto Scaling group places hosts (every zone of network.availabilityZones); choose another type, or list only %s", c.App.InstanceType, strings.Join(missing, ", "), where)
		}
		return
	}
	if slices.Contains(offered, zones[0]) {
		return
	}
	if len(offered) > 0 {
		where += "; list one of them first"
	}
	v.fail("%q is not offered in %s, the host's zone (the first of network.availabilityZones); choose another type, or: %s in network.availabilityZones", c.App.InstanceType, zones[0], where)
}

func hostPortsText() string {
	ports := make([]int, 0, len(awsfacts.HostPorts))
	for p := range awsfacts.HostPorts {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = fmt.Sprintf("%d (%s)", p, awsfacts.HostPorts[p])
	}
	return strings.Join(parts, ", ")
}
