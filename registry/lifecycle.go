package registry

import "encoding/json"

// UntaggedExpiryDays is how long an untagged image (a layer set a re-tag or
// an interrupted push left behind) stays before it expires.
const UntaggedExpiryDays = 1

// LifecyclePolicy is the repository's lifecycle policy: untagged images
// expire after UntaggedExpiryDays, and of the tagged images (releases) the
// newest keep stay. ECR applies the rules in priority order, and an image
// expired by one is not counted by the next.
func LifecyclePolicy(keep int) (string, error) {
	type selection struct {
		TagStatus      string   `json:"tagStatus"`
		TagPatternList []string `json:"tagPatternList,omitempty"`
		CountType      string   `json:"countType"`
		CountUnit      string   `json:"countUnit,omitempty"`
		CountNumber    int      `json:"countNumber"`
	}
	type rule struct {
		RulePriority int               `json:"rulePriority"`
		Description  string            `json:"description"`
		Selection    selection         `json:"selection"`
		Action       map[string]string `json:"action"`
	}
	expire := map[string]string{"type": "expire"}
	policy := struct {
		Rules []rule `json:"rules"`
	}{Rules: []rule{
		{
			RulePriority: 1,
			Description:  "untagged images are no release",
			Selection:    selection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: UntaggedExpiryDays},
			Action:       expire,
		},
		{
			RulePriority: 2,
			Description:  "keep the newest releases (app.repositoryKeep)",
			// "*" matches every tag: ECR counts only tagged images here.
			Selection: selection{TagStatus: "tagged", TagPatternList: []string{"*"}, CountType: "imageCountMoreThan", CountNumber: keep},
			Action:    expire,
		},
	}}
	text, err := json.Marshal(policy)
	return string(text), err
}
