// Package motoserver starts moto_server, the AWS API emulator, on a
// loopback port and waits until it answers: for rds-app-rehearse and for
// the tests (through internal/testenv). It links nothing of Pulumi, so a
// test that needs only the emulator stays cheap to build.
package motoserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/rds-app/rds-app/internal/loopport"
	"github.com/rds-app/rds-app/internal/procgroup"
)

// Server is a moto_server on a free loopback port.
type Server struct {
	URL    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// errExited: the server ended before it answered, most likely because a
// process outside the tests (loopport keeps theirs apart) took the port
// between loopport's check and moto's bind.
var errExited = errors.New("moto_server exited before it answered")

// Start starts bin (moto_server) on 127.0.0.1 and waits until it
// answers; a server that exits first is tried again on another port.
func Start(ctx context.Context, bin string, log io.Writer) (*Server, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var m *Server
		if m, err = start(ctx, bin, log); err == nil {
			return m, nil
		}
		if !errors.Is(err, errExited) || ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

func start(ctx context.Context, bin string, log io.Writer) (*Server, error) {
	port, err := loopport.Port()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	// AWS managed policies (AmazonSSMManagedInstanceCore) exist in every
	// account; moto loads them only when asked.
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.Stdout, cmd.Stderr = log, log
	procgroup.Own(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto_server: %w", err)
	}
	procgroup.Report(cmd)
	m := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(m.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(m.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return m, nil
		}
		select {
		case <-m.exited:
			return nil, fmt.Errorf("%w on %s: %v", errExited, m.URL, err)
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			m.Stop()
			return nil, fmt.Errorf("moto_server did not answer on %s: %w", m.URL, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// PID is the server's process ID.
func (m *Server) PID() int { return m.cmd.Process.Pid }

// Stop ends the server.
func (m *Server) Stop() {
	_ = procgroup.Kill(m.cmd)
	<-m.exited
}
