package llbgen

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/llbgen/llbtest"
	"github.com/mstage/mstage/spec"
)

// parseSrc parses an inline spec.
func parseSrc(t *testing.T, src string) (*spec.Spec, []byte) {
	t.Helper()
	s, err := spec.Parse("mstage.yaml", []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return s, []byte(src)
}

// buildSrc compiles target of an inline spec for tp on linux/amd64, with
// the images of semanticsResolver.
func buildSrc(t *testing.T, src, target string, tp ocispecs.Platform, buildArgs map[string]string) (*Result, *llbtest.Graph) {
	t.Helper()
	s, dt := parseSrc(t, src)
	opt := options(target, tp, s, dt)
	opt.BuildArgs = buildArgs
	opt.MetaResolver = semanticsResolver()
	res := compile(t, s, opt)
	return res, llbtest.Decode(t, res.State)
}

// semanticsResolver knows golang:1.26 and python:3.13 (a PATH, a HOME and
// an APP_USER in their configs); any other image, such as debian:bookworm,
// has a config without env, so without PATH.
func semanticsResolver() fakeResolver {
	r := defaultResolver()
	var py dockerspec.DockerOCIImage
	py.RootFS.Type = "layers"
	py.RootFS.DiffIDs = []digest.Digest{digest.FromString("python-layer")}
	py.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "APP_USER=1000", "VERSION=image"}
	r.configs["docker.io/library/python:3.13"] = py
	return r
}

// compileErr compiles target of an inline spec and returns its error as a
// positioned *spec.Error.
func compileErr(t *testing.T, src, target string, vars map[string]string) *spec.Error {
	t.Helper()
	s, dt := parseSrc(t, src)
	opt := options(target, amd64, s, dt)
	opt.BuildArgs = vars
	_, err := Compile(context.Background(), s, opt)
	if err == nil {
		t.Fatal("Compile succeeded, want an error")
	}
	e := spec.FirstError(err)
	if e == nil {
		t.Fatalf("error %T %q carries no spec.Error", err, err)
	}
	return e
}

