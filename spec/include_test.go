package spec

import (
	"strings"
	"testing"

	"github.com/mstage/mstage/preset"
)

const includingSpec = `version: 1
include: [ci/go.yaml]
args:
  VERSION: ${GO_VERSION}-1
artifacts:
  app:
    builder: go
    steps: [{copy: ., to: /src/}]
    outputs: [/out/app]
runtimes:
  server:
    copy: [{artifact: app, to: /bin/}]
`

const goFragment = `# shared by the services
include: [common.yaml]
args:
  GO_VERSION: "1.26"
builders:
  go:
    image: golang:${GO_VERSION}
    preset: go
    workdir: /src
`

const commonFragment = `builders:
  base:
    image: busybox
`

func loadWith(t *testing.T, src string, files map[string]string) (*Spec, error) {
	t.Helper()
	return Load("svc/mstage.yaml", []byte(src), mapFiles(files))
}

func TestIncludeJoinsArgsAndStagesBeforeTheSpecs(t *testing.T) {
	s, err := loadWith(t, includingSpec, map[string]string{"ci/go.yaml": goFragment, "ci/common.yaml": commonFragment})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range s.Stages() {
		names = append(names, st.Name)
	}
	if got := strings.Join(names, ","); got != "base,go,app,server" {
		t.Errorf("stages %s, want base,go,app,server (an included file's first, depth first)", got)
	}
	if s.DefaultTarget() != "server" {
		t.Errorf("default target %s, want server", s.DefaultTarget())
	}
	if got := s.Args[0].Name + "," + s.Args[1].Name; got != "GO_VERSION,VERSION" {
		t.Errorf("args %s", got)
	}
	values, _, err := s.ArgValues(nil)
	if err != nil || values["VERSION"] != "1.26-1" {
		t.Errorf("VERSION = %q (%v): a default sees the included args before it", values["VERSION"], err)
	}
	goB := s.Stage("go")
	if goB.Pos != (Pos{Line: 6, Col: 3, File: "svc/ci/go.yaml"}) || goB.At("image").File != "svc/ci/go.yaml" {
		t.Errorf("go at %v, image at %v: positions name the included file", goB.Pos, goB.At("image"))
	}
	if s.Stage("base").Pos.File != "svc/ci/common.yaml" || s.Stage("app").Pos.File != "" {
		t.Errorf("base in %q, app in %q", s.Stage("base").Pos.File, s.Stage("app").Pos.File)
	}
	if len(s.Included) != 2 || s.Included[0].Path != "ci/go.yaml" || s.Included[1].Name != "svc/ci/common.yaml" || s.Included[1].At.File != "svc/ci/go.yaml" {
		t.Errorf("included %+v", s.Included)
	}
}

