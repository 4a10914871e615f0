package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMissingSyntaxLine(t *testing.T) {
	const body = "version: 1\nruntimes:\n  web:\n    image: nginx:1.27\n    user: \"101\"\n"
	tests := []struct {
		name, src string
		buildArgs map[string]string
		want      string // "line:col message-fragment", or "" for no finding
	}{
		{"first line", "# syntax=docker.io/mstage/mstage:1\n" + body, nil, ""},
		{"after a shebang-free directive", "# check=error=true\n# syntax=docker.io/mstage/mstage:1\n" + body, nil, ""},
		{"spaces", "#  syntax = mstage/mstage:1\n" + body, nil, ""},
		{"missing", body, nil, "1:1 has no # syntax= line"},
		{"missing with BUILDKIT_SYNTAX", body, map[string]string{"BUILDKIT_SYNTAX": "mstage/mstage:1"}, ""},
		{"after a comment", "# yaml-language-server: $schema=x\n# syntax=docker.io/mstage/mstage:1\n" + body, nil, "2:1 does not read this"},
		{"after a blank line", "\n# syntax=docker.io/mstage/mstage:1\n" + body, nil, "2:1 does not read this"},
		{"after a key", "version: 1\n  # syntax=mstage/mstage:1\nruntimes:\n  web:\n    image: nginx:1.27\n    user: \"101\"\n", nil, "2:3 does not read this"},
		{"dockerfile frontend", "# syntax=docker/dockerfile:1\n" + body, nil, "1:1 names docker/dockerfile:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, findings, err := File("mstage.yaml", []byte(tt.src), Options{BuildArgs: tt.buildArgs})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range findings {
				if f.Rule.Name == MissingSyntaxLine {
					got = append(got, f.Pos.String()+" "+f.Msg)
				}
			}
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("unexpected findings %q", got)
			case tt.want != "" && len(got) != 1:
				t.Errorf("findings %q, want one like %q", got, tt.want)
			case tt.want != "":
				pos, frag, _ := strings.Cut(tt.want, " ")
				if !strings.HasPrefix(got[0], pos+" ") || !strings.Contains(got[0], frag) {
					t.Errorf("finding %q, want %q", got[0], tt.want)
				}
			}
		})
	}
}

// Without the source (Run on a parsed spec), the rule cannot see comments
// and stays quiet.
func TestMissingSyntaxLineNeedsSource(t *testing.T) {
	for _, f := range Run(parse(t, "runs_as_root_good.yaml"), Options{}) {
		if f.Rule.Name == MissingSyntaxLine {
			t.Errorf("reported without source: %s", f)
		}
	}
}

// Every spec in testdata/invalid is one that a build rejects; File must
// reject it with a positioned error.
func TestFileRejectsInvalid(t *testing.T) {
	paths, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil || len(paths) < 10 {
		t.Fatalf("invalid specs: %v %v", paths, err)
	}
	for _, path := range paths {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data := readTestdata(t, "invalid/"+name)
			_, findings, err := File(name, data, Options{})
			if err == nil {
				t.Fatalf("accepted; findings: %v", findings)
			}
			var line, col int
			if n, _ := fmt.Sscanf(strings.TrimPrefix(err.Error(), name+":"), "%d:%d:", &line, &col); n != 2 || line < 1 || col < 1 {
				t.Errorf("error is not positioned (file:line:col) in %s: %v", name, err)
			}
		})
	}
	_, _, err = File("x.yaml", readTestdata(t, "runs_as_root_good.yaml"), Options{Target: "webb"})
	if err == nil || !strings.Contains(err.Error(), `did you mean "web"?`) {
		t.Errorf("unknown target: %v", err)
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