func TestChmodSymbolicAndOctal(t *testing.T) {
	src := `version: 1
args: {M: "0755"}
runtimes:
  r:
    image: alpine
    copy:
      - {src: a, to: /a, chmod: u+x}
      - {src: b, to: /b, chmod: "${M}"}
      - {src: c, to: /c, chmod: "644"}
`
	_, g := buildSrc(t, src, "r", amd64, nil)
	got := map[string]string{}
	for _, f := range g.Files() {
		for _, a := range f.GetFile().Actions {
			if cp := a.GetCopy(); cp != nil {
				if cp.ModeStr != "" {
					got[cp.Dest] = cp.ModeStr
				} else {
					got[cp.Dest] = llbModeString(cp.Mode)
				}
			}
		}
	}
	want := map[string]string{"/a": "u+x", "/b": "0755", "/c": "0644"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("copy to %s: mode %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

func llbModeString(m int32) string { return fmt.Sprintf("%04o", m) }

// A mode that comes out of ${VAR} expansion is checked by the same parser
// as a written one, at the value's position, before any LLB exists.
func TestExpandedModeIsRejectedWithPosition(t *testing.T) {
	src := `version: 1
args: {M: "0o755"}
runtimes:
  r:
    image: alpine
    copy:
      - {src: b, to: /b, chmod: "${M}"}
`
	e := compileErr(t, src, "r", nil)
	if e.Pos != (spec.Pos{Line: 7, Col: 33}) || e.Suggestion != "0755" {
		t.Errorf("error = %v at %v, want 7:33 with did you mean 0755", e, e.Pos)
	}
}

// Every compile error is a positioned *spec.Error, as parse errors are.
func TestCompileErrorsArePositioned(t *testing.T) {
	for name, tt := range map[string]struct {
		src string
		pos spec.Pos
		msg string
	}{
		"named context": {
			src: "version: 1\nruntimes:\n  web:\n    copy:\n      - {context: assets, to: /srv/}\n",
			pos: spec.Pos{Line: 5, Col: 19}, msg: `named context "assets" is not set`,
		},
		"relative mount target resolving to /": {
			src: "version: 1\nruntimes:\n  web:\n    image: alpine\n    steps:\n      - run: make\n        mounts: [{cache: ./x/..}]\n",
			pos: spec.Pos{Line: 7, Col: 26}, msg: `mount target "./x/.." is the root directory`,
		},
		"expanded mount target /": {
			src: "version: 1\nargs: {D: /}\nruntimes:\n  web:\n    image: alpine\n    steps:\n      - run: make\n        mounts: [{tmpfs: $D}]\n",
			pos: spec.Pos{Line: 8, Col: 26}, msg: `mount target "/" is the root directory`,
		},
		"chown by name with link": {
			src: "version: 1\nruntimes:\n  web:\n    image: alpine\n    copy:\n      - {src: a, to: /a, chown: www, link: true}\n",
			pos: spec.Pos{Line: 6, Col: 33}, msg: `chown "www" names a user or group`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := compileErr(t, tt.src, "web", nil)
			if e.Pos != tt.pos || e.Filename != "mstage.yaml" || !strings.HasPrefix(e.Msg, tt.msg) {
				t.Errorf("error %q at %v, want %q at %v", e.Msg, e.Pos, tt.msg, tt.pos)
			}
		})
	}
}

// envOf returns the value of k in an image config's env.
func envOf(env []string, k string) string {
	for _, kv := range env {
		if name, v, _ := strings.Cut(kv, "="); name == k {
			return v
		}
	}
	return ""
}

// $PATH in env, as ENV PATH=/x:$PATH in a Dockerfile, extends the image's
// PATH; on an image whose config has none it extends the default PATH, as
// dockerfile2llb sets it.
func TestEnvSeesImageEnv(t *testing.T) {
	const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, tt := range []struct{ image, path string }{
		{"python:3.13", "/opt/venv/bin:/usr/local/bin:/usr/bin:/bin"},
		{"golang:1.26", "/opt/venv/bin:/usr/local/go/bin:/go/bin:/usr/local/bin:/usr/bin:/bin"},
		{"debian:bookworm", "/opt/venv/bin:" + defaultPath},
		{"scratch", "/opt/venv/bin:" + defaultPath},
	} {
		t.Run(tt.image, func(t *testing.T) {
			src := `version: 1
builders:
  b:
    image: ` + tt.image + `
    env: {PATH: "/opt/venv/bin:$PATH"}
    steps:
      - run: mkdir -p /x
`
			res, g := buildSrc(t, src, "b", amd64, nil)
			if got := llbtest.Env(g.ExecContaining("mkdir"))["PATH"]; got != tt.path {
				t.Errorf("run step PATH = %q, want %q", got, tt.path)
			}
			if got := envOf(res.Image.Config.Env, "PATH"); got != tt.path {
				t.Errorf("image config PATH = %q, want %q", got, tt.path)
			}
		})
	}
}

// Env flows through from chains, from builders into artifacts and from
// runtime to runtime; a stage's entries see the ones before them; workdir,
// user, step env, copy destinations and labels see the result; an image's
// env hides an arg of the same name, as ENV hides ARG.
func TestValuesSeeEnvOfEarlierStages(t *testing.T) {
	src := `version: 1
args: {VERSION: arg, TOOLS: /tools}
builders:
  base:
    image: python:3.13
    env: {TOOLS_BIN: "${TOOLS}/bin"}
  py:
    from: base
    env:
      PATH: $TOOLS_BIN:$PATH
      A: one
      B: ${A}-two
    workdir: $HOME/src
    user: $APP_USER
artifacts:
  app:
    builder: py
    env: {C: "$B-three"}
    steps:
      - run: make
        env: {PATH: "/step:$PATH", V: "$VERSION"}
      - copy: x
        to: $HOME/dest/
    outputs: [/out/app]
runtimes:
  r0:
    image: python:3.13
    env: {LIB: /lib/r0}
  r:
    from: r0
    env: {LIB: "$LIB:/lib/r"}
    labels: {home: "$HOME", version: "$VERSION"}
    copy: [{artifact: app, to: /app/}]
`
	_, g := buildSrc(t, src, "app", arm64, nil)
	env := llbtest.Env(g.ExecContaining("make"))
	for k, want := range map[string]string{
		"PATH": "/step:/tools/bin:/usr/local/bin:/usr/bin:/bin",
		"B":    "one-two",
		"C":    "one-two-three",
		"V":    "image",
	} {
		if env[k] != want {
			t.Errorf("run step %s = %q, want %q", k, env[k], want)
		}
	}
	run := g.ExecContaining("make").GetExec()
	if run.Meta.Cwd != "/root/src" || run.Meta.User != "1000" {
		t.Errorf("run step cwd %q user %q, want /root/src and 1000", run.Meta.Cwd, run.Meta.User)
	}
	var dests []string
	for _, f := range g.Files() {
		for _, a := range f.GetFile().Actions {
			if cp := a.GetCopy(); cp != nil {
				dests = append(dests, cp.Dest)
			}
		}
	}
	if !slices.Contains(dests, "/root/dest/") {
		t.Errorf("copy destinations %q, want /root/dest/", dests)
	}

	res, _ := buildSrc(t, src, "r", arm64, nil)
	if got := envOf(res.Image.Config.Env, "LIB"); got != "/lib/r0:/lib/r" {
		t.Errorf("runtime LIB = %q, want /lib/r0:/lib/r", got)
	}
	if l := res.Image.Config.Labels; l["home"] != "/root" || l["version"] != "image" {
		t.Errorf("labels = %v, want home=/root version=image", l)
	}
}

// The image and platform of a stage see the args only, as FROM sees only
// the global ARGs: VERSION here is the arg, not the image's env.
func TestImageSeesArgsOnly(t *testing.T) {
	src := `version: 1
args: {PY: "3.13"}
runtimes:
  r:
    image: python:${PY}
    env: {PY: "$PY"}
`
	res, _ := buildSrc(t, src, "r", amd64, nil)
	if got := envOf(res.Image.Config.Env, "PY"); got != "3.13" {
		t.Errorf("PY = %q, want 3.13", got)
	}
}

// A stage's args reach every run step of the stage as env, whether or not
// the command names them (a Makefile or an xx-* helper reads them); steps
// of other stages still get only what their command names. An env of the
// image or the step with the same name wins, as ENV does over ARG.
func TestStageArgsReachEveryRunStep(t *testing.T) {
	src := `version: 1
args: {VERSION: dev, OTHER: o}
builders:
  tools:
    image: debian:bookworm
    steps:
      - run: tools-setup
artifacts:
  app:
    builder: tools
    args: [VERSION, TARGETPLATFORM, TARGETARCH, BUILDPLATFORM]
    steps:
      - run: make
      - run: echo $OTHER
      - run: override
        env: {VERSION: step}
    outputs: [/out/app]
`
	_, g := buildSrc(t, src, "app", arm64, map[string]string{"VERSION": "1.2.3"})
	want := map[string]string{"VERSION": "1.2.3", "TARGETPLATFORM": "linux/arm64", "TARGETARCH": "arm64", "BUILDPLATFORM": "linux/amd64"}
	for _, cmd := range []string{"make", "echo $OTHER"} {
		env := llbtest.Env(g.ExecContaining(cmd))
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s: %s = %q, want %q", cmd, k, env[k], v)
			}
		}
	}
	if env := llbtest.Env(g.ExecContaining("make")); env["OTHER"] != "" {
		t.Errorf("make got OTHER=%q; only the stage's args and what the command names", env["OTHER"])
	}
	if env := llbtest.Env(g.ExecContaining("echo $OTHER")); env["OTHER"] != "o" {
		t.Errorf("echo $OTHER got OTHER=%q, want o", env["OTHER"])
	}
	if env := llbtest.Env(g.ExecContaining("override")); env["VERSION"] != "step" {
		t.Errorf("step env VERSION = %q, want step", env["VERSION"])
	}
	if env := llbtest.Env(g.ExecContaining("tools-setup")); env["VERSION"] != "" || env["TARGETARCH"] != "" {
		t.Errorf("the builder's step got the artifact's args: %v", env)
	}
}

