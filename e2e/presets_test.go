package e2e

import (
	"archive/tar"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// runEntrypoint runs cmd in image ref for each platform, in a build, and
// returns what it printed per platform.
func runEntrypoint(t *testing.T, e *env, m mode, ref, cmd string, plats []string) map[string]string {
	t.Helper()
	out := t.TempDir()
	mustBuild(t, e, m, buildRequest{
		dir:       e.testdata("run-entrypoint"),
		platforms: plats,
		args:      map[string]string{"IMAGE": ref, "RUN": cmd},
		out:       localTo(out),
	})
	files, _ := readTree(t, out)
	said := map[string]string{}
	for _, p := range plats {
		name := "out"
		if len(plats) > 1 {
			name = filepath.Join(strings.ReplaceAll(p, "/", "_"), "out")
		}
		dt, ok := files[name]
		if !ok {
			t.Fatalf("%s: %s missing; files: %v", p, name, keysOf(files))
		}
		said[p] = strings.TrimSpace(string(dt))
	}
	return said
}

// testRustMultiArch builds examples/rust-service for two platforms on the
// build platform (the rust preset cross-compiles) and inspects each image:
// the binary's ELF machine, the non-root user, and what the entrypoint
// prints when run on each platform.
func testRustMultiArch(t *testing.T, e *env, m mode) {
	dir := filepath.Join(e.repoRoot, "examples", "rust-service")
	ref := e.imageRef(m, "rust-service")
	images := pushBothPlatforms(t, e, m, dir, ref)
	for _, im := range images {
		cf := configFile(t, im.image)
		if cf.Config.User != "65532:65532" {
			t.Errorf("%s: user %q, want 65532:65532", im.platform, cf.Config.User)
		}
		lc := readLayers(t, im.image)
		bin, ok := lc.files["usr/local/bin/rust-service"]
		if !ok {
			t.Fatalf("%s: usr/local/bin/rust-service is not in the layers", im.platform)
		}
		checkELF(t, im.platform+" rust-service", bin, im.platform)
	}
	said := runEntrypoint(t, e, m, ref, "/usr/local/bin/rust-service e2e", []string{amd64, arm64})
	want := map[string]string{amd64: "hello, e2e from x86_64", arm64: "hello, e2e from aarch64"}
	if !reflect.DeepEqual(said, want) {
		t.Errorf("the entrypoint printed %q, want %q", said, want)
	}
}

// testPythonMultiArch builds examples/python-app for two platforms: the
// venv is built once on the build platform and lands whole at /opt/venv,
// where the runtime's entrypoint and PATH expect it, and the entrypoint
// runs on each platform's interpreter.
func testPythonMultiArch(t *testing.T, e *env, m mode) {
	dir := filepath.Join(e.repoRoot, "examples", "python-app")
	ref := e.imageRef(m, "python-app")
	images := pushBothPlatforms(t, e, m, dir, ref)
	for _, im := range images {
		cf := configFile(t, im.image)
		if cf.Config.User != "65532:65532" {
			t.Errorf("%s: user %q, want 65532:65532", im.platform, cf.Config.User)
		}
		if want := []string{"/opt/venv/bin/hello"}; !reflect.DeepEqual(cf.Config.Entrypoint, want) {
			t.Errorf("%s: entrypoint %q, want %q", im.platform, cf.Config.Entrypoint, want)
		}
		lc := readLayers(t, im.image)
		if lc.entries["opt/venv/bin/python"] != tar.TypeSymlink {
			t.Errorf("%s: opt/venv/bin/python is not a symlink to the image's interpreter", im.platform)
		}
		for _, f := range []string{"opt/venv/pyvenv.cfg", "opt/venv/bin/hello", "opt/venv/lib/python3.11/site-packages/greet/__init__.py"} {
			if _, ok := lc.files[f]; !ok {
				t.Errorf("%s: %s is not in the layers", im.platform, f)
			}
		}
		if hello := string(lc.files["opt/venv/bin/hello"]); !strings.HasPrefix(hello, "#!/opt/venv/bin/python") {
			t.Errorf("%s: bin/hello starts %q, want the venv's interpreter", im.platform, strings.SplitN(hello, "\n", 2)[0])
		}
	}
	said := runEntrypoint(t, e, m, ref, "/opt/venv/bin/hello e2e", []string{amd64, arm64})
	want := map[string]string{amd64: "hello, e2e from x86_64", arm64: "hello, e2e from aarch64"}
	if !reflect.DeepEqual(said, want) {
		t.Errorf("the entrypoint printed %q, want %q", said, want)
	}
}

// testInitPresets runs mstage init on the rust and python test apps (a
// requirements.txt app and a pyproject.toml one, whose build backend pip
// installs in an isolated build environment), then builds what it wrote for
// two platforms as it is, and runs each image.
func testInitPresets(t *testing.T, e *env, m mode) {
	cli := filepath.Join(t.TempDir(), "mstage")
	build := exec.Command("go", "build", "-o", cli, "./cmd/mstage")
	build.Dir = e.repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/mstage: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		app, run string
		binary   string   // a file in the image whose ELF machine must match
		files    []string // files the runtime expects in the image
		want     map[string]string
	}{
		{"rust", "/usr/local/bin/wc-rs a b", "usr/local/bin/wc-rs", nil, map[string]string{amd64: "2 words on x86_64", arm64: "2 words on aarch64"}},
		{"python", "python /opt/app/main.py e2e", "", []string{"opt/venv/pyvenv.cfg", "opt/app/main.py"}, map[string]string{amd64: "hello, e2e from x86_64", arm64: "hello, e2e from aarch64"}},
		{"pyproject", "/opt/venv/bin/hello-py e2e", "", []string{"opt/venv/pyvenv.cfg", "opt/venv/bin/hello-py", "opt/venv/lib/python3.11/site-packages/hello_py/__init__.py"}, map[string]string{amd64: "hello, e2e from x86_64", arm64: "hello, e2e from aarch64"}},
	} {
		t.Run(tc.app, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(filepath.Join(e.repoRoot, "cmd", "mstage", "testdata", "init-"+tc.app))); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(cli, "init", dir).CombinedOutput(); err != nil {
				t.Fatalf("mstage init: %v\n%s", err, out)
			}
			if out, err := exec.Command(cli, "lint", "--strict", filepath.Join(dir, specFile)).CombinedOutput(); err != nil {
				t.Fatalf("mstage lint --strict: %v\n%s", err, out)
			}
			ref := e.imageRef(m, "init-"+tc.app)
			images := pushBothPlatforms(t, e, m, dir, ref)
			for _, im := range images {
				if u := configFile(t, im.image).Config.User; u != "65532:65532" {
					t.Errorf("%s: user %q, want 65532:65532", im.platform, u)
				}
				lc := readLayers(t, im.image)
				for _, f := range tc.files {
					if _, ok := lc.files[f]; !ok {
						t.Errorf("%s: %s is not in the layers", im.platform, f)
					}
				}
				if tc.files != nil && lc.entries["opt/venv/bin/python"] != tar.TypeSymlink {
					t.Errorf("%s: opt/venv/bin/python is not a symlink to the image's interpreter", im.platform)
				}
				if tc.binary != "" {
					bin, ok := lc.files[tc.binary]
					if !ok {
						t.Fatalf("%s: %s is not in the layers", im.platform, tc.binary)
					}
					checkELF(t, im.platform+" "+tc.binary, bin, im.platform)
				}
			}
			if said := runEntrypoint(t, e, m, ref, tc.run, []string{amd64, arm64}); !reflect.DeepEqual(said, tc.want) {
				t.Errorf("the image printed %q, want %q", said, tc.want)
			}
		})
	}
}
