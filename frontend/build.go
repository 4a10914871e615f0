// Package frontend is the BuildKit gateway entry point of mstage: it reads
// the spec through dockerui, answers the --call and --check subrequests,
// shows the lint rules' warnings of a build (failing it under
// "# check=error=true"), and builds the target once per platform with
// llbgen, running the target's gates and arch guards before the result is
// exported.
package frontend

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	speclint "github.com/mstage/mstage/lint"
	"github.com/mstage/mstage/llbgen"
	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// Build is the gateway BuildFunc of the mstage frontend.
func Build(ctx context.Context, c client.Client) (*client.Result, error) {
	bc, err := dockerui.NewClient(defaultFilenameClient{c})
	if err != nil {
		return nil, err
	}
	if err := checkCaps(bc.BuildOpts().Opts[optFrontendCaps]); err != nil {
		return nil, err
	}
	if res, handled, err := ownSubrequest(bc.BuildOpts().Opts["requestid"]); handled {
		return res, err
	}
	// A "# syntax=" first line is a YAML comment here: the file has already
	// been routed to this frontend, so it is never forwarded again.
	src, err := bc.ReadEntrypoint(ctx, "yaml")
	if err != nil {
		return nil, err
	}
	files := newContextFiles(ctx, bc, c, src)
	s, parseErr := spec.Load(src.Filename, src.Data, files.read)
	srcs := sourcesOf(src, files)
	parseErr = withSpecSource(parseErr, srcs)

	res, handled, err := bc.HandleSubrequest(ctx, dockerui.RequestHandler{
		ListTargets: func(context.Context) (*targets.List, error) {
			if parseErr != nil {
				return nil, parseErr
			}
			return listTargets(s, src.Data), nil
		},
		Outline: func(ctx context.Context) (*outline.Outline, error) {
			if parseErr != nil {
				return nil, parseErr
			}
			if err := useSpecPlatforms(bc, s, srcs); err != nil {
				return nil, err
			}
			return outlineOf(s, plan.Request{
				Target:          bc.Target,
				TargetPlatforms: bc.TargetPlatforms,
				BuildPlatform:   bc.BuildPlatforms[0],
				BuildArgs:       bc.BuildArgs,
				CacheNamespace:  bc.CacheIDNamespace,
				ImageConfig: llbgen.ImageConfig(ctx, s, llbgen.Options{
					Contexts:     buildContexts{bc: bc},
					MetaResolver: c,
					ResolveMode:  bc.ImageResolveMode,
				}),
			}, src.Data)
		},
		Lint: func(ctx context.Context) (*lint.LintResults, error) {
			return lintSpec(ctx, s, parseErr, lintOptions(bc), srcs), nil
		},
	})
	if err != nil || handled {
		return res, err
	}
	if parseErr != nil {
		return nil, parseErr
	}
	if _, err := targetStage(s, bc.Target); err != nil {
		return nil, withSpecSource(err, srcs)
	}
	if err := useSpecPlatforms(bc, s, srcs); err != nil {
		return nil, err
	}
	// The --check rules, shown as warnings once for every platform; with
	// a check of error=true, they fail the build before anything is solved.
	if err := lintBuild(ctx, s, lintOptions(bc), src, srcs); err != nil {
		return nil, err
	}
	epoch, err := sourceDateEpoch(ctx, bc)
	if err != nil {
		return nil, err
	}

	builder := &platformBuilder{c: c, bc: bc, src: src, srcs: srcs, spec: s, epoch: epoch}
	builder.compiled = sync.OnceValues(func() ([]*llbgen.Result, error) { return builder.compile(ctx) })
	rb, err := bc.Build(ctx, builder.build)
	if err != nil {
		return nil, err
	}
	return rb.Finalize()
}

// lintOptions are the lint options of the client's request.
func lintOptions(bc *dockerui.Client) speclint.Options {
	opt := speclint.Options{BuildArgs: bc.BuildArgs, Target: bc.Target, Platforms: bc.TargetPlatforms}
	if len(bc.BuildPlatforms) > 0 {
		opt.BuildPlatform = &bc.BuildPlatforms[0]
	}
	return opt
}

// useSpecPlatforms builds for the spec's platforms list when the client did
// not ask for platforms, removes platforms the client named twice, and
// checks the size of the build (spec.CheckBuildSize).
func useSpecPlatforms(bc *dockerui.Client, s *spec.Spec, srcs specSources) error {
	if len(bc.TargetPlatforms) == 0 && len(s.Platforms) > 0 {
		ps, err := specPlatforms(s)
		if err != nil {
			return withSpecSource(err, srcs)
		}
		bc.TargetPlatforms = ps
		if len(ps) > 1 {
			bc.MultiPlatformRequested = true
		}
	}
	bc.TargetPlatforms = uniquePlatforms(bc.TargetPlatforms)
	if err := checkBuildSize(s, bc.Target, bc.TargetPlatforms); err != nil {
		return withSpecSource(err, srcs)
	}
	return nil
}

