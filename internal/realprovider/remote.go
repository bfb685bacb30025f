package realprovider

// The program recorded in a process of its own. The real-provider tests
// record the program a few hundred times a run; recording it in their own
// process would link the whole program (and the AWS SDK) into their test
// binary, which `go test -short` then relinks after every edit to a
// component. So a command that links the program serves the recordings
// (Serve), and the tests ask it (Remote): one JSON value a line each way.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RecordFunc records a stack's program with cfg and translates it for the
// real provider, as Record does: the program in this process (InProcess),
// or in another (Remote.Record). A configuration the program refuses is a
// *ProgramError.
type RecordFunc func(schema *Schema, facts Facts, project, stack string, cfg map[string]string) (*Translation, error)

// InProcess records program in this process.
func InProcess(program pulumi.RunFunc) RecordFunc {
	return func(schema *Schema, facts Facts, project, stack string, cfg map[string]string) (*Translation, error) {
		return Record(schema, facts, project, stack, program, cfg)
	}
}

// RecordRequest asks for one recording.
type RecordRequest struct {
	Facts   Facts             `json:"facts"`
	Project string            `json:"project"`
	Stack   string            `json:"stack"`
	Config  map[string]string `json:"config"`
}

// RecordAnswer is one recording: a translation, the program's own error,
// or what else went wrong.
type RecordAnswer struct {
	Translation  *wireTranslation `json:"translation,omitempty"`
	ProgramError string           `json:"programError,omitempty"`
	Error        string           `json:"error,omitempty"`
}

// wireTranslation is a Translation as JSON. The resources keep what
// follows the translation (their addresses, tokens and names), not the
// program's inputs and requests, which only Translate reads.
type wireTranslation struct {
	Document  json.RawMessage         `json:"document"`
	Addresses map[string]wireResource `json:"addresses"`
	Retained  []string                `json:"retained,omitempty"`
	Protected []string                `json:"protected,omitempty"`
	Outputs   json.RawMessage         `json:"outputs"`
}

type wireResource struct {
	URN    string `json:"urn"`
	Token  string `json:"token"`
	Name   string `json:"name"`
	Custom bool   `json:"custom,omitempty"`
	TFType string `json:"tfType,omitempty"`
	TFName string `json:"tfName,omitempty"`
}

// wireDocument is main.tf.json with the types Translate gives its blocks.
type wireDocument struct {
	Terraform map[string]any            `json:"terraform"`
	Provider  map[string]any            `json:"provider"`
	Resource  map[string]map[string]any `json:"resource"`
	Data      map[string]map[string]any `json:"data,omitempty"`
}

func encodeTranslation(t *Translation) (*wireTranslation, error) {
	doc, err := json.Marshal(t.Document)
	if err != nil {
		return nil, fmt.Errorf("encoding the document: %w", err)
	}
	outputs, err := json.Marshal(t.Outputs)
	if err != nil {
		return nil, fmt.Errorf("encoding the outputs: %w", err)
	}
	w := &wireTranslation{Document: doc, Addresses: map[string]wireResource{}, Retained: t.Retained, Protected: t.Protected, Outputs: outputs}
	for addr, r := range t.Addresses {
		w.Addresses[addr] = wireResource{URN: r.URN, Token: r.Token, Name: r.Name, Custom: r.Custom, TFType: r.TFType, TFName: r.TFName}
	}
	return w, nil
}

func (w *wireTranslation) decode() (*Translation, error) {
	var doc wireDocument
	if err := json.Unmarshal(w.Document, &doc); err != nil {
		return nil, fmt.Errorf("decoding the document: %w", err)
	}
	t := &Translation{
		Document:  map[string]any{"terraform": doc.Terraform, "provider": doc.Provider, "resource": doc.Resource},
		Addresses: map[string]Resource{},
		Retained:  w.Retained,
		Protected: w.Protected,
	}
	if len(doc.Data) > 0 {
		t.Document["data"] = doc.Data
	}
	if err := json.Unmarshal(w.Outputs, &t.Outputs); err != nil {
		return nil, fmt.Errorf("decoding the outputs: %w", err)
	}
	for addr, r := range w.Addresses {
		t.Addresses[addr] = Resource{URN: r.URN, Token: r.Token, Name: r.Name, Custom: r.Custom, TFType: r.TFType, TFName: r.TFName}
	}
	return t, nil
}

// Serve reads the provider's schema (the first JSON value on in, which
// NewRemote sends), then records program for every RecordRequest read from
// in and writes a RecordAnswer for each on out, until in ends.
func Serve(program pulumi.RunFunc, in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	var schema Schema
	if err := dec.Decode(&schema); err != nil {
		return fmt.Errorf("reading the provider's schema: %w", err)
	}
	for {
		var req RecordRequest
		if err := dec.Decode(&req); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading a request: %w", err)
		}
		var answer RecordAnswer
		t, err := Record(&schema, req.Facts, req.Project, req.Stack, program, req.Config)
		var refused *ProgramError
		switch {
		case errors.As(err, &refused):
			answer.ProgramError = refused.Error()
		case err != nil:
			answer.Error = err.Error()
		default:
			if answer.Translation, err = encodeTranslation(t); err != nil {
				answer.Error = err.Error()
			}
		}
		if err := enc.Encode(answer); err != nil {
			return fmt.Errorf("writing an answer: %w", err)
		}
	}
}

// Remote asks a Serve at the other end of a pair of pipes (a command's
// stdin and stdout) for recordings, one at a time.
type Remote struct {
	mu  sync.Mutex
	enc *json.Encoder
	dec *json.Decoder
}

// NewRemote talks to a Serve that reads what is written to to and writes
// what is read from from, and sends it schema, which every recording uses.
func NewRemote(to io.Writer, from io.Reader, schema *Schema) (*Remote, error) {
	r := &Remote{enc: json.NewEncoder(to), dec: json.NewDecoder(bufio.NewReader(from))}
	if err := r.enc.Encode(schema); err != nil {
		return nil, fmt.Errorf("sending the provider's schema: %w", err)
	}
	return r, nil
}

// Record is a RecordFunc. It records with the schema NewRemote sent, not
// the one passed (the same provider's: the callers have read one schema).
func (r *Remote) Record(_ *Schema, facts Facts, project, stack string, cfg map[string]string) (*Translation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enc.Encode(RecordRequest{Facts: facts, Project: project, Stack: stack, Config: cfg}); err != nil {
		return nil, fmt.Errorf("asking for the recording of stack %s: %w", stack, err)
	}
	var answer RecordAnswer
	if err := r.dec.Decode(&answer); err != nil {
		return nil, fmt.Errorf("reading the recording of stack %s: %w", stack, err)
	}
	switch {
	case answer.ProgramError != "":
		return nil, &ProgramError{Err: errors.New(answer.ProgramError)}
	case answer.Error != "":
		return nil, errors.New(answer.Error)
	case answer.Translation == nil:
		return nil, fmt.Errorf("the recording of stack %s came back empty", stack)
	}
	return answer.Translation.decode()
}
