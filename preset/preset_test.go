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

func TestNodeCachesMatchDefaultEnv(t *testing.T) {
	p, ok := Lookup("node")
	if !ok || !p.Portable || p.CrossCompiles || p.TargetEnv != nil {
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
