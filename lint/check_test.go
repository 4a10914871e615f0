package lint

import (
	"errors"
	"strings"
	"testing"

	"github.com/mstage/mstage/spec"
)

func TestReadCheck(t *testing.T) {
	const body = "version: 1\n"
	for _, tc := range []struct {
		name, src string
		args      map[string]string
		want      Check
		err       string
	}{
		{name: "none", src: "# syntax=x/mstage:1\n" + body},
		{name: "error", src: "# syntax=x/mstage:1\n# check=error=true\n" + body, want: Check{Error: true, Pos: spec.Pos{Line: 2, Col: 1}}},
		{name: "first line", src: "# check=skip=UnusedArg,UndefinedVar\n" + body, want: Check{Skip: []string{"UnusedArg", "UndefinedVar"}, Pos: spec.Pos{Line: 1, Col: 1}}},
		{name: "both, spaced", src: "# syntax=x/mstage:1\n#check = skip=all;error=true\n" + body, want: Check{SkipAll: true, Error: true, Pos: spec.Pos{Line: 2, Col: 1}}},
		// BuildKit reads directives only in the comment lines opening the file.
		{name: "after a key", src: "# syntax=x/mstage:1\nversion: 1\n# check=error=true\n"},
		{name: "after another comment", src: "# syntax=x/mstage:1\n# a comment\n# check=error=true\n" + body},
		{name: "build arg replaces directive", src: "# check=error=true\n" + body, args: map[string]string{CheckArg: "skip=UnusedArg"}, want: Check{Skip: []string{"UnusedArg"}}},
		// As in a Dockerfile, the value ends at a space.
		{name: "space", src: "# check=skip=all; error=true\n" + body, err: `f.yaml:1:1: # check=skip=all;: invalid check option ""`},
		{name: "invalid", src: "# syntax=x/mstage:1\n# check=error=maybe\n" + body, err: "f.yaml:2:1: # check=error=maybe: "},
		{name: "unknown option", src: "# check=warn=true\n" + body, err: `f.yaml:1:1: # check=warn=true: invalid check option "warn"`},
		{name: "invalid build arg", src: body, args: map[string]string{CheckArg: "nope"}, err: "f.yaml: --build-arg BUILDKIT_DOCKERFILE_CHECK=nope: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadCheck("f.yaml", Options{Source: []byte(tc.src), BuildArgs: tc.args})
			if tc.err != "" {
				var list spec.ErrorList
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) || !errors.As(err, &list) {
					t.Fatalf("error %v; want a spec.ErrorList starting %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got.Skip, ",") != strings.Join(tc.want.Skip, ",") || got.SkipAll != tc.want.SkipAll || got.Error != tc.want.Error || got.Pos != tc.want.Pos {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRunAndFailureFollowCheck(t *testing.T) {
	src := "# syntax=x/mstage:1\n# check=skip=RuntimeRunsAsRoot;error=true\nversion: 1\nargs:\n  UNUSED: x\nruntimes:\n  web:\n    image: busybox:1.36\n"
	s, findings, err := File("f.yaml", []byte(src), Options{})
	if s == nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range findings {
		if f.Level == LevelWarning {
			rules = append(rules, f.Rule.Name)
		}
	}
	if strings.Join(rules, ",") != UnusedArg {
		t.Errorf("warnings %v; want only UnusedArg (RuntimeRunsAsRoot is skipped)", rules)
	}
	var list spec.ErrorList
	if !errors.As(err, &list) || len(list) != 1 || list[0].Pos.Line != 5 || !strings.Contains(list[0].Msg, "UnusedArg") {
		t.Errorf("error %v; want UnusedArg at line 5 as the failure", err)
	}
	// Info findings never fail a build.
	clean := "# check=error=true\nversion: 1\nruntimes:\n  web:\n    image: busybox:1.36\n    user: \"65532\"\n"
	_, findings, err = File("f.yaml", []byte(clean), Options{BuildArgs: map[string]string{"BUILDKIT_SYNTAX": "x"}})
	if err != nil {
		t.Errorf("error %v for findings %v; want none", err, findings)
	}
}

func TestUnknownRuleInCheckSkip(t *testing.T) {
	src := "# check=skip=UnusedArgs\nversion: 1\nruntimes:\n  web:\n    user: \"65532\"\n"
	_, findings, err := File("f.yaml", []byte(src), Options{BuildArgs: map[string]string{"BUILDKIT_SYNTAX": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 1 || findings[0].Rule.Name != UnknownLintRule || findings[0].Pos.Line != 1 ||
		findings[0].Msg != `# check=skip names unknown rule "UnusedArgs"; did you mean "UnusedArg"?` {
		t.Errorf("findings %v; want UnknownLintRule at the directive", findings)
	}
}

func TestFailureIsBounded(t *testing.T) {
	var findings []Finding
	for i := range maxFailures + 5 {
		findings = append(findings, Finding{Rule: Rule{Name: UnusedArg}, Level: LevelWarning, Msg: "m", Pos: spec.Pos{Line: i + 1, Col: 1}})
	}
	var list spec.ErrorList
	if err := Failure(Check{Error: true}, "f.yaml", findings); !errors.As(err, &list) || len(list) != maxFailures+1 || list[maxFailures].Error() != "f.yaml: and 5 more lint warnings" {
		t.Errorf("error %v", err)
	}
	if err := Failure(Check{}, "f.yaml", findings); err != nil {
		t.Errorf("without error=true: %v", err)
	}
}
