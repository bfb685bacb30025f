package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rds-app/rds-app/internal/awsfacts"
)

// ssmDocument is the Session Manager document that forwards a local port
// through the managed host to another host's port.
const ssmDocument = "AWS-StartPortForwardingSessionToRemoteHost"

const (
	// tunnelOpenTimeout bounds the wait for the local port to accept
	// connections; a session normally opens in a few seconds.
	tunnelOpenTimeout = 60 * time.Second
	// tunnelStopGrace is how long the session gets to end after SIGTERM
	// before it is killed.
	tunnelStopGrace = 5 * time.Second
	// tunnelOutputLimit keeps the session's last output for error messages;
	// the plugin writes a line for every connection.
	tunnelOutputLimit = 16 << 10
)

const installSessionManagerPlugin = "install the Session Manager plugin: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html (macOS: brew install --cask session-manager-plugin)"

// A tunnel forwards a loopback port to the database until closed.
type tunnel interface {
	// LocalPort is the loopback port that reaches the database.
	LocalPort() int
	// Done is closed when the tunnel ends by itself.
	Done() <-chan struct{}
	// Close ends the tunnel and returns why it had ended, if it ended by
	// itself.
	Close() error
}

// tunnelTarget is what a tunnel connects.
type tunnelTarget struct {
	Region     string
	InstanceID string
	// Host and RemotePort are the database endpoint, as seen from the host.
	Host       string
	RemotePort int
	// LocalPort is the loopback port to listen on; 0 picks a free one.
	LocalPort int
}

func newTunnelTarget(out stackOutputs, localPort int) tunnelTarget {
	return tunnelTarget{Region: out.Region, InstanceID: out.InstanceID, Host: out.DBEndpoint, RemotePort: out.DBPort, LocalPort: localPort}
}

// ssmStartSessionArgs is the aws command line that opens the tunnel. The
// parameters are JSON rather than the key=value shorthand, so that no value
// can be split at a comma.
func ssmStartSessionArgs(t tunnelTarget) []string {
	params, _ := json.Marshal(map[string][]string{ // a map of strings always marshals
		"host":            {t.Host},
		"portNumber":      {strconv.Itoa(t.RemotePort)},
		"localPortNumber": {strconv.Itoa(t.LocalPort)},
	})
	return []string{"ssm", "start-session",
		"--region", t.Region,
		"--target", t.InstanceID,
		"--document-name", ssmDocument,
		"--parameters", string(params)}
}

