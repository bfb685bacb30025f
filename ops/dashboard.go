package ops

// The stack's CloudWatch dashboard: a graph of every metric the alarms
// watch, each alarm's threshold drawn on the graph of its metric, the
// alarms' states at the top, and the context around them (requests, host
// CPU, the proxy's connections). The layout and the body are plain Go
// (DashboardBody, from plain values and resolved IDs), so they have table
// tests; newDashboard registers the body once the IDs are known.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/ops/thresholds"
)

// The dashboard's grid is 24 units wide; graphs go three to a row.
const (
	gridWidth   = 24
	graphWidth  = 8
	graphHeight = 6
)

// DashboardSpec is what the dashboard is drawn from: plain values, known
// before anything is registered.
type DashboardSpec struct {
	// Name is the dashboard's name (DashboardName), also its heading.
	Name   string
	Region string
	thresholds.Deployment
	// Alarms are what Alarms derives for Deployment, whether or not they
	// are created: the dashboard graphs every metric they watch.
	Alarms []thresholds.Alarm
	// Drawn says the alarms exist (ops.alarms): their thresholds are drawn
	// and their states shown. Without, the graphs stay and nothing claims
	// an alarm watches them.
	Drawn bool
}

// DashboardIDs are the names the metrics' dimensions take, resolved.
type DashboardIDs struct {
	// HealthNamespace is the namespace of the hosts' health metric.
	HealthNamespace string
	// The dimensions' values of the targets the deployment has (see
	// Inputs); the others stay "".
	DBInstanceIdentifier, HostInstanceID, AutoScalingGroupName string
	LoadBalancerArnSuffix, TargetGroupArnSuffix, ProxyName     string
	// ReplicaIdentifiers are the read replicas', in the order of
	// Alarm.Replica.
	ReplicaIdentifiers []string
	// AlarmArns are the alarms', in the order of DashboardSpec.Alarms (none
	// unless Drawn).
	AlarmArns []string
}

// notDashboardRE matches what a dashboard name may not hold (letters,
// digits, "-" and "_" only; a stack name may also hold ".").
var notDashboardRE = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// DashboardName is the dashboard of the stack with prefix
// ("rds-app-dev"): named, not auto-named, so its URL is known.
func DashboardName(prefix string) string {
	return notDashboardRE.ReplaceAllString(prefix, "-")
}

// DashboardURL opens the dashboard in the console of the stack's partition.
func DashboardURL(partition, region, name string) string {
	return fmt.Sprintf("https://%s/cloudwatch/home?region=%s#dashboards/dashboard/%s", awsfacts.ConsoleHost(region, partition), region, name)
}

// section is a heading and the graphs under it.
type section struct {
	heading string
	graphs  []graph
}

// graph is one metric widget, before the IDs are known.
type graph struct {
	title string
	// period is the graph's, in seconds: the period of the alarms drawn
	// on it, so that a line crossed on the graph is a breach.
	period int
	series []series
	lines  []line
}

// series is one line of data: a target's metric with a statistic, or a
// metric-math expression over the graph's other series.
type series struct {
	target  thresholds.Target
	replica int
	// namespace is "" for TargetApp: the stack's own, known when rendered.
	namespace, metric, stat string
	label                   string
	// id names a series an expression uses; such series are hidden.
	id         string
	hidden     bool
	expression string
	// alarm is the metric-math alarm whose expression this is.
	alarm string
}

// line is a horizontal line: an alarm's threshold, or a level of one of
// its conditions.
type line struct {
	value float64
	// fill shades the side that breaches ("above", "below"); "" for a
	// condition, which alone does not breach.
	fill string
	// keys are the alarms the line is drawn for; note follows them in the
	// label (a condition's alarm fires only when all of them hold).
	keys []string
	note string
}

// metric is a series of target's metric name with stat, labelled label.
func metric(target thresholds.Target, namespace, name, stat, label string) series {
	return series{target: target, namespace: namespace, metric: name, stat: stat, label: label}
}

