package realprovider

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func doc(resources map[string]map[string]any, data map[string]map[string]any) *Translation {
	d := map[string]any{"resource": resources}
	if data != nil {
		d["data"] = data
	}
	return &Translation{Document: d}
}

// TestReach: a changed block reaches what refers to it, through
// references and depends_on, transitively, and nothing else.
func TestReach(t *testing.T) {
	base := doc(map[string]map[string]any{
		"aws_vpc":    {"net": map[string]any{"cidr_block": "10.0.0.0/16"}},
		"aws_subnet": {"a": map[string]any{"vpc_id": "${aws_vpc.net.id}"}},
		"aws_instance": {
			"host": map[string]any{"subnet_id": "${aws_subnet.a.id}", "ami": "${data.aws_ami.q1.id}"},
		},
		"aws_ssm_parameter": {
			"image": map[string]any{"value": "nginx@sha256:1"},
			"other": map[string]any{"value": "x"},
		},
		"aws_ssm_association": {"rollout": map[string]any{"depends_on": []string{"aws_ssm_parameter.image"}}},
	}, map[string]map[string]any{"aws_ami": {"q1": map[string]any{"owners": []string{"amazon"}}}})

	reach := func(change func(d map[string]any)) []string {
		next := doc(map[string]map[string]any{}, nil)
		next.Document = deepCopy(base.Document)
		change(next.Document)
		return slices.Sorted(maps.Keys(next.Reach(base)))
	}
	assert.Empty(t, reach(func(map[string]any) {}), "the same translation reaches nothing")
	assert.Equal(t, []string{"aws_instance.host", "aws_subnet.a", "aws_vpc.net"}, reach(func(d map[string]any) {
		d["resource"].(map[string]map[string]any)["aws_vpc"]["net"] = map[string]any{"cidr_block": "10.1.0.0/16"}
	}))
	assert.Equal(t, []string{"aws_ssm_association.rollout", "aws_ssm_parameter.image"}, reach(func(d map[string]any) {
		d["resource"].(map[string]map[string]any)["aws_ssm_parameter"]["image"] = map[string]any{"value": "nginx@sha256:2"}
	}), "depends_on counts")
	assert.Equal(t, []string{"aws_instance.host", "data.aws_ami.q1", "data.aws_ami.q2"}, reach(func(d map[string]any) {
		d["data"] = map[string]map[string]any{"aws_ami": {"q2": map[string]any{"owners": []string{"self"}}}}
		d["resource"].(map[string]map[string]any)["aws_instance"]["host"] = map[string]any{"subnet_id": "${aws_subnet.a.id}", "ami": "${data.aws_ami.q2.id}"}
	}), "a data source read anew reaches what takes its value")
}

func deepCopy(d map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range d {
		switch v := v.(type) {
		case map[string]map[string]any:
			m := map[string]map[string]any{}
			for typ, named := range v {
				m[typ] = maps.Clone(named)
			}
			out[k] = m
		default:
			out[k] = v
		}
	}
	return out
}
