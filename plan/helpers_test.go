package plan

import (
	"os"
	"path/filepath"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

// load parses testdata/name.
func load(t *testing.T, name string) *spec.Spec {
	t.Helper()
	dt, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse(name, dt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustParse(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("mstage.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// resolve resolves target of s for the target platforms tps, built on amd64.
func resolve(t *testing.T, s *spec.Spec, target, namespace string, tps ...ocispecs.Platform) *Plan {
	t.Helper()
	p, err := Resolve(Request{Spec: s, Target: target, TargetPlatforms: tps, BuildPlatform: amd64, CacheNamespace: namespace})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
