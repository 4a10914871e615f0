package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the e2e golden files")

// buildxCall runs `buildx build --call=...` (or --check) through the
// frontend image under test and returns stdout, stderr and the exit code.
func buildxCall(t *testing.T, e *env, dir string, extra ...string) (stdout, stderr string, code int) {
	t.Helper()
	if why := (buildxMode{}).unavailable(e); why != "" {
		t.Skip(why)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	args := append([]string{"build", "--builder", e.builder,
		"--file", filepath.Join(dir, specFile),
		"--build-arg", "BUILDKIT_SYNTAX=" + e.frontend,
		"--progress", "quiet"}, extra...)
	args = append(args, dir)
	cmd := exec.CommandContext(ctx, "buildx", args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("buildx %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

// TestBuildxSubrequests drives --call=targets, --call=outline, --check and
// --call=schema through the real buildx client.
func TestBuildxSubrequests(t *testing.T) {
	e := loadEnv(t)
	goService := filepath.Join(e.repoRoot, "examples", "go-service")

	t.Run("targets", func(t *testing.T) {
		out, stderr, code := buildxCall(t, e, goService, "--call=targets,format=json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var list struct {
			Targets []struct {
				Name, Description string
				Default           bool
			} `json:"targets"`
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("targets JSON: %v\n%s", err, out)
		}
		kinds := map[string]string{}
		def := ""
		for _, tg := range list.Targets {
			if i := strings.Index(tg.Description, "]"); strings.HasPrefix(tg.Description, "[") && i > 0 {
				kinds[tg.Name] = tg.Description[1:i]
			}
			if tg.Default {
				def = tg.Name
			}
		}
		want := map[string]string{"go": "builder", "unit-tests": "artifact", "app": "artifact", "server": "runtime"}
		for name, kind := range want {
			if kinds[name] != kind {
				t.Errorf("target %s has kind %q, want %q (all: %v)", name, kinds[name], kind, kinds)
			}
		}
		if def != "server" {
			t.Errorf("default target = %q, want server", def)
		}
	})

	t.Run("outline", func(t *testing.T) {
		out, stderr, code := buildxCall(t, e, goService, "--call=outline,format=json", "--target", "server")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var o struct {
			Name        string
			Description string
			Args        []struct{ Name, Value string }
			Cache       []struct{ ID string }
		}
		if err := json.Unmarshal([]byte(out), &o); err != nil {
			t.Fatalf("outline JSON: %v\n%s", err, out)
		}
		var args, caches []string
		for _, a := range o.Args {
			args = append(args, a.Name+"="+a.Value)
		}
		for _, c := range o.Cache {
			caches = append(caches, c.ID)
		}
		if o.Name != "server" || !slices.Contains(args, "GO_VERSION=1.26") || !slices.Contains(caches, "mstage/go-service/gomod") {
			t.Errorf("outline name=%q args=%q caches=%q", o.Name, args, caches)
		}
		if !strings.Contains(o.Description, "platforms: linux/amd64, linux/arm64") {
			t.Errorf("outline description %q does not name the platforms", o.Description)
		}
	})

	t.Run("check", func(t *testing.T) {
		out, stderr, code := buildxCall(t, e, e.testdata("check-bad"), "--check")
		if code == 0 {
			t.Fatalf("--check of a spec with warnings exited 0:\n%s%s", out, stderr)
		}
		text := out + stderr
		for _, want := range []string{"RuntimeRunsAsRoot", "mstage.yaml:13", "1 warning"} {
			if !strings.Contains(text, want) {
				t.Errorf("--check output lacks %q:\n%s", want, text)
			}
		}
		_, _, cleanCode := buildxCall(t, e, goService, "--check")
		if cleanCode != 0 {
			t.Errorf("--check of examples/go-service exited %d; want 0", cleanCode)
		}
	})

	t.Run("schema", func(t *testing.T) {
		out, stderr, code := buildxCall(t, e, goService, "--call=schema")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		want, err := os.ReadFile(filepath.Join(e.repoRoot, "docs", "mstage.schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(out) != strings.TrimSpace(string(want)) {
			t.Errorf("--call=schema differs from docs/mstage.schema.json (%d vs %d bytes)", len(out), len(want))
		}
	})

	// A parse error and a compile error (a named context that is not passed)
	// both reach buildx with the YAML snippet.
	for _, name := range []string{"spec-error", "compile-error"} {
		t.Run(name+"-golden", func(t *testing.T) { buildxErrorGolden(t, e, name) })
	}
}

func buildxErrorGolden(t *testing.T, e *env, name string) {
	_, stderr, code := buildxCall(t, e, e.testdata(name), "--output", "type=cacheonly")
	if code == 0 {
		t.Fatalf("%s built", name)
	}
	got := normalizeBuildxError(stderr)
	golden := e.testdata(name + "/buildx.golden")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("buildx error output differs from %s (rerun with -update to accept):\n--- got\n%s--- want\n%s", golden, got, want)
	}
}

// normalizeBuildxError keeps the lines of a buildx error that carry the
// message and the YAML snippet, with paths and digests replaced.
func normalizeBuildxError(s string) string {
	keep := regexp.MustCompile(`^(ERROR|mstage\.yaml|\s*\d+ \|| >>>|-{8})`)
	path := regexp.MustCompile(`/[^\s:]*/mstage\.yaml`)
	var out strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(path.ReplaceAllString(line, "mstage.yaml"), " ")
		if keep.MatchString(line) {
			out.WriteString(line + "\n")
		}
	}
	return out.String()
}
