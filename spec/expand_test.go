package spec

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

const expandSrc = `version: 1
args:
  GO_VERSION: "1.26"
  MODE:
  DEST: /dest
builders:
  go:
    image: golang:${GO_VERSION}-${TARGETARCH}
    platform: ${PLATFORM:-build}
    workdir: /src/${TARGETOS}
    env:
      TARGET: ${TARGETPLATFORM}
      VARIANT: "[${TARGETVARIANT}]"
      QUOTED: "'${GO_VERSION}'"
      LITERAL: \$HOME
    steps:
      - run: echo ${GO_VERSION} $TARGETARCH
      - copy: ["${DEST}/a"]
        to: ${DEST:-/x}/${MODE:-sub}
        chmod: ${CHMOD:-0644}
        exclude: ["*.${TARGETARCH}"]
runtimes:
  app:
    image: alpine:${MISSING:-3.20}
    labels:
      arch: ${TARGETARCH}
    expose: ["${PORT:-8080}/tcp"]
    volumes: ["/data/${TARGETARCH}"]
    entrypoint: [/app, $GO_VERSION]
`

func platformVars() map[string]string {
	return PlatformVars(
		ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"},
		ocispecs.Platform{OS: "linux", Architecture: "amd64"},
	)
}

func TestPlatformVars(t *testing.T) {
	want := map[string]string{
		"TARGETPLATFORM": "linux/arm/v7", "TARGETOS": "linux", "TARGETARCH": "arm", "TARGETVARIANT": "v7",
		"BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64", "BUILDVARIANT": "",
	}
	if got := platformVars(); !reflect.DeepEqual(got, want) {
		t.Errorf("PlatformVars = %v, want %v", got, want)
	}
}

func TestArgValues(t *testing.T) {
	s := mustParse(t, expandSrc)
	values, undeclared, _ := s.ArgValues(map[string]string{
		"GO_VERSION": "1.25", "ZED": "1", "ALPHA": "2", "HTTP_PROXY": "http://p", "BUILDKIT_SYNTAX": "x",
	})
	want := map[string]string{"GO_VERSION": "1.25", "MODE": "", "DEST": "/dest"}
	if !reflect.DeepEqual(values, want) {
		t.Errorf("values = %v, want %v", values, want)
	}
	if !reflect.DeepEqual(undeclared, []string{"ALPHA", "ZED"}) {
		t.Errorf("undeclared = %v, want [ALPHA ZED]", undeclared)
	}
}

func expandVars(t *testing.T, s *Spec, buildArgs map[string]string) map[string]string {
	t.Helper()
	vars, _, _ := s.ArgValues(buildArgs)
	for k, v := range platformVars() {
		vars[k] = v
	}
	return vars
}

