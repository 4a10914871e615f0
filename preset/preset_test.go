package preset

import (
	"slices"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestLookup(t *testing.T) {
	p, ok := Lookup("go")
	if !ok || p.Name != "go" || !p.CrossCompiles {
		t.Fatalf("Lookup(go) = %+v, %v", p, ok)
	}
	if _, ok := Lookup("cobol"); ok {
		t.Error("Lookup found an unknown preset")
	}
	if !slices.IsSorted(Names()) || !slices.Contains(Names(), "go") {
		t.Errorf("Names() = %q", Names())
	}
}

func TestLookupReturnsIndependentCopies(t *testing.T) {
	p, _ := Lookup("go")
	p.Caches[0].Target = "/changed"
	q, _ := Lookup("go")
	if q.Caches[0].Target == "/changed" {
		t.Error("a caller's change leaked into the registry")
	}
}

func TestGoTargetEnv(t *testing.T) {
	p, _ := Lookup("go")
	cases := []struct {
		platform ocispecs.Platform
		want     []EnvVar
	}{
		{ocispecs.Platform{OS: "linux", Architecture: "arm64"}, []EnvVar{{"GOOS", "linux"}, {"GOARCH", "arm64"}}},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, []EnvVar{{"GOOS", "linux"}, {"GOARCH", "arm"}, {"GOARM", "7"}}},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, []EnvVar{{"GOOS", "linux"}, {"GOARCH", "arm"}, {"GOARM", "6"}}},
		{ocispecs.Platform{OS: "linux", Architecture: "amd64", Variant: "v3"}, []EnvVar{{"GOOS", "linux"}, {"GOARCH", "amd64"}, {"GOAMD64", "v3"}}},
		{ocispecs.Platform{OS: "windows", Architecture: "amd64"}, []EnvVar{{"GOOS", "windows"}, {"GOARCH", "amd64"}}},
	}
	for _, tc := range cases {
		if got := p.TargetEnv(tc.platform); !slices.Equal(got, tc.want) {
			t.Errorf("TargetEnv(%+v) = %v, want %v", tc.platform, got, tc.want)
		}
	}
}

func TestGoCachesMatchDefaultEnv(t *testing.T) {
	p, _ := Lookup("go")
	env := map[string]string{}
	for _, e := range p.DefaultEnv {
		env[e.Name] = e.Value
	}
	targets := map[string]bool{}
	for _, c := range p.Caches {
		targets[c.Target] = true
	}
	// The caches must be where the toolchain looks.
	if !targets[env["GOMODCACHE"]] || !targets[env["GOCACHE"]] {
		t.Errorf("caches %v do not cover GOMODCACHE=%s GOCACHE=%s", p.Caches, env["GOMODCACHE"], env["GOCACHE"])
	}
	if env["CGO_ENABLED"] != "0" {
		t.Errorf("CGO_ENABLED = %q", env["CGO_ENABLED"])
	}
	if len(p.Manifests) == 0 || p.Manifests[0] != "go.mod" || len(p.Fetch) == 0 || len(p.Triggers) == 0 {
		t.Errorf("manifests %q fetch %q triggers %q", p.Manifests, p.Fetch, p.Triggers)
	}
}

func TestRustTargetEnv(t *testing.T) {
	p, _ := Lookup("rust")
	cases := []struct {
		platform ocispecs.Platform
		want     []EnvVar
	}{
		{ocispecs.Platform{OS: "linux", Architecture: "arm64"}, []EnvVar{{"CARGO_BUILD_TARGET", "aarch64-unknown-linux-gnu"}, {"CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER", "aarch64-linux-gnu-gcc"}}},
		{ocispecs.Platform{OS: "linux", Architecture: "amd64"}, []EnvVar{{"CARGO_BUILD_TARGET", "x86_64-unknown-linux-gnu"}, {"CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER", "x86_64-linux-gnu-gcc"}}},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, []EnvVar{{"CARGO_BUILD_TARGET", "armv7-unknown-linux-gnueabihf"}, {"CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER", "arm-linux-gnueabihf-gcc"}}},
		{ocispecs.Platform{OS: "linux", Architecture: "riscv64"}, nil},
	}
	for _, c := range cases {
		if got := p.TargetEnv(c.platform); !slices.Equal(got, c.want) {
			t.Errorf("TargetEnv(%v) = %v, want %v", c.platform, got, c.want)
		}
	}
	if got := p.TargetID(ocispecs.Platform{OS: "linux", Architecture: "riscv64"}); got != "linux-riscv64" {
		t.Errorf("TargetID(riscv64) = %q, want linux-riscv64", got)
	}
}

