package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/mstage/mstage/schema"
)

const syntaxLine = "# syntax=docker.io/mstage/mstage:1"

func runInit(args []string, stdout, stderr io.Writer) int {
	fset := newFlagSet("init", "[DIR]", stderr)
	pos, err := parseArgs(fset, args, 0, 1, "DIR")
	if err != nil {
		return usageExit(err)
	}
	dir := "."
	if len(pos) == 1 {
		dir = pos[0]
	}
	p, err := detectProject(dir)
	if err != nil {
		fmt.Fprintf(stderr, "mstage init: %v\n", err)
		return exitFail
	}
	var buf bytes.Buffer
	if err := initTemplates().ExecuteTemplate(&buf, p.Kind, p); err != nil {
		fmt.Fprintf(stderr, "mstage init: %v\n", err)
		return exitFail
	}
	out := filepath.Join(dir, "mstage.yaml")
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		fmt.Fprintf(stderr, "mstage init: %s already exists; remove it first or edit it\n", out)
		return exitFail
	}
	if err != nil {
		fmt.Fprintf(stderr, "mstage init: %v\n", err)
		return exitFail
	}
	_, err = f.Write(buf.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "mstage init: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "wrote %s for a %s project; build it with:\n  docker buildx build -f %s --platform linux/amd64,linux/arm64 %s\n", out, p.Kind, out, dir)
	return exitOK
}

// project is what init learned about a directory.
type project struct {
	Kind      string // go, node, rust, python or cpp
	Name      string // stage-safe project name
	Binary    string // go, cpp: name of the program
	GoVersion string // go: major.minor from go.mod
	GoPackage string // go: package with main, such as . or ./cmd/app
	LockFile  string // node: the lockfile found
	Main      string // node, python: entry script
	Test      bool   // node: package.json has a test script
	Build     bool   // node: package.json has a build script

	PackageManager      string // node: npm, pnpm or yarn, from the lockfile
	PackageManagerMajor string // node: the major version init installs, when the node image lacks the package manager
	CMake               bool   // cpp: CMakeLists.txt exists
	// CMakeInstall: CMakeLists.txt has install rules, so cmake --install
	// places the program and init need not name its file.
	CMakeInstall bool
	Make         bool   // cpp: Makefile exists
	CPlusPlus    bool   // cpp: has C++ sources
	CargoLock    bool   // rust: Cargo.lock exists
	Pyproject    bool   // python: pyproject.toml exists
	Requires     bool   // python: requirements.txt exists
	Script       string // python: console script the project installs
	SchemaURL    string
	SyntaxLine   string
}

func detectProject(dir string) (*project, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	p := &project{Name: stageName(filepath.Base(abs)), SchemaURL: schema.ID, SyntaxLine: syntaxLine}
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	switch {
	case exists("go.mod"):
		return p, p.detectGo(dir)
	case exists("package.json"):
		return p, p.detectNode(dir, exists)
	case exists("Cargo.toml"):
		return p, p.detectRust(dir, exists("Cargo.lock"))
	case exists("pyproject.toml") || exists("requirements.txt"):
		return p, p.detectPython(dir, exists("pyproject.toml"), exists("requirements.txt"))
	}
	c, _ := filepath.Glob(filepath.Join(dir, "*.c"))
	var cpp []string
	for _, ext := range []string{"*.cpp", "*.cc", "*.cxx"} {
		m, _ := filepath.Glob(filepath.Join(dir, ext))
		cpp = append(cpp, m...)
	}
	p.CMake, p.Make = exists("CMakeLists.txt"), exists("Makefile")
	if p.CMake || p.Make || len(c)+len(cpp) > 0 {
		p.Kind, p.Binary, p.CPlusPlus = "cpp", p.Name, len(cpp) > 0
		if p.CMake {
			name, install := cmakeExecutable(filepath.Join(dir, "CMakeLists.txt"))
			if name != "" {
				p.Binary = name
			}
			p.CMakeInstall = install
		}
		return p, nil
	}
	return nil, fmt.Errorf("found no go.mod, package.json, Cargo.toml, pyproject.toml, requirements.txt, CMakeLists.txt, Makefile or C/C++ sources in %s; write mstage.yaml by hand (see docs/mstage.schema.json)", dir)
}

var goDirective = regexp.MustCompile(`^go\s+(\d+\.\d+)`)

