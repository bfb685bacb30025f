package realprovider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/rds-app/rds-app/internal/propval"
)

// Facts are the answers to the invokes the program validates its
// configuration against (region, zones, partition, account). They must be
// what the emulator answers too: moto's account is 123456789012 and its
// regions have the zones <region>a, b and c.
type Facts struct {
	Region    string
	Zones     []string
	Partition string
	AccountID string
}

// MotoFacts are moto's answers for region.
func MotoFacts(region string) Facts {
	return Facts{
		Region:    region,
		Zones:     []string{region + "a", region + "b", region + "c"},
		Partition: "aws",
		AccountID: "123456789012",
	}
}

// Resource is one registration the program made.
type Resource struct {
	URN    string
	Token  string
	Name   string
	Custom bool
	// TFType and TFName address the resource in Terraform ("" for
	// components, providers and the random resources, which have none).
	TFType, TFName string
	Inputs         resource.PropertyMap
	Request        *pulumirpc.RegisterResourceRequest
}

// Address is the resource's Terraform address ("aws_vpc.network").
func (r Resource) Address() string { return r.TFType + "." + r.TFName }

// Invoke is one invoke the program made.
type Invoke struct {
	Token string
	Args  resource.PropertyMap
}

// DataSource is an invoke that becomes a Terraform data source.
type DataSource struct {
	Token  string
	TFType string
	TFName string
	Args   resource.PropertyMap
}

// Address is the data source's Terraform address.
func (d DataSource) Address() string { return "data." + d.TFType + "." + d.TFName }

// Recorder is a Pulumi mock that records what the program registers and
// hands out, for every attribute the provider computes, a reference to the
// real resource ("@@tf:aws_vpc.network.id@@"). Whatever the program builds
// from those values (policies naming ARNs, user-data naming secrets)
// carries the references along, and Translate turns them into Terraform
// interpolations, so the real provider resolves real IDs.
type Recorder struct {
	schema        *Schema
	facts         Facts
	project, name string

	mu          sync.Mutex
	resources   []Resource
	invokes     []Invoke
	dataSources map[string]DataSource
	tfNames     map[string]bool
	exports     map[string]any
	errs        []error
}

// NewRecorder records a run of project's stack.
func NewRecorder(schema *Schema, facts Facts, project, stack string) *Recorder {
	return &Recorder{schema: schema, facts: facts, project: project, name: stack,
		dataSources: map[string]DataSource{}, tfNames: map[string]bool{}, exports: map[string]any{}}
}

// ProgramError is the program's own error: it refused to run (its
// configuration, most often), as it would under `pulumi up`. Its message is
// the program's, not wrapped in the SDK's list of one error.
type ProgramError struct{ Err error }

func (e *ProgramError) Error() string { return e.Err.Error() }
func (e *ProgramError) Unwrap() error { return e.Err }

// Run runs program under the recorder with the given configuration
// (structured sections as JSON text, as Pulumi passes them). When the
// program fails, the error is a *ProgramError; any other error is the
// recording's.
func (r *Recorder) Run(program pulumi.RunFunc, config map[string]string) error {
	var programErr error
	// The stack outputs, with the references the recorder handed out still
	// in them. An output made without the context (pulumi.String(…).
	// ToStringOutput()) is not one the run waits for, so the run's end is
	// not enough: each one says when it is read.
	var exported sync.WaitGroup
	recorded := func(ctx *pulumi.Context) error {
		if programErr = program(ctx); programErr != nil {
			return programErr
		}
		for name, value := range ctx.GetCurrentExportMap() {
			exported.Add(1)
			pulumi.ToOutput(value).ApplyT(func(v any) error {
				defer exported.Done()
				r.mu.Lock()
				defer r.mu.Unlock()
				r.exports[name] = v
				return nil
			})
		}
		return nil
	}
	err := pulumi.RunErr(recorded, pulumi.WithMocks(r.project, r.name, r), func(info *pulumi.RunInfo) {
		info.Config = config
	})
	if programErr != nil {
		return &ProgramError{Err: programErr}
	}
	if err != nil {
		return err
	}
	// The run has awaited every output it exported; a value that never
	// arrives failed, and that is said, not waited for forever.
	read := make(chan struct{})
	go func() { exported.Wait(); close(read) }()
	select {
	case <-read:
	case <-time.After(30 * time.Second):
		return fmt.Errorf("recording the program's stack outputs: some never resolved")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) > 0 {
		return fmt.Errorf("recording the program for Terraform: %w", joinErrs(r.errs))
	}
	return nil
}

