package plan

import (
	"slices"

	"github.com/mstage/mstage/spec"
)

func plainSteps(steps []*spec.Step) []Step {
	out := make([]Step, 0, len(steps))
	for _, s := range steps {
		out = append(out, Step{Spec: s})
	}
	return out
}

// steps resolves the copy sources and mounts of in's steps, in order.
func (r *resolver) steps(in *Instance, steps []Step) ([]Step, error) {
	for i := range steps {
		st := &steps[i]
		switch {
		case st.Spec.Copy != nil:
			src, err := r.copySource(in, st.Spec.Copy)
			if err != nil {
				return nil, err
			}
			st.Source = src
			if st.Link, err = r.copyLink(st.Spec.Copy, false); err != nil {
				return nil, err
			}
			if in.Kind() == spec.KindRuntime {
				if err := r.guardCopy(in, st.Spec.Copy, st.Spec.Pos); err != nil {
					return nil, err
				}
			}
		case st.Spec.Run != nil:
			mounts, err := r.mounts(in, st.Spec, st.Setup)
			if err != nil {
				return nil, err
			}
			st.Mounts = mounts
		default:
			return nil, r.errorAt(st.Spec.Pos, "step has neither run nor copy", "run or copy")
		}
	}
	return steps, nil
}

// copySource returns the instance a copy reads, or nil when it copies from
// a build context or an image.
func (r *resolver) copySource(in *Instance, cp *spec.Copy) (*Instance, error) {
	switch {
	case cp.Artifact != "":
		return r.stageAt(cp.Artifact, in.BuiltFor, cp.At("artifact"))
	case cp.Stage != "":
		return r.stageAt(cp.Stage, in.BuiltFor, cp.At("stage"))
	}
	return nil, nil
}

// guardCopy records that the outputs of the artifact cp copies end up in
// runtime in, so their ELF machine must match its platform.
func (r *resolver) guardCopy(in *Instance, cp *spec.Copy, pos spec.Pos) error {
	if cp.Artifact == "" {
		return nil
	}
	art, err := r.artifactAt(cp.Artifact, in.BuiltFor, cp.At("artifact"))
	if err != nil || !art.Guarded() {
		return err
	}
	if slices.ContainsFunc(in.Guards, func(g Guard) bool { return g.Instance.Name() == art.Name() }) {
		return nil
	}
	in.Guards = append(in.Guards, Guard{Instance: art, Pos: pos, Paths: outputPaths(art.Stage), Platform: in.BuiltFor})
	return nil
}
