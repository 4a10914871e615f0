package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildxLintWarnings builds a spec with one lint warning through the
// real buildx client: buildx prints it after the build as it prints a
// Dockerfile's check warnings, and a "# check=error=true" line in the spec
// makes the same build fail with the finding and the YAML line.
func TestBuildxLintWarnings(t *testing.T) {
	e := loadEnv(t)
	dir := e.testdata("lint-warn")

	t.Run("warning", func(t *testing.T) {
		_, stderr, code := buildxCall(t, e, dir, "--progress", "plain", "--output", "type=cacheonly")
		if code != 0 {
			t.Fatalf("build of a spec with a lint warning failed (exit %d):\n%s", code, stderr)
		}
		for _, want := range []string{"1 warning found", " - UnusedArg: arg UNUSED is declared but never referenced", "(line 4)"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("buildx output lacks %q:\n%s", want, stderr)
			}
		}
	})

	t.Run("check-error", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(dir, specFile))
		if err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		syntax, rest, _ := strings.Cut(string(data), "\n")
		withCheck := syntax + "\n# check=error=true\n" + rest
		if err := os.WriteFile(filepath.Join(tmp, specFile), []byte(withCheck), 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := buildxCall(t, e, tmp, "--progress", "plain", "--output", "type=cacheonly")
		if code == 0 {
			t.Fatalf("# check=error=true: the build with a lint warning succeeded:\n%s", stderr)
		}
		for _, want := range []string{"mstage.yaml:5:3: lint warning UnusedArg (check error=true)", ">>>   UNUSED: x"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("buildx error lacks %q:\n%s", want, stderr)
			}
		}
		if strings.Contains(stderr, "mkdir -p /out") {
			t.Errorf("the build ran a step before failing on its lint:\n%s", stderr)
		}
	})
}
