package llbgen

import (
	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// compileTarget compiles the target of b, its gates and its guards.
func (c *compiler) compileTarget(b *plan.Build) (*Result, error) {
	inst, err := c.instance(b.Target)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Stage:     inst.plan.Stage,
		State:     inst.out,
		BaseImage: cloneImage(inst.base),
		Epoch:     &c.epoch,
	}
	for _, g := range b.Gates {
		need, err := c.instance(g)
		if err != nil {
			return nil, err
		}
		res.Gates = append(res.Gates, Gate{Stage: g.Name(), State: need.out})
	}
	for _, g := range b.Guards {
		art, err := c.instance(g.Instance)
		if err != nil {
			return nil, err
		}
		res.Guards = append(res.Guards, c.guard(g, art.out))
	}
	img := cloneImage(&inst.fs.img)
	platform := inst.plan.RunsOn
	if inst.plan.Stage.Kind == spec.KindArtifact && len(inst.plan.Stage.Outputs) > 0 {
		// The outputs are all the target gets; they are built for BuiltFor.
		e := emptyImage(inst.plan.BuiltFor)
		img = &e
		platform = inst.plan.BuiltFor
		res.BaseImage = nil
	}
	if img.OS == "" || img.Architecture == "" {
		img.OS, img.Architecture, img.Variant = platform.OS, platform.Architecture, platform.Variant
	}
	mergeLabels(img, c.opt.Labels)
	res.Image = img
	return res, nil
}
