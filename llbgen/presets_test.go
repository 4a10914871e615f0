package llbgen

import (
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/llbgen/llbtest"
)

func TestRustCrossCompilesOnBuildPlatform(t *testing.T) {
	_, g := build(t, "rust.yaml", "app", arm64)
	run := g.ExecContaining("cargo install")
	if run == nil {
		t.Fatalf("no cargo exec; ops: %v", g.Names())
	}
	if got := platformOf(run); got != "linux/amd64" {
		t.Errorf("cargo runs on %s, want the build platform linux/amd64", got)
	}
	env := llbtest.Env(run)
	for k, want := range map[string]string{
		"CARGO_BUILD_TARGET":                            "aarch64-unknown-linux-gnu",
		"CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER": "aarch64-linux-gnu-gcc",
		"CARGO_HOME":       "/usr/local/cargo",
		"CARGO_TARGET_DIR": "/cargo/target",
	} {
		if env[k] != want {
			t.Errorf("env %s = %q, want %q (env %v)", k, env[k], want, env)
		}
	}
	for target, id := range map[string]string{
		"/usr/local/cargo/registry": "mstage/demo/cargo-registry",
		"/usr/local/cargo/git":      "mstage/demo/cargo-git",
		"/cargo/target":             "mstage/demo/cargo-target/aarch64-unknown-linux-gnu",
	} {
		m := llbtest.Mount(run, target)
		if m == nil || m.MountType != pb.MountType_CACHE {
			t.Fatalf("no cache mount at %s", target)
		}
		if m.CacheOpt.ID != id || m.CacheOpt.Sharing != pb.CacheSharingOpt_SHARED {
			t.Errorf("cache %s = %s/%v, want %s/SHARED", target, m.CacheOpt.ID, m.CacheOpt.Sharing, id)
		}
	}

	setup := g.ExecContaining("libstd-rust-dev:arm64")
	if setup == nil {
		t.Fatalf("no step installs the arm64 std; ops: %v", g.Names())
	}
	if got := platformOf(setup); got != "linux/amd64" {
		t.Errorf("the cross toolchain installs on %s, want linux/amd64", got)
	}
	args := strings.Join(setup.GetExec().Meta.Args, " ")
	for _, want := range []string{"dpkg --add-architecture arm64", "gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"} {
		if !strings.Contains(args, want) {
			t.Errorf("setup %q lacks %q", args, want)
		}
	}
	for target, id := range map[string]string{"/var/lib/apt/lists": "mstage/demo/apt-lists/aarch64-unknown-linux-gnu", "/var/cache/apt": "mstage/demo/apt-archives/aarch64-unknown-linux-gnu"} {
		m := llbtest.Mount(setup, target)
		if m == nil || m.CacheOpt == nil || m.CacheOpt.ID != id || m.CacheOpt.Sharing != pb.CacheSharingOpt_LOCKED {
			t.Errorf("setup cache %s = %v, want %s LOCKED", target, m, id)
		}
	}
	if llbtest.Mount(setup, "/cargo/target") != nil {
		t.Error("the setup step mounts the target dir")
	}
	// The setup comes before the sources: a source change does not repeat it.
	names := g.Names()
	iSetup := slices.IndexFunc(names, func(n string) bool { return strings.Contains(n, "rust preset: setup for linux/arm64") })
	iCopy := slices.IndexFunc(names, func(n string) bool { return strings.HasPrefix(n, "[app") && strings.Contains(n, "COPY .") })
	if iSetup < 0 || iCopy < 0 || !strings.HasPrefix(names[iSetup], "[app 1/3]") || !strings.HasPrefix(names[iCopy], "[app 2/3]") {
		t.Errorf("want setup, COPY ., cargo; names: %q", names)
	}
}

func TestRustNativeTargetNeedsNoSetup(t *testing.T) {
	_, g := build(t, "rust.yaml", "app", amd64)
	if g.ExecContaining("apt-get") != nil {
		t.Errorf("the build platform's own target installs a cross toolchain; ops: %v", g.Names())
	}
	run := g.ExecContaining("cargo install")
	if env := llbtest.Env(run); env["CARGO_BUILD_TARGET"] != "x86_64-unknown-linux-gnu" {
		t.Errorf("CARGO_BUILD_TARGET = %q, want x86_64-unknown-linux-gnu", env["CARGO_BUILD_TARGET"])
	}
	if m := llbtest.Mount(run, "/cargo/target"); m == nil || m.CacheOpt.ID != "mstage/demo/cargo-target/x86_64-unknown-linux-gnu" {
		t.Errorf("target dir cache = %v, want the x86_64 triple's id", m)
	}
}

