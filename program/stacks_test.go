package program_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/compute"
	"github.com/rds-app/rds-app/compute/hostconf"
	rdsconfig "github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/iampolicy"
	"github.com/rds-app/rds-app/internal/pulumitest"
	"github.com/rds-app/rds-app/internal/stacktest"
	"github.com/rds-app/rds-app/internal/stacktest/mockrun"
	"github.com/rds-app/rds-app/program"
)

const (
	typeDB        = "aws:rds/instance:Instance"
	typeHost      = "aws:ec2/instance:Instance"
	typeSG        = "aws:ec2/securityGroup:SecurityGroup"
	typeIngress   = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeEgress    = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	typeSubnet    = "aws:ec2/subnet:Subnet"
	typeRoute     = "aws:ec2/route:Route"
	typeRouteTA   = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	typeParams    = "aws:rds/parameterGroup:ParameterGroup"
	typeSecret    = "aws:secretsmanager/secret:Secret"
	typeKey       = "aws:kms/key:Key"
	typeLogGroup  = "aws:cloudwatch/logGroup:LogGroup"
	typeSubnetGrp = "aws:rds/subnetGroup:SubnetGroup"
)

// TestStackFilesMatchTheProjectSchema checks each stack's values against the
// types Pulumi.yaml declares, as the Pulumi CLI does before it runs the
// program, and that no stack file holds a secret.
func TestStackFilesMatchTheProjectSchema(t *testing.T) {
	proj := stacktest.LoadProject(t)
	for _, s := range stacktest.Shipped(t) {
		ps, err := workspace.LoadProjectStack(nil, proj, filepath.Join(stacktest.Root(t), "Pulumi."+s.Name+".yaml"))
		require.NoError(t, err)
		for key, value := range ps.Config {
			assert.False(t, value.Secure(), "%s: %s is a secret; stack files hold none", s.Name, key)
			if key.Namespace() != proj.Name.String() {
				continue
			}
			decl, ok := proj.Config[key.String()]
			require.True(t, ok, "%s: %s is not declared in Pulumi.yaml", s.Name, key)
			obj, err := value.ToObject()
			require.NoError(t, err)
			assert.True(t, workspace.ValidateConfigValue(decl.TypeName(), decl.Items, obj), "%s: %s is not a %s", s.Name, key, decl.TypeName())
		}
		_, hasRegion := ps.Config[config.MustMakeKey("aws", "region")]
		assert.False(t, hasRegion, "%s: the region is the user's choice (pulumi config set aws:region)", s.Name)
	}
	for key, decl := range proj.Config {
		assert.NotEmpty(t, decl.Description, key)
		assert.True(t, decl.IsExplicitlyTyped(), key)
		assert.Nil(t, decl.Default, "%s: defaults live in Go (config/defaults.go)", key)
	}
}

