package main

import (
	"bytes"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// rdsGlobalBundle is AWS's RDS global CA bundle
// (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem): the
// root certificates of every region's RDS CAs, among them the
// rds-ca-rsa2048-g1 roots the stack's instances use. It is public data,
// embedded so that connecting needs no download and trusts nothing fetched
// at run time. This copy (96 roots, April 2025, re-encoded with LF line
// ends) predates regions opened after it; caBundle refuses those with the
// way to pass a fresh bundle.
//
//go:embed rds-global-bundle.pem
var rdsGlobalBundle []byte

// amazonRoots are Amazon Trust Services' root CAs 1 to 4
// (https://www.amazontrust.com/repository/), public data like the RDS
// bundle. An RDS Proxy's certificate comes from AWS Certificate Manager and
// chains to them, not to the RDS CA: with a proxy (database.proxy) the
// tunnel's far end is the proxy, and the bundle adds them.
//
//go:embed amazon-root-cas.pem
var amazonRoots []byte

// globalBundleURL is where AWS publishes the current bundle.
const globalBundleURL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"

// bundleFileName is the embedded bundle's file in the user cache directory:
// psql reads sslrootcert from a file, and the connection strings that `url`
// and `tunnel` print name it, so it must outlive this process.
const bundleFileName = "rds-global-bundle.pem"

// proxyBundleFileName holds the embedded bundle and Amazon's roots, for a
// stack with a proxy; a file of its own, so that a stack without one
// never trusts more than the RDS roots.
const proxyBundleFileName = "rds-global-bundle-and-amazon-roots.pem"

// caBundle returns the CA file for sslrootcert: --ca-bundle as given, or
// the embedded bundle written to the user cache directory, provided it has
// a root for the stack's region, and with Amazon's roots when the endpoint
// is an RDS Proxy.
func (a *app) caBundle(g globals, region string, proxy bool) (string, error) {
	if g.caBundle != "" {
		abs, err := filepath.Abs(g.caBundle)
		if err != nil {
			return "", fmt.Errorf("reading --ca-bundle: %w", err)
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("reading --ca-bundle: %w", err)
		}
		return abs, nil
	}
	if !bundleCoversRegion(rdsGlobalBundle, region) {
		return "", fmt.Errorf("the built-in RDS CA bundle has no root for region %s (it is newer than the bundle): download %s and pass it with --ca-bundle FILE",
			region, globalBundleURL)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding a directory for the RDS CA bundle (or pass --ca-bundle FILE): %w", err)
	}
	if proxy {
		return writeIfChanged(filepath.Join(cache, "rds-app", proxyBundleFileName), append(slices.Clip(rdsGlobalBundle), amazonRoots...))
	}
	return writeIfChanged(filepath.Join(cache, "rds-app", bundleFileName), rdsGlobalBundle)
}

// bundleCoversRegion reports whether the bundle has a root CA of the
// region ("Amazon RDS eu-west-1 Root CA RSA2048 G1").
func bundleCoversRegion(bundle []byte, region string) bool {
	prefix := "Amazon RDS " + region + " Root CA"
	for _, c := range parseBundle(bundle) {
		if strings.HasPrefix(c.Subject.CommonName, prefix) {
			return true
		}
	}
	return false
}

// parseBundle returns the bundle's certificates, skipping what does not
// parse (the tests check that nothing is skipped in the embedded one).
func parseBundle(bundle []byte) []*x509.Certificate {
	var certs []*x509.Certificate
	for rest := bundle; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return certs
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			certs = append(certs, c)
		}
	}
}

// writeIfChanged writes data to path unless it already holds exactly that,
// through a temporary file and a rename, so a reader never sees half of it.
func writeIfChanged(path string, data []byte) (string, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return path, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("writing the RDS CA bundle: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), bundleFileName+".*")
	if err != nil {
		return "", fmt.Errorf("writing the RDS CA bundle: %w", err)
	}
	_, err = tmp.Write(data)
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("writing the RDS CA bundle: %w", err)
	}
	return path, nil
}
