package plan

import (
	"fmt"
	"slices"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// scratchImage is the image reference of an empty filesystem.
const scratchImage = "scratch"

// builderAt resolves builder name for target platform tp. runsOn, when
// set, forces where it runs: a builder extended by another runs where the
// other one runs, and is built for the other one's platform.
func (r *resolver) builderAt(name string, tp ocispecs.Platform, runsOn *ocispecs.Platform, pos spec.Pos) (*Instance, error) {
	b, err := r.base(name, tp)
	if err != nil {
		return nil, err
	}
	if b == nil || b.Kind != spec.KindBuilder {
		return nil, r.errorAt(pos, fmt.Sprintf("%q is not a builder", name), "the name of a builder")
	}
	ps, err := r.builderPreset(name)
	if err != nil {
		return nil, err
	}
	builtFor := tp
	if runsOn == nil {
		p, err := r.platformOf(builderSelector(b, ps), tp, b.At("platform"))
		if err != nil {
			return nil, err
		}
		builtFor, runsOn = p, &p
		if b, err = r.base(name, builtFor); err != nil {
			return nil, err
		}
	}
	key := newInstanceKey(spec.KindBuilder, name, builtFor, *runsOn)
	if in, ok := r.known(key); ok {
		return in, nil
	}
	leave, err := r.enter(key, name, pos)
	if err != nil {
		return nil, err
	}
	defer leave()

	in := &Instance{key: key, Stage: b, BuiltFor: builtFor, RunsOn: *runsOn, Variables: r.variables(builtFor), Preset: ps}
	if b.From != "" {
		if in.Base, err = r.builderAt(b.From, builtFor, runsOn, b.At("from")); err != nil {
			return nil, err
		}
	} else {
		in.Image = b.Image
	}
	in.PresetEnv = presetEnv(b, ps)
	if err := r.expandIn(in); err != nil {
		return nil, err
	}
	if in.Steps, err = r.steps(in, plainSteps(in.Stage.Steps)); err != nil {
		return nil, err
	}
	r.add(in)
	return in, nil
}

func (r *resolver) artifactAt(name string, tp ocispecs.Platform, pos spec.Pos) (*Instance, error) {
	a, err := r.base(name, tp)
	if err != nil {
		return nil, err
	}
	if a == nil || a.Kind != spec.KindArtifact {
		return nil, r.errorAt(pos, fmt.Sprintf("%q is not an artifact", name), "the name of an artifact")
	}
	sel := artifactSelector(a)
	builtFor := tp
	switch sel {
	case spec.PlatformBuild:
		builtFor = r.plan.BuildPlatform
		if a, err = r.base(name, builtFor); err != nil {
			return nil, err
		}
	case spec.PlatformTarget:
	default:
		return nil, r.errorAt(a.At("platform"), fmt.Sprintf("invalid artifact platform %q", a.Platform), "build or target")
	}
	b, err := r.builderAt(a.Builder, builtFor, nil, a.At("builder"))
	if err != nil {
		return nil, err
	}
	key := newInstanceKey(spec.KindArtifact, name, builtFor, b.RunsOn)
	if in, ok := r.known(key); ok {
		return in, nil
	}
	leave, err := r.enter(key, name, pos)
	if err != nil {
		return nil, err
	}
	defer leave()

	in := &Instance{key: key, Stage: a, BuiltFor: builtFor, RunsOn: b.RunsOn, Variables: r.variables(builtFor), Preset: b.Preset, Base: b}
	in.TargetEnv = targetEnv(a, sel, b.Preset, builtFor)
	if err := r.expandIn(in); err != nil {
		return nil, err
	}
	if in.Steps, err = r.steps(in, manifestsFirst(in.Stage.Steps, b.Preset)); err != nil {
		return nil, err
	}
	markNativeCopies(in.Steps)
	if err := r.needs(in, builtFor); err != nil {
		return nil, err
	}
	r.add(in)
	return in, nil
}

func (r *resolver) runtimeAt(name string, tp ocispecs.Platform, pos spec.Pos) (*Instance, error) {
	rt, err := r.base(name, tp)
	if err != nil {
		return nil, err
	}
	if rt == nil || rt.Kind != spec.KindRuntime {
		return nil, r.errorAt(pos, fmt.Sprintf("%q is not a runtime", name), "the name of a runtime")
	}
	key := newInstanceKey(spec.KindRuntime, name, tp, tp)
	if in, ok := r.known(key); ok {
		return in, nil
	}
	leave, err := r.enter(key, name, pos)
	if err != nil {
		return nil, err
	}
	defer leave()

	in := &Instance{key: key, Stage: rt, BuiltFor: tp, RunsOn: tp, Variables: r.variables(tp)}
	if rt.From != "" {
		if in.Base, err = r.runtimeAt(rt.From, tp, rt.At("from")); err != nil {
			return nil, err
		}
		in.Guards = slices.Clone(in.Base.Guards)
	} else {
		in.Image = rt.Image
		if in.Image == "" {
			in.Image = scratchImage
		}
	}
	if err := r.expandIn(in); err != nil {
		return nil, err
	}
	if in.Steps, err = r.steps(in, plainSteps(in.Stage.Steps)); err != nil {
		return nil, err
	}
	for _, cp := range in.Stage.Copy {
		src, err := r.copySource(in, cp)
		if err != nil {
			return nil, err
		}
		link, err := r.copyLink(cp, true)
		if err != nil {
			return nil, err
		}
		in.CopyEntries = append(in.CopyEntries, CopyEntry{Copy: cp, Source: src, Link: link})
		if err := r.guardCopy(in, cp, cp.Pos); err != nil {
			return nil, err
		}
	}
	if err := r.needs(in, tp); err != nil {
		return nil, err
	}
	r.add(in)
	return in, nil
}
