package dbsecret

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPasswordAlphabet: RDS refuses "/", "@", '"' and space in a master
// password, and a postgres:// URL needs anything outside RFC 3986's
// unreserved set percent-encoded. The alphabet must avoid all of them.
func TestPasswordAlphabet(t *testing.T) {
	alphabet := PasswordAlphabet()
	for _, c := range `/@" ` {
		assert.NotContains(t, alphabet, string(c), "RDS rejects %q", c)
	}
	unreserved := regexp.MustCompile(`^[A-Za-z0-9\-._~]+$`)
	assert.Regexp(t, unreserved, alphabet, "every character must be URL-safe without escaping")
	for _, c := range `:?#[]!$&'()*+,;=%\` + "`" {
		assert.NotContains(t, alphabet, string(c))
	}
	assert.GreaterOrEqual(t, PasswordLength, 32)
	assert.Len(t, alphabet, 26+26+10+len(PasswordSpecials))
}
