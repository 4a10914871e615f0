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
	Kind      string // go, node or cpp
	Name      string // stage-safe project name
	Binary    string // go, cpp: name of the program
	GoVersion string // go: major.minor from go.mod
	GoPackage string // go: package with main, such as . or ./cmd/app
	LockFile  string // node: the lockfile found
	Main      string // node: entry script
	Test      bool   // node: package.json has a test script
	Build     bool   // node: package.json has a build script

	PackageManager      string // node: npm, pnpm or yarn, from the lockfile
	PackageManagerMajor string // node: the major version installed when it is not npm
	CMake               bool   // cpp: CMakeLists.txt exists
	Make                bool   // cpp: Makefile exists
	CPlusPlus           bool   // cpp: has C++ sources
	SchemaURL           string
	SyntaxLine          string
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
			if name := cmakeExecutable(filepath.Join(dir, "CMakeLists.txt")); name != "" {
				p.Binary = name
			}
		}
		return p, nil
	}
	return nil, fmt.Errorf("found no go.mod, package.json, CMakeLists.txt, Makefile or C/C++ sources in %s; write mstage.yaml by hand (see docs/mstage.schema.json)", dir)
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
// package manager and the major version init installs when it is not npm.
var nodeLockfiles = []struct{ file, manager, major string }{
	{"package-lock.json", "npm", ""},
	{"npm-shrinkwrap.json", "npm", ""},
	{"pnpm-lock.yaml", "pnpm", "9"},
	{"yarn.lock", "yarn", "1"},
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

var addExecutable = regexp.MustCompile(`(?i)add_executable\s*\(\s*([A-Za-z0-9_.-]+)`)

func cmakeExecutable(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if m := addExecutable.FindSubmatch(data); m != nil {
		return string(m[1])
	}
	return ""
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
	return template.Must(template.New("init").Parse(initGo + initNode + initCPP))
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
{{- if ne .PackageManager "npm"}}
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

# The compiler runs per target platform, so foreign platforms are emulated
# (slow); drop linux/arm64 if you do not need it.
platforms: [linux/amd64, linux/arm64]
default: app

builders:
  cxx:
    description: Debian with a C and C++ toolchain, installed once per platform.
    image: debian:bookworm
    workdir: /src
    steps:
      - run: |
          rm -f /etc/apt/apt.conf.d/docker-clean
          apt-get update
          apt-get install -y --no-install-recommends {{if .CMake}}cmake {{end}}g++ make
        mounts:
          - cache: /var/cache/apt
            sharing: locked
          - cache: /var/lib/apt
            sharing: locked

artifacts:
  bin:
    description: {{.Binary}}, linked statically so it runs on an empty base image.
    builder: cxx
    steps:
      - copy: .
{{- if .CMake}}
      - run: |
          cmake -S . -B /tmp/build -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXE_LINKER_FLAGS=-static
          cmake --build /tmp/build --parallel
          install -D /tmp/build/{{.Binary}} /out/{{.Binary}}
{{- else if .Make}}
      - run: make LDFLAGS=-static && install -D {{.Binary}} /out/{{.Binary}}
{{- else if .CPlusPlus}}
      - run: mkdir -p /out && g++ -O2 -static -o /out/{{.Binary}} *.cpp
{{- else}}
      - run: mkdir -p /out && cc -O2 -static -o /out/{{.Binary}} *.c
{{- end}}
    outputs: [/out/{{.Binary}}]

runtimes:
  app:
    description: {{.Binary}} on an empty base image.
    copy:
      - artifact: bin
        to: /usr/local/bin/
    user: "65532:65532"
    entrypoint: [/usr/local/bin/{{.Binary}}]
{{end}}`
