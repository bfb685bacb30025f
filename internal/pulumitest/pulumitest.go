// Package pulumitest is the one shared test helper of rds-app: a Pulumi mock
// that records every resource registration and invoke, answers the invokes
// the program makes with fixed facts, and hands out recognisable sentinel
// values for generated secrets so tests can search for leaks.
package pulumitest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/rds-app/rds-app/internal/propval"
)

// Facts the mock answers invokes with.
const (
	Project   = "rds-app"
	Region    = "eu-west-1"
	AccountID = "123456789012"
	Partition = "aws"
	// AMIPrefix starts every AMI ID the mock resolves; the architecture follows.
	AMIPrefix = "ami-mock-"
)

// Zones are the availability zones the mock region offers.
var Zones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}

// Resource is one recorded registration.
type Resource struct {
	Type    string
	Name    string
	ID      string
	Inputs  resource.PropertyMap
	Outputs resource.PropertyMap
	Request *pulumirpc.RegisterResourceRequest
}

// Parent is the "type::name" of the resource's parent ("" for none).
func (r Resource) Parent() (typ, name string) {
	urn := r.Request.GetParent()
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return "", ""
	}
	types := strings.Split(parts[2], "$")
	return types[len(types)-1], parts[3]
}

// Input returns the input at key with secrets and outputs unwrapped.
func (r Resource) Input(key string) resource.PropertyValue {
	return Unwrap(r.Inputs[resource.PropertyKey(key)])
}

// Str is the string input at key ("" when absent).
func (r Resource) Str(key string) string {
	v := r.Input(key)
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// Invoke is one recorded invoke.
type Invoke struct {
	Token string
	Args  resource.PropertyMap
}

// Mocks records registrations and answers invokes.
type Mocks struct {
	mu        sync.Mutex
	resources []Resource
	invokes   []Invoke
	sentinels []string
	// Zones overrides the availability zones the region offers.
	Zones []string
	// ZonesWithoutTypes are zones that offer no instance type.
	ZonesWithoutTypes []string
	// AMIPrefix starts the AMI IDs the public "latest AMI" parameters
	// answer (a later Amazon Linux release answers another).
	AMIPrefix string
	// ECRDigests are the digests the mock's ECR holds, by
	// "<repository>:<tag>" (a re-push gives a tag another); a tag not
	// listed holds ECRDigest's.
	ECRDigests map[string]string
	// Parameters are the SSM parameters the account holds before the
	// program runs, by name: what aws.ssm.getParametersByPath answers
	// (the release history a `pulumi up` left).
	Parameters map[string]string
}

// ECRDigest is the digest the mock's ECR holds for repository:tag unless
// Mocks.ECRDigests says otherwise.
func ECRDigest(repository, tag string) string {
	sum := sha256.Sum256([]byte("ecr " + repository + ":" + tag))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ObjectVersion is the version ID the mock's S3 gives an object with this
// content.
func ObjectVersion(content string) string {
	sum := sha256.Sum256([]byte("s3 " + content))
	return "ver-" + hex.EncodeToString(sum[:12])
}

// New returns an empty recorder.
func New() *Mocks { return &Mocks{Zones: Zones, AMIPrefix: AMIPrefix} }

// Resources returns every registration so far, in order.
func (m *Mocks) Resources() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Resource(nil), m.resources...)
}

// Invokes returns every invoke so far, in order.
func (m *Mocks) Invokes() []Invoke {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Invoke(nil), m.invokes...)
}

// Sentinels returns every secret value the mock generated.
func (m *Mocks) Sentinels() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.sentinels...)
}

