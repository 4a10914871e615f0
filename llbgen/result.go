package llbgen

import (
	"slices"

	"github.com/mstage/mstage/spec"
)

func (c *compiler) compileTarget(name string) (*Result, error) {
	tp := c.opt.TargetPlatform
	inst, err := c.stageAt(name, tp, spec.Pos{})
	if err != nil {
		return nil, err
	}
	res := &Result{
		Stage:     inst.stage,
		State:     inst.out,
		BaseImage: cloneImage(inst.base),
		Epoch:     &c.epoch,
		Gates:     c.gates,
	}
	img := cloneImage(&inst.fs.img)
	platform := inst.exec
	switch inst.stage.Kind {
	case spec.KindRuntime:
		res.Guards = append(res.Guards, inst.guards...)
	case spec.KindArtifact:
		if len(inst.stage.Outputs) > 0 {
			// The outputs are all the target gets; they are built for vars.
			e := emptyImage(inst.vars)
			img = &e
			platform = inst.vars
			res.BaseImage = nil
		}
		if guarded(inst.stage) {
			res.Guards = append(res.Guards, ArchGuard{
				Stage: inst.stage.Name, Pos: inst.stage.At("outputs"), State: inst.out,
				Paths: outputPaths(inst.stage), Platform: inst.vars,
			})
		}
	}
	for _, g := range c.needGuards {
		if !slices.ContainsFunc(res.Guards, func(h ArchGuard) bool { return h.Stage == g.Stage }) {
			res.Guards = append(res.Guards, g)
		}
	}
	if img.OS == "" || img.Architecture == "" {
		img.OS, img.Architecture, img.Variant = platform.OS, platform.Architecture, platform.Variant
	}
	mergeLabels(img, c.opt.Labels)
	res.Image = img
	return res, nil
}
