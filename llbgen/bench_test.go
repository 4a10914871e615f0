package llbgen

import (
	"context"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/mstage/mstage/bench/specgen"
	"github.com/mstage/mstage/internal/gcsetting"
	"github.com/mstage/mstage/spec"
)

// benchContexts serves the main context as a local source and has no named
// contexts.
type benchContexts struct{}

func (benchContexts) Main(context.Context) (llb.State, error) {
	return llb.Local("context", llb.SessionID("bench")), nil
}

func (benchContexts) Named(context.Context, string, ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error) {
	return nil, nil, nil
}

func benchPlatforms() []ocispecs.Platform {
	var ps []ocispecs.Platform
	for _, p := range []string{"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/riscv64"} {
		ps = append(ps, platforms.Normalize(platforms.MustParse(p)))
	}
	return ps
}

// compileForBench compiles target for every platform and marshals the result
// and its gates and guards to LLB definitions, as the frontend does before
// solving: one compile for all platforms, then one goroutine per platform,
// as dockerui's Client.Build runs the frontend's build function. It returns
// the number of LLB ops marshalled.
func compileForBench(tb testing.TB, s *spec.Spec, target string, ps []ocispecs.Platform) int {
	ctx := context.Background()
	results, err := CompileEach(ctx, s, Options{
		Target:        target,
		BuildPlatform: ps[0],
		Contexts:      benchContexts{},
	}, ps)
	if err != nil {
		tb.Fatalf("compile %s: %v", target, err)
	}
	counts := make([]int, len(ps))
	var eg errgroup.Group
	for i, p := range ps {
		eg.Go(func() error {
			defs, err := results[i].Marshal(ctx, llb.Platform(p))
			if err != nil {
				return err
			}
			for _, def := range append(append([]*llb.Definition{defs.Target}, defs.Gates...), defs.Guards...) {
				counts[i] += len(def.Def)
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		tb.Fatal(err)
	}
	ops := 0
	for _, n := range counts {
		ops += n
	}
	return ops
}

// compileForBenchEachPlatform is compileForBench with one Compile per
// platform, each in its own goroutine: no instance is shared, but the
// compiles run in parallel.
func compileForBenchEachPlatform(tb testing.TB, s *spec.Spec, target string, ps []ocispecs.Platform) {
	ctx := context.Background()
	var eg errgroup.Group
	for _, p := range ps {
		eg.Go(func() error {
			res, err := Compile(ctx, s, Options{Target: target, TargetPlatform: p, BuildPlatform: ps[0], Contexts: benchContexts{}})
			if err != nil {
				return err
			}
			_, err = res.Marshal(ctx, llb.Platform(p))
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		tb.Fatal(err)
	}
}

// withFrontendGC runs the rest of a benchmark with the garbage collector
// setting of the frontend process (gcsetting.Apply in its main).
func withFrontendGC(b *testing.B) {
	b.Cleanup(gcsetting.Apply())
}

func parse1000(tb testing.TB) (*spec.Spec, []byte) {
	dt := specgen.Generate(specgen.Shape1000)
	s, err := spec.Parse("generated.yaml", dt)
	if err != nil {
		tb.Fatalf("parse generated spec: %v", err)
	}
	return s, dt
}

// TestCompile1000StagesReachesEveryStage checks that the benchmark's target
// really compiles every stage: each of the 890 artifacts contributes at
// least its run op.
func TestCompile1000StagesReachesEveryStage(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a 1,000-stage spec")
	}
	s, _ := parse1000(t)
	ops := compileForBench(t, s, specgen.AllRuntime, benchPlatforms()[:1])
	if ops < specgen.Shape1000.Artifacts {
		t.Fatalf("marshalled %d ops for %s, want at least one per artifact (%d)", ops, specgen.AllRuntime, specgen.Shape1000.Artifacts)
	}
}

// BenchmarkParse1000Stages parses and validates the generated spec.
func BenchmarkParse1000Stages(b *testing.B) {
	withFrontendGC(b)
	dt := specgen.Generate(specgen.Shape1000)
	b.SetBytes(int64(len(dt)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := spec.Parse("generated.yaml", dt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile1000Stages compiles the target that reaches all 1,000
// stages for 4 platforms and marshals the LLB: the frontend's work on that
// spec once it is parsed.
func BenchmarkCompile1000Stages(b *testing.B) {
	withFrontendGC(b)
	s, _ := parse1000(b)
	ps := benchPlatforms()
	b.ReportAllocs()
	for b.Loop() {
		compileForBench(b, s, specgen.AllRuntime, ps)
	}
}

// BenchmarkParseAndCompile1000Stages is the frontend's whole work on the
// spec, from bytes to LLB definitions for 4 platforms (the ≤ 100 ms target
// of the benchmarks).
func BenchmarkParseAndCompile1000Stages(b *testing.B) {
	withFrontendGC(b)
	dt := specgen.Generate(specgen.Shape1000)
	ps := benchPlatforms()
	b.ReportAllocs()
	for b.Loop() {
		s, err := spec.Parse("generated.yaml", dt)
		if err != nil {
			b.Fatal(err)
		}
		compileForBench(b, s, specgen.AllRuntime, ps)
	}
}

// BenchmarkParseAndCompile1000StagesEachPlatform is
// BenchmarkParseAndCompile1000Stages with a separate compile per platform,
// the compiles in parallel.
func BenchmarkParseAndCompile1000StagesEachPlatform(b *testing.B) {
	withFrontendGC(b)
	dt := specgen.Generate(specgen.Shape1000)
	ps := benchPlatforms()
	b.ReportAllocs()
	for b.Loop() {
		s, err := spec.Parse("generated.yaml", dt)
		if err != nil {
			b.Fatal(err)
		}
		compileForBenchEachPlatform(b, s, specgen.AllRuntime, ps)
	}
}

// BenchmarkCompileEachRuntime1000Stages compiles each of the 100 runtimes on
// its own for 4 platforms (400 compilations), as 100 separate builds would.
func BenchmarkCompileEachRuntime1000Stages(b *testing.B) {
	withFrontendGC(b)
	s, _ := parse1000(b)
	ps := benchPlatforms()
	b.ReportAllocs()
	for b.Loop() {
		for _, rt := range s.Runtimes {
			compileForBench(b, s, rt.Name, ps)
		}
	}
}
