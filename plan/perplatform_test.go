package plan

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

const perPlatformSpec = `version: 1
builders:
  base-amd64: {image: busybox, platforms: [linux/amd64]}
  base-arm64: {image: busybox, platforms: [linux/arm64]}
  tools: {image: busybox}
artifacts:
  app:
    builder: base-${TARGETARCH}
    steps:
      - run: echo common
      - run: echo only-arm
        platforms: [linux/arm64]
      - copy: /etc/hostname
        stage: tools
        to: /out/
        platforms: [linux/amd64]
    outputs: [/out/]
  amd-only:
    builder: tools
    platforms: [linux/amd64]
    outputs: [/x]
runtimes:
  web:
    from: base-rt-${TARGETARCH}
    copy: [{artifact: app, to: /app/}]
  base-rt-amd64: {image: busybox}
  base-rt-arm64: {image: busybox}
  needs-amd:
    copy: [{artifact: amd-only, to: /x}]
`

// commands returns the run commands and copy sources of in's steps.
func commands(in *Instance) []string {
	var out []string
	for _, st := range in.Steps {
		switch {
		case st.Spec.Run != nil:
			out = append(out, st.Spec.Run.Shell)
		case st.Spec.Copy != nil:
			out = append(out, "copy "+st.Spec.Copy.Stage)
		}
	}
	return out
}

func TestStageReferencePicksAStagePerPlatform(t *testing.T) {
	s := mustParse(t, perPlatformSpec)
	p := resolve(t, s, "web", "", amd64, arm64)
	for _, b := range p.Builds {
		arch := b.Platform.Architecture
		if got, want := b.Target.Base.Name(), "base-rt-"+arch; got != want {
			t.Errorf("%s: web extends %s, want %s", arch, got, want)
		}
		app := b.Target.CopyEntries[0].Source
		if got, want := app.Base.Name(), "base-"+arch; got != want {
			t.Errorf("%s: app runs in %s, want %s", arch, got, want)
		}
		want := []string{"echo common", "copy tools"}
		if arch == "arm64" {
			want = []string{"echo common", "echo only-arm"}
		}
		if got := commands(app); !slices.Equal(got, want) {
			t.Errorf("%s: app's steps %q, want %q", arch, got, want)
		}
	}
	// The graph holds every stage a reference may name, so nothing that
	// one platform uses is unreachable.
	var deps []string
	for _, d := range s.Deps(s.Stage("app")) {
		deps = append(deps, d.Name)
	}
	if want := []string{"base-amd64", "base-arm64", "tools"}; !slices.Equal(deps, want) {
		t.Errorf("deps of app %v, want %v", deps, want)
	}
}

func TestAStageLimitedToPlatformsIsAPositionedError(t *testing.T) {
	s := mustParse(t, perPlatformSpec)
	resolve(t, s, "needs-amd", "", amd64)
	_, err := Resolve(Request{Spec: s, Target: "needs-amd", TargetPlatforms: []ocispecs.Platform{amd64, arm64}, BuildPlatform: amd64})
	var e *spec.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v, want a *spec.Error", err)
	}
	// At the reference that needs it, naming where the limit is written.
	if e.Pos.Line != 29 || !strings.Contains(e.Msg, `artifact "amd-only" is limited to linux/amd64 (its platforms at 20:16), so it cannot be built for linux/arm64`) {
		t.Errorf("error %v", e)
	}
	// The target itself: at its platforms.
	_, err = Resolve(Request{Spec: s, Target: "amd-only", TargetPlatforms: []ocispecs.Platform{arm64}, BuildPlatform: amd64})
	if !errors.As(err, &e) || e.Pos.Line != 20 || !strings.Contains(e.Msg, "cannot be built for linux/arm64") {
		t.Errorf("error %v", err)
	}
}

func TestAReferenceThatExpandsToNoStageIsAPositionedError(t *testing.T) {
	s := mustParse(t, perPlatformSpec)
	_, err := Resolve(Request{Spec: s, Target: "web", TargetPlatforms: []ocispecs.Platform{platforms.MustParse("linux/riscv64")}, BuildPlatform: amd64})
	var e *spec.Error
	if !errors.As(err, &e) || e.Pos.Line != 24 || !strings.Contains(e.Msg, `no runtime named "base-rt-riscv64"`) {
		t.Errorf("error %v, want one at the from of web (24) naming base-rt-riscv64", err)
	}
}

func TestAStepLimitedToPlatformsMakesTheStagePerTarget(t *testing.T) {
	s := mustParse(t, `version: 1
builders:
  go: {image: golang, preset: go}
artifacts:
  app:
    builder: go
    steps:
      - run: go build -o /out/app .
      - run: strip /out/app
        platforms: [linux/arm64]
    outputs: [/out/app]
  plain:
    builder: go
    steps: [{run: go build -o /out/app .}]
    outputs: [/out/app]
`)
	p := resolve(t, s, "app", "", amd64, arm64)
	if p.BuiltOnce("app") {
		t.Error("an artifact with a step for arm64 only is built once")
	}
	if got := len(p.Builds[0].Target.Steps); got != len(p.Builds[1].Target.Steps)-1 {
		t.Errorf("amd64 has %d steps, arm64 %d", got, len(p.Builds[1].Target.Steps))
	}
}

func TestPerPlatformKeysAreCheckedWhenParsed(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"no candidate", "version: 1\nbuilders:\n  b: {image: x}\nartifacts:\n  a: {builder: \"base-${TARGETARCH}\"}\n", "5:16: no builder name can match \"base-${TARGETARCH}\""},
		{"wrong kind", "version: 1\nbuilders:\n  b: {image: x}\nruntimes:\n  base-amd64: {}\nartifacts:\n  a: {builder: \"base-${TARGETARCH}\"}\n", "7:16: no builder name can match"},
		{"bad platform", "version: 1\nbuilders:\n  b: {image: x, platforms: [linux]}\n", "3:29: invalid platform \"linux\""},
		{"step platform var", "version: 1\nbuilders:\n  b:\n    image: x\n    steps:\n      - run: ls\n        platforms: [\"${P}\"]\n", "variables are not expanded in platforms"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := spec.Parse("mstage.yaml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestAReferenceWithAnUnknownVariableIsAParseError(t *testing.T) {
	_, err := spec.Parse("mstage.yaml", []byte("version: 1\nbuilders:\n  base-amd64: {image: x}\nartifacts:\n  a: {builder: \"base-${TARGETARC}\"}\n"))
	if err == nil || !strings.Contains(err.Error(), `5:16: builder "base-${TARGETARC}" uses "TARGETARC", which is neither a declared arg nor a platform variable`) || !strings.Contains(err.Error(), `did you mean "TARGETARCH"?`) {
		t.Errorf("error: %v", err)
	}
}

func TestNeedsTakeNoVariable(t *testing.T) {
	_, err := spec.Parse("mstage.yaml", []byte("version: 1\nbuilders:\n  b: {image: x}\nruntimes:\n  r: {needs: [\"t-${TARGETARCH}\"]}\n"))
	if err == nil || !strings.Contains(err.Error(), "5:15: needs \"t-${TARGETARCH}\" holds a ${VAR}") {
		t.Errorf("error: %v", err)
	}
}