// specPlatforms parses the spec's platforms list, which Parse checked.
func specPlatforms(s *spec.Spec) ([]ocispecs.Platform, error) {
	var ps []ocispecs.Platform
	for _, v := range s.Platforms {
		p, err := platforms.Parse(v.Value)
		if err != nil {
			return nil, spec.ErrorList{{Filename: s.Filename, Pos: v.Pos, Msg: fmt.Sprintf("platforms: %q is not a platform", v.Value), Expected: "os/arch[/variant] such as linux/arm64"}}
		}
		ps = append(ps, platforms.Normalize(p))
	}
	return uniquePlatforms(ps), nil
}

// uniquePlatforms returns ps without the platforms named twice, in order.
func uniquePlatforms(ps []ocispecs.Platform) []ocispecs.Platform {
	seen := map[string]bool{}
	out := ps[:0:0]
	for _, p := range ps {
		key := platforms.FormatAll(platforms.Normalize(p))
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	return out
}

// checkBuildSize checks the number of platforms and stages of the build of
// target for ps (one platform, the build platform, when ps is empty).
func checkBuildSize(s *spec.Spec, target string, ps []ocispecs.Platform) error {
	return s.CheckBuildSize(target, max(len(ps), 1))
}

// platformBuilder compiles the target for every platform at once, so that
// the platforms share the stages they have in common, and solves it for one
// platform at a time.
type platformBuilder struct {
	c        client.Client
	bc       *dockerui.Client
	src      *dockerui.Source
	srcs     specSources
	spec     *spec.Spec
	epoch    *time.Time
	compiled func() ([]*llbgen.Result, error) // compile, once
}

// targetPlatforms are the platforms dockerui's Build calls build for, in
// its order.
func (b *platformBuilder) targetPlatforms() []ocispecs.Platform {
	if len(b.bc.TargetPlatforms) == 0 {
		return []ocispecs.Platform{b.bc.BuildPlatforms[0]}
	}
	return b.bc.TargetPlatforms
}

func (b *platformBuilder) compile(ctx context.Context) ([]*llbgen.Result, error) {
	guards, err := guardImage(b.c)
	if err != nil {
		return nil, err
	}
	opt := llbgen.Options{
		GuardImage:      guards,
		Target:          b.bc.Target,
		BuildPlatform:   b.bc.BuildPlatforms[0],
		BuildArgs:       b.bc.BuildArgs,
		Labels:          b.bc.Labels,
		Contexts:        buildContexts{bc: b.bc},
		MetaResolver:    b.c,
		ResolveMode:     b.bc.ImageResolveMode,
		SourceMap:       b.src.SourceMap,
		IncludedSources: b.srcs.included,
		Epoch:           b.epoch,
		CacheNamespace:  b.bc.CacheIDNamespace,
		NoCache:         b.bc.IsNoCache,
		Run: llbgen.RunDefaults{
			NetworkMode:    b.bc.NetworkMode,
			ExtraHosts:     b.bc.ExtraHosts,
			Ulimits:        b.bc.Ulimits,
			ShmSize:        b.bc.ShmSize,
			CgroupParent:   b.bc.CgroupParent,
			Hostname:       b.bc.Hostname,
			LinuxResources: b.bc.LinuxResources,
		},
	}
	rs, err := llbgen.CompileEach(ctx, b.spec, opt, b.targetPlatforms())
	if err != nil {
		return nil, withSpecSource(err, b.srcs)
	}
	return rs, nil
}

// guardImage is the frontend's own image, to run the arch guards in, or nil
// when the frontend does not run from an image (a client's Build in its own
// process).
func guardImage(c client.Client) (*llbgen.GuardImage, error) {
	cf, ok := c.(interface{ CurrentFrontend() (*llb.State, error) })
	if !ok {
		return nil, nil
	}
	st, err := cf.CurrentFrontend()
	if err != nil || st == nil {
		return nil, err
	}
	return &llbgen.GuardImage{State: *st, Binary: frontendBinary}, nil
}

func (b *platformBuilder) build(ctx context.Context, platform *ocispecs.Platform, idx int) (res *dockerui.BuildResult, err error) {
	target := b.bc.BuildPlatforms[0]
	if platform != nil {
		target = *platform
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("mstage: internal error while building for %s: %v\n%s",
				platforms.Format(target), r, debug.Stack())
		}
	}()

	rs, err := b.compiled()
	if err != nil {
		return nil, err
	}
	r := rs[idx]

	s := solver{c: b.c, cacheImports: b.bc.CacheImports, sources: b.srcs}
	ref, err := s.solveVerified(ctx, r)
	if err != nil {
		return nil, err
	}
	epoch := r.Epoch
	if epoch == nil {
		epoch = b.epoch
	}
	return &dockerui.BuildResult{
		Reference: ref,
		Image:     r.Image,
		BaseImage: r.BaseImage,
		Epoch:     epoch,
	}, nil
}
