package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPushedDigestIn(t *testing.T) {
	digest := "sha256:" + strings.Repeat("5e", 32)
	got, err := pushedDigestIn("The push refers to repository [123456789012.dkr.ecr.eu-west-1.amazonaws.com/app]\n" +
		"5f70bf18a086: Pushed\n" +
		"0123456789abcdef0123456789abcdef01234567: digest: " + digest + " size: 528\n")
	require.NoError(t, err)
	assert.Equal(t, digest, got)
	_, err = pushedDigestIn("Pushed\n")
	assert.EqualError(t, err, `docker push reported no digest (no line "<tag>: digest: sha256:… size: …")`)
}

func TestWrongPlatform(t *testing.T) {
	dir := t.TempDir()
	pinned := testenv.WriteTemp(t, dir, "Dockerfile", "FROM --platform=$BUILDPLATFORM golang:1.26 AS build\nRUN go build -o /app .\n\nfrom --platform=linux/amd64 node:22\nCOPY --from=build /app /app\n", 0o644)
	assert.EqualError(t, wrongPlatform("linux/amd64", "linux/arm64", "t4g.micro", pinned),
		"the image was built for linux/amd64, but the stack's hosts (app.instanceType t4g.micro) run linux/arm64, so it could not start there: "+
			"the Dockerfile pins the platform (line 4: from --platform=linux/amd64 node:22): remove --platform, or use --platform=$TARGETPLATFORM")
	plain := testenv.WriteTemp(t, dir, "Dockerfile.plain", "FROM node:22\n", 0o644)
	assert.EqualError(t, wrongPlatform("linux/amd64", "linux/arm64", "t4g.micro", plain),
		"the image was built for linux/amd64, but the stack's hosts (app.instanceType t4g.micro) run linux/arm64, so it could not start there: its base image may have no linux/arm64 variant")
	assert.Empty(t, platformPins(filepath.Join(dir, "missing")))
}

// A clean commit is its own tag; a dirty tree gets a new one each time.
func TestImageTag(t *testing.T) {
	commit := strings.Repeat("c0ffee", 6) + "beef"
	at := time.Date(2026, 12, 5, 17, 4, 5, 0, time.FixedZone("CET", 3600))
	assert.Equal(t, commit, imageTag(commit, false, at))
	assert.Equal(t, commit+"-dirty-20261205T160405Z", imageTag(commit, true, at))
}
