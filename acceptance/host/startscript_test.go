package host

// Behaviour of the host's start script, run for real through the harness in
// harness_test.go: what the container gets in its environment, that no
// secret reaches a command line or a log, which release it runs (the one
// its instance tag names, else the newest, waited for), how
// it fails without credentials or a usable release record.

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rds-app/rds-app/acceptance/host/fakedocker"
	"github.com/rds-app/rds-app/compute/hostconf"
	"github.com/rds-app/rds-app/internal/awsfacts"
	"github.com/rds-app/rds-app/internal/testenv"
)

// Secret values with distinctive markers, so that a leak is found wherever
// and however (escaped, split, quoted) it shows up. The database ones also
// hold every character that must be percent-encoded in a URL's userinfo,
// path or query, so a DATABASE_URL built without escaping parses wrongly.
const (
	testDBHost     = "rds-app-db.c9akciq32.eu-west-1.rds.amazonaws.com"
	testDBPort     = "5432"
	testDBName     = "shop db/1?&x"
	testDBUser     = "app user@SENTINEL-u7d2"
	testDBPassword = "p@ss:w/rd?#%&=+ x SENTINEL-p4f9"
)

// testAppSecrets is the application secret: the shipped default names,
// one value with spaces, '=' and '#' that Docker's env-file format must
// carry literally.
var testAppSecrets = map[string]string{
	"APP_KEYS":         "SENTINEL-a1k1,SENTINEL-a1k2",
	"API_TOKEN_SALT":   "SENTINEL-s4lt0Qm3rW9xYz",
	"ADMIN_JWT_SECRET": "SENTINEL-adm3nVb8Lk2",
	"JWT_SECRET":       "SENTINEL-jw7t with spaces=and#hash",
}

// testPlainEnv are the stack's plain variables, in the container settings
// of the release record, rendered by the program's own renderer.
var testPlainEnv = map[string]string{"NODE_ENV": "production", "GREETING": "hello world"}

// sentinelMarkers are in every secret value above and survive any escaping.
var sentinelMarkers = []string{"SENTINEL-u7d2", "SENTINEL-p4f9", "SENTINEL-a1k1", "SENTINEL-a1k2", "SENTINEL-s4lt", "SENTINEL-adm3", "SENTINEL-jw7t"}

// waitingMessage is what the script logs on each poll of a release
// parameter that does not exist yet.
const waitingMessage = "no release is recorded yet in "

