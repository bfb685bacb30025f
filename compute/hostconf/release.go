package hostconf

// Release records: pure Go, no Pulumi types. A release is the image (with
// its digest), the container settings and the versions of both secrets,
// stored as one JSON object (ReleaseRecord), the stack's release record
// (ReleaseKey in the stack's release bucket). The bucket keeps every
// version of it: a version is never changed, so a version ID names one
// release for good, and a lifecycle rule deletes all but the newest
// app.releasesKept versions.
//
// A host boots exactly one release: in an Auto Scaling group the version
// its launch template version names (the instance tag ReleaseTag, read from
// the instance metadata), on a single host the newest. The stack's release
// history (ReleaseHistory) lists the releases that rolled out, newest
// first: a rollback goes back to one of them.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// ReleaseHistoryName is the SSM parameter listing the releases that rolled
// out, newest first (ReleaseHistory).
func ReleaseHistoryName(prefix string) string { return prefix + "/release-history" }

// releaseIDRE is what ReleaseDigest gives: 32 lower-case hex digits.
var releaseIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ValidReleaseID says whether id can name a release.
func ValidReleaseID(id string) bool { return releaseIDRE.MatchString(id) }

// ReleaseRecord is what a host reads to run a release.
type ReleaseRecord struct {
	// ID is ReleaseDigest of the rest.
	ID string `json:"id"`
	// Image is the image, with its digest.
	Image string `json:"image"`
	// DatabaseSecretVersion and AppSecretVersion are the versions of the
	// secrets the container gets, read by version ID.
	DatabaseSecretVersion string `json:"databaseSecretVersion"`
	AppSecretVersion      string `json:"appSecretVersion"`
	// Settings are the container settings (ContainerSettings.JSON).
	Settings json.RawMessage `json:"settings"`
}

// NewReleaseRecord is the record of a release with these secret versions.
func NewReleaseRecord(r Release, databaseSecretVersion, appSecretVersion string) ReleaseRecord {
	return ReleaseRecord{
		ID:                    ReleaseDigest(r, databaseSecretVersion, appSecretVersion),
		Image:                 r.Image,
		DatabaseSecretVersion: databaseSecretVersion,
		AppSecretVersion:      appSecretVersion,
		Settings:              json.RawMessage(r.Container),
	}
}

// Release is the release the record holds.
func (r ReleaseRecord) Release() Release {
	return Release{Image: r.Image, Container: string(r.Settings)}
}

// ParseReleaseRecord reads a record back from its JSON, and checks that it
// names itself.
func ParseReleaseRecord(text string) (ReleaseRecord, error) {
	var r ReleaseRecord
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		return ReleaseRecord{}, fmt.Errorf("the release record is not JSON: %w", err)
	}
	if want := ReleaseDigest(r.Release(), r.DatabaseSecretVersion, r.AppSecretVersion); r.ID != want {
		return ReleaseRecord{}, fmt.Errorf("the release record names itself %q, but holds release %s", r.ID, want)
	}
	return r, nil
}

// ReleaseDigest is a release's ID: a digest of the image, the container
// settings and both secrets' version IDs (none of them secret).
func ReleaseDigest(r Release, databaseSecretVersion, appSecretVersion string) string {
	// A JSON array: no choice of values can make two releases read alike.
	text, err := json.Marshal([]string{r.Image, r.Container, databaseSecretVersion, appSecretVersion})
	if err != nil {
		panic(err) // strings always marshal
	}
	sum := sha256.Sum256(text)
	return hex.EncodeToString(sum[:16])
}

// ReleaseKey is the release record's key in the release bucket.
const ReleaseKey = "release.json"

// JSON is the record as the host reads it.
func (r ReleaseRecord) JSON() (string, error) {
	if !json.Valid(r.Settings) {
		return "", fmt.Errorf("release %s: the container settings are not JSON", r.ID)
	}
	return compactJSON(r)
}

// HistoryEntry is a release that rolled out: its ID, the version of the
// release record that holds it, and its image.
type HistoryEntry struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Image   string `json:"image"`
}

// Map is the entry as a stack output.
func (e HistoryEntry) Map() map[string]string {
	return map[string]string{"id": e.ID, "version": e.Version, "image": e.Image}
}

// ReleaseHistory is the releases that rolled out, newest first.
type ReleaseHistory []HistoryEntry

// ParseReleaseHistory reads the release history parameter's value; an
// empty value is an empty history.
func ParseReleaseHistory(value string) (ReleaseHistory, error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil
	}
	var h ReleaseHistory
	if err := json.Unmarshal([]byte(value), &h); err != nil {
		return nil, fmt.Errorf("the release history is not a JSON list of releases: %w", err)
	}
	for _, e := range h {
		if !ValidReleaseID(e.ID) || e.Version == "" || e.Image == "" {
			return nil, fmt.Errorf("the release history lists %+v, which is not a release", e)
		}
	}
	return h, nil
}

// After is the history once release e has rolled out: e first, then the
// others in their order, at most keep in all.
func (h ReleaseHistory) After(e HistoryEntry, keep int) ReleaseHistory {
	out := ReleaseHistory{e}
	for _, old := range h {
		if len(out) >= keep {
			break
		}
		if old.ID != e.ID {
			out = append(out, old)
		}
	}
	return out
}

// HistoryBytes is the most the history parameter holds: a standard SSM
// parameter's 4 KB.
const HistoryBytes = 4096

// Fit is h without its oldest releases, as many as it takes to fit max
// bytes (the newest always stays).
func (h ReleaseHistory) Fit(max int) ReleaseHistory {
	for len(h) > 1 && len(h.String()) > max {
		h = h[:len(h)-1]
	}
	return h
}

// String is the parameter's value.
func (h ReleaseHistory) String() string {
	if h == nil {
		h = ReleaseHistory{}
	}
	b, err := json.Marshal(h)
	if err != nil {
		panic(err) // strings always marshal
	}
	return string(b)
}

// Previous is the release a rollback from the configured release (ID
// current) goes back to: the newest release that rolled out before it.
// When current has not rolled out (its rollout failed, or is under way),
// that is the one that serves now. ok is false when there is none.
func (h ReleaseHistory) Previous(current string) (e HistoryEntry, ok bool) {
	for _, e := range h {
		if e.ID != current {
			return e, true
		}
	}
	return HistoryEntry{}, false
}
