package registry_test

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/registry"
)

func build(t *testing.T, cfg config.App) (*pulumitest.Mocks, string) {
	t.Helper()
	m := pulumitest.New()
	var url string
	err := m.Run("test", func(ctx *pulumi.Context) error {
		r, err := registry.New(ctx, "images", cfg, registry.Inputs{NamePrefix: "rds-app-test"})
		if err != nil {
			return err
		}
		r.RepositoryURL.ApplyT(func(u string) string { url = u; return u })
		return nil
	})
	require.NoError(t, err)
	return m, url
}

func TestRepository(t *testing.T) {
	m, url := build(t, config.App{Repository: true, RepositoryKeep: 12})
	repo := m.One(t, "aws:ecr/repository:Repository")
	assert.Equal(t, pulumitest.AccountID+".dkr.ecr."+pulumitest.Region+".amazonaws.com/images-abc123", url)
	key := m.One(t, "aws:kms/key:Key")
	assert.Equal(t, "IMMUTABLE", repo.Str("imageTagMutability"), "a tag names one image forever")
	assert.True(t, repo.Input("imageScanningConfiguration").ObjectValue()["scanOnPush"].BoolValue())
	enc := repo.Input("encryptionConfigurations").ArrayValue()
	require.Len(t, enc, 1)
	assert.Equal(t, "KMS", enc[0].ObjectValue()["encryptionType"].StringValue())
	assert.Equal(t, key.Outputs["arn"].StringValue(), enc[0].ObjectValue()["kmsKey"].StringValue(), "encrypted with the repository's own key")
	assert.True(t, key.Input("enableKeyRotation").BoolValue())
	assert.Contains(t, m.One(t, "aws:kms/alias:Alias").Str("namePrefix"), "alias/rds-app-test-images-")
	assert.Equal(t, 4, m.AssertParentedTo(t, "rds-app:registry:Registry", "images"), "the key, its alias, the repository and its policy")

	policy := m.One(t, "aws:ecr/lifecyclePolicy:LifecyclePolicy")
	assert.Equal(t, repo.ID, policy.Str("repository"))
	var doc struct {
		Rules []struct {
			RulePriority int `json:"rulePriority"`
			Selection    struct {
				TagStatus      string   `json:"tagStatus"`
				TagPatternList []string `json:"tagPatternList"`
				CountType      string   `json:"countType"`
				CountNumber    int      `json:"countNumber"`
			} `json:"selection"`
			Action struct{ Type string } `json:"action"`
		} `json:"rules"`
	}
	require.NoError(t, json.Unmarshal([]byte(policy.Str("policy")), &doc))
	require.Len(t, doc.Rules, 2)
	assert.Equal(t, "untagged", doc.Rules[0].Selection.TagStatus)
	assert.Equal(t, "sinceImagePushed", doc.Rules[0].Selection.CountType)
	assert.Equal(t, registry.UntaggedExpiryDays, doc.Rules[0].Selection.CountNumber)
	assert.Equal(t, "tagged", doc.Rules[1].Selection.TagStatus)
	assert.Equal(t, []string{"*"}, doc.Rules[1].Selection.TagPatternList)
	assert.Equal(t, "imageCountMoreThan", doc.Rules[1].Selection.CountType)
	assert.Equal(t, 12, doc.Rules[1].Selection.CountNumber, "app.repositoryKeep releases stay")
	for i, r := range doc.Rules {
		assert.Equal(t, i+1, r.RulePriority)
		assert.Equal(t, "expire", r.Action.Type)
	}
}

// TestRepositoryTeardown: unless app.repositoryForceDelete, `pulumi
// destroy` keeps the repository, its images and the key they are
// encrypted with; with it, all three go.
func TestRepositoryTeardown(t *testing.T) {
	for _, forceDelete := range []bool{false, true} {
		m, _ := build(t, config.App{Repository: true, RepositoryKeep: 30, RepositoryForceDelete: forceDelete})
		repo := m.One(t, "aws:ecr/repository:Repository")
		assert.Equal(t, forceDelete, repo.Input("forceDelete").BoolValue(), "a repository with images is deleted only with forceDelete")
		for _, typ := range []string{"aws:ecr/repository:Repository", "aws:ecr/lifecyclePolicy:LifecyclePolicy", "aws:kms/key:Key", "aws:kms/alias:Alias"} {
			assert.Equal(t, !forceDelete, m.One(t, typ).Request.GetRetainOnDelete(), "forceDelete %v: %s", forceDelete, typ)
		}
	}
}
