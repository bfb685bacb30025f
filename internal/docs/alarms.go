package docs

// The manual's alarm table: every alarm thresholds.Alarms derives, with its formula
// and its threshold in each shipped stack.

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rds-app/rds-app/config"
	"github.com/rds-app/rds-app/ops/thresholds"
)

// stackConfig parses a shipped stack's configuration the way the program
// does. The image is replaced by a public one: prod ships a placeholder the
// program refuses, and no threshold depends on the image.
func stackConfig(sections map[string]map[string]any) (*config.Config, error) {
	values := map[string]string{}
	for section, v := range sections {
		if section == config.SectionApp {
			copied := map[string]any{}
			for k, val := range v {
				copied[k] = val
			}
			copied["image"] = "public.ecr.aws/docker/library/nginx:stable-alpine"
			v = copied
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		values[project+":"+section] = string(b)
	}
	return config.Parse(project, config.Source{Values: values}, config.Facts{})
}

var comparisonSymbols = map[string]string{
	"GreaterThanThreshold":          ">",
	"GreaterThanOrEqualToThreshold": "≥",
	"LessThanThreshold":             "<",
}

// everyMode is a stack's deployment with every feature that adds alarms
// turned on (hosts behind a load balancer, a read replica, the proxy, and
// burstable sizes for the credit alarms), so the table lists every alarm
// the program can create, also those of modes no shipped stack uses.
func everyMode(d thresholds.Deployment) thresholds.Deployment {
	d.App.Hosts, d.App.Scaling = 2, nil
	d.Database.ReadReplicas, d.Database.Proxy = 1, true
	d.Database.InstanceClass, d.App.InstanceType = "db.t4g.micro", "t4g.micro"
	return d
}

// AlarmTable renders the alarms of the stacks (in column order), each
// given its sections' values as the stack file sets them, then the alarms
// of the modes none of them uses, as rows whose cells say where they exist.
func AlarmTable(stacks []string, values map[string]map[string]map[string]any) (string, error) {
	perStack := map[string]map[string]thresholds.Alarm{}
	var order []thresholds.Alarm
	seen := map[string]bool{}
	add := func(alarms []thresholds.Alarm) {
		for _, a := range alarms {
			if !seen[a.Key] {
				seen[a.Key] = true
				order = append(order, a)
			}
		}
	}
	var last thresholds.Deployment
	for _, stack := range stacks {
		cfg, err := stackConfig(values[stack])
		if err != nil {
			return "", fmt.Errorf("reading stack %s: %w", stack, err)
		}
		last = thresholds.Deployment{Database: cfg.Database, App: cfg.App}
		alarms, err := thresholds.Alarms(last)
		if err != nil {
			return "", fmt.Errorf("stack %s: %w", stack, err)
		}
		perStack[stack] = map[string]thresholds.Alarm{}
		for _, a := range alarms {
			perStack[stack][a.Key] = a
		}
		add(alarms)
	}
	others, err := thresholds.Alarms(everyMode(last))
	if err != nil {
		return "", fmt.Errorf("every mode: %w", err)
	}
	add(others)
	var b strings.Builder
	b.WriteString("| Alarm | Metric | Fires when | Threshold formula | ")
	b.WriteString(strings.Join(stacks, " | "))
	b.WriteString(" | Then |\n| --- | --- | --- | --- |")
	for range stacks {
		b.WriteString(" --- |")
	}
	b.WriteString(" --- |\n")
	for _, a := range order {
		metric := "`" + a.Metric + "`"
		namespace := a.Namespace
		if a.Target == thresholds.TargetApp {
			namespace = "rds-app/&lt;stack&gt;"
		}
		if len(a.Queries) > 0 {
			var names []string
			for _, q := range a.Queries {
				if q.Metric != "" {
					names = append(names, "`"+q.Metric+"`")
				}
			}
			metric = strings.Join(names, " and ")
		}
		minutes := a.DatapointsToAlarm * a.Period / 60
		statistic := strings.ToLower(a.Statistic)
		if a.ExtendedStatistic != "" {
			statistic = a.ExtendedStatistic
		}
		when := fmt.Sprintf("%s %s threshold for %d minutes", statistic, comparisonSymbols[a.Comparison], minutes)
		switch {
		case a.Measure != "":
			when = fmt.Sprintf("%s %s threshold for %d minutes", a.Measure, comparisonSymbols[a.Comparison], minutes)
		case len(a.Queries) > 0:
			when = fmt.Sprintf("both hold for %d minutes", minutes)
		}
		if a.TreatMissingData == "breaching" {
			when += ", or no report"
		}
		then := "notifies the topic"
		switch a.EC2Action {
		case thresholds.ActionRecover:
			then = "**EC2 recovers the host** onto other hardware, and notifies"
		case thresholds.ActionReboot:
			then = "**EC2 reboots the host**, and notifies"
		}
		fmt.Fprintf(&b, "| `%s` | %s %s | %s | %s |", a.Key, namespace, metric, when, a.Formula)
		for _, stack := range stacks {
			if s, ok := perStack[stack][a.Key]; ok {
				fmt.Fprintf(&b, " %s |", s.Value)
			} else {
				fmt.Fprintf(&b, " — (%s) |", a.Only)
			}
		}
		fmt.Fprintf(&b, " %s |\n", then)
	}
	return b.String(), nil
}
