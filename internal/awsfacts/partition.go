package awsfacts

// This file holds what differs between AWS partitions.

import "fmt"

// DNSSuffix is the domain of a partition's service endpoints.
func DNSSuffix(partition string) string {
	if partition == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// ServiceHost is a regional service's endpoint host name, what
// kms:ViaService names ("secretsmanager.eu-west-1.amazonaws.com").
func ServiceHost(service, region, partition string) string {
	return fmt.Sprintf("%s.%s.%s", service, region, DNSSuffix(partition))
}

// ConsoleHost is the AWS Management Console's host for a region
// ("eu-west-1.console.aws.amazon.com"). The China and GovCloud partitions
// have consoles of their own (console.amazonaws.cn,
// console.amazonaws-us-gov.com), each with the same regional form; the
// isolated partitions have no public console and are not supported, as
// DNSSuffix does not support them.
func ConsoleHost(region, partition string) string {
	domain := "console.aws.amazon.com"
	switch partition {
	case "aws-cn":
		domain = "console.amazonaws.cn"
	case "aws-us-gov":
		domain = "console.amazonaws-us-gov.com"
	}
	return region + "." + domain
}
