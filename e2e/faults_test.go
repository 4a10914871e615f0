package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
)

// bigFileSize is the size of testdata/fault-push's random file: large
// enough that its upload to a registry on loopback lasts far longer than the
// few milliseconds the test needs to notice it and kill the registry.
const bigFileSize = 300 << 20

// TestRegistryStoppedMidPush kills the registry while buildx pushes a 300 MiB
// layer to it: the build must fail promptly with an error that names the
// registry, and the same command must push the complete image once the
// registry is back.
func TestRegistryStoppedMidPush(t *testing.T) {
	e := loadEnv(t)
	requireBuildx(t, e, "crane")
	reg := startRegistry(t)
	d := startDaemonWith(t, e, daemonOptions{
		extraConfig: fmt.Sprintf("[registry.%q]\n  http = true\n  insecure = true\n", reg.addr),
	})
	dir := e.testdata("fault-push")
	ref := reg.addr + "/e2e/fault-push:" + e.runID
	args := []string{
		"--builder", d.buildxBuilder(t),
		"--file", filepath.Join(dir, specFile),
		"--build-arg", "BUILDKIT_SYNTAX=" + e.frontend,
		"--platform", amd64,
		"--progress", "rawjson",
		"--output", "type=image,name=" + ref + ",push=true,registry.insecure=true",
		dir,
	}

	start := time.Now()
	b := startBuildx(t, 120*time.Second, args, nil)
	upload := ""
	for upload == "" {
		select {
		case <-b.done:
			t.Fatalf("the build ended before an upload of the big layer was seen: %v\n%s\n--- progress ---\n%s",
				b.res.err, b.res.stderr, tail(b.res.progress(), 60))
		case <-time.After(2 * time.Millisecond):
			upload = reg.uploadInProgress(t, 1<<20)
		}
	}
	reg.kill(t)
	killed := time.Now()
	t.Logf("killed the registry %s after the build started, while it was receiving %s",
		killed.Sub(start).Round(100*time.Millisecond), upload)

	res := b.wait()
	took := time.Since(killed)
	t.Logf("the build failed %s after the registry was killed: %v\n%s", took.Round(100*time.Millisecond), res.err, res.stderr)
	if res.err == nil {
		t.Fatal("the push succeeded although the registry was killed in the middle of it")
	}
	// Observed (buildx v0.38.2, BuildKit v0.34.2), 0.1 to 1.1s after the kill:
	//   ERROR: failed to build: failed to solve: failed to push
	//   127.0.0.1:PORT/e2e/fault-push:TAG: failed to copy: failed to do
	//   request: Put "https://127.0.0.1:PORT/v2/e2e/fault-push/blobs/uploads/
	//   ID?digest=sha256%3A...": dial tcp 127.0.0.1:PORT: connect: connection
	//   refused
	// or, when buildkitd had retried the broken upload once (after 1s),
	//   ... failed to push 127.0.0.1:PORT/e2e/fault-push:TAG: failed to do
	//   request: Head "https://127.0.0.1:PORT/v2/e2e/fault-push/blobs/
	//   sha256:...": dial tcp 127.0.0.1:PORT: connect: connection refused
	// buildkitd retries transient push errors (a reset connection) but not a
	// refused one.
	if took > 60*time.Second {
		t.Errorf("the build took %s to fail after the registry was killed, want at most 60s", took.Round(time.Second))
	}
	msg := res.errorText()
	for _, want := range []string{
		"failed to push " + ref,
		"dial tcp " + reg.addr,
		"connection refused",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not contain %q:\n%s", want, msg)
		}
	}

	reg.start(t)
	again := time.Now()
	res = startBuildx(t, 60*time.Second, args, nil).wait()
	if res.err != nil {
		t.Fatalf("the same push failed after the registry was restarted: %v\n%s\n--- progress ---\n%s",
			res.err, res.stderr, tail(res.progress(), 60))
	}
	t.Logf("the same command pushed %s in %s once the registry was back", ref, time.Since(again).Round(100*time.Millisecond))
	// Only the push is repeated: the step that made the file is cached.
	var made *client.Vertex
	for _, v := range res.vertices() {
		if strings.Contains(v.Name, "head -c") {
			made = v
		}
	}
	if made == nil {
		t.Errorf("the second build's progress lacks the step that writes /out/big:\n%s", res.progress())
	} else if !made.Cached {
		t.Errorf("%q ran again after the failed push instead of coming from the cache", made.Name)
	}
	checkBigLayer(t, ref)
}