func (p *project) detectGo(dir string) error {
	p.Kind, p.GoVersion, p.GoPackage = "go", "1.26", "."
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if mod, ok := strings.CutPrefix(line, "module "); ok {
			mod = strings.Trim(strings.TrimSpace(mod), `"`)
			p.Name = stageName(mod[strings.LastIndex(mod, "/")+1:])
		}
		if m := goDirective.FindStringSubmatch(line); m != nil {
			p.GoVersion = m[1]
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	p.Binary = p.Name
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err != nil {
		if cmds, _ := filepath.Glob(filepath.Join(dir, "cmd", "*", "main.go")); len(cmds) > 0 {
			cmd := filepath.Base(filepath.Dir(cmds[0]))
			p.GoPackage, p.Binary = "./cmd/"+cmd, stageName(cmd)
		}
	}
	return nil
}

// nodeLockfiles are the lockfiles the node preset knows, each with its
// package manager and the major version init installs: none for npm and
// yarn 1, which the node images carry.
var nodeLockfiles = []struct{ file, manager, major string }{
	{"package-lock.json", "npm", ""},
	{"npm-shrinkwrap.json", "npm", ""},
	{"pnpm-lock.yaml", "pnpm", "9"},
	{"yarn.lock", "yarn", ""},
}

func (p *project) detectNode(dir string, exists func(string) bool) error {
	p.Kind, p.Main = "node", "index.js"
	for _, l := range nodeLockfiles {
		if exists(l.file) {
			p.LockFile, p.PackageManager, p.PackageManagerMajor = l.file, l.manager, l.major
			break
		}
	}
	if p.LockFile == "" {
		return fmt.Errorf("package.json has no lockfile beside it (package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml or yarn.lock); the node preset installs exactly what a lockfile says: run npm install (or pnpm install, yarn) first")
	}
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return err
	}
	var pkg struct {
		Name    string            `json:"name"`
		Main    string            `json:"main"`
		Scripts map[string]string `json:"scripts"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return fmt.Errorf("package.json: %v", err)
	}
	if n := stageName(pkg.Name[strings.LastIndex(pkg.Name, "/")+1:]); pkg.Name != "" && n != "app" {
		p.Name = n
	}
	if pkg.Main != "" {
		p.Main = pkg.Main
	}
	// npm init's placeholder test fails on purpose.
	test := pkg.Scripts["test"]
	p.Test = test != "" && !strings.Contains(test, "no test specified")
	p.Build = pkg.Scripts["build"] != ""
	return nil
}

// tomlTable returns the key = "value" pairs of one table of a TOML file,
// read line by line: enough for a package's name and scripts.
func tomlTable(path, table string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kv := map[string]string{}
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			in = line == "["+table+"]"
			continue
		}
		if k, v, ok := strings.Cut(line, "="); in && ok {
			k, v = strings.Trim(strings.TrimSpace(k), `"'`), strings.TrimSpace(v)
			if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
				kv[k] = v[1 : len(v)-1]
			}
		}
	}
	return kv, nil
}

// binName matches the names cargo gives binaries and pip gives scripts that
// the spec can hold without quoting.
var binName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

func (p *project) detectRust(dir string, lock bool) error {
	p.Kind, p.CargoLock = "rust", lock
	pkg, err := tomlTable(filepath.Join(dir, "Cargo.toml"), "package")
	if err != nil {
		return err
	}
	name := pkg["name"]
	if !binName.MatchString(name) {
		return fmt.Errorf("no [package] name in Cargo.toml (a workspace?); write mstage.yaml by hand, see examples/rust-service")
	}
	p.Name, p.Binary = stageName(name), name
	return nil
}

func (p *project) detectPython(dir string, pyproject, requires bool) error {
	p.Kind, p.Pyproject, p.Requires = "python", pyproject, requires
	p.Main = "main.py"
	for _, m := range []string{"main.py", "app.py", "__main__.py"} {
		if _, err := os.Stat(filepath.Join(dir, m)); err == nil {
			p.Main = m
			break
		}
	}
	if !pyproject {
		return nil
	}
	path := filepath.Join(dir, "pyproject.toml")
	proj, err := tomlTable(path, "project")
	if err != nil {
		return err
	}
	if n := stageName(proj["name"]); proj["name"] != "" {
		p.Name = n
	}
	scripts, err := tomlTable(path, "project.scripts")
	if err != nil {
		return err
	}
	var names []string
	for k := range scripts {
		if binName.MatchString(k) {
			names = append(names, k)
		}
	}
	if len(names) > 0 {
		slices.Sort(names)
		p.Script = names[0]
	}
	return nil
}

var addExecutable = regexp.MustCompile(`(?i)add_executable\s*\(\s*([A-Za-z0-9_.-]+)`)

