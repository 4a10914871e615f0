package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// testNodeWeb pushes examples/node-web for two platforms and checks that
// each image has the production node_modules where the entrypoint looks for
// them, runs as the node user, and that its entrypoint runs.
func testNodeWeb(t *testing.T, e *env, m mode) {
	dir := filepath.Join(e.repoRoot, "examples", "node-web")
	ref := e.imageRef(m, "node-web")
	images := pushBothPlatforms(t, e, m, dir, ref)
	for _, im := range images {
		t.Run(strings.ReplaceAll(im.platform, "/", "-"), func(t *testing.T) {
			c := configFile(t, im.image).Config
			if c.User != "1000:1000" || c.WorkingDir != "/app" {
				t.Errorf("user %q workdir %q, want 1000:1000 and /app", c.User, c.WorkingDir)
			}
			if want := []string{"node", "server.js"}; !reflect.DeepEqual(c.Entrypoint, want) {
				t.Errorf("entrypoint %q, want %q", c.Entrypoint, want)
			}
			lc := readLayers(t, im.image)
			for _, f := range []string{"app/server.js", "app/package.json", "app/node_modules/ms/index.js", "app/node_modules/ms/package.json"} {
				if _, ok := lc.files[f]; !ok {
					t.Errorf("%s is not in the image", f)
				}
			}
			// The dev dependency stays in the builder; the slim image has no npm.
			for _, f := range []string{"app/node_modules/is-number/index.js", "usr/local/bin/npm", "app/server.test.js"} {
				if _, ok := lc.entries[f]; ok {
					t.Errorf("%s is in the image", f)
				}
			}
			arch := map[string]string{amd64: "x64", arm64: "arm64"}[im.platform]
			out := runEntrypoint(t, e, m, ref, strings.Join(append(c.Entrypoint, "--check"), " "), []string{im.platform})[im.platform]
			if want := fmt.Sprintf("node-web ok %s 2m uid=1000", arch); strings.TrimSpace(out) != want {
				t.Errorf("the entrypoint printed %q, want %q", out, want)
			}
		})
	}
}

// testInitNode runs mstage init on node-web's sources (package.json, the
// server and its test) with each package manager's lockfile, and builds what
// it writes for two platforms: the package manager the lockfile names
// installed the production node_modules where the entrypoint finds them, and
// the entrypoint runs on both platforms.
func testInitNode(t *testing.T, e *env, m mode) {
	for _, tc := range []struct {
		manager, lockDir string
		lockfiles        []string
		files            []string // what only this package manager leaves in node_modules
	}{
		{"npm", filepath.Join(e.repoRoot, "examples", "node-web"), []string{"package-lock.json"}, []string{"app/node_modules/.package-lock.json", "app/node_modules/ms/index.js"}},
		{"yarn", e.testdata("node-lockfiles"), []string{"yarn.lock"}, []string{"app/node_modules/.yarn-integrity", "app/node_modules/ms/index.js"}},
		// The lockfile records .pnpmfile.cjs's checksum: the frozen install
		// fails unless the preset copies the file with the manifests.
		{"pnpm", e.testdata("node-lockfiles"), []string{"pnpm-lock.yaml", ".pnpmfile.cjs"}, []string{"app/node_modules/.modules.yaml", "app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js"}},
	} {
		t.Run(tc.manager, func(t *testing.T) {
			dir := t.TempDir()
			copyFiles(t, filepath.Join(e.repoRoot, "examples", "node-web"), dir, "package.json", "server.js", "server.test.js")
			copyFiles(t, tc.lockDir, dir, tc.lockfiles...)
			for _, args := range [][]string{{"init", dir}, {"lint", "--strict", filepath.Join(dir, specFile)}} {
				cmd := exec.Command("go", append([]string{"run", "./cmd/mstage"}, args...)...)
				cmd.Dir = e.repoRoot
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("mstage %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			ref := e.imageRef(m, "init-node-"+tc.manager)
			images := pushBothPlatforms(t, e, m, dir, ref)
			var entrypoint []string
			for _, im := range images {
				lc := readLayers(t, im.image)
				for _, f := range tc.files {
					if _, ok := lc.files[f]; !ok {
						t.Errorf("%s: %s is not in the image", im.platform, f)
					}
				}
				if _, ok := lc.entries["app/node_modules/ms"]; !ok {
					t.Errorf("%s: app/node_modules/ms is not in the image", im.platform)
				}
				for f := range lc.entries {
					if strings.Contains(f, "is-number") {
						t.Errorf("%s: the dev dependency is-number is in the image: %s", im.platform, f)
					}
				}
				entrypoint = configFile(t, im.image).Config.Entrypoint
			}
			said := runEntrypoint(t, e, m, ref, strings.Join(append(entrypoint, "--check"), " "), []string{amd64, arm64})
			want := map[string]string{amd64: "node-web ok x64 2m uid=1000", arm64: "node-web ok arm64 2m uid=1000"}
			if !reflect.DeepEqual(said, want) {
				t.Errorf("the entrypoint printed %q, want %q", said, want)
			}
		})
	}
}

// copyFiles copies the named files from one directory to another.
func copyFiles(t *testing.T, from, to string, names ...string) {
	t.Helper()
	for _, f := range names {
		dt, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, f), dt, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// testNodeNative checks that the arch guard finds a Node addon built for
// the build platform among more scripts than it reads, and that the
// documented cure, a builder with platform: target, builds.
func testNodeNative(t *testing.T, e *env, m mode) {
	res := mustFail(t, e, m, buildRequest{dir: e.testdata("node-native"), target: "image"})
	text := res.errorText()
	for _, want := range []string{"addon.node", "x86-64", "linux/arm64", "platform: target"} {
		if !strings.Contains(text, want) {
			t.Errorf("the arch guard error does not name %q:\n%s", want, tail(text, 30))
		}
	}
	mustBuild(t, e, m, buildRequest{dir: e.testdata("node-native"), target: "image", args: map[string]string{"NODE_PLATFORM": "target"}})
}
