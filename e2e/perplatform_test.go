package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// testPerPlatform builds for amd64 and arm64 a runtime whose artifact runs
// in a builder picked per platform (builder: base-${TARGETARCH}) and has a
// step for arm64 only; a runtime that needs an artifact limited to amd64
// builds for amd64 and fails for arm64 at the reference that needs it.
func testPerPlatform(t *testing.T, e *env, m mode) {
	dir := e.testdata("per-platform")

	t.Run("picks-per-platform", func(t *testing.T) {
		out := t.TempDir()
		mustBuild(t, e, m, buildRequest{dir: dir, target: "files", platforms: []string{amd64, arm64}, out: localTo(out)})
		files, _ := readTree(t, out)
		for _, tc := range []struct{ dir, base, uname string }{
			{"linux_amd64", "amd64-base\n", "x86_64\n"},
			{"linux_arm64", "arm64-base\n", "aarch64\n"},
		} {
			if got := string(files[tc.dir+"/base.txt"]); got != tc.base {
				t.Errorf("%s/base.txt = %q, want %q (the builder of its platform); files: %v", tc.dir, got, tc.base, keysOf(files))
			}
			if got := string(files[tc.dir+"/uname.txt"]); got != tc.uname {
				t.Errorf("%s/uname.txt = %q, want %q", tc.dir, got, tc.uname)
			}
		}
		if got := string(files["linux_arm64/arm.txt"]); got != "only-on-arm64\n" {
			t.Errorf("linux_arm64/arm.txt = %q, want the arm64-only step's output", got)
		}
		if _, ok := files["linux_amd64/arm.txt"]; ok {
			t.Error("linux_amd64/arm.txt: the arm64-only step ran on amd64")
		}
	})

	t.Run("limited-stage", func(t *testing.T) {
		out := t.TempDir()
		mustBuild(t, e, m, buildRequest{dir: dir, target: "needs-amd", platforms: []string{amd64}, out: localTo(out)})
		files, _ := readTree(t, out)
		if got := string(files["amd.txt"]); got != "amd\n" {
			t.Errorf("amd.txt = %q; files: %v", got, keysOf(files))
		}
		line := lineOf(t, filepath.Join(dir, specFile), "artifact: amd-only")
		res := mustFail(t, e, m, buildRequest{dir: dir, target: "needs-amd", platforms: []string{arm64}, out: localTo(t.TempDir())})
		if text := res.errorText(); !strings.Contains(text, `artifact "amd-only" is limited to linux/amd64`) || !strings.Contains(text, "cannot be built for linux/arm64") {
			t.Errorf("the error does not say the artifact is limited to amd64:\n%s", tail(text, 20))
		}
		if want := fmt.Sprintf("%s:%d", specFile, line); m.name() == "buildx" && !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not point at %s:\n%s", want, tail(res.stderr, 30))
		}
	})
}
