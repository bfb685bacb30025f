package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Four packages as `go test -json` reports them: a host-layer package
// that ran from 0s to 30s, a unit package beside it with a failed test,
// and two more unit packages long after, one overlapping the other.
const sample = `{"Time":"2026-12-05T10:00:00Z","Action":"start","Package":"github.com/rds-app/rds-app/test/host"}
{"Time":"2026-12-05T10:00:01Z","Action":"run","Package":"github.com/rds-app/rds-app/test/host","Test":"TestSlow"}
{"Time":"2026-12-05T10:00:01Z","Action":"output","Package":"github.com/rds-app/rds-app/test/host","Test":"TestSlow","Output":"=== RUN   TestSlow\n"}
{"Time":"2026-12-05T10:00:29Z","Action":"pass","Package":"github.com/rds-app/rds-app/test/host","Test":"TestSlow","Elapsed":28}
{"Time":"2026-12-05T10:00:30Z","Action":"output","Package":"github.com/rds-app/rds-app/test/host","Output":"ok  \tgithub.com/rds-app/rds-app/test/host\t30.0s\n"}
{"Time":"2026-12-05T10:00:30Z","Action":"pass","Package":"github.com/rds-app/rds-app/test/host","Elapsed":30}
{"Time":"2026-12-05T10:00:02Z","Action":"start","Package":"github.com/rds-app/rds-app/config"}
{"Time":"2026-12-05T10:00:03Z","Action":"run","Package":"github.com/rds-app/rds-app/config","Test":"TestBad"}
{"Time":"2026-12-05T10:00:03Z","Action":"output","Package":"github.com/rds-app/rds-app/config","Test":"TestBad","Output":"    config_test.go:9: want 1, got 2\n"}
{"Time":"2026-12-05T10:00:04Z","Action":"fail","Package":"github.com/rds-app/rds-app/config","Test":"TestBad","Elapsed":1}
{"Time":"2026-12-05T10:00:04Z","Action":"run","Package":"github.com/rds-app/rds-app/config","Test":"TestGood"}
{"Time":"2026-12-05T10:00:04Z","Action":"output","Package":"github.com/rds-app/rds-app/config","Test":"TestGood","Output":"secret detail of a passing test\n"}
{"Time":"2026-12-05T10:00:04Z","Action":"pass","Package":"github.com/rds-app/rds-app/config","Test":"TestGood","Elapsed":0.2}
{"Time":"2026-12-05T10:00:05Z","Action":"output","Package":"github.com/rds-app/rds-app/config","Output":"FAIL\tgithub.com/rds-app/rds-app/config\t3.0s\n"}
{"Time":"2026-12-05T10:00:05Z","Action":"fail","Package":"github.com/rds-app/rds-app/config","Elapsed":3}
{"Time":"2026-12-05T10:01:00Z","Action":"start","Package":"github.com/rds-app/rds-app/network"}
{"Time":"2026-12-05T10:01:01Z","Action":"start","Package":"github.com/rds-app/rds-app/ops"}
{"Time":"2026-12-05T10:01:02Z","Action":"output","Package":"github.com/rds-app/rds-app/network","Output":"ok  \tgithub.com/rds-app/rds-app/network\t2.0s\n"}
{"Time":"2026-12-05T10:01:02Z","Action":"pass","Package":"github.com/rds-app/rds-app/network","Elapsed":2}
{"Time":"2026-12-05T10:01:04Z","Action":"output","Package":"github.com/rds-app/rds-app/ops","Output":"ok  \tgithub.com/rds-app/rds-app/ops\t3.0s\n"}
{"Time":"2026-12-05T10:01:04Z","Action":"pass","Package":"github.com/rds-app/rds-app/ops","Elapsed":3}
`

func TestReportPrintsWhatPlainGoTestPrintsAndTheTimes(t *testing.T) {
	var out bytes.Buffer
	r, err := read(strings.NewReader(sample), &out)
	require.NoError(t, err)
	assert.True(t, r.failed)
	assert.Equal(t, 3, r.tests)
	// A failed test's output and every closing line; nothing of a passing
	// test.
	assert.Equal(t, "ok  \tgithub.com/rds-app/rds-app/test/host\t30.0s\n"+
		"    config_test.go:9: want 1, got 2\n"+
		"FAIL\tgithub.com/rds-app/rds-app/config\t3.0s\n"+
		"ok  \tgithub.com/rds-app/rds-app/network\t2.0s\n"+
		"ok  \tgithub.com/rds-app/rds-app/ops\t3.0s\n", out.String())

	s := r.summary(flagLayers([]string{"format and vet:=12", "host scripts=github.com/rds-app/rds-app/test/host"}), 2)
	assert.Regexp(t, `\| format and vet\s+\|\s+12s \| before the tests`, s)
	assert.Regexp(t, `\| host scripts\s+\|\s+30s \| test/host 30s`, s)
	// 02s-05s, then 60s-64s: 7 s in all, not the 62 s from first to last.
	assert.Regexp(t, `\| unit and mock\s+\|\s+7s \| config 3s, network 2s, ops 3s`, s)
	assert.Contains(t, s, "The 2 slowest tests:\n\n    28.0s  test/host  TestSlow\n     1.0s  config  TestBad\n")
}

func TestNoTestEventIsNoTest(t *testing.T) {
	r, err := read(strings.NewReader("# some build error\n"), &bytes.Buffer{})
	require.NoError(t, err)
	assert.Zero(t, r.tests)
}

// A test that never ended (Go's timeout panicked inside it) shows its
// output when its package fails.
func TestATimedOutTestShowsItsOutput(t *testing.T) {
	const timedOut = `{"Time":"2026-12-05T10:00:00Z","Action":"start","Package":"p"}
{"Time":"2026-12-05T10:00:01Z","Action":"run","Package":"p","Test":"TestHangs"}
{"Time":"2026-12-05T10:10:01Z","Action":"output","Package":"p","Test":"TestHangs","Output":"panic: test timed out after 10m0s\n"}
{"Time":"2026-12-05T10:10:01Z","Action":"output","Package":"p","Output":"FAIL\tp\t600.1s\n"}
{"Time":"2026-12-05T10:10:01Z","Action":"fail","Package":"p","Elapsed":600.1}
`
	var out bytes.Buffer
	r, err := read(strings.NewReader(timedOut), &out)
	require.NoError(t, err)
	assert.True(t, r.failed)
	assert.Equal(t, "FAIL\tp\t600.1s\npanic: test timed out after 10m0s\n", out.String())
}
