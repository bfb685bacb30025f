// Package propval holds the one helper both the recording test mock and the
// real-provider translation need on Pulumi property values.
package propval

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// Unwrap strips secret and output wrappers from a property value.
func Unwrap(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput():
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}
