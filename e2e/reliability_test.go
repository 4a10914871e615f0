package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"

	"github.com/mstage/mstage/frontend"
	"github.com/mstage/mstage/llbgen"
	"github.com/mstage/mstage/spec"
)

// TestSecretNeverLeaks builds testdata/secret with a max-mode provenance
// attestation and searches everything pushed, and the compiled LLB, for the
// secret's value.
func TestSecretNeverLeaks(t *testing.T) {
	e := loadEnv(t)
	dir := e.testdata("secret")

	t.Run("llb", func(t *testing.T) {
		secret := "mstage-e2e-secret-" + randomHex(t, 16)
		def := compileLLB(t, filepath.Join(dir, specFile), amd64, map[string]string{"NONCE": "llb-" + e.runID})
		if bytes.Contains(def, []byte(secret)) {
			t.Errorf("the marshalled LLB contains the secret value")
		}
		// The positive side: the steps do get the secret, through mounts.
		var fileMounts, envSecrets int
		for _, op := range decodeOps(t, def) {
			ex := op.GetExec()
			if ex == nil {
				continue
			}
			for _, m := range ex.Mounts {
				if m.MountType == pb.MountType_SECRET && m.SecretOpt.GetID() == "token" {
					fileMounts++
				}
			}
			for _, s := range ex.Secretenv {
				if s.ID == "token" && s.Name == "TOKEN_VALUE" {
					envSecrets++
				}
			}
			for _, env := range ex.Meta.GetEnv() {
				if strings.HasPrefix(env, "TOKEN_VALUE=") {
					t.Errorf("the secret variable is set as a plain environment variable: %q", env)
				}
			}
		}
		if fileMounts != 2 || envSecrets != 1 {
			t.Errorf("the LLB has %d secret file mounts and %d secret env vars with id token, want 2 and 1", fileMounts, envSecrets)
		}
	})

	for _, m := range []mode{clientMode{}, buildxMode{}} {
		t.Run(m.name(), func(t *testing.T) {
			if why := m.unavailable(e); why != "" {
				t.Skipf("e2e: %s mode unavailable: %s", m.name(), why)
			}
			secret := "mstage-e2e-secret-" + randomHex(t, 16)
			nonce := "provenance-" + m.name() + "-" + e.runID
			ref := e.imageRef(m, "secret-provenance")
			req := buildRequest{
				dir:       dir,
				platforms: []string{amd64},
				args:      map[string]string{"NONCE": nonce},
				secrets:   map[string]string{"token": secret},
				out:       pushTo(ref),
			}
			ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
			defer cancel()
			var res *buildResult
			if m.name() == "client" {
				req.frontendAttrs = map[string]string{"attest:provenance": "mode=max"}
				res = clientMode{}.build(ctx, t, e, req)
			} else {
				res = buildxWithProvenance(ctx, t, e, req)
			}
			if res.err != nil {
				t.Fatalf("build failed: %v\n%s\n--- progress ---\n%s", res.err, res.stderr, tail(res.progress(), 80))
			}
			blobs := pushedBlobs(t, ref)
			var attestations int
			for _, b := range blobs {
				if bytes.Contains(b.data, []byte(secret)) {
					t.Errorf("%s contains the secret value", b.what)
				}
				if strings.HasPrefix(b.what, "attestation") && strings.Contains(b.what, "layer") && bytes.Contains(b.data, []byte("slsa.dev/provenance")) {
					attestations++
					// Proof that this is the max-mode provenance, with the
					// build's args and LLB, and that the search can find things.
					for _, want := range []string{nonce, "llbDefinition"} {
						if !bytes.Contains(b.data, []byte(want)) {
							t.Errorf("%s lacks %q: not a mode=max provenance?", b.what, want)
						}
					}
				}
			}
			if attestations == 0 {
				var names []string
				for _, b := range blobs {
					names = append(names, b.what)
				}
				t.Fatalf("no provenance attestation among the pushed blobs: %v", names)
			}
			t.Logf("searched %d blobs (%d provenance) for the secret", len(blobs), attestations)
		})
	}
}

func buildxWithProvenance(ctx context.Context, t *testing.T, e *env, req buildRequest) *buildResult {
	meta := filepath.Join(t.TempDir(), "metadata.json")
	args := []string{"build",
		"--builder", e.builder,
		"--file", filepath.Join(req.dir, specFile),
		"--build-arg", "BUILDKIT_SYNTAX=" + e.frontend,
		"--platform", strings.Join(req.platforms, ","),
		"--provenance=mode=max",
		"--progress", "rawjson",
		"--metadata-file", meta,
		"--output", "type=image,name=" + req.out.ref + ",push=true,registry.insecure=true",
	}
	for _, k := range sortedKeys(req.args) {
		args = append(args, "--build-arg", k+"="+req.args[k])
	}
	for _, id := range sortedKeys(req.secrets) {
		args = append(args, "--secret", "id="+id+",src="+secretFile(t, id, req.secrets[id]))
	}
	return runCLI(ctx, t, meta, "buildx", append(args, req.dir)...)
}

