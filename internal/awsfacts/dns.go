package awsfacts

// This file holds the rules for the application's domain name (which an
// ACME CA issues a certificate for) and for Route 53 hosted zone IDs.

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// MaxDomainName is the longest DNS name, in characters, without the
// trailing dot.
const MaxDomainName = 253

var (
	dnsLabelRE     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	hostedZoneIDRE = regexp.MustCompile(`^Z[A-Z0-9]{1,32}$`)
)

// CheckDomainName accepts a fully qualified DNS name a public ACME CA can
// issue a certificate for by HTTP-01: lower-case labels of letters, digits
// and inner hyphens, at least two of them, no wildcard, not an IP address.
func CheckDomainName(s string) error {
	if _, err := netip.ParseAddr(s); err == nil {
		return fmt.Errorf("%s is an IP address; a certificate needs a DNS name that points at the Elastic IP", Quote(s))
	}
	switch {
	case s == "":
		return fmt.Errorf(`"" is empty; leave the key unset for plain HTTP`)
	case len(s) > MaxDomainName:
		return fmt.Errorf("%s is %d characters, above the %d a DNS name may have", Quote(s), len(s), MaxDomainName)
	case strings.HasSuffix(s, "."):
		return fmt.Errorf("%s ends with a dot; give the name without it: %q", Quote(s), strings.TrimSuffix(s, "."))
	case strings.Contains(s, "*"):
		return fmt.Errorf("%s is a wildcard; HTTP-01 validation issues certificates for exact names only", Quote(s))
	case s != strings.ToLower(s):
		return fmt.Errorf("%s has upper-case letters; write it in lower case: %q", Quote(s), strings.ToLower(s))
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return fmt.Errorf("%s is a single label; give the full name, such as app.example.com", Quote(s))
	}
	for _, l := range labels {
		if !dnsLabelRE.MatchString(l) {
			return fmt.Errorf("%s has an invalid label %q; labels are 1 to 63 letters, digits and inner hyphens", Quote(s), l)
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return fmt.Errorf("%s ends in a numeric label, which no top-level domain is", Quote(s))
	}
	return nil
}

// CheckHostedZoneID accepts the ID of a Route 53 hosted zone as the
// console shows it (Z and upper-case letters and digits), without the
// "/hostedzone/" prefix the API sometimes adds.
func CheckHostedZoneID(s string) error {
	if strings.HasPrefix(s, "/hostedzone/") {
		return fmt.Errorf("%s has the API's /hostedzone/ prefix; give the ID alone: %q", Quote(s), strings.TrimPrefix(s, "/hostedzone/"))
	}
	if !hostedZoneIDRE.MatchString(s) {
		return fmt.Errorf("%s is not a Route 53 hosted zone ID (Z and up to 32 upper-case letters and digits)", Quote(s))
	}
	return nil
}