// checkBigLayer reads ref's linux/amd64 image from the registry and checks
// that one of its layers holds data/big with bigFileSize bytes; the client
// verifies every layer's digest as it reads it.
func checkBigLayer(t *testing.T, ref string) {
	t.Helper()
	img := imageForPlatform(t, fetchImages(t, ref), amd64)
	layers, err := img.image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for i, l := range layers {
		compressed, err := l.Size()
		if err != nil {
			t.Fatal(err)
		}
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("layer %d: reading tar: %v", i, err)
			}
			if strings.TrimPrefix(h.Name, "/") != "data/big" {
				continue
			}
			found = true
			n, err := io.Copy(io.Discard, tr)
			if err != nil {
				t.Fatalf("layer %d: reading data/big: %v", i, err)
			}
			if h.Size != bigFileSize || n != bigFileSize {
				t.Errorf("layer %d: data/big has %d bytes (header says %d), want %d", i, n, h.Size, bigFileSize)
			}
			// Random bytes do not compress: a much smaller layer would mean
			// the registry holds a truncated or different blob.
			if compressed < bigFileSize {
				t.Errorf("layer %d holding data/big is %d bytes compressed, want at least %d", i, compressed, bigFileSize)
			}
			t.Logf("layer %d (%d bytes compressed) holds data/big (%d bytes)", i, compressed, n)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		if err := rc.Close(); err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
	}
	if !found {
		t.Errorf("no layer of %s holds data/big", ref)
	}
}

// TestBuildkitdKilledMidBuild kills buildkitd while a long step runs: the
// client must fail promptly with a clear error, and a daemon restarted on the
// same root must still have the finished first step in its cache.
func TestBuildkitdKilledMidBuild(t *testing.T) {
	e := loadEnv(t)
	requireBuildx(t, e)
	d := startDaemon(t, e)
	dir := e.testdata("fault-kill")
	args := func(nap, out string) []string {
		return []string{
			"--builder", d.buildxBuilder(t),
			"--file", filepath.Join(dir, specFile),
			"--build-arg", "BUILDKIT_SYNTAX=" + e.frontend,
			"--build-arg", "NAP=" + nap,
			"--platform", amd64,
			"--progress", "rawjson",
			"--output", "type=local,dest=" + out,
			dir,
		}
	}
	const firstStep, longStep = "echo ready > /out/first", `sleep "$NAP"`

	sleeping := make(chan struct{})
	var once sync.Once
	b := startBuildx(t, 90*time.Second, args("120", t.TempDir()), func(s *client.SolveStatus) {
		for _, v := range s.Vertexes {
			if strings.Contains(v.Name, longStep) && v.Started != nil && v.Completed == nil {
				once.Do(func() { close(sleeping) })
			}
		}
	})
	select {
	case <-sleeping:
	case <-b.done:
		t.Fatalf("the build ended before the long step started: %v\n%s\n--- progress ---\n%s",
			b.res.err, b.res.stderr, tail(b.res.progress(), 60))
	case <-time.After(80 * time.Second):
		t.Fatal("the long step had not started after 80s")
	}
	// The progress says the step started; its shell must really be running.
	if ps := waitForProcesses(t, longStep, true, 10*time.Second); len(ps) == 0 {
		t.Fatalf("the progress shows the long step running, but no process runs %q", longStep)
	}
	d.kill(t)
	killed := time.Now()
	res := b.wait()
	took := time.Since(killed)
	t.Logf("the client failed %s after buildkitd was killed: %v\n%s", took.Round(100*time.Millisecond), res.err, res.stderr)
	if res.err == nil {
		t.Fatal("the build succeeded although buildkitd was killed during its long step")
	}
	if took > 30*time.Second {
		t.Errorf("the client took %s to fail after buildkitd was killed, want at most 30s", took.Round(time.Second))
	}
	// Observed at once after the kill, in one of two forms depending on which
	// of buildx's streams notices first:
	//   ERROR: failed to build: failed to receive status: rpc error: code =
	//   Unavailable desc = error reading from server: EOF
	//   ERROR: failed to build: failed to solve: Unavailable: error reading
	//   from server: EOF
	msg := res.errorText()
	for _, want := range []string{"Unavailable", "error reading from server: EOF"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not contain %q:\n%s", want, msg)
		}
	}
	// BuildKit v0.34.2 leaves the running step behind: runc dies with
	// buildkitd (its parent-death signal), the container does not, and the
	// restarted daemon does not know it. Remove it the way an operator would,
	// then make sure it is gone.
	for _, c := range d.deleteLeftoverSteps(t) {
		t.Logf("buildkitd left runc container %s behind (pid %d, %s); deleted it with runc delete --force", c.ID, c.Pid, c.Status)
	}
	if ps := waitForProcesses(t, longStep, false, 10*time.Second); len(ps) > 0 {
		t.Errorf("the long step still runs after its container was deleted: %v", ps)
		for pid := range ps {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}

	d.restart(t)
	out := t.TempDir()
	res = startBuildx(t, 60*time.Second, args("1", out), nil).wait()
	if res.err != nil {
		t.Fatalf("the build failed on the restarted daemon: %v\n%s\n--- progress ---\n%s",
			res.err, res.stderr, tail(res.progress(), 60))
	}
	var first, long *client.Vertex
	for _, v := range res.vertices() {
		switch {
		case strings.Contains(v.Name, firstStep):
			first = v
		case strings.Contains(v.Name, longStep):
			long = v
		}
	}
	if first == nil || long == nil {
		t.Fatalf("the progress lacks the two steps:\n%s", res.progress())
	}
	if !first.Cached {
		t.Errorf("%q ran again on the restarted daemon: its cache was lost\n%s", first.Name, res.progress())
	}
	if long.Cached {
		t.Errorf("%q was cached although NAP changed", long.Name)
	}
	files, _ := readTree(t, out)
	for name, want := range map[string]string{"first": "ready", "second": "slept"} {
		if got := strings.TrimSpace(string(files[name])); got != want {
			t.Errorf("the exported %s holds %q, want %q (files: %v)", name, got, want, keysOf(files))
		}
	}
}

