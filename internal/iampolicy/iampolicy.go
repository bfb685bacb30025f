// Package iampolicy builds IAM policy documents as typed Go values, so that
// every action and resource is visible in code and tests can parse the JSON
// back instead of matching strings.
package iampolicy

import "encoding/json"

// Version is the current IAM policy language version.
const Version = "2012-10-17"

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a policy document.
type Statement struct {
	Sid       string                       `json:"Sid,omitempty"`
	Effect    string                       `json:"Effect"`
	Principal map[string]string            `json:"Principal,omitempty"`
	Action    []string                     `json:"Action"`
	Resource  []string                     `json:"Resource,omitempty"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// New returns a document of the given statements.
func New(statements ...Statement) Document {
	return Document{Version: Version, Statement: statements}
}

// Allow is an Allow statement of actions on resources.
func Allow(sid string, actions []string, resources ...string) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// AssumeRole is a trust policy letting an AWS service assume the role. When
// sourceAccount is set, only requests on behalf of that account are trusted,
// which guards against the confused-deputy problem.
func AssumeRole(service, sourceAccount string) Document {
	st := Statement{
		Effect:    "Allow",
		Principal: map[string]string{"Service": service},
		Action:    []string{"sts:AssumeRole"},
	}
	if sourceAccount != "" {
		st.Condition = map[string]map[string]string{"StringEquals": {"aws:SourceAccount": sourceAccount}}
	}
	return New(st)
}

// JSON renders the document. Marshalling these types cannot fail.
func (d Document) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	return string(b)
}
