package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"
)

// testInclude builds a runtime whose stages and arg come from an included
// file, and checks that an error in an included file names that file and
// its line.
func testInclude(t *testing.T, e *env, m mode) {
	t.Run("fragment-stages-build", func(t *testing.T) {
		out := t.TempDir()
		mustBuild(t, e, m, buildRequest{dir: e.testdata("include"), platforms: []string{amd64}, args: map[string]string{"GREETING": "hi"}, out: localTo(out)})
		files, _ := readTree(t, out)
		if got := string(files["greeting.txt"]); got != "hi from the fragment\n" {
			t.Errorf("greeting.txt = %q, want the included artifact's output with the build arg; files: %v", got, keysOf(files))
		}
		if got := string(files["marker"]); got != "from ci/tools.yaml\n" {
			t.Errorf("marker = %q, want the included builder's file", got)
		}
	})

	t.Run("error-in-included-file", func(t *testing.T) {
		dir := e.testdata("include-bad")
		line := lineOf(t, filepath.Join(dir, "ci", "bad.yaml"), "stepz:")
		res := mustFail(t, e, m, buildRequest{dir: dir, platforms: []string{amd64}, out: localTo(t.TempDir())})
		want := fmt.Sprintf("ci/bad.yaml:%d:5: unknown key \"stepz\"", line)
		if text := res.errorText(); !strings.Contains(text, want) {
			t.Errorf("the error does not say %q:\n%s", want, tail(text, 20))
		}
		if m.name() != "client" {
			return
		}
		for _, s := range errdefs.Sources(res.err) {
			if s.Info != nil && s.Info.Filename == "ci/bad.yaml" && len(s.Ranges) > 0 && int(s.Ranges[0].Start.Line) == line {
				return
			}
		}
		t.Errorf("the error has no source location ci/bad.yaml:%d: %v", line, res.err)
	})
}
