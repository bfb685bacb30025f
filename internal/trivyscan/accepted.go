package trivyscan

// Exception is a finding Trivy reports that stays, with the reason a
// reviewer accepts.
type Exception struct {
	// ID and Resource are the finding's (Finding.ID, Finding.Resource).
	ID       string
	Resource string
	// Severity and Title are Trivy's, for the manual.
	Severity string
	Title    string
	// Stacks are the shipped stacks whose plans have it.
	Stacks []string
	// Reason says why it stays, and what covers the risk instead.
	Reason string
}

// Accepted lists every HIGH or CRITICAL finding of Trivy Version on the
// shipped stacks that is not fixed, in the manual's order.
var Accepted = []Exception{
	{
		ID:       "AWS-0104",
		Resource: "aws_vpc_security_group_egress_rule.network-host-egress-443-0-0-0-0-0",
		Severity: "CRITICAL",
		Title:    "A security group rule should not allow unrestricted egress to any IP address.",
		Stacks:   []string{"dev", "prod", "scale"},
		Reason: "The hosts' one way out, and HTTPS only: they pull the image from ECR or a public registry, call the AWS APIs " +
			"(Secrets Manager, SSM, CloudWatch) and reach package repositories and Let's Encrypt, none at fixed addresses. " +
			"Narrowing it would take an interface endpoint for every AWS API the hosts call (EC2.10, not met for cost) and " +
			"would still leave a public image's registry. Every other egress rule names a security group.",
	},
	{
		ID:       "AWS-0053",
		Resource: "aws_lb.app-lb",
		Severity: "HIGH",
		Title:    "Load balancer is exposed to the internet.",
		Stacks:   []string{"scale"},
		Reason: "It is the stack's web entry point, there to be reached from the internet: its security group admits only " +
			"`app.hostPort` (with `app.domain`, 443 and 80) from `network.ingressCidrs`, and the hosts behind it take " +
			"requests from the load balancer only. It drops invalid header fields.",
	},
	{
		ID:       "AWS-0054",
		Resource: "aws_lb_listener.app-http",
		Severity: "CRITICAL",
		Title:    "Use of plain HTTP.",
		Stacks:   []string{"scale"},
		Reason: "`scale` ships without `app.domain`, and without a domain there is no certificate (ACM issues them for " +
			"domain names only), so the load balancer can only serve HTTP. With `app.domain` this listener only " +
			"redirects to HTTPS, which a second listener serves with the domain's ACM certificate, and the finding goes: " +
			"set it before real traffic (see [HTTPS](#https)).",
	},
}
