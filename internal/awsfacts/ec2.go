package awsfacts

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

//go:generate go run ./gen -out ec2types.go

// InstanceType is what rds-app needs to know of an EC2 instance type.
type InstanceType struct {
	Name string
	// Architecture is "arm64" or "x86_64", as Amazon Linux names its AMIs.
	Architecture string
	VCPUs        int
	MemoryMiB    int
	// Burstable types (t2, t3, t4g, ...) spend CPU credits.
	Burstable bool
}

// LookupInstanceType returns the EC2 instance type called name.
func LookupInstanceType(name string) (InstanceType, bool) {
	t, ok := ec2Types[name]
	return t, ok
}

// maxNameEcho is how much of a value a message repeats.
const maxNameEcho = 64

// Quote quotes a value for a message, shortened when it is long.
func Quote(s string) string {
	if len(s) > maxNameEcho {
		return fmt.Sprintf("%q… (%d bytes)", s[:maxNameEcho], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// JoinInts lists numbers for a message: "1, 5, 10".
func JoinInts(list []int) string {
	parts := make([]string, len(list))
	for i, n := range list {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ", ")
}

// CheckInstanceType accepts the EC2 instance types of the catalogue in
// ec2types.go. An unknown size of a known family lists that family's sizes.
func CheckInstanceType(s string) error {
	if _, ok := ec2Types[s]; ok {
		return nil
	}
	family, _, _ := strings.Cut(s, ".")
	if sizes := familySizes(family); len(sizes) > 0 {
		return fmt.Errorf("%s is not an EC2 instance type; %s comes in %s", Quote(s), family, strings.Join(sizes, ", "))
	}
	return fmt.Errorf("%s is not an EC2 instance type; use a name such as t3.micro, t4g.small or m7g.large", Quote(s))
}

// familySizes lists the sizes of an EC2 family, smallest first.
func familySizes(family string) []string {
	var types []InstanceType
	for _, t := range ec2Types {
		if f, _, _ := strings.Cut(t.Name, "."); f == family {
			types = append(types, t)
		}
	}
	slices.SortFunc(types, func(a, b InstanceType) int {
		if a.VCPUs != b.VCPUs {
			return a.VCPUs - b.VCPUs
		}
		if a.MemoryMiB != b.MemoryMiB {
			return a.MemoryMiB - b.MemoryMiB
		}
		return strings.Compare(a.Name, b.Name)
	})
	sizes := make([]string, len(types))
	for i, t := range types {
		_, sizes[i], _ = strings.Cut(t.Name, ".")
	}
	return sizes
}

// Architecture is the CPU architecture of a known instance type ("arm64"
// or "x86_64"); "" for an unknown one.
func Architecture(instanceType string) string {
	return ec2Types[instanceType].Architecture
}

// Platform is the container platform a known instance type runs
// ("linux/arm64" or "linux/amd64"), as `docker build --platform` takes it;
// "" for an unknown type.
func Platform(instanceType string) string {
	switch Architecture(instanceType) {
	case "arm64":
		return "linux/arm64"
	case "x86_64":
		return "linux/amd64"
	}
	return ""
}

var amiRE = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)

// CheckAMI accepts AMI IDs such as ami-0abcdef1234567890.
func CheckAMI(s string) error {
	if !amiRE.MatchString(s) {
		return fmt.Errorf("%s is not an AMI ID (ami- and 8 or 17 hex digits)", Quote(s))
	}
	return nil
}
