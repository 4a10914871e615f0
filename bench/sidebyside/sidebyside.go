// Package sidebyside does the same work two ways for the side-by-side
// benchmark of issue 15: an mstage spec of specgen's shape is parsed,
// compiled and marshalled by mstage, and the equivalent Dockerfile
// (specgen.Dockerfile) is converted by BuildKit's dockerfile2llb and
// marshalled. Both run one goroutine per target platform, as dockerui's
// Client.Build runs a frontend's build function, and both stop where the
// frontend would hand the definitions to the solver.
package sidebyside

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/mstage/mstage/bench/specgen"
	"github.com/mstage/mstage/llbgen"
	"github.com/mstage/mstage/spec"
)

// Sizes are the stage counts the benchmark compares at.
var Sizes = []int{10, 100, 1000}

// Platforms are the 4 target platforms of the benchmarks; the first is the
// build platform.
func Platforms() []ocispecs.Platform {
	var ps []ocispecs.Platform
	for _, p := range []string{"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/riscv64"} {
		ps = append(ps, platforms.Normalize(platforms.MustParse(p)))
	}
	return ps
}

// Inputs are the two build files of one shape.
type Inputs struct {
	Spec       []byte
	Dockerfile []byte
}

// Generate writes the spec and the Dockerfile of an n-stage shape.
func Generate(n int) Inputs {
	sh := specgen.ForStages(n)
	return Inputs{Spec: specgen.Generate(sh), Dockerfile: specgen.Dockerfile(sh)}
}

// Stats says how much LLB one side produced, over all platforms.
type Stats struct {
	Ops   int // LLB ops marshalled, definitions of gates and guards included
	Bytes int // bytes of the marshalled ops
}

func (s *Stats) add(defs ...*llb.Definition) {
	for _, def := range defs {
		s.Ops += len(def.Def)
		for _, op := range def.Def {
			s.Bytes += len(op)
		}
	}
}

func sum(per []Stats) Stats {
	var t Stats
	for _, s := range per {
		t.Ops += s.Ops
		t.Bytes += s.Bytes
	}
	return t
}

// mainContext serves the main context as a local source and has no named
// contexts.
type mainContext struct{}

func (mainContext) Main(context.Context) (llb.State, error) { return localContext(), nil }

func (mainContext) Named(context.Context, string, ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error) {
	return nil, nil, nil
}

func localContext() llb.State { return llb.Local("context", llb.SessionID("bench")) }

// Mstage parses the spec and compiles specgen.AllRuntime for every platform
// at once, then marshals for each platform, in one goroutine each, the
// target, its gates and its guards and the image config, as the frontend
// does before solving.
func Mstage(ctx context.Context, dt []byte, ps []ocispecs.Platform) (Stats, error) {
	s, err := spec.Parse("generated.yaml", dt)
	if err != nil {
		return Stats{}, err
	}
	results, err := llbgen.CompileEach(ctx, s, llbgen.Options{
		Target:        specgen.AllRuntime,
		BuildPlatform: ps[0],
		Contexts:      mainContext{},
	}, ps)
	if err != nil {
		return Stats{}, fmt.Errorf("mstage: %w", err)
	}
	per := make([]Stats, len(ps))
	eg, ctx := errgroup.WithContext(ctx)
	for i, p := range ps {
		eg.Go(func() error {
			res := results[i]
			defs, err := res.Marshal(ctx, llb.Platform(p))
			if err != nil {
				return err
			}
			if _, err := json.Marshal(res.Image); err != nil {
				return err
			}
			per[i].add(defs.Target)
			per[i].add(defs.Gates...)
			per[i].add(defs.Guards...)
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return Stats{}, err
	}
	return sum(per), nil
}

// Dockerfile converts the Dockerfile for every platform at once with
// dockerfile2llb, as BuildKit's Dockerfile frontend does (one conversion per
// target platform, the whole platform list in the config), and marshals
// each result and its image config.
func Dockerfile(ctx context.Context, dt []byte, ps []ocispecs.Platform) (Stats, error) {
	per := make([]Stats, len(ps))
	main := localContext()
	eg, ctx := errgroup.WithContext(ctx)
	for i, p := range ps {
		eg.Go(func() error {
			res, err := dockerfile2llb.Dockerfile2LLB(ctx, dt, dockerfile2llb.ConvertOpt{
				Config: dockerui.Config{
					Target:                 specgen.AllRuntime,
					TargetPlatforms:        ps,
					BuildPlatforms:         ps[:1],
					MultiPlatformRequested: len(ps) > 1,
				},
				MainContext:    &main,
				TargetPlatform: &p,
				MetaResolver:   imageResolver{},
			})
			if err != nil {
				return fmt.Errorf("dockerfile2llb for %s: %w", platforms.Format(p), err)
			}
			def, err := res.State.Marshal(ctx)
			if err != nil {
				return err
			}
			if _, err := json.Marshal(res.Image); err != nil {
				return err
			}
			per[i].add(def)
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return Stats{}, err
	}
	return sum(per), nil
}

// imageResolver answers every image with a one-layer config for the asked
// platform and no digest, without a registry: the mstage side compiles
// without a resolver, so neither side spends time on the network.
type imageResolver struct{}

func (imageResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p := platforms.DefaultSpec()
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	img := dockerspec.DockerOCIImage{Image: ocispecs.Image{
		Platform: p,
		RootFS:   ocispecs.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromString(ref)}},
	}}
	img.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	dt, err := json.Marshal(img)
	return ref, "", dt, err
}