// --no-cache marks every run and copy step of every stage; a
// --no-cache-filter marks only the steps of the stages it names, as the
// Dockerfile frontend marks only the named stages' RUN, COPY and ADD.
func TestNoCacheMarksRunAndCopySteps(t *testing.T) {
	const src = `version: 1
builders:
  b:
    image: debian:bookworm
    steps:
      - run: echo builder
artifacts:
  a:
    builder: b
    steps:
      - copy: hello.txt
      - run: echo artifact > /out.txt
    outputs: [/out.txt]
`
	for _, tt := range []struct {
		name    string
		noCache func(string) bool
		want    map[string]bool // op text -> ignore cache
	}{
		{"off", nil, map[string]bool{"echo builder": false, "echo artifact": false, "hello.txt": false}},
		{"all", func(string) bool { return true }, map[string]bool{"echo builder": true, "echo artifact": true, "hello.txt": true}},
		{"filter a", func(s string) bool { return s == "a" }, map[string]bool{"echo builder": false, "echo artifact": true, "hello.txt": true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, dt := parseSrc(t, src)
			opt := options("a", amd64, s, dt)
			opt.MetaResolver = semanticsResolver()
			opt.NoCache = tt.noCache
			g := llbtest.Decode(t, compile(t, s, opt).State)
			for text, want := range tt.want {
				var found bool
				for _, o := range g.Ops {
					if strings.Contains(o.Name, text) && (o.GetExec() != nil || o.GetFile() != nil) {
						found = true
						if o.IgnoreCache != want {
							t.Errorf("op %q: ignore cache = %v, want %v", o.Name, o.IgnoreCache, want)
						}
					}
				}
				if !found {
					t.Errorf("no op named like %q in %v", text, g.Names())
				}
			}
		})
	}
}
