package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/solver/errdefs"
)

const (
	amd64 = "linux/amd64"
	arm64 = "linux/arm64"
)

// exampleSpec is the part of an example's spec the examples case needs.
type exampleSpec struct {
	Platforms []string       `yaml:"platforms"`
	Runtimes  map[string]any `yaml:"runtimes"`
	secretIDs []string
}

func readExampleSpec(t *testing.T, file string) *exampleSpec {
	t.Helper()
	dt, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var s exampleSpec
	if err := yaml.Unmarshal(dt, &s); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var doc any
	if err := yaml.Unmarshal(dt, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	s.secretIDs = secretIDs(doc)
	return &s
}

// secretIDs finds the ids of every secret mount in a decoded spec.
func secretIDs(v any) []string {
	var ids []string
	switch v := v.(type) {
	case map[string]any:
		if id, ok := v["secret"].(string); ok {
			ids = append(ids, id)
		}
		for _, k := range sortedKeys(v) {
			ids = append(ids, secretIDs(v[k])...)
		}
	case []any:
		for _, x := range v {
			ids = append(ids, secretIDs(x)...)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// testExamples builds every runtime of every example, pushes it and checks
// the pushed platforms against the spec's platforms.
func testExamples(t *testing.T, e *env, m mode) {
	files, err := filepath.Glob(filepath.Join(e.repoRoot, "examples", "*", specFile))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples/*/%s found (err=%v)", specFile, err)
	}
	for _, file := range files {
		dir := filepath.Dir(file)
		example := filepath.Base(dir)
		t.Run(example, func(t *testing.T) {
			spec := readExampleSpec(t, file)
			want := spec.Platforms
			if len(want) == 0 {
				want = []string{amd64} // the build platform of the test daemon
			}
			want = slices.Sorted(slices.Values(want))
			secrets := map[string]string{}
			for _, id := range spec.secretIDs {
				secrets[id] = "mstage-e2e-example-secret"
			}
			if len(spec.Runtimes) == 0 {
				mustBuild(t, e, m, buildRequest{dir: dir, secrets: secrets})
				return
			}
			for _, rt := range sortedKeys(spec.Runtimes) {
				ref := e.imageRef(m, "example-"+example+"-"+rt)
				mustBuild(t, e, m, buildRequest{dir: dir, target: rt, secrets: secrets, out: pushTo(ref)})
				images := fetchImages(t, ref)
				if got := platformsOf(images); !reflect.DeepEqual(got, want) {
					t.Errorf("runtime %s: pushed platforms %v, want %v (the spec's platforms)", rt, got, want)
				}
				for _, im := range images {
					cf := configFile(t, im.image)
					if got := formatPlatform(cf.OS, cf.Architecture, cf.Variant); got != im.platform {
						t.Errorf("runtime %s: the %s image's config says %s", rt, im.platform, got)
					}
				}
			}
		})
	}
}

// testGoServiceMultiArch pushes examples/go-service for two platforms and
// inspects each image closely.
func testGoServiceMultiArch(t *testing.T, e *env, m mode) {
	dir := filepath.Join(e.repoRoot, "examples", "go-service")
	version := "e2e-" + e.runID
	ref := e.imageRef(m, "go-service")
	mustBuild(t, e, m, buildRequest{
		dir:       dir,
		platforms: []string{amd64, arm64},
		args:      map[string]string{"VERSION": version},
		out:       pushTo(ref),
	})
	images := fetchImages(t, ref)
	if got, want := platformsOf(images), []string{amd64, arm64}; !reflect.DeepEqual(got, want) {
		t.Fatalf("pushed platforms %v, want %v", got, want)
	}
	for _, im := range images {
		t.Run(strings.ReplaceAll(im.platform, "/", "-"), func(t *testing.T) {
			cf := configFile(t, im.image)
			c := cf.Config
			if got := formatPlatform(cf.OS, cf.Architecture, cf.Variant); got != im.platform {
				t.Errorf("config platform %s, want %s", got, im.platform)
			}
			if c.User != "65532:65532" {
				t.Errorf("user %q, want 65532:65532", c.User)
			}
			if want := []string{"/usr/local/bin/app"}; !reflect.DeepEqual(c.Entrypoint, want) {
				t.Errorf("entrypoint %q, want %q", c.Entrypoint, want)
			}
			if want := []string{"-addr", ":8080"}; !reflect.DeepEqual(c.Cmd, want) {
				t.Errorf("cmd %q, want %q", c.Cmd, want)
			}
			if _, ok := c.ExposedPorts["8080/tcp"]; !ok || len(c.ExposedPorts) != 1 {
				t.Errorf("exposed ports %v, want only 8080/tcp", c.ExposedPorts)
			}
			wantLabels := map[string]string{
				"org.opencontainers.image.title":       "go-service",
				"org.opencontainers.image.description": "A stdlib-only Go HTTP service",
				"org.opencontainers.image.version":     version,
				"org.opencontainers.image.licenses":    "Apache-2.0",
			}
			for k, v := range wantLabels {
				if c.Labels[k] != v {
					t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
				}
			}
			if hc := c.Healthcheck; hc == nil {
				t.Errorf("no healthcheck in the config")
			} else {
				want := []string{"CMD", "/usr/local/bin/app", "-healthcheck", "-addr", ":8080"}
				if !reflect.DeepEqual(hc.Test, want) {
					t.Errorf("healthcheck test %q, want %q", hc.Test, want)
				}
				if hc.Interval != 30*time.Second || hc.Timeout != 3*time.Second || hc.Retries != 3 {
					t.Errorf("healthcheck interval/timeout/retries = %s/%s/%d, want 30s/3s/3", hc.Interval, hc.Timeout, hc.Retries)
				}
			}

			lc := readLayers(t, im.image)
			app, ok := lc.files["usr/local/bin/app"]
			if !ok {
				t.Fatalf("usr/local/bin/app is not in the layers; files: %v", keysOf(lc.files))
			}
			checkELF(t, "usr/local/bin/app", app, im.platform)
			if !bytes.Contains(app, []byte(version)) {
				t.Errorf("the binary does not contain the VERSION build arg %q (-X main.version=${VERSION})", version)
			}
			if lc.layers > 3 {
				t.Errorf("%d layers, want at most 3 for one binary on scratch", lc.layers)
			}
			if extra := lc.fileSize - int64(len(app)); extra > 16<<10 {
				t.Errorf("the layers hold %d bytes besides the %d-byte binary, want at most 16 KiB; files: %v", extra, len(app), keysOf(lc.files))
			}
			if cl := historyLen(cf.History); cl != lc.layers {
				t.Errorf("history has %d non-empty entries for %d layers", cl, lc.layers)
			}
		})
	}
}

// testTargetBuilder exports a builder stage: its filesystem is the toolchain
// image plus its setup steps.
func testTargetBuilder(t *testing.T, e *env, m mode) {
	// A tarball, not a local directory: exporting a whole toolchain image to a
	// client directory sometimes stalls (moby/buildkit#2950, #4453).
	out := filepath.Join(t.TempDir(), "builder.tar")
	mustBuild(t, e, m, buildRequest{
		dir:       filepath.Join(e.repoRoot, "examples", "builder-target"),
		target:    "dev",
		platforms: []string{amd64},
		out:       tarTo(out),
	})
	files := readTarFiles(t, out, "usr/local/go/bin/go", "usr/local/bin/todo")
	if _, ok := files["usr/local/go/bin/go"]; !ok {
		t.Errorf("the exported builder has no usr/local/go/bin/go")
	}
	todo, ok := files["usr/local/bin/todo"]
	if !ok {
		t.Fatalf("the builder's setup step output usr/local/bin/todo is missing")
	}
	checkELF(t, "usr/local/bin/todo", todo, amd64)
}

// testTargetArtifact exports an artifact for two platforms: only its outputs,
// one directory per platform.
func testTargetArtifact(t *testing.T, e *env, m mode) {
	out := t.TempDir()
	mustBuild(t, e, m, buildRequest{
		dir:       e.testdata("targets"),
		target:    "app",
		platforms: []string{amd64, arm64},
		out:       localTo(out),
	})
	files, entries := readTree(t, out)
	want := []string{"linux_amd64", "linux_amd64/app", "linux_arm64", "linux_arm64/app"}
	if slices.Sort(entries); !reflect.DeepEqual(entries, want) {
		t.Errorf("local output entries %v, want %v", entries, want)
	}
	for _, p := range []string{amd64, arm64} {
		name := strings.ReplaceAll(p, "/", "_") + "/app"
		if dt, ok := files[name]; ok {
			checkELF(t, name, dt, p)
		}
	}
}

// testTargetRuntime exports a runtime that is not the default target.
func testTargetRuntime(t *testing.T, e *env, m mode) {
	out := t.TempDir()
	mustBuild(t, e, m, buildRequest{
		dir:       e.testdata("targets"),
		target:    "image",
		platforms: []string{amd64},
		out:       localTo(out),
	})
	files, _ := readTree(t, out)
	// A scratch runtime gets /etc/passwd and /etc/group for its (default nonroot) user.
	allowed := map[string]bool{"usr/local/bin/app": true, "etc/passwd": true, "etc/group": true}
	for _, name := range keysOf(files) {
		if !allowed[name] {
			t.Errorf("unexpected file %s in runtime \"image\" (the default target \"debug\" has busybox); files: %v", name, keysOf(files))
		}
	}
	app, ok := files["usr/local/bin/app"]
	if !ok {
		t.Fatalf("usr/local/bin/app is missing; files: %v", keysOf(files))
	}
	checkELF(t, "usr/local/bin/app", app, amd64)
}

// testBuildArg builds with the arg's default and with --build-arg.
func testBuildArg(t *testing.T, e *env, m mode) {
	for _, tc := range []struct {
		name string
		args map[string]string
		want string
	}{
		{"default", nil, "hello"},
		// UNDECLARED_ARG must only cause a warning.
		{"override", map[string]string{"GREETING": "bonjour", "UNDECLARED_ARG": "x"}, "bonjour"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := e.imageRef(m, "build-arg-"+tc.name)
			mustBuild(t, e, m, buildRequest{dir: e.testdata("build-arg"), platforms: []string{amd64}, args: tc.args, out: pushTo(ref)})
			im := imageForPlatform(t, fetchImages(t, ref), amd64)
			lc := readLayers(t, im.image)
			if got := strings.TrimSpace(string(lc.files["greeting.txt"])); got != tc.want {
				t.Errorf("greeting.txt = %q, want %q (run step env)", got, tc.want)
			}
			if got := configFile(t, im.image).Config.Labels["greeting"]; got != tc.want {
				t.Errorf("label greeting = %q, want %q (expanded ${GREETING})", got, tc.want)
			}
		})
	}
}

// testNamedContext copies from the main context and from --build-context.
func testNamedContext(t *testing.T, e *env, m mode) {
	out := t.TempDir()
	mustBuild(t, e, m, buildRequest{
		dir:       e.testdata("named-context/app"),
		platforms: []string{amd64},
		contexts:  map[string]string{"extra": e.testdata("named-context/extra")},
		out:       localTo(out),
	})
	files, _ := readTree(t, out)
	for name, want := range map[string]string{
		"main.txt":             "from the main context\n",
		"from-extra/hello.txt": "from the named context\n",
	} {
		if got, ok := files[name]; !ok {
			t.Errorf("%s is missing; files: %v", name, keysOf(files))
		} else if string(got) != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

// testDockerignore copies the whole context; .dockerignore must apply.
func testDockerignore(t *testing.T, e *env, m mode) {
	out := t.TempDir()
	mustBuild(t, e, m, buildRequest{dir: e.testdata("dockerignore"), platforms: []string{amd64}, out: localTo(out)})
	files, entries := readTree(t, out)
	for _, name := range []string{"ctx/kept.txt", "ctx/sub/kept2.txt", "ctx/mstage.yaml"} {
		if _, ok := files[name]; !ok {
			t.Errorf("%s is missing from the copy of the context; files: %v", name, keysOf(files))
		}
	}
	for _, entry := range entries {
		for _, ignored := range []string{"ctx/ignored.txt", "ctx/debug.log", "ctx/secret-dir"} {
			if entry == ignored || strings.HasPrefix(entry, ignored+"/") {
				t.Errorf("%s was copied although .dockerignore excludes it", entry)
			}
		}
	}
}

// testSecret mounts a secret in artifact and runtime steps; its value must
// appear in no layer, config or history.
func testSecret(t *testing.T, e *env, m mode) {
	dir := e.testdata("secret")
	secret := "mstage-e2e-secret-" + randomHex(t, 16)
	ref := e.imageRef(m, "secret")
	nonce := m.name() + "-" + e.runID
	mustBuild(t, e, m, buildRequest{
		dir:       dir,
		platforms: []string{amd64},
		args:      map[string]string{"NONCE": nonce},
		secrets:   map[string]string{"token": secret},
		out:       pushTo(ref),
	})
	im := imageForPlatform(t, fetchImages(t, ref), amd64)
	lc := readLayers(t, im.image)
	want := strconv.Itoa(len(secret))
	for _, name := range []string{"lengths/file-length", "lengths/env-length", "runtime-length"} {
		if got := strings.TrimSpace(string(lc.files[name])); got != want {
			t.Errorf("%s = %q, want %s: the secret was not mounted as expected", name, got, want)
		}
	}
	for i, raw := range lc.raw {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("layer %d contains the secret value", i)
		}
	}
	cfg, err := im.image.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(cfg, []byte(secret)) {
		t.Errorf("the image config (env, labels or history) contains the secret value")
	}
	manifest, err := im.image.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(manifest, []byte(secret)) {
		t.Errorf("the manifest contains the secret value")
	}

	t.Run("missing-required", func(t *testing.T) {
		res := mustFail(t, e, m, buildRequest{dir: dir, platforms: []string{amd64}, args: map[string]string{"NONCE": nonce + "-no-secret"}})
		if !strings.Contains(res.errorText(), "token") {
			t.Errorf("the error for a missing required secret does not name it (token):\n%s", res.errorText())
		}
	})
}

// testCacheMount checks that a cache mount keeps its content between builds.
func testCacheMount(t *testing.T, e *env, m mode) {
	cacheID := m.name() + "-" + e.runID
	lines := []string{}
	for i, input := range []string{"first", "second"} {
		out := t.TempDir()
		mustBuild(t, e, m, buildRequest{
			dir:       e.testdata("cache-mount"),
			target:    "count",
			platforms: []string{amd64},
			args:      map[string]string{"INPUT": input, "CACHE_ID": cacheID},
			out:       localTo(out),
		})
		lines = append(lines, input)
		files, _ := readTree(t, out)
		if got, want := strings.TrimSpace(string(files["count"])), strconv.Itoa(i+1); got != want {
			t.Errorf("build %d: count = %q, want %s (cache mount content: %q)", i+1, got, want, files["lines"])
		}
		if got, want := string(files["lines"]), strings.Join(lines, "\n")+"\n"; got != want {
			t.Errorf("build %d: the cache mount holds %q, want %q", i+1, got, want)
		}
	}
}

// testRegistryCache exports the cache to the registry, then builds again on
// a buildkitd with an empty root importing it: nothing may run again.
func testRegistryCache(t *testing.T, e *env, m mode) {
	const marker = "mstage-e2e-registry-cache"
	dir := e.testdata("registry-cache")
	cacheRef := fmt.Sprintf("%s/e2e/cache/%s:%s", e.registry, m.name(), e.runID)
	// SOURCE_DATE_EPOCH keeps the image config's timestamps out of the comparison.
	args := map[string]string{"SALT": m.name() + "-" + e.runID, "SOURCE_DATE_EPOCH": "0"}

	ref1 := e.imageRef(m, "registry-cache-first")
	first := mustBuild(t, e, m, buildRequest{dir: dir, platforms: []string{amd64}, args: args, out: pushTo(ref1), cacheTo: cacheRef})
	img1 := imageForPlatform(t, fetchImages(t, ref1), amd64)
	markerSeen := false
	for _, v := range first.vertices() {
		if strings.Contains(v.Name, marker) {
			markerSeen = true
		}
	}
	if !markerSeen {
		t.Logf("note: no vertex name contains the run command (%q); the check relies on the image digest", marker)
	}

	d := startDaemon(t, e)
	ref2 := e.imageRef(m, "registry-cache-second")
	second := mustBuild(t, e, m, buildRequest{dir: dir, platforms: []string{amd64}, args: args, out: pushTo(ref2), cacheFrom: cacheRef, daemon: d})
	img2 := imageForPlatform(t, fetchImages(t, ref2), amd64)
	for _, v := range second.vertices() {
		if strings.Contains(v.Name, marker) && !v.Cached {
			t.Errorf("the run step ran again on the fresh daemon instead of coming from the registry cache: %q", v.Name)
		}
	}
	if img1.digest != img2.digest {
		s1 := readLayers(t, img1.image).files["stamp"]
		s2 := readLayers(t, img2.image).files["stamp"]
		t.Errorf("the image built from the registry cache differs: %s vs %s (stamp %q vs %q)\n--- second build ---\n%s",
			img1.digest, img2.digest, s1, s2, tail(second.progress(), 80))
	}
}

// testNeedsFail: a failing needed stage stops the export.
func testNeedsFail(t *testing.T, e *env, m mode) {
	ref := e.imageRef(m, "needs-fail")
	res := mustFail(t, e, m, buildRequest{dir: e.testdata("needs-fail"), platforms: []string{amd64}, out: pushTo(ref)})
	if !strings.Contains(res.errorText(), "gate-check") {
		t.Errorf("the error does not name the failing stage gate-check:\n%s", res.errorText())
	}
	if imageExists(t, ref) {
		t.Errorf("%s was pushed although a needed stage failed", ref)
	}
}

// testRunFailLocation: a failing run step's error points at its spec line.
func testRunFailLocation(t *testing.T, e *env, m mode) {
	dir := e.testdata("run-fail")
	line := lineOf(t, filepath.Join(dir, specFile), "exit 7")
	res := mustFail(t, e, m, buildRequest{dir: dir, target: "broken", platforms: []string{amd64}})
	if m.name() == "client" {
		srcs := errdefs.Sources(res.err)
		var seen []string
		for _, s := range srcs {
			if s.Info == nil {
				continue
			}
			for _, r := range s.Ranges {
				seen = append(seen, fmt.Sprintf("%s:%d-%d", s.Info.Filename, r.Start.Line, r.End.Line))
				if filepath.Base(s.Info.Filename) == specFile && int(r.Start.Line) <= line && line <= int(max(r.End.Line, r.Start.Line)) {
					return
				}
			}
		}
		t.Errorf("the error has no source location %s:%d (sources: %v)\nerror: %v", specFile, line, seen, res.err)
		return
	}
	if want := fmt.Sprintf("%s:%d", specFile, line); !strings.Contains(res.stderr, want) {
		t.Errorf("stderr does not point at %s:\n%s", want, res.stderr)
	}
}

// testArchGuard: an amd64 binary in an arm64 image is caught.
func testArchGuard(t *testing.T, e *env, m mode) {
	res := mustFail(t, e, m, buildRequest{dir: e.testdata("arch-guard"), target: "image", platforms: []string{arm64}})
	text := res.errorText()
	var missing []string
	if !strings.Contains(text, "tool") {
		missing = append(missing, `the file ("tool")`)
	}
	if !strings.Contains(text, "x86-64") && !strings.Contains(text, "x86_64") && !strings.Contains(text, "amd64") {
		missing = append(missing, "the binary's architecture (x86-64/amd64)")
	}
	if !strings.Contains(text, "arm64") {
		missing = append(missing, "the target platform (linux/arm64)")
	}
	if len(missing) > 0 {
		t.Errorf("the arch guard error does not name %s:\n%s", strings.Join(missing, ", "), text)
	}

	// From its image, the frontend runs the guard as an op, which a second
	// identical build finds in BuildKit's cache; in the client's process it
	// has no image and walks the outputs itself.
	const guardOp = "[tool] arch guard /tool for linux/arm64"
	again := mustFail(t, e, m, buildRequest{dir: e.testdata("arch-guard"), target: "image", platforms: []string{arm64}})
	if !strings.Contains(again.errorText(), "tool is an x86-64") {
		t.Errorf("the second build failed otherwise:\n%s", again.errorText())
	}
	var op *client.Vertex
	for _, v := range again.vertices() {
		if v.Name == guardOp {
			op = v
		}
	}
	switch {
	case m.name() == "client" && op != nil:
		t.Errorf("the client-mode build ran a guard op %q; the frontend has no image to run it on", op.Name)
	case m.name() != "client" && op == nil:
		t.Errorf("no %q op in the progress:\n%s", guardOp, tail(again.progress(), 40))
	case op != nil && !op.Cached:
		t.Errorf("the second build ran the guard op again instead of using the cached verdict:\n%s", tail(again.progress(), 40))
	}
}

// testBake builds the project's own frontend image with buildx bake
// and checks what it pushed.
func testBake(t *testing.T, e *env, m mode) {
	hcl := filepath.Join(e.repoRoot, "docker-bake.hcl")
	if _, err := os.Stat(hcl); err != nil {
		t.Fatalf("no docker-bake.hcl at the repository root: %v", err)
	}
	ref := e.imageRef(m, "bake-image")
	meta := filepath.Join(t.TempDir(), "metadata.json")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "buildx", "bake",
		"--builder", e.builder,
		"--file", hcl,
		"--progress", "plain",
		"--metadata-file", meta,
		// The target's own tags name Docker Hub, which is unreachable: push to the test registry instead.
		"--set", "image.tags="+ref,
		"--set", "image.output=type=image,push=true,registry.insecure=true",
		"image")
	cmd.Dir = e.repoRoot
	cmd.WaitDelay = 10 * time.Second
	t.Logf("$ %s", strings.Join(cmd.Args, " "))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("buildx bake image: %v\n%s", err, tail(string(out), 80))
	}
	images := fetchImages(t, ref)
	if len(images) == 0 {
		t.Fatalf("bake pushed no image to %s", ref)
	}
	for _, im := range images {
		cf := configFile(t, im.image)
		if !slices.Contains(cf.Config.Entrypoint, "/bin/mstage-frontend") {
			t.Errorf("%s: entrypoint %q, want /bin/mstage-frontend", im.platform, cf.Config.Entrypoint)
		}
		lc := readLayers(t, im.image)
		if dt, ok := lc.files["bin/mstage-frontend"]; !ok {
			t.Errorf("%s: bin/mstage-frontend is not in the image; files: %v", im.platform, keysOf(lc.files))
		} else {
			checkELF(t, "bin/mstage-frontend", dt, im.platform)
		}
	}
	var md map[string]json.RawMessage
	if dt, err := os.ReadFile(meta); err != nil || json.Unmarshal(dt, &md) != nil || md["image"] == nil {
		t.Errorf("bake's metadata file has no entry for the image target (err=%v)", err)
	}
}

// lineOf returns the 1-based line of the first line of file containing s.
func lineOf(t *testing.T, file, s string) int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), s) {
			return n
		}
	}
	t.Fatalf("%s has no line containing %q", file, s)
	return 0
}

// testNoCache builds one spec four times: the second build reuses the
// cache, --no-cache-filter=a runs only the artifact's step again, and
// --no-cache runs the builder's step again too, as in a Dockerfile build.
func testNoCache(t *testing.T, e *env, m mode) {
	salt := m.name() + "-" + e.runID
	stamps := func(noCache []string) (builder, artifact string) {
		t.Helper()
		out := t.TempDir()
		mustBuild(t, e, m, buildRequest{
			dir:       e.testdata("no-cache"),
			target:    "a",
			platforms: []string{amd64},
			args:      map[string]string{"SALT": salt},
			noCache:   noCache,
			out:       localTo(out),
		})
		files, _ := readTree(t, out)
		builder, artifact = string(files["builder-stamp"]), string(files["artifact-stamp"])
		if len(builder) != 32 || len(artifact) != 32 {
			t.Fatalf("stamps %q and %q, want 32 hex digits each (files: %v)", builder, artifact, sortedKeys(files))
		}
		return builder, artifact
	}
	b1, a1 := stamps(nil)
	if b2, a2 := stamps(nil); b2 != b1 || a2 != a1 {
		t.Errorf("a second build ran again: builder %s -> %s, artifact %s -> %s", b1, b2, a1, a2)
	}
	b3, a3 := stamps([]string{"a"})
	if b3 != b1 {
		t.Errorf("--no-cache-filter=a ran the builder's step again: %s -> %s", b1, b3)
	}
	if a3 == a1 {
		t.Errorf("--no-cache-filter=a reused the artifact's cached step (%s)", a1)
	}
	if b4, _ := stamps([]string{}); b4 == b1 {
		t.Errorf("--no-cache reused the builder's cached step (%s)", b1)
	}
}
