package llbgen

import (
	"context"
	"fmt"
	"strings"
	"testing"

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

// buildSrc compiles target of an inline spec for tp on linux/amd64.
func buildSrc(t *testing.T, src, target string, tp ocispecs.Platform, buildArgs map[string]string) (*Result, *llbtest.Graph) {
	t.Helper()
	s, dt := parseSrc(t, src)
	opt := options(target, tp, s, dt)
	opt.BuildArgs = buildArgs
	res := compile(t, s, opt)
	return res, llbtest.Decode(t, res.State)
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
