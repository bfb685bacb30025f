package realprovider

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rds-app/rds-app/internal/procgroup"
)

// SharedProvider is one terraform-provider-aws process, started in the
// provider's own debug mode, that many Terraform commands attach to
// (TF_REATTACH_PROVIDERS) instead of each starting the provider: loading a
// 700 MB provider and building its schema is about half of what a plan
// costs. Terraform's debug workflow is made for this: the provider serves
// every command, and a command does not stop it.
type SharedProvider struct {
	// Reattach is TF_REATTACH_PROVIDERS for a Terraform command.
	Reattach string
	cmd      *exec.Cmd
}

// StartSharedProvider starts the provider tf's directory installed (Init
// has run), for tf's endpoint.
func (tf *Terraform) StartSharedProvider(ctx context.Context) (*SharedProvider, error) {
	bins, err := filepath.Glob(filepath.Join(tf.Dir, ".terraform/providers/registry.terraform.io/hashicorp/aws", ProviderVersion, "*", "terraform-provider-aws*"))
	if err != nil || len(bins) == 0 {
		return nil, fmt.Errorf("finding the installed provider in %s (run Init first): %v", tf.Dir, err)
	}
	cmd := exec.CommandContext(ctx, bins[0], "-debug")
	cmd.Dir = tf.Dir
	// The provider reads the endpoint from its own environment. Configured
	// a second time in one process, it fails to add AWS_CA_BUNDLE's roots
	// to the client it already wrapped ("unable to add custom RootCAs
	// HTTPClient"); the emulator is plain HTTP and needs none.
	for _, kv := range tf.env() {
		if !strings.HasPrefix(kv, "AWS_CA_BUNDLE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	procgroup.Own(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the provider in debug mode: %w", err)
	}
	procgroup.Report(cmd)
	p := &SharedProvider{cmd: cmd}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if v, ok := strings.CutPrefix(line, "TF_REATTACH_PROVIDERS='"); ok && !sent {
				found <- strings.TrimSuffix(v, "'")
				sent = true
			}
		}
		// Keep reading until the provider exits, so that it never blocks
		// on a full pipe.
		_, _ = io.Copy(io.Discard, stdout)
		if !sent {
			close(found)
		}
	}()
	select {
	case v, ok := <-found:
		if !ok || v == "" {
			p.Stop()
			return nil, errors.New("the provider in debug mode printed no TF_REATTACH_PROVIDERS")
		}
		p.Reattach = v
		return p, nil
	case <-time.After(2 * time.Minute):
		p.Stop()
		return nil, errors.New("the provider in debug mode did not start within 2 minutes")
	}
}

// Stop ends the provider.
func (p *SharedProvider) Stop() {
	if p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}
