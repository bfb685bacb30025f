//go:build unix

// Package fakedocker is a stand-in for Docker on the host scripts' PATH, so
// the scripts run their real container commands without a Docker daemon.
// Its command (./docker) is built once per test process (Binary) and put on
// the scripts' PATH as `docker`: a small binary of its own, not the test
// binary run again, because every script calls docker dozens of times and
// a test binary that links the Pulumi SDKs takes about 0.1 s of CPU to
// start. Every call is recorded ($SHIM_LOG: NUL between words, RS after
// each command line; `docker login` saves its stdin to $SHIM_STDIN).
// Containers are real processes:
//
//   - the proxy's image (any image whose repository ends in "caddy") runs
//     the real caddy binary ($FAKE_DOCKER_CADDY) with the container's
//     command, its volume paths mapped back to the host's, unless its tag
//     ends in -never or -crash, which behave as an application's do
//     (appBehaviour): a proxy that never answers, one that exits;
//   - any other image runs a small HTTP server (the same binary, in
//     application mode) on the host side of its --publish, behaving as its
//     tag says (appBehaviour).
//
// Images are built for the host's platform ($FAKE_DOCKER_HOST_PLATFORM)
// unless $FAKE_DOCKER_PLATFORMS (JSON: image -> platforms) says otherwise.
// As Docker does, a pull of an image with several platforms but not the
// host's fails with "no matching manifest", an image of one other platform
// pulls with a warning, and its container exits with "exec format error".
//
// A container's state (its spec and process) is a JSON file in
// $FAKE_DOCKER_STATE; `start` starts a stopped container again from it.
package fakedocker

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// fakeAppMode makes the command an application container.
	fakeAppMode = "RDS_APP_TEST_FAKE_APP"
	// fakeAppListen and fakeAppImage tell a fake application where to
	// listen and which image it stands for.
	fakeAppListen = "FAKE_APP_LISTEN"
	fakeAppImage  = "FAKE_APP_IMAGE"
	// fakeAppWrongPlatform tells a fake application that its image is not
	// for the host's CPU.
	fakeAppWrongPlatform = "FAKE_APP_WRONG_PLATFORM"
)

// Main is the command: `docker` with args, or an application container
// when the fake started itself as one.
func Main(args []string) int {
	if os.Getenv(fakeAppMode) == "1" {
		return app()
	}
	return docker(args)
}

// KillContainers ends every process the fake started under state.
func KillContainers(state string) {
	b, _ := os.ReadFile(filepath.Join(state, "pids"))
	for _, line := range strings.Split(string(b), "\n") {
		if pid, err := strconv.Atoi(line); err == nil {
			stopProcess(pid, 0)
		}
	}
}

// Container is a container's state file.
type Container struct {
	Name    string   `json:"name"`
	Image   string   `json:"image"`
	Command []string `json:"command"`
	// Publish is "127.0.0.1:<host port>:<container port>".
	Publish []string `json:"publish"`
	Volumes []string `json:"volumes"`
	Restart string   `json:"restart"`
	Network string   `json:"network"`
	PID     int      `json:"pid"`
	Log     string   `json:"log"`
}