// Resources returns every registration, in order.
func (r *Recorder) Resources() []Resource {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Resource(nil), r.resources...)
}

// Exports returns the stack outputs the program exported, by name. A value
// the provider computes is a reference ("@@tf:aws_eip.app_host.public_ip@@")
// inside the string, as everywhere in the recording; OutputValues reads the
// real values from a state.
func (r *Recorder) Exports() map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.exports)
}

// Invokes returns every invoke, in order.
func (r *Recorder) Invokes() []Invoke {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Invoke(nil), r.invokes...)
}

// DataSources returns every invoke that became a data source, by address.
func (r *Recorder) DataSources() []DataSource {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []DataSource
	for _, d := range r.dataSources {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address() < out[j].Address() })
	return out
}

func marker(expr string) string { return "@@tf:" + expr + "@@" }

var (
	markerRE        = regexp.MustCompile(`@@tf:([A-Za-z0-9_.\-\[\]]+)@@`)
	nonIdentifierRE = regexp.MustCompile(`[^A-Za-z0-9_-]`)
)

// tfIdentifier makes a Pulumi name a Terraform identifier.
func tfIdentifier(name string) string {
	id := nonIdentifierRE.ReplaceAllString(name, "_")
	if id == "" || !(id[0] == '_' || (id[0] >= 'A' && id[0] <= 'Z') || (id[0] >= 'a' && id[0] <= 'z')) {
		id = "r_" + id
	}
	return id
}

// urn is the URN Pulumi's mock monitor gives a registration.
func (r *Recorder) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(r.name), tokens.PackageName(r.project), parentType, tokens.Type(typ), name))
}

// NewResource implements pulumi.MockResourceMonitor.
func (r *Recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rec := Resource{
		URN:    r.urn(args.RegisterRPC.GetParent(), args.TypeToken, args.Name),
		Token:  args.TypeToken,
		Name:   args.Name,
		Custom: args.Custom,
		Inputs: args.Inputs,
	}
	rec.Request = args.RegisterRPC
	outputs := args.Inputs.Copy()
	id := args.Name + "-id"
	switch {
	case !args.Custom || strings.HasPrefix(args.TypeToken, "pulumi:providers:"):
	case strings.HasPrefix(args.TypeToken, "random:"):
		randomOutputs(args.TypeToken, args.Name, args.Inputs, outputs)
	default:
		var keys []string
		for k := range args.Inputs {
			if !strings.HasPrefix(string(k), "__") {
				keys = append(keys, string(k))
			}
		}
		tfType, err := r.schema.TerraformType(args.TypeToken, keys)
		if err != nil {
			r.fail(err)
			break
		}
		rec.TFType = tfType
		rec.TFName = r.uniqueName(tfType, args.Name)
		id = marker(rec.Address() + ".id")
		for _, attr := range r.schema.Resources[tfType].computedStrings() {
			key := resource.PropertyKey(camel(attr))
			if _, given := outputs[key]; !given {
				outputs[key] = resource.NewProperty(marker(rec.Address() + "." + attr))
			}
		}
	}
	r.mu.Lock()
	r.resources = append(r.resources, rec)
	r.mu.Unlock()
	return id, outputs, nil
}

func (r *Recorder) uniqueName(tfType, name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	base := tfIdentifier(name)
	n := base
	for i := 2; r.tfNames[tfType+"."+n]; i++ {
		n = fmt.Sprintf("%s_%d", base, i)
	}
	r.tfNames[tfType+"."+n] = true
	return n
}