// dashboardLayout lays the dashboard out and places every alarm on the
// graph of its metric (its lines only when s.Drawn). An alarm whose metric
// no graph shows is an error: every alarm has its graph.
func dashboardLayout(s DashboardSpec) ([]section, error) {
	byKey := map[string]thresholds.Alarm{}
	for _, a := range s.Alarms {
		byKey[a.Key] = a
	}
	var app section
	if s.App.LoadBalanced() {
		var err error
		if app, err = groupSection(s.Deployment, byKey); err != nil {
			return nil, err
		}
	} else {
		app = hostSection(s.Deployment)
	}
	sections := []section{app, databaseSection(s.Deployment)}
	if err := placeAlarms(sections, s.Alarms, s.Drawn); err != nil {
		return nil, err
	}
	return sections, nil
}

// hostSection graphs the single host: its health, CPU, credits and status
// checks.
func hostSection(d thresholds.Deployment) section {
	graphs := []graph{
		{title: "Application health (1: answers its health check)", period: 60, series: []series{
			metric(thresholds.TargetApp, "", awsfacts.HealthMetricName, "Minimum", "health check"),
		}},
	}
	graphs = append(graphs, cpuGraphs(d, thresholds.TargetHost, "Host CPU (%)", "Host CPU credit balance", "Minimum")...)
	graphs = append(graphs, graph{title: "Host status checks (1: failed)", period: 60, series: []series{
		metric(thresholds.TargetHost, "AWS/EC2", "StatusCheckFailed_System", "Maximum", "system (AWS's hardware)"),
		metric(thresholds.TargetHost, "AWS/EC2", "StatusCheckFailed_Instance", "Maximum", "instance (the host's own)"),
	}})
	return section{heading: "The host", graphs: graphs}
}

// groupSection graphs the hosts behind the load balancer: what the load
// balancer sees (requests, response time, errors, healthy hosts), the
// group's CPU and credits, and the hosts' own health checks.
func groupSection(d thresholds.Deployment, alarms map[string]thresholds.Alarm) (section, error) {
	const elb = "AWS/ApplicationELB"
	hostErrors, err := expressionGraph("5XX answered by the hosts (% of requests)", alarms, "app-5xx-rate")
	if err != nil {
		return section{}, err
	}
	lbErrors, err := expressionGraph("5XX answered by the load balancer (% of requests)", alarms, "load-balancer-5xx-rate")
	if err != nil {
		return section{}, err
	}
	graphs := []graph{
		{title: "Requests (per 5 minutes)", period: 300, series: []series{
			metric(thresholds.TargetLoadBalancer, elb, "RequestCount", "Sum", "requests"),
		}},
		{title: "Response time, 95th percentile (seconds)", period: 300, series: []series{
			metric(thresholds.TargetTargetGroup, elb, "TargetResponseTime", "p95", "p95"),
		}},
		hostErrors,
		lbErrors,
		{title: "Hosts passing the load balancer's health check", period: 60, series: []series{
			metric(thresholds.TargetTargetGroup, elb, "HealthyHostCount", "Minimum", "healthy"),
			metric(thresholds.TargetTargetGroup, elb, "UnHealthyHostCount", "Maximum", "unhealthy"),
		}},
	}
	// The group's average balance, as its credit alarm watches it.
	graphs = append(graphs, cpuGraphs(d, thresholds.TargetHosts, "Hosts' CPU (%, average)", "Hosts' CPU credit balance (average)", "Average")...)
	graphs = append(graphs, graph{title: "Application health (1: answers its own health check)", period: 60, series: []series{
		metric(thresholds.TargetApp, "", awsfacts.HealthMetricName, "Maximum", "some host"),
		metric(thresholds.TargetApp, "", awsfacts.HealthMetricName, "Minimum", "every host"),
	}})
	return section{heading: "The hosts and the load balancer", graphs: graphs}, nil
}

