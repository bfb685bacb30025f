// Package awsfacts holds what AWS documents and enforces, written down
// once with its source: instance types (generated from moto's catalogue),
// RDS classes and engine versions, naming rules, limits, the host's ports
// and its contract with the container. It is pure Go, decided when the
// code is written, and asks AWS nothing; what the program asks AWS at
// deploy time (the region's zones, the account) is internal/awslookup.
package awsfacts
