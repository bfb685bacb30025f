package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressRedrawsOnlyWhenTheStepChanges(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &out, live: true, label: "loading seed.sql", total: 4 << 20, shown: -1}
	data := strings.Repeat("x", 4<<20)
	n, err := io.Copy(io.Discard, progressReader{strings.NewReader(data), p})
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), n)
	p.finish()

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\r")
	assert.Equal(t, "", lines[0])
	assert.LessOrEqual(t, len(lines)-1, 101, "at most one redraw per percent")
	assert.Equal(t, "loading seed.sql: 100% (4.0 MiB of 4.0 MiB)", lines[len(lines)-1])
	assert.True(t, strings.HasSuffix(out.String(), "\n"), "finish ends the line")
}

func TestProgressWithoutTotalCountsMiB(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &out, live: true, label: "dumping app", shown: -1}
	p.set(0)
	p.set(512 << 10) // same MiB: no redraw
	p.set(3 << 20)
	p.finish()
	assert.Equal(t, "\rdumping app: 0.0 MiB\rdumping app: 3.0 MiB\n", out.String())
}

func TestProgressIsSilentOffATerminal(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, "loading seed.sql", 100)
	p.add(50)
	p.add(50)
	p.finish()
	assert.Empty(t, out.String(), "a log gets no progress lines")
}