// dbSecretJSON is a database secret value in the layout RDS-managed and
// program-written secrets share; a field set to "-" is left out.
func dbSecretJSON(t *testing.T, host, password string) string {
	t.Helper()
	v := map[string]any{"engine": "postgres", "port": 5432, "dbname": testDBName, "username": testDBUser, "sslmode": "verify-full"}
	if host != "-" {
		v["host"] = host
	}
	if password != "-" {
		v["password"] = password
	}
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func appSecretJSON(t *testing.T) string {
	t.Helper()
	b, err := json.Marshal(testAppSecrets)
	require.NoError(t, err)
	return string(b)
}

// devBootCache renders the dev stack once for all tests here: the render
// is the same every time and the parallel tests would otherwise run the
// Pulumi mock engine side by side.
var devBootCache struct {
	sync.Mutex
	boot *hostBoot
}

// devBoot is the dev stack's boot files, with app.env holding testPlainEnv
// (the shipped dev stack sets no plain variables, which would leave the
// second --env-file untested).
func devBoot(t *testing.T) hostBoot {
	t.Helper()
	devBootCache.Lock()
	defer devBootCache.Unlock()
	if devBootCache.boot == nil {
		b := bootFilesOf(t, "dev")
		devBootCache.boot = &b
	}
	boot := *devBootCache.boot
	boot.Container = containerSettings(t, boot, 0)
	return boot
}

// baseSettings is the boot's container settings with ports of the test's
// own (localPorts) and testPlainEnv.
func baseSettings(t *testing.T, boot hostBoot) hostconf.ContainerSettings {
	t.Helper()
	var s hostconf.ContainerSettings
	require.NoError(t, json.Unmarshal([]byte(boot.Container), &s))
	localPorts(t, &s)
	s.Environment = testPlainEnv
	return s
}

// containerSettings is baseSettings as the program stores them, with
// another container port when not 0.
func containerSettings(t *testing.T, boot hostBoot, containerPort int) string {
	t.Helper()
	s := baseSettings(t, boot)
	if containerPort != 0 {
		s.ContainerPort = containerPort
	}
	return mustJSON(t, s)
}

// appRuns are the recorded `docker run`s of the application (not the
// proxy).
func appRuns(r scriptRun) [][]string {
	var out [][]string
	for _, argv := range r.Find("docker", "run") {
		if name := flagValues(argv, "--name"); len(name) == 1 && strings.HasPrefix(name[0], hostconf.ContainerName+"-") {
			out = append(out, argv)
		}
	}
	return out
}

// startScriptFixture is a moto server with both secrets and a release of
// image in place, the newest version of the release record.
type startScriptFixture struct {
	moto   *testenv.Moto
	boot   hostBoot
	dbArn  string
	appArn string
	// image and settings are the configured release's, and release its ID.
	image, settings, release string
}

func newStartScriptFixture(t *testing.T, image string) *startScriptFixture {
	t.Helper()
	moto := testenv.StartMoto(t)
	boot := devBoot(t)
	f := &startScriptFixture{
		moto:   moto,
		boot:   boot,
		dbArn:  moto.CreateSecret(t, "rds-app/dev/db", dbSecretJSON(t, testDBHost, testDBPassword)),
		appArn: moto.CreateSecret(t, "rds-app/dev/app", appSecretJSON(t)),
	}
	f.configure(t, image, boot.Container)
	return f
}

// configure records the release of image and settings with the secrets'
// current versions as the newest version of the release record, as a
// rollout does; a new secret value takes a new release too.
func (f *startScriptFixture) configure(t *testing.T, image, settings string) {
	t.Helper()
	f.image, f.settings = image, settings
	f.release = putRelease(t, f.moto, f.boot, image, settings, f.dbArn, f.appArn)
}

// setImage configures a release of image with the configured settings.
func (f *startScriptFixture) setImage(t *testing.T, image string) { f.configure(t, image, f.settings) }

// setSettings configures a release of settings with the configured image.
func (f *startScriptFixture) setSettings(t *testing.T, settings string) {
	f.configure(t, f.image, settings)
}

func (f *startScriptFixture) sandbox(t *testing.T, overrides map[string]string) *startScriptRun {
	t.Helper()
	env := map[string]string{"DB_SECRET_ARN": f.dbArn, "APP_SECRET_ARN": f.appArn}
	for k, v := range overrides {
		env[k] = v
	}
	return newStartScriptRun(t, f.moto, f.boot, env)
}

// readDockerEnvFile reads an env file as `docker run --env-file` does:
// comment and blank lines skipped, KEY=value taken literally.
func readDockerEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := strings.TrimLeft(sc.Text(), " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, "%s: line without '='", path)
		vars[k] = v
	}
	return vars
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// uriEscape percent-encodes every byte but the unreserved ones, as jq's
// @uri does.
func uriEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// leakForms are the ways a secret value could show up in text.
func leakForms(values ...string) []string {
	var forms []string
	for _, v := range values {
		forms = append(forms, v, url.QueryEscape(v), url.PathEscape(v), uriEscape(v))
	}
	return forms
}

// allSecretForms are the test's secret values in every form, plus their
// markers (which also catch a value cut in pieces or quoted).
func allSecretForms() []string {
	values := []string{testDBUser, testDBPassword}
	for _, v := range testAppSecrets {
		values = append(values, v)
	}
	return append(leakForms(values...), sentinelMarkers...)
}

// assertNoSecretIn fails if any of the forms occurs in text; the message
// names the form's index, not the secret.
func assertNoSecretIn(t *testing.T, where, text string, forms []string) {
	t.Helper()
	for i, f := range forms {
		assert.False(t, strings.Contains(text, f), "secret form #%d appears in %s", i, where)
	}
}

// assertNoSecretLeaked checks every recorded command line, the script's
// output and every file of the sandbox but the env file itself and the
// given ones.
func assertNoSecretLeaked(t *testing.T, run scriptRun, forms []string, skip ...string) {
	t.Helper()
	skip = append(skip, run.EnvFile)
	require.NotEmpty(t, run.Commands, "nothing recorded; the check below would pass vacuously")
	for _, argv := range run.Commands {
		assertNoSecretIn(t, "the command line of `"+argv[0]+" "+argv[1]+"`", strings.Join(argv, " "), forms)
	}
	assertNoSecretIn(t, "the script's output", run.Output, forms)
	require.NoError(t, filepath.WalkDir(run.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, p := range skip {
			if path == p {
				return nil
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		assertNoSecretIn(t, path, string(b), forms)
		return nil
	}))
}

// commandIndex is the position of the first recorded command line starting
// with prefix, or -1.
func commandIndex(commands [][]string, prefix ...string) int {
	for i, argv := range commands {
		if len(argv) >= len(prefix) && strings.Join(argv[:len(prefix)], "\x00") == strings.Join(prefix, "\x00") {
			return i
		}
	}
	return -1
}

// flagValues are the values given to flag in argv, in order, whether as
// "--flag value" or "--flag=value".
func flagValues(argv []string, flag string) []string {
	var values []string
	for i := 0; i < len(argv); i++ {
		switch {
		case argv[i] == flag && i+1 < len(argv):
			values = append(values, argv[i+1])
			i++
		case strings.HasPrefix(argv[i], flag+"="):
			values = append(values, strings.TrimPrefix(argv[i], flag+"="))
		}
	}
	return values
}

// envFilesIn lists the env files (and their temporary siblings) in the
// runtime directory.
func envFilesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "app.env") {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestStartScriptContainerEnvironment checks what the container gets: a
// root-only env file holding exactly the contract variables and the
// application secrets, a correctly escaped DATABASE_URL, the plain
// variables through the second env file, and no secret anywhere else.
func TestStartScriptContainerEnvironment(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "public.ecr.aws/docker/library/nginx:stable-alpine")
	s := f.sandbox(t, nil)
	// systemd's RuntimeDirectoryMode= could be changed or missing: the
	// script itself must make the directory root-only.
	require.NoError(t, os.Chmod(s.Env["RUNTIME_DIRECTORY"], 0o755))
	run := s.Run()
	require.NoError(t, run.Err, run.Output)
	caPath := f.boot.HostEnv["CONTAINER_CA_PATH"]
	require.NotEmpty(t, caPath)

	t.Run("env file is root-only on the runtime directory", func(t *testing.T) {
		assert.Equal(t, filepath.Join(s.Env["RUNTIME_DIRECTORY"], "app.env"), run.EnvFile)
		info, err := os.Stat(run.EnvFile)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "env file mode")
		info, err = os.Stat(run.RuntimeDir)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "runtime directory mode")
		assert.Equal(t, []string{"app.env"}, envFilesIn(t, run.RuntimeDir), "temporary env files left behind")
		info, err = os.Stat(run.PlainEnvFile)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "plain env file mode")
	})

	t.Run("env file holds the contract and the application secrets", func(t *testing.T) {
		vars := run.EnvFileVars(t)
		want := map[string]string{
			"DATABASE_CLIENT":                  "postgres",
			"DATABASE_HOST":                    testDBHost,
			"DATABASE_PORT":                    testDBPort,
			"DATABASE_NAME":                    testDBName,
			"DATABASE_USERNAME":                testDBUser,
			"DATABASE_PASSWORD":                testDBPassword,
			"DATABASE_SSL":                     "true",
			"DATABASE_SSL_CA":                  caPath,
			"DATABASE_SSL_REJECT_UNAUTHORIZED": "true",
			"PGHOST":                           testDBHost,
			"PGPORT":                           testDBPort,
			"PGDATABASE":                       testDBName,
			"PGUSER":                           testDBUser,
			"PGPASSWORD":                       testDBPassword,
			"PGSSLMODE":                        "verify-full",
			"PGSSLROOTCERT":                    caPath,
		}
		// The contract as the config layer enforces it must be what the
		// script writes (with replicas: TestStartScriptReadReplicas), or a
		// user variable could shadow a host one.
		contract := append(sortedKeys(want), "DATABASE_URL")
		assert.ElementsMatch(t, awsfacts.ContractVariables, append(contract, awsfacts.ReadVariables...))
		for _, k := range awsfacts.ReadVariables {
			assert.NotContains(t, vars, k, "no read replicas, no %s", k)
		}
		for k, v := range testAppSecrets {
			want[k] = v
		}
		assert.ElementsMatch(t, append(sortedKeys(want), "DATABASE_URL"), sortedKeys(vars), "keys of the env file")
		for _, k := range sortedKeys(want) {
			assert.Equal(t, want[k], vars[k], k)
		}
		for k := range testPlainEnv {
			assert.NotContains(t, vars, k, "plain variables belong in plain.env, not with the secrets")
		}
	})

	t.Run("DATABASE_URL is escaped", func(t *testing.T) {
		raw := run.EnvFileVars(t)["DATABASE_URL"]
		require.NotEmpty(t, raw)
		u, err := url.Parse(raw)
		require.NoError(t, err, "DATABASE_URL does not parse")
		assert.Equal(t, "postgres", u.Scheme)
		require.NotNil(t, u.User)
		assert.Equal(t, testDBUser, u.User.Username())
		pass, ok := u.User.Password()
		assert.True(t, ok, "DATABASE_URL has no password")
		assert.Equal(t, testDBPassword, pass)
		assert.Equal(t, testDBHost, u.Hostname())
		assert.Equal(t, testDBPort, u.Port())
		assert.Equal(t, "/"+testDBName, u.Path)
		assert.Empty(t, u.Fragment, "an unescaped '#' cut the URL short")
		q, err := url.ParseQuery(u.RawQuery)
		require.NoError(t, err)
		assert.Equal(t, url.Values{"sslmode": {"verify-full"}, "sslrootcert": {caPath}}, q)
	})

	t.Run("plain variables reach the container through plain.env", func(t *testing.T) {
		runs := appRuns(run)
		require.Len(t, runs, 1, run.Output)
		envFiles := flagValues(runs[0], "--env-file")
		require.Equal(t, []string{run.EnvFile, run.PlainEnvFile}, envFiles)
		plain := readDockerEnvFile(t, run.PlainEnvFile)
		assert.Equal(t, testPlainEnv, plain, "plain.env holds exactly the configured variables, byte-exact")
		// What the container sees: both files, later ones winning.
		seen := map[string]string{}
		for _, p := range envFiles {
			for k, v := range readDockerEnvFile(t, p) {
				seen[k] = v
			}
		}
		for k, v := range testPlainEnv {
			assert.Equal(t, v, seen[k], k)
		}
		for k, v := range testAppSecrets {
			assert.Equal(t, v, seen[k], k)
		}
		assert.Equal(t, testDBPassword, seen["PGPASSWORD"])
	})

	t.Run("no secret on a command line, in the output or in another file", func(t *testing.T) {
		// The search must find what it looks for where secrets belong.
		b, err := os.ReadFile(run.EnvFile)
		require.NoError(t, err)
		for _, m := range sentinelMarkers {
			assert.Contains(t, string(b), m, "the secrets searched for are not the ones in play")
		}
		assertNoSecretLeaked(t, run, allSecretForms())
	})
}

