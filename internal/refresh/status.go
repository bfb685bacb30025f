package refresh

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// Status is an instance refresh's status as AWS reports it.
type Status = types.InstanceRefreshStatus

// The statuses AWS reports (types.InstanceRefreshStatus* under shorter
// names).
const (
	Pending            = types.InstanceRefreshStatusPending
	InProgress         = types.InstanceRefreshStatusInProgress
	Cancelling         = types.InstanceRefreshStatusCancelling
	RollbackInProgress = types.InstanceRefreshStatusRollbackInProgress
	Baking             = types.InstanceRefreshStatusBaking
	Successful         = types.InstanceRefreshStatusSuccessful
	Failed             = types.InstanceRefreshStatusFailed
	Cancelled          = types.InstanceRefreshStatusCancelled
	RollbackSuccessful = types.InstanceRefreshStatusRollbackSuccessful
	RollbackFailed     = types.InstanceRefreshStatusRollbackFailed
)

// Terminal reports whether a refresh in status s is over: AWS will not
// change it again, and the group accepts a new refresh.
func Terminal(s Status) bool {
	switch s {
	case Successful, Failed, Cancelled, RollbackSuccessful, RollbackFailed:
		return true
	}
	return false
}

// Active reports whether a refresh in status s still holds the group
// (Pending, InProgress, Cancelling, RollbackInProgress, Baking). A status
// this package does not know counts as active: waiting on it, bounded by
// the request's timeout, is safe; starting a second refresh beside it is
// not.
func Active(s Status) bool { return !Terminal(s) }

// Succeeded reports whether a refresh in status s moved the group to its
// desired configuration.
func Succeeded(s Status) bool { return s == Successful }

// Meaning says in a few words what a terminal status left behind, for the
// failure message.
func Meaning(s Status) string {
	switch s {
	case Successful:
		return "every host runs the new version and the group names it"
	case Failed:
		return "the refresh failed and was not rolled back: hosts it already replaced keep the new version"
	case Cancelled:
		return "the refresh was cancelled: hosts it already replaced keep the new version, the group keeps the old one"
	case RollbackSuccessful:
		return "AWS rolled the refresh back: the hosts it had replaced run the previous version again"
	case RollbackFailed:
		return "AWS could not finish rolling the refresh back: the group may run a mix of both versions"
	}
	return "status " + string(s)
}

// Targets reports whether refresh ir, found in progress on group g, rolls
// the group to launch template templateID version: its DesiredConfiguration
// names it, or (a refresh started without one, as the provider starts
// them) the group itself already names it.
func Targets(ir types.InstanceRefresh, g types.AutoScalingGroup, templateID string, version int) bool {
	if ir.DesiredConfiguration != nil {
		return names(ir.DesiredConfiguration.LaunchTemplate, templateID, version)
	}
	return names(g.LaunchTemplate, templateID, version)
}

// names reports whether lt is launch template templateID at version.
func names(lt *types.LaunchTemplateSpecification, templateID string, version int) bool {
	return lt != nil && aws.ToString(lt.LaunchTemplateId) == templateID &&
		aws.ToString(lt.Version) == strconv.Itoa(version)
}

// ProgressLine is the line Roll prints when a refresh's status or
// percentage changes.
func ProgressLine(group string, ir types.InstanceRefresh) string {
	line := fmt.Sprintf("group %s: instance refresh %s: %s, %d%% complete",
		group, aws.ToString(ir.InstanceRefreshId), ir.Status, aws.ToInt32(ir.PercentageComplete))
	if ir.InstancesToUpdate != nil {
		line += fmt.Sprintf(", %d host(s) to update", *ir.InstancesToUpdate)
	}
	if reason := aws.ToString(ir.StatusReason); reason != "" {
		line += ": " + reason
	}
	return line
}