// blob is one thing pushed to the registry, decompressed when it was gzip.
type blob struct {
	what string
	data []byte
}

// pushedBlobs returns everything reachable from ref: the index, every
// manifest (images and attestations), their configs and their layers.
func pushedBlobs(t *testing.T, ref string) []blob {
	t.Helper()
	desc, err := remote.Get(parseRef(t, ref))
	if err != nil {
		t.Fatalf("fetching %s: %v", ref, err)
	}
	out := []blob{{what: "the index", data: desc.Manifest}}
	if !desc.MediaType.IsIndex() {
		t.Fatalf("%s is a single manifest; with an attestation it must be an index", ref)
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range im.Manifests {
		kind := "image " + m.Digest.String()
		if m.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			kind = "attestation manifest " + m.Digest.String()
		}
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		raw, err := img.RawManifest()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, blob{kind + " (manifest)", raw})
		cfg, err := img.RawConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, blob{kind + " (config and history)", cfg})
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range layers {
			rc, err := l.Compressed()
			if err != nil {
				t.Fatalf("%s layer %d: %v", kind, i, err)
			}
			dt, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("%s layer %d: %v", kind, i, err)
			}
			if bytes.HasPrefix(dt, []byte{0x1f, 0x8b}) {
				zr, err := gzip.NewReader(bytes.NewReader(dt))
				if err != nil {
					t.Fatalf("%s layer %d: %v", kind, i, err)
				}
				if dt, err = io.ReadAll(zr); err != nil {
					t.Fatalf("%s layer %d: %v", kind, i, err)
				}
			}
			out = append(out, blob{fmt.Sprintf("%s layer %d", kind, i), dt})
		}
	}
	return out
}

// compileLLB compiles a spec the way `mstage llb` does and returns the
// marshalled definition.
func compileLLB(t *testing.T, file, platform string, args map[string]string) []byte {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse(file, src)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	p := ocispecs.Platform{OS: "linux", Architecture: strings.TrimPrefix(platform, "linux/")}
	ctx := context.Background()
	res, err := llbgen.Compile(ctx, s, llbgen.Options{
		TargetPlatform: p,
		BuildPlatform:  ocispecs.Platform{OS: "linux", Architecture: "amd64"},
		BuildArgs:      args,
		Contexts:       mainOnly{},
		SourceMap:      llb.NewSourceMap(nil, file, "mstage", src),
	})
	if err != nil {
		t.Fatalf("compiling %s: %v", file, err)
	}
	def, err := res.State.Marshal(ctx, llb.Platform(p))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := llb.WriteTo(def, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mainOnly provides the main context and no named ones.
type mainOnly struct{}

func (mainOnly) Main(context.Context) (llb.State, error) { return llb.Local("context"), nil }

func (mainOnly) Named(context.Context, string, ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error) {
	return nil, nil, nil
}

func decodeOps(t *testing.T, def []byte) []*pb.Op {
	t.Helper()
	d, err := llb.ReadFrom(bytes.NewReader(def))
	if err != nil {
		t.Fatal(err)
	}
	var ops []*pb.Op
	for _, dt := range d.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, &op)
	}
	return ops
}

