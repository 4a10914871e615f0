package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

// PresetOf returns the preset whose toolchain runs st's steps: a builder's
// own or inherited through from, an artifact's builder's. It returns nil
// for runtimes, for stages without a preset and for an unknown preset name,
// which validation rejects.
func PresetOf(s *spec.Spec, st *spec.Stage) *preset.Preset {
	_, p := presetSetBy(s, st)
	return p
}

// presetSetBy returns the preset of st and the builder that names it.
func presetSetBy(s *spec.Spec, st *spec.Stage) (*spec.Stage, *preset.Preset) {
	if st != nil && st.Kind == spec.KindArtifact {
		st = s.Stage(st.Builder)
	}
	if st == nil || st.Kind != spec.KindBuilder {
		return nil, nil
	}
	for _, c := range s.Chain(st) {
		if c.Preset != "" {
			p, _ := preset.Lookup(c.Preset)
			return c, p
		}
	}
	return nil, nil
}

// builderPreset is PresetOf for builder name, with an error for an unknown
// preset.
func (r *resolver) builderPreset(name string) (*preset.Preset, error) {
	by, p := presetSetBy(r.src, r.src.Stage(name))
	if by != nil && p == nil {
		return nil, r.errorAt(by.At("preset"), fmt.Sprintf("unknown preset %q", by.Preset), "one of "+strings.Join(preset.Names(), ", "))
	}
	return p, nil
}

// presetEnv is the default environment a builder that names a preset gets:
// the preset's defaults less what the builder's env sets.
func presetEnv(b *spec.Stage, p *preset.Preset) []preset.EnvVar {
	if b.Preset == "" || p == nil {
		return nil
	}
	var env []preset.EnvVar
	for _, e := range p.DefaultEnv {
		if !hasKey(b.Env, e.Name) {
			env = append(env, e)
		}
	}
	return env
}

// targetEnv is the environment that selects the target platform in an
// artifact built for it with a cross-compiling preset, less what the
// artifact's env sets.
func targetEnv(a *spec.Stage, sel string, p *preset.Preset, builtFor ocispecs.Platform) []preset.EnvVar {
	if sel != spec.PlatformTarget || p == nil || !p.CrossCompiles || p.TargetEnv == nil {
		return nil
	}
	var env []preset.EnvVar
	for _, e := range p.TargetEnv(builtFor) {
		if !hasKey(a.Env, e.Name) {
			env = append(env, e)
		}
	}
	return env
}

func hasKey(kvs []spec.KV, k string) bool {
	return slices.ContainsFunc(kvs, func(kv spec.KV) bool { return kv.Key == k })
}

// targetSetup is the step a preset with a TargetSetup inserts first in
// artifact in, built in builder b: it prepares b's filesystem to build for
// in.BuiltFor on b.RunsOn. It runs as root, whatever the stage's user, since
// it installs packages.
func (r *resolver) targetSetup(in, b *Instance) (*Step, error) {
	ps := b.Preset
	if ps == nil || ps.TargetSetup == nil {
		return nil, nil
	}
	script, err := ps.TargetSetup(in.BuiltFor, b.RunsOn)
	if err != nil {
		return nil, r.errorAt(in.Stage.At("builder"), err.Error(), "a target platform the "+ps.Name+" preset builds for")
	}
	a := in.Stage
	step := &spec.Step{Node: a.Node, Run: &spec.Command{Shell: script, Pos: a.At("builder")}, User: "0"}
	return &Step{Spec: step, Display: ps.Name + " preset: toolchain for " + platforms.Format(in.BuiltFor)}, nil
}