// TestStartScriptWaitsForARelease starts a single host (no release tag)
// before the database exists, and so before any release is recorded: the
// script must poll while the release record does not exist, and deploy
// the release as soon as it is recorded.
func TestStartScriptWaitsForARelease(t *testing.T) {
	t.Parallel()
	moto := testenv.StartMoto(t)
	boot := devBoot(t)
	image := "public.ecr.aws/docker/library/nginx:stable-alpine"
	dbArn := moto.CreateSecret(t, "rds-app/dev/db-pending", "")
	appArn := moto.CreateSecret(t, "rds-app/dev/app-pending", appSecretJSON(t))
	// The bucket is there (the program creates it first), its record not.
	moto.PutObject(t, boot.HostEnv["RELEASE_BUCKET"], "other.json", "{}")
	record := "s3://" + boot.HostEnv["RELEASE_BUCKET"] + "/" + boot.HostEnv["RELEASE_KEY"]
	s := newStartScriptRun(t, moto, boot, map[string]string{
		"DB_SECRET_ARN": dbArn, "APP_SECRET_ARN": appArn,
		// Long enough that only the test decides when waiting ends.
		"RELEASE_WAIT_SECONDS": "300",
	})
	w := s.Start(t)

	require.Eventually(t, func() bool {
		return strings.Count(w.Output(), waitingMessage) >= 2 || w.Done()
	}, 90*time.Second, 100*time.Millisecond, "the script never said it was waiting")
	require.False(t, w.Done(), "the script ended while no release was recorded:\n%s", w.Output())
	now := s.result("", nil)
	assert.Empty(t, now.Find("docker", "run"), "a container started without a release")
	assert.Empty(t, envFilesIn(t, s.Env["RUNTIME_DIRECTORY"]), "an env file was written without a release")
	assert.Contains(t, w.Output(), waitingMessage+record+" (the database is probably still being created)")

	// The database is there: its secret gets a host, and the release is
	// recorded.
	finalHost := "rds-app-db-final.c9akciq32.eu-west-1.rds.amazonaws.com"
	moto.PutSecretValue(t, dbArn, dbSecretJSON(t, finalHost, testDBPassword))
	storeRelease(t, moto, boot, image, boot.Container, dbArn, appArn)
	run := w.Wait(t, 90*time.Second)
	require.NoError(t, run.Err, run.Output)
	assert.Contains(t, run.Output, "deploying the newest release, "+record)
	runs := appRuns(run)
	require.Len(t, runs, 1, run.Output)
	assert.Equal(t, image, runs[0][len(runs[0])-1])
	vars := run.EnvFileVars(t)
	assert.Equal(t, finalHost, vars["DATABASE_HOST"])
	assert.Equal(t, finalHost, vars["PGHOST"])
	assert.Equal(t, testDBPassword, vars["DATABASE_PASSWORD"])
	assert.NotContains(t, run.Output, "error:")

	t.Run("it gives up after RELEASE_WAIT_SECONDS", func(t *testing.T) {
		run := newStartScriptRun(t, moto, boot, map[string]string{
			"DB_SECRET_ARN": dbArn, "APP_SECRET_ARN": appArn,
			"RELEASE_KEY": "never.json", "RELEASE_WAIT_SECONDS": "1",
		}).Run()
		require.Error(t, run.Err)
		assert.Contains(t, run.Output, "rds-app-start: error: no release is recorded in s3://"+boot.HostEnv["RELEASE_BUCKET"]+"/never.json after 1s")
		assert.Empty(t, run.Find("docker", "run"))
	})
}

// TestStartScriptBootsTheReleaseItsTagNames: a host of an Auto Scaling
// group (a replaced host, or one a scale-out adds) boots the release its
// launch template version tags it with, even when a newer one is recorded;
// without the tag, or without a metadata service, it boots the newest.
func TestStartScriptBootsTheReleaseItsTagNames(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "registry.example.com/shop:v1")
	releaseA := f.release
	textA := f.settings
	changed := baseSettings(t, f.boot)
	changed.Environment = map[string]string{"NODE_ENV": "release-b"}
	f.configure(t, "registry.example.com/shop:v2", mustJSON(t, changed))
	releaseB := f.release
	require.NotEqual(t, releaseA, releaseB)

	s := f.sandbox(t, nil)
	s.IMDS.Tag(hostconf.ReleaseTag, releaseA)
	s.Args = []string{"boot"}
	run := s.Run()
	require.NoError(t, run.Err, run.Output)
	assert.Contains(t, run.Output, "deploying version "+releaseA+" of s3://"+f.boot.HostEnv["RELEASE_BUCKET"]+"/"+f.boot.HostEnv["RELEASE_KEY"]+
		", the release this host's launch template names (instance tag "+hostconf.ReleaseTag+")")
	runs := appRuns(run)
	require.Len(t, runs, 1, run.Output)
	assert.Equal(t, "registry.example.com/shop:v1", runs[0][len(runs[0])-1])
	assert.Equal(t, testPlainEnv, readDockerEnvFile(t, run.PlainEnvFile), "release A's settings, not B's")
	_, body := served(t, textA, "/")
	assert.Equal(t, "registry.example.com/shop:v1", body)

	for name, overrides := range map[string]map[string]string{
		"no tag":              nil,
		"no metadata service": {"AWS_EC2_METADATA_SERVICE_ENDPOINT": fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t))},
	} {
		t.Run(name+": the newest release", func(t *testing.T) {
			run := f.sandbox(t, overrides).Run()
			require.NoError(t, run.Err, run.Output)
			assert.Contains(t, run.Output, "deploying the newest release")
			runs := appRuns(run)
			require.Len(t, runs, 1, run.Output)
			assert.Equal(t, "registry.example.com/shop:v2", runs[0][len(runs[0])-1])
			assert.Equal(t, changed.Environment, readDockerEnvFile(t, run.PlainEnvFile))
		})
	}
}

// TestStartScriptReadsTheReleasesSecretVersions: the container gets the
// secrets' versions its release names, not their current ones: a new
// value (a rotated password, an edited application secret) reaches the
// container with the next release only.
func TestStartScriptReadsTheReleasesSecretVersions(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "public.ecr.aws/docker/library/nginx:stable-alpine")
	movedHost := "rds-app-db-moved.c9akciq32.eu-west-1.rds.amazonaws.com"
	const movedPassword, movedJWT = "SENTINEL-mv01-password", "SENTINEL-mv02-jwt"
	f.moto.PutSecretValue(t, f.dbArn, dbSecretJSON(t, movedHost, movedPassword))
	f.moto.PutSecretValue(t, f.appArn, `{"JWT_SECRET":"`+movedJWT+`"}`)

	s := f.sandbox(t, nil)
	run := s.Run()
	require.NoError(t, run.Err, run.Output)
	vars := run.EnvFileVars(t)
	assert.Equal(t, testDBHost, vars["DATABASE_HOST"], "the recorded version's host")
	assert.Equal(t, testDBPassword, vars["DATABASE_PASSWORD"], "the recorded version's password")
	assert.Equal(t, testAppSecrets["JWT_SECRET"], vars["JWT_SECRET"], "the recorded version of the application secret")
	assertNoSecretLeaked(t, run, append(allSecretForms(), leakForms(movedPassword, movedJWT)...))

	// The next release records the new versions.
	f.configure(t, f.image, f.settings)
	run = s.Run()
	require.NoError(t, run.Err, run.Output)
	vars = run.EnvFileVars(t)
	assert.Equal(t, movedHost, vars["DATABASE_HOST"])
	assert.Equal(t, movedPassword, vars["DATABASE_PASSWORD"])
	assert.Equal(t, movedJWT, vars["JWT_SECRET"])
	assert.NotContains(t, vars, "APP_KEYS", "the application secret's new version holds JWT_SECRET only")
}