func (r *Recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

// randomOutputs stands in for pulumi-random, whose provider is not in the
// mirror: literal values of the same shape, the same for the same name on
// every run (so a plan after a config change does not see them change).
func randomOutputs(token, name string, inputs, outputs resource.PropertyMap) {
	// New keepers make a new value, as with pulumi-random.
	seed := name
	if k := propval.Unwrap(inputs["keepers"]); k.IsObject() {
		seed += fmt.Sprint(k.ObjectValue().Mappable())
	}
	sum := sha256.Sum256([]byte(seed))
	switch token {
	case "random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString":
		length := 16
		if v := inputs["length"]; v.IsNumber() {
			length = int(v.NumberValue())
		}
		// Letters and digits only: satisfies any character-class minimums
		// of the program and any provider's password rules.
		const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
		var b strings.Builder
		for i := 0; i < length; i++ {
			b.WriteByte(alphabet[int(sum[i%len(sum)]+byte(i))%len(alphabet)])
		}
		v := "Aa1" + b.String()[3:]
		outputs["result"] = resource.MakeSecret(resource.NewProperty(v))
	case "random:index/randomId:RandomId":
		n := 8
		if v := inputs["byteLength"]; v.IsNumber() {
			n = int(v.NumberValue())
		}
		h := hex.EncodeToString(sum[:n])
		outputs["hex"] = resource.NewProperty(h)
		outputs["b64Url"] = resource.NewProperty(h)
		outputs["b64Std"] = resource.NewProperty(h)
		outputs["dec"] = resource.NewProperty("1")
	}
}

// Call implements pulumi.MockResourceMonitor. The invokes the program
// validates against are answered with Facts; every other invoke becomes a
// Terraform data source and its string results references to it.
func (r *Recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	r.mu.Lock()
	r.invokes = append(r.invokes, Invoke{Token: args.Token, Args: args.Args})
	r.mu.Unlock()
	f := r.facts
	switch args.Token {
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": f.Region, "id": f.Region, "region": f.Region,
			"endpoint": "ec2." + f.Region + ".amazonaws.com"}), nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return resource.NewPropertyMapFromMap(map[string]any{"names": f.Zones, "id": f.Region}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": f.Partition, "dnsSuffix": "amazonaws.com", "id": f.Partition}), nil
	case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
		// moto offers every instance type in every zone.
		return resource.NewPropertyMapFromMap(map[string]any{"locations": f.Zones, "instanceTypes": []string{}, "locationTypes": []string{}, "id": f.Region}), nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{"accountId": f.AccountID, "id": f.AccountID,
			"arn": "arn:aws:iam::" + f.AccountID + ":user/moto", "userId": "AKIAIOSFODNN7EXAMPLE"}), nil
	case "aws:ssm/getParametersByPath:getParametersByPath":
		// The release history a `pulumi up` left: none on an emulator's
		// stack. A plan's program cannot read what the apply wrote, so it
		// writes the history as a first release does, which the plan shows
		// as the update it is.
		path := args.Args["path"].StringValue()
		return resource.NewPropertyMapFromMap(map[string]any{"path": path, "names": []string{}, "values": []string{},
			"arns": []string{}, "types": []string{}, "id": path}), nil
	case "aws:ecr/getImage:getImage":
		// A tag's digest, as the program pins every release to one. The
		// shipped stacks name images of another account (TestAccount),
		// which moto's one account cannot hold: answered like the facts,
		// with a digest that follows the tag.
		repo, tag := args.Args["repositoryName"].StringValue(), args.Args["imageTag"].StringValue()
		sum := sha256.Sum256([]byte("ecr " + repo + ":" + tag))
		digest := "sha256:" + hex.EncodeToString(sum[:])
		return resource.NewPropertyMapFromMap(map[string]any{"repositoryName": repo, "imageTag": tag, "imageDigest": digest,
			"registryId": args.Args["registryId"].StringValue(), "id": digest}), nil
	}
	var keys []string
	for k := range args.Args {
		keys = append(keys, string(k))
	}
	tfType, err := r.schema.TerraformDataSource(args.Token, keys)
	if err != nil {
		return nil, err
	}
	// The name follows the arguments, so the same invoke is the same data
	// source on every run.
	sum := sha256.Sum256([]byte(args.Token + fmt.Sprint(args.Args.Mappable())))
	ds := DataSource{Token: args.Token, TFType: tfType, TFName: "q" + hex.EncodeToString(sum[:6]), Args: args.Args}
	r.mu.Lock()
	r.dataSources[ds.Address()] = ds
	r.mu.Unlock()
	out := resource.PropertyMap{}
	for _, attr := range r.schema.DataSources[tfType].computedStrings() {
		out[resource.PropertyKey(camel(attr))] = resource.NewProperty(marker(ds.Address() + "." + attr))
	}
	for k, v := range args.Args {
		out[k] = v
	}
	return out, nil
}

func joinErrs(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}