// processesWith lists the processes whose command line contains marker, as
// "PID: ARGS".
func processesWith(t *testing.T, marker string) map[int]string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(marker)) {
			continue
		}
		out[pid] = strings.Join(strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00"), " ")
	}
	return out
}

// waitForProcesses polls until processesWith(marker) is non-empty (present)
// or empty (!present), for at most timeout; it returns the last list.
func waitForProcesses(t *testing.T, marker string, present bool, timeout time.Duration) map[int]string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ps := processesWith(t, marker)
		if (len(ps) > 0) == present || time.Now().After(deadline) {
			return ps
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// requireBuildx skips the test unless the frontend image, buildx,
// buildkitd and bins are there.
func requireBuildx(t *testing.T, e *env, bins ...string) {
	t.Helper()
	if e.frontend == "" {
		t.Skip("e2e: MSTAGE_FRONTEND_IMAGE is not set (hack/build-frontend.sh prints it; hack/test.sh sets it)")
	}
	for _, bin := range append([]string{"buildx", "buildkitd"}, bins...) {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("e2e: %s is not on PATH (eval \"$(hack/env.sh env)\")", bin)
		}
	}
}

// runningBuild is a buildx build running in the background.
type runningBuild struct {
	done chan struct{} // closed when the client has exited; res is set then
	res  *buildResult
}

func (b *runningBuild) wait() *buildResult {
	<-b.done
	return b.res
}