// TestStartScriptRefusesABadRelease: a tag that names no version, a
// version no longer kept, and a record that is not a release stop the
// script with a message naming the record and what to do, and change
// nothing: the release that serves keeps serving.
func TestStartScriptRefusesABadRelease(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "registry.example.com/shop:v1")
	s := f.sandbox(t, nil)
	first := s.Run()
	require.NoError(t, first.Err, first.Output)
	serving := f.release
	record := "s3://" + f.boot.HostEnv["RELEASE_BUCKET"] + "/" + f.boot.HostEnv["RELEASE_KEY"]

	// A record without the application secret's version.
	var fields map[string]any
	text, err := hostconf.NewReleaseRecord(hostconf.Release{Image: "registry.example.com/shop:v2", Container: f.settings},
		f.moto.SecretVersion(t, f.dbArn), f.moto.SecretVersion(t, f.appArn)).JSON()
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(text), &fields))
	delete(fields, "appSecretVersion")
	broken, err := json.Marshal(fields)
	require.NoError(t, err)
	notARelease := putRecord(t, f.moto, f.boot, string(broken))

	last := first
	for _, c := range []struct {
		name string
		// tag is the host's release tag.
		tag  string
		want []string
	}{
		{"the tag names no version", "v 1",
			[]string{`the instance tag ` + hostconf.ReleaseTag + ` holds "v 1", which is not a version of the release record`}},
		{"a release no longer kept", "0000000000000000gone",
			[]string{"version 0000000000000000gone of " + record + " is gone: it is no longer among the releases the stack keeps (app.releasesKept)"}},
		{"a record that is not a release", notARelease,
			[]string{"the release record " + record + " (version " + notARelease + ") is not usable", "appSecretVersion is not a Secrets Manager version ID"}},
		{"the newest record is not a release", "",
			[]string{"the release record " + record + " is not usable", "appSecretVersion is not a Secrets Manager version ID"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.tag == "" {
				s.IMDS.Untag(hostconf.ReleaseTag)
			} else {
				s.IMDS.Tag(hostconf.ReleaseTag, c.tag)
			}
			run := s.Run()
			require.Error(t, run.Err, run.Output)
			for _, w := range c.want {
				assert.Contains(t, run.Output, w)
			}
			commands := scriptRun{Commands: run.Commands[len(last.Commands):]}
			assert.Empty(t, commands.Find("docker", "run"), "nothing starts")
			assert.Empty(t, commands.Find("docker", "rm"), "nothing is removed")
			assert.Empty(t, commands.Find("docker", "pull"), "nothing is pulled")
			_, body := served(t, f.settings, "/")
			assert.Equal(t, "registry.example.com/shop:v1", body, "the release that served serves")
			last = run
		})
	}
	require.NotEmpty(t, serving)
}

// TestStartScriptFailsWithoutCredentials checks that a missing or
// incomplete secret stops the script with a clear error before it touches
// the container: no container without credentials, no env file with half
// of them, and on a reload the old container keeps serving. Each case's
// release names its secrets' versions, and the host's tag names the
// release.
func TestStartScriptFailsWithoutCredentials(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "public.ecr.aws/docker/library/nginx:stable-alpine")
	missing := func(name string) string {
		return "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + name + "-AbCdEf"
	}
	noPassword := f.moto.CreateSecret(t, "rds-app/dev/db-no-password", dbSecretJSON(t, testDBHost, "-"))
	noHost := f.moto.CreateSecret(t, "rds-app/dev/db-no-host", dbSecretJSON(t, "-", testDBPassword))
	// A line break would start a new line in the env file: a hand-edited
	// application secret could then set (here: override) a contract variable.
	injected := "SENTINEL-nl01\nDATABASE_HOST=evil.example"
	b, err := json.Marshal(map[string]string{"JWT_SECRET": injected})
	require.NoError(t, err)
	lineBreak := f.moto.CreateSecret(t, "rds-app/dev/app-line-break", string(b))
	// A hand-edited application secret must not override the database
	// settings either (Docker keeps the last of two lines).
	override := f.moto.CreateSecret(t, "rds-app/dev/app-override", `{"DATABASE_HOST":"evil.example","JWT_SECRET":"SENTINEL-ov01"}`)
	// A value that is not the JSON the program writes.
	notJSON := f.moto.CreateSecret(t, "rds-app/dev/db-not-json", "host=db.example.internal password=SENTINEL-nj01")

	cases := []struct {
		name      string
		overrides map[string]string
		// problem is what the output must say, beside the error line.
		problem []string
	}{
		{"database secret does not exist", map[string]string{"DB_SECRET_ARN": missing("rds-app/dev/db-gone")},
			[]string{"database secret", missing("rds-app/dev/db-gone"), "ResourceNotFoundException"}},
		{"application secret does not exist", map[string]string{"APP_SECRET_ARN": missing("rds-app/dev/app-gone")},
			[]string{"application secret", missing("rds-app/dev/app-gone"), "ResourceNotFoundException"}},
		{"database secret has no password", map[string]string{"DB_SECRET_ARN": noPassword},
			[]string{"the database secret has no password"}},
		{"database secret has no host", map[string]string{"DB_SECRET_ARN": noHost},
			[]string{"of the database secret " + noHost + " has no host"}},
		{"application secret value has a line break", map[string]string{"APP_SECRET_ARN": lineBreak},
			[]string{"JWT_SECRET contains a line break"}},
		{"application secret redefines a contract variable", map[string]string{"APP_SECRET_ARN": override},
			[]string{"the application secret redefines variables the host sets: DATABASE_HOST"}},
		{"database secret is not JSON", map[string]string{"DB_SECRET_ARN": notJSON},
			[]string{"does not hold a JSON object"}},
	}
	for _, c := range cases {
		// A secret that does not exist has no version: the fixture's
		// release names the versions of the others.
		release := f.release
		db, app := cmp.Or(c.overrides["DB_SECRET_ARN"], f.dbArn), cmp.Or(c.overrides["APP_SECRET_ARN"], f.appArn)
		if !strings.Contains(db+app, "-gone-") {
			release = storeRelease(t, f.moto, f.boot, f.image, f.settings, db, app)
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := f.sandbox(t, c.overrides)
			s.IMDS.Tag(hostconf.ReleaseTag, release)
			run := s.Run()
			var exit *exec.ExitError
			require.ErrorAs(t, run.Err, &exit, "the script succeeded:\n%s", run.Output)
			assert.Greater(t, exit.ExitCode(), 0, "the script did not exit with an error of its own:\n%s", run.Output)
			var errLines []string
			for _, line := range strings.Split(run.Output, "\n") {
				if strings.HasPrefix(line, "rds-app-start: error:") {
					errLines = append(errLines, line)
				}
			}
			assert.Len(t, errLines, 1, "one rds-app-start error line:\n%s", run.Output)
			for _, p := range c.problem {
				assert.Contains(t, run.Output, p)
			}
			assert.Empty(t, run.Find("docker", "run"), "the container started without credentials")
			assert.Empty(t, run.Find("docker", "rm"), "the running container was removed")
			assert.Empty(t, envFilesIn(t, run.RuntimeDir), "an env file was left behind")
			secrets := append(allSecretForms(), leakForms(injected)...)
			secrets = append(secrets, "SENTINEL-ov01", "SENTINEL-nj01")
			assertNoSecretIn(t, "the script's output", run.Output, secrets)
		})
	}
}

