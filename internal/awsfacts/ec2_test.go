package awsfacts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestArchitecture(t *testing.T) {
	for typ, arch := range map[string]string{
		"t3.micro": "x86_64", "t3a.small": "x86_64", "m7i-flex.large": "x86_64", "m5zn.large": "x86_64", "g4dn.xlarge": "x86_64",
		"r7iz.large": "x86_64", "c5.metal": "x86_64", "u-6tb1.56xlarge": "x86_64",
		"t4g.micro": "arm64", "m7g.large": "arm64", "c6gn.16xlarge": "arm64", "m7gd.xlarge": "arm64", "r8g.medium": "arm64",
		"im4gn.large": "arm64", "is4gen.large": "arm64", "x2gd.medium": "arm64", "g5g.xlarge": "arm64", "hpc7g.4xlarge": "arm64",
		"a1.large": "arm64",
	} {
		assert.NoError(t, CheckInstanceType(typ), typ)
		assert.Equal(t, arch, Architecture(typ), typ)
	}
	for _, bad := range []string{"", "t3", "micro", "T3.micro", "t3.Micro", "db.t3.micro", "t3.micro.large", "t3.0xlarge", "t3 .micro"} {
		assert.Error(t, CheckInstanceType(bad), "%q", bad)
	}
}

func TestPlatform(t *testing.T) {
	for typ, platform := range map[string]string{
		"t4g.micro": "linux/arm64", "m7g.large": "linux/arm64", "a1.large": "linux/arm64",
		"t3.micro": "linux/amd64", "m7i-flex.large": "linux/amd64", "t3a.small": "linux/amd64",
		"t3.huge": "", "": "",
	} {
		assert.Equal(t, platform, Platform(typ), typ)
	}
}

func TestInstanceTypeMessages(t *testing.T) {
	assert.EqualError(t, CheckInstanceType("t4g.huge"), `"t4g.huge" is not an EC2 instance type; t4g comes in nano, micro, small, medium, large, xlarge, 2xlarge`)
	assert.EqualError(t, CheckInstanceType("q9.large"), `"q9.large" is not an EC2 instance type; use a name such as t3.micro, t4g.small or m7g.large`)
	long := "t3." + strings.Repeat("x", 100)
	assert.Contains(t, CheckInstanceType(long).Error(), "… (103 bytes)", "a long value is shortened")
	it, ok := LookupInstanceType("t3.micro")
	assert.True(t, ok)
	assert.Equal(t, InstanceType{Name: "t3.micro", Architecture: "x86_64", VCPUs: 2, MemoryMiB: 1024, Burstable: true}, it)
}
