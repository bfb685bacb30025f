// Package realprovider proves the program with the real AWS provider
// instead of mocks: it runs the program under a recording mock, translates
// every registered resource into Terraform JSON for terraform-provider-aws
// (the provider pulumi-aws wraps) through the provider's own schema, and
// drives `terraform apply`, `plan` and `destroy` against an AWS emulator
// (moto_server). Nothing in it knows a particular resource of rds-app: a
// resource added to the program later is translated the same way.
//
// The emulator's missing APIs are listed in gaps.go; every other failure is
// a defect of the program.
package realprovider