// cpuGraphs graph the host's or the group's CPU and, for a burstable
// app.instanceType, its credit balance with creditStat.
func cpuGraphs(d thresholds.Deployment, target thresholds.Target, cpuTitle, creditTitle, creditStat string) []graph {
	graphs := []graph{{title: cpuTitle, period: 300, series: []series{metric(target, "AWS/EC2", "CPUUtilization", "Average", "CPU")}}}
	if _, ok := awsfacts.LookupBurst(d.App.InstanceType); ok {
		graphs = append(graphs, graph{title: creditTitle, period: 300, series: []series{metric(target, "AWS/EC2", "CPUCreditBalance", creditStat, "credits")}})
	}
	return graphs
}

// expressionGraph graphs a metric-math alarm's own expression, the value
// its threshold applies to, over its metrics (hidden).
func expressionGraph(title string, alarms map[string]thresholds.Alarm, key string) (graph, error) {
	a, ok := alarms[key]
	if !ok || len(a.Queries) == 0 {
		return graph{}, fmt.Errorf("laying out the dashboard: no metric-math alarm %q to graph", key)
	}
	g := graph{title: title, period: a.Period}
	for _, q := range a.Queries {
		if q.Expression != "" {
			g.series = append(g.series, series{id: q.ID, expression: q.Expression, label: a.Measure, alarm: a.Key})
			continue
		}
		s := metric(a.Target, a.Namespace, q.Metric, q.Statistic, q.ID)
		s.id, s.hidden = q.ID, true
		g.series = append(g.series, s)
	}
	return g, nil
}

// databaseSection graphs the database, its read replicas beside it on the
// metrics they share, and the proxy.
func databaseSection(d thresholds.Deployment) section {
	// each is a metric of the primary and every replica, one series each.
	each := func(name, stat string) []series {
		out := []series{metric(thresholds.TargetDatabase, "AWS/RDS", name, stat, "primary")}
		for i := range d.Database.ReadReplicas {
			s := metric(thresholds.TargetReplica, "AWS/RDS", name, stat, fmt.Sprintf("replica %d", i+1))
			s.replica = i
			out = append(out, s)
		}
		return out
	}
	graphs := []graph{
		{title: "Database CPU (%)", period: 300, series: each("CPUUtilization", "Average")},
	}
	if _, ok := awsfacts.LookupBurst(d.Database.InstanceClass); ok {
		graphs = append(graphs, graph{title: "Database CPU credit balance", period: 300, series: each("CPUCreditBalance", "Minimum")})
	}
	graphs = append(graphs,
		graph{title: "Database load (active sessions, DBLoad)", period: 300, series: []series{
			metric(thresholds.TargetDatabase, "AWS/RDS", "DBLoad", "Average", "primary"),
		}},
		graph{title: "Database connections", period: 300, series: each("DatabaseConnections", "Maximum")},
		graph{title: "Free storage (bytes)", period: 300, series: each("FreeStorageSpace", "Minimum")},
		graph{title: "Freeable memory (bytes)", period: 300, series: each("FreeableMemory", "Average")},
		graph{title: "Transaction IDs used (oldest unfrozen)", period: 300, series: []series{
			metric(thresholds.TargetDatabase, "AWS/RDS", "MaximumUsedTransactionIDs", "Maximum", "primary"),
		}},
	)
	if d.Database.ReadReplicas > 0 {
		// The replicas' only: a primary has no lag.
		graphs = append(graphs, graph{title: "Replica lag (seconds)", period: 300, series: each("ReplicaLag", "Maximum")[1:]})
	}
	if d.Database.Proxy {
		graphs = append(graphs,
			graph{title: "Proxy connections", period: 300, series: []series{
				metric(thresholds.TargetProxy, "AWS/RDS", "ClientConnections", "Maximum", "from clients"),
				metric(thresholds.TargetProxy, "AWS/RDS", "DatabaseConnections", "Maximum", "to the database"),
				metric(thresholds.TargetProxy, "AWS/RDS", "DatabaseConnectionsCurrentlySessionPinned", "Maximum", "pinned to a session"),
			}},
			graph{title: "Proxy connection borrow latency (microseconds)", period: 300, series: []series{
				metric(thresholds.TargetProxy, "AWS/RDS", "DatabaseConnectionsBorrowLatency", "Average", "borrow latency"),
			}},
		)
	}
	return section{heading: "The database", graphs: graphs}
}