// TestShippedStacks runs the whole program for every shipped stack and
// checks the security invariants that must hold in any environment.
func TestShippedStacks(t *testing.T) {
	for _, s := range stacktest.Shipped(t) {
		t.Run(s.Name, func(t *testing.T) {
			r := mockrun.RunProgram(t, s.Name, s.Config)
			require.NoError(t, r.Err)
			cfg := stacktest.Parse(t, s)
			m := r.Mocks

			db := m.Named(t, typeDB, "database")
			t.Run("database is private", func(t *testing.T) {
				assert.False(t, db.Input("publiclyAccessible").BoolValue())
				assert.True(t, db.Input("publiclyAccessible").IsBool(), "set explicitly")
				privateIDs := map[string]bool{}
				for _, sn := range m.OfType(typeSubnet) {
					if strings.Contains(sn.Name, "private") {
						privateIDs[sn.ID] = true
					}
				}
				group := m.One(t, typeSubnetGrp)
				require.Equal(t, group.ID, db.Str("dbSubnetGroupName"))
				subnets := group.Input("subnetIds").ArrayValue()
				require.Len(t, subnets, cfg.Network.AZCount)
				for _, sn := range subnets {
					assert.True(t, privateIDs[sn.StringValue()], "%s is not a private subnet", sn.StringValue())
				}
				// Private subnets' table has no route at all; the only route goes
				// from the public table to the internet gateway.
				route := m.One(t, typeRoute)
				for _, a := range m.OfType(typeRouteTA) {
					if privateIDs[a.Str("subnetId")] {
						assert.NotEqual(t, route.Str("routeTableId"), a.Str("routeTableId"))
					}
				}
			})
			t.Run("encryption", func(t *testing.T) {
				keyArn := m.Named(t, typeKey, "database-key").Outputs["arn"].StringValue()
				assert.True(t, db.Input("storageEncrypted").BoolValue())
				assert.Equal(t, keyArn, db.Str("kmsKeyId"))
				assert.Equal(t, keyArn, db.Str("performanceInsightsKmsKeyId"))
				for _, s := range m.OfType(typeSecret) {
					assert.Equal(t, keyArn, s.Str("kmsKeyId"), s.Name)
				}
				assert.True(t, mockrun.HostDefinitionOf(t, m).RootEncrypted, "the hosts' root volume")
			})
			t.Run("SSL is forced", func(t *testing.T) {
				pg := m.One(t, typeParams)
				assert.Equal(t, pg.ID, db.Str("parameterGroupName"))
				found := false
				for _, p := range pg.Input("parameters").ArrayValue() {
					if p.ObjectValue()["name"].StringValue() == "rds.force_ssl" {
						found = p.ObjectValue()["value"].StringValue() == "1"
					}
				}
				assert.True(t, found, "rds.force_ssl=1")
				assert.Equal(t, "rds-ca-rsa2048-g1", db.Str("caCertIdentifier"))
			})
			t.Run("database reachable only from the host", func(t *testing.T) {
				hostSG, dbSG := m.Named(t, typeSG, "network-host"), m.Named(t, typeSG, "network-database")
				if cfg.Database.Proxy {
					// The proxy is the host's only way in.
					hostSG = m.Named(t, typeSG, "network-proxy")
				}
				assert.Equal(t, []string{dbSG.ID}, strs(db.Input("vpcSecurityGroupIds")))
				var dbRules int
				for _, rule := range m.OfType(typeIngress) {
					if rule.Str("securityGroupId") != dbSG.ID {
						continue
					}
					dbRules++
					assert.Equal(t, hostSG.ID, rule.Str("referencedSecurityGroupId"))
					assert.Empty(t, rule.Str("cidrIpv4"))
					assert.Equal(t, float64(cfg.Database.Port), rule.Input("fromPort").NumberValue())
					assert.Equal(t, float64(cfg.Database.Port), rule.Input("toPort").NumberValue())
				}
				assert.Equal(t, 1, dbRules)
				for _, rule := range m.OfType(typeEgress) {
					assert.NotEqual(t, dbSG.ID, rule.Str("securityGroupId"), "the database has no egress")
				}
			})
			t.Run("no SSH", func(t *testing.T) {
				assert.False(t, mockrun.HostDefinitionOf(t, m).KeyNameSet, "no key pair")
				for _, rule := range m.OfType(typeIngress) {
					from, to := rule.Input("fromPort").NumberValue(), rule.Input("toPort").NumberValue()
					assert.False(t, from <= 22 && 22 <= to, "rule %s opens port 22", rule.Name)
					assert.NotEqual(t, "-1", rule.Str("ipProtocol"), "rule %s opens every port", rule.Name)
				}
			})
			t.Run("IMDSv2", func(t *testing.T) {
				md := mockrun.HostDefinitionOf(t, m).Metadata
				assert.Equal(t, "required", md["httpTokens"].StringValue())
				assert.Equal(t, 1.0, md["httpPutResponseHopLimit"].NumberValue())
			})
			t.Run("no secret in user-data", func(t *testing.T) {
				ud := mockrun.UserDataOf(t, r)
				require.NotEmpty(t, m.Sentinels())
				for _, secret := range m.Sentinels() {
					assert.NotContains(t, ud, secret)
				}
				assert.NotContains(t, strings.ToLower(ud), "password=")
			})
			t.Run("host does not wait for the database", func(t *testing.T) {
				if def := mockrun.HostDefinitionOf(t, m); def.Grouped {
					// A group's hosts do wait, on purpose: one that waited at
					// boot would outlast its grace period and be replaced.
					var waits bool
					for _, dep := range def.Resource.Request.GetDependencies() {
						waits = waits || strings.HasSuffix(dep, "aws:secretsmanager/secretVersion:SecretVersion::database-connection")
					}
					assert.True(t, waits, "the launch template waits for the database's connection secret")
					return
				}
				host := m.One(t, typeHost)
				for _, dep := range host.Request.GetDependencies() {
					assert.NotContains(t, dep, typeDB)
					assert.NotContains(t, dep, "aws:secretsmanager/secretVersion:SecretVersion::database")
				}
				for prop, deps := range host.Request.GetPropertyDependencies() {
					for _, dep := range deps.GetUrns() {
						assert.NotContains(t, dep, typeDB, "input %s", prop)
					}
				}
			})
			t.Run("the stack's config reaches the resources", func(t *testing.T) {
				assertMirrorsConfig(t, r, cfg)
			})
			t.Run("outputs", func(t *testing.T) {
				assertOutputs(t, r, cfg)
			})
		})
	}
}

