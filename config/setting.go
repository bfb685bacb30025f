package config

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Kind is the type of a setting's value, as docs/configuration.md names it.
type Kind string

const (
	String     Kind = "string"
	Integer    Kind = "integer"
	Boolean    Kind = "boolean"
	StringList Kind = "array of strings"
	StringMap  Kind = "object of strings"
	// ScalingObject is app.scaling's shape.
	ScalingObject Kind = "object {min, max, targetCpu or targetRequests}"
)

// Effect is what `pulumi up` does when a setting changes on a deployed
// stack. The real-provider tests plan a change of every setting (to its
// Example) and fail when the provider's plan does something else.
type Effect string

const (
	// NoChange changes no resource: the setting is how the program itself
	// behaves during `pulumi up`.
	NoChange Effect = "no change"
	// InPlace updates resources without replacing the host or the database.
	InPlace Effect = "in place"
	// Redeploys updates in place and starts a new container on the same host.
	Redeploys Effect = "in place, redeploys the container"
	// ReplacesHost creates a new host (minutes of downtime, a new root volume).
	ReplacesHost Effect = "replaces the host"
	// ReplacesHostWithGroup replaces the single host with an Auto Scaling
	// group behind a load balancer: a new address (see docs/deploys.md,
	// "Scaling out").
	ReplacesHostWithGroup Effect = "replaces the host with hosts behind a load balancer"
	// ReplacesDatabase creates a new, empty database.
	ReplacesDatabase Effect = "replaces the database"
)

// Setting is the one definition of a configuration key: how it is read and
// defaulted, the rule it must meet, its documentation and what changing it
// does. The table in settings.go lists them all (one file per section,
// settings_<section>.go); reading, defaulting, validation,
// docs/configuration.md's configuration reference and Pulumi.yaml's
// descriptions all come from it.
type Setting struct {
	// Section and Name locate the key: "rds-app:<Section>" holds Name.
	Section, Name string
	Kind          Kind
	// Unit follows the type in docs/configuration.md ("GiB", "seconds").
	Unit string
	// Default says what an unset key means, when that is not simply the
	// typed default (a value computed from other keys or from AWS).
	Default string
	// Rule says what values are allowed, in a few words; every problem
	// with the key ends with it.
	Rule string
	// Doc says what the key does (docs/configuration.md).
	Doc string
	// Example is a valid value, different from the dev stack's: problems
	// show it, and the real-provider tests change the dev stack to it.
	Example any
	// ExampleNeeds are other keys ("database.monitoringInterval") the
	// example is valid with only when they hold these values; the
	// real-provider tests set them along with the example.
	ExampleNeeds map[string]any
	// Effect is what a change of the key does to a deployed stack.
	Effect Effect

	// bind reads the key into a Config and knows its typed default.
	bind binding
	// check adds a problem for every rule the (defaulted) value breaks.
	check func(v *checker, c *Config)
}

// Path is the key as `pulumi config set --path` takes it ("database.port").
func (s Setting) Path() string { return s.Section + "." + s.Name }

// DefaultText is the default as docs/configuration.md shows it.
func (s Setting) DefaultText() string {
	if s.Default != "" {
		return s.Default
	}
	return "`" + render(s.bind.def) + "`"
}

// ExampleText is the example as a stack file or message shows it.
func (s Setting) ExampleText() string { return render(s.Example) }

// render shows a value as JSON, which is also how YAML writes it inline.
func render(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// binding ties a setting to its field in Config.
type binding struct {
	def  any
	read func(s *section, name string, c *Config) (set bool)
}

// field binds a setting of one Go type: get finds the field in Config, def
// is the value when the key is unset.
func field[T any](get func(*Config) *T, def T, read func(s *section, name string) *T) binding {
	return binding{def: def, read: func(s *section, name string, c *Config) bool {
		v := read(s, name)
		if v == nil {
			*get(c) = clone(def)
			return false
		}
		*get(c) = *v
		return true
	}}
}

func stringField(get func(*Config) *string, def string) binding {
	return field(get, def, (*section).str)
}

func intField(get func(*Config) *int, def int) binding {
	return field(get, def, (*section).integer)
}

func boolField(get func(*Config) *bool, def bool) binding {
	return field(get, def, (*section).boolean)
}

func listField(get func(*Config) *[]string, def []string) binding {
	return field(get, def, func(s *section, name string) *[]string {
		if v := s.strings(name); v != nil {
			return &v
		}
		return nil
	})
}

func mapField(get func(*Config) *map[string]string, def map[string]string) binding {
	return field(get, def, func(s *section, name string) *map[string]string {
		if v := s.stringMap(name); v != nil {
			return &v
		}
		return nil
	})
}

// scalingField binds app.scaling: nil when unset.
func scalingField(get func(*Config) **Scaling) binding {
	return field(get, nil, func(s *section, name string) **Scaling {
		fields, ok := s.integers(name, scalingKeys)
		if !ok {
			return nil
		}
		v := &Scaling{Min: fields["min"], Max: fields["max"], TargetCPU: fields["targetCpu"], TargetRequests: fields["targetRequests"]}
		return &v
	})
}

// scalingKeys are app.scaling's fields.
var scalingKeys = []string{"min", "max", "targetCpu", "targetRequests"}

// clone copies slices and maps, so a Config never shares the table's
// defaults.
func clone[T any](v T) T {
	switch x := any(v).(type) {
	case []string:
		return any(append([]string{}, x...)).(T)
	case map[string]string:
		out := make(map[string]string, len(x))
		for k, val := range x {
			out[k] = val
		}
		return any(out).(T)
	}
	return v
}

// checker collects the problems of one setting.
type checker struct {
	project  string
	setting  Setting
	facts    Facts
	set      map[string]bool
	problems *Problems
}

// isSet reports whether the user set the key at path ("network.azCount").
func (v *checker) isSet(path string) bool { return v.set[path] }

// fail records a problem with the setting; format starts with the value.
func (v *checker) fail(format string, args ...any) { v.failAt("", format, args...) }

// failAt records a problem with an item of the setting ("[2]", ".NAME").
func (v *checker) failAt(item, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	v.problems.add(v.project+":"+v.setting.Path()+item, "%s%s", msg, v.setting.allowed(v.setting.Example))
}

// failFix records a problem whose fix depends on other keys: fix is shown
// as the example.
func (v *checker) failFix(fix any, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	v.problems.add(v.project+":"+v.setting.Path(), "%s%s", msg, v.setting.allowed(fix))
}

// allowed ends every message with the rule and a valid example.
func (s Setting) allowed(example any) string {
	var parts []string
	switch {
	case s.Rule != "":
		parts = append(parts, "allowed: "+strings.TrimSuffix(s.Rule, "."))
	case s.Kind == Boolean:
		parts = append(parts, "allowed: true or false")
	}
	if example != nil {
		parts = append(parts, "for example "+render(example))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}
