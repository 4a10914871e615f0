package llbgen

import (
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// output is what a copy or a bind mount sees of an instance: a builder's or
// a runtime's filesystem, or an artifact's outputs.
func (c *compiler) output(pi *plan.Instance) (llb.State, error) {
	inst, err := c.instance(pi)
	if err != nil {
		return llb.State{}, err
	}
	return inst.out, nil
}

func (c *compiler) mainContext(pos spec.Pos) (llb.State, error) {
	if c.opt.Contexts == nil {
		return llb.State{}, c.errorAt(pos, "no build context")
	}
	st, err := c.opt.Contexts.Main(c.ctx)
	if err != nil {
		return llb.State{}, c.errorAt(pos, "loading the build context: %v", err)
	}
	return st, nil
}

func (c *compiler) namedContext(name string, p ocispecs.Platform, pos spec.Pos) (llb.State, error) {
	if c.opt.Contexts != nil {
		st, _, err := c.opt.Contexts.Named(c.ctx, name, p)
		if err != nil {
			return llb.State{}, c.errorAt(pos, "loading named context %q: %v", name, err)
		}
		if st != nil {
			return *st, nil
		}
	}
	return llb.State{}, c.errorAt(pos, "named context %q is not set; pass it with --build-context %s=<source>", name, name)
}