// strs is a list input as strings.
func strs(v resource.PropertyValue) []string {
	var out []string
	for _, item := range v.ArrayValue() {
		out = append(out, pulumitest.Unwrap(item).StringValue())
	}
	return out
}

// assertMirrorsConfig: every environment-dependent setting on the resources
// is the stack's configured value (so any stack file, not only dev and
// prod, is checked).
func assertMirrorsConfig(t *testing.T, r mockrun.Run, cfg *rdsconfig.Config) {
	m := r.Mocks
	db := m.Named(t, typeDB, "database")
	d := cfg.Database
	assert.Equal(t, d.MultiAZ, db.Input("multiAz").BoolValue(), "multiAz")
	assert.Equal(t, d.DeletionProtection, db.Input("deletionProtection").BoolValue(), "deletionProtection")
	assert.Equal(t, d.DeletionProtection, db.Request.GetProtect(), "Pulumi protect follows deletionProtection")
	assert.Equal(t, d.SkipFinalSnapshot, db.Input("skipFinalSnapshot").BoolValue(), "skipFinalSnapshot")
	assert.Equal(t, !d.SkipFinalSnapshot, db.Input("finalSnapshotIdentifier").IsString(), "final snapshot identifier")
	assert.Equal(t, d.ApplyImmediately, db.Input("applyImmediately").BoolValue(), "applyImmediately")
	assert.Equal(t, float64(d.BackupRetentionDays), db.Input("backupRetentionPeriod").NumberValue())
	assert.Equal(t, float64(d.MonitoringInterval), db.Input("monitoringInterval").NumberValue())
	assert.Equal(t, d.MonitoringInterval > 0, db.Input("monitoringRoleArn").IsString(), "monitoring role")
	assert.Equal(t, d.InstanceClass, db.Str("instanceClass"))
	assert.Equal(t, d.EngineVersion, db.Str("engineVersion"))
	assert.Equal(t, float64(d.AllocatedStorage), db.Input("allocatedStorage").NumberValue())
	assert.Equal(t, float64(d.MaxAllocatedStorage), db.Input("maxAllocatedStorage").NumberValue())

	retention := map[string]float64{}
	for _, g := range m.OfType(typeLogGroup) {
		retention[g.Name] = g.Input("retentionInDays").NumberValue()
	}
	wantRetention := map[string]float64{
		"network-flow-logs":       float64(cfg.Network.FlowLogRetentionDays),
		"database-postgresql-log": float64(d.LogRetentionDays),
		"database-upgrade-log":    float64(d.LogRetentionDays),
		"app-app-logs":            float64(cfg.App.LogRetentionDays),
	}
	if d.Proxy {
		wantRetention["database-proxy-log"] = float64(d.LogRetentionDays)
	}
	for n := 1; n <= d.ReadReplicas; n++ {
		for _, log := range []string{"postgresql", "upgrade"} {
			wantRetention[fmt.Sprintf("database-replica-%d-%s-log", n, log)] = float64(d.LogRetentionDays)
		}
	}
	assert.Equal(t, wantRetention, retention)

	def := mockrun.HostDefinitionOf(t, m)
	assert.Equal(t, cfg.App.InstanceType, def.InstanceType)
	record, _ := mockrun.ReleaseRecordOf(t, m)
	assert.Equal(t, mockrun.ReleaseImage(t, cfg.App.Image), record.Image, "the host pulls app.image by its digest")
	var container hostconf.ContainerSettings
	require.NoError(t, json.Unmarshal(record.Settings, &container))
	a := cfg.App
	want := hostconf.ContainerSettings{HostPort: a.HostPort, ContainerPort: a.ContainerPort, HealthCheckPath: a.HealthCheckPath,
		HealthCheckTimeout: a.HealthCheckTimeout, HealthCheckInterval: a.HealthCheckInterval, HealthCheckRetries: a.HealthCheckRetries,
		DrainSeconds: a.DrainSeconds, ProxyImage: a.ProxyImage, Domain: a.Domain,
		SlotPorts: awsfacts.AppSlotPorts, ProxyAdminPort: awsfacts.ProxyAdminPort, Environment: a.Environment}
	front := "network-host"
	if a.LoadBalanced() {
		// TLS ends at the load balancer; the hosts' proxy keeps its
		// forwarded headers, from the VPC only.
		want.Domain, want.TrustedProxies = "", []string{cfg.Network.CIDR}
		front = "network-load-balancer"
	}
	assert.Equal(t, want, container)
	// The web ports follow the domain: the application's own ports never
	// face the world.
	web, public := a.ListenPorts()
	var opened []float64
	for _, rule := range m.OfType(typeIngress) {
		if rule.Str("securityGroupId") == m.Named(t, typeSG, front).ID {
			opened = append(opened, rule.Input("fromPort").NumberValue())
		}
	}
	var wantOpened []float64
	for _, p := range append(web, public...) {
		n := len(cfg.Network.IngressCIDRs)
		if slices.Contains(public, p) {
			n = 1
		}
		for range n {
			wantOpened = append(wantOpened, float64(p))
		}
	}
	assert.ElementsMatch(t, wantOpened, opened, "the ingress rules of whoever faces the world")
	var zones []string
	for _, sn := range m.OfType(typeSubnet) {
		if strings.Contains(sn.Name, "private") {
			zones = append(zones, sn.Str("availabilityZone"))
		}
	}
	assert.ElementsMatch(t, cfg.Network.AvailabilityZones, zones)
}

