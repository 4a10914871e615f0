package plan

import (
	"fmt"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// resolver holds the state of one Resolve call.
type resolver struct {
	req  Request
	plan *Plan
	src  *spec.Spec

	expanders    map[platformKey]*spec.StageExpander // by the platform the variables describe
	variablesFor map[platformKey]map[string]string   // by the platform they describe
	instances    map[instanceKey]*Instance           // shared by the builds
	stepsOf      map[stepsKey]*Instance              // the instance that builds shared steps, see Instance.SharedSteps
	building     map[instanceKey]bool                // cycle guard
	project      string                              // projectName(src), once: it hashes every stage name

	// per build
	current  *Build
	gateSeen map[*Instance]bool
	// needGuards are the guards of the artifacts reached through needs.
	needGuards []Guard
}

func newResolver(req Request, p *Plan) *resolver {
	return &resolver{
		req:          req,
		plan:         p,
		src:          req.Spec,
		expanders:    map[platformKey]*spec.StageExpander{},
		variablesFor: map[platformKey]map[string]string{},
		instances:    map[instanceKey]*Instance{},
		stepsOf:      map[stepsKey]*Instance{},
		building:     map[instanceKey]bool{},
	}
}

// build resolves the target for target platform tp.
func (r *resolver) build(target string, tp ocispecs.Platform) (*Build, error) {
	r.current = &Build{Platform: tp}
	r.gateSeen = map[*Instance]bool{}
	r.needGuards = nil
	in, err := r.stageAt(target, tp, spec.Pos{})
	if err != nil {
		return nil, err
	}
	b := r.current
	b.Target = in
	b.Guards = targetGuards(in, r.needGuards)
	return b, nil
}

// instanceKey identifies an instance: its stage, the platform it is built
// for and the one it runs on.
type instanceKey struct {
	kind             spec.Kind
	name             string
	builtFor, runsOn platformKey
}

func newInstanceKey(kind spec.Kind, name string, builtFor, runsOn ocispecs.Platform) instanceKey {
	return instanceKey{kind: kind, name: name, builtFor: keyOf(builtFor), runsOn: keyOf(runsOn)}
}

// platformKey is a platform as a map key: what platforms.FormatAll
// shows of it, without formatting it.
type platformKey struct {
	os, arch, variant, osVersion, osFeatures string
}

func keyOf(p ocispecs.Platform) platformKey {
	return platformKey{os: p.OS, arch: p.Architecture, variant: p.Variant, osVersion: p.OSVersion, osFeatures: strings.Join(p.OSFeatures, "+")}
}

// known returns the instance of key if it was resolved already.
func (r *resolver) known(key instanceKey) (*Instance, bool) {
	in, ok := r.instances[key]
	return in, ok
}

// enter guards against dependency cycles, which validation rejects already.
func (r *resolver) enter(key instanceKey, name string, pos spec.Pos) (func(), error) {
	if r.building[key] {
		return nil, r.errorAt(pos, fmt.Sprintf("stage %q depends on itself", name), "")
	}
	r.building[key] = true
	return func() { delete(r.building, key) }, nil
}

// add records a new instance.
func (r *resolver) add(in *Instance) {
	written := r.src.Stage(in.Name())
	in.sameForEveryTarget = sameForEveryTarget(in, written)
	if n := nativePrefix(in); n > 0 {
		key := stepsKey{name: in.Name(), base: in.Base, runsOn: keyOf(in.RunsOn)}
		if first, ok := r.stepsOf[key]; !ok {
			r.stepsOf[key] = in
			in.SharedSteps, in.StepsOf = n, in
		} else if sameSteps(first, in, n) {
			in.SharedSteps, in.StepsOf = n, first
		}
	}
	r.instances[in.key] = in
	r.plan.Instances = append(r.plan.Instances, in)
}

// stageAt resolves the stage name for target platform tp.
func (r *resolver) stageAt(name string, tp ocispecs.Platform, pos spec.Pos) (*Instance, error) {
	st := r.src.Stage(name)
	if st == nil {
		return nil, &spec.Error{Filename: r.src.Filename, Pos: pos, Msg: fmt.Sprintf("unknown stage %q", name),
			Suggestion: spec.Suggest(name, stageNames(r.src))}
	}
	switch st.Kind {
	case spec.KindBuilder:
		return r.builderAt(name, tp, nil, pos)
	case spec.KindArtifact:
		return r.artifactAt(name, tp, pos)
	case spec.KindRuntime:
		return r.runtimeAt(name, tp, pos)
	}
	return nil, r.errorAt(pos, fmt.Sprintf("stage %q has unknown kind %q", name, st.Kind), "builder, artifact or runtime")
}

// base returns stage name with the values that choose its base (image,
// platform) expanded for builtFor; expandIn expands the rest once the env
// the stage starts with is known.
func (r *resolver) base(name string, builtFor ocispecs.Platform) (*spec.Stage, error) {
	return r.expander(builtFor).Base(name)
}

func (r *resolver) expander(builtFor ocispecs.Platform) *spec.StageExpander {
	key := keyOf(builtFor)
	x, ok := r.expanders[key]
	if !ok {
		x = spec.NewStageExpander(r.src, r.variables(builtFor))
		r.expanders[key] = x
	}
	return x
}

// variables are what the stages built for builtFor may reference: the args
// and the platform variables.
func (r *resolver) variables(builtFor ocispecs.Platform) map[string]string {
	key := keyOf(builtFor)
	if vars, ok := r.variablesFor[key]; ok {
		return vars
	}
	vars := make(map[string]string, len(r.plan.ArgValues)+8)
	for k, v := range r.plan.ArgValues {
		vars[k] = v
	}
	for k, v := range spec.PlatformVars(builtFor, r.plan.BuildPlatform) {
		vars[k] = v
	}
	r.variablesFor[key] = vars
	return vars
}

func (r *resolver) errorAt(pos spec.Pos, msg, expected string) *spec.Error {
	return &spec.Error{Filename: r.src.Filename, Pos: pos, Msg: msg, Expected: expected}
}

// noCache reports whether the build asked for stage to run without
// BuildKit's cache.
func (r *resolver) noCache(stage string) bool {
	return r.req.NoCache != nil && r.req.NoCache(stage)
}
