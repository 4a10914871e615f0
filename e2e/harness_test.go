package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/progress/progressui"
)

// buildTimeout bounds every single build, so a hang fails one case instead of
// eating the whole go test timeout.
const buildTimeout = 10 * time.Minute

// env is what the running test environment provides (hack/env.sh env).
type env struct {
	host     string // BUILDKIT_HOST
	registry string // MSTAGE_REGISTRY, e.g. 127.0.0.1:5000
	builder  string // MSTAGE_BUILDER: buildx builder attached to host
	frontend string // MSTAGE_FRONTEND_IMAGE: the frontend image under test
	envDir   string // MSTAGE_ENV_DIR: holds buildkitd.toml
	pidDir   string // MSTAGE_E2E_PID_DIR: where daemons we start are recorded
	repoRoot string
	runID    string // distinguishes this run's images and cache ids from earlier runs
}

func loadEnv(t *testing.T) *env {
	t.Helper()
	if testing.Short() {
		t.Skip("e2e: skipped under -short; these tests need a real buildkitd (run hack/test.sh)")
	}
	host := os.Getenv("BUILDKIT_HOST")
	if host == "" {
		t.Skip(`e2e: set BUILDKIT_HOST to run the end-to-end tests (eval "$(hack/env.sh env)"), or run hack/test.sh`)
	}
	e := &env{
		host:     host,
		registry: os.Getenv("MSTAGE_REGISTRY"),
		builder:  os.Getenv("MSTAGE_BUILDER"),
		frontend: os.Getenv("MSTAGE_FRONTEND_IMAGE"),
		envDir:   os.Getenv("MSTAGE_ENV_DIR"),
		pidDir:   os.Getenv("MSTAGE_E2E_PID_DIR"),
	}
	if e.registry == "" {
		t.Fatal(`e2e: BUILDKIT_HOST is set but MSTAGE_REGISTRY is not; run: eval "$(hack/env.sh env)"`)
	}
	if e.envDir == "" {
		e.envDir = "/tmp/mstage-env"
	}
	_, file, _, _ := runtime.Caller(0)
	e.repoRoot = filepath.Dir(filepath.Dir(file))
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	e.runID = time.Now().UTC().Format("0102-150405") + "-" + hex.EncodeToString(b[:])
	return e
}

// imageRef names an image of this run in the test registry.
func (e *env) imageRef(m mode, name string) string {
	return fmt.Sprintf("%s/e2e/%s/%s:%s", e.registry, m.name(), name, e.runID)
}

func (e *env) testdata(name string) string {
	return filepath.Join(e.repoRoot, "e2e", "testdata", name)
}

type outputKind int

const (
	outputNone  outputKind = iota
	outputImage            // push to ref
	outputLocal            // export the filesystem to dir
	outputTar              // export the filesystem as a tarball to file
)

type output struct {
	kind outputKind
	ref  string
	dir  string
}

func pushTo(ref string) output  { return output{kind: outputImage, ref: ref} }
func localTo(dir string) output { return output{kind: outputLocal, dir: dir} }
func tarTo(file string) output  { return output{kind: outputTar, dir: file} }
func (o output) String() string {
	switch o.kind {
	case outputImage:
		return "push " + o.ref
	case outputLocal:
		return "local " + o.dir
	case outputTar:
		return "tar " + o.dir
	}
	return "no output"
}

// buildRequest is one build, described independently of how it is invoked.
type buildRequest struct {
	dir       string // build context; the spec is dir/mstage.yaml
	target    string
	platforms []string
	args      map[string]string
	contexts  map[string]string // named context -> directory
	secrets   map[string]string // id -> value
	out       output
	cacheTo   string  // registry cache ref (mode=max)
	cacheFrom string  // registry cache ref
	daemon    *daemon // nil: the environment's buildkitd
	// noCache is --no-cache when empty but not nil, --no-cache-filter
	// with its stage names otherwise; nil uses the cache.
	noCache []string
	// frontendAttrs are extra frontend attributes, such as
	// attest:provenance; only the client mode passes them.
	frontendAttrs map[string]string
}