func assertOutputs(t *testing.T, r mockrun.Run, cfg *rdsconfig.Config) {
	o := r.Outputs
	m := r.Mocks
	db := m.Named(t, typeDB, "database")
	def := mockrun.HostDefinitionOf(t, m)
	// Clients connect to the proxy when there is one.
	address, port := db.Outputs["address"].StringValue(), cfg.Database.Port
	if cfg.Database.Proxy {
		address, port = m.One(t, "aws:rds/proxy:Proxy").Outputs["endpoint"].StringValue(), 5432
	}
	// One host is reached by its ID and Elastic IP; a group's hosts by a
	// picker asked when the command runs, the application by the load
	// balancer.
	target, address0 := def.Resource.ID, "203.0.113.10"
	if def.Grouped {
		target = compute.HostPicker(pulumitest.Region, m.One(t, typeGroup).ID)
		address0 = m.One(t, typeLoadBalancer).Outputs["dnsName"].StringValue()
	}
	want := map[string]any{
		"url":            "http://" + address0,
		"sessionCommand": "aws ssm start-session --region eu-west-1 --target " + target,
		"releaseBucket":  m.One(t, "aws:s3/bucketV2:BucketV2").Outputs["bucket"].StringValue(),
		// The mock's latest AMI; the host runs the one it was created from.
		"latestAmi":    pulumitest.AMIPrefix + awsfacts.Architecture(cfg.App.InstanceType),
		"hostAmi":      def.Resource.Str(map[bool]string{false: "ami", true: "imageId"}[def.Grouped]),
		"appSecretArn": m.Named(t, typeSecret, "app-app-secrets").Outputs["arn"].StringValue(),
		"dbEndpoint":   address,
		"dbPort":       port,
		"dbName":       cfg.Database.Name,
		"dbSecretArn":  m.Named(t, typeSecret, "database-connection").Outputs["arn"].StringValue(),
		"vpcId":        m.One(t, "aws:ec2/vpc:Vpc").ID,
		"region":       "eu-west-1",
		"dbTunnelCommand": fmt.Sprintf("aws ssm start-session --region eu-west-1 --target %s --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters host=%s,portNumber=%d,localPortNumber=%d",
			target, address, port, port),
	}
	if def.Grouped {
		want["loadBalancerDns"] = address0
		want["autoScalingGroup"] = m.One(t, typeGroup).ID
	} else {
		want["publicIp"] = address0
		want["instanceId"] = def.Resource.ID
	}
	if cfg.Database.Proxy {
		want["dbInstanceEndpoint"] = db.Outputs["address"].StringValue()
	}
	if cfg.Database.ProxyIAMAuth {
		// The proxy's resource ID (the mock's prx-…) and the master user:
		// the resource the hosts' role may connect to.
		want["dbConnectArn"] = "arn:aws:rds-db:eu-west-1:" + pulumitest.AccountID + ":dbuser:prx-0123456789abcdef0/" + cfg.Database.Username
	}
	if n := cfg.Database.ReadReplicas; n > 0 {
		var reads []string
		for i := 1; i <= n; i++ {
			reads = append(reads, m.Named(t, typeDB, fmt.Sprintf("database-replica-%d", i)).Outputs["address"].StringValue())
		}
		want["dbReadEndpoints"] = reads
	}
	if cfg.App.HostPort != 80 {
		want["url"] = fmt.Sprintf("http://%s:%d", address0, cfg.App.HostPort)
	}
	want["alarmTopicArn"] = m.One(t, "aws:sns/topic:Topic").Outputs["arn"].StringValue()
	want["dashboardUrl"] = "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/rds-app-" + stackOf(db)
	if cfg.Ops.BackupPlan {
		want["backupVault"] = m.One(t, "aws:backup/vault:Vault").Outputs["name"].StringValue()
		want["backupRoleArn"] = m.Named(t, "aws:iam/role:Role", "ops-backup").Outputs["arn"].StringValue()
	}
	if cfg.App.Domain != "" {
		want["url"] = "https://" + cfg.App.Domain
	}
	want["version"] = mockrun.ReleaseImage(t, cfg.App.Image)
	record, recordVersion := mockrun.ReleaseRecordOf(t, m)
	want["release"] = map[string]string{"id": record.ID, "version": recordVersion, "image": want["version"].(string)}
	// Nothing rolled out before: the mock's account has no release history.
	want["previousRelease"] = map[string]string{}
	if cfg.App.Repository {
		want["repositoryUrl"] = m.One(t, "aws:ecr/repository:Repository").Outputs["repositoryUrl"].StringValue()
	}
	assert.Equal(t, want, o)
}