// startBuildx starts buildx build with args, which must include
// --progress rawjson, and hands every status to onStatus (when not nil) as it
// arrives. The client is killed after timeout, and when the test ends.
func startBuildx(t *testing.T, timeout time.Duration, args []string, onStatus func(*client.SolveStatus)) *runningBuild {
	t.Helper()
	t.Logf("$ buildx build %s", strings.Join(args, " "))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	b := &runningBuild{done: make(chan struct{}), res: &buildResult{}}
	t.Cleanup(func() {
		cancel()
		<-b.done
	})
	var text strings.Builder
	var statuses []*client.SolveStatus
	w := &lineWriter{onLine: func(line []byte) {
		if bytes.HasPrefix(line, []byte("{")) {
			var s client.SolveStatus
			if json.Unmarshal(line, &s) == nil {
				statuses = append(statuses, &s)
				if onStatus != nil {
					onStatus(&s)
				}
				return
			}
		}
		text.Write(line)
		text.WriteByte('\n')
	}}
	cmd := exec.CommandContext(ctx, "buildx", append([]string{"build"}, args...)...)
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.WaitDelay = 10 * time.Second
	go func() {
		defer close(b.done)
		defer cancel()
		err := cmd.Run()
		w.flush()
		b.res.statuses = statuses
		b.res.stderr = text.String()
		if err != nil {
			b.res.err = fmt.Errorf("buildx build: %w", err)
			if ctx.Err() != nil {
				b.res.err = fmt.Errorf("%w (%v)", b.res.err, ctx.Err())
			}
		}
	}()
	return b
}

// lineWriter calls onLine with each complete line written to it. exec copies
// stdout and stderr into the same writer from one goroutine.
type lineWriter struct {
	mu     sync.Mutex
	buf    []byte
	onLine func([]byte)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.onLine(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.onLine(w.buf)
		w.buf = nil
	}
}

// testRegistry is a crane registry the test runs on a port and disk of its
// own, so it can kill and restart it.
type testRegistry struct {
	addr    string // 127.0.0.1:PORT
	disk    string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	logFile *os.File
}

// startRegistry starts a registry on a free port; it is killed when the test
// ends.
func startRegistry(t *testing.T) *testRegistry {
	t.Helper()
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &testRegistry{
		addr:    l.Addr().String(),
		disk:    filepath.Join(dir, "disk"),
		logPath: filepath.Join(dir, "registry.log"),
	}
	_ = l.Close()
	if err := os.Mkdir(r.disk, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if r.cmd != nil {
			r.kill(t)
		}
	})
	r.start(t)
	return r
}

// start runs crane registry serve on r's address and disk and waits until it
// answers.
func (r *testRegistry) start(t *testing.T) {
	t.Helper()
	if r.cmd != nil {
		t.Fatal("the registry is already running")
	}
	logFile, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("crane", "registry", "serve", "--address", r.addr, "--disk", r.disk)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		t.Fatalf("starting crane registry serve: %v", err)
	}
	r.cmd, r.logFile, r.exited = cmd, logFile, make(chan struct{})
	exited := r.exited
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + r.addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("registry at %s (pid %d, disk %s)", r.addr, cmd.Process.Pid, r.disk)
				return
			}
			err = errors.New(resp.Status)
		}
		select {
		case <-exited:
			t.Fatalf("the registry exited during startup:\n%s", readTail(r.logPath, 20))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the registry at %s did not answer within 20s: %v\n%s", r.addr, err, readTail(r.logPath, 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the registry with SIGKILL and waits until it is gone.
func (r *testRegistry) kill(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Kill(); err != nil {
		t.Errorf("killing the registry (pid %d): %v", r.cmd.Process.Pid, err)
	}
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		t.Errorf("the registry (pid %d) had not exited 10s after SIGKILL", r.cmd.Process.Pid)
	}
	_ = r.logFile.Close()
	r.cmd = nil
}

// uploadInProgress names a blob upload the registry is receiving that has
// reached minSize bytes, or returns "". crane's disk store streams each
// uploaded blob into an upload-* file in its disk directory and renames it
// to its digest when the upload is complete.
func (r *testRegistry) uploadInProgress(t *testing.T, minSize int64) string {
	t.Helper()
	entries, err := os.ReadDir(r.disk)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range entries {
		if !strings.HasPrefix(ent.Name(), "upload-") {
			continue
		}
		info, err := ent.Info()
		if err != nil {
			continue // renamed since ReadDir
		}
		if info.Size() >= minSize {
			return fmt.Sprintf("%s (%d MiB so far)", ent.Name(), info.Size()>>20)
		}
	}
	return ""
}