// served is what the proxy of settings answers on path: the status and
// the body (a fake application's body is its image).
func served(t *testing.T, settings string, path string) (int, string) {
	t.Helper()
	var cs hostconf.ContainerSettings
	require.NoError(t, json.Unmarshal([]byte(settings), &cs))
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", cs.HostPort, path))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// TestStartScriptRunsTheRelease checks the docker commands: the image
// comes from the release record and is pulled before anything changes, the
// proxy runs once, on the host's network, and the application runs in a
// slot on loopback with the flags the host depends on, and is served
// through the proxy. A second run in the same sandbox is a reload after the
// newest release changed, which is how a new image rolls
// out: the new container starts in the other slot, and the old one is
// stopped after the switch.
func TestStartScriptRunsTheRelease(t *testing.T) {
	t.Parallel()
	first := "public.ecr.aws/docker/library/nginx:stable-alpine"
	second := "docker.io/library/nginx:1.27.3"
	f := newStartScriptFixture(t, first)
	base := baseSettings(t, f.boot)
	base.ContainerPort = 3000
	settings := mustJSON(t, base)
	f.setSettings(t, settings)
	s := f.sandbox(t, nil)
	run1 := s.Run()
	require.NoError(t, run1.Err, run1.Output)
	app := f.boot.HostEnv["CONTAINER_NAME"]
	proxyA, proxyB := f.boot.HostEnv["PROXY_NAME"]+"-a", f.boot.HostEnv["PROXY_NAME"]+"-b"

	checkRun := func(t *testing.T, commands [][]string, image, slot string, port int) {
		t.Helper()
		name := app + "-" + slot
		pull := commandIndex(commands, "docker", "pull", "--quiet", image)
		rm := commandIndex(commands, "docker", "rm", "--force", name)
		runAt := -1
		for i, argv := range commands {
			if len(argv) > 2 && argv[1] == "run" && slices.Equal(flagValues(argv, "--name"), []string{name}) {
				runAt = i
			}
		}
		update := commandIndex(commands, "docker", "update", "--restart", "unless-stopped", name)
		require.GreaterOrEqual(t, runAt, 0, "no docker run of %s", name)
		require.GreaterOrEqual(t, pull, 0, "no docker pull of %s", image)
		assert.Less(t, pull, runAt, "pulled after running")
		assert.True(t, rm >= 0 && rm < runAt, "a leftover in the slot is removed before the run")
		assert.Greater(t, update, runAt, "the restart policy is set once the container is healthy")
		argv := commands[runAt]
		assert.Equal(t, image, argv[len(argv)-1], "the image is docker run's last argument")
		assert.Equal(t, []string{filepath.Join(s.Env["RUNTIME_DIRECTORY"], "app.env"), filepath.Join(s.Env["RUNTIME_DIRECTORY"], "plain.env")}, flagValues(argv, "--env-file"))
		assert.Equal(t, []string{fmt.Sprintf("127.0.0.1:%d:%d", port, base.ContainerPort)}, flagValues(argv, "--publish"), "published on loopback only, at the slot's port")
		assert.Equal(t, []string{s.Env["CA_BUNDLE"] + ":" + f.boot.HostEnv["CONTAINER_CA_PATH"] + ":ro"}, flagValues(argv, "--volume"))
		assert.Equal(t, []string{"no"}, flagValues(argv, "--restart"), "no restart policy until healthy: a crash is seen as one")
		assert.Empty(t, flagValues(argv, "--network"), "the application is on Docker's bridge, not the host's network")
		assert.Equal(t, []string{"awslogs"}, flagValues(argv, "--log-driver"))
		assert.Contains(t, flagValues(argv, "--log-opt"), "awslogs-group="+f.boot.HostEnv["LOG_GROUP"])
		assert.Contains(t, flagValues(argv, "--log-opt"), "awslogs-region="+f.boot.HostEnv["AWS_REGION"])
		assert.Contains(t, flagValues(argv, "--log-opt"), "tag={{.Name}}/{{.ID}}")
		assert.Contains(t, argv, "--detach")
		assert.Equal(t, -1, commandIndex(commands, "docker", "login"), "logged in to a registry that is not ECR")
	}
	t.Run("first start", func(t *testing.T) {
		checkRun(t, run1.Commands, first, "blue", base.SlotPorts[0])
		proxies := run1.Find("docker", "run", "--detach", "--name", proxyA)
		require.Len(t, proxies, 1, "the proxy is started once")
		assert.Empty(t, run1.Find("docker", "run", "--detach", "--name", proxyB), "one proxy")
		argv := proxies[0]
		assert.Equal(t, []string{base.ProxyImage, "caddy", "run", "--config", "/etc/caddy/rds-app/" + proxyA + ".json"}, argv[len(argv)-5:])
		assert.Equal(t, []string{"host"}, flagValues(argv, "--network"), "Caddy binds the public ports and sees clients' addresses")
		assert.Equal(t, []string{"no"}, flagValues(argv, "--restart"), "no restart policy until it answers")
		assert.Greater(t, commandIndex(run1.Commands, "docker", "update", "--restart", "unless-stopped", proxyA), commandIndex(run1.Commands, "docker", "run", "--detach", "--name", proxyA))
		assert.Equal(t, []string{s.Env["STATE_DIR"] + "/proxy:/etc/caddy/rds-app:ro", s.Env["STATE_DIR"] + "/caddy:/data"}, flagValues(argv, "--volume"),
			"the configuration read-only; the certificates on the host, kept across restarts of the proxy")
		assert.Contains(t, flagValues(argv, "--log-opt"), "awslogs-group="+f.boot.HostEnv["LOG_GROUP"])
		assert.Less(t, commandIndex(run1.Commands, "docker", "pull", "--quiet", base.ProxyImage), commandIndex(run1.Commands, "docker", "run", "--detach", "--name", proxyA))
		code, body := served(t, settings, "/")
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, first, body, "the proxy serves the new container")
	})

	f.setImage(t, second)
	run2 := s.Run()
	require.NoError(t, run2.Err, run2.Output)
	// The shims append to one log: the reload's commands come after the
	// first run's.
	require.Greater(t, len(run2.Commands), len(run1.Commands))
	reload := run2.Commands[len(run1.Commands):]
	t.Run("reload after the parameter named a new release", func(t *testing.T) {
		checkRun(t, reload, second, "green", base.SlotPorts[1])
		for _, argv := range reload {
			assert.NotContains(t, argv, first, "the reload used the old image")
		}
		assert.Empty(t, scriptRun{Commands: reload}.Find("docker", "run", "--detach", "--name", proxyA), "the running proxy is kept")
		assert.Empty(t, scriptRun{Commands: reload}.Find("docker", "run", "--detach", "--name", proxyB), "the running proxy is kept")
		assert.Equal(t, -1, commandIndex(reload, "docker", "pull", "--quiet", base.ProxyImage), "the proxy's image is there already")
		stop := commandIndex(reload, "docker", "stop", "--time", "10", app+"-blue")
		assert.Greater(t, stop, commandIndex(reload, "docker", "update", "--restart", "unless-stopped", app+"-green"), "the old container is stopped after the new one is healthy")
		assert.Greater(t, commandIndex(reload, "docker", "rm", "--force", app+"-blue"), stop)
		code, body := served(t, settings, "/")
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, second, body)
	})
	t.Run("no secret on a command line", func(t *testing.T) {
		assertNoSecretLeaked(t, run2, allSecretForms())
	})

	// A reload after a release of changed container settings (what the
	// rollout does for a new port or environment) runs the container with
	// them.
	changed := base
	changed.ContainerPort = 4000
	changed.Environment = map[string]string{"NODE_ENV": "staging", "ADDED": "$not-expanded #kept"}
	f.setSettings(t, mustJSON(t, changed))
	run3 := s.Run()
	require.NoError(t, run3.Err, run3.Output)
	t.Run("reload after the container settings changed", func(t *testing.T) {
		base.ContainerPort = 4000
		checkRun(t, run3.Commands[len(run2.Commands):], second, "blue", base.SlotPorts[0])
		assert.Equal(t, changed.Environment, readDockerEnvFile(t, run3.PlainEnvFile))
	})

	// A new proxy image (app.proxyImage): the new proxy starts beside the
	// old one, from the same configuration, before the swap; once it
	// answers, the old one stops gracefully.
	changed.ProxyImage = "docker.io/library/caddy:2.6.2"
	f.setSettings(t, mustJSON(t, changed))
	run4 := s.Run()
	require.NoError(t, run4.Err, run4.Output)
	t.Run("reload after the proxy image changed", func(t *testing.T) {
		commands := run4.Commands[len(run3.Commands):]
		pull := commandIndex(commands, "docker", "pull", "--quiet", changed.ProxyImage)
		start := commandIndex(commands, "docker", "run", "--detach", "--name", proxyB)
		update := commandIndex(commands, "docker", "update", "--restart", "unless-stopped", proxyB)
		stop := commandIndex(commands, "docker", "stop", "--time", "360", proxyA)
		rm := commandIndex(commands, "docker", "rm", "--force", proxyA)
		require.True(t, pull >= 0 && start > pull && update > start && stop > update && rm > stop,
			"pulled, the new proxy started and answering, then the old one stopped gracefully and removed:\n%s", run4.Output)
		assert.Less(t, rm, commandIndex(commands, "docker", "run", "--detach", "--name", app+"-green"), "before the swap")
		assert.Equal(t, []string{changed.ProxyImage, "caddy", "run", "--config", "/etc/caddy/rds-app/" + proxyB + ".json"}, commands[start][len(commands[start])-5:])
		assert.Contains(t, run4.Output, "replacing the proxy's image "+base.ProxyImage+" with "+changed.ProxyImage)
		assert.Regexp(t, "the new proxy "+proxyB+" answers after [0-9]+ms; stopping "+proxyA, run4.Output)
		live, err := os.ReadFile(filepath.Join(s.Env["STATE_DIR"], "proxy.name"))
		require.NoError(t, err)
		assert.Equal(t, proxyB+"\n", string(live), "the new proxy is recorded as the live one")
		assert.NoFileExists(t, filepath.Join(s.Env["STATE_DIR"], "proxy", proxyA+".json"), "the old proxy's configuration is gone with it")
		code, body := served(t, settings, "/")
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, second, body)
	})
}