func TestRustSetupOnlyForAnotherTarget(t *testing.T) {
	p, _ := Lookup("rust")
	amd64 := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 := ocispecs.Platform{OS: "linux", Architecture: "arm64"}
	if got, err := p.Setup(amd64, amd64); got != "" || err != nil {
		t.Errorf("Setup(amd64, amd64) = %q, %v, want none", got, err)
	}
	if got, err := p.Setup(arm64, amd64); err != nil || !strings.Contains(got, "gcc-x86-64-linux-gnu") || !strings.Contains(got, "libstd-rust-dev:amd64=") {
		t.Errorf("Setup(arm64, amd64) = %q, %v", got, err)
	}
	if _, err := p.Setup(amd64, ocispecs.Platform{OS: "linux", Architecture: "riscv64"}); err == nil {
		t.Error("Setup for riscv64, which has no known triple, gave no error")
	}
}

// TestPerTargetCachesHaveTargetID: a preset's per-target caches are named
// by its TargetID, so every preset with one has it.
func TestPerTargetCachesHaveTargetID(t *testing.T) {
	for _, n := range Names() {
		p, _ := Lookup(n)
		for _, c := range p.Caches {
			if c.PerTarget && p.TargetID == nil {
				t.Errorf("preset %s: per-target cache %s, but no TargetID", n, c.Name)
			}
		}
	}
}

// TestAptCachesOnlyOnAptSteps: the presets that install packages mount
// apt's caches only on the steps that call apt, one per target.
func TestAptCachesOnlyOnAptSteps(t *testing.T) {
	for _, n := range []string{"c", "rust"} {
		p, _ := Lookup(n)
		apt := 0
		for _, c := range p.Caches {
			if strings.HasPrefix(c.Name, "apt-") {
				apt++
				if !slices.Contains(c.Commands, "apt-get") || !c.PerTarget || c.Sharing != "locked" {
					t.Errorf("preset %s: cache %+v", n, c)
				}
			}
		}
		if apt != 2 {
			t.Errorf("preset %s has %d apt caches, want 2", n, apt)
		}
	}
}

func TestNodeCachesMatchDefaultEnv(t *testing.T) {
	p, ok := Lookup("node")
	if !ok || !p.PortableOutputs || p.CrossCompiles || p.TargetEnv != nil {
		t.Fatalf("Lookup(node) = %+v, %v; want a portable preset without a target env", p, ok)
	}
	env := map[string]string{}
	for _, e := range p.DefaultEnv {
		env[e.Name] = e.Value
	}
	targets := map[string]bool{}
	for _, c := range p.Caches {
		targets[c.Target] = true
	}
	for _, k := range []string{"npm_config_cache", "npm_config_store_dir", "YARN_CACHE_FOLDER"} {
		if !targets[env[k]] {
			t.Errorf("%s=%q is not a cache mount (%v)", k, env[k], p.Caches)
		}
	}
	all, prod := p.Fetch[0], p.FetchProduction[0]
	for _, want := range []string{"npm ci;;", "pnpm install --frozen-lockfile;;", "yarn install --frozen-lockfile;;", "pnpm-lock.yaml", "yarn.lock", "NODE_PACKAGE_MANAGER"} {
		if !strings.Contains(all, want) {
			t.Errorf("install lacks %q: %s", want, all)
		}
	}
	for _, want := range []string{"npm ci --omit=dev;;", "pnpm install --frozen-lockfile --prod;;", "yarn install --frozen-lockfile --production;;"} {
		if !strings.Contains(prod, want) {
			t.Errorf("production install lacks %q: %s", want, prod)
		}
	}
	if !strings.HasPrefix(all, "{ ") || !strings.HasSuffix(all, "; }") {
		t.Errorf("the install is not one shell group, so the manifest test would guard only its first command: %s", all)
	}
}
