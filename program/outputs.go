package program

// This file holds the stack outputs: what `pulumi up` prints and what
// rds-app-db and the tests read, as docs/configuration.md's "Outputs" lists
// them.

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/database"
	"github.com/rds-app/rds-app/network"
	"github.com/rds-app/rds-app/ops"
	"github.com/rds-app/rds-app/registry"
)

// stackOutputs names the components' outputs the stack exports. Which exist
// depends on cfg: one host or hosts behind a load balancer, and the
// database's proxy, read replicas and backup plan.
func stackOutputs(cfg *config.Config, region string, net *network.Network, db *database.Database, app *compute.Compute, repo *registry.Registry, watch *ops.Ops) pulumi.Map {
	outputs := pulumi.Map{
		// url is where the application answers: https://<app.domain>, or
		// http:// the Elastic IP or the load balancer's name, with the port.
		"url": app.URL,
		// version is the image the hosts serve, with its digest
		// (<repository>:<tag>@sha256:…); it takes its value once the
		// rollout has succeeded (behind a load balancer: the instance
		// refresh).
		"version": app.Version,
		// release is the release the hosts run: id, version (of the
		// release record) and image; previousRelease is the one a rollback
		// goes back to (bin/rds-app-ship --rollback), empty before a second
		// release has rolled out.
		"release":         app.Release,
		"previousRelease": app.PreviousRelease,
		// sessionCommand opens a shell on the host (on a host in service,
		// behind a load balancer).
		"sessionCommand": app.SessionCommand,
		// releaseBucket holds the release record, one version per release.
		"releaseBucket": app.ReleaseBucket,
		// hostAmi is the AMI the host runs.
		"hostAmi": app.AMI,
		// latestAmi is the newest Amazon Linux 2023 AMI for the host's
		// architecture; a newer release waits when it differs from hostAmi.
		"latestAmi": app.LatestAMI,
		// appSecretArn is the secret with the generated application secrets.
		"appSecretArn": app.AppSecretArn,
		// dbEndpoint is where clients connect, the name its TLS certificate
		// is issued for: the instance's, or with database.proxy the proxy's.
		"dbEndpoint": db.Endpoint,
		// dbPort is dbEndpoint's port: the database port, or the proxy's.
		"dbPort": db.ConnectPort,
		// dbName is the application database.
		"dbName": db.DatabaseName,
		// dbSecretArn is the secret with the connection settings (JSON).
		"dbSecretArn": db.SecretArn,
		// vpcId is the VPC's ID.
		"vpcId": net.VpcID,
		// region is the stack's AWS region (rds-app-db reads it).
		"region": pulumi.String(region).ToStringOutput(),
		// dbTunnelCommand forwards localhost:<dbPort> to the database
		// through a host.
		"dbTunnelCommand": tunnelCommand(region, app.SessionTarget, db.Endpoint, db.ConnectPort),
		// alarmTopicArn is the SNS topic alarms, RDS events and AWS Backup
		// report to.
		"alarmTopicArn": watch.TopicArn,
		// dashboardUrl opens the stack's CloudWatch dashboard: what the
		// alarms watch, with their thresholds.
		"dashboardUrl": watch.DashboardURL,
	}
	if cfg.App.LoadBalanced() {
		// loadBalancerDns is the Application Load Balancer's DNS name.
		outputs["loadBalancerDns"] = app.LoadBalancerDNS
		// autoScalingGroup is the group's name (rds-app-db finds a host in
		// service through it).
		outputs["autoScalingGroup"] = app.AutoScalingGroupName
		if cfg.App.Domain != "" {
			// certificateValidation is the DNS record ACM validates the
			// certificate with (`<name> CNAME <value>`).
			outputs["certificateValidation"] = app.CertificateValidation
		}
	} else {
		// publicIp is the host's Elastic IP; it survives a new host.
		outputs["publicIp"] = app.PublicIP
		// instanceId is the host's EC2 instance ID.
		outputs["instanceId"] = app.InstanceID
	}
	if repo != nil {
		// repositoryUrl is the stack's ECR repository (app.repository),
		// which bin/rds-app-ship pushes releases to.
		outputs["repositoryUrl"] = repo.RepositoryURL
	}
	if cfg.Database.Proxy {
		// dbEndpoint is the proxy's: this is the instance behind it.
		outputs["dbInstanceEndpoint"] = db.Address
	}
	if cfg.Database.ProxyIAMAuth {
		// dbConnectArn is the rds-db:connect resource for signing in to the
		// proxy as the master user with an IAM token: what a person's
		// policy names. rds-app-db signs in with a token when it is there.
		outputs["dbConnectArn"] = db.ConnectArn
	}
	if cfg.Database.ReadReplicas > 0 {
		// dbReadEndpoints are the read replicas' host names, in order.
		outputs["dbReadEndpoints"] = db.ReplicaAddresses
	}
	if cfg.Ops.BackupPlan {
		// backupVault is the AWS Backup vault holding the database's
		// recovery points.
		outputs["backupVault"] = watch.BackupVault
		// backupRoleArn is the role AWS Backup backs up and restores with
		// (for a restore by hand).
		outputs["backupRoleArn"] = watch.BackupRoleArn
	}
	return outputs
}

// tunnelCommand forwards localhost:<port> to the database through Session
// Manager, so psql works from a laptop without opening anything. target is
// the host it goes through (compute.Compute.SessionTarget); host is where the
// hosts connect: with the proxy they reach only the proxy.
func tunnelCommand(region string, target, host pulumi.StringOutput, port pulumi.IntOutput) pulumi.StringOutput {
	return pulumi.Sprintf("aws ssm start-session --region %s --target %s --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters host=%s,portNumber=%d,localPortNumber=%d",
		region, target, host, port, port)
}
