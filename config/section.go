package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// section reads one structured config key (such as "rds-app:network") strictly:
// every field has a type, a value of the wrong type is a problem, and a field
// the program does not know is a problem. Fields that are absent stay nil so
// that defaults are filled in one place afterwards.
type section struct {
	key      string // the config key of the whole section, e.g. "rds-app:network"
	fields   map[string]any
	known    []string
	problems *Problems
	// hint ends a problem with a field: the setting's rule and example.
	hint func(field string) string
}

// fail records a problem with field (item: "", "[2]" or ".NAME").
func (s *section) fail(field, item, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.hint != nil {
		msg += s.hint(field)
	}
	s.problems.add(s.path(field)+item, "%s", msg)
}

// newSection parses the raw JSON text of a section. A section that is not set
// is empty; one that is not a JSON object is a problem.
func newSection(key, raw string, set bool, problems *Problems) *section {
	s := &section{key: key, fields: map[string]any{}, problems: problems}
	if !set {
		return s
	}
	short := key[strings.Index(key, ":")+1:]
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		// A plain `pulumi config set rds-app:network foo` stores a bare string.
		v = raw
	}
	obj, ok := v.(map[string]any)
	if !ok {
		problems.add(key, "%s is not an object; set its fields with `pulumi config set --path %s.<field> <value>`", describe(v), short)
		return s
	}
	s.fields = obj
	return s
}

func (s *section) path(field string) string { return s.key + "." + field }

// lookup marks field as known and returns its raw value, if set.
func (s *section) lookup(field string) (any, bool) {
	s.known = append(s.known, field)
	v, ok := s.fields[field]
	if ok && v == nil {
		// `null` in YAML/JSON is neither a value nor a request for the default.
		s.fail(field, "", "is null; remove the key to use the default or give a value")
		return nil, false
	}
	return v, ok
}

// str reads a string field.
func (s *section) str(field string) *string {
	v, ok := s.lookup(field)
	if !ok {
		return nil
	}
	out, ok := asString(v)
	if !ok {
		s.fail(field, "", "%s is not a string%s", describe(v), quoteHint(v))
		return nil
	}
	return &out
}

// integer reads a whole-number field. Like Pulumi's own config type checks,
// a string holding a whole number (as `pulumi config set --path` may store it)
// is accepted; anything else is a problem.
func (s *section) integer(field string) *int {
	v, ok := s.lookup(field)
	if !ok {
		return nil
	}
	out, ok := asInt(v)
	if !ok {
		s.fail(field, "", "%s is not a whole number", describe(v))
		return nil
	}
	return &out
}

// boolean reads a true/false field; the strings "true" and "false" count,
// as they do for Pulumi's own boolean config.
func (s *section) boolean(field string) *bool {
	v, ok := s.lookup(field)
	if !ok {
		return nil
	}
	switch b := v.(type) {
	case bool:
		return &b
	case string:
		if b == "true" || b == "false" {
			out := b == "true"
			return &out
		}
	}
	s.fail(field, "", "%s is not true or false", describe(v))
	return nil
}

// strings reads a list of strings. It returns nil when the field is absent
// and a non-nil (possibly empty) slice when it is set.
func (s *section) strings(field string) []string {
	v, ok := s.lookup(field)
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		s.fail(field, "", "%s is not a list of strings", describe(v))
		return nil
	}
	out := make([]string, 0, len(list))
	bad := false
	for i, item := range list {
		str, ok := asString(item)
		if !ok {
			s.fail(field, fmt.Sprintf("[%d]", i), "%s is not a string", describe(item))
			bad = true
			continue
		}
		out = append(out, str)
	}
	if bad {
		return nil
	}
	return out
}

// stringMap reads an object whose values are all strings.
func (s *section) stringMap(field string) map[string]string {
	v, ok := s.lookup(field)
	if !ok {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		s.fail(field, "", "%s is not an object of NAME: value pairs", describe(v))
		return nil
	}
	out := make(map[string]string, len(obj))
	for _, k := range sortedKeys(obj) {
		str, ok := asString(obj[k])
		if !ok {
			s.fail(field, "."+k, "%s is not a string%s", describe(obj[k]), quoteHint(obj[k]))
			continue
		}
		out[k] = str
	}
	return out
}

// integers reads an object whose fields, all whole numbers, are among
// keys. ok is false when the field is absent or malformed.
func (s *section) integers(field string, keys []string) (out map[string]int, ok bool) {
	v, present := s.lookup(field)
	if !present {
		return nil, false
	}
	obj, isObj := v.(map[string]any)
	if !isObj {
		s.fail(field, "", "%s is not an object with the fields %s", describe(v), strings.Join(keys, ", "))
		return nil, false
	}
	out, ok = map[string]int{}, true
	for _, k := range sortedKeys(obj) {
		n, isInt := asInt(obj[k])
		switch {
		case !slices.Contains(keys, k):
			s.fail(field, "."+k, "is not a known field; known fields are %s", strings.Join(keys, ", "))
			ok = false
		case !isInt:
			s.fail(field, "."+k, "%s is not a whole number", describe(obj[k]))
			ok = false
		default:
			out[k] = n
		}
	}
	return out, ok
}

// unknown reports every field that no reader asked for: almost always a typo.
func (s *section) unknown() {
	known := map[string]bool{}
	for _, k := range s.known {
		known[k] = true
	}
	for _, k := range sortedKeys(s.fields) {
		if !known[k] {
			s.problems.add(s.path(k), "is not a known key; known keys are %s", strings.Join(s.known, ", "))
		}
	}
}

// quoteHint tells how to make a number or boolean a string.
func quoteHint(v any) string {
	switch v.(type) {
	case json.Number, bool:
		return "; quote it in the stack file, or add --type string to `pulumi config set`"
	}
	return ""
}

func asString(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil && i >= math.MinInt32 && i <= math.MaxInt32 {
			return int(i), true
		}
		// YAML may give a whole number as a float (2.0).
		if f, err := strconv.ParseFloat(string(n), 64); err == nil && f == math.Trunc(f) && math.Abs(f) <= math.MaxInt32 {
			return int(f), true
		}
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 32); err == nil && strings.TrimSpace(n) == n {
			return int(i), true
		}
	}
	return 0, false
}

// describe renders a decoded JSON value the way the user would recognise it.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case nil:
		return "null"
	case json.Number:
		return x.String()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
