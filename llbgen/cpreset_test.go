package llbgen

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"

	"github.com/mstage/mstage/llbgen/llbtest"
	"github.com/mstage/mstage/spec"
)

const cPresetSpec = `version: 1
name: cweb
builders:
  cpp:
    image: debian:bookworm
    preset: c
    workdir: /src
    steps:
      - run: apt-get update && apt-get install -y cmake
artifacts:
  hello:
    builder: cpp
    steps:
      - copy: hello.cpp
      - run: $CXX -O2 -static -o /out/hello hello.cpp
    outputs: [/out/hello]
`

// TestCPresetCrossCompilesOnTheBuildPlatform builds the c preset's artifact
// for arm64 on an amd64 build platform: every exec runs on amd64, the
// compile sees the cross toolchain's variables, the toolchain is installed
// before the sources are copied, and only apt's steps mount apt's locked,
// namespaced caches.
func TestCPresetCrossCompilesOnTheBuildPlatform(t *testing.T) {
	s, err := spec.Parse("mstage.yaml", []byte(cPresetSpec))
	if err != nil {
		t.Fatal(err)
	}
	res := compile(t, s, options("hello", arm64, s, []byte(cPresetSpec)))
	g := llbtest.Decode(t, res.State)
	for _, op := range g.Execs() {
		if got := platformOf(op); got != "linux/amd64" {
			t.Errorf("%s runs on %s, want the build platform linux/amd64", op.Name, got)
		}
	}
	compileOp := g.ExecContaining("$CXX -O2")
	if compileOp == nil {
		t.Fatalf("no compile step in %q", g.Names())
	}
	env := llbtest.Env(compileOp)
	want := map[string]string{
		"CC":                   "aarch64-linux-gnu-gcc",
		"CXX":                  "aarch64-linux-gnu-g++",
		"AR":                   "aarch64-linux-gnu-ar",
		"STRIP":                "aarch64-linux-gnu-strip",
		"MSTAGE_TRIPLE":        "aarch64-linux-gnu",
		"MSTAGE_DPKG_ARCH":     "arm64",
		"PKG_CONFIG_LIBDIR":    "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig",
		"CMAKE_TOOLCHAIN_FILE": "/usr/local/share/mstage/aarch64-linux-gnu.cmake",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("compile env %s = %q, want %q", k, env[k], v)
		}
	}
	if m := llbtest.Mount(compileOp, "/var/lib/apt"); m != nil {
		t.Error("the compile mounts apt's locked cache, which serializes the targets' compiles")
	}

	setup := g.ExecContaining("g++-aarch64-linux-gnu")
	if setup == nil {
		t.Fatalf("no cross toolchain install in %q", g.Names())
	}
	if !strings.Contains(setup.Name, "c preset: setup for linux/arm64") {
		t.Errorf("toolchain step is named %q", setup.Name)
	}
	if u := setup.GetExec().Meta.User; u != "0" {
		t.Errorf("toolchain step runs as %q, want root", u)
	}
	script := setup.GetExec().Meta.Args[2]
	if !strings.Contains(script, "CMAKE_SYSTEM_PROCESSOR aarch64") {
		t.Error("toolchain step writes no cross CMake toolchain file")
	}
	// One update, after the target's architecture is added, fills the
	// target's lists cache with the arm64 lists the spec's installs need.
	if add, update := strings.Index(script, "dpkg --add-architecture arm64"), strings.Index(script, "apt-get update"); add < 0 || update < add || strings.Count(script, "apt-get update") != 1 {
		t.Errorf("toolchain step does not add arm64 before its one apt-get update:\n%s", script)
	}
	// On an image that has the target's compiler (mstage/c-toolchains) the
	// update and the install are skipped; the architecture is still added.
	guard := strings.Index(script, "if ! { command -v aarch64-linux-gnu-g++ && command -v make && command -v pkg-config; } >/dev/null; then\n")
	end := strings.Index(script, "\nfi\n")
	if add := strings.Index(script, "dpkg --add-architecture"); guard < 0 || add > guard || end < guard ||
		strings.Index(script, "apt-get update") < guard || strings.Index(script, "apt-get install") > end {
		t.Errorf("toolchain step does not install and update only when aarch64-linux-gnu-g++, make or pkg-config is missing:\n%s", script)
	}
	for _, target := range []string{"/var/cache/apt", "/var/lib/apt/lists"} {
		if m := llbtest.Mount(setup, target); m == nil || !strings.HasSuffix(m.CacheOpt.GetID(), "/aarch64-linux-gnu") {
			t.Errorf("toolchain step's %s cache is %v, want the arm64 target's own", target, m)
		}
	}
	// The install comes before the copy of the sources, so a source
	// change does not reinstall it.
	if !dependsOn(g, compileOp, setup) || dependsOn(g, setup, g.Named("[hello 2/3] COPY hello.cpp ./")) {
		t.Errorf("toolchain install is not before the sources: %q", g.Names())
	}
	for _, op := range []*llbtest.Op{setup, g.ExecContaining("apt-get install -y cmake")} {
		for _, target := range []string{"/var/cache/apt", "/var/lib/apt/lists"} {
			m := llbtest.Mount(op, target)
			if m == nil || m.MountType != pb.MountType_CACHE {
				t.Fatalf("%s: no cache mount at %s", op.Name, target)
			}
			if m.CacheOpt.Sharing != pb.CacheSharingOpt_LOCKED || !strings.HasPrefix(m.CacheOpt.ID, "mstage/cweb/apt-") {
				t.Errorf("%s: cache %s is %v with id %q, want locked under mstage/cweb/", op.Name, target, m.CacheOpt.Sharing, m.CacheOpt.ID)
			}
		}
	}
}

