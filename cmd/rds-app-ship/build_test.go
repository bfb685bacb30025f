//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rds-app/rds-app/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// server is the application the real build ships: a static HTTP server,
// on net alone (net/http would take the cold build of the arm64 standard
// library from about 15 to 40 seconds).
const server = `package main

import "net"

func main() {
	l, err := net.Listen("tcp", ":8080")
	if err != nil {
		panic(err)
	}
	for {
		c, err := l.Accept()
		if err != nil {
			continue
		}
		c.Write([]byte("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n"))
		c.Close()
	}
}
`

// A real build and push: buildah builds a static arm64 server FROM scratch
// (nothing is downloaded) for the dev stack's Graviton hosts, logs in with
// the password ECR (the emulator) hands out, and pushes to a real registry
// on loopback that accepts only that password. The digest the registry
// reports is the one app.image names afterwards, and pulumi up runs.
func TestShipBuildsAndPushes(t *testing.T) {
	goTool := testenv.RequireTool(t, "go")
	testenv.RequireTool(t, "buildah")
	moto := testenv.StartMoto(t)
	moto.UseFor(t)
	password := ecrPassword(t, moto)
	registry := testenv.StartRegistry(t, "AWS", password)
	repo := ecrRepository(t, moto, "rds-app-dev-app-1a2b3c")

	// buildah's storage, for this test only, and the settings that let it
	// build as root inside a container (the user's own are left alone).
	storage := t.TempDir()
	t.Setenv("CONTAINERS_STORAGE_CONF", testenv.WriteTemp(t, storage, "storage.conf", "[storage]\ndriver = \"vfs\"\n"+
		"graphroot = \""+filepath.Join(storage, "graph")+"\"\nrunroot = \""+filepath.Join(storage, "run")+"\"\n", 0o644))
	t.Setenv("BUILDAH_ISOLATION", "chroot")
	t.Setenv("STORAGE_DRIVER", "vfs")

	h := newHarness(t, repo, map[string]string{
		"main.go":    server,
		"go.mod":     "module example.com/server\n\ngo 1.22\n",
		"Dockerfile": "FROM scratch\nCOPY server /server\nEXPOSE 8080\nENTRYPOINT [\"/server\"]\n",
	})
	build := exec.Command(goTool, "build", "-trimpath", "-o", "server", ".")
	build.Dir = h.app
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64", "GOFLAGS=")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	git(t, h.app, "add", "server")
	git(t, h.app, "commit", "-q", "-m", "the server")
	commit := git(t, h.app, "rev-parse", "HEAD")

	require.Equal(t, 0, h.run("--stack", "dev", "--builder", "buildah", "--registry", registry.Host, "--tls-verify=false"))

	digest := registry.ManifestDigest(t, "rds-app-dev-app-1a2b3c", commit)
	require.Regexp(t, `^sha256:[0-9a-f]{64}$`, digest)
	assert.Equal(t, repo+"@"+digest, h.image(), "app.image names the digest the registry reports")
	assert.Contains(t, h.stderr.String(), "rds-app-ship: built "+registry.Host+"/rds-app-dev-app-1a2b3c:"+commit+" for linux/arm64")
	login := indexOf(h.argv, "login")
	require.GreaterOrEqual(t, login, 0)
	assert.Equal(t, password, h.stdin[strings.Join(h.argv[login], " ")], "the password reaches buildah login on its standard input")
	h.assertNoPassword(password)

	runs := pulumiRuns(t)
	require.Len(t, runs, 2)
	assert.Equal(t, pulumiRun{dir: realDir(t, h.project), args: []string{"up", "--stack", "dev"}}, runs[1])
}