// placeAlarms finds the graph of each alarm's metric, with the alarm's
// statistic and period, and draws its threshold there when drawn: a plain
// alarm's on its metric, a metric-math alarm's on its expression, and an
// alarm on conditions each condition's level on its metric.
func placeAlarms(sections []section, alarms []thresholds.Alarm, drawn bool) error {
	var problems []string
	place := func(a thresholds.Alarm, want func(series) bool, what string, l line) {
		for si := range sections {
			for gi := range sections[si].graphs {
				g := &sections[si].graphs[gi]
				for _, s := range g.series {
					if !want(s) {
						continue
					}
					if g.period != a.Period {
						problems = append(problems, fmt.Sprintf("alarm %q watches %s every %d s, the graph %q every %d s", a.Key, what, a.Period, g.title, g.period))
						return
					}
					if drawn {
						g.draw(l)
					}
					return
				}
			}
		}
		problems = append(problems, fmt.Sprintf("alarm %q watches %s, which no graph shows", a.Key, what))
	}
	for _, a := range alarms {
		fill := "above"
		if strings.HasPrefix(a.Comparison, "LessThan") {
			fill = "below"
		}
		switch {
		case len(a.Queries) == 0:
			stat := a.Statistic
			if a.ExtendedStatistic != "" {
				stat = a.ExtendedStatistic
			}
			want := series{target: a.Target, replica: a.Replica, namespace: a.Namespace, metric: a.Metric, stat: stat}
			place(a, want.same, fmt.Sprintf("%s of %s", stat, a.Metric), line{value: a.Threshold, fill: fill, keys: []string{a.Key}})
		case a.Measure != "":
			expression := a.Queries[len(a.Queries)-1].Expression
			place(a, func(s series) bool { return s.alarm == a.Key && s.expression == expression },
				"its expression", line{value: a.Threshold, fill: fill, keys: []string{a.Key}})
		case len(a.Conditions) > 0:
			var all []string
			for _, c := range a.Conditions {
				all = append(all, c.String())
			}
			note := ": " + strings.Join(all, " and ")
			for _, c := range a.Conditions {
				q, ok := alarmQuery(a, c.Query)
				if !ok {
					problems = append(problems, fmt.Sprintf("alarm %q: condition %q names no query", a.Key, c))
					continue
				}
				want := series{target: a.Target, replica: a.Replica, namespace: a.Namespace, metric: q.Metric, stat: q.Statistic}
				place(a, want.same, fmt.Sprintf("%s of %s", q.Statistic, q.Metric), line{value: c.Level, keys: []string{a.Key}, note: note})
			}
		default:
			problems = append(problems, fmt.Sprintf("alarm %q: a metric-math alarm needs a Measure or Conditions to be drawn", a.Key))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("laying out the dashboard: %s", strings.Join(problems, "; "))
	}
	return nil
}

// same says s graphs the metric w names, with w's statistic.
func (w series) same(s series) bool {
	return s.expression == "" && s.target == w.target && s.replica == w.replica &&
		s.namespace == w.namespace && s.metric == w.metric && s.stat == w.stat
}

// alarmQuery is a's query with id.
func alarmQuery(a thresholds.Alarm, id string) (thresholds.Query, bool) {
	for _, q := range a.Queries {
		if q.ID == id {
			return q, true
		}
	}
	return thresholds.Query{}, false
}

// draw adds l, merged with a line of the same value, shading and note (a
// replica's alarm beside the primary's): one line, both alarms named.
func (g *graph) draw(l line) {
	for i := range g.lines {
		if g.lines[i].value == l.value && g.lines[i].fill == l.fill && g.lines[i].note == l.note {
			g.lines[i].keys = append(g.lines[i].keys, l.keys...)
			return
		}
	}
	g.lines = append(g.lines, l)
}

// DashboardBody is the dashboard's JSON body (CloudWatch's "Dashboard Body
// Structure and Syntax"): s laid out, its metrics named by ids.
func DashboardBody(s DashboardSpec, ids DashboardIDs) (string, error) {
	layout, err := dashboardLayout(s)
	if err != nil {
		return "", err
	}
	return renderDashboard(s, layout, ids)
}

// renderDashboard writes the layout with the IDs resolved.
func renderDashboard(s DashboardSpec, layout []section, ids DashboardIDs) (string, error) {
	if s.Drawn && len(ids.AlarmArns) != len(s.Alarms) {
		return "", fmt.Errorf("rendering the dashboard: %d alarm ARNs for %d alarms", len(ids.AlarmArns), len(s.Alarms))
	}
	byTarget := targetIDs[string]{
		Database: ids.DBInstanceIdentifier, Host: ids.HostInstanceID, Hosts: ids.AutoScalingGroupName,
		LoadBalancer: ids.LoadBalancerArnSuffix, TargetGroup: ids.TargetGroupArnSuffix, Proxy: ids.ProxyName,
		Replica: func(i int) string {
			if i < len(ids.ReplicaIdentifiers) {
				return ids.ReplicaIdentifiers[i]
			}
			return ""
		},
	}
	var widgets []map[string]any
	y := 0
	add := func(typ string, x, width, height int, props map[string]any) {
		widgets = append(widgets, map[string]any{"type": typ, "x": x, "y": y, "width": width, "height": height, "properties": props})
	}
	intro := "The graphs show what the alarms watch; a line is an alarm's threshold, crossed for the alarm's periods before it fires. See docs/operations.md, Dashboard."
	if !s.Drawn {
		intro = "ops.alarms is off: no alarm watches these graphs, and nothing pages."
	}
	add("text", 0, gridWidth, 2, map[string]any{"markdown": "# " + s.Name + "\n" + intro})
	y += 2
	if s.Drawn && len(ids.AlarmArns) > 0 {
		height := 2 + (len(ids.AlarmArns)+2)/3
		add("alarm", 0, gridWidth, height, map[string]any{"title": "Alarms", "alarms": ids.AlarmArns, "sortBy": "stateUpdatedTimestamp"})
		y += height
	}
	for _, sec := range layout {
		add("text", 0, gridWidth, 1, map[string]any{"markdown": "## " + sec.heading})
		y++
		for i, g := range sec.graphs {
			props, err := graphProperties(s.Region, g, ids.HealthNamespace, byTarget)
			if err != nil {
				return "", err
			}
			add("metric", (i%(gridWidth/graphWidth))*graphWidth, graphWidth, graphHeight, props)
			if i%(gridWidth/graphWidth) == gridWidth/graphWidth-1 || i == len(sec.graphs)-1 {
				y += graphHeight
			}
		}
	}
	var body strings.Builder
	enc := json.NewEncoder(&body)
	// Expressions and labels compare ("credits < 28.8"): kept readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{
		// Each graph keeps its period, whatever the time range: the
		// alarms' periods, against which the lines mean something.
		"periodOverride": "inherit",
		"widgets":        widgets,
	}); err != nil {
		return "", fmt.Errorf("rendering the dashboard: %w", err)
	}
	return strings.TrimSuffix(body.String(), "\n"), nil
}

