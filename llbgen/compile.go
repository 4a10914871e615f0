package llbgen

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// Compile turns the target stage of s into LLB for opt.TargetPlatform: it
// resolves the build's plan (package plan decides where each stage runs,
// what it is built for, its mounts, gates and guards) and translates it.
//
// Without opt.Epoch the epoch is the Unix epoch: images are reproducible by
// default.
func Compile(ctx context.Context, s *spec.Spec, opt Options) (*Result, error) {
	res, err := CompileEach(ctx, s, opt, []ocispecs.Platform{opt.TargetPlatform})
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// CompileEach compiles the target for each of targets (opt.TargetPlatform
// is ignored), as Compile compiles it for one, from one plan: a stage
// instance that several platforms share, such as a builder on the build
// platform, is compiled once and its LLB state is the same in every
// result. The targets compile in parallel; the error, if any, is the one
// the first failing target (by the order of targets) meets. The results share vertices, which BuildKit's llb marshals under a
// lock, so they may be marshalled at once.
func CompileEach(ctx context.Context, s *spec.Spec, opt Options, targets []ocispecs.Platform) ([]*Result, error) {
	if s == nil {
		return nil, fmt.Errorf("llbgen: no spec")
	}
	c := newCompiler(ctx, s, opt)
	ps := make([]ocispecs.Platform, len(targets))
	for i, p := range targets {
		ps[i] = platforms.Normalize(p)
	}
	p, err := plan.Resolve(plan.Request{
		Spec:            s,
		Target:          opt.Target,
		TargetPlatforms: ps,
		BuildPlatform:   c.opt.BuildPlatform,
		BuildArgs:       opt.BuildArgs,
		CacheNamespace:  opt.CacheNamespace,
		NoCache:         opt.NoCache,
		ImageConfig:     c.imageConfig,
	})
	if err != nil {
		return nil, err
	}
	if len(p.Builds) > 1 {
		c.prefetchImages(p.Instances)
	}
	out, err := c.compileTargets(p.Builds)
	if err != nil {
		return nil, err
	}
	settleInputs(ctx, out)
	return out, nil
}

// compileTargets compiles the builds' targets, as many at once as there
// are processors: the instances they share are compiled once (see memo).
// The error is the first build's, by the order of builds, so that it does
// not depend on which goroutine gets there first; each build's compile
// meets its first error as it would alone, since an instance compiles to
// the same state or error whichever build asks.
func (c *compiler) compileTargets(builds []*plan.Build) ([]*Result, error) {
	out := make([]*Result, len(builds))
	errs := make([]error, len(builds))
	panics := make([]any, len(builds))
	compile := func(i int) {
		defer func() {
			if r := recover(); r != nil {
				panics[i] = fmt.Sprintf("%v\n%s", r, debug.Stack())
			}
		}()
		out[i], errs[i] = c.compileTarget(builds[i])
	}
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(builds) {
				return
			}
			compile(i)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(builds))
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	// A panic goes on in the caller's goroutine, as it did when the compile
	// ran there: the frontend turns it into the build's error. It comes
	// first: a build that waited on the instance that panicked has an error.
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// prefetchImages resolves the images the instances start from, all at
// once: one compile for every platform would otherwise resolve them one
// after the other, where a compile per platform resolved each platform's
// in parallel. A failure is left for the compile to report where it meets
// the image.
func (c *compiler) prefetchImages(instances []*plan.Instance) {
	type image struct {
		ref string
		p   ocispecs.Platform
		pos spec.Pos
	}
	var todo []image
	seen := map[string]bool{}
	for _, in := range instances {
		if in.Image == "" || in.Image == scratchImage {
			continue
		}
		key := in.Image + " " + platforms.FormatAll(in.RunsOn)
		if seen[key] {
			continue
		}
		seen[key] = true
		todo = append(todo, image{in.Image, in.RunsOn, in.Stage.At("image")})
	}
	if len(todo) < 2 {
		return
	}
	var wg sync.WaitGroup
	limit := make(chan struct{}, 8)
	for _, im := range todo {
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			_, _ = c.resolveImage(im.ref, im.p, im.pos)
		})
	}
	wg.Wait()
}

// compiler holds the state of one Compile call. Its goroutines share it:
// memo is all they write to.
type compiler struct {
	ctx   context.Context
	src   *spec.Spec
	opt   Options
	epoch time.Time

	memo *memo
}

func newCompiler(ctx context.Context, s *spec.Spec, opt Options) *compiler {
	epoch := time.Unix(0, 0).UTC()
	if opt.Epoch != nil {
		epoch = opt.Epoch.UTC()
	}
	opt.TargetPlatform = platforms.Normalize(opt.TargetPlatform)
	opt.BuildPlatform = platforms.Normalize(opt.BuildPlatform)
	return &compiler{
		ctx:   ctx,
		src:   s,
		opt:   opt,
		epoch: epoch,
		memo:  newMemo(),
	}
}

// ImageConfig returns what a plan.Request needs to look image configs up
// as Compile does (named contexts first, then opt.MetaResolver), so that a
// plan resolved without compiling (the outline) agrees with the LLB.
func ImageConfig(ctx context.Context, s *spec.Spec, opt Options) plan.ImageConfigFunc {
	return newCompiler(ctx, s, opt).imageConfig
}

// imageConfig is the config of image ref for platform p, for the plan.
func (c *compiler) imageConfig(ref string, p ocispecs.Platform, pos spec.Pos) (*ocispecs.ImageConfig, error) {
	r, err := c.resolveImage(ref, p, pos)
	if err != nil || r.config == nil {
		return nil, err
	}
	return &r.config.Config.ImageConfig, nil
}

// errorAt is a spec.Error at pos, so that the frontend shows the offending
// line as it does for parse errors. A "; expected ..." part of the message
// becomes the error's Expected.
func (c *compiler) errorAt(pos spec.Pos, format string, a ...any) error {
	name := c.src.Filename
	if name == "" {
		name = "mstage.yaml"
	}
	msg, expected, _ := strings.Cut(fmt.Sprintf(format, a...), "; expected ")
	return &spec.Error{Filename: name, Pos: pos, Msg: msg, Expected: expected}
}