func docker(args []string) int {
	record(args)
	if len(args) == 0 {
		return fail("no command")
	}
	state := os.Getenv("FAKE_DOCKER_STATE")
	if state == "" {
		return fail("FAKE_DOCKER_STATE is not set")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "login":
		in, _ := io.ReadAll(os.Stdin)
		appendFile(os.Getenv("SHIM_STDIN"), in)
		return 0
	case "pull":
		image := rest[len(rest)-1]
		platforms, host := imagePlatforms(image), os.Getenv("FAKE_DOCKER_HOST_PLATFORM")
		switch {
		case len(platforms) > 1 && !slices.Contains(platforms, host):
			// Docker names arm64's variant too.
			if host == "linux/arm64" {
				host += "/v8"
			}
			return fail("no matching manifest for " + host + " in the manifest list entries")
		case len(platforms) == 1 && platforms[0] != host:
			fmt.Fprintf(os.Stderr, "WARNING: The requested image's platform (%s) does not match the detected host platform (%s) and no specific platform was requested\n", platforms[0], host)
		}
		appendFile(filepath.Join(state, "pulled"), []byte(image+"\n"))
		return 0
	case "image":
		fs := flag.NewFlagSet("image inspect", flag.ContinueOnError)
		format := fs.String("format", "", "")
		if len(rest) == 0 || rest[0] != "inspect" || fs.Parse(rest[1:]) != nil || fs.NArg() != 1 {
			return fail("unexpected image arguments")
		}
		image := fs.Arg(0)
		pulled, _ := os.ReadFile(filepath.Join(state, "pulled"))
		if !slices.Contains(strings.Split(string(pulled), "\n"), image) {
			return fail("No such image: " + image)
		}
		switch *format {
		case "":
		case "{{.Os}}/{{.Architecture}}":
			fmt.Println(pulledPlatform(image))
		default:
			return fail("unexpected format " + *format)
		}
		return 0
	case "run":
		return fakeRun(state, rest)
	case "inspect":
		fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
		format := fs.String("format", "", "")
		if fs.Parse(rest) != nil || fs.NArg() != 1 {
			return fail("unexpected inspect arguments")
		}
		c, err := LoadContainer(state, fs.Arg(0))
		if err != nil {
			return fail("No such object: " + fs.Arg(0))
		}
		switch *format {
		case "{{.State.Running}}":
			fmt.Println(alive(c.PID))
		case "{{.Config.Image}}":
			fmt.Println(c.Image)
		default:
			return fail("unexpected format " + *format)
		}
		return 0
	case "logs":
		fs := flag.NewFlagSet("logs", flag.ContinueOnError)
		tail := fs.Int("tail", 0, "")
		if fs.Parse(rest) != nil || fs.NArg() != 1 {
			return fail("unexpected logs arguments")
		}
		c, err := LoadContainer(state, fs.Arg(0))
		if err != nil {
			return fail("No such container: " + fs.Arg(0))
		}
		b, _ := os.ReadFile(c.Log)
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if *tail > 0 && len(lines) > *tail {
			lines = lines[len(lines)-*tail:]
		}
		fmt.Println(strings.Join(lines, "\n"))
		return 0
	case "update":
		fs := flag.NewFlagSet("update", flag.ContinueOnError)
		restart := fs.String("restart", "", "")
		if fs.Parse(rest) != nil || fs.NArg() != 1 {
			return fail("unexpected update arguments")
		}
		c, err := LoadContainer(state, fs.Arg(0))
		if err != nil {
			return fail("No such container: " + fs.Arg(0))
		}
		c.Restart = *restart
		return saveContainer(state, c)
	case "start":
		c, err := LoadContainer(state, rest[0])
		if err != nil {
			return fail("No such container: " + rest[0])
		}
		if alive(c.PID) {
			return 0
		}
		return launch(state, c)
	case "stop":
		fs := flag.NewFlagSet("stop", flag.ContinueOnError)
		grace := fs.Int("time", 10, "")
		if fs.Parse(rest) != nil {
			return fail("unexpected stop arguments")
		}
		code := 0
		for _, name := range fs.Args() {
			c, err := LoadContainer(state, name)
			if err != nil {
				fmt.Fprintf(os.Stderr, "Error response from daemon: No such container: %s\n", name)
				code = 1
				continue
			}
			stopProcess(c.PID, time.Duration(*grace)*time.Second)
		}
		return code
	case "rm":
		fs := flag.NewFlagSet("rm", flag.ContinueOnError)
		force := fs.Bool("force", false, "")
		if fs.Parse(rest) != nil || fs.NArg() != 1 {
			return fail("unexpected rm arguments")
		}
		c, err := LoadContainer(state, fs.Arg(0))
		if err != nil {
			return fail("No such container: " + fs.Arg(0))
		}
		if alive(c.PID) {
			if !*force {
				return fail("You cannot remove a running container " + c.Name)
			}
			stopProcess(c.PID, 0)
		}
		_ = os.Remove(filepath.Join(state, c.Name+".json"))
		return 0
	}
	return fail(fmt.Sprintf("unexpected command %q", args))
}