var installRule = regexp.MustCompile(`(?im)^\s*install\s*\(`)

// cmakeExecutable returns the first executable a CMakeLists.txt adds and
// whether it has install rules.
func cmakeExecutable(path string) (name string, install bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	if m := addExecutable.FindSubmatch(data); m != nil {
		name = string(m[1])
	}
	return name, installRule.Match(data)
}

// stageName turns s into a valid stage name: lower case letters, digits,
// '.', '_' and '-', starting with a letter or digit.
func stageName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	name := strings.TrimLeft(b.String(), "._-")
	if name == "" {
		return "app"
	}
	return name
}

func initTemplates() *template.Template {
	return template.Must(template.New("init").Parse(initGo + initNode + initRust + initPython + initCPP))
}

const initGo = `{{define "go"}}{{.SyntaxLine}}
# yaml-language-server: $schema={{.SchemaURL}}
version: 1
name: {{.Name}}
description: {{.Name}}, cross-compiled into a multi-arch image on an empty base.

args:
  GO_VERSION:
    default: "{{.GoVersion}}"
    description: Tag of the golang image the builder uses.

platforms: [linux/amd64, linux/arm64]
default: app

builders:
  go:
    description: Go toolchain; the go preset runs it once, natively, and cross-compiles.
    image: golang:${GO_VERSION}
    preset: go
    workdir: /src

artifacts:
  test:
    description: go vet and go test; no outputs, so it runs once on the build platform.
    builder: go
    steps:
      - copy: .
      - run: go vet ./... && go test ./...

  bin:
    description: The {{.Binary}} binary for each target platform.
    builder: go
    steps:
      - copy: .
      - run: go build -trimpath -ldflags="-s -w" -o /out/{{.Binary}} {{.GoPackage}}
    outputs: [/out/{{.Binary}}]

runtimes:
  app:
    description: {{.Binary}} on an empty base image, exported only when the tests pass.
    needs: [test]
    copy:
      - artifact: bin
        to: /usr/local/bin/
    user: "65532:65532"
    entrypoint: [/usr/local/bin/{{.Binary}}]
{{end}}`

const initNode = `{{define "node"}}{{.SyntaxLine}}
# yaml-language-server: $schema={{.SchemaURL}}
version: 1
name: {{.Name}}
description: {{.Name}}, a Node.js application in a multi-arch image.

platforms: [linux/amd64, linux/arm64]
default: app

builders:
  node:
    description: Node.js with {{.PackageManager}}; the node preset installs the dependencies from {{.LockFile}} once, on the build platform, before the sources are copied.
    image: node:18-bookworm
    preset: node
    workdir: /app
{{- if .PackageManagerMajor}}
    steps:
      - run: npm install --global {{.PackageManager}}@{{.PackageManagerMajor}}
{{- end}}

artifacts:
{{- if .Test}}
  test:
    description: The tests ({{.PackageManager}} test); no outputs, so they run once on the build platform.
    builder: node
    steps:
      # List node_modules in .dockerignore so the host's copy is not sent.
      - copy: .
      - run: {{.PackageManager}} test
{{end}}
  deps:
    description: node_modules without the dev dependencies.
    builder: node
    dependencies: production
    outputs: [/app/node_modules]

  build:
    description: The application files{{if .Build}}, with its build script run{{end}}; node_modules comes from deps.
    builder: node
    steps:
      - copy: .
      - run: {{if .Build}}{{.PackageManager}} run build && {{end}}rm -rf node_modules
    outputs: [/app/]

runtimes:
  app:
    description: The application on Node.js without npm, as the unprivileged node user.
    image: node:18-bookworm-slim
{{- if .Test}}
    needs: [test]
{{- end}}
    workdir: /app
    copy:
      - artifact: build
        to: /app/
      - artifact: deps
        to: /app/
    user: "1000:1000"
    env:
      NODE_ENV: production
    entrypoint: [node, {{.Main}}]
{{end}}`