// stackOf reads the stack name back from a resource's URN.
func stackOf(r pulumitest.Resource) string {
	return strings.Split(strings.TrimPrefix(r.Request.GetParent(), "urn:pulumi:"), "::")[0]
}

// environmentExpectations are what dev and prod promise, beyond the
// invariants every stack meets.
var environmentExpectations = map[string]func(t *testing.T, r mockrun.Run){
	"dev": func(t *testing.T, r mockrun.Run) {
		db := r.Mocks.Named(t, typeDB, "database")
		assert.False(t, db.Input("multiAz").BoolValue(), "single-AZ")
		assert.False(t, db.Input("deletionProtection").BoolValue())
		assert.False(t, db.Request.GetProtect())
		assert.True(t, db.Input("skipFinalSnapshot").BoolValue())
		assert.True(t, db.Input("applyImmediately").BoolValue())
		assert.Equal(t, 7.0, db.Input("backupRetentionPeriod").NumberValue())
		assert.Equal(t, "db.t4g.micro", db.Str("instanceClass"))
		for _, g := range r.Mocks.OfType(typeLogGroup) {
			assert.LessOrEqual(t, g.Input("retentionInDays").NumberValue(), 14.0, "short retention for %s", g.Name)
		}
		// A public image, and the stack's own repository (deleted with a
		// throwaway stack): pulls from that repository only.
		repo := r.Mocks.One(t, "aws:ecr/repository:Repository")
		assert.True(t, repo.Input("forceDelete").BoolValue())
		assert.False(t, repo.Request.GetRetainOnDelete())
		assert.Equal(t, []string{repo.Outputs["arn"].StringValue()}, pullsOf(t, r))
	},
	"prod": func(t *testing.T, r mockrun.Run) {
		db := r.Mocks.Named(t, typeDB, "database")
		assert.True(t, db.Input("multiAz").BoolValue())
		assert.True(t, db.Input("deletionProtection").BoolValue())
		assert.True(t, db.Request.GetProtect(), "Pulumi protect")
		assert.False(t, db.Input("skipFinalSnapshot").BoolValue())
		assert.Regexp(t, `^rds-app-prod-[0-9a-f]{8}-final$`, db.Str("finalSnapshotIdentifier"))
		assert.False(t, db.Input("applyImmediately").BoolValue(), "changes wait for the maintenance window")
		assert.GreaterOrEqual(t, db.Input("backupRetentionPeriod").NumberValue(), 14.0)
		assert.Greater(t, db.Input("monitoringInterval").NumberValue(), 0.0, "Enhanced Monitoring")
		assert.NotEmpty(t, db.Str("monitoringRoleArn"))
		for _, g := range r.Mocks.OfType(typeLogGroup) {
			assert.Equal(t, 365.0, g.Input("retentionInDays").NumberValue(), g.Name)
		}
		// A private ECR image and the stack's own repository, which a
		// destroy keeps: pulls scoped to exactly those two.
		repo := r.Mocks.One(t, "aws:ecr/repository:Repository")
		assert.False(t, repo.Input("forceDelete").BoolValue())
		assert.True(t, repo.Request.GetRetainOnDelete(), "prod keeps its releases")
		assert.Equal(t, []string{"arn:aws:ecr:eu-west-1:" + stacktest.TestAccount + ":repository/my-app", repo.Outputs["arn"].StringValue()}, pullsOf(t, r))
	},
}