// TestStartScriptRefusesBadContainerSettings: settings the container cannot
// be run with stop the script with a message that names the key, before
// anything is touched.
func TestStartScriptRefusesBadContainerSettings(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "public.ecr.aws/docker/library/nginx:stable-alpine")
	good := func() map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(f.boot.Container), &m))
		return m
	}
	for name, tc := range map[string]struct {
		change func(map[string]any)
		want   string
	}{
		"port out of range":    {func(m map[string]any) { m["containerPort"] = 0 }, "containerPort is not a port"},
		"line break in value":  {func(m map[string]any) { m["environment"] = map[string]any{"MOTD": "a\nb"} }, "the environment value of MOTD contains a line break"},
		"no health check path": {func(m map[string]any) { delete(m, "healthCheckPath") }, "healthCheckPath is not a URL path"},
		"one slot twice":       {func(m map[string]any) { m["slotPorts"] = []int{18001, 18001} }, "slotPorts are not two ports"},
		"not an object":        {nil, "settings is not an object"},
	} {
		t.Run(name, func(t *testing.T) {
			settings := `"80:80"`
			if tc.change != nil {
				m := good()
				tc.change(m)
				b, err := json.Marshal(m)
				require.NoError(t, err)
				settings = string(b)
			}
			f.setSettings(t, settings)
			run := f.sandbox(t, nil).Run()
			require.Error(t, run.Err)
			assert.Contains(t, run.Output, tc.want)
			assert.Empty(t, run.Find("docker", "rm"), "nothing is touched")
			assert.Empty(t, run.Find("docker", "run"))
		})
	}
}

// TestStartScriptReadsALargeRelease: a release with settings of 500
// variables of 1 KB is one record of half a megabyte; every value reaches
// the container byte for byte.
func TestStartScriptReadsALargeRelease(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "public.ecr.aws/docker/library/nginx:stable-alpine")
	big := baseSettings(t, f.boot)
	big.Environment = map[string]string{}
	for i := 0; i < 500; i++ {
		big.Environment[fmt.Sprintf("VAR_%03d", i)] = strings.Repeat("x", 1000) + ` ü "q" $HOME #` + fmt.Sprint(i)
	}
	f.setSettings(t, mustJSON(t, big))
	run := f.sandbox(t, nil).Run()
	require.NoError(t, run.Err, run.Output)
	assert.Equal(t, big.Environment, readDockerEnvFile(t, run.PlainEnvFile))
}

func mustJSON(t testing.TB, s hostconf.ContainerSettings) string {
	t.Helper()
	text, err := s.JSON()
	require.NoError(t, err)
	return text
}

// TestStartScriptUsesTheHealthCheckPath: the new container is healthy only
// once app.healthCheckPath, asked on the container itself, answers 2xx or
// 3xx.
func TestStartScriptUsesTheHealthCheckPath(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "public.ecr.aws/docker/library/nginx:stable-alpine")
	for path, healthy := range map[string]bool{"/healthz?deep=1": true, "/moved": true, "/notfound": false} {
		t.Run(path, func(t *testing.T) {
			settings := baseSettings(t, f.boot)
			settings.HealthCheckPath, settings.HealthCheckTimeout, settings.HealthCheckRetries = path, 20, 2
			f.setSettings(t, mustJSON(t, settings))
			s := f.sandbox(t, nil)
			run := s.Run()
			log, err := os.ReadFile(filepath.Join(s.Env["FAKE_DOCKER_STATE"], "app-blue.log"))
			require.NoError(t, err, "the new container never ran; the deploy said:\n%s", run.Output)
			assert.Contains(t, string(log), "GET "+path+"\n", "the health check asks the configured path")
			if healthy {
				require.NoError(t, run.Err, run.Output)
				return
			}
			require.Error(t, run.Err)
			assert.Contains(t, run.Output, fmt.Sprintf("http://127.0.0.1:%d%s answered 404, and 2 answers were not 2xx or 3xx", settings.SlotPorts[0], path))
		})
	}
}

// TestStartScriptLogsInToECR checks the private ECR path: a fresh login to
// the image's registry before the pull, with the token moto issues going
// through stdin only.
func TestStartScriptLogsInToECR(t *testing.T) {
	t.Parallel()
	registry := "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
	image := registry + "/shop:v1"
	f := newStartScriptFixture(t, image)
	token := f.moto.AWS(t, "ecr", "get-login-password", "--region", "eu-west-1")
	require.NotEmpty(t, token)
	s := f.sandbox(t, nil)
	run := s.Run()
	require.NoError(t, run.Err, run.Output)

	logins := run.Find("docker", "login")
	require.Len(t, logins, 1, run.Output)
	assert.Equal(t, []string{"docker", "login", "--username", "AWS", "--password-stdin", registry}, logins[0])
	login := commandIndex(run.Commands, "docker", "login")
	pull := commandIndex(run.Commands, "docker", "pull")
	require.GreaterOrEqual(t, pull, 0, "no docker pull")
	assert.Less(t, login, pull, "the pull must come after the login")
	runs := appRuns(run)
	require.Len(t, runs, 1)
	assert.Equal(t, image, runs[0][len(runs[0])-1])

	assert.NotEmpty(t, run.LoginStdin, "docker login read no password on stdin")
	assert.Equal(t, token, strings.TrimSpace(run.LoginStdin), "docker login got something other than the ECR token")
	// The fake's copy of stdin is the test's record, not the script's.
	assertNoSecretLeaked(t, run, append(leakForms(token), allSecretForms()...), s.Env["SHIM_STDIN"])
}

// TestStartScriptRefusesAnUnhealthyContainer: a new container that never
// answers, answers 500, or crashes is removed, and the script (and so the
// rollout and `pulumi up`) fails with its last 50 log lines and the log
// group named; nothing is recorded as serving.
func TestStartScriptRefusesAnUnhealthyContainer(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "registry.example.com/shop:v1")
	settings := baseSettings(t, f.boot)
	// Three bad answers, one a second, come well within the timeout even
	// on a busy machine (at load 10, two answers took four seconds).
	settings.HealthCheckTimeout, settings.HealthCheckRetries = 10, 3
	f.setSettings(t, mustJSON(t, settings))
	// One after the other: each is a first deploy on a host of its own.
	for tag, why := range map[string]string{
		"v1-never": "did not answer with 2xx or 3xx within 10s",
		"v1-500":   "answered 500, and 3 answers were not 2xx or 3xx",
		"v1-crash": "it stopped",
	} {
		t.Run(tag, func(t *testing.T) {
			f.setImage(t, "registry.example.com/shop:"+tag)
			s := f.sandbox(t, nil)
			run := s.Run()
			var exit *exec.ExitError
			require.ErrorAs(t, run.Err, &exit, run.Output)
			assert.Contains(t, run.Output, "rds-app-swap: error: the new container from registry.example.com/shop:"+tag+" was refused: ")
			assert.Contains(t, run.Output, why)
			assert.Contains(t, run.Output, "its last 50 log lines are above, all of them in the log group "+f.boot.HostEnv["LOG_GROUP"])
			logs := commandIndex(run.Commands, "docker", "logs", "--tail", "50", "app-blue")
			require.GreaterOrEqual(t, logs, 0, "the container's last log lines are shown")
			assert.Equal(t, 1, commandIndex(run.Commands[logs:], "docker", "rm", "--force", "app-blue"), "and then it is removed")
			if tag == "v1-crash" {
				assert.Contains(t, run.Output, "panic: cannot connect to the database")
				assert.NotContains(t, run.Output, "boot line 10\n", "the last 50 lines only")
			}
			for _, update := range run.Find("docker", "update") {
				// The first proxy is given its restart policy once it
				// answers; the refused container never is.
				assert.True(t, strings.HasPrefix(update[len(update)-1], "proxy-"), "never promoted: %v", update)
			}
			assert.NoFileExists(t, filepath.Join(s.Env["STATE_DIR"], "live.json"), "nothing serves")
		})
	}
}

