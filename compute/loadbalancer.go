package compute

// The load balancer in front of the Auto Scaling group: an internet-facing
// Application Load Balancer across the public subnets, its target group
// (the hosts' proxies on app.hostPort, health-checked on
// app.healthCheckPath) and its listeners. With app.domain, TLS ends here,
// with a certificate from ACM, and port 80 redirects to HTTPS; the hosts
// behind it serve plain HTTP.

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
)

const (
	// LoadBalancerIdleTimeout (seconds) closes a connection idle this long.
	// It must stay below the hosts' own keep-alive timeout (Caddy's idle
	// timeout, 5 minutes), so the load balancer, not the host, closes an
	// idle connection: it never sends a request down a connection the host
	// has just closed, which the client would see as a 502.
	LoadBalancerIdleTimeout = 60
	// TLSPolicy is the HTTPS listener's security policy: TLS 1.3 and 1.2
	// with forward-secret ciphers only, AWS's recommendation.
	TLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
	// HealthyMatcher is the HTTP codes a healthy host answers the health
	// check with: 2xx or 3xx, as for a new container on a single host.
	HealthyMatcher = "200-399"
	// HealthyThreshold is how many passed checks in a row bring a new host
	// into service: the load balancer's minimum, so a deploy or a scale-out
	// waits no longer than it must (the default, 5, adds half a minute).
	HealthyThreshold = 2
	// ValidationRecordTTL is the certificate validation record's time to
	// live, in seconds: ACM reads it, not visitors, and a correction should
	// show quickly.
	ValidationRecordTTL = 60
)

// The Application Load Balancer's bounds for a target group's health check.
const (
	minTargetInterval, maxTargetInterval   = 5, 300
	minTargetThreshold, maxTargetThreshold = 2, 10
)

// TargetHealth is the target group's health check.
type TargetHealth struct {
	// Interval is the time between two checks of a host, in seconds.
	Interval int
	// Timeout is how long one check waits for an answer, in seconds.
	Timeout int
	// HealthyThreshold and UnhealthyThreshold are how many checks in a row
	// bring a host into, or take it out of, service.
	HealthyThreshold, UnhealthyThreshold int
}

// TargetHealthCheck derives the load balancer's health check from the
// app's: each check waits config.HealthCheckRequestSeconds, as the host's
// own do; they come every app.healthCheckInterval seconds, but never more
// often than the load balancer allows (at least 5 seconds, and longer than
// the timeout); app.healthCheckRetries bad answers in a row take a host
// out of service, within the load balancer's 2 to 10.
func TargetHealthCheck(app config.App) TargetHealth {
	timeout := config.HealthCheckRequestSeconds
	return TargetHealth{
		Interval:           clamp(app.HealthCheckInterval, max(minTargetInterval, timeout+1), maxTargetInterval),
		Timeout:            timeout,
		HealthyThreshold:   HealthyThreshold,
		UnhealthyThreshold: clamp(app.HealthCheckRetries, minTargetThreshold, maxTargetThreshold),
	}
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

type loadBalancer struct {
	lb          *lb.LoadBalancer
	targetGroup *lb.TargetGroup
	// forwarding is the listener that sends requests to the target group:
	// the load balancer health-checks a target group only once a listener
	// uses it, so the group waits for it before it waits for healthy hosts.
	forwarding *lb.Listener
	// certificateValidation is ACM's validation record for app.domain,
	// "<name> CNAME <value>" (app.domain only).
	certificateValidation pulumi.StringOutput
}

// newLoadBalancer creates the load balancer, its target group and its
// listeners.
func newLoadBalancer(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (*loadBalancer, error) {
	balancer, err := lb.NewLoadBalancer(ctx, name+"-lb", &lb.LoadBalancerArgs{
		LoadBalancerType: pulumi.String("application"),
		Internal:         pulumi.Bool(false),
		Subnets:          args.SubnetIDs,
		SecurityGroups:   pulumi.StringArray{args.LoadBalancerSecurityGroupID},
		// Requests with header names that are not valid HTTP are dropped
		// here instead of reaching the application (request smuggling).
		DropInvalidHeaderFields: pulumi.Bool(true),
		EnableHttp2:             pulumi.Bool(true),
		IdleTimeout:             pulumi.Int(LoadBalancerIdleTimeout),
		// Off: the load balancer holds no data and is rebuilt in minutes,
		// and `pulumi destroy` and a switch back to one host must delete it.
		// The database, which holds the data, has its own protection.
		EnableDeletionProtection: pulumi.Bool(false),
		Tags:                     pulumi.StringMap{"Name": pulumi.String(name + "-lb")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating load balancer: %w", err)
	}

	health := TargetHealthCheck(args.App)
	targetGroup, err := lb.NewTargetGroup(ctx, name+"-hosts", &lb.TargetGroupArgs{
		VpcId:      args.VpcID,
		TargetType: pulumi.String("instance"),
		Protocol:   pulumi.String("HTTP"),
		Port:       pulumi.Int(args.HostPort),
		HealthCheck: lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Protocol:           pulumi.String("HTTP"),
			Port:               pulumi.String("traffic-port"),
			Path:               pulumi.String(args.HealthCheckPath),
			Matcher:            pulumi.String(HealthyMatcher),
			Interval:           pulumi.Int(health.Interval),
			Timeout:            pulumi.Int(health.Timeout),
			HealthyThreshold:   pulumi.Int(health.HealthyThreshold),
			UnhealthyThreshold: pulumi.Int(health.UnhealthyThreshold),
		},
		// A host leaving the group (scale-in, a refresh) gets as long to
		// finish its requests in flight as an old container gets on a
		// single host.
		DeregistrationDelay: pulumi.Int(args.DrainSeconds),
		Tags:                pulumi.StringMap{"Name": pulumi.String(name + "-hosts")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating target group: %w", err)
	}
	forward := lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
		Type:           pulumi.String("forward"),
		TargetGroupArn: targetGroup.Arn,
	}}
	out := &loadBalancer{lb: balancer, targetGroup: targetGroup}

	if args.Domain == "" {
		out.forwarding, err = lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: balancer.Arn,
			Protocol:        pulumi.String("HTTP"),
			Port:            pulumi.Int(args.HostPort),
			DefaultActions:  forward,
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("creating HTTP listener: %w", err)
		}
		return out, nil
	}

	certificateArn, validation, err := newCertificate(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	out.certificateValidation = validation
	out.forwarding, err = lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
		LoadBalancerArn: balancer.Arn,
		Protocol:        pulumi.String("HTTPS"),
		Port:            pulumi.Int(awsfacts.HTTPSPort),
		SslPolicy:       pulumi.String(TLSPolicy),
		CertificateArn:  certificateArn,
		DefaultActions:  forward,
		// As the single host's proxy does: browsers that have been here
		// over HTTPS never try plain HTTP again.
		RoutingHttpResponseStrictTransportSecurityHeaderValue: pulumi.String(hostconf.HSTS),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating HTTPS listener: %w", err)
	}
	if _, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: balancer.Arn,
		Protocol:        pulumi.String("HTTP"),
		Port:            pulumi.Int(awsfacts.HTTPPort),
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String(strconv.Itoa(awsfacts.HTTPSPort)),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	}, parent); err != nil {
		return nil, fmt.Errorf("creating HTTP redirect listener: %w", err)
	}
	return out, nil
}