// pullsOf is the repositories the hosts' role may pull from.
func pullsOf(t *testing.T, r mockrun.Run) []string {
	t.Helper()
	var policy iampolicy.Document
	require.NoError(t, json.Unmarshal([]byte(r.Mocks.Named(t, "aws:iam/rolePolicy:RolePolicy", "app-host").Str("policy")), &policy))
	for _, st := range policy.Statement {
		if st.Sid == "PullImage" {
			return st.Resource
		}
	}
	return nil
}

func TestEnvironments(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range stacktest.Shipped(t) {
		check, ok := environmentExpectations[s.Name]
		if !ok {
			continue // other stacks are held to the invariants and their own config only
		}
		seen[s.Name] = true
		t.Run(s.Name, func(t *testing.T) {
			r := mockrun.RunProgram(t, s.Name, s.Config)
			require.NoError(t, r.Err)
			check(t, r)
		})
	}
	assert.Equal(t, map[string]bool{"dev": true, "prod": true}, seen, "dev and prod must be shipped")
}

// TestBrokenStacksRegisterNothing breaks a copy of each shipped stack in
// several ways at once: run must fail with every problem listed, before
// any resource is registered.
func TestBrokenStacksRegisterNothing(t *testing.T) {
	for _, s := range stacktest.Shipped(t) {
		t.Run(s.Name, func(t *testing.T) {
			broken := map[string]string{}
			for k, v := range s.Config {
				broken[k] = v
			}
			broken["rds-app:network"] = stacktest.Patch(t, s.Config["rds-app:network"], map[string]any{"azCount": 1, "cidr": "10.0.0.0/8"})
			broken["rds-app:database"] = stacktest.Patch(t, s.Config["rds-app:database"], map[string]any{"username": "postgres", "port": 80, "multiAZ": true})
			broken["rds-app:app"] = stacktest.Patch(t, s.Config["rds-app:app"], map[string]any{"image": "nginx"})
			r := mockrun.RunProgram(t, s.Name, broken)
			require.Error(t, r.Err)
			var problems rdsconfig.Problems
			require.True(t, errors.As(r.Err, &problems), "want the config layer's Problems, got %v", r.Err)
			var keys []string
			for _, p := range problems {
				keys = append(keys, p.Key)
			}
			assert.ElementsMatch(t, []string{
				"rds-app:network.cidr", "rds-app:network.azCount",
				"rds-app:database.multiAZ", "rds-app:database.port", "rds-app:database.username",
				"rds-app:app.image",
			}, keys)
			assert.Empty(t, r.Mocks.Resources(), "nothing may be registered for an invalid stack")
		})
	}
}