// graphProperties are a metric widget's properties.
func graphProperties(region string, g graph, healthNamespace string, ids targetIDs[string]) (map[string]any, error) {
	var metrics []any
	for _, s := range g.series {
		if s.expression != "" {
			metrics = append(metrics, []any{map[string]any{"expression": s.expression, "label": s.label, "id": s.id}})
			continue
		}
		namespace := s.namespace
		if s.target == thresholds.TargetApp {
			namespace = healthNamespace
		}
		dims, ok := dimensionsOf(s.target, s.replica, ids)
		if !ok || namespace == "" {
			return nil, fmt.Errorf("rendering the dashboard: graph %q: no namespace or dimensions for %s of target %q", g.title, s.metric, s.target)
		}
		row := []any{namespace, s.metric}
		for _, d := range dims {
			if d.Value == "" {
				return nil, fmt.Errorf("rendering the dashboard: graph %q: no %s for target %q", g.title, d.Name, s.target)
			}
			row = append(row, d.Name, d.Value)
		}
		options := map[string]any{"stat": s.stat, "label": s.label}
		if s.id != "" {
			options["id"] = s.id
		}
		if s.hidden {
			options["visible"] = false
		}
		metrics = append(metrics, append(row, options))
	}
	props := map[string]any{
		"title": g.title, "region": region, "view": "timeSeries", "stacked": false,
		"period": g.period, "metrics": metrics,
		"yAxis": map[string]any{"left": map[string]any{"min": 0}},
	}
	if len(g.lines) > 0 {
		var horizontal []any
		for _, l := range g.lines {
			a := map[string]any{"value": l.value, "label": strings.Join(l.keys, ", ") + l.note}
			if l.fill != "" {
				a["fill"] = l.fill
			}
			horizontal = append(horizontal, a)
		}
		props["annotations"] = map[string]any{"horizontal": horizontal}
	}
	return props, nil
}

