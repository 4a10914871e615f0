package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/containerd/platforms"
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
		return nil, r.notA(spec.KindBuilder, name, tp, pos)
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
	if err := r.checkLimited(b, builtFor, pos); err != nil {
		return nil, err
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

	in := &Instance{key: key, Stage: b, BuiltFor: builtFor, RunsOn: *runsOn, Variables: r.variables(builtFor), Preset: ps, IgnoreCache: r.noCache(b.Name)}
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
	if in.Steps, err = r.steps(in, plainSteps(stepsFor(in.Stage.Steps, builtFor))); err != nil {
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
		return nil, r.notA(spec.KindArtifact, name, tp, pos)
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
	if err := r.checkLimited(a, builtFor, pos); err != nil {
		return nil, err
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

	in := &Instance{key: key, Stage: a, BuiltFor: builtFor, RunsOn: b.RunsOn, Variables: r.variables(builtFor), Preset: b.Preset, Base: b, IgnoreCache: r.noCache(a.Name)}
	in.TargetEnv = targetEnv(a, sel, b.Preset, builtFor)
	if err := r.expandIn(in); err != nil {
		return nil, err
	}
	steps, err := r.productionFirst(in.Stage, b.Preset, manifestsFirst(stepsFor(in.Stage.Steps, builtFor), b.Preset))
	if err != nil {
		return nil, err
	}
	if steps, err = r.withSetup(in, steps); err != nil {
		return nil, err
	}
	if in.Steps, err = r.steps(in, steps); err != nil {
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
		return nil, r.notA(spec.KindRuntime, name, tp, pos)
	}
	if err := r.checkLimited(rt, tp, pos); err != nil {
		return nil, err
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

	in := &Instance{key: key, Stage: rt, BuiltFor: tp, RunsOn: tp, Variables: r.variables(tp), IgnoreCache: r.noCache(rt.Name)}
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
	in.Scratch = scratchUser(in)
	if in.Steps, err = r.steps(in, plainSteps(stepsFor(in.Stage.Steps, tp))); err != nil {
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

// notA reports that a reference (pos) names no stage of kind. Validation
// checked the names written as they are, so name comes from a reference
// with ${VAR} expanded for platform p.
func (r *resolver) notA(kind spec.Kind, name string, p ocispecs.Platform, pos spec.Pos) *spec.Error {
	var names []string
	for _, st := range r.src.Stages() {
		if st.Kind == kind {
			names = append(names, st.Name)
		}
	}
	expected := fmt.Sprintf("a reference that expands to the name of %s for every platform it is built for", article(string(kind)))
	if st := r.src.Stage(name); st != nil {
		return &spec.Error{Filename: r.src.Filename, Pos: pos, Msg: fmt.Sprintf("the reference is %q for %s, which is %s, not %s", name, platforms.FormatAll(p), article(string(st.Kind)), article(string(kind))), Expected: expected}
	}
	return &spec.Error{Filename: r.src.Filename, Pos: pos, Msg: fmt.Sprintf("no %s named %q, what the reference is for %s", kind, name, platforms.FormatAll(p)), Expected: expected,
		Suggestion: spec.Suggest(name, names)}
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}
