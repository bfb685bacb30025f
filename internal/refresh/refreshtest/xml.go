package refreshtest

// The answers' XML, in the shapes the SDK's Query deserializers read:
// <ActionResponse xmlns=...><ActionResult>...</ActionResult>
// <ResponseMetadata>...</ResponseMetadata></ActionResponse>, lists as
// <member> elements, errors as <ErrorResponse><Error><Code>.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
)

// startTime is every scripted refresh's and the group's creation time.
const startTime = "2026-01-01T00:00:00.000Z"

type xmlLaunchTemplate struct {
	LaunchTemplateID   string `xml:"LaunchTemplateId"`
	LaunchTemplateName string
	Version            string
}

type xmlInstance struct {
	InstanceID           string `xml:"InstanceId"`
	InstanceType         string
	AvailabilityZone     string
	LifecycleState       string
	HealthStatus         string
	LaunchTemplate       xmlLaunchTemplate
	ProtectedFromScaleIn bool
}

type xmlGroup struct {
	AutoScalingGroupName string
	AutoScalingGroupARN  string
	LaunchTemplate       xmlLaunchTemplate
	MinSize              int
	MaxSize              int
	DesiredCapacity      int
	DefaultCooldown      int
	AvailabilityZones    []string `xml:"AvailabilityZones>member"`
	HealthCheckType      string
	CreatedTime          string
	Instances            []xmlInstance `xml:"Instances>member"`
}

type describeGroupsResult struct {
	Groups []xmlGroup `xml:"AutoScalingGroups>member"`
}

type xmlDesiredConfiguration struct {
	LaunchTemplate xmlLaunchTemplate
}

type xmlRollbackDetails struct {
	RollbackReason    string
	RollbackStartTime string
}

type xmlRefresh struct {
	InstanceRefreshID    string `xml:"InstanceRefreshId"`
	AutoScalingGroupName string
	Status               string
	StatusReason         string `xml:",omitempty"`
	StartTime            string
	PercentageComplete   int
	InstancesToUpdate    int
	DesiredConfiguration *xmlDesiredConfiguration `xml:",omitempty"`
	RollbackDetails      *xmlRollbackDetails      `xml:",omitempty"`
}

type describeRefreshesResult struct {
	Refreshes []xmlRefresh `xml:"InstanceRefreshes>member"`
}

type refreshIDResult struct {
	ID string `xml:"InstanceRefreshId"`
}

type xmlTarget struct {
	ID   string `xml:"Id"`
	Port int
}

type xmlTargetHealth struct {
	State       string
	Reason      string `xml:",omitempty"`
	Description string `xml:",omitempty"`
}

type xmlTargetHealthDescription struct {
	Target          xmlTarget
	HealthCheckPort string
	TargetHealth    xmlTargetHealth
}

type describeTargetHealthResult struct {
	Descriptions []xmlTargetHealthDescription `xml:"TargetHealthDescriptions>member"`
}

func (s *Server) launchTemplate(templateID string, version int) xmlLaunchTemplate {
	return xmlLaunchTemplate{LaunchTemplateID: templateID, LaunchTemplateName: s.script.Group + "-template", Version: strconv.Itoa(version)}
}

func (s *Server) xmlGroup() xmlGroup {
	g := xmlGroup{
		AutoScalingGroupName: s.script.Group,
		AutoScalingGroupARN:  "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:standin:autoScalingGroupName/" + s.script.Group,
		LaunchTemplate:       s.launchTemplate(s.templateID, s.version),
		MinSize:              len(s.script.Instances),
		MaxSize:              2 * len(s.script.Instances),
		DesiredCapacity:      len(s.script.Instances),
		DefaultCooldown:      300,
		AvailabilityZones:    []string{"us-east-1a", "us-east-1b"},
		HealthCheckType:      "ELB",
		CreatedTime:          startTime,
	}
	for _, in := range s.script.Instances {
		g.Instances = append(g.Instances, xmlInstance{
			InstanceID:       in.ID,
			InstanceType:     "t4g.small",
			AvailabilityZone: "us-east-1a",
			LifecycleState:   "InService",
			HealthStatus:     "Healthy",
			LaunchTemplate:   s.launchTemplate(s.script.TemplateID, in.Version),
		})
	}
	return g
}

func (s *Server) xmlRefresh(r *refresh, st State) xmlRefresh {
	x := xmlRefresh{
		InstanceRefreshID:    r.ID,
		AutoScalingGroupName: s.script.Group,
		Status:               st.Status,
		StatusReason:         st.Reason,
		StartTime:            startTime,
		PercentageComplete:   st.Percentage,
		InstancesToUpdate:    st.InstancesToUpdate,
	}
	if r.TemplateID != "" {
		x.DesiredConfiguration = &xmlDesiredConfiguration{LaunchTemplate: s.launchTemplate(r.TemplateID, r.Version)}
	}
	if st.RollbackReason != "" {
		x.RollbackDetails = &xmlRollbackDetails{RollbackReason: st.RollbackReason, RollbackStartTime: startTime}
	}
	return x
}

// writeResult answers action with result.
func writeResult(w http.ResponseWriter, namespace, action string, result any) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, action, namespace)
	if err := xml.NewEncoder(&b).EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
		writeFault(w, namespace, &fault{"InternalFailure", err.Error()})
		return
	}
	fmt.Fprintf(&b, `<ResponseMetadata><RequestId>standin</RequestId></ResponseMetadata></%sResponse>`, action)
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(b.Bytes())
}

// writeFault answers with an error, as a client's fault (400).
func writeFault(w http.ResponseWriter, namespace string, f *fault) {
	var message bytes.Buffer
	_ = xml.EscapeText(&message, []byte(f.message))
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `%s<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>standin</RequestId></ErrorResponse>`,
		xml.Header, namespace, f.code, message.String())
}
