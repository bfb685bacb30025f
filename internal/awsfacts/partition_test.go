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
