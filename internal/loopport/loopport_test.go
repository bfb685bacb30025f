package loopport

import (
	"net"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOutsideTheEphemeralRange(t *testing.T) {
	r, err := Outside(Range{32768, 60999}) // Linux's default
	require.NoError(t, err)
	assert.Equal(t, Range{20000, 32767}, r)

	r, err = Outside(Range{1024, 40000}) // only above is left
	require.NoError(t, err)
	assert.Equal(t, Range{40001, 65535}, r)

	_, err = Outside(Range{1024, 65000})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ip_local_port_range")
}

func TestParseEphemeral(t *testing.T) {
	r, err := ParseEphemeral("32768\t60999\n")
	require.NoError(t, err)
	assert.Equal(t, Range{32768, 60999}, r)
	for _, bad := range []string{"", "32768", "a b", "60999 32768"} {
		_, err := ParseEphemeral(bad)
		assert.Error(t, err, "%q", bad)
	}
}

// pool is a pool over r in dir that takes every port to be free.
func pool(t *testing.T, r Range, dir string) *Pool {
	t.Helper()
	p, err := New(r, dir)
	require.NoError(t, err)
	p.free = func(int) bool { return true }
	return p
}

// Two pools over one directory stand for two test processes: a flock
// belongs to the open file, so they shut each other out as two processes
// would.
func TestPoolsOverOneDirectoryNeverShareAPort(t *testing.T) {
	dir := t.TempDir()
	r := Range{20000, 20009}
	a, b := pool(t, r, dir), pool(t, r, dir)
	seen := map[int]string{}
	for i := range 10 {
		p, name := a, "a"
		if i%2 == 1 {
			p, name = b, "b"
		}
		port, err := p.Next()
		require.NoError(t, err)
		assert.GreaterOrEqual(t, port, r.First)
		assert.LessOrEqual(t, port, r.Last)
		require.NotContains(t, seen, port, "port %d handed to %s after %s", port, name, seen[port])
		seen[port] = name
	}
	_, err := a.Next()
	require.Error(t, err, "all ten ports are held")
	assert.Contains(t, err.Error(), "20000 to 20009")
}

func TestPoolSkipsAPortSomethingListensOn(t *testing.T) {
	r := Range{20000, 20001}
	p := pool(t, r, t.TempDir())
	p.next = r.First
	p.free = func(port int) bool { return port != 20000 }
	port, err := p.Next()
	require.NoError(t, err)
	assert.Equal(t, 20001, port)
	_, err = p.Next()
	assert.Error(t, err, "20000 stays claimed, not handed out later")
}

func TestListenable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	assert.False(t, listenable(port), "a port with a listener")
	require.NoError(t, l.Close())
	assert.True(t, listenable(port), "the same port once closed")
}

func TestPortIsOutsideTheEphemeralRange(t *testing.T) {
	port, err := Port()
	require.NoError(t, err)
	other, err := Port()
	require.NoError(t, err)
	assert.NotEqual(t, port, other)
	eph := fallbackEphemeral
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		eph, err = ParseEphemeral(string(b))
		require.NoError(t, err)
	}
	for _, p := range []int{port, other} {
		assert.True(t, p < eph.First || p > eph.Last, "port %d is in the kernel's ephemeral range %d-%d", p, eph.First, eph.Last)
	}
}