// newCertificate asks ACM for app.domain's certificate, validated by DNS,
// and waits until it is issued: the HTTPS listener takes no certificate
// before. With app.hostedZoneId the stack creates the validation record
// itself. Without, `pulumi up` waits (up to 75 minutes) for the user to
// create it where the domain's zone is: the record is in
// `aws acm describe-certificate --certificate-arn <arn> --query
// Certificate.DomainValidationOptions` (the ARN from `aws acm
// list-certificates`), and in the certificateValidation output afterwards,
// since it must stay in place for ACM to renew the certificate.
//
// It returns the ARN of the issued certificate and the validation record.
func newCertificate(ctx *pulumi.Context, name string, args Args, parent pulumi.ResourceOption) (pulumi.StringOutput, pulumi.StringOutput, error) {
	cert, err := acm.NewCertificate(ctx, name+"-cert", &acm.CertificateArgs{
		DomainName:       pulumi.String(args.Domain),
		ValidationMethod: pulumi.String("DNS"),
		Tags:             pulumi.StringMap{"Name": pulumi.String(args.Domain)},
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, pulumi.StringOutput{}, fmt.Errorf("requesting certificate for %q: %w", args.Domain, err)
	}
	// One name, no alternative names: ACM asks for exactly one record.
	option := cert.DomainValidationOptions.Index(pulumi.Int(0))
	recordName, recordType, recordValue := option.ResourceRecordName().Elem(), option.ResourceRecordType().Elem(), option.ResourceRecordValue().Elem()
	validationArgs := &acm.CertificateValidationArgs{CertificateArn: cert.Arn}
	if args.HostedZoneID != "" {
		record, err := route53.NewRecord(ctx, name+"-cert-validation", &route53.RecordArgs{
			ZoneId:  pulumi.String(args.HostedZoneID),
			Name:    recordName,
			Type:    recordType,
			Ttl:     pulumi.Int(ValidationRecordTTL),
			Records: pulumi.StringArray{recordValue},
			// Never take over a record someone else made: another
			// certificate of this account for the same name asks for the
			// same record and needs it for its renewals. Route 53 then
			// refuses, and the user imports or removes the record.
			AllowOverwrite: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return pulumi.StringOutput{}, pulumi.StringOutput{}, fmt.Errorf("creating certificate validation record for %q: %w", args.Domain, err)
		}
		validationArgs.ValidationRecordFqdns = pulumi.StringArray{record.Fqdn}
	}
	validation, err := acm.NewCertificateValidation(ctx, name+"-cert", validationArgs, parent)
	if err != nil {
		return pulumi.StringOutput{}, pulumi.StringOutput{}, fmt.Errorf("waiting for the certificate for %q: %w", args.Domain, err)
	}
	return validation.CertificateArn, pulumi.Sprintf("%s %s %s", recordName, recordType, recordValue), nil
}
