package compute_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/internal/pulumitest"
)

const getImage = "aws:ecr/getImage:getImage"

// released is what a run's release names: the release record's image,
// the rollout's command and the version output.
func released(t *testing.T, m *pulumitest.Mocks, out outputs) (image, command string) {
	t.Helper()
	image = recordOf(t, m).Image
	assert.Equal(t, image, out.version, "the version output names the release's image")
	command = m.One(t, "aws:ssm/association:Association").Input("parameters").ObjectValue()["commands"].StringValue()
	assert.True(t, strings.HasSuffix(command, "; image: "+image), command)
	return image, command
}

// TestReleaseNamesOneDigest: every release names one digest. A tag in ECR
// is looked up in ECR at each run, so a re-push of the tag is a new
// release in the next preview; a digest is taken as it is; a tag elsewhere
// is looked up in its registry.
func TestReleaseNamesOneDigest(t *testing.T) {
	t.Run("a tag in ECR", func(t *testing.T) {
		m, out := build(t, testArgs())
		var lookups []pulumitest.Invoke
		for _, inv := range m.Invokes() {
			if inv.Token == getImage {
				lookups = append(lookups, inv)
			}
		}
		require.Len(t, lookups, 1, "one lookup of the tag in ECR")
		assert.Equal(t, "123456789012", lookups[0].Args["registryId"].StringValue())
		assert.Equal(t, "shop", lookups[0].Args["repositoryName"].StringValue())
		assert.Equal(t, "v1", lookups[0].Args["imageTag"].StringValue())
		param, _ := released(t, m, out)
		assert.Equal(t, pinnedImage, param)

		// The same tag pushed again: another digest, another release.
		repushed := pulumitest.New()
		repushed.ECRDigests = map[string]string{"shop:v1": "sha256:" + strings.Repeat("9", 64)}
		m2, out2 := buildWith(t, repushed, testArgs())
		param2, command2 := released(t, m2, out2)
		assert.Equal(t, ecrImage+"@sha256:"+strings.Repeat("9", 64), param2)
		_, command := released(t, m, out)
		assert.NotEqual(t, command, command2, "the rollout runs again for the re-pushed tag")
	})
	t.Run("a digest", func(t *testing.T) {
		args := testArgs()
		ref := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:" + strings.Repeat("a", 64)
		args.Image = ref
		args.ResolveDigest = func(string) (string, error) {
			t.Fatal("a digest is not looked up")
			return "", nil
		}
		m, out := build(t, args)
		for _, inv := range m.Invokes() {
			assert.NotEqual(t, getImage, inv.Token, "a digest is not looked up")
		}
		param, _ := released(t, m, out)
		assert.Equal(t, ref, param)
	})
	t.Run("a tag in another registry", func(t *testing.T) {
		args := testArgs()
		args.Image = "public.ecr.aws/docker/library/nginx:stable-alpine"
		m, out := build(t, args)
		param, _ := released(t, m, out)
		assert.Equal(t, "public.ecr.aws/docker/library/nginx:stable-alpine@sha256:"+strings.Repeat("1", 64), param)
	})
	t.Run("a tag its registry does not have", func(t *testing.T) {
		args := testArgs()
		args.Image = "ghcr.io/acme/shop:v9"
		m := pulumitest.New()
		err := m.Run("test", func(ctx *pulumi.Context) error {
			_, err := compute.New(ctx, "app", args.App, args.Inputs)
			return err
		})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `app.image: looking up the digest of "ghcr.io/acme/shop:v9" in its registry: MANIFEST_UNKNOWN`)
		assert.Contains(t, err.Error(), "or name the image by digest (app.image <repository>@sha256:<64 hex digits>)")
		assert.Empty(t, m.Resources(), "nothing is registered")
	})
}

// TestStackRepositoryPullGrant: with the stack's own repository the hosts
// may pull from it as well as from app.image's repository, and from
// nothing else.
func TestStackRepositoryPullGrant(t *testing.T) {
	own := "arn:aws:ecr:eu-west-1:123456789012:repository/images-abc123"
	for _, tt := range []struct {
		name, image string
		pulls       []string
	}{
		{"an image in another repository", ecrImage, []string{"arn:aws:ecr:eu-west-1:123456789012:repository/shop", own}},
		{"a public image", "public.ecr.aws/docker/library/nginx:stable-alpine", []string{own}},
		{"an image in the stack's repository", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/images-abc123:abc", []string{own}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := testArgs()
			args.Image = tt.image
			args.RepositoryArn = pulumi.String(own)
			m, _ := build(t, args)
			st := statements(policyOf(t, m.One(t, "aws:iam/rolePolicy:RolePolicy"), "policy"))
			assert.Equal(t, tt.pulls, st["PullImage"].Resource)
			assert.Equal(t, []string{"*"}, st["LogInToECR"].Resource, "AWS does not scope the login")
		})
	}
}
