package realprovider

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// ProviderAddress is the AWS provider as Terraform names it in its schema.
const ProviderAddress = "registry.terraform.io/hashicorp/aws"

// Schema is the part of `terraform providers schema -json` the translation
// needs: every resource and data source of the AWS provider.
type Schema struct {
	Resources   map[string]Block
	DataSources map[string]Block
}

// Block is a resource, data source or nested block: its attributes and its
// nested blocks.
type Block struct {
	Attributes map[string]Attribute   `json:"attributes"`
	BlockTypes map[string]NestedBlock `json:"block_types"`
}

// Attribute is one attribute of a block.
type Attribute struct {
	// Type is Terraform's type expression: "string", ["list","string"], ...
	Type     json.RawMessage `json:"type"`
	Optional bool            `json:"optional"`
	Computed bool            `json:"computed"`
	Required bool            `json:"required"`
}

// NestedBlock is a block type inside a block.
type NestedBlock struct {
	NestingMode string `json:"nesting_mode"`
	Block       Block  `json:"block"`
	MaxItems    int    `json:"max_items"`
}

// ParseSchema reads the JSON printed by `terraform providers schema -json`.
func ParseSchema(data []byte) (*Schema, error) {
	var doc struct {
		ProviderSchemas map[string]struct {
			ResourceSchemas map[string]struct {
				Block Block `json:"block"`
			} `json:"resource_schemas"`
			DataSourceSchemas map[string]struct {
				Block Block `json:"block"`
			} `json:"data_source_schemas"`
		} `json:"provider_schemas"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parsing provider schema: %w", err)
	}
	p, ok := doc.ProviderSchemas[ProviderAddress]
	if !ok {
		return nil, fmt.Errorf("provider schema has no %s", ProviderAddress)
	}
	s := &Schema{Resources: map[string]Block{}, DataSources: map[string]Block{}}
	for name, r := range p.ResourceSchemas {
		s.Resources[name] = r.Block
	}
	for name, d := range p.DataSourceSchemas {
		s.DataSources[name] = d.Block
	}
	return s, nil
}

// typeName is the attribute's type as a string: "string", "number", "bool",
// or the collection kind ("list", "set", "map", "object").
func (a Attribute) typeName() string {
	var simple string
	if json.Unmarshal(a.Type, &simple) == nil {
		return simple
	}
	var complex []json.RawMessage
	if json.Unmarshal(a.Type, &complex) == nil && len(complex) > 0 {
		_ = json.Unmarshal(complex[0], &simple)
	}
	return simple
}

// snake turns a Pulumi property name into Terraform's form
// ("vpcSecurityGroupIds" -> "vpc_security_group_ids", "cidrIpv4" -> "cidr_ipv4").
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// camel turns a Terraform attribute name into Pulumi's form
// ("public_ip" -> "publicIp").
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// singulars are the names Pulumi's plural form of a list may come from:
// the bridge pluralises list attributes and repeated blocks
// ("network_interface" -> "networkInterfaces", "parameter" -> "parameters").
func singulars(name string) []string {
	var out []string
	if strings.HasSuffix(name, "ies") {
		out = append(out, strings.TrimSuffix(name, "ies")+"y")
	}
	if strings.HasSuffix(name, "es") {
		out = append(out, strings.TrimSuffix(name, "es"))
	}
	if strings.HasSuffix(name, "s") {
		out = append(out, strings.TrimSuffix(name, "s"))
	}
	return out
}

// renamed are the Terraform names of properties the Pulumi bridge renamed
// (aws_cloudwatch_metric_alarm's alarm_name is Pulumi's name,
// aws_sns_topic_subscription's topic_arn its topic), tried when the
// property's own name is not an attribute of the block.
var renamed = map[string][]string{
	"name":  {"alarm_name"},
	"topic": {"topic_arn"},
}

// field finds the Terraform attribute or nested block a Pulumi property
// names: the snake_case form, its singular when Pulumi pluralised it, or
// the name the bridge renamed it from.
func (b Block) field(pulumiKey string) (name string, attr *Attribute, nested *NestedBlock, ok bool) {
	base := snake(pulumiKey)
	for _, cand := range append(append([]string{base}, singulars(base)...), renamed[base]...) {
		if a, found := b.Attributes[cand]; found {
			return cand, &a, nil, true
		}
		if nb, found := b.BlockTypes[cand]; found {
			return cand, nil, &nb, true
		}
	}
	return "", nil, nil, false
}

// ignorePath is a Pulumi ignoreChanges path ("launchTemplate.version") as
// Terraform's ignore_changes names it ("launch_template[0].version": a
// nested block is a list in Terraform).
func (b Block) ignorePath(path string) (string, bool) {
	head, rest, nestedPath := strings.Cut(path, ".")
	name, _, nested, ok := b.field(head)
	if !ok {
		return "", false
	}
	if !nestedPath {
		return name, true
	}
	if nested == nil {
		return "", false
	}
	inner, ok := nested.Block.ignorePath(rest)
	if !ok {
		return "", false
	}
	return name + "[0]." + inner, true
}

// computedStrings are the string attributes the provider computes: what the
// recorder hands out as references to the real resource.
func (b Block) computedStrings() []string {
	var out []string
	for name, a := range b.Attributes {
		if a.Computed && a.typeName() == "string" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// renamedTokens are Pulumi types whose Terraform type has another name
// altogether: aws:s3/bucketObjectv2 is aws_s3_object (aws_s3_bucket_object
// is the older resource it replaced).
var renamedTokens = map[string]string{
	"aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
}

// moduleAliases are the Terraform name prefixes of Pulumi modules whose
// Terraform names use another word (aws:rds/instance -> aws_db_instance).
var moduleAliases = map[string][]string{
	"rds": {"db"},
	"alb": {"lb"},
}

// candidates are the Terraform names a Pulumi token may stand for, most
// specific first: aws:rds/instance:Instance -> aws_rds_instance,
// aws_db_instance, aws_instance, aws_rds.
func candidates(token string, isFunction bool) ([]string, error) {
	// aws:<module>/<member>:<Name>
	pkg, rest, ok := strings.Cut(token, ":")
	if !ok || pkg != "aws" {
		return nil, fmt.Errorf("%q is not an AWS provider token", token)
	}
	modMember, _, ok := strings.Cut(rest, ":")
	if !ok {
		return nil, fmt.Errorf("%q is not a Pulumi type token", token)
	}
	module, member, ok := strings.Cut(modMember, "/")
	if !ok {
		member, module = modMember, "index"
	}
	if isFunction {
		member = strings.TrimPrefix(member, "get")
	}
	var out []string
	if tf, ok := renamedTokens[token]; ok {
		out = append(out, tf)
	}
	// A Pulumi type that replaced an older one of the same name carries a
	// version suffix the Terraform type has not (aws:s3/bucketV2:BucketV2
	// -> aws_s3_bucket).
	if trimmed := strings.TrimSuffix(strings.TrimSuffix(member, "V2"), "v2"); trimmed != member {
		member = trimmed
	}
	name := snake(member)
	if module != "index" {
		out = append(out, "aws_"+module+"_"+name)
		for _, alias := range moduleAliases[module] {
			out = append(out, "aws_"+alias+"_"+name)
		}
	}
	out = append(out, "aws_"+name)
	if module != "index" {
		// A module's main resource may carry the module's name alone
		// (aws:lb/loadBalancer:LoadBalancer -> aws_lb).
		out = append(out, "aws_"+module)
	}
	return out, nil
}

// TerraformType finds the Terraform resource type of a Pulumi resource token
// whose input properties are inputs: the first candidate name that exists
// and has every one of those properties. Driven by the provider's schema,
// so a resource added to the program later needs no change here.
func (s *Schema) TerraformType(token string, inputs []string) (string, error) {
	return match(token, inputs, s.Resources, false)
}

// TerraformDataSource is TerraformType for an invoke (aws:ssm/getParameter:getParameter
// -> aws_ssm_parameter).
func (s *Schema) TerraformDataSource(token string, args []string) (string, error) {
	return match(token, args, s.DataSources, true)
}

func match(token string, props []string, blocks map[string]Block, isFunction bool) (string, error) {
	cands, err := candidates(token, isFunction)
	if err != nil {
		return "", err
	}
	var tried []string
	for _, c := range cands {
		b, ok := blocks[c]
		if !ok {
			continue
		}
		missing := ""
		for _, p := range props {
			if _, _, _, ok := b.field(p); !ok {
				missing = p
				break
			}
		}
		if missing == "" {
			return c, nil
		}
		tried = append(tried, fmt.Sprintf("%s (no %q)", c, missing))
	}
	return "", fmt.Errorf("no Terraform type in the provider schema matches %s; tried %s", token, strings.Join(append(tried, cands...), ", "))
}