func TestExpand(t *testing.T) {
	s := mustParse(t, expandSrc)
	x, err := expandFile(s, expandVars(t, s, nil))
	if err != nil {
		t.Fatal(err)
	}
	goB := x.Stage("go")
	checks := []struct{ what, got, want string }{
		{"image", goB.Image, "golang:1.26-arm"},
		{"platform default", goB.Platform, "build"},
		{"workdir", goB.Workdir, "/src/linux"},
		{"env TARGET", goB.Env[0].Value, "linux/arm/v7"},
		{"env VARIANT", goB.Env[1].Value, "[v7]"},
		{"env quotes are literal", goB.Env[2].Value, "'1.26'"},
		{"env escaped dollar", goB.Env[3].Value, "$HOME"},
		{"run is not expanded", goB.Steps[0].Run.Shell, "echo ${GO_VERSION} $TARGETARCH"},
		{"copy src", goB.Steps[1].Copy.Src[0].Value, "/dest/a"},
		{"copy to (empty MODE takes the :- default)", goB.Steps[1].Copy.To, "/dest/sub"},
		{"chmod", goB.Steps[1].Copy.Chmod, "0644"},
		{"exclude", goB.Steps[1].Copy.Exclude[0].Value, "*.arm"},
		{"runtime image", x.Stage("app").Image, "alpine:3.20"},
		{"label", x.Stage("app").Labels[0].Value, "arm"},
		{"expose", x.Stage("app").Expose[0].Value, "8080/tcp"},
		{"volume", x.Stage("app").Volumes[0].Value, "/data/arm"},
		{"entrypoint is not expanded", x.Stage("app").Entrypoint.Args[1], "$GO_VERSION"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	// The input is untouched: Expand works on a deep copy.
	if s.Stage("go").Image != "golang:${GO_VERSION}-${TARGETARCH}" || s.Stage("go").Env[0].Value != "${TARGETPLATFORM}" ||
		s.Stage("go").Steps[1].Copy.Src[0].Value != "${DEST}/a" {
		t.Errorf("Expand modified its input")
	}
	// Positions survive.
	if goB.At("image") != (Pos{Line: 8, Col: 12}) || goB.Steps[1].Copy.Src[0].Pos != (Pos{Line: 18, Col: 16}) {
		t.Errorf("positions after Expand: image %v src %v", goB.At("image"), goB.Steps[1].Copy.Src[0].Pos)
	}
}

func TestExpandBuildArgOverride(t *testing.T) {
	s := mustParse(t, expandSrc)
	x, err := expandFile(s, expandVars(t, s, map[string]string{"GO_VERSION": "1.25", "MODE": "m"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := x.Stage("go").Image; got != "golang:1.25-arm" {
		t.Errorf("image = %q", got)
	}
	if got := x.Stage("go").Steps[1].Copy.To; got != "/dest/m" {
		t.Errorf("to = %q", got)
	}
}

func TestExpandErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		vars map[string]string
		want string
	}{
		{
			name: "image invalid after expansion",
			src:  "version: 1\nbuilders:\n  go: {image: \"${IMG}\"}\n",
			vars: map[string]string{"IMG": "Not A Ref"},
			want: `3:15: invalid image reference "Not A Ref": invalid reference format: repository name (library/Not A Ref) must be lowercase; expected a reference such as golang:1.26 or registry.example.com/team/base@sha256:...`,
		},
		{
			name: "platform invalid after expansion",
			src:  "version: 1\nbuilders:\n  go: {image: golang, platform: \"${P}\"}\n",
			vars: map[string]string{"P": "linux"},
			want: `3:33: invalid platform "linux": no architecture; expected build, target or os/arch[/variant] such as linux/arm64`,
		},
		{
			name: "path escapes after expansion",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - copy: x\n        to: /app/${UP}\n",
			vars: map[string]string{"UP": "../../etc"},
			want: `7:13: to "/app/../../etc" escapes the root with ..; expected a path that stays inside its root`,
		},
		{
			name: "bad substitution",
			src:  "version: 1\nbuilders:\n  go: {image: \"golang:${V\"}\n",
			want: `3:15: cannot expand "golang:${V": syntax error: missing '}'; expected ${NAME}, ${NAME:-default} or ${NAME:+value}`,
		},
		{
			name: "required variable",
			src:  "version: 1\nbuilders:\n  go: {image: golang, workdir: \"${W:?set W}\"}\n",
			want: `3:32: cannot expand "${W:?set W}": W: set W; expected ${NAME}, ${NAME:-default} or ${NAME:+value}`,
		},
		{
			name: "expansion too long",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    env: {A: \"${B}${B}\"}\n",
			vars: map[string]string{"B": strings.Repeat("b", 40<<10)},
			want: `5:14: "${B}${B}" expands to more than the limit of 65536 bytes`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.src)
			_, err := expandFile(s, tt.vars)
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Expand error = %v, want an ErrorList", err)
			}
			if got := strings.TrimPrefix(list[0].Error(), "mstage.yaml:"); got != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestExpandDoesNotRecurse shows that values are substituted once: a value
// that itself holds ${...} stays literal, so chained values cannot grow
// exponentially (A=${B}${B}, B=${C}${C}, ...). A default sees only the args
// declared before it, so V0 here, which names V1, is empty.
func TestExpandDoesNotRecurse(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nargs:\n")
	for i := range 40 {
		fmt.Fprintf(&b, "  V%d: \"${V%d}${V%d}\"\n", i, i+1, i+1)
	}
	b.WriteString("  V40: x\nbuilders:\n  go:\n    image: golang\n    env: {A: \"${V0}\"}\n")
	s := mustParse(t, b.String())
	vars, _, _ := s.ArgValues(nil)
	start := time.Now()
	x, err := expandFile(s, vars)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("Expand took %v", time.Since(start))
	}
	if got := x.Stage("go").Env[0].Value; got != "" {
		t.Errorf("A = %q, want V0 empty", got)
	}
	if vars["V39"] != "" || vars["V40"] != "x" {
		t.Errorf("V39 = %q, V40 = %q; V40 is declared after V39", vars["V39"], vars["V40"])
	}
}

func TestRunVars(t *testing.T) {
	vars := map[string]string{"GO_VERSION": "1.26", "TARGETARCH": "arm64", "TARGETOS": "linux", "UNUSED": "x", "VERSION": "v1", "N": "n"}
	tests := []struct {
		name string
		cmd  *Command
		want []string
	}{
		{"shell", &Command{Shell: "GOARCH=$TARGETARCH go build -ldflags \"-X main.v=${VERSION}\""}, []string{"TARGETARCH=arm64", "VERSION=v1"}},
		{"argv", &Command{Args: []string{"echo", "${TARGETOS}", "$GO_VERSION"}}, []string{"GO_VERSION=1.26", "TARGETOS=linux"}},
		{"inside single quotes", &Command{Shell: "sh -c 'echo $VERSION'"}, []string{"VERSION=v1"}},
		{"nested default", &Command{Shell: "echo ${MISSING:-$N}"}, []string{"N=n"}},
		{"bash syntax the lexer rejects", &Command{Shell: "echo ${#VERSION} ${TARGETOS:0:3}"}, []string{"TARGETOS=linux", "VERSION=v1"}},
		{"escaped dollar", &Command{Shell: `echo \$VERSION`}, nil},
		{"none", &Command{Shell: "make"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, kv := range RunVars(tt.cmd, vars) {
				got = append(got, kv.Key+"="+kv.Value)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RunVars = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestStageExpander expands stages one at a time: a stage without
// variables is the spec's own, a stage with variables is a copy, and an
// error in a stage nobody asks for does not surface.
func TestStageExpander(t *testing.T) {
	s := mustParse(t, `version: 1
args:
  TAG: "3.20"
builders:
  plain:
    image: alpine:3.20
    steps:
      - run: echo $TAG
  tagged:
    image: alpine:${TAG}
  broken:
    image: alpine:${TAG
runtimes:
  app:
    copy:
      - stage: tagged
        to: /${TARGETARCH}/
`)
	x := NewStageExpander(s, map[string]string{"TAG": "3.21", "TARGETARCH": "arm64"})

	plain, err := x.Stage("plain")
	if err != nil {
		t.Fatal(err)
	}
	if plain != s.Stage("plain") {
		t.Error("a stage without variables was copied")
	}
	tagged, err := x.Stage("tagged")
	if err != nil {
		t.Fatal(err)
	}
	if tagged.Image != "alpine:3.21" {
		t.Errorf("tagged image = %q, want alpine:3.21", tagged.Image)
	}
	if s.Stage("tagged").Image != "alpine:${TAG}" {
		t.Errorf("expanding changed the spec: %q", s.Stage("tagged").Image)
	}
	again, _ := x.Stage("tagged")
	if again != tagged {
		t.Error("a stage was expanded twice")
	}
	app, err := x.Stage("app")
	if err != nil {
		t.Fatal(err)
	}
	if got := app.Copy[0].To; got != "/arm64/" {
		t.Errorf("app copy to = %q, want /arm64/", got)
	}
	if st, err := x.Stage("nope"); st != nil || err != nil {
		t.Errorf("unknown stage = %v, %v; want nil, nil", st, err)
	}
	_, err = x.Stage("broken")
	var list ErrorList
	if !errors.As(err, &list) || list[0].Pos.Line != 12 || !strings.Contains(list[0].Msg, "missing '}'") {
		t.Errorf("broken: err = %v, want a positioned missing '}' at line 12", err)
	}
}

// TestArgDefaultsUseEarlierArgs: a default expands with the args declared
// before it, with their final values (a --build-arg included); a build arg
// itself is literal, and a default that names a later arg sees nothing.
func TestArgDefaultsUseEarlierArgs(t *testing.T) {
	s := mustParse(t, `version: 1
args:
  GO_VERSION: "1.26"
  GO_VERSION_TAG: ${GO_VERSION}-bookworm
  IMAGE: {default: "golang:${GO_VERSION_TAG}"}
  EARLY: ${LATE:-none}
  LATE: late
runtimes: {r: {}}
`)
	for _, tt := range []struct {
		buildArgs map[string]string
		want      map[string]string
	}{
		{nil, map[string]string{"GO_VERSION": "1.26", "GO_VERSION_TAG": "1.26-bookworm", "IMAGE": "golang:1.26-bookworm", "EARLY": "none", "LATE": "late"}},
		{map[string]string{"GO_VERSION": "1.25"}, map[string]string{"GO_VERSION": "1.25", "GO_VERSION_TAG": "1.25-bookworm", "IMAGE": "golang:1.25-bookworm", "EARLY": "none", "LATE": "late"}},
		{map[string]string{"GO_VERSION_TAG": "${GO_VERSION}"}, map[string]string{"GO_VERSION": "1.26", "GO_VERSION_TAG": "${GO_VERSION}", "IMAGE": "golang:${GO_VERSION}", "EARLY": "none", "LATE": "late"}},
	} {
		values, _, err := s.ArgValues(tt.buildArgs)
		if err != nil || !reflect.DeepEqual(values, tt.want) {
			t.Errorf("ArgValues(%v) = %v, %v; want %v", tt.buildArgs, values, err, tt.want)
		}
	}
}

func TestArgDefaultSyntaxErrorIsPositioned(t *testing.T) {
	_, err := Parse("mstage.yaml", []byte("version: 1\nargs:\n  A: a\n  B: ${A\nruntimes: {r: {}}\n"))
	if e := FirstError(err); e == nil || e.Pos != (Pos{Line: 4, Col: 6}) || !strings.Contains(e.Msg, "missing '}'") {
		t.Errorf("error = %v, want 4:6 missing '}'", err)
	}
}

// TestStageExpanderBaseAndIn: Base expands image and platform with the
// variables only; In expands the rest with the image env, the stage's env
// entries in order, and an env name hiding a variable of the same name.
func TestStageExpanderBaseAndIn(t *testing.T) {
	s := mustParse(t, `version: 1
args: {TAG: "3.13", HOME: /arg-home}
builders:
  py:
    image: python:${TAG}
    env: {PATH: "/opt/bin:$PATH", A: "$HOME/a", B: "${A}/b"}
    workdir: $B
`)
	x := NewStageExpander(s, map[string]string{"TAG": "3.13", "HOME": "/arg-home"})
	base, err := x.Base("py")
	if err != nil || base.Image != "python:3.13" || base.Workdir != "$B" {
		t.Fatalf("Base = image %q workdir %q, %v; want python:3.13 and $B as written", base.Image, base.Workdir, err)
	}
	st, err := x.In("py", []string{"PATH=/usr/bin:/bin", "HOME=/root"})
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range st.Env {
		env = append(env, kv.Key+"="+kv.Value)
	}
	if want := "PATH=/opt/bin:/usr/bin:/bin A=/root/a B=/root/a/b"; strings.Join(env, " ") != want {
		t.Errorf("env = %s, want %s", strings.Join(env, " "), want)
	}
	if st.Image != "python:3.13" || st.Workdir != "/root/a/b" {
		t.Errorf("image %q workdir %q", st.Image, st.Workdir)
	}
	if s.Stage("py").Workdir != "$B" {
		t.Error("In modified the parsed spec")
	}
}
