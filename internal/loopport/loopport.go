// Package loopport hands out loopback TCP ports for servers that must be
// told their port before they start (moto_server, PostgreSQL, Caddy, a
// registry, the host scripts' slots), and makes sure no two of them, in
// this process or in any other test process on the machine, are handed the
// same one.
//
// Asking the kernel for port 0 and closing the listener is not enough: the
// kernel hands that port out again, to the next listener on port 0 and to
// the local end of any outgoing connection (the AWS CLI's many calls to
// moto make hundreds), before the server that was told it binds it. Two
// tests' servers then meet on one port ("address already in use"). So the
// ports here come from below the kernel's ephemeral range
// (net.ipv4.ip_local_port_range), which the kernel never picks by itself,
// and each one is held by an exclusive flock(2) on a file named after it
// until the process ends: other test processes skip a port whose file is
// locked, and the kernel drops the lock when the process dies, however it
// dies.
package loopport

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Range is the ports Next hands out, first to last, both included.
type Range struct{ First, Last int }

// fallbackEphemeral is Linux's default ephemeral range, for when /proc
// cannot be read.
var fallbackEphemeral = Range{32768, 60999}

// lowest is the first port considered: below it are well-known and
// registered services' ports a developer's machine may run.
const lowest = 20000

// Outside is the range of ports at or above lowest that the ephemeral
// range eph leaves, the larger of the stretch below it and the one above
// it.
func Outside(eph Range) (Range, error) {
	below := Range{lowest, eph.First - 1}
	above := Range{max(eph.Last+1, lowest), 65535}
	r := below
	if above.size() > below.size() {
		r = above
	}
	if r.size() < 1000 {
		return Range{}, fmt.Errorf("the kernel's ephemeral ports %d-%d leave fewer than 1000 ports from %d up for test servers; narrow net.ipv4.ip_local_port_range", eph.First, eph.Last, lowest)
	}
	return r, nil
}

func (r Range) size() int { return r.Last - r.First + 1 }

// ParseEphemeral reads the contents of
// /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999\n").
func ParseEphemeral(s string) (Range, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return Range{}, fmt.Errorf("ip_local_port_range %q: want two ports", s)
	}
	first, err1 := strconv.Atoi(f[0])
	last, err2 := strconv.Atoi(f[1])
	if err := errors.Join(err1, err2); err != nil || first > last {
		return Range{}, fmt.Errorf("ip_local_port_range %q: want two ports, the first not above the second", s)
	}
	return Range{first, last}, nil
}

// Pool hands out ports of one range, each at most once per machine while
// its holder runs. The zero value is not usable; see New.
type Pool struct {
	mu   sync.Mutex
	r    Range
	dir  string
	next int
	held []*os.File
	free func(port int) bool
}

// New is a pool over r that records its claims in lock files in dir
// (created if missing, writable by every user, as /tmp is, so that two
// users' test runs see each other's claims). It starts at a random port
// of r, so that test processes starting together do not all try the same
// ports first.
func New(r Range, dir string) (*Pool, error) {
	if err := os.Mkdir(dir, 0o700); err == nil {
		err = os.Chmod(dir, 0o777|os.ModeSticky)
		if err != nil {
			return nil, fmt.Errorf("the port lock directory: %w", err)
		}
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("the port lock directory: %w", err)
	}
	return &Pool{r: r, dir: dir, next: r.First + rand.IntN(r.size()), free: listenable}, nil
}

// Next is a port of the pool's range that no other caller of any Pool
// over the same dir holds, and that nothing listens on now. The port stays
// claimed until the process ends.
func (p *Pool) Next() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range p.r.size() {
		port := p.next
		p.next++
		if p.next > p.r.Last {
			p.next = p.r.First
		}
		f, err := p.claim(port)
		if err != nil {
			return 0, err
		}
		if f == nil {
			continue
		}
		// A port something outside our tests listens on stays claimed
		// too, so that no one here tries it again.
		p.held = append(p.held, f)
		if p.free(port) {
			return port, nil
		}
	}
	return 0, fmt.Errorf("every loopback port from %d to %d is taken; stop other test runs or raise net.ipv4.ip_local_port_range's first port", p.r.First, p.r.Last)
}

// claim locks port's file: nil when another holder has it.
func (p *Pool) claim(port int) (*os.File, error) {
	// Read access is all flock needs, so another user's file will do.
	f, err := os.OpenFile(filepath.Join(p.dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDONLY, 0o644)
	if errors.Is(err, os.ErrPermission) {
		return nil, nil // a file another user made and we may not read
	}
	if err != nil {
		return nil, fmt.Errorf("the lock file for port %d: %w", port, err)
	}
	// A flock belongs to the open file, so a second open in this process
	// is refused as well.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil
		}
		return nil, fmt.Errorf("locking port %d's file: %w", port, err)
	}
	return f, nil
}

// listenable reports whether a listener can bind 127.0.0.1:port now.
func listenable(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// machinePool is the pool Port hands out from, made on first use.
var machinePool = sync.OnceValues(func() (*Pool, error) {
	eph := fallbackEphemeral
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if eph, err = ParseEphemeral(string(b)); err != nil {
			return nil, err
		}
	}
	r, err := Outside(eph)
	if err != nil {
		return nil, err
	}
	return New(r, filepath.Join(os.TempDir(), "rds-app-ports"))
})

// Port is a loopback port for a server to be told, from the machine's
// pool: below the kernel's ephemeral range and claimed by no other test
// process.
func Port() (int, error) {
	p, err := machinePool()
	if err != nil {
		return 0, err
	}
	return p.Next()
}
