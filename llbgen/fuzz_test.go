package llbgen

import (
	"context"
	"testing"

	"github.com/mstage/mstage/internal/hostile"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// fuzzContexts serves the main context and every named context as locals.
type fuzzContexts struct{ fakeContexts }

func (fuzzContexts) Main(context.Context) (llb.State, error) {
	return llb.Local("context", llb.SessionID("fuzz")), nil
}

// FuzzCompile compiles every stage of every spec that parses, for two
// target platforms, and marshals the LLB. It must never panic; compile
// errors are fine, but each must be a spec.Error positioned in the file.
func FuzzCompile(f *testing.F) {
	seeds, err := hostile.SeedFiles("../examples/*/mstage.yaml", "testdata/*.yaml", "../spec/testdata/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range append(seeds, hostile.Seeds(4<<10)...) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := spec.Parse("mstage.yaml", data)
		if err != nil {
			return
		}
		ctx := context.Background()
		for _, st := range s.Stages() {
			for _, tp := range []ocispecs.Platform{amd64, arm64} {
				opt := Options{
					Target:         st.Name,
					TargetPlatform: tp,
					BuildPlatform:  amd64,
					BuildArgs:      map[string]string{"FUZZ": "1"},
					Contexts:       fuzzContexts{},
					MetaResolver:   defaultResolver(),
					SourceMap:      llb.NewSourceMap(nil, s.Filename, "yaml", data),
				}
				res, err := Compile(ctx, s, opt)
				if err != nil {
					if e := spec.FirstError(err); e == nil || !e.Pos.IsValid() {
						t.Fatalf("compile %s: error without a position: %v", st.Name, err)
					}
					continue
				}
				if res.Image == nil && st.Kind == spec.KindRuntime {
					t.Fatalf("runtime %s compiled without an image config", st.Name)
				}
				if _, err := res.State.Marshal(ctx, llb.Platform(opt.TargetPlatform)); err != nil {
					t.Fatalf("marshal %s for %s: %v", st.Name, platforms.Format(tp), err)
				}
			}
		}
	})
}
