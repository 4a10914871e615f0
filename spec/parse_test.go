package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *Spec {
	t.Helper()
	s, err := Parse("mstage.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

func parseFile(t *testing.T, name string) *Spec {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load("mstage.yaml", data, DirFiles(filepath.Dir(name)))
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	return s
}

func names(stages []*Stage) string {
	var out []string
	for _, st := range stages {
		out = append(out, st.Name)
	}
	return strings.Join(out, " ")
}

func TestParseFull(t *testing.T) {
	s := parseFile(t, "testdata/full.yaml")
	if s.Version != 1 || s.Name != "hello" || s.Default != "service" || s.Filename != "mstage.yaml" {
		t.Errorf("header: version %d name %q default %q filename %q", s.Version, s.Name, s.Default, s.Filename)
	}
	if len(s.Args) != 2 || s.Args[0].Name != "GO_VERSION" || s.Args[0].Default != "1.26" ||
		s.Args[1].Name != "VERSION" || s.Args[1].Default != "dev" || s.Args[1].Description != "version stamped into the binary" {
		t.Errorf("args: %+v %+v", s.Args[0], s.Args[1])
	}
	if got := s.Args[1].At("default"); got != (Pos{Line: 8, Col: 14}) {
		t.Errorf("VERSION default at %v, want 8:14", got)
	}
	if len(s.Platforms) != 2 || s.Platforms[1].Value != "linux/arm64" || s.Platforms[1].Pos != (Pos{Line: 10, Col: 26}) {
		t.Errorf("platforms: %+v", s.Platforms)
	}
	if s.Lint == nil || len(s.Lint.Skip) != 1 || s.Lint.Skip[0].Value != "NoDigest" || s.Lint.RequireDigests {
		t.Errorf("lint: %+v", s.Lint)
	}
	if got := names(s.Builders) + "|" + names(s.Artifacts) + "|" + names(s.Runtimes); got != "go go-tools|app unit-tests|service" {
		t.Errorf("stages: %s", got)
	}

	goB := s.Stage("go")
	if goB.Kind != KindBuilder || goB.Image != "golang:${GO_VERSION}" || goB.Preset != "go" || goB.Workdir != "/src" {
		t.Errorf("go builder: %+v", goB)
	}
	if len(goB.Env) != 1 || goB.Env[0] != (KV{"GOFLAGS", "-trimpath", Pos{Line: 17, Col: 12}}) {
		t.Errorf("go env (from an alias): %+v", goB.Env)
	}
	if len(goB.Steps) != 2 || goB.Steps[0].Copy == nil || len(goB.Steps[0].Copy.Src) != 2 ||
		goB.Steps[0].Copy.Src[1].Value != "go.sum" || goB.Steps[1].Run.Shell != "go mod download" {
		t.Errorf("go steps: %+v %+v", goB.Steps[0], goB.Steps[1])
	}
	tools := s.Stage("go-tools")
	if tools.From != "go" || tools.Image != "" {
		t.Errorf("go-tools: from %q image %q", tools.From, tools.Image)
	}
	if m := tools.Steps[0].Mounts[0]; m.Type != MountCache || m.Target != "/root/.cache/go-build" || m.Sharing != "locked" {
		t.Errorf("go-tools mount: %+v", m)
	}

	app := s.Stage("app")
	if app.Kind != KindArtifact || app.Builder != "go" || len(app.Outputs) != 1 || app.Outputs[0].Value != "/out/app" || app.ArchGuard != nil {
		t.Errorf("app: %+v", app)
	}
	if run := app.Steps[1]; !run.Run.IsShell() || !strings.Contains(run.Run.Shell, "${VERSION}") || run.Env[0] != (KV{"CGO_ENABLED", "0", Pos{Line: 43, Col: 24}}) {
		t.Errorf("app run step: %+v %+v", run.Run, run.Env)
	}
	tests := s.Stage("unit-tests")
	if tests.Platform != PlatformBuild || tests.ArchGuard == nil || *tests.ArchGuard {
		t.Errorf("unit-tests: platform %q arch-guard %v", tests.Platform, tests.ArchGuard)
	}
	if run := tests.Steps[1]; run.Run.IsShell() || strings.Join(run.Run.Args, " ") != "go test ./..." || run.Network != "none" || run.Run.Pos != (Pos{Line: 51, Col: 14}) {
		t.Errorf("unit-tests argv step: %+v network %q", run.Run, run.Network)
	}
	mounts := tests.Steps[2].Mounts
	if mounts[0].Type != MountSecret || mounts[0].ID != "netrc" || mounts[0].Target != "/root/.netrc" ||
		mounts[1].Type != MountBind || mounts[1].Target != "/cfg" || mounts[1].Context != "config" || mounts[1].Src != "lint" || mounts[1].ReadWrite {
		t.Errorf("unit-tests mounts: %+v %+v", mounts[0], mounts[1])
	}

	svc := s.Stage("service")
	if svc.Kind != KindRuntime || svc.Image != "scratch" || svc.User != "65532:65532" || svc.StopSignal != "SIGTERM" {
		t.Errorf("service: %+v", svc)
	}
	if len(svc.Needs) != 1 || svc.Needs[0] != (String{"unit-tests", Pos{Line: 64, Col: 13}}) {
		t.Errorf("service needs: %+v", svc.Needs)
	}
	if c := svc.Copy[0]; c.Artifact != "app" || c.To != "/usr/local/bin/" || c.Src != nil {
		t.Errorf("service copy 0: %+v", c)
	}
	if c := svc.Copy[1]; c.Image != "alpine:3.20" || c.Src[0].Value != "/etc/ssl/certs/ca-certificates.crt" || c.Chmod != "0644" || c.At("chmod") != (Pos{Line: 71, Col: 16}) {
		t.Errorf("service copy 1: %+v", c)
	}
	if svc.Entrypoint.IsShell() || svc.Entrypoint.Args[0] != "/usr/local/bin/app" || !svc.Cmd.IsShell() || svc.Cmd.Shell != "serve" {
		t.Errorf("service entrypoint %+v cmd %+v", svc.Entrypoint, svc.Cmd)
	}
	if len(svc.Expose) != 2 || svc.Expose[0].Value != "8080/tcp" || svc.Expose[1].Value != "9090" {
		t.Errorf("service expose: %+v", svc.Expose)
	}
	if svc.Env[0].Key != "PORT" || svc.Env[0].Value != "8080" || svc.Labels[0].Key != "org.opencontainers.image.version" {
		t.Errorf("service env %+v labels %+v", svc.Env, svc.Labels)
	}
	if h := svc.Healthcheck; h == nil || strings.Join(h.Test.Args, " ") != "/usr/local/bin/app health" || h.Interval != "30s" || h.Retries != 3 {
		t.Errorf("service healthcheck: %+v", svc.Healthcheck)
	}
}

func TestPositions(t *testing.T) {
	s := parseFile(t, "testdata/full.yaml")
	tests := []struct {
		what string
		got  Pos
		want Pos
	}{
		{"spec", s.Pos, Pos{Line: 2, Col: 1}},
		{"spec default", s.At("default"), Pos{Line: 11, Col: 10}},
		{"builder go (its name)", s.Stage("go").Pos, Pos{Line: 20, Col: 3}},
		{"go image", s.Stage("go").At("image"), Pos{Line: 21, Col: 12}},
		{"go steps", s.Stage("go").At("steps"), Pos{Line: 26, Col: 7}},
		{"go first step", s.Stage("go").Steps[0].Pos, Pos{Line: 26, Col: 9}},
		{"go copy src", s.Stage("go").Steps[0].Copy.At("src"), Pos{Line: 26, Col: 15}},
		{"go copy src item", s.Stage("go").Steps[0].Copy.Src[1].Pos, Pos{Line: 26, Col: 24}},
		{"go-tools mount", s.Stage("go-tools").Steps[0].Mounts[0].Pos, Pos{Line: 33, Col: 13}},
		{"go-tools mount target", s.Stage("go-tools").Steps[0].Mounts[0].At("target"), Pos{Line: 33, Col: 20}},
		{"app builder", s.Stage("app").At("builder"), Pos{Line: 38, Col: 14}},
		{"app output", s.Stage("app").Outputs[0].Pos, Pos{Line: 44, Col: 15}},
		{"service copy entry", s.Stage("service").Copy[0].Pos, Pos{Line: 66, Col: 9}},
		{"service copy to", s.Stage("service").Copy[0].At("to"), Pos{Line: 67, Col: 13}},
		{"service cmd", s.Stage("service").Cmd.Pos, Pos{Line: 74, Col: 10}},
		{"service healthcheck", s.Stage("service").Healthcheck.Pos, Pos{Line: 82, Col: 7}},
		{"unwritten key falls back to node", s.Stage("service").At("workdir"), Pos{Line: 62, Col: 3}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s at %v, want %v", tt.what, tt.got, tt.want)
		}
	}
}

// TestEveryKeyDecoded parses a file that writes every key the struct tags
// allow and checks that each tagged field received a value somewhere, so a
// key added to the types cannot be silently ignored by the decoder.
func TestEveryKeyDecoded(t *testing.T) {
	s := parseFile(t, "testdata/allkeys.yaml")
	type want struct{ what, kind string }
	decoded := map[want]map[string]bool{}
	record := func(what string, v any, kind string) {
		rv := reflect.ValueOf(v).Elem()
		w := want{what, kind}
		if decoded[w] == nil {
			decoded[w] = map[string]bool{}
		}
		for i := range rv.NumField() {
			f := rv.Type().Field(i)
			name := yamlName(f)
			if name == "" || (kind != "" && !tagHas(f.Tag.Get("kinds"), kind)) {
				continue
			}
			decoded[w][name] = decoded[w][name] || !rv.Field(i).IsZero()
		}
	}
	record("spec", s, "")
	record("arg", s.Args[0], "")
	record("lint", s.Lint, "")
	for _, st := range s.Stages() {
		if !strings.HasPrefix(st.Name, "all-") {
			continue
		}
		record("stage", st, string(st.Kind))
		for _, step := range st.Steps {
			if step.Run != nil {
				record("step", step, "run")
				for _, m := range step.Mounts {
					record("mount", m, string(m.Type))
				}
			}
			if step.Copy != nil {
				record("copy", step.Copy, "")
			}
		}
		for _, c := range st.Copy {
			record("copy", c, "")
		}
		if st.Healthcheck != nil {
			record("healthcheck", st.Healthcheck, "")
		}
	}
	if len(decoded) != 14 {
		t.Errorf("recorded %d kinds of mapping, want 14 (spec, arg, lint, 3 stages, run step, copy, healthcheck, 5 mounts)", len(decoded))
	}
	for w, keys := range decoded {
		for key, ok := range keys {
			if !ok {
				t.Errorf("%s %s: key %q was not decoded", w.kind, w.what, key)
			}
		}
	}
}

func TestMergeKeysAndXKeys(t *testing.T) {
	s := mustParse(t, `version: 1
x-base: &base
  image: golang
  workdir: /src
builders:
  go:
    <<: *base
    workdir: /app
`)
	goB := s.Stage("go")
	if goB.Image != "golang" || goB.Workdir != "/app" {
		t.Errorf("image %q workdir %q, want golang and the explicit /app", goB.Image, goB.Workdir)
	}
	if goB.At("image") != (Pos{Line: 3, Col: 10}) || goB.At("workdir") != (Pos{Line: 8, Col: 14}) {
		t.Errorf("positions image %v workdir %v", goB.At("image"), goB.At("workdir"))
	}
}

func TestScalarsKeepTheirSpelling(t *testing.T) {
	s := mustParse(t, `version: 1
args:
  RATIO: 1.50
  FLAG: true
  EMPTY:
builders:
  go:
    image: golang
    steps:
      - copy: x
        chmod: 0755
`)
	if s.Args[0].Default != "1.50" || s.Args[1].Default != "true" || s.Args[2].Default != "" {
		t.Errorf("args %q %q %q", s.Args[0].Default, s.Args[1].Default, s.Args[2].Default)
	}
	if c := s.Stage("go").Steps[0].Copy; c.Chmod != "0755" {
		t.Errorf("chmod %q, want 0755 as written", c.Chmod)
	}
}

func TestSSHMountDefaultID(t *testing.T) {
	s := mustParse(t, `version: 1
builders:
  go:
    image: golang
    steps:
      - run: git clone git@example.com:x
        mounts:
          - ssh:
          - ssh: deploy
            required: true
`)
	m := s.Stage("go").Steps[0].Mounts
	if m[0].ID != "default" || m[1].ID != "deploy" || !m[1].Required {
		t.Errorf("ssh mounts: %+v %+v", m[0], m[1])
	}
}

func TestVariablesSkipParseTimeChecks(t *testing.T) {
	// Values with ${VAR} are checked after Expand, not by Parse.
	mustParse(t, `version: 1
args: {BASE: golang, ARCH: amd64}
builders:
  go:
    image: ${BASE}:1.26
    platform: linux/${ARCH}
    steps:
      - copy: x
        to: ${DEST}
        chmod: ${MODE}
`)
}

// A UTF-8 byte-order mark is skipped, and positions on line 1 do not count
// it, as editors do not show it.
func TestByteOrderMarkIsSkipped(t *testing.T) {
	s, err := Parse("mstage.yaml", []byte("\uFEFFversion: 1\nruntimes:\n  r: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != 1 || s.At("version") != (Pos{Line: 1, Col: 10}) {
		t.Errorf("version %d at %v, want 1 at 1:10", s.Version, s.At("version"))
	}
	_, err = Parse("mstage.yaml", []byte("\uFEFFversion: 2\nruntimes:\n  r: {}\n"))
	if e := FirstError(err); e == nil || e.Pos != (Pos{Line: 1, Col: 10}) {
		t.Errorf("error = %v, want one at 1:10", err)
	}
}

// A value that expands to a control character (from a --build-arg) is
// rejected at the value, as one written in the file is.
func TestExpandedControlCharacterIsRejected(t *testing.T) {
	s := mustParse(t, "version: 1\nargs: {A: a}\nbuilders:\n  go:\n    image: golang\n    workdir: /src/$A\n")
	_, err := expandFile(s, map[string]string{"A": "x\x00y"})
	if e := FirstError(err); e == nil || e.Pos != (Pos{Line: 6, Col: 14}) || !strings.Contains(e.Msg, "U+0000") {
		t.Errorf("error = %v, want a NUL at 6:14", err)
	}
}