const initCPP = `{{define "cpp"}}{{.SyntaxLine}}
# yaml-language-server: $schema={{.SchemaURL}}
version: 1
name: {{.Name}}
description: {{.Name}}, a statically linked program in a multi-arch image.

# The c preset compiles on the build platform with Debian's cross compilers,
# so no platform is emulated.
platforms: [linux/amd64, linux/arm64]
default: app

builders:
  cxx:
    description: Debian with mstage's native and cross compilers, on the build platform; the c preset installs what a target lacks.
    image: mstage/c-toolchains:bookworm
    preset: c
    workdir: /src
{{- if .CMake}}
    steps:
      - run: apt-get update && apt-get install -y --no-install-recommends cmake
{{- end}}

artifacts:
  bin:
    description: {{.Binary}}, linked statically so it runs on an empty base image.
    builder: cxx
    steps:
      - copy: .
{{- if .CMake}}
      # CMAKE_TOOLCHAIN_FILE (set by the preset) selects the target's compilers.
      - run: |
          cmake -S . -B /tmp/build -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXE_LINKER_FLAGS=-static
          cmake --build /tmp/build --parallel
{{- if .CMakeInstall}}
          cmake --install /tmp/build --prefix /out
{{- else}}
          install -D /tmp/build/{{.Binary}} /out/bin/{{.Binary}}
{{- end}}
{{- else if .Make}}
      # make reads CC and CXX (set by the preset) unless the Makefile sets them.
      - run: make LDFLAGS=-static && install -D {{.Binary}} /out/bin/{{.Binary}}
{{- else if .CPlusPlus}}
      - run: mkdir -p /out/bin && $CXX -O2 -static -o /out/bin/{{.Binary}} *.cpp
{{- else}}
      - run: mkdir -p /out/bin && $CC -O2 -static -o /out/bin/{{.Binary}} *.c
{{- end}}
    outputs: [/out/]

runtimes:
  app:
    description: {{.Binary}} on an empty base image.
    copy:
      - artifact: bin
        to: /usr/local/
    user: "65532:65532"
    entrypoint: [/usr/local/bin/{{.Binary}}]
{{end}}`

const initRust = `{{define "rust"}}{{.SyntaxLine}}
# yaml-language-server: $schema={{.SchemaURL}}
version: 1
name: {{.Name}}
description: {{.Name}}, cross-compiled by the rust preset into a multi-arch image.

args:
  RUST_VERSION:
    default: "1.63"
    description: Tag of the rust image the builder uses.

platforms: [linux/amd64, linux/arm64]
default: app

builders:
  rust:
    description: Rust toolchain; the rust preset runs it once, natively, and cross-compiles.
    image: rust:${RUST_VERSION}
    preset: rust
    workdir: /src

artifacts:
  test:
    description: cargo test; no outputs, so it runs once on the build platform.
    builder: rust
    steps:
      - copy: .
      - run: cargo test{{if .CargoLock}} --locked{{end}}

  bin:
    description: The {{.Binary}} binary for each target platform; cargo install puts it in /out/bin whatever the triple.
    builder: rust
    steps:
      - copy: .
      - run: cargo install --path . --root /out{{if .CargoLock}} --locked{{end}}
    outputs: [/out/bin]

runtimes:
  app:
    description: {{.Binary}} on Debian (it links glibc), exported only when the tests pass.
    image: debian:bookworm-slim
    needs: [test]
    copy:
      - artifact: bin
        src: [bin/{{.Binary}}]
        to: /usr/local/bin/
    user: "65532:65532"
    entrypoint: [/usr/local/bin/{{.Binary}}]
{{end}}`

const initPython = `{{define "python"}}{{.SyntaxLine}}
# yaml-language-server: $schema={{.SchemaURL}}
version: 1
name: {{.Name}}
description: {{.Name}}, a Python application in a venv, in a multi-arch image.

args:
  PYTHON_VERSION:
    default: "3.11"
    description: Tag of the python images (the venv runs on the interpreter it was built with).

platforms: [linux/amd64, linux/arm64]
default: app

builders:
  python:
    description: Python; the python preset builds the venv /opt/venv once on the build platform (set platform target here for packages with compiled parts).
    image: python:${PYTHON_VERSION}-slim
    preset: python
    workdir: /opt/app

artifacts:
  build:
    description: The venv with the dependencies{{if .Pyproject}} and the project{{end}}, and the sources.
    builder: python
    steps:
      - copy: .
{{- if .Requires}}
      - run: pip install -r requirements.txt
{{- end}}
{{- if .Pyproject}}
      - run: pip install .
{{- end}}
    outputs: [/opt/venv, /opt/app]

runtimes:
  app:
    description: The application on the same Python image, as a non-root user.
    image: python:${PYTHON_VERSION}-slim
    copy:
      - artifact: build
        to: /opt/
    env:
      PATH: /opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    workdir: /opt/app
    user: "65532:65532"
{{- if .Script}}
    entrypoint: [/opt/venv/bin/{{.Script}}]
{{- else}}
    cmd: [python, {{.Main}}]
{{- end}}
{{end}}`