// OfType returns the registrations of one type token.
func (m *Mocks) OfType(typ string) []Resource {
	var out []Resource
	for _, r := range m.Resources() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// One returns the single registration of a type, failing the test otherwise.
func (m *Mocks) One(t testing.TB, typ string) Resource {
	t.Helper()
	rs := m.OfType(typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, got %d", typ, len(rs))
	}
	return rs[0]
}

// Named returns the registration with the given type and name.
func (m *Mocks) Named(t testing.TB, typ, name string) Resource {
	t.Helper()
	for _, r := range m.OfType(typ) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %q", typ, name)
	return Resource{}
}

// ByID returns the registration whose ID is id.
func (m *Mocks) ByID(id string) (Resource, bool) {
	for _, r := range m.Resources() {
		if r.ID == id && id != "" {
			return r, true
		}
	}
	return Resource{}, false
}

// NewResource implements pulumi.MockResourceMonitor.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id := args.Name + "-id"
	outputs := args.Inputs.Copy()
	set := func(k string, v resource.PropertyValue) { outputs[resource.PropertyKey(k)] = v }
	str := func(k string) string {
		v := Unwrap(args.Inputs[resource.PropertyKey(k)])
		if v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	arn := func(service, rest string) {
		set("arn", resource.NewProperty(fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, Region, AccountID, rest)))
	}
	switch args.TypeToken {
	case "random:index/randomPassword:RandomPassword":
		v := m.sentinel(args.Name)
		set("result", resource.MakeSecret(resource.NewProperty(v)))
	case "random:index/randomId:RandomId":
		set("hex", resource.NewProperty("a1b2c3d4"))
	case "aws:kms/key:Key":
		id = "key-" + args.Name
		arn("kms", "key/"+id)
		set("keyId", resource.NewProperty(id))
	case "aws:ecr/repository:Repository":
		// Pulumi's auto-name, as AWS would hold it.
		name := args.Name + "-abc123"
		id = name
		set("name", resource.NewProperty(name))
		arn("ecr", "repository/"+name)
		set("registryId", resource.NewProperty(AccountID))
		set("repositoryUrl", resource.NewProperty(fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", AccountID, Region, name)))
	case "aws:secretsmanager/secret:Secret":
		arn("secretsmanager", "secret:"+args.Name+"-AbCdEf")
		id = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf", Region, AccountID, args.Name)
	case "aws:cloudwatch/logGroup:LogGroup":
		name := str("name")
		if name == "" {
			name = args.Name + "-1234567"
			set("name", resource.NewProperty(name))
		}
		id = name
		arn("logs", "log-group:"+name)
	case "aws:secretsmanager/secretVersion:SecretVersion":
		// A new value is a new version, as in Secrets Manager.
		sum := sha256.Sum256([]byte(Unwrap(args.Inputs["secretString"]).StringValue()))
		set("versionId", resource.NewProperty("v-"+hex.EncodeToString(sum[:8])))
	case "aws:s3/bucketV2:BucketV2":
		// Pulumi's auto-name, as S3 would hold it.
		name := args.Name + "-abc123"
		id = name
		set("bucket", resource.NewProperty(name))
		set("arn", resource.NewProperty("arn:aws:s3:::"+name))
	case "aws:s3/bucketObjectv2:BucketObjectv2":
		// A versioned bucket gives every new content a new version.
		sum := sha256.Sum256([]byte(str("content")))
		set("versionId", resource.NewProperty(ObjectVersion(str("content"))))
		set("etag", resource.NewProperty(hex.EncodeToString(sum[:16])))
	case "aws:ssm/parameter:Parameter":
		arn("ssm", "parameter"+str("name"))
		id = str("name")
		set("version", resource.NewProperty(1.0))
	case "aws:iam/role:Role":
		set("arn", resource.NewProperty(fmt.Sprintf("arn:aws:iam::%s:role/%s", AccountID, args.Name)))
		set("name", resource.NewProperty(args.Name))
	case "aws:iam/instanceProfile:InstanceProfile":
		set("arn", resource.NewProperty(fmt.Sprintf("arn:aws:iam::%s:instance-profile/%s", AccountID, args.Name)))
		set("name", resource.NewProperty(args.Name))
	case "aws:rds/instance:Instance":
		addr := str("identifier") + ".c0ffee.eu-west-1.rds.amazonaws.com"
		set("address", resource.NewProperty(addr))
		set("endpoint", resource.NewProperty(fmt.Sprintf("%s:%v", addr, Unwrap(args.Inputs["port"]).NumberValue())))
		set("resourceId", resource.NewProperty("db-ABCDEFGHIJKLMNOP"))
		arn("rds", "db:"+str("identifier"))
		if str("availabilityZone") == "" && len(m.Zones) > 0 {
			// RDS picks the zone of an instance that names none.
			set("availabilityZone", resource.NewProperty(m.Zones[0]))
		}
	case "aws:rds/proxy:Proxy":
		// As RDS does: the ARN ends with the proxy's resource ID.
		id = str("name")
		arn("rds", "db-proxy:prx-0123456789abcdef0")
		set("endpoint", resource.NewProperty(str("name")+".proxy-c0ffee.eu-west-1.rds.amazonaws.com"))
	case "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup":
		// A proxy has one target group, and RDS names it so.
		set("name", resource.NewProperty("default"))
	case "aws:sns/topic:Topic":
		// As SNS does: the ARN ends with the topic's name.
		arn("sns", str("name"))
	case "aws:ec2/instance:Instance":
		id = "i-0123456789abcdef0"
		arn("ec2", "instance/"+id)
	case "aws:ec2/eip:Eip":
		id = "eipalloc-0123456789"
		set("publicIp", resource.NewProperty("203.0.113.10"))
		set("allocationId", resource.NewProperty(id))
	case "aws:lb/loadBalancer:LoadBalancer":
		// As Elastic Load Balancing does: the ID is the ARN, which ends
		// with the suffix CloudWatch dimensions use.
		suffix := "app/" + args.Name + "/50dc6c495c0c9188"
		id = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s", Region, AccountID, suffix)
		set("arn", resource.NewProperty(id))
		set("arnSuffix", resource.NewProperty(suffix))
		set("dnsName", resource.NewProperty(args.Name+"-1234567890."+Region+".elb.amazonaws.com"))
		set("zoneId", resource.NewProperty(LoadBalancerZoneID))
	case "aws:lb/targetGroup:TargetGroup":
		suffix := "targetgroup/" + args.Name + "/943f017f100becff"
		id = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:%s", Region, AccountID, suffix)
		set("arn", resource.NewProperty(id))
		set("arnSuffix", resource.NewProperty(suffix))
	case "aws:acm/certificate:Certificate":
		arn("acm", "certificate/"+args.Name)
		// One DNS validation record per name, as ACM gives.
		var options []any
		for _, name := range append([]string{str("domainName")}, strsOf(args.Inputs["subjectAlternativeNames"])...) {
			options = append(options, map[string]any{
				"domainName":          name,
				"resourceRecordName":  ValidationRecordName(name),
				"resourceRecordType":  "CNAME",
				"resourceRecordValue": ValidationRecordValue(name),
			})
		}
		outputs["domainValidationOptions"] = resource.NewPropertyValue(options)
	case "aws:ec2/launchTemplate:LaunchTemplate":
		id = "lt-0123456789abcdef0"
		set("latestVersion", resource.NewProperty(1.0))
		set("defaultVersion", resource.NewProperty(1.0))
	case "aws:route53/record:Record":
		set("fqdn", resource.NewProperty(str("name")))
	default:
		if args.Custom {
			arn("mock", args.Name)
		}
	}
	if _, ok := outputs["name"]; !ok && args.Custom {
		// Auto-named resources: AWS names them, and the ID is the name.
		set("name", resource.NewProperty(id))
	}
	m.mu.Lock()
	m.resources = append(m.resources, Resource{
		Type: args.TypeToken, Name: args.Name, ID: id,
		Inputs: args.Inputs, Outputs: outputs, Request: args.RegisterRPC,
	})
	m.mu.Unlock()
	return id, outputs, nil
}

// LoadBalancerZoneID is the Route 53 zone of the mock region's load
// balancers' DNS names (an alias record names it).
const LoadBalancerZoneID = "Z32O12XQLNTSW2"

// ValidationRecordName and ValidationRecordValue are the CNAME the mock ACM
// asks for to validate a name.
func ValidationRecordName(domain string) string { return "_0123456789abcdef." + domain + "." }

// ValidationRecordValue: see ValidationRecordName.
func ValidationRecordValue(domain string) string {
	return "_fedcba9876543210." + strings.ReplaceAll(domain, ".", "-") + ".acm-validations.aws."
}

// strsOf is a list input's strings (none when absent).
func strsOf(v resource.PropertyValue) []string {
	var out []string
	if v = Unwrap(v); v.IsArray() {
		for _, item := range v.ArrayValue() {
			if item = Unwrap(item); item.IsString() {
				out = append(out, item.StringValue())
			}
		}
	}
	return out
}

// sentinel makes a secret value that is easy to search for. It follows
// from the resource's name only, as a real random value stays the same in
// a stack's state: two runs of the same program get the same values, in
// whatever order the resources register.
func (m *Mocks) sentinel(name string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := fmt.Sprintf("SENTINELx%sxQz7", strings.NewReplacer("-", "", "_", "").Replace(name))
	for slices.Contains(m.sentinels, v) {
		v += "x" // two names that differ only in - and _
	}
	m.sentinels = append(m.sentinels, v)
	return v
}

// Call implements pulumi.MockResourceMonitor: the invokes rds-app makes.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.invokes = append(m.invokes, Invoke{Token: args.Token, Args: args.Args})
	m.mu.Unlock()
	switch args.Token {
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": Region, "id": Region, "region": Region}), nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return resource.NewPropertyMapFromMap(map[string]any{"names": m.Zones, "id": Region}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": Partition, "dnsSuffix": "amazonaws.com", "id": Partition}), nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{"accountId": AccountID, "arn": "arn:aws:iam::" + AccountID + ":user/test", "id": AccountID, "userId": "AIDATEST"}), nil
	case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
		// Every zone offers every type, unless the test says otherwise.
		var zones []string
		for _, z := range m.Zones {
			if !slices.Contains(m.ZonesWithoutTypes, z) {
				zones = append(zones, z)
			}
		}
		return resource.NewPropertyMapFromMap(map[string]any{"locations": zones, "instanceTypes": []string{}, "locationTypes": []string{}, "id": Region}), nil
	case "aws:ecr/getImage:getImage":
		repo, tag := args.Args["repositoryName"].StringValue(), args.Args["imageTag"].StringValue()
		digest, ok := m.ECRDigests[repo+":"+tag]
		if !ok {
			digest = ECRDigest(repo, tag)
		}
		return resource.NewPropertyMapFromMap(map[string]any{"repositoryName": repo, "imageTag": tag, "imageDigest": digest,
			"registryId": args.Args["registryId"].StringValue(), "id": digest}), nil
	case "aws:ssm/getParametersByPath:getParametersByPath":
		path := args.Args["path"].StringValue()
		recursive := args.Args["recursive"].IsBool() && args.Args["recursive"].BoolValue()
		names, values := ParametersUnder(m.Parameters, path, recursive)
		return resource.NewPropertyMapFromMap(map[string]any{"path": path, "names": names, "values": values,
			"arns": []string{}, "types": []string{}, "id": path}), nil
	case "aws:ssm/getParameter:getParameter":
		name := args.Args["name"].StringValue()
		arch := name[strings.LastIndex(name, "-")+1:]
		ami := m.AMIPrefix + arch
		return resource.NewPropertyMapFromMap(map[string]any{"name": name, "value": ami, "insecureValue": ami, "type": "String", "id": name}), nil
	}
	return nil, fmt.Errorf("pulumitest: no mock for invoke %s", args.Token)
}