// fakeRun parses `docker run` as the host scripts use it.
func fakeRun(state string, args []string) int {
	c := Container{Restart: "no"}
	i := 0
	for ; i < len(args) && strings.HasPrefix(args[i], "--"); i++ {
		switch args[i] {
		case "--detach":
			continue
		case "--name":
			c.Name = args[i+1]
		case "--restart":
			c.Restart = args[i+1]
		case "--network":
			c.Network = args[i+1]
		case "--publish":
			c.Publish = append(c.Publish, args[i+1])
		case "--volume":
			c.Volumes = append(c.Volumes, args[i+1])
		case "--env-file", "--log-driver", "--log-opt":
		default:
			return fail("unexpected run flag " + args[i])
		}
		i++
	}
	if i >= len(args) || c.Name == "" {
		return fail("run: no image or no name")
	}
	c.Image, c.Command = args[i], args[i+1:]
	if _, err := LoadContainer(state, c.Name); err == nil {
		return fail(`Conflict. The container name "/` + c.Name + `" is already in use`)
	}
	c.Log = filepath.Join(state, c.Name+".log")
	_ = os.Remove(c.Log)
	if code := launch(state, c); code != 0 {
		return code
	}
	fmt.Println(strings.Repeat("0123456789abcdef", 4))
	return 0
}

// launch starts the container's process in a session of its own, so that
// it outlives this call and can be stopped as a group.
func launch(state string, c Container) int {
	self, err := os.Executable()
	if err != nil {
		return fail(err.Error())
	}
	var cmd *exec.Cmd
	switch b := appBehaviour(c.Image); {
	case isProxyImage(c.Image) && (b == "never" || b == "crash"):
		cmd = exec.Command(self)
		cmd.Env = append(os.Environ(), fakeAppMode+"=1", fakeAppImage+"="+c.Image)
	case isProxyImage(c.Image):
		if len(c.Command) < 1 || c.Command[0] != "caddy" {
			return fail("the proxy's command is not caddy")
		}
		args := make([]string, len(c.Command)-1)
		for i, a := range c.Command[1:] {
			args[i] = hostPath(c.Volumes, a)
		}
		cmd = exec.Command(os.Getenv("FAKE_DOCKER_CADDY"), args...)
		cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+hostPath(c.Volumes, "/data"),
			"XDG_CONFIG_HOME="+filepath.Join(state, c.Name+"-config"), "HOME="+state)
	default:
		if len(c.Publish) != 1 {
			return fail("an application container publishes one port")
		}
		parts := strings.Split(c.Publish[0], ":")
		if len(parts) != 3 || parts[0] != "127.0.0.1" {
			return fail("the application must be published on loopback only, not " + c.Publish[0])
		}
		cmd = exec.Command(self)
		cmd.Env = append(os.Environ(), fakeAppMode+"=1", fakeAppListen+"=127.0.0.1:"+parts[1], fakeAppImage+"="+c.Image)
		if pulledPlatform(c.Image) != os.Getenv("FAKE_DOCKER_HOST_PLATFORM") {
			cmd.Env = append(cmd.Env, fakeAppWrongPlatform+"=1")
		}
	}
	logFile, err := os.OpenFile(c.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fail(err.Error())
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fail(err.Error())
	}
	c.PID = cmd.Process.Pid
	appendFile(filepath.Join(state, "pids"), []byte(strconv.Itoa(c.PID)+"\n"))
	return saveContainer(state, c)
}

// imagePlatforms are the platforms image has variants for
// ($FAKE_DOCKER_PLATFORMS), by default the host's alone.
func imagePlatforms(image string) []string {
	var platforms map[string][]string
	if text := os.Getenv("FAKE_DOCKER_PLATFORMS"); text != "" {
		if err := json.Unmarshal([]byte(text), &platforms); err != nil {
			panic("FAKE_DOCKER_PLATFORMS: " + err.Error())
		}
	}
	if p, ok := platforms[image]; ok {
		return p
	}
	return []string{os.Getenv("FAKE_DOCKER_HOST_PLATFORM")}
}

// pulledPlatform is the platform a pull of image gets: the host's when
// the image has it, else its only one.
func pulledPlatform(image string) string {
	platforms, host := imagePlatforms(image), os.Getenv("FAKE_DOCKER_HOST_PLATFORM")
	if slices.Contains(platforms, host) {
		return host
	}
	return platforms[0]
}

