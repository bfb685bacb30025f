package awsfacts

// This file holds what burstable instance types earn and may spend: the
// CPU credit arithmetic of EC2's burstable performance instances, which the
// db.t3 and db.t4g RDS classes follow too (same sizes, same credits).

import "strings"

// Burst is the CPU credit budget of a burstable instance type. One credit is
// one vCPU at 100 % for one minute.
type Burst struct {
	// BaselinePercent is the CPU utilisation the type can sustain without
	// spending credits, as CloudWatch's CPUUtilization reports it (the
	// average over all vCPUs).
	BaselinePercent float64
	// CreditsPerHour is what the type earns: vCPUs × baseline × 60.
	CreditsPerHour float64
	// MaxCredits is the most it can bank: 24 hours of earnings.
	MaxCredits float64
}

// burstBaselines is the baseline utilisation per vCPU, in percent, of each
// burstable size (AWS's "Key concepts for burstable performance instances"
// table). The T3, T3a and T4g families share one table; T2 differs from
// medium up because its larger sizes have more vCPUs for the same credits.
var burstBaselines = map[string]map[string]float64{
	"t2": {"nano": 5, "micro": 10, "small": 20, "medium": 20, "large": 30, "xlarge": 22.5, "2xlarge": 16.875},
	"t3": {"nano": 5, "micro": 10, "small": 20, "medium": 20, "large": 30, "xlarge": 40, "2xlarge": 40},
}

// burstFamilies maps each burstable family to its baseline table.
var burstFamilies = map[string]string{"t2": "t2", "t3": "t3", "t3a": "t3", "t4g": "t3"}

// LookupBurst returns the credit budget of a burstable EC2 instance type
// ("t4g.micro") or RDS class ("db.t4g.micro"); false for any other.
func LookupBurst(name string) (Burst, bool) {
	ec2Name := strings.TrimPrefix(name, "db.")
	t, ok := ec2Types[ec2Name]
	if !ok || !t.Burstable {
		return Burst{}, false
	}
	family, size, _ := strings.Cut(ec2Name, ".")
	baseline, ok := burstBaselines[burstFamilies[family]][size]
	if !ok {
		return Burst{}, false
	}
	perHour := float64(t.VCPUs) * baseline * 60 / 100
	return Burst{BaselinePercent: baseline, CreditsPerHour: perHour, MaxCredits: 24 * perHour}, true
}