// TestConcurrentBuilds runs 16 client-mode builds of different specs and
// targets at once on the shared buildkitd; each must export its own files.
func TestConcurrentBuilds(t *testing.T) {
	e := loadEnv(t)
	ex := func(name string) string { return filepath.Join(e.repoRoot, "examples", name) }
	type job struct {
		name   string
		dir    string
		target string
		args   map[string]string
		want   []string // ELF files (amd64) that must be exported
		marker string   // content of the exported file "marker"
	}
	jobs := []job{
		{name: "go-service-server", dir: ex("go-service"), target: "server", want: []string{"usr/local/bin/app"}},
		{name: "go-service-app", dir: ex("go-service"), target: "app", want: []string{"app"}},
		{name: "multi-artifact-tools", dir: ex("multi-artifact"), target: "tools", want: []string{"usr/local/bin/hello", "usr/local/bin/fortune"}},
		{name: "multi-artifact-hello", dir: ex("multi-artifact"), target: "hello", want: []string{"hello"}},
		{name: "multi-artifact-fortune", dir: ex("multi-artifact"), target: "fortune", want: []string{"fortune"}},
		{name: "test-gate-wordcount", dir: ex("test-gate"), target: "wordcount", want: []string{"usr/local/bin/wordcount"}},
		{name: "test-gate-bin", dir: ex("test-gate"), target: "bin", want: []string{"wordcount"}},
		{name: "builder-target-hello", dir: ex("builder-target"), target: "hello", want: []string{"usr/local/bin/hello"}},
		{name: "builder-target-app", dir: ex("builder-target"), target: "app", want: []string{"hello"}},
		{name: "targets-app", dir: e.testdata("targets"), target: "app", want: []string{"app"}},
		{name: "targets-image", dir: e.testdata("targets"), target: "image", want: []string{"usr/local/bin/app"}},
	}
	for i := range 5 {
		target := "image"
		if i%2 == 1 {
			target = "mark"
		}
		marker := fmt.Sprintf("concurrent-%d-%s", i, e.runID)
		jobs = append(jobs, job{name: fmt.Sprintf("marker-%d-%s", i, target), dir: e.testdata("concurrent"), target: target,
			args: map[string]string{"MARKER": marker}, marker: marker})
	}
	if len(jobs) != 16 {
		t.Fatalf("%d jobs, want 16", len(jobs))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	start := time.Now()
	var mu sync.Mutex
	results := map[string]*buildResult{}
	outs := map[string]string{}
	var g errgroup.Group
	for _, j := range jobs {
		out := t.TempDir()
		outs[j.name] = out
		req := buildRequest{dir: j.dir, target: j.target, platforms: []string{amd64}, args: j.args, out: localTo(out)}
		g.Go(func() error {
			res := clientMode{}.build(ctx, t, e, req)
			mu.Lock()
			results[j.name] = res
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	t.Logf("16 concurrent builds finished in %s", time.Since(start).Round(100*time.Millisecond))
	if ctx.Err() != nil {
		t.Errorf("the builds did not all finish within 6 minutes")
	}
	for _, j := range jobs {
		res := results[j.name]
		if res.err != nil {
			t.Errorf("%s: build failed: %v\n--- progress ---\n%s", j.name, res.err, tail(res.progress(), 40))
			continue
		}
		files, _ := readTree(t, outs[j.name])
		for _, w := range j.want {
			dt, ok := files[w]
			if !ok {
				t.Errorf("%s: %s is missing from the output; files: %v", j.name, w, keysOf(files))
				continue
			}
			checkELF(t, j.name+": "+w, dt, amd64)
		}
		if j.marker != "" {
			if got := strings.TrimSpace(string(files["marker"])); got != j.marker {
				t.Errorf("%s: marker = %q, want %q (files: %v)", j.name, got, j.marker, keysOf(files))
			}
		}
	}
}

// TestCancelBuild cancels a two-platform build while its steps sleep: the
// client must return promptly with a cancellation error.
func TestCancelBuild(t *testing.T) {
	e := loadEnv(t)
	c, err := client.New(context.Background(), e.host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := e.testdata("cancel")
	mainFS, err := fsutil.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	opt := client.SolveOpt{
		LocalMounts: map[string]fsutil.FS{"context": mainFS, "dockerfile": mainFS},
		FrontendAttrs: map[string]string{
			"filename":        specFile,
			"platform":        amd64 + "," + arm64,
			"build-arg:NONCE": "cancel-" + e.runID,
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan *client.SolveStatus)
	sleepingCh := make(chan struct{})
	go func() {
		var once sync.Once
		started := map[string]bool{}
		for s := range ch {
			for _, v := range s.Vertexes {
				if strings.Contains(v.Name, "sleep 60") && v.Started != nil && v.Completed == nil {
					started[v.Digest.String()] = true
				}
			}
			if len(started) == 2 {
				once.Do(func() { close(sleepingCh) })
			}
		}
	}()
	errc := make(chan error, 1)
	go func() {
		_, err := c.Build(ctx, opt, "", frontend.Build, ch)
		errc <- err
	}()
	select {
	case <-sleepingCh:
	case err := <-errc:
		t.Fatalf("the build ended before both sleep steps were running: %v", err)
	case <-time.After(4 * time.Minute):
		cancel()
		t.Fatalf("the two sleep steps were not both running after 4 minutes")
	}
	time.Sleep(time.Second)
	cancelled := time.Now()
	cancel()
	select {
	case err := <-errc:
		took := time.Since(cancelled)
		t.Logf("the build returned %s after cancellation: %v", took.Round(time.Millisecond), err)
		if err == nil {
			t.Fatal("the cancelled build succeeded")
		}
		if !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "context canceled") {
			t.Errorf("the error is not a cancellation: %v", err)
		}
		if took > 5*time.Second {
			t.Errorf("the build took %s to return after cancellation, want at most 5s", took)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the build had not returned 30s after cancellation")
	}
}
