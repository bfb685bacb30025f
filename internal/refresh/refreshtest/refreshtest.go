// Package refreshtest is a stand-in for as much of the Auto Scaling and
// Elastic Load Balancing APIs as package refresh calls (moto has no
// instance refresh): an HTTP server on loopback that speaks their AWS Query
// protocol, played from a Script, that records every call.
//
// One group, its hosts and their load balancer health are scripted; so are
// the statuses a refresh goes through. Each DescribeInstanceRefreshes that
// lists a refresh shows its next scripted State (the last one repeats), as
// AWS shows a refresh move on between two looks. Like AWS, a refresh that
// shows Successful moves the group to its DesiredConfiguration, and one
// that ends otherwise leaves the group's version alone; only one refresh
// may be active; CancelInstanceRefresh and RollbackInstanceRefresh switch
// the active refresh to its AfterCancel or AfterRollback states.
package refreshtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// State is what one DescribeInstanceRefreshes shows of a refresh.
type State struct {
	Status            string // Pending, InProgress, Successful, RollbackSuccessful, ...
	Percentage        int
	InstancesToUpdate int
	Reason            string // StatusReason
	RollbackReason    string // RollbackDetails.RollbackReason; empty: no RollbackDetails
}

// Refresh scripts one instance refresh.
type Refresh struct {
	// ID is its InstanceRefreshId; empty: "refresh-started" for the one
	// StartInstanceRefresh starts, "refresh-running" for Script.Running.
	ID string
	// TemplateID and Version are its DesiredConfiguration (none when
	// TemplateID is empty). The refresh StartInstanceRefresh starts takes
	// them from the call.
	TemplateID string
	Version    int
	// States are what successive looks show; the last repeats. Empty:
	// InProgress forever.
	States []State
	// AfterCancel are its states once CancelInstanceRefresh is called;
	// empty: Cancelling, then Cancelled.
	AfterCancel []State
	// AfterRollback are its states once RollbackInstanceRefresh is
	// called; empty: RollbackInProgress, then RollbackSuccessful.
	AfterRollback []State
	// RefuseRollback makes RollbackInstanceRefresh answer
	// IrreversibleInstanceRefresh, as AWS does for a refresh it cannot
	// roll back.
	RefuseRollback bool
}

// Instance is one host of the group.
type Instance struct {
	ID string
	// Version is the launch template version it was launched from.
	Version int
	// Health is what successive DescribeTargetHealth calls answer for it;
	// the last repeats. Empty: unused, Target.NotRegistered.
	Health []Health
}

// Health is a target's health in the target group.
type Health struct {
	State, Reason, Description string
}

// Script is what the stand-in plays.
type Script struct {
	// Group is the only group's name; TemplateID and Version the launch
	// template it names at first.
	Group      string
	TemplateID string
	Version    int
	Instances  []Instance
	// TargetGroupArn is the only target group DescribeTargetHealth knows.
	TargetGroupArn string
	// Running is a refresh already in progress, if any.
	Running *Refresh
	// Start is the refresh StartInstanceRefresh starts.
	Start Refresh
	// OnCall, if set, sees each call after it is recorded and before it is
	// answered.
	OnCall func(Call)
}

// Call is one recorded call.
type Call struct {
	Action string
	// Params are the form's parameters, as sent ("Preferences.AutoRollback",
	// "Preferences.CheckpointPercentages.member.1", ...).
	Params url.Values
	// GroupVersion is the launch template version the group named when
	// the call arrived.
	GroupVersion int
}

// Get is parameter key of the call.
func (c Call) Get(key string) string { return c.Params.Get(key) }

// List is the list parameter key (key.member.1, key.member.2, ...).
func (c Call) List(key string) []string {
	var items []string
	for i := 1; c.Params.Has(fmt.Sprintf("%s.member.%d", key, i)); i++ {
		items = append(items, c.Params.Get(fmt.Sprintf("%s.member.%d", key, i)))
	}
	return items
}

// Server is the running stand-in.
type Server struct {
	// URL is its endpoint, on loopback.
	URL string

	mu         sync.Mutex
	script     Script
	templateID string
	version    int
	refreshes  []*refresh // newest first
	calls      []Call
	// healthLooks counts the looks at each host's health.
	healthLooks map[string]int
}

// refresh is a scripted refresh in play.
type refresh struct {
	Refresh
	states []State // the sequence it is in
	next   int     // the index of the state the next look shows
	shown  *State  // the last state shown; nil before the first look
}

