package e2e

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// testCPreset builds the c preset for two platforms on the amd64 test
// daemon. The CMake app in testdata records where its compiler ran: both
// platforms must say x86_64, so the arm64 binary was cross-compiled, not
// emulated, and each binary's ELF machine must match its platform. The
// cpp-web example's two programs must likewise match each image's platform.
func testCPreset(t *testing.T, e *env, m mode) {
	t.Run("cmake-app", func(t *testing.T) {
		dest := t.TempDir()
		mustBuild(t, e, m, buildRequest{
			dir:       e.testdata("c-preset"),
			target:    "app",
			platforms: []string{amd64, arm64},
			out:       localTo(dest),
		})
		for _, p := range []string{amd64, arm64} {
			files, _ := readTree(t, filepath.Join(dest, strings.ReplaceAll(p, "/", "_")))
			greet, ok := files["bin/greet"]
			if !ok {
				t.Fatalf("%s: cmake --install put no bin/greet; files: %v", p, keysOf(files))
			}
			checkELF(t, p+" bin/greet", greet, p)
			if got := strings.TrimSpace(string(files["built-on"])); got != "x86_64" {
				t.Errorf("%s: the compiler ran on %q, want the build platform x86_64 (no emulation)", p, got)
			}
			triple := map[string]string{amd64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu"}[p]
			if got, want := strings.TrimSpace(string(files["toolchain"])), triple+"-gcc "+triple+"-g++ "+triple; got != want {
				t.Errorf("%s: CC CXX MSTAGE_TRIPLE = %q, want %q", p, got, want)
			}
		}
	})
	t.Run("cpp-web", func(t *testing.T) {
		ref := e.imageRef(m, "cpp-web")
		mustBuild(t, e, m, buildRequest{
			dir:       filepath.Join(e.repoRoot, "examples", "cpp-web"),
			platforms: []string{amd64, arm64},
			out:       pushTo(ref),
		})
		images := fetchImages(t, ref)
		if got, want := platformsOf(images), []string{amd64, arm64}; !reflect.DeepEqual(got, want) {
			t.Fatalf("pushed platforms %v, want %v", got, want)
		}
		for _, im := range images {
			lc := readLayers(t, im.image)
			for _, page := range []string{"usr/share/nginx/html/index.html", "usr/share/nginx/html/login.html"} {
				dt, ok := lc.files[page]
				if !ok {
					t.Fatalf("%s: no %s in the image", im.platform, page)
				}
				checkELF(t, im.platform+" "+page, dt, im.platform)
			}
		}
	})
}
