package realprovider

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/propval"
)

// ProviderVersion is the Terraform AWS provider pulumi-aws v6.83 wraps.
const ProviderVersion = "5.100.0"

// Translation is a recorded program as Terraform JSON, plus what Terraform
// cannot say about it.
type Translation struct {
	// Document is main.tf.json.
	Document map[string]any
	// Addresses maps each Terraform address to the Pulumi resource.
	Addresses map[string]Resource
	// Retained are the addresses Pulumi keeps on delete (RetainOnDelete):
	// before a destroy they leave Terraform's state, as they leave Pulumi's.
	Retained []string
	// Protected are the addresses with Pulumi's protect, which become
	// lifecycle.prevent_destroy.
	Protected []string
	// Outputs are the program's stack outputs, computed values still as
	// references (see Recorder.Exports and OutputValues).
	Outputs map[string]any
}

// Record runs program for project's stack under a Recorder that answers
// the program's questions with facts, and translates what it registered
// for the region in facts. cfg is the configuration as Pulumi hands it to a
// program: every key ("aws:region", "rds-app:app") with structured sections
// as JSON text. A configuration the program refuses returns the program's
// own error, the one `pulumi up` would show.
//
// The program runs with PULUMI_CONFIG set to cfg, as the Pulumi CLI runs
// it: the config package reads every key from it (that is how it knows a
// misspelt section). The variable is the process's, so runs in one process
// take turns.
func Record(schema *Schema, facts Facts, project, stack string, program pulumi.RunFunc, cfg map[string]string) (*Translation, error) {
	rec := NewRecorder(schema, facts, project, stack)
	if err := withPulumiConfig(cfg, func() error { return rec.Run(program, cfg) }); err != nil {
		return nil, err
	}
	return Translate(schema, rec, facts.Region)
}

// programMu serialises the program runs: each one sets PULUMI_CONFIG.
var programMu sync.Mutex

// withPulumiConfig runs f with PULUMI_CONFIG set to cfg.
func withPulumiConfig(cfg map[string]string, f func() error) error {
	programMu.Lock()
	defer programMu.Unlock()
	data, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	old, had := os.LookupEnv(pulumi.EnvConfig)
	os.Setenv(pulumi.EnvConfig, string(data))
	defer func() {
		if had {
			os.Setenv(pulumi.EnvConfig, old)
		} else {
			os.Unsetenv(pulumi.EnvConfig)
		}
	}()
	return f()
}

// Translate turns a recorded run into Terraform JSON for the AWS provider
// in region. Property names go through the provider's schema; references
// the recorder handed out become interpolations; Pulumi's resource options
// become lifecycle settings:
//   - protect -> prevent_destroy;
//   - Pulumi replaces create-before-delete unless deleteBeforeReplace is
//     set, Terraform the other way round -> create_before_destroy;
//   - ignoreChanges -> ignore_changes;
//   - dependencies (explicit and through inputs) -> depends_on, a component
//     standing for every resource under it.
func Translate(schema *Schema, rec *Recorder, region string) (*Translation, error) {
	resources := rec.Resources()
	byURN := map[string]Resource{}
	children := map[string][]string{}
	for _, r := range resources {
		byURN[r.URN] = r
		if p := r.Request.GetParent(); p != "" {
			children[p] = append(children[p], r.URN)
		}
	}
	// addressesOf is what a dependency on urn means in Terraform.
	var addressesOf func(urn string) []string
	addressesOf = func(urn string) []string {
		r, ok := byURN[urn]
		if !ok {
			return nil
		}
		if r.TFType != "" {
			return []string{r.Address()}
		}
		var out []string
		for _, c := range children[urn] {
			out = append(out, addressesOf(c)...)
		}
		return out
	}

	t := &Translation{Addresses: map[string]Resource{}, Outputs: rec.Exports()}
	blocks := map[string]map[string]any{}
	var errs []string
	for _, r := range resources {
		if r.TFType == "" {
			continue
		}
		body, err := convertObject(schema.Resources[r.TFType], r.Inputs, r.Address())
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		autoName(schema.Resources[r.TFType], body, r)
		deps := map[string]bool{}
		for _, d := range r.Request.GetDependencies() {
			for _, a := range addressesOf(d) {
				deps[a] = true
			}
		}
		for _, pd := range r.Request.GetPropertyDependencies() {
			for _, d := range pd.GetUrns() {
				for _, a := range addressesOf(d) {
					deps[a] = true
				}
			}
		}
		delete(deps, r.Address())
		if len(deps) > 0 {
			body["depends_on"] = sortedKeys(deps)
		}
		lifecycle := map[string]any{"create_before_destroy": !r.Request.GetDeleteBeforeReplace()}
		if r.Request.GetProtect() {
			lifecycle["prevent_destroy"] = true
			t.Protected = append(t.Protected, r.Address())
		}
		if ic := r.Request.GetIgnoreChanges(); len(ic) > 0 {
			var names []string
			for _, path := range ic {
				name, ok := schema.Resources[r.TFType].ignorePath(path)
				if !ok {
					errs = append(errs, fmt.Sprintf("%s: ignoreChanges names %q, which the provider does not have", r.Address(), path))
					continue
				}
				names = append(names, name)
			}
			lifecycle["ignore_changes"] = names
		}
		body["lifecycle"] = lifecycle
		if r.Request.GetRetainOnDelete() {
			t.Retained = append(t.Retained, r.Address())
		}
		if blocks[r.TFType] == nil {
			blocks[r.TFType] = map[string]any{}
		}
		blocks[r.TFType][r.TFName] = body
		t.Addresses[r.Address()] = r
	}
	data := map[string]map[string]any{}
	for _, d := range rec.DataSources() {
		body, err := convertObject(schema.DataSources[d.TFType], d.Args, d.Address())
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if data[d.TFType] == nil {
			data[d.TFType] = map[string]any{}
		}
		data[d.TFType][d.TFName] = body
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("translating to Terraform: %s", strings.Join(errs, "; "))
	}
	t.Document = map[string]any{
		"terraform": map[string]any{
			"required_providers": map[string]any{
				"aws": map[string]any{"source": "hashicorp/aws", "version": ProviderVersion},
			},
		},
		"provider": map[string]any{"aws": ProviderConfig(region)},
		"resource": blocks,
	}
	if len(data) > 0 {
		t.Document["data"] = data
	}
	return t, nil
}