// BenchmarkRun evaluates the whole program under mocks, per shipped stack.
func BenchmarkRun(b *testing.B) {
	for _, s := range stacktest.Shipped(b) {
		b.Run(s.Name, func(b *testing.B) {
			cfg := stacktest.WithRegion(s.Config)
			for b.Loop() {
				m := pulumitest.New()
				if err := m.Run(s.Name, program.Offline.Run, pulumitest.WithConfig(cfg)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestHostZoneMustOfferTheInstanceType: a host zone that does not offer
// the instance type is refused before anything is registered, naming the
// zones that do.
func TestHostZoneMustOfferTheInstanceType(t *testing.T) {
	for _, s := range stacktest.Shipped(t) {
		t.Run(s.Name, func(t *testing.T) {
			m := pulumitest.New()
			m.ZonesWithoutTypes = []string{"eu-west-1a"}
			err := m.Run(s.Name, program.Offline.Run, pulumitest.WithConfig(stacktest.WithRegion(s.Config)))
			var problems rdsconfig.Problems
			require.True(t, errors.As(err, &problems), "want the config layer's Problems, got %v", err)
			require.Len(t, problems, 1)
			assert.Equal(t, "rds-app:app.instanceType", problems[0].Key)
			if stacktest.Parse(t, s).App.LoadBalanced() {
				assert.Contains(t, problems[0].Message, "is not offered in eu-west-1a, where the Auto Scaling group places hosts")
				assert.Contains(t, problems[0].Message, "list only zones that offer it: eu-west-1b, eu-west-1c")
			} else {
				assert.Contains(t, problems[0].Message, "is not offered in eu-west-1a, the host's zone")
				assert.Contains(t, problems[0].Message, "zones that offer it: eu-west-1b, eu-west-1c; list one of them first in network.availabilityZones")
			}
			assert.Empty(t, m.Resources(), "nothing may be registered")
		})
	}
}

// TestPlaceholderImageFailsFast: a stack file that still names the example
// image (prod, as shipped) stops before anything is registered, telling the
// user to set their own image, instead of deploying a host that
// restart-loops on a pull that cannot succeed.
func TestPlaceholderImageFailsFast(t *testing.T) {
	var placeholders []string
	for _, s := range stacktest.Shipped(t) {
		if s.Raw["rds-app:app"] == s.Config["rds-app:app"] {
			continue
		}
		placeholders = append(placeholders, s.Name)
		r := mockrun.RunProgram(t, s.Name, s.Raw)
		var problems rdsconfig.Problems
		require.True(t, errors.As(r.Err, &problems), "%s: want the config layer's Problems, got %v", s.Name, r.Err)
		require.Len(t, problems, 1)
		assert.Equal(t, "rds-app:app.image", problems[0].Key)
		assert.Contains(t, problems[0].Message, "the placeholder of the example stacks")
		assert.Empty(t, r.Mocks.Resources())
	}
	assert.ElementsMatch(t, []string{"prod", "scale"}, placeholders, "prod and scale ship with the placeholder image")
}
