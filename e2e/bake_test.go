package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// testBakeExample runs buildx bake on examples/bake/docker-bake.hcl for
// real: its matrix builds both runtimes of one spec for two platforms with
// the shared VERSION arg, through the frontend under test (the bake file's
// MSTAGE_SYNTAX variable becomes BUILDKIT_SYNTAX), and its validate group
// runs --call=check.
func testBakeExample(t *testing.T, e *env, m mode) {
	dir := filepath.Join(e.repoRoot, "examples", "bake")
	version := "1.2." + e.runID
	registry := e.registry + "/e2e/" + m.name() + "/bake-" + e.runID
	bake := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "buildx", append([]string{"bake", "--builder", e.builder, "--progress", "plain"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "VERSION="+version, "REGISTRY="+registry, "MSTAGE_SYNTAX="+e.frontend)
		cmd.WaitDelay = 10 * time.Second
		t.Logf("$ VERSION=%s REGISTRY=%s MSTAGE_SYNTAX=%s %s", version, registry, e.frontend, strings.Join(cmd.Args, " "))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("buildx bake: %v\n%s", err, tail(string(out), 60))
		}
		return string(out)
	}

	bake("--set", "runtime-*.output=type=image,push=true,registry.insecure=true")
	for rt, want := range map[string]struct{ file, text string }{
		"cli":    {"usr/local/bin/greet", "echo \"greet " + version + ": hello"},
		"server": {"usr/local/bin/serve", "echo \"serve " + version + ": listening"},
	} {
		ref := registry + "/" + rt + ":" + version
		images := fetchImages(t, ref)
		if got := platformsOf(images); !reflect.DeepEqual(got, []string{amd64, arm64}) {
			t.Errorf("%s: platforms %v, want %s and %s", ref, got, amd64, arm64)
		}
		for _, im := range images {
			cf := configFile(t, im.image)
			if !slices.Equal(cf.Config.Entrypoint, []string{"/" + want.file}) || cf.Config.User != "65532:65532" {
				t.Errorf("%s %s: entrypoint %q user %q", ref, im.platform, cf.Config.Entrypoint, cf.Config.User)
			}
			lc := readLayers(t, im.image)
			if got := string(lc.files[want.file]); !strings.Contains(got, want.text) {
				t.Errorf("%s %s: %s = %q, want the script with VERSION %s", ref, im.platform, want.file, got, version)
			}
		}
	}

	out := bake("validate")
	if !strings.Contains(out, "Check complete, no warnings found") {
		t.Errorf("bake validate did not run the check:\n%s", tail(out, 30))
	}
}
