package thresholds

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFormatting(t *testing.T) {
	assert.Equal(t, "102.4 MiB", formatBytes(1024*1024*102.4))
	assert.Equal(t, "2 GiB", formatBytes(2<<30))
	assert.Equal(t, "28.8", trim(28.8))
	assert.Equal(t, "10", trim(10))
}
