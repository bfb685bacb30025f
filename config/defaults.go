package config

// Every default of rds-app lives in this file. Pulumi.yaml declares no
// defaults: the CLI would apply them but Pulumi's mocks would not, and tests
// and deploys must agree.

const (
	DefaultVPCCIDR  = "10.0.0.0/16"
	DefaultAZCount  = 2
	DefaultHostPort = 80
	// DefaultLogRetentionDays applies to flow logs, database logs and
	// container logs alike.
	DefaultLogRetentionDays = 30

	DefaultEngineVersion       = "17"
	DefaultInstanceClass       = "db.t4g.micro"
	DefaultAllocatedStorage    = 20
	DefaultMaxAllocatedStorage = 100
	DefaultDatabasePort        = 5432
	DefaultUsername            = "app_admin"
	DefaultDatabaseName        = "app"
	DefaultBackupRetentionDays = 7
	// DefaultBackupWindow and DefaultMaintenanceWindow are UTC and do not
	// overlap on any day.
	DefaultBackupWindow       = "03:00-04:00"
	DefaultMaintenanceWindow  = "sun:04:30-sun:05:30"
	DefaultMonitoringInterval = 60

	DefaultInstanceType   = "t3.micro"
	DefaultContainerPort  = 1337
	DefaultRootVolumeSize = 20
)

// DefaultIngressCIDRs lets everyone reach the web port.
var DefaultIngressCIDRs = []string{"0.0.0.0/0"}

// DefaultSecretNames are the secrets a Strapi application needs.
var DefaultSecretNames = []string{"APP_KEYS", "API_TOKEN_SALT", "ADMIN_JWT_SECRET", "JWT_SECRET"}

// The raw structs hold what the user set: nil means "not set".

type rawNetwork struct {
	cidr                 *string
	azCount              *int
	availabilityZones    []string
	ingressCIDRs         []string
	flowLogRetentionDays *int
}

func readNetwork(s *section) rawNetwork {
	r := rawNetwork{
		cidr:                 s.str("cidr"),
		azCount:              s.integer("azCount"),
		availabilityZones:    s.strings("availabilityZones"),
		ingressCIDRs:         s.strings("ingressCidrs"),
		flowLogRetentionDays: s.integer("flowLogRetentionDays"),
	}
	s.unknown()
	return r
}

func (r rawNetwork) withDefaults(facts Facts) Network {
	n := Network{
		CIDR:                 or(r.cidr, DefaultVPCCIDR),
		AZCount:              DefaultAZCount,
		AvailabilityZones:    r.availabilityZones,
		IngressCIDRs:         orList(r.ingressCIDRs, DefaultIngressCIDRs),
		FlowLogRetentionDays: or(r.flowLogRetentionDays, DefaultLogRetentionDays),
	}
	switch {
	case r.azCount != nil:
		n.AZCount = *r.azCount
	case r.availabilityZones != nil:
		n.AZCount = len(r.availabilityZones)
	}
	if n.AvailabilityZones == nil && n.AZCount > 0 && n.AZCount <= len(facts.AvailabilityZones) {
		n.AvailabilityZones = append([]string(nil), facts.AvailabilityZones[:n.AZCount]...)
	}
	return n
}

type rawDatabase struct {
	engineVersion, instanceClass, username, name, backupWindow, maintenanceWindow *string
	allocatedStorage, maxAllocatedStorage, port, backupRetentionDays              *int
	monitoringInterval, logRetentionDays                                          *int
	multiAZ, deletionProtection, skipFinalSnapshot, applyImmediately              *bool
	extendedSupport                                                               *bool
}