// Start starts the stand-in for the test; it stops when the test ends.
func Start(t testing.TB, script Script) *Server {
	s := &Server{script: script, templateID: script.TemplateID, version: script.Version, healthLooks: map[string]int{}}
	if script.Running != nil {
		running := *script.Running
		if running.ID == "" {
			running.ID = "refresh-running"
		}
		s.refreshes = []*refresh{newRefresh(running)}
	}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func newRefresh(r Refresh) *refresh {
	states := r.States
	if len(states) == 0 {
		states = []State{{Status: "InProgress"}}
	}
	return &refresh{Refresh: r, states: states}
}

// Config is an AWS configuration for the SDK's clients that points them at
// the stand-in, with static credentials.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDSTANDIN", "standin-secret", ""),
		BaseEndpoint: aws.String(s.URL),
	}
}

// Calls are the calls recorded so far, all or those of the given actions,
// in order.
func (s *Server) Calls(actions ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var calls []Call
	for _, c := range s.calls {
		if len(actions) == 0 || slices.Contains(actions, c.Action) {
			calls = append(calls, c)
		}
	}
	return calls
}

// Actions are the recorded calls' actions, in order.
func (s *Server) Actions() []string {
	var actions []string
	for _, c := range s.Calls() {
		actions = append(actions, c.Action)
	}
	return actions
}

// GroupVersion is the launch template version the group names now.
func (s *Server) GroupVersion() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

// The APIs' XML namespaces and versions, as the Query protocol names them.
const (
	autoScalingVersion   = "2011-01-01"
	autoScalingNamespace = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
	elbVersion           = "2015-12-01"
	elbNamespace         = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
)

// handlers are the actions the stand-in answers, by API version.
var handlers = map[string]func(*Server, url.Values) (any, *fault){
	"DescribeAutoScalingGroups": (*Server).describeGroups,
	"DescribeInstanceRefreshes": (*Server).describeRefreshes,
	"StartInstanceRefresh":      (*Server).startRefresh,
	"CancelInstanceRefresh":     (*Server).cancelRefresh,
	"RollbackInstanceRefresh":   (*Server).rollbackRefresh,
	"DescribeTargetHealth":      (*Server).describeTargetHealth,
}

// fault is an error answer.
type fault struct{ code, message string }

func (s *Server) serve(w http.ResponseWriter, req *http.Request) {
	if err := req.ParseForm(); err != nil || req.Method != http.MethodPost {
		writeFault(w, autoScalingNamespace, &fault{"MalformedQueryString", fmt.Sprintf("%s %s: %v", req.Method, req.URL, err)})
		return
	}
	params := req.PostForm
	action := params.Get("Action")
	version, namespace := autoScalingVersion, autoScalingNamespace
	if action == "DescribeTargetHealth" {
		version, namespace = elbVersion, elbNamespace
	}
	handle, known := handlers[action]
	if !known || params.Get("Version") != version {
		writeFault(w, namespace, &fault{"InvalidAction", fmt.Sprintf("the stand-in does not answer %s of API version %s", action, params.Get("Version"))})
		return
	}
	s.mu.Lock()
	call := Call{Action: action, Params: params, GroupVersion: s.version}
	s.calls = append(s.calls, call)
	result, f := handle(s, params)
	s.mu.Unlock()
	if s.script.OnCall != nil {
		s.script.OnCall(call)
	}
	if f != nil {
		writeFault(w, namespace, f)
		return
	}
	writeResult(w, namespace, action, result)
}

// group checks that the call names the group.
func (s *Server) group(params url.Values) *fault {
	if name := params.Get("AutoScalingGroupName"); name != s.script.Group {
		return &fault{"ValidationError", fmt.Sprintf("AutoScalingGroup name not found - %s", name)}
	}
	return nil
}

func (s *Server) describeGroups(params url.Values) (any, *fault) {
	names := Call{Params: params}.List("AutoScalingGroupNames")
	var result describeGroupsResult
	if len(names) == 0 || slices.Contains(names, s.script.Group) {
		result.Groups = append(result.Groups, s.xmlGroup())
	}
	return result, nil
}