// TestStartScriptBootBringsBackTheLastHealthyRelease: at boot the host
// serves the last release that was healthy, not the last one configured,
// and without reading secrets or pulling; with nothing served before, or
// with that release's container gone, it deploys the configured one.
func TestStartScriptBootBringsBackTheLastHealthyRelease(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "registry.example.com/shop:v1")
	settings := baseSettings(t, f.boot)
	settings.HealthCheckTimeout, settings.HealthCheckRetries = 10, 2
	text := mustJSON(t, settings)
	f.setSettings(t, text)
	s := f.sandbox(t, nil)

	s.Args = []string{"boot"}
	first := s.Run()
	require.NoError(t, first.Err, first.Output)
	assert.Contains(t, first.Output, "no release has served on this host yet")
	assert.Contains(t, first.Output, "now serving registry.example.com/shop:v1 from app-blue")
	_, body := served(t, text, "/")
	require.Equal(t, "registry.example.com/shop:v1", body)

	// A deploy of a version that answers 500 is refused.
	s.Args = nil
	f.setImage(t, "registry.example.com/shop:v2-500")
	refused := s.Run()
	require.Error(t, refused.Err, refused.Output)

	// The host reboots: every container stops.
	fakedocker.KillContainers(s.Env["FAKE_DOCKER_STATE"])
	_, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", settings.HostPort))
	require.Error(t, err, "nothing serves while the host is down")
	s.Args = []string{"boot"}
	boot := s.Run()
	require.NoError(t, boot.Err, boot.Output)
	commands := boot.Commands[len(refused.Commands):]
	assert.Contains(t, boot.Output, "serving registry.example.com/shop:v1 from app-blue again: the last release that was healthy")
	assert.Equal(t, -1, commandIndex(commands, "docker", "pull"), "nothing is pulled")
	assert.Empty(t, appRuns(scriptRun{Commands: commands}), "no new container")
	assert.NotContains(t, boot.Output, "database secret", "the secrets are not read")
	code, body := served(t, text, "/")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "registry.example.com/shop:v1", body, "the last healthy version serves again, not the refused one")

	// Its container is gone: the configured release is deployed (and
	// refused again, so the unit fails and systemd tries again later).
	f.setImage(t, "registry.example.com/shop:v3")
	fakedocker.KillContainers(s.Env["FAKE_DOCKER_STATE"])
	require.NoError(t, os.Remove(filepath.Join(s.Env["FAKE_DOCKER_STATE"], "app-blue.json")))
	gone := s.Run()
	require.NoError(t, gone.Err, gone.Output)
	assert.Contains(t, gone.Output, "app-blue, which served registry.example.com/shop:v1, is gone")
	assert.Contains(t, gone.Output, "now serving registry.example.com/shop:v3 from app-green")
	_, body = served(t, text, "/")
	assert.Equal(t, "registry.example.com/shop:v3", body)
}

// dbSecretWith is dbSecretJSON's value with more keys.
func dbSecretWith(t *testing.T, extra map[string]any) string {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(dbSecretJSON(t, testDBHost, testDBPassword)), &v))
	for k, x := range extra {
		v[k] = x
	}
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// envFileLines are the env file's lines, in order.
func envFileLines(t *testing.T, run scriptRun) []string {
	t.Helper()
	b, err := os.ReadFile(run.EnvFile)
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// testDBURL is DATABASE_URL's form for host and port with the test's
// credentials.
func testDBURL(host, port, caPath string) string {
	return "postgres://" + uriEscape(testDBUser) + ":" + uriEscape(testDBPassword) + "@" + host + ":" + port + "/" + uriEscape(testDBName) +
		"?sslmode=verify-full&sslrootcert=" + uriEscape(caPath)
}

// TestStartScriptReadReplicas: a secret listing read replicas gives the
// container their hosts, their port and a URL for each, built as
// DATABASE_URL is (same user, password, database and TLS settings, all
// escaped), after exactly the lines a secret without replicas gives; hosts
// that are not host names stop the script.
func TestStartScriptReadReplicas(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "public.ecr.aws/docker/library/nginx:stable-alpine")
	// As with a proxy: the secret's port is the proxy's, the replicas'
	// is the instance's.
	hosts := []string{"rds-app-dev-a1b2c3d4-replica-1.c9akciq32.eu-west-1.rds.amazonaws.com", "rds-app-dev-a1b2c3d4-replica-2.c9akciq32.eu-west-1.rds.amazonaws.com"}
	f.moto.PutSecretValue(t, f.dbArn, dbSecretWith(t, map[string]any{"readHosts": hosts, "readPort": 6432}))
	f.configure(t, f.image, f.settings)
	run := f.sandbox(t, nil).Run()
	require.NoError(t, run.Err, run.Output)

	ca := f.boot.HostEnv["CONTAINER_CA_PATH"]
	want := []string{
		"DATABASE_CLIENT=postgres",
		"DATABASE_HOST=" + testDBHost,
		"DATABASE_PORT=" + testDBPort,
		"DATABASE_NAME=" + testDBName,
		"DATABASE_USERNAME=" + testDBUser,
		"DATABASE_PASSWORD=" + testDBPassword,
		"DATABASE_SSL=true",
		"DATABASE_SSL_CA=" + ca,
		"DATABASE_SSL_REJECT_UNAUTHORIZED=true",
		"DATABASE_URL=" + testDBURL(testDBHost, testDBPort, ca),
		"PGHOST=" + testDBHost,
		"PGPORT=" + testDBPort,
		"PGDATABASE=" + testDBName,
		"PGUSER=" + testDBUser,
		"PGPASSWORD=" + testDBPassword,
		"PGSSLMODE=verify-full",
		"PGSSLROOTCERT=" + ca,
		"DATABASE_READ_HOSTS=" + strings.Join(hosts, ","),
		"DATABASE_READ_PORT=6432",
		"DATABASE_READ_URLS=" + testDBURL(hosts[0], "6432", ca) + "," + testDBURL(hosts[1], "6432", ca),
	}
	for _, k := range sortedKeys(testAppSecrets) {
		want = append(want, k+"="+testAppSecrets[k])
	}
	assert.Equal(t, want, envFileLines(t, run))

	// Each URL parses back to its replica with the contract's credentials.
	for i, raw := range strings.Split(run.EnvFileVars(t)["DATABASE_READ_URLS"], ",") {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		assert.Equal(t, hosts[i], u.Hostname())
		assert.Equal(t, "6432", u.Port())
		pass, _ := u.User.Password()
		assert.Equal(t, testDBPassword, pass)
		assert.Equal(t, testDBUser, u.User.Username())
		assert.Equal(t, "/"+testDBName, u.Path)
	}
	assertNoSecretLeaked(t, run, allSecretForms())

	t.Run("hosts that are not host names stop the script", func(t *testing.T) {
		dbArn := f.moto.CreateSecret(t, "rds-app/dev/db-replicas-bad", dbSecretWith(t, map[string]any{"readHosts": []string{"a.example,b.example"}}))
		s := f.sandbox(t, map[string]string{"DB_SECRET_ARN": dbArn})
		s.IMDS.Tag(hostconf.ReleaseTag, storeRelease(t, f.moto, f.boot, f.image, f.settings, dbArn, f.appArn))
		bad := s.Run()
		require.Error(t, bad.Err)
		assert.Contains(t, bad.Output, "the database secret has readHosts that are not host names")
		assert.Empty(t, bad.Find("docker", "run"))
		assert.Empty(t, envFilesIn(t, bad.RuntimeDir))
		assertNoSecretIn(t, "the script's output", bad.Output, allSecretForms())
	})
}

