package hostconf

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReleaseRecordRoundTrips(t *testing.T) {
	settings, err := ContainerSettings{HostPort: 80, ContainerPort: 8080, HealthCheckPath: "/", HealthCheckTimeout: 120,
		HealthCheckInterval: 2, HealthCheckRetries: 10, DrainSeconds: 10, ProxyImage: "caddy:2", SlotPorts: [2]int{18001, 18002},
		ProxyAdminPort: 2019, Environment: map[string]string{"BIG": strings.Repeat("é", 3000)}}.JSON()
	require.NoError(t, err)
	rec := NewReleaseRecord(Release{Image: "r/app:1@sha256:" + strings.Repeat("a", 64), Container: settings}, "db-v1", "app-v1")
	require.True(t, ValidReleaseID(rec.ID), rec.ID)
	text, err := rec.JSON()
	require.NoError(t, err)
	back, err := ParseReleaseRecord(text)
	require.NoError(t, err)
	require.Equal(t, rec.ID, back.ID)
	require.Equal(t, rec.Release(), back.Release())
	require.Equal(t, "db-v1", back.DatabaseSecretVersion)

	// Another secret version is another release.
	require.NotEqual(t, rec.ID, NewReleaseRecord(rec.Release(), "db-v2", "app-v1").ID)

	// A record whose content is not what its ID says is refused.
	_, err = ParseReleaseRecord(strings.Replace(text, "db-v1", "db-v9", 1))
	require.ErrorContains(t, err, "names itself")
	_, err = ParseReleaseRecord("{")
	require.ErrorContains(t, err, "not JSON")
}

func TestReleaseHistory(t *testing.T) {
	entry := func(c string) HistoryEntry {
		return HistoryEntry{ID: strings.Repeat(c, 32), Version: "v-" + c, Image: "r/app@sha256:" + strings.Repeat(c, 64)}
	}
	a, b, c, d := entry("a"), entry("b"), entry("c"), entry("d")
	h, err := ParseReleaseHistory("")
	require.NoError(t, err)
	require.Empty(t, h)
	require.Equal(t, "[]", h.String())
	_, ok := h.Previous(a.ID)
	require.False(t, ok, "nothing rolled out before the first release")

	h = ReleaseHistory{b, a}
	require.Equal(t, ReleaseHistory{c, b, a}, h.After(c, 3))
	require.Equal(t, ReleaseHistory{c, b}, h.After(c, 2), "the oldest goes")
	require.Equal(t, ReleaseHistory{a, b}, h.After(a, 3), "going back to a release moves it first, once")

	// Rolled out: the previous release is the one before it. Not rolled
	// out (a failed release): the one that serves.
	prev, ok := h.Previous(b.ID)
	require.True(t, ok)
	require.Equal(t, a, prev)
	prev, _ = h.Previous(d.ID)
	require.Equal(t, b, prev)

	long := ReleaseHistory{}
	for i := 0; i < 40; i++ {
		long = append(long, entry(string(rune('a'+i%26))))
	}
	fit := long.Fit(HistoryBytes)
	require.LessOrEqual(t, len(fit.String()), HistoryBytes)
	require.Less(t, len(fit), len(long))
	require.Equal(t, long[:len(fit)], fit, "the oldest go")

	back, err := ParseReleaseHistory(h.After(c, 3).String())
	require.NoError(t, err)
	require.Equal(t, ReleaseHistory{c, b, a}, back)
	_, err = ParseReleaseHistory(`[{"id":"not-an-id","version":"1","image":"x"}]`)
	require.ErrorContains(t, err, "not-an-id")
	_, err = ParseReleaseHistory(`{}`)
	require.Error(t, err)
}

func TestReleaseRecordJSON(t *testing.T) {
	rec := NewReleaseRecord(Release{Image: "r/app:1@sha256:" + strings.Repeat("a", 64), Container: `{"hostPort":80,"environment":{"A":"<&>"}}`}, "db-v1", "app-v1")
	text, err := rec.JSON()
	require.NoError(t, err)
	require.Equal(t, `{"id":"`+rec.ID+`","image":"r/app:1@sha256:`+strings.Repeat("a", 64)+`","databaseSecretVersion":"db-v1","appSecretVersion":"app-v1","settings":{"hostPort":80,"environment":{"A":"<&>"}}}`, text,
		"what the host reads: the settings as they are, no HTML escapes")
	rec.Settings = []byte("{")
	_, err = rec.JSON()
	require.Error(t, err)
}
