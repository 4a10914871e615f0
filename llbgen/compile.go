package llbgen

import (
	"context"
	"fmt"
	"strings"
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
	if s == nil {
		return nil, fmt.Errorf("llbgen: no spec")
	}
	c := newCompiler(ctx, s, opt)
	p, err := plan.Resolve(plan.Request{
		Spec:            s,
		Target:          opt.Target,
		TargetPlatforms: []ocispecs.Platform{c.opt.TargetPlatform},
		BuildPlatform:   c.opt.BuildPlatform,
		BuildArgs:       opt.BuildArgs,
		CacheNamespace:  opt.CacheNamespace,
		ImageConfig:     c.imageConfig,
	})
	if err != nil {
		return nil, err
	}
	c.warnUndeclaredArgs(p.UndeclaredArgs)
	return c.compileTarget(p.Builds[0])
}

// compiler holds the state of one Compile call.
type compiler struct {
	ctx   context.Context
	src   *spec.Spec
	opt   Options
	epoch time.Time

	instances map[*plan.Instance]*instance
	images    map[string]*resolvedImage
}

func newCompiler(ctx context.Context, s *spec.Spec, opt Options) *compiler {
	epoch := time.Unix(0, 0).UTC()
	if opt.Epoch != nil {
		epoch = opt.Epoch.UTC()
	}
	opt.TargetPlatform = platforms.Normalize(opt.TargetPlatform)
	opt.BuildPlatform = platforms.Normalize(opt.BuildPlatform)
	return &compiler{
		ctx:       ctx,
		src:       s,
		opt:       opt,
		epoch:     epoch,
		instances: map[*plan.Instance]*instance{},
		images:    map[string]*resolvedImage{},
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

func (c *compiler) warnUndeclaredArgs(undeclared []string) {
	if c.opt.Warn == nil || c.opt.NoArgWarnings {
		return
	}
	for _, name := range undeclared {
		c.opt.Warn(c.src.At("args"), fmt.Sprintf("build arg %q is not declared in args; it has no effect", name))
	}
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