// newDashboard registers the dashboard once the IDs its metrics name are
// known: only those of what the deployment has are read (the others may be
// zero-valued outputs), and the alarms' ARNs when they exist.
func newDashboard(ctx *pulumi.Context, name string, args Args, spec DashboardSpec, layout []section, alarmArns pulumi.StringArray, parent pulumi.ResourceOption) (*cloudwatch.Dashboard, error) {
	var inputs []any
	var setters []func(*DashboardIDs, any)
	read := func(in any, set func(*DashboardIDs, any)) {
		inputs, setters = append(inputs, in), append(setters, set)
	}
	str := func(field func(*DashboardIDs) *string) func(*DashboardIDs, any) {
		return func(ids *DashboardIDs, v any) { *field(ids) = v.(string) }
	}
	read(args.HealthNamespace, str(func(ids *DashboardIDs) *string { return &ids.HealthNamespace }))
	read(args.DBInstanceIdentifier, str(func(ids *DashboardIDs) *string { return &ids.DBInstanceIdentifier }))
	if args.App.LoadBalanced() {
		read(args.AutoScalingGroupName, str(func(ids *DashboardIDs) *string { return &ids.AutoScalingGroupName }))
		read(args.LoadBalancerArnSuffix, str(func(ids *DashboardIDs) *string { return &ids.LoadBalancerArnSuffix }))
		read(args.TargetGroupArnSuffix, str(func(ids *DashboardIDs) *string { return &ids.TargetGroupArnSuffix }))
	} else {
		read(args.HostInstanceID, str(func(ids *DashboardIDs) *string { return &ids.HostInstanceID }))
	}
	if args.Database.ReadReplicas > 0 {
		read(args.ReplicaIdentifiers, func(ids *DashboardIDs, v any) { ids.ReplicaIdentifiers = v.([]string) })
	}
	if args.Database.Proxy {
		read(args.ProxyName, str(func(ids *DashboardIDs) *string { return &ids.ProxyName }))
	}
	if len(alarmArns) > 0 {
		read(alarmArns, func(ids *DashboardIDs, v any) { ids.AlarmArns = v.([]string) })
	}
	body := pulumi.All(inputs...).ApplyT(func(vs []any) (string, error) {
		var ids DashboardIDs
		for i, v := range vs {
			setters[i](&ids, v)
		}
		return renderDashboard(spec, layout, ids)
	}).(pulumi.StringOutput)
	d, err := cloudwatch.NewDashboard(ctx, name+"-dashboard", &cloudwatch.DashboardArgs{
		// Named, not auto-named: the name is in the dashboardUrl output.
		DashboardName: pulumi.String(spec.Name),
		DashboardBody: body,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating dashboard: %w", err)
	}
	return d, nil
}