// openSSMTunnel is the production tunnel: `aws ssm start-session` with the
// port-forwarding document, in a process group of its own so that Ctrl-C
// at the terminal reaches psql, not the session, and so that stopping it
// stops the Session Manager plugin it starts.
func (a *app) openSSMTunnel(ctx context.Context, t tunnelTarget) (tunnel, error) {
	awsPath, err := a.lookPath("aws")
	if err != nil {
		return nil, errors.New("the AWS CLI is not installed: " + installAWSCLI)
	}
	if _, err := a.lookPath("session-manager-plugin"); err != nil {
		return nil, errors.New("session-manager-plugin is not installed, and the tunnel needs it: " + installSessionManagerPlugin)
	}
	if t.LocalPort == 0 {
		if t.LocalPort, err = freeLoopbackPort(); err != nil {
			return nil, fmt.Errorf("choosing a local port for the tunnel: %w", err)
		}
	}
	cmd := exec.Command(awsPath, ssmStartSessionArgs(t)...)
	out := &tailBuffer{limit: tunnelOutputLimit}
	cmd.Stdout, cmd.Stderr = out, out
	ownProcessGroup(cmd)
	a.observe(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the tunnel (aws ssm start-session): %w", err)
	}
	s := &ssmTunnel{target: t, cmd: cmd, output: out, done: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitOpen(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// ssmTunnel is a running `aws ssm start-session`.
type ssmTunnel struct {
	target  tunnelTarget
	cmd     *exec.Cmd
	output  *tailBuffer
	done    chan struct{}
	waitErr error // set before done is closed

	closeOnce sync.Once
	closeErr  error
}

func (s *ssmTunnel) LocalPort() int        { return s.target.LocalPort }
func (s *ssmTunnel) Done() <-chan struct{} { return s.done }

// waitOpen returns once the local port accepts a connection, or with why
// it never will.
func (s *ssmTunnel) waitOpen(ctx context.Context) error {
	deadline := time.NewTimer(tunnelOpenTimeout)
	defer deadline.Stop()
	addr := net.JoinHostPort(tunnelAddr, strconv.Itoa(s.target.LocalPort))
	for {
		var d net.Dialer
		dialCtx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := d.DialContext(dialCtx, "tcp", addr)
		cancel()
		if err == nil {
			_ = conn.Close()
			return nil
		}
		select {
		case <-s.done:
			return tunnelError(s.target, s.output.String(), s.waitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("the tunnel through %s did not open %s within %s: %s",
				s.target.InstanceID, addr, tunnelOpenTimeout, lastLines(s.output.String(), 5))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Close stops the session: SIGTERM to its process group, then SIGKILL if
// it has not ended within tunnelStopGrace.
func (s *ssmTunnel) Close() error {
	s.closeOnce.Do(func() {
		select {
		case <-s.done:
			s.closeErr = tunnelError(s.target, s.output.String(), s.waitErr)
			return
		default:
		}
		_ = signalGroup(s.cmd.Process, sigTerm)
		select {
		case <-s.done:
		case <-time.After(tunnelStopGrace):
			_ = signalGroup(s.cmd.Process, sigKill)
			<-s.done
		}
	})
	return s.closeErr
}

// tunnelError explains a session that ended (or never started) by itself.
func tunnelError(t tunnelTarget, output string, waitErr error) error {
	switch {
	case strings.Contains(output, "TargetNotConnected"):
		return fmt.Errorf("the tunnel failed: host %s is not connected to Session Manager. It is not SSM-managed yet (its agent registers a few minutes after boot) or it is stopped; `aws ssm describe-instance-information --region %s` lists the hosts that are",
			t.InstanceID, t.Region)
	case strings.Contains(output, "SessionManagerPlugin is not found"):
		return errors.New("the tunnel failed: the AWS CLI cannot find the Session Manager plugin: " + installSessionManagerPlugin)
	case strings.Contains(output, "AccessDeniedException"):
		return fmt.Errorf("the tunnel failed: not allowed to start a session (your AWS identity needs ssm:StartSession on %s and on the document %s): %s",
			t.InstanceID, ssmDocument, lastLines(output, 3))
	case credentialsProblem(output):
		return fmt.Errorf("the tunnel failed: %s: %s", noCredentials, lastLines(output, 3))
	}
	why := lastLines(output, 5)
	if why == "" && waitErr != nil {
		why = waitErr.Error()
	}
	return fmt.Errorf("the tunnel through %s to %s:%d ended: %s", t.InstanceID, t.Host, t.RemotePort, why)
}

// freeLoopbackPort asks the kernel for a port that is free now. Another
// program could take it before the plugin listens; the tunnel would then
// fail to open, and say so.
func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(tunnelAddr, "0"))
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// tailBuffer keeps the last limit bytes written to it; the session writes
// from its own goroutines.
type tailBuffer struct {
	mu    sync.Mutex
	limit int
	buf   []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.limit; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// lastLines is the last n non-empty lines of s, joined by " / ".
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

// hostInServiceArgs is the aws command line that prints the ID of one of
// the group's hosts in service.
func hostInServiceArgs(group, region string) []string {
	return []string{"autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", group, "--region", region,
		"--query", awsfacts.InServiceHostQuery, "--output", "text"}
}

// hostInService finds the host a tunnel goes through when the application
// runs in an Auto Scaling group: any host in service will do, as each
// reaches the database.
func (a *app) hostInService(ctx context.Context, out stackOutputs) (string, error) {
	stdout, stderr, err := a.capture(ctx, "", nil, "aws", hostInServiceArgs(out.AutoScalingGroup, out.Region)...)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", errors.New("the AWS CLI is not installed: " + installAWSCLI)
		}
		return "", fmt.Errorf("finding a host of the Auto Scaling group %q: %s", out.AutoScalingGroup, strings.TrimSpace(stderr))
	}
	id := strings.TrimSpace(string(stdout))
	if id == "" || id == "None" {
		return "", fmt.Errorf("the Auto Scaling group %q has no host in service to reach the database through; "+
			"see `aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names %s --region %s` (a first deploy or an instance refresh may still be starting them)",
			out.AutoScalingGroup, out.AutoScalingGroup, out.Region)
	}
	return id, nil
}