// scriptProgram is the jq program NAME='...' of a host script.
func scriptProgram(t *testing.T, script, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(script, "\n"+name+"='")
	require.True(t, ok, "the script has no %s", name)
	prog, _, ok := strings.Cut(rest, "\n'\n")
	require.True(t, ok, "%s does not end", name)
	return prog
}

// TestDatabaseEnvironmentProgram runs the start script's own jq program
// on the secrets the program writes: none of the read variables without
// replicas (or with an empty list), the replicas' port defaulting to the
// secret's, and readHosts refused unless they are host names.
func TestDatabaseEnvironmentProgram(t *testing.T) {
	t.Parallel()
	jq := testenv.RequireTool(t, "jq")
	prog := scriptProgram(t, devBoot(t).StartScript, "db_env_program")
	env := func(secret string) (map[string]string, error) {
		cmd := exec.Command(jq, "--raw-output", "--arg", "ca", "/ca.pem", prog)
		cmd.Stdin = strings.NewReader(secret)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, errors.New(strings.TrimSpace(stderr.String()))
		}
		vars := map[string]string{}
		for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
			k, v, _ := strings.Cut(line, "=")
			vars[k] = v
		}
		return vars, nil
	}
	plain, err := env(dbSecretJSON(t, testDBHost, testDBPassword))
	require.NoError(t, err)
	for _, k := range awsfacts.ReadVariables {
		assert.NotContains(t, plain, k)
	}
	for name, extra := range map[string]map[string]any{
		"an empty list":             {"readHosts": []string{}},
		"a null":                    {"readHosts": nil},
		"a proxy and no replicas":   {"proxy": true},
		"a readPort and no replica": {"readPort": 6432},
	} {
		vars, err := env(dbSecretWith(t, extra))
		require.NoError(t, err, name)
		assert.Equal(t, plain, vars, "%s: as without replicas", name)
	}

	vars, err := env(dbSecretWith(t, map[string]any{"readHosts": []string{"replica-1.example"}}))
	require.NoError(t, err)
	assert.Equal(t, testDBPort, vars["DATABASE_READ_PORT"], "without readPort, the secret's port")
	assert.Equal(t, testDBURL("replica-1.example", testDBPort, "/ca.pem"), vars["DATABASE_READ_URLS"])

	for _, bad := range []any{"replica-1.example", []string{"a.example,b.example"}, []string{""}, []string{"a b"}, []any{5432}, map[string]any{}} {
		_, err := env(dbSecretWith(t, map[string]any{"readHosts": bad}))
		assert.EqualError(t, err, "jq: error (at <stdin>:0): the database secret has readHosts that are not host names", "%v", bad)
	}
}

// TestStartScriptCABundle: with a proxy, the container's CA bundle is the
// region's RDS bundle and Amazon's four roots (the proxy's certificate
// comes from AWS Certificate Manager); switching the proxy off leaves the
// RDS bundle alone, as every other test has it. Each part is downloaded
// once.
func TestStartScriptCABundle(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "public.ecr.aws/docker/library/nginx:stable-alpine")
	s := f.sandbox(t, nil)
	bundle := func() string {
		t.Helper()
		b, err := os.ReadFile(s.Env["CA_BUNDLE"])
		require.NoError(t, err)
		info, err := os.Stat(s.Env["CA_BUNDLE"])
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o644), info.Mode().Perm(), "the container reads the bundle as any user")
		return string(b)
	}

	f.moto.PutSecretValue(t, f.dbArn, dbSecretWith(t, map[string]any{"host": "rds-app-dev-a1b2c3d4-proxy.proxy-c9akciq32.eu-west-1.rds.amazonaws.com", "proxy": true}))
	f.configure(t, f.image, f.settings)
	run := s.Run()
	require.NoError(t, run.Err, run.Output)
	assert.Equal(t, testRDSBundle+strings.Join(testAmazonRoots, ""), bundle(), "with a proxy, Amazon's roots too")
	assert.Equal(t, []string{s.Env["CA_BUNDLE"] + ":" + f.boot.HostEnv["CONTAINER_CA_PATH"] + ":ro"}, flagValues(appRuns(run)[len(appRuns(run))-1], "--volume"))

	// Downloaded once: later deploys need no download.
	published := filepath.Dir(strings.TrimPrefix(s.Env["CA_BUNDLE_URL"], "file://"))
	require.NoError(t, os.RemoveAll(published))
	f.moto.PutSecretValue(t, f.dbArn, dbSecretJSON(t, testDBHost, testDBPassword))
	f.configure(t, f.image, f.settings)
	run = s.Run()
	require.NoError(t, run.Err, run.Output)
	assert.Equal(t, testRDSBundle, bundle(), "the proxy switched off, the RDS roots only again")
	entries, err := os.ReadDir(filepath.Dir(s.Env["CA_BUNDLE"]))
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotRegexp(t, `\.[A-Za-z0-9]{6}$`, e.Name(), "a temporary file was left behind")
	}
}

// TestStartScriptCABundleDownloadFails: an Amazon root that cannot be
// downloaded stops the script before anything changes.
func TestStartScriptCABundleDownloadFails(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "public.ecr.aws/docker/library/nginx:stable-alpine")
	f.moto.PutSecretValue(t, f.dbArn, dbSecretWith(t, map[string]any{"proxy": true}))
	f.configure(t, f.image, f.settings)
	s := f.sandbox(t, nil)
	missing := "file://" + filepath.Join(s.Dir, "published", "AmazonRootCA5.pem")
	s.Env["AMAZON_ROOT_CA_URLS"] += " " + missing
	run := s.Run()
	require.Error(t, run.Err)
	assert.Contains(t, run.Output, "could not download Amazon's root CAs from "+missing)
	assert.Empty(t, run.Find("docker", "run"))
	_, err := os.Stat(s.Env["CA_BUNDLE"])
	assert.ErrorIs(t, err, fs.ErrNotExist, "no bundle without all its parts")
}

// TestStartScriptReplacesAProxyThatDoesNotAnswer: a live proxy that runs
// but does not answer (its process stopped, as a hung one) is replaced at
// the next deploy: a new proxy starts beside it and becomes the live one,
// and the old one is stopped gracefully.
func TestStartScriptReplacesAProxyThatDoesNotAnswer(t *testing.T) {
	t.Parallel()
	f := newStartScriptFixture(t, "registry.example.com/shop:v1")
	text := mustJSON(t, baseSettings(t, f.boot))
	f.setSettings(t, text)
	s := f.sandbox(t, nil)
	first := s.Run()
	require.NoError(t, first.Err, first.Output)
	proxyA, proxyB := f.boot.HostEnv["PROXY_NAME"]+"-a", f.boot.HostEnv["PROXY_NAME"]+"-b"
	require.Equal(t, proxyA, readProxyName(t, s))

	hung, err := fakedocker.LoadContainer(s.Env["FAKE_DOCKER_STATE"], proxyA)
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(hung.PID, syscall.SIGSTOP))
	f.setImage(t, "registry.example.com/shop:v2")
	w := s.Start(t)
	gaveUp := "the proxy " + proxyA + " does not answer (its admin API did not answer within 30s); starting a new one beside it"
	require.Eventually(t, func() bool { return strings.Contains(w.Output(), gaveUp) || w.Done() }, 3*time.Minute, 100*time.Millisecond)
	// It wakes up, to take the SIGTERM of its graceful stop.
	require.NoError(t, syscall.Kill(hung.PID, syscall.SIGCONT))
	run := w.Wait(t, 4*time.Minute)
	require.NoError(t, run.Err, run.Output)
	assert.Contains(t, run.Output, gaveUp)
	assert.Contains(t, run.Output, "the proxy now runs "+baseSettings(t, f.boot).ProxyImage+" in "+proxyB)
	assert.Equal(t, proxyB, readProxyName(t, s), "the new proxy is the live one")
	assert.NoFileExists(t, filepath.Join(s.Env["FAKE_DOCKER_STATE"], proxyA+".json"), "the old one is removed")
	code, body := served(t, text, "/")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "registry.example.com/shop:v2", body)
}