func TestIncludeErrorsPointIntoTheirFile(t *testing.T) {
	for _, tc := range []struct {
		name  string
		src   string
		files map[string]string
		want  string
	}{
		{
			name:  "unknown key in a fragment",
			src:   "version: 1\ninclude: [ci/go.yaml]\n",
			files: map[string]string{"ci/go.yaml": "builders:\n  go:\n    imge: golang\n"},
			want:  `svc/ci/go.yaml:3:5: unknown key "imge" in builder "go"; expected one of args, description, env, from, image, platform, platforms, preset, steps, user, workdir; did you mean "image"?`,
		},
		{
			name:  "a key a fragment may not hold",
			src:   "version: 1\ninclude: [ci/go.yaml]\n",
			files: map[string]string{"ci/go.yaml": "version: 1\nplatforms: [linux/amd64]\n"},
			want:  `svc/ci/go.yaml:1:1: unknown key "version" in an included file; expected one of args, artifacts, builders, include, runtimes`,
		},
		{
			name:  "a value checked after decoding",
			src:   "version: 1\ninclude: [ci/go.yaml]\n",
			files: map[string]string{"ci/go.yaml": "builders:\n  go:\n    image: golang\n    preset: gox\n"},
			want:  `svc/ci/go.yaml:4:13: unknown preset "gox"; expected one of ` + strings.Join(preset.Names(), ", ") + `; did you mean "go"?`,
		},
		{
			name:  "a stage declared in the spec and a fragment",
			src:   "version: 1\ninclude: [ci/go.yaml]\nbuilders:\n  go: {image: golang}\n",
			files: map[string]string{"ci/go.yaml": "builders:\n  go:\n    image: golang\n"},
			want:  `svc/mstage.yaml:4:3: stage name "go" is already used by the builder declared at svc/ci/go.yaml:2:3; expected stage names unique across builders, artifacts and runtimes`,
		},
		{
			name:  "a stage declared in two fragments",
			src:   "version: 1\ninclude: [a.yaml, b.yaml]\n",
			files: map[string]string{"a.yaml": "runtimes:\n  r: {}\n", "b.yaml": "\nruntimes:\n  r: {}\n"},
			want:  `svc/b.yaml:3:3: stage name "r" is already used by the runtime declared at svc/a.yaml:2:3; expected stage names unique across builders, artifacts and runtimes`,
		},
		{
			name:  "an arg declared in the spec and a fragment",
			src:   "version: 1\ninclude: [a.yaml]\nargs: {V: 1}\nruntimes:\n  r: {}\n",
			files: map[string]string{"a.yaml": "args:\n  V: 2\n"},
			want:  `svc/mstage.yaml:3:8: arg "V" is already declared at svc/a.yaml:2:3; expected arg names unique across the spec and the files it includes`,
		},
		{
			name:  "an empty file",
			src:   "version: 1\ninclude: [a.yaml]\n",
			files: map[string]string{"a.yaml": "# nothing yet\n"},
			want:  `svc/a.yaml:1:1: the included file is empty; expected a mapping with args, builders, artifacts or runtimes`,
		},
		{
			name:  "a list",
			src:   "version: 1\ninclude: [a.yaml]\n",
			files: map[string]string{"a.yaml": "- a\n"},
			want:  `svc/a.yaml:1:1: an included file is a list; expected a mapping`,
		},
		{
			name: "a missing file",
			src:  "version: 1\ninclude: [ci/missing.yaml]\n",
			want: `svc/mstage.yaml:2:11: included file svc/ci/missing.yaml does not exist; expected a file in the build context, relative to the spec's directory`,
		},
		{
			name: "a variable in the path",
			src:  "version: 1\ninclude: [\"ci/${ENV}.yaml\"]\n",
			want: `svc/mstage.yaml:2:11: include path "ci/${ENV}.yaml" holds a variable; include paths are not expanded; expected a relative path to a YAML file in the spec's directory or below, such as ci/builders.yaml`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadWith(t, tc.src, tc.files)
			e := FirstError(err)
			if e == nil {
				t.Fatalf("no error")
			}
			if e.Error() != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", e.Error(), tc.want)
			}
		})
	}
}

func TestIncludeDiamondReadsAFileOnce(t *testing.T) {
	s, err := loadWith(t, "version: 1\ninclude: [a.yaml, b.yaml]\n", map[string]string{
		"a.yaml":      "include: [lib/c.yaml]\nruntimes:\n  a: {}\n",
		"b.yaml":      "include: [lib/c.yaml]\nruntimes:\n  b: {}\n",
		"lib/c.yaml":  "builders:\n  c: {image: busybox}\n",
		"unread.yaml": "not: read",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Stages()) != 3 || len(s.Included) != 3 {
		t.Errorf("%d stages from %d files, want 3 from 3", len(s.Stages()), len(s.Included))
	}
}

func TestParseRejectsIncludes(t *testing.T) {
	_, err := Parse("mstage.yaml", []byte("version: 1\ninclude: [a.yaml]\nruntimes:\n  r: {}\n"))
	if e := FirstError(err); e == nil || e.Pos != (Pos{Line: 2, Col: 11}) || !strings.Contains(e.Msg, "no build context") {
		t.Errorf("error = %v", err)
	}
}

func TestPositionsOfIncludedStagesSurviveExpand(t *testing.T) {
	s, err := loadWith(t, includingSpec, map[string]string{"ci/go.yaml": goFragment, "ci/common.yaml": commonFragment})
	if err != nil {
		t.Fatal(err)
	}
	vars, _, err := s.ArgValues(nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := expandFile(s, vars)
	if err != nil {
		t.Fatal(err)
	}
	if p := out.Stage("go").At("image"); p.File != "svc/ci/go.yaml" || p.Line != 7 {
		t.Errorf("expanded go image at %v", p)
	}
}
