package llbgen

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// vertices collects the vertices st reaches.
func vertices(ctx context.Context, t *testing.T, st llb.State, c *llb.Constraints, seen map[llb.Vertex]bool) {
	t.Helper()
	out := st.Output()
	if out == nil {
		return
	}
	v := out.Vertex(ctx, c)
	var walk func(v llb.Vertex)
	walk = func(v llb.Vertex) {
		if seen[v] {
			return
		}
		seen[v] = true
		for _, in := range v.Inputs() {
			walk(in.Vertex(ctx, c))
		}
	}
	walk(v)
}

// TestSharedStepsAreOneVertex compiles go-service for two platforms in one
// build: the manifests copy and the module fetch that the plan proves the
// same for every target are one vertex in both results, not two equal ones.
func TestSharedStepsAreOneVertex(t *testing.T) {
	ctx := context.Background()
	dt, err := os.ReadFile("../examples/go-service/mstage.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("mstage.yaml", dt)
	if err != nil {
		t.Fatal(err)
	}
	ps := []ocispecs.Platform{platforms.MustParse("linux/amd64"), platforms.MustParse("linux/arm64")}
	results, err := CompileEach(ctx, s, Options{BuildPlatform: ps[0], Contexts: LocalContexts{}}, ps)
	if err != nil {
		t.Fatal(err)
	}
	c := &llb.Constraints{Platform: &ps[0]}
	first, second := map[llb.Vertex]bool{}, map[llb.Vertex]bool{}
	vertices(ctx, t, results[0].State, c, first)
	vertices(ctx, t, results[1].State, c, second)
	var shared []string
	for v := range first {
		if !second[v] {
			continue
		}
		_, _, md, _, err := v.Marshal(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		shared = append(shared, md.Description["llb.customname"])
	}
	joined := strings.Join(shared, "\n")
	for _, want := range []string{"COPY go.mod go.sum", "go mod download"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no vertex named %q in both platforms' results; shared:\n%s", want, joined)
		}
	}
}

// BenchmarkCompileGoService4Platforms compiles and marshals go-service for
// the 4 benchmark platforms: its module fetch is one of the steps the
// targets share.
func BenchmarkCompileGoService4Platforms(b *testing.B) {
	withFrontendGC(b)
	dt, err := os.ReadFile("../examples/go-service/mstage.yaml")
	if err != nil {
		b.Fatal(err)
	}
	s, err := spec.Parse("mstage.yaml", dt)
	if err != nil {
		b.Fatal(err)
	}
	ps := benchPlatforms()
	b.ReportAllocs()
	for b.Loop() {
		compileForBench(b, s, "", ps)
	}
}
