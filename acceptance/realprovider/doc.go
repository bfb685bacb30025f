// Package realprovider is the real-provider layer's test suite: every
// shipped stack, recorded under mocks and translated to Terraform JSON
// (internal/realprovider), is applied by terraform-provider-aws, the
// provider pulumi-aws wraps, against moto_server; the provider's own plans
// then say what each change of a setting would update or replace, and the
// stack is destroyed. It holds tests only; docs/development.md describes
// the layer.
package realprovider