func (s *Server) describeRefreshes(params url.Values) (any, *fault) {
	if f := s.group(params); f != nil {
		return nil, f
	}
	ids := Call{Params: params}.List("InstanceRefreshIds")
	var result describeRefreshesResult
	for _, r := range s.refreshes {
		if len(ids) > 0 && !slices.Contains(ids, r.ID) {
			continue
		}
		result.Refreshes = append(result.Refreshes, s.xmlRefresh(r, s.look(r)))
	}
	return result, nil
}

// look shows refresh r's next state; a refresh that succeeds moves the
// group to its desired configuration.
func (s *Server) look(r *refresh) State {
	st := r.states[min(r.next, len(r.states)-1)]
	r.next++
	r.shown = &st
	if st.Status == "Successful" && r.TemplateID != "" {
		s.templateID, s.version = r.TemplateID, r.Version
	}
	return st
}

// active is the refresh in progress, if any.
func (s *Server) active() *refresh {
	for _, r := range s.refreshes {
		current := r.states[0]
		if r.shown != nil {
			current = *r.shown
		}
		switch current.Status {
		case "Successful", "Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed":
		default:
			return r
		}
	}
	return nil
}

func (s *Server) startRefresh(params url.Values) (any, *fault) {
	if f := s.group(params); f != nil {
		return nil, f
	}
	if r := s.active(); r != nil {
		return nil, &fault{"InstanceRefreshInProgress", fmt.Sprintf("An Instance Refresh is already in progress and blocks the execution of this Instance Refresh (%s).", r.ID)}
	}
	started := s.script.Start
	if started.ID == "" {
		started.ID = "refresh-started"
	}
	started.TemplateID = params.Get("DesiredConfiguration.LaunchTemplate.LaunchTemplateId")
	started.Version, _ = strconv.Atoi(params.Get("DesiredConfiguration.LaunchTemplate.Version"))
	s.refreshes = append([]*refresh{newRefresh(started)}, s.refreshes...)
	return refreshIDResult{ID: started.ID}, nil
}

func (s *Server) cancelRefresh(params url.Values) (any, *fault) {
	r, f := s.activeOf(params)
	if f != nil {
		return nil, f
	}
	r.turn(r.AfterCancel, []State{{Status: "Cancelling"}, {Status: "Cancelled"}})
	return refreshIDResult{ID: r.ID}, nil
}

func (s *Server) rollbackRefresh(params url.Values) (any, *fault) {
	r, f := s.activeOf(params)
	if f != nil {
		return nil, f
	}
	if r.RefuseRollback {
		return nil, &fault{"IrreversibleInstanceRefresh", "The desired configuration for the rollback can't be determined."}
	}
	r.turn(r.AfterRollback, []State{{Status: "RollbackInProgress"}, {Status: "RollbackSuccessful", Reason: "Rollback started by RollbackInstanceRefresh"}})
	return refreshIDResult{ID: r.ID}, nil
}

// activeOf is the active refresh of the group the call names.
func (s *Server) activeOf(params url.Values) (*refresh, *fault) {
	if f := s.group(params); f != nil {
		return nil, f
	}
	r := s.active()
	if r == nil {
		return nil, &fault{"ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found for Auto Scaling group " + s.script.Group}
	}
	return r, nil
}

// turn sends r through states (or, with none scripted, through dflt) from
// the next look on.
func (r *refresh) turn(states, dflt []State) {
	if len(states) == 0 {
		states = dflt
	}
	r.states, r.next = states, 0
}

func (s *Server) describeTargetHealth(params url.Values) (any, *fault) {
	if arn := params.Get("TargetGroupArn"); arn != s.script.TargetGroupArn || arn == "" {
		return nil, &fault{"TargetGroupNotFound", fmt.Sprintf("Target groups '%s' not found", arn)}
	}
	var result describeTargetHealthResult
	for i := 1; params.Has(fmt.Sprintf("Targets.member.%d.Id", i)); i++ {
		id := params.Get(fmt.Sprintf("Targets.member.%d.Id", i))
		health := Health{State: "unused", Reason: "Target.NotRegistered", Description: "Target is not registered to the target group"}
		for _, in := range s.script.Instances {
			if in.ID == id && len(in.Health) > 0 {
				health = in.Health[min(s.healthLooks[id], len(in.Health)-1)]
				s.healthLooks[id]++
			}
		}
		result.Descriptions = append(result.Descriptions, xmlTargetHealthDescription{
			Target:          xmlTarget{ID: id, Port: 80},
			HealthCheckPort: "80",
			TargetHealth:    xmlTargetHealth(health),
		})
	}
	return result, nil
}
