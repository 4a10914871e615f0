package plan

import (
	"slices"

	"github.com/containerd/platforms"

	"github.com/mstage/mstage/spec"
)

// withSetup inserts the run step that prepares in's builder, running on
// in.RunsOn, to build for in.BuiltFor, if its preset has one. A setup that
// depends on the target goes just before the first step that does, after
// the native ones every platform shares; a native one goes first. It runs
// as root, whatever the stage's user, since it installs packages, and
// mounts only the preset's caches limited to commands it calls (apt's).
func (r *resolver) withSetup(in *Instance, steps []Step) ([]Step, error) {
	p := in.Preset
	if p == nil || p.Setup == nil {
		return steps, nil
	}
	pos := in.Stage.At("builder")
	script, err := p.Setup(in.RunsOn, in.BuiltFor)
	if err != nil {
		return nil, r.errorAt(pos, err.Error(), "a target platform the "+p.Name+" preset builds for")
	}
	if script == "" {
		return steps, nil
	}
	setup := Step{
		Spec:    &spec.Step{Node: spec.Node{Pos: pos}, Run: &spec.Command{Shell: script, Pos: pos}, User: "0"},
		Display: p.Name + " preset: setup",
		Preset:  p.Name,
		Native:  p.TargetEnv == nil,
		Setup:   true,
	}
	if !setup.Native {
		setup.Display += " for " + platforms.Format(in.BuiltFor)
	}
	at := 0
	if !setup.Native {
		if at = slices.IndexFunc(steps, func(s Step) bool { return !s.Native }); at < 0 {
			at = len(steps)
		}
	}
	return slices.Insert(steps, at, setup), nil
}
