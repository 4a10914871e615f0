package plan

import (
	"slices"

	"github.com/mstage/mstage/spec"
)

// withSetup inserts the run step that prepares in's preset toolchain to
// build for in's platform, if the preset has one. A step that depends on
// the target goes just before the first step that does, after the native
// ones every platform shares; a native one goes first.
func (r *resolver) withSetup(in *Instance, steps []Step) ([]Step, error) {
	p := in.Preset
	if p == nil || p.Setup == nil {
		return steps, nil
	}
	cmd := p.Setup(in.RunsOn, in.BuiltFor)
	if cmd == "" {
		return steps, nil
	}
	pos := in.Stage.At("builder")
	setup := Step{
		Spec:   &spec.Step{Node: spec.Node{Pos: pos}, Run: &spec.Command{Shell: cmd, Pos: pos}},
		Native: p.TargetEnv == nil,
	}
	for _, c := range p.SetupCaches {
		id, err := r.presetCacheID(c.Name)
		if err != nil {
			return nil, err
		}
		setup.Mounts = append(setup.Mounts, Mount{Type: spec.MountCache, Target: c.Target, ID: id, Sharing: c.Sharing, Preset: p.Name})
	}
	at := 0
	if !setup.Native {
		if at = slices.IndexFunc(steps, func(s Step) bool { return !s.Native }); at < 0 {
			at = len(steps)
		}
	}
	return slices.Insert(steps, at, setup), nil
}