// ProviderConfig is the provider block for an emulator: test credentials,
// no calls to the real account or metadata service, and few attempts (an
// emulator answers a missing API with HTTP 500, which the default 25 would
// retry for minutes; one only makes a connection the busy emulator drops a
// failure). Endpoints come from AWS_ENDPOINT_URL.
func ProviderConfig(region string) map[string]any {
	return map[string]any{
		"region":                      region,
		"access_key":                  "test",
		"secret_key":                  "test",
		"skip_credentials_validation": true,
		"skip_metadata_api_check":     "true",
		"skip_requesting_account_id":  true,
		"max_retries":                 3,
	}
}

// autoName gives a resource the name Pulumi's auto-naming would, when the
// provider requires one the program leaves unset: the resource's Pulumi
// name and a suffix of 7 hex digits (stable per resource here, random in
// Pulumi, which keeps it in the state).
func autoName(b Block, body map[string]any, r Resource) {
	attr, ok := b.Attributes["name"]
	if _, set := body["name"]; set || !ok || !attr.Required {
		return
	}
	sum := sha256.Sum256([]byte(r.URN))
	body["name"] = r.Name + "-" + hex.EncodeToString(sum[:4])[:7]
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// convertObject converts a Pulumi object (resource inputs or a nested
// object) into the attributes of a Terraform block.
func convertObject(b Block, props resource.PropertyMap, path string) (map[string]any, error) {
	out := map[string]any{}
	var errs []string
	for _, k := range props.StableKeys() {
		key := string(k)
		if strings.HasPrefix(key, "__") {
			continue
		}
		v := propval.Unwrap(props[k])
		if v.IsNull() {
			continue
		}
		name, attr, nested, ok := b.field(key)
		if !ok {
			errs = append(errs, fmt.Sprintf("%s: the provider has no attribute for the Pulumi property %q", path, key))
			continue
		}
		var conv any
		var err error
		if nested != nil {
			conv, err = convertBlockValue(*nested, v, path+"."+name)
		} else {
			conv, err = convertAttr(*attr, v, path+"."+name)
		}
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out[name] = conv
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

// convertBlockValue converts the value of a nested block: Pulumi gives an
// object for a block of at most one item and an array otherwise; Terraform
// JSON takes a list of objects either way.
func convertBlockValue(nb NestedBlock, v resource.PropertyValue, path string) (any, error) {
	var items []resource.PropertyValue
	switch {
	case v.IsObject():
		items = []resource.PropertyValue{v}
	case v.IsArray():
		items = v.ArrayValue()
	default:
		return nil, fmt.Errorf("%s: a block, but Pulumi gave %v", path, v.TypeString())
	}
	out := []any{}
	for i, item := range items {
		item = propval.Unwrap(item)
		if !item.IsObject() {
			return nil, fmt.Errorf("%s[%d]: a block item, but Pulumi gave %v", path, i, item.TypeString())
		}
		obj, err := convertObject(nb.Block, item.ObjectValue(), fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
	if nb.NestingMode == "single" && len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

// convertAttr converts an attribute's value. Map keys are data and stay as
// they are (tags, parameters); everything else converts by value.
func convertAttr(a Attribute, v resource.PropertyValue, path string) (any, error) {
	return convertValue(v, a.typeName() == "map", path)
}

func convertValue(v resource.PropertyValue, verbatimKeys bool, path string) (any, error) {
	v = propval.Unwrap(v)
	switch {
	case v.IsNull():
		return nil, nil
	case v.IsBool():
		return v.BoolValue(), nil
	case v.IsNumber():
		n := v.NumberValue()
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), nil
		}
		return n, nil
	case v.IsString():
		return TerraformString(v.StringValue()), nil
	case v.IsArray():
		out := []any{}
		for i, e := range v.ArrayValue() {
			c, err := convertValue(e, false, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			c, err := convertValue(e, false, path+"."+string(k))
			if err != nil {
				return nil, err
			}
			key := string(k)
			if !verbatimKeys {
				key = snake(key)
			}
			out[key] = c
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: cannot translate a %s", path, v.TypeString())
}

// TerraformString makes a literal string safe in Terraform JSON (where
// "${" and "%{" start templates) and turns the recorder's references into
// interpolations.
func TerraformString(s string) string {
	s = strings.ReplaceAll(s, "${", "$${")
	s = strings.ReplaceAll(s, "%{", "%%{")
	return markerRE.ReplaceAllString(s, "$${$1}")
}
