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
)

// testCPreset builds the c preset for two platforms on the amd64 test
// daemon. The CMake app in testdata records where its compiler ran: both
// platforms must say x86_64, so the arm64 binary was cross-compiled, not
// emulated, and each binary's ELF machine must match its platform. The
// cpp-web example's two programs must likewise match each image's platform.
// The arch guard stays on: the host's g++ used by mistake fails the build.
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
			// Plain Debian has no compilers: the setup installed them.
			cxx := map[string]string{amd64: "g++:amd64", arm64: "g++-aarch64-linux-gnu:amd64"}[p]
			if installed := aptInstalled(string(files["installed"])); !slices.Contains(installed, cxx) {
				t.Errorf("%s: on debian the setup did not install %s; apt installed %v", p, cxx, installed)
			}
		}
	})
	t.Run("toolchain-image", func(t *testing.T) {
		dest := t.TempDir()
		mustBuild(t, e, m, buildRequest{
			dir:       e.testdata("c-preset"),
			target:    "toolchains",
			platforms: []string{amd64, arm64},
			out:       localTo(dest),
		})
		for _, p := range []string{amd64, arm64} {
			files, _ := readTree(t, filepath.Join(dest, strings.ReplaceAll(p, "/", "_")))
			checkELF(t, p+" greet", files["greet"], p)
			arch := strings.TrimPrefix(p, "linux/")
			installed := aptInstalled(string(files["installed"]))
			if !slices.Contains(installed, "zlib1g-dev:"+arch) {
				t.Errorf("%s: apt did not install the step's zlib1g-dev:%s; it installed %v", p, arch, installed)
			}
			for _, pkg := range installed {
				// The compilers, native (gcc, g++-12, ...) and cross (anything
				// named for a triple); not the target's libgcc or gcc-12-base.
				name, _, _ := strings.Cut(pkg, ":")
				if slices.Contains([]string{"gcc", "g++", "gcc-12", "g++-12", "cpp", "make", "pkg-config"}, name) || strings.HasSuffix(name, "-linux-gnu") {
					t.Errorf("%s: apt installed %s, which the toolchain image holds (all: %v)", p, pkg, installed)
				}
			}
		}
	})
	t.Run("arch-guard", func(t *testing.T) {
		res := mustFail(t, e, m, buildRequest{dir: e.testdata("c-preset"), target: "host-compiler", platforms: []string{arm64}})
		text := res.errorText()
		if !strings.Contains(text, "greet") || !strings.Contains(text, "arm64") || !(strings.Contains(text, "x86-64") || strings.Contains(text, "amd64")) {
			t.Errorf("the arch guard did not reject the host compiler's amd64 binary for linux/arm64:\n%s", text)
		}
	})
	t.Run("init-cmake", func(t *testing.T) { testInitCMake(t, e, m) })
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

// aptInstalled lists the packages (name:arch) the Install lines of apt's
// history.log name.
func aptInstalled(history string) []string {
	var pkgs []string
	for _, line := range strings.Split(history, "\n") {
		list, ok := strings.CutPrefix(line, "Install: ")
		if !ok {
			continue
		}
		for _, entry := range strings.Split(list, "), ") {
			pkgs = append(pkgs, strings.Fields(entry)[0])
		}
	}
	return pkgs
}

// testInitCMake runs mstage init on the CMake app of testdata/c-preset
// (without its spec) and builds what init wrote, as it is, for two
// platforms: each image's /usr/local/bin/greet, put there by
// cmake --install, must be built for the image's platform.
func testInitCMake(t *testing.T, e *env, m mode) {
	dir := t.TempDir()
	for _, name := range []string{"CMakeLists.txt", "greeting.c", "greeting.h", "main.cpp"} {
		dt, err := os.ReadFile(filepath.Join(e.testdata("c-preset"), name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), dt, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/mstage", "init", dir)
	cmd.Dir = e.repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mstage init: %v\n%s", err, out)
	}
	written, err := os.ReadFile(filepath.Join(dir, specFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(written), "cmake --install") {
		t.Fatalf("init did not install with cmake --install:\n%s", written)
	}
	ref := e.imageRef(m, "init-cmake")
	mustBuild(t, e, m, buildRequest{dir: dir, out: pushTo(ref)})
	images := fetchImages(t, ref)
	if got, want := platformsOf(images), []string{amd64, arm64}; !reflect.DeepEqual(got, want) {
		t.Fatalf("pushed platforms %v, want %v (init's platforms)", got, want)
	}
	for _, im := range images {
		if ep := configFile(t, im.image).Config.Entrypoint; !reflect.DeepEqual(ep, []string{"/usr/local/bin/greet"}) {
			t.Errorf("%s: entrypoint %q", im.platform, ep)
		}
		lc := readLayers(t, im.image)
		greet, ok := lc.files["usr/local/bin/greet"]
		if !ok {
			t.Fatalf("%s: no usr/local/bin/greet; files: %v", im.platform, keysOf(lc.files))
		}
		checkELF(t, im.platform+" usr/local/bin/greet", greet, im.platform)
	}
}
