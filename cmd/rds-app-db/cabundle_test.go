package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The embedded bundle holds AWS's RDS root CAs and nothing else: every
// block parses, every certificate is a self-signed CA of Amazon RDS, and
// each region the stack could run in has the rds-ca-rsa2048-g1 root that
// the program pins (database.CACertIdentifier).
func TestEmbeddedBundleIsRDSRootsOnly(t *testing.T) {
	blocks := strings.Count(string(rdsGlobalBundle), "-----BEGIN CERTIFICATE-----")
	certs := parseBundle(rdsGlobalBundle)
	require.Len(t, certs, blocks, "every certificate in the bundle parses")
	require.NotEmpty(t, certs)
	for _, c := range certs {
		name := c.Subject.CommonName
		assert.True(t, c.IsCA, name)
		assert.NoError(t, c.CheckSignatureFrom(c), "%s is a self-signed root", name)
		assert.Equal(t, []string{"Amazon Web Services, Inc."}, c.Subject.Organization, name)
		assert.Equal(t, []string{"Amazon RDS"}, c.Subject.OrganizationalUnit, name)
		assert.True(t, strings.HasPrefix(name, "Amazon RDS "), name)
	}
	rsa2048 := map[string]bool{}
	for _, c := range certs {
		rsa2048[c.Subject.CommonName] = true
	}
	for _, region := range []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
		"eu-central-1", "eu-north-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "ap-south-1", "ca-central-1", "sa-east-1"} {
		assert.True(t, rsa2048["Amazon RDS "+region+" Root CA RSA2048 G1"], "the bundle has %s's rds-ca-rsa2048-g1 root", region)
		assert.True(t, bundleCoversRegion(rdsGlobalBundle, region), region)
	}
	assert.False(t, bundleCoversRegion(rdsGlobalBundle, "xx-nowhere-1"))
	assert.False(t, bundleCoversRegion(rdsGlobalBundle, "eu-west"), "a prefix of a region is not the region")
}

func TestCABundle(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("os.UserCacheDir follows XDG_CACHE_HOME on Linux only")
	}
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	a := newApp(nil, nil, nil)

	path, err := a.caBundle(globals{}, "eu-west-1", false)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cache, "rds-app", "rds-global-bundle.pem"), path)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, rdsGlobalBundle, got)

	// A changed file is put right; an unchanged one is left alone.
	require.NoError(t, os.WriteFile(path, []byte("tampered"), 0o644))
	_, err = a.caBundle(globals{}, "eu-west-1", false)
	require.NoError(t, err)
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, rdsGlobalBundle, got)

	_, err = a.caBundle(globals{}, "xx-nowhere-1", false)
	assert.EqualError(t, err, "the built-in RDS CA bundle has no root for region xx-nowhere-1 (it is newer than the bundle): "+
		"download https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem and pass it with --ca-bundle FILE")

	// --ca-bundle wins, for any region, as an absolute path (the URL and
	// keyword strings name it for other programs).
	own := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(own, []byte("pem"), 0o644))
	t.Chdir(filepath.Dir(own))
	path, err = a.caBundle(globals{caBundle: "ca.pem"}, "xx-nowhere-1", true)
	require.NoError(t, err)
	assert.Equal(t, own, path)
	_, err = a.caBundle(globals{caBundle: "missing.pem"}, "eu-west-1", false)
	assert.ErrorContains(t, err, "reading --ca-bundle")
}

// TestCABundleForAProxy: with a proxy the bundle adds Amazon's roots, in a
// file of its own, so a stack without a proxy trusts the RDS roots only.
func TestCABundleForAProxy(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("os.UserCacheDir follows XDG_CACHE_HOME on Linux only")
	}
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	a := newApp(nil, nil, nil)

	proxyPath, err := a.caBundle(globals{}, "eu-west-1", true)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cache, "rds-app", "rds-global-bundle-and-amazon-roots.pem"), proxyPath)
	got, err := os.ReadFile(proxyPath)
	require.NoError(t, err)
	assert.Equal(t, string(rdsGlobalBundle)+string(amazonRoots), string(got))

	path, err := a.caBundle(globals{}, "eu-west-1", false)
	require.NoError(t, err)
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, rdsGlobalBundle, got, "without a proxy, the RDS roots only")
	assert.Len(t, parseBundle(got), len(parseBundle(rdsGlobalBundle)))
}

// TestEmbeddedAmazonRoots: the embedded file is exactly Amazon Trust
// Services' four roots, by their SHA-256 fingerprints as Amazon publishes
// them (https://www.amazontrust.com/repository/).
func TestEmbeddedAmazonRoots(t *testing.T) {
	want := map[string]string{
		"Amazon Root CA 1": "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e",
		"Amazon Root CA 2": "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4",
		"Amazon Root CA 3": "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4",
		"Amazon Root CA 4": "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092",
	}
	certs := parseBundle(amazonRoots)
	require.Len(t, certs, strings.Count(string(amazonRoots), "-----BEGIN CERTIFICATE-----"), "every certificate parses")
	got := map[string]string{}
	for _, c := range certs {
		assert.True(t, c.IsCA, c.Subject.CommonName)
		assert.Equal(t, c.Subject.String(), c.Issuer.String(), "%s is a root", c.Subject.CommonName)
		sum := sha256.Sum256(c.Raw)
		got[c.Subject.CommonName] = hex.EncodeToString(sum[:])
	}
	assert.Equal(t, want, got)
}