func readDatabase(s *section) rawDatabase {
	r := rawDatabase{
		engineVersion:       s.str("engineVersion"),
		instanceClass:       s.str("instanceClass"),
		allocatedStorage:    s.integer("allocatedStorage"),
		maxAllocatedStorage: s.integer("maxAllocatedStorage"),
		port:                s.integer("port"),
		username:            s.str("username"),
		name:                s.str("name"),
		backupRetentionDays: s.integer("backupRetentionDays"),
		backupWindow:        s.str("backupWindow"),
		maintenanceWindow:   s.str("maintenanceWindow"),
		multiAZ:             s.boolean("multiAz"),
		deletionProtection:  s.boolean("deletionProtection"),
		skipFinalSnapshot:   s.boolean("skipFinalSnapshot"),
		applyImmediately:    s.boolean("applyImmediately"),
		extendedSupport:     s.boolean("extendedSupport"),
		monitoringInterval:  s.integer("monitoringInterval"),
		logRetentionDays:    s.integer("logRetentionDays"),
	}
	s.unknown()
	return r
}

func (r rawDatabase) withDefaults() Database {
	return Database{
		EngineVersion:       or(r.engineVersion, DefaultEngineVersion),
		InstanceClass:       or(r.instanceClass, DefaultInstanceClass),
		AllocatedStorage:    or(r.allocatedStorage, DefaultAllocatedStorage),
		MaxAllocatedStorage: or(r.maxAllocatedStorage, DefaultMaxAllocatedStorage),
		Port:                or(r.port, DefaultDatabasePort),
		Username:            or(r.username, DefaultUsername),
		Name:                or(r.name, DefaultDatabaseName),
		BackupRetentionDays: or(r.backupRetentionDays, DefaultBackupRetentionDays),
		BackupWindow:        or(r.backupWindow, DefaultBackupWindow),
		MaintenanceWindow:   or(r.maintenanceWindow, DefaultMaintenanceWindow),
		MultiAZ:             or(r.multiAZ, false),
		DeletionProtection:  or(r.deletionProtection, false),
		SkipFinalSnapshot:   or(r.skipFinalSnapshot, false),
		ApplyImmediately:    or(r.applyImmediately, false),
		ExtendedSupport:     or(r.extendedSupport, false),
		MonitoringInterval:  or(r.monitoringInterval, DefaultMonitoringInterval),
		LogRetentionDays:    or(r.logRetentionDays, DefaultLogRetentionDays),
	}
}

type rawApp struct {
	image, instanceType, amiID                                *string
	hostPort, containerPort, rootVolumeSize, logRetentionDays *int
	secretNames                                               []string
	environment                                               map[string]string
}

func readApp(s *section) rawApp {
	r := rawApp{
		image:            s.str("image"),
		instanceType:     s.str("instanceType"),
		amiID:            s.str("amiId"),
		hostPort:         s.integer("hostPort"),
		containerPort:    s.integer("containerPort"),
		rootVolumeSize:   s.integer("rootVolumeSize"),
		logRetentionDays: s.integer("logRetentionDays"),
		secretNames:      s.strings("secretNames"),
		environment:      s.stringMap("environment"),
	}
	s.unknown()
	return r
}

func (r rawApp) withDefaults() App {
	env := r.environment
	if env == nil {
		env = map[string]string{}
	}
	return App{
		Image:            or(r.image, ""), // required: validate reports it missing
		InstanceType:     or(r.instanceType, DefaultInstanceType),
		AMIID:            or(r.amiID, ""), // latest Amazon Linux 2023
		HostPort:         or(r.hostPort, DefaultHostPort),
		ContainerPort:    or(r.containerPort, DefaultContainerPort),
		RootVolumeSize:   or(r.rootVolumeSize, DefaultRootVolumeSize),
		LogRetentionDays: or(r.logRetentionDays, DefaultLogRetentionDays),
		SecretNames:      orList(r.secretNames, DefaultSecretNames),
		Environment:      env,
	}
}

func or[T any](v *T, def T) T {
	if v == nil {
		return def
	}
	return *v
}

// orList returns a copy of list, or of def when list was not set. An empty
// list the user set explicitly stays empty.
func orList(list, def []string) []string {
	if list == nil {
		list = def
	}
	return append([]string{}, list...)
}
