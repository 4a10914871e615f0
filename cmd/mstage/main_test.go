package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mstage/mstage/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// mstage runs the CLI in-process and returns its exit code and output.
func mstage(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, nil, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// mstageStdin is mstage with stdin.
func mstageStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/mstage -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test ./cmd/mstage -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

const goService = "../../examples/go-service/mstage.yaml"

func TestLintGolden(t *testing.T) {
	code, out, errOut := mstage(t, "lint", "testdata/lint_bad.yaml", "--build-arg", "NPM_TOKN=x")
	if code != exitOK {
		t.Fatalf("exit %d without --strict; stderr: %s", code, errOut)
	}
	golden(t, "lint_bad", out)

	code, _, _ = mstage(t, "lint", "--strict", "testdata/lint_bad.yaml")
	if code != exitWarnings {
		t.Errorf("lint --strict with warnings: exit %d, want %d", code, exitWarnings)
	}
}

func TestLintExamplesStrict(t *testing.T) {
	code, out, errOut := mstage(t, "lint", "--strict", goService)
	if code != exitOK {
		t.Errorf("go-service should have no warnings; exit %d\n%s%s", code, out, errOut)
	}
}

func TestParseErrorGolden(t *testing.T) {
	for _, cmd := range []string{"lint", "targets", "graph", "outline"} {
		code, out, errOut := mstage(t, cmd, "testdata/parse_error.yaml")
		if code != exitFail {
			t.Errorf("%s: exit %d on a parse error, want %d", cmd, code, exitFail)
		}
		if out != "" {
			t.Errorf("%s: wrote to stdout on a parse error: %q", cmd, out)
		}
		if cmd == "lint" {
			golden(t, "parse_error", errOut)
		}
	}
}

func TestTargetsGolden(t *testing.T) {
	code, out, errOut := mstage(t, "targets", goService)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "targets_go_service", out)
}

func TestGraphGolden(t *testing.T) {
	code, out, errOut := mstage(t, "graph", goService)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "graph_go_service.mermaid", out)

	code, out, errOut = mstage(t, "graph", goService, "--format", "dot")
	if code != exitOK {
		t.Fatalf("dot: exit %d: %s", code, errOut)
	}
	golden(t, "graph_go_service.dot", out)

	if code, _, _ := mstage(t, "graph", goService, "--format", "svg"); code != exitUsage {
		t.Errorf("unknown format: exit %d, want %d", code, exitUsage)
	}
}