func (r buildRequest) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/mstage.yaml", r.dir)
	if r.target != "" {
		fmt.Fprintf(&b, " target=%s", r.target)
	}
	if len(r.platforms) > 0 {
		fmt.Fprintf(&b, " platform=%s", strings.Join(r.platforms, ","))
	}
	for _, k := range sortedKeys(r.args) {
		fmt.Fprintf(&b, " build-arg:%s=%s", k, r.args[k])
	}
	for _, k := range sortedKeys(r.contexts) {
		fmt.Fprintf(&b, " context:%s=%s", k, r.contexts[k])
	}
	fmt.Fprintf(&b, " (%s)", r.out)
	if r.daemon != nil {
		fmt.Fprintf(&b, " on %s", r.daemon.addr)
	}
	return b.String()
}

// buildResult is what a build gave back, in every mode.
type buildResult struct {
	err      error
	stderr   string            // CLI modes: stderr minus the progress stream
	metadata map[string]string // exporter response / --metadata-file
	statuses []*client.SolveStatus
}

// errorText is everything the user would read about a failure.
func (r *buildResult) errorText() string {
	s := r.stderr
	if r.err != nil {
		s = r.err.Error() + "\n" + s
	}
	return s
}

// progress renders the collected status stream as buildkit's plain progress.
func (r *buildResult) progress() string {
	var buf bytes.Buffer
	d, err := progressui.NewDisplay(&buf, progressui.PlainMode)
	if err != nil {
		return err.Error()
	}
	ch := make(chan *client.SolveStatus, len(r.statuses))
	for _, s := range r.statuses {
		ch <- s
	}
	close(ch)
	if _, err := d.UpdateFrom(context.Background(), ch); err != nil {
		fmt.Fprintf(&buf, "(progress display: %v)\n", err)
	}
	return buf.String()
}

// vertices merges the status updates into the final state of every vertex.
func (r *buildResult) vertices() []*client.Vertex {
	byDigest := map[string]*client.Vertex{}
	var order []string
	for _, s := range r.statuses {
		for _, v := range s.Vertexes {
			k := v.Digest.String()
			if _, ok := byDigest[k]; !ok {
				order = append(order, k)
			}
			byDigest[k] = v
		}
	}
	out := make([]*client.Vertex, 0, len(order))
	for _, k := range order {
		out = append(out, byDigest[k])
	}
	return out
}

// build runs req in mode m and records enough to explain a failure.
func build(t *testing.T, e *env, m mode, req buildRequest) *buildResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	start := time.Now()
	t.Logf("build (%s): %s", m.name(), req)
	res := m.build(ctx, t, e, req)
	if ctx.Err() != nil {
		res.err = fmt.Errorf("build timed out after %s: %w (last progress below)", buildTimeout, errorOr(res.err, ctx.Err()))
	}
	t.Logf("build (%s) finished in %s, err=%v", m.name(), time.Since(start).Round(100*time.Millisecond), res.err)
	return res
}

func errorOr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// mustBuild runs req and fails the test, with the build's progress, if it fails.
func mustBuild(t *testing.T, e *env, m mode, req buildRequest) *buildResult {
	t.Helper()
	res := build(t, e, m, req)
	if res.err != nil {
		t.Fatalf("build failed: %v\n%s\n--- progress ---\n%s", res.err, res.stderr, tail(res.progress(), 120))
	}
	return res
}

// mustFail runs req and fails the test if the build succeeds.
func mustFail(t *testing.T, e *env, m mode, req buildRequest) *buildResult {
	t.Helper()
	res := build(t, e, m, req)
	if res.err == nil {
		t.Fatalf("build succeeded, want an error\n--- progress ---\n%s", tail(res.progress(), 120))
	}
	return res
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) <= lines {
		return s
	}
	return fmt.Sprintf("... (%d lines omitted)\n%s", len(parts)-lines, strings.Join(parts[len(parts)-lines:], "\n"))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
