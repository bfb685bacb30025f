package compute

// Release records: pure Go, no Pulumi types. A release is the image (with
// its digest), the container settings and the versions of both secrets,
// stored once under its own name, /rds-app/<stack>/releases/<id>, in
// pieces like the settings were (SettingsPieces). The ID is a digest of
// the content, so a name always holds the same release: a record is never
// changed, only created and, once it is no longer kept, deleted.
//
// A host boots exactly one release: in an Auto Scaling group the one its
// launch template version names (the instance tag ReleaseTag, read from
// the instance metadata), on a single host the one the release parameter
// names. The stack keeps the releases that rolled out last
// (app.releasesKept, the release history) and the one configured.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// ReleasesPath is the SSM path under which the release records are kept
// ("/rds-app/dev/releases").
func ReleasesPath(prefix string) string { return prefix + "/releases" }

// ReleasePath is the SSM path of one release's record pieces.
func ReleasePath(prefix, id string) string { return ReleasesPath(prefix) + "/" + id }

// ReleasePieceName is the SSM parameter holding piece i of a release's
// record.
func ReleasePieceName(prefix, id string, i int) string {
	return fmt.Sprintf("%s/%03d", ReleasePath(prefix, id), i)
}

// ReleaseParameterName is the SSM parameter naming the release a single
// host runs: its rollout deploys it, and it boots it.
func ReleaseParameterName(prefix string) string { return prefix + "/release" }

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

// Pieces is the record as the values of its SSM parameters: JSON, split
// as the settings are (SettingsPieces), the first piece counting them.
func (r ReleaseRecord) Pieces() ([]string, error) {
	if !json.Valid(r.Settings) {
		return nil, fmt.Errorf("release %s: the container settings are not JSON", r.ID)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return SettingsPieces(strings.TrimSuffix(b.String(), "\n")), nil
}

// Release is the release the record holds.
func (r ReleaseRecord) Release() Release {
	return Release{Image: r.Image, Container: string(r.Settings)}
}

// ParseReleaseRecord reads a record back from its pieces' values, in the
// order of their names, and checks that it is whole and names itself.
func ParseReleaseRecord(pieces []string) (ReleaseRecord, error) {
	if len(pieces) == 0 {
		return ReleaseRecord{}, fmt.Errorf("the release record has no pieces")
	}
	count, first, ok := strings.Cut(pieces[0], "\n")
	if !ok || count != fmt.Sprint(len(pieces)) {
		return ReleaseRecord{}, fmt.Errorf("the release record's first piece counts %q pieces, %d are there", count, len(pieces))
	}
	var r ReleaseRecord
	if err := json.Unmarshal([]byte(first+strings.Join(pieces[1:], "")), &r); err != nil {
		return ReleaseRecord{}, fmt.Errorf("the release record is not JSON: %w", err)
	}
	if want := ReleaseDigest(r.Release(), r.DatabaseSecretVersion, r.AppSecretVersion); r.ID != want {
		return ReleaseRecord{}, fmt.Errorf("the release record names itself %q, but holds release %s", r.ID, want)
	}
	return r, nil
}

// ReleaseHistory is the IDs of the releases that rolled out, newest first.
type ReleaseHistory []string

// ParseReleaseHistory reads the release history parameter's value; an
// empty value is an empty history.
func ParseReleaseHistory(value string) (ReleaseHistory, error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil
	}
	var h ReleaseHistory
	if err := json.Unmarshal([]byte(value), &h); err != nil {
		return nil, fmt.Errorf("the release history is not a JSON list: %w", err)
	}
	for _, id := range h {
		if !ValidReleaseID(id) {
			return nil, fmt.Errorf("the release history lists %q, which is not a release ID", id)
		}
	}
	return h, nil
}

// After is the history once release id has rolled out: id first, then the
// others in their order, at most keep in all.
func (h ReleaseHistory) After(id string, keep int) ReleaseHistory {
	out := ReleaseHistory{id}
	for _, old := range h {
		if len(out) >= keep {
			break
		}
		if old != id {
			out = append(out, old)
		}
	}
	return out
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

// Previous is the release a rollback from the configured release current
// goes back to: the newest release that rolled out before it. When current
// has not rolled out (its rollout failed, or is under way), that is the
// one that serves now.
func (h ReleaseHistory) Previous(current string) string {
	for _, id := range h {
		if id != current {
			return id
		}
	}
	return ""
}