func TestOutline(t *testing.T) {
	code, out, errOut := mstage(t, "outline", goService, "--target", "server")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "outline_go_service", out)

	code, _, errOut = mstage(t, "outline", goService, "--target", "servr")
	if code != exitFail || !strings.Contains(errOut, `did you mean "server"?`) {
		t.Errorf("unknown target: exit %d, stderr %q", code, errOut)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInitGo(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "testdata/init-go", dir)
	code, _, errOut := mstage(t, "init", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	written, err := os.ReadFile(filepath.Join(dir, "mstage.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "init_go.yaml", string(written))

	// The starter spec must parse and be free of lint warnings.
	code, out, errOut := mstage(t, "lint", "--strict", filepath.Join(dir, "mstage.yaml"))
	if code != exitOK {
		t.Errorf("lint --strict of the init output: exit %d\n%s%s", code, out, errOut)
	}

	code, _, errOut = mstage(t, "init", dir)
	if code != exitFail || !strings.Contains(errOut, "already exists") {
		t.Errorf("second init must refuse to overwrite: exit %d, stderr %q", code, errOut)
	}
}

// TestInitRustAndPython runs init on the test apps the e2e test builds for
// two platforms (python has a requirements.txt, pyproject a pyproject.toml
// with a setuptools build backend): the spec is the golden one and lint-clean.
func TestInitRustAndPython(t *testing.T) {
	for _, app := range []string{"rust", "python", "pyproject"} {
		t.Run(app, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, "testdata/init-"+app, dir)
			if code, _, errOut := mstage(t, "init", dir); code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			written, err := os.ReadFile(filepath.Join(dir, "mstage.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "init_"+app+".yaml", string(written))
			if code, out, errOut := mstage(t, "lint", "--strict", filepath.Join(dir, "mstage.yaml")); code != exitOK {
				t.Errorf("lint --strict of the init output: exit %d\n%s%s", code, out, errOut)
			}
		})
	}
}

func TestInitOtherProjects(t *testing.T) {
	tests := []struct {
		files map[string]string
		want  []string
	}{
		{map[string]string{"package.json": `{"name": "@acme/web", "main": "server.js", "scripts": {"test": "echo \"Error: no test specified\" && exit 1"}}`, "package-lock.json": "{}"},
			[]string{"name: web", "preset: node", "from package-lock.json", "dependencies: production", "outputs: [/app/node_modules]", "- run: rm -rf node_modules\n", "entrypoint: [node, server.js]", `user: "1000:1000"`, "image: node:18-bookworm-slim"}},
		{map[string]string{"package.json": `{"name": "x", "scripts": {"build": "tsc", "test": "vitest"}}`, "pnpm-lock.yaml": ""},
			[]string{"run: npm install --global pnpm@9", "- run: pnpm test", "needs: [test]", "run: pnpm run build && rm -rf node_modules", "entrypoint: [node, index.js]"}},
		{map[string]string{"package.json": `{"name": "y"}`, "yarn.lock": ""},
			[]string{"Node.js with yarn", "from yarn.lock"}},
		{map[string]string{"CMakeLists.txt": "project(p)\nadd_executable(calc main.cpp)\n", "main.cpp": ""},
			[]string{"image: mstage/c-toolchains:bookworm", "preset: c", "install -y --no-install-recommends cmake", "cmake --build", "/tmp/build/calc /out/bin/calc", "entrypoint: [/usr/local/bin/calc]"}},
		{map[string]string{"CMakeLists.txt": "project(p)\nadd_executable(calc main.cpp)\ninstall(TARGETS calc)\n", "main.cpp": ""},
			[]string{"preset: c", "cmake --install /tmp/build --prefix /out", "outputs: [/out/]", "entrypoint: [/usr/local/bin/calc]"}},
		{map[string]string{"Makefile": "all:\n", "main.c": ""}, []string{"preset: c", "make LDFLAGS=-static"}},
		{map[string]string{"main.cpp": ""}, []string{"preset: c", "$CXX -O2 -static -o /out/bin/"}},
		{map[string]string{"main.c": ""}, []string{"preset: c", "$CC -O2 -static -o /out/bin/"}},
		{map[string]string{"Cargo.toml": "[package]\nname = \"hello-rs\"\n", "src/main.rs": ""},
			[]string{"name: hello-rs", "preset: rust", "cargo install --path . --root /out\n", "src: [bin/hello-rs]", "entrypoint: [/usr/local/bin/hello-rs]"}},
		{map[string]string{"pyproject.toml": "[project]\nname = 'Cool App'\n\n[project.scripts]\ncool = \"cool:main\"\n"},
			[]string{"name: cool-app", "preset: python", "run: pip install .", "entrypoint: [/opt/venv/bin/cool]"}},
		{map[string]string{"requirements.txt": "", "app.py": ""},
			[]string{"run: pip install -r requirements.txt", "cmd: [python, app.py]"}},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		for name, data := range tt.files {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		code, _, errOut := mstage(t, "init", dir)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", tt.files, code, errOut)
		}
		written, _ := os.ReadFile(filepath.Join(dir, "mstage.yaml"))
		for _, w := range tt.want {
			if !strings.Contains(string(written), w) {
				t.Errorf("%v: output lacks %q:\n%s", tt.files, w, written)
			}
		}
		if !strings.HasPrefix(string(written), syntaxLine+"\n# yaml-language-server: $schema=") {
			t.Errorf("output must start with the syntax and schema lines:\n%s", written)
		}
		if code, out, errOut := mstage(t, "lint", "--strict", filepath.Join(dir, "mstage.yaml")); code != exitOK {
			t.Errorf("%v: lint --strict: exit %d\n%s%s", tt.files, code, out, errOut)
		}
	}

	// yarn 1 comes with the node images, as with the official ones: no install step.
	yarn := t.TempDir()
	for name, data := range map[string]string{"package.json": `{"name": "y"}`, "yarn.lock": ""} {
		if err := os.WriteFile(filepath.Join(yarn, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errOut := mstage(t, "init", yarn); code != exitOK {
		t.Fatalf("yarn: exit %d: %s", code, errOut)
	}
	if written, _ := os.ReadFile(filepath.Join(yarn, "mstage.yaml")); strings.Contains(string(written), "npm install --global") {
		t.Errorf("yarn: the node image has yarn, but init installs one:\n%s", written)
	}

	noLock := t.TempDir()
	if err := os.WriteFile(filepath.Join(noLock, "package.json"), []byte(`{"name": "x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := mstage(t, "init", noLock); code != exitFail || !strings.Contains(errOut, "no lockfile") {
		t.Errorf("package.json without a lockfile: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := mstage(t, "init", t.TempDir()); code != exitFail || !strings.Contains(errOut, "found no go.mod") {
		t.Errorf("empty dir: exit %d, stderr %q", code, errOut)
	}
}

func TestSchemaCommand(t *testing.T) {
	code, out, _ := mstage(t, "schema")
	want, err := schema.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if code != exitOK || out != string(want) {
		t.Errorf("mstage schema: exit %d, output differs from schema.Generate", code)
	}
}

func TestUsage(t *testing.T) {
	if code, _, _ := mstage(t); code != exitUsage {
		t.Errorf("no args: exit %d", code)
	}
	code, _, errOut := mstage(t, "lintt")
	if code != exitUsage || !strings.Contains(errOut, `did you mean "lint"?`) {
		t.Errorf("typo: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := mstage(t, "lint"); code != exitUsage {
		t.Errorf("lint without FILE: exit %d", code)
	}
	if code, _, _ := mstage(t, "targets", "a.yaml", "b.yaml"); code != exitUsage {
		t.Errorf("targets with two files: exit %d", code)
	}
	if code, _, _ := mstage(t, "lint", "-h"); code != exitOK {
		t.Errorf("lint -h: exit %d", code)
	}
	if code, _, errOut := mstage(t, "lint", "testdata/missing.yaml"); code != exitFail || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
}