func TestRustTargetDirCachePerTriple(t *testing.T) {
	ids := map[string]string{}
	for _, p := range []ocispecs.Platform{amd64, arm64, armv7} {
		_, g := build(t, "rust.yaml", "app", p)
		m := llbtest.Mount(g.ExecContaining("cargo install"), "/cargo/target")
		if m == nil {
			t.Fatalf("%v: no target dir cache", p)
		}
		if other, dup := ids[m.CacheOpt.ID]; dup {
			t.Errorf("%s and %s share the target dir cache %s", other, p.Architecture, m.CacheOpt.ID)
		}
		ids[m.CacheOpt.ID] = p.Architecture
	}
	if _, ok := ids["mstage/demo/cargo-target/armv7-unknown-linux-gnueabihf"]; !ok {
		t.Errorf("ids %v lack the armv7 triple", ids)
	}
}

func TestPythonVenvOnBuildPlatformSharedByTargets(t *testing.T) {
	_, ga := build(t, "python.yaml", "venv", amd64)
	_, gb := build(t, "python.yaml", "venv", arm64)
	if ga.Head != gb.Head {
		t.Error("the venv differs between linux/amd64 and linux/arm64; pure-Python packages install once")
	}
	names := gb.Names()
	want := []string{
		"[venv 1/5] RUN python preset: setup",
		"[venv 2/5] COPY requirements.txt ./",
		"[venv 4/5] COPY . ./",
		"[venv 5/5] RUN pip install -r requirements.txt",
	}
	for _, n := range want {
		if !slices.Contains(names, n) {
			t.Errorf("no vertex %q; names %q", n, names)
		}
	}
	for _, cmd := range []string{"python3 -m venv", "pip install -r requirements.txt"} {
		run := gb.ExecContaining(cmd)
		if run == nil {
			t.Fatalf("no exec of %q", cmd)
		}
		if got := platformOf(run); got != "linux/amd64" {
			t.Errorf("%q runs on %s, want the build platform", cmd, got)
		}
		env := llbtest.Env(run)
		if env["VIRTUAL_ENV"] != "/opt/venv" || !strings.HasPrefix(env["PATH"], "/opt/venv/bin:") {
			t.Errorf("%q: VIRTUAL_ENV %q PATH %q, want the venv first", cmd, env["VIRTUAL_ENV"], env["PATH"])
		}
		if m := llbtest.Mount(run, "/root/.cache/pip"); strings.HasPrefix(cmd, "pip") && (m == nil || m.CacheOpt.ID != "mstage/demo/pip") {
			t.Errorf("%q: pip cache = %v, want mstage/demo/pip", cmd, m)
		}
	}
	// A requirements.txt naming local paths is installed after the sources.
	fetch := gb.ExecContaining("|| pip install -r requirements.txt")
	if fetch == nil || !strings.Contains(strings.Join(fetch.GetExec().Meta.Args, " "), "grep -qE") {
		t.Errorf("the manifests-first install does not skip local paths: %v", fetch)
	}
}

func TestPythonPerTargetBuilder(t *testing.T) {
	s, dt := load(t, "python.yaml")
	s.Stage("python").Platform = "target"
	res := compile(t, s, options("venv", arm64, s, dt))
	g := llbtest.Decode(t, res.State)
	if got := platformOf(g.ExecContaining("pip install -r requirements.txt")); got != "linux/arm64" {
		t.Errorf("with platform: target the install runs on %s, want linux/arm64 (compiled wheels)", got)
	}
}

func TestRustCacheIDsUnderNamespace(t *testing.T) {
	s, dt := load(t, "rust.yaml")
	opt := options("app", arm64, s, dt)
	opt.CacheNamespace = "tenant-a"
	g := llbtest.Decode(t, compile(t, s, opt).State)
	var ids []string
	for _, op := range g.Execs() {
		for _, m := range op.GetExec().Mounts {
			if m.MountType == pb.MountType_CACHE {
				ids = append(ids, m.CacheOpt.ID)
			}
		}
	}
	slices.Sort(ids)
	want := []string{
		"tenant-a/mstage/demo/apt-archives/aarch64-unknown-linux-gnu",
		"tenant-a/mstage/demo/apt-lists/aarch64-unknown-linux-gnu",
		"tenant-a/mstage/demo/cargo-git",
		"tenant-a/mstage/demo/cargo-registry",
		"tenant-a/mstage/demo/cargo-target/aarch64-unknown-linux-gnu",
	}
	if !slices.Equal(slices.Compact(ids), want) {
		t.Errorf("cache ids %q, want %q", ids, want)
	}
}

// TestRustRejectsTargetWithoutTriple: the rust preset's setup refuses a
// platform it knows no triple for, with the error at the artifact's
// builder, as the c preset's does, instead of building for the build
// platform.
func TestRustRejectsTargetWithoutTriple(t *testing.T) {
	s, dt := load(t, "rust.yaml")
	opt := options("app", ocispecs.Platform{OS: "linux", Architecture: "riscv64"}, s, dt)
	_, err := Compile(t.Context(), s, opt)
	if err == nil || !strings.Contains(err.Error(), "no target triple for linux/riscv64") || !strings.Contains(err.Error(), "rust.yaml:10:14") {
		t.Errorf("err = %v", err)
	}
}
