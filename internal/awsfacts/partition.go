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