func isProxyImage(image string) bool {
	repo := image
	if i := strings.IndexAny(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return strings.HasSuffix(repo, "/caddy") || repo == "caddy"
}

// hostPath maps a path inside the container to the host's, through the
// container's volumes.
func hostPath(volumes []string, p string) string {
	for _, v := range volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 {
			continue
		}
		if p == parts[1] || strings.HasPrefix(p, parts[1]+"/") {
			return parts[0] + strings.TrimPrefix(p, parts[1])
		}
	}
	return p
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// stopProcess sends SIGTERM to the process group, and SIGKILL after grace.
func stopProcess(pid int, grace time.Duration) {
	if !alive(pid) {
		return
	}
	if grace > 0 {
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		for deadline := time.Now().Add(grace); time.Now().Before(deadline) && alive(pid); {
			time.Sleep(20 * time.Millisecond)
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	for i := 0; i < 250 && alive(pid); i++ {
		time.Sleep(20 * time.Millisecond)
	}
}

// LoadContainer reads the state of the container name.
func LoadContainer(state, name string) (Container, error) {
	var c Container
	b, err := os.ReadFile(filepath.Join(state, name+".json"))
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(b, &c)
}

func saveContainer(state string, c Container) int {
	b, err := json.Marshal(c)
	if err != nil {
		return fail(err.Error())
	}
	if err := os.WriteFile(filepath.Join(state, c.Name+".json"), b, 0o600); err != nil {
		return fail(err.Error())
	}
	return 0
}

// record appends the command line to $SHIM_LOG.
func record(args []string) {
	var b strings.Builder
	b.WriteString("docker")
	for _, a := range args {
		b.WriteString("\x00" + a)
	}
	b.WriteString("\x1e")
	appendFile(os.Getenv("SHIM_LOG"), []byte(b.String()))
}

func appendFile(path string, data []byte) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(data)
}

func fail(msg string) int {
	fmt.Fprintf(os.Stderr, "Error response from daemon: %s\n", msg)
	return 1
}

// appBehaviour is what an application image does, by its tag:
//
//	…:<x>-never   runs but never listens (a boot that does not end)
//	…:<x>-500     answers 500 to everything
//	…:<x>-crash   exits at once
//	anything else answers 200 with its image, after FAKE_APP_BOOT_MS
func appBehaviour(image string) string {
	for _, b := range []string{"never", "500", "crash"} {
		if strings.HasSuffix(image, "-"+b) {
			return b
		}
	}
	return "healthy"
}

// app is an application container. GET /load/slow?ms=N answers after
// N milliseconds (a request in flight at a switch), /notfound… with 404,
// /moved with a redirect, anything else at once with 200; every answer's
// body is the image, so a client sees which version served it. It logs
// every request but the load's. SIGTERM shuts it down gracefully, as a real
// server would.
func app() int {
	image, listen := os.Getenv(fakeAppImage), os.Getenv(fakeAppListen)
	logger := log.New(os.Stdout, "", 0)
	if os.Getenv(fakeAppWrongPlatform) != "" {
		// What the kernel says to a binary for another CPU.
		logger.Printf("exec /app: exec format error")
		return 1
	}
	behaviour := appBehaviour(image)
	logger.Printf("fake application %s (%s) starting", image, behaviour)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	switch behaviour {
	case "crash":
		for i := 1; i <= 60; i++ {
			logger.Printf("boot line %d", i)
		}
		logger.Printf("panic: cannot connect to the database")
		return 2
	case "never":
		<-stop
		return 0
	}
	if ms, err := strconv.Atoi(os.Getenv("FAKE_APP_BOOT_MS")); err == nil {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		logger.Printf("listen: %v", err)
		return 1
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The load's requests are not logged; the health checks are.
		if !strings.HasPrefix(r.URL.Path, "/load") {
			logger.Printf("%s %s", r.Method, r.URL.RequestURI())
		}
		switch {
		case behaviour == "500":
			logger.Printf("error: the database is unreachable")
			http.Error(w, "internal error from "+image, http.StatusInternalServerError)
			return
		case strings.HasPrefix(r.URL.Path, "/notfound"):
			http.NotFound(w, r)
			return
		case r.URL.Path == "/moved":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		case r.URL.Path == "/load/slow":
			ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
			time.Sleep(time.Duration(ms) * time.Millisecond)
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, image)
	})}
	logger.Printf("listening on %s", listen)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case <-stop:
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		logger.Printf("shutting down")
		_ = srv.Shutdown(ctx)
		return 0
	case err := <-done:
		if !errors.Is(err, http.ErrServerClosed) {
			logger.Printf("serve: %v", err)
			return 1
		}
		return 0
	}
}
