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
//
// The real-provider tests and the rds-app-rehearse command share all of it:
// Record and Translate, the Terraform runner with its live events, the
// apply report, OutputValues (stack outputs from a state), and what a plan
// means once the emulator's gaps and drift are set aside (Meaningful,
// GapsAffected, Summarise).
package realprovider
