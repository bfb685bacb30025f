package awsfacts

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestServiceHost(t *testing.T) {
	assert.Equal(t, "secretsmanager.eu-west-1.amazonaws.com", ServiceHost("secretsmanager", "eu-west-1", "aws"))
	assert.Equal(t, "secretsmanager.us-gov-west-1.amazonaws.com", ServiceHost("secretsmanager", "us-gov-west-1", "aws-us-gov"))
	assert.Equal(t, "secretsmanager.cn-north-1.amazonaws.com.cn", ServiceHost("secretsmanager", "cn-north-1", "aws-cn"))
}

func TestConsoleHost(t *testing.T) {
	assert.Equal(t, "eu-west-1.console.aws.amazon.com", ConsoleHost("eu-west-1", "aws"))
	assert.Equal(t, "cn-north-1.console.amazonaws.cn", ConsoleHost("cn-north-1", "aws-cn"))
	assert.Equal(t, "us-gov-west-1.console.amazonaws-us-gov.com", ConsoleHost("us-gov-west-1", "aws-us-gov"))
}
