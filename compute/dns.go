package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DNSRecordTTL is the A record's time to live, in seconds: the Elastic IP
// never changes, so caches may keep it a while.
const DNSRecordTTL = 300

// dnsRecordName is the logical name of app.domain's record in either mode:
// one name, so that switching modes updates the record (an A record
// becomes an alias, or back) instead of creating a second record of the
// same name, which Route 53 refuses.
func dnsRecordName(name string) string { return name + "-dns" }

// newDNSRecord points app.domain at the Elastic IP in app.hostedZoneId,
// when one is set. It depends on the Elastic IP only, so the name resolves
// before the host boots and Caddy asks for a certificate. An existing
// record of that name is not taken over: Route 53 refuses, and
// docs/deploys.md ("HTTPS") says how to import or remove it.
func newDNSRecord(ctx *pulumi.Context, name string, args Args, eip *ec2.Eip, parent pulumi.ResourceOption) error {
	if args.HostedZoneID == "" {
		return nil
	}
	if _, err := route53.NewRecord(ctx, dnsRecordName(name), &route53.RecordArgs{
		ZoneId:  pulumi.String(args.HostedZoneID),
		Name:    pulumi.String(args.Domain),
		Type:    pulumi.String("A"),
		Ttl:     pulumi.Int(DNSRecordTTL),
		Records: pulumi.StringArray{eip.PublicIp},
		// Never take over a record someone else made.
		AllowOverwrite: pulumi.Bool(false),
	}, parent); err != nil {
		return fmt.Errorf("creating DNS record for %q: %w", args.Domain, err)
	}
	return nil
}

// newAliasRecord points app.domain at the load balancer in
// app.hostedZoneId, when one is set: an alias A record, which Route 53
// answers with the load balancer's current addresses (they change) at no
// charge for the queries. EvaluateTargetHealth lets Route 53 see a load
// balancer with no healthy host as unhealthy (it matters once the record
// is one of several, as in a failover setup).
func newAliasRecord(ctx *pulumi.Context, name string, args Args, balancer *lb.LoadBalancer, parent pulumi.ResourceOption) error {
	if args.HostedZoneID == "" {
		return nil
	}
	if _, err := route53.NewRecord(ctx, dnsRecordName(name), &route53.RecordArgs{
		ZoneId: pulumi.String(args.HostedZoneID),
		Name:   pulumi.String(args.Domain),
		Type:   pulumi.String("A"),
		Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
			Name:                 balancer.DnsName,
			ZoneId:               balancer.ZoneId,
			EvaluateTargetHealth: pulumi.Bool(true),
		}},
		// Never take over a record someone else made.
		AllowOverwrite: pulumi.Bool(false),
	}, parent); err != nil {
		return fmt.Errorf("creating DNS alias record for %q: %w", args.Domain, err)
	}
	return nil
}