// ParametersUnder are the names and values of params under path, in name
// order, as SSM's GetParametersByPath gives them: the path's children, and
// with recursive their descendants.
func ParametersUnder(params map[string]string, path string, recursive bool) (names, values []string) {
	prefix := strings.TrimSuffix(path, "/") + "/"
	for name := range params {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || (!recursive && strings.Contains(rest, "/")) {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	for _, n := range names {
		values = append(values, params[n])
	}
	return names, values
}

// WithConfig sets the program's configuration (values as Pulumi passes
// them: structured sections as JSON text) and which keys are secret.
func WithConfig(values map[string]string, secretKeys ...string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		info.Config = values
		info.ConfigSecretKeys = secretKeys
	}
}

// Run runs fn under the mocks as stack `stack`.
func (m *Mocks) Run(stack string, fn pulumi.RunFunc, opts ...pulumi.RunOption) error {
	return pulumi.RunErr(fn, append([]pulumi.RunOption{pulumi.WithMocks(Project, stack, m)}, opts...)...)
}

// Unwrap strips secret and output wrappers from a property value.
func Unwrap(v resource.PropertyValue) resource.PropertyValue { return propval.Unwrap(v) }

// IsSecret reports whether a property value is marked secret (at any depth
// of output wrapping).
func IsSecret(v resource.PropertyValue) bool {
	for {
		switch {
		case v.IsSecret():
			return true
		case v.IsOutput():
			if v.OutputValue().Secret {
				return true
			}
			v = v.OutputValue().Element
		default:
			return false
		}
	}
}

// AssertParentedTo checks that every registration other than the component
// itself and default providers is a child of the component typ/name, and
// returns how many children there are.
func (m *Mocks) AssertParentedTo(t testing.TB, typ, name string) int {
	t.Helper()
	children := 0
	for _, r := range m.Resources() {
		if r.Type == typ || strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		pt, pn := r.Parent()
		if pt != typ || pn != name {
			t.Errorf("%s %q has parent %s %q, want %s %q", r.Type, r.Name, pt, pn, typ, name)
		}
		children++
	}
	return children
}