// TestCPresetNativeTargetUsesGcc builds for the build platform itself:
// Debian's gcc and g++, whose triple-named tools the same variables name.
func TestCPresetNativeTargetUsesGcc(t *testing.T) {
	s, err := spec.Parse("mstage.yaml", []byte(cPresetSpec))
	if err != nil {
		t.Fatal(err)
	}
	res := compile(t, s, options("hello", amd64, s, []byte(cPresetSpec)))
	g := llbtest.Decode(t, res.State)
	setup := g.ExecContaining("--no-install-recommends gcc g++ ")
	if setup == nil {
		t.Fatalf("no native toolchain install in %q", g.Names())
	}
	script := setup.GetExec().Meta.Args[2]
	if strings.Contains(script, "CMAKE_SYSTEM_NAME") || strings.Contains(script, "--add-architecture") {
		t.Errorf("native toolchain step is set up to cross-compile:\n%s", script)
	}
	if cc := llbtest.Env(g.ExecContaining("$CXX -O2"))["CC"]; cc != "x86_64-linux-gnu-gcc" {
		t.Errorf("native CC = %q", cc)
	}
}

// TestCPresetRejectsUnknownTarget: a platform Debian has no cross
// toolchain for is a positioned error at the artifact's builder.
func TestCPresetRejectsUnknownTarget(t *testing.T) {
	s, err := spec.Parse("mstage.yaml", []byte(cPresetSpec))
	if err != nil {
		t.Fatal(err)
	}
	opt := options("hello", arm64, s, []byte(cPresetSpec))
	opt.TargetPlatform.Architecture = "sparc"
	_, err = Compile(t.Context(), s, opt)
	if err == nil || !strings.Contains(err.Error(), "no Debian cross toolchain for sparc") || !strings.Contains(err.Error(), "mstage.yaml:12:14") {
		t.Errorf("err = %v", err)
	}
}

// dependsOn reports whether op has dep among its inputs, transitively.
func dependsOn(g *llbtest.Graph, op, dep *llbtest.Op) bool {
	if op == nil || dep == nil {
		return false
	}
	for i := range op.Inputs {
		in := g.Input(op, i)
		if in == nil {
			continue
		}
		if in.Digest == dep.Digest || dependsOn(g, in, dep) {
			return true
		}
	}
	return false
}
