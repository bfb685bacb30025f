package realprovider

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// StateResources reads a Terraform state (terraform.tfstate) into each
// resource's attributes by address ("aws_vpc.network",
// "data.aws_ssm_parameter.q1a2b3c").
func StateResources(state []byte) (map[string]map[string]any, error) {
	var st struct {
		Resources []struct {
			Mode, Type, Name string
			Instances        []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(state, &st); err != nil {
		return nil, fmt.Errorf("reading the Terraform state: %w", err)
	}
	out := map[string]map[string]any{}
	for _, r := range st.Resources {
		if len(r.Instances) == 0 {
			continue
		}
		addr := r.Type + "." + r.Name
		if r.Mode == "data" {
			addr = "data." + addr
		}
		out[addr] = r.Instances[0].Attributes
	}
	return out, nil
}

// OutputValues resolves a program's stack outputs (Translation.Outputs)
// against an applied state: every reference the recorder handed out becomes
// the value the provider stored. An output that needs a resource the state
// does not hold (it failed, or is an emulator gap) is left out of values,
// and missing names the addresses it needs.
func OutputValues(outputs map[string]any, state []byte) (values map[string]any, missing map[string][]string, err error) {
	resources, err := StateResources(state)
	if err != nil {
		return nil, nil, err
	}
	values, missing = map[string]any{}, map[string][]string{}
	for name, v := range outputs {
		var absent []string
		resolved := resolve(v, resources, &absent)
		if len(absent) > 0 {
			sort.Strings(absent)
			missing[name] = absent
			continue
		}
		values[name] = resolved
	}
	return values, missing, nil
}

// resolve replaces the references in v (strings, and strings inside lists
// and maps) with state values, adding to absent the addresses the state
// lacks.
func resolve(v any, resources map[string]map[string]any, absent *[]string) any {
	switch v := v.(type) {
	case string:
		return markerRE.ReplaceAllStringFunc(v, func(m string) string {
			expr := markerRE.FindStringSubmatch(m)[1]
			i := strings.LastIndex(expr, ".")
			addr, attr := expr[:i], expr[i+1:]
			value, ok := resources[addr][attr]
			if !ok || value == nil {
				*absent = append(*absent, addr)
				return m
			}
			return fmt.Sprint(value)
		})
	case []string:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = resolve(e, resources, absent)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = resolve(e, resources, absent)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = resolve(e, resources, absent)
		}
		return out
	case map[string]string:
		out := map[string]any{}
		for k, e := range v {
			out[k] = resolve(e, resources, absent)
		}
		return out
	}
	return v
}
