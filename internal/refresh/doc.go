// Package refresh rolls an Auto Scaling group to a new launch template
// version by an instance refresh, and waits for the outcome: the deploy of
// a release on a stack whose hosts run in a group ("group mode").
//
// Why the program does this itself instead of leaving it to the group's
// Pulumi resource: terraform-provider-aws, under pulumi-aws, sets the group
// to the new version first and then starts the refresh and returns
// (hashicorp/terraform-provider-aws#34189). The group then already names
// the new version when the refresh fails, so AWS's auto rollback "restores"
// the new version, and every host a later scale-out launches boots the
// broken release; and `pulumi up` reports success before a single new host
// has passed a health check.
//
// So the group's resource ignores changes of its launch template version,
// and during `pulumi up` (not preview) the program calls Roll, which:
//
//  1. leaves a group alone that already names the version, with no refresh
//     in progress;
//  2. waits on a refresh already in progress to that version (a previous
//     `pulumi up` was interrupted), or cancels one to anything else;
//  3. starts a refresh whose DesiredConfiguration is the new version while
//     the group still names the old one, with AutoRollback on: AWS moves the
//     group to the new version only when the refresh succeeds, and after a
//     failure or rollback the group keeps the old version, so scale-outs
//     keep booting the previous release;
//  4. polls DescribeInstanceRefreshes until a terminal status, noting the
//     load balancer's last health check of every host launched for the new
//     version, and rolls the refresh back itself when it outlasts the
//     request's timeout;
//  5. returns nil on success, or one error that says what failed, what the
//     group runs now, why the new hosts failed, where their logs are and
//     what to do next.
//
// The request, its validation and the StartInstanceRefresh call it makes
// are in request.go; the status logic (which statuses are terminal, which
// hold the group) and the messages are plain functions in status.go and
// report.go; the calls to AWS are in group.go (Auto Scaling groups),
// instancerefresh.go (the refresh itself) and targethealth.go (the load
// balancer); roll.go runs the steps in order. Package refreshtest is a
// stand-in for both APIs, for tests.
package refresh
