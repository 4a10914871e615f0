package llbgen

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

// instance is one stage compiled for one platform.
type instance struct {
	stage *spec.Stage // expanded for vars
	vars  ocispecs.Platform
	exec  ocispecs.Platform // where its ops run
	// fs is the stage's filesystem: a builder's or a runtime's, or for an
	// artifact the builder's filesystem after the artifact's steps.
	fs fsState
	// out is what other stages copy from: fs, or an artifact's outputs.
	out    llb.State
	base   *dockerspec.DockerOCIImage
	preset *preset.Preset
	// runtime only
	scratch   bool   // the runtime (or the one it extends) starts from scratch
	passwdFor string // the user the generated /etc/passwd names
	guards    []ArchGuard
}

func instanceKey(kind spec.Kind, name string, vars, exec ocispecs.Platform) string {
	return fmt.Sprintf("%s/%s/%s/%s", kind, name, platforms.FormatAll(vars), platforms.FormatAll(exec))
}

// stageAt compiles the stage name for target platform tp.
func (c *compiler) stageAt(name string, tp ocispecs.Platform, pos spec.Pos) (*instance, error) {
	st := c.src.Stage(name)
	if st == nil {
		return nil, c.errorAt(pos, "unknown stage %q; stages: %s", name, strings.Join(stageNames(c.src), ", "))
	}
	switch st.Kind {
	case spec.KindBuilder:
		return c.builderAt(name, tp, nil, pos)
	case spec.KindArtifact:
		return c.artifactAt(name, tp, pos)
	case spec.KindRuntime:
		return c.runtimeAt(name, tp, pos)
	}
	return nil, c.errorAt(pos, "stage %q has unknown kind %q", name, st.Kind)
}

// enter guards against dependency cycles, which validation should have
// rejected already.
func (c *compiler) enter(key, name string, pos spec.Pos) (func(), error) {
	if c.building[key] {
		return nil, c.errorAt(pos, "stage %q depends on itself", name)
	}
	c.building[key] = true
	return func() { delete(c.building, key) }, nil
}

// builderPreset returns the preset of builder name, inherited through from.
func (c *compiler) builderPreset(name string) (*preset.Preset, error) {
	seen := map[string]bool{}
	for b := c.src.Stage(name); b != nil && !seen[b.Name]; b = c.src.Stage(b.From) {
		seen[b.Name] = true
		if b.Preset != "" {
			p, err := c.presetOf(b.Preset)
			if err != nil {
				return nil, c.errorAt(b.At("preset"), "%v", err)
			}
			return p, nil
		}
		if b.From == "" {
			break
		}
	}
	return nil, nil
}

// platformOf resolves a stage's platform selector for target tp: it
// returns the platform the stage's variables describe and its ops run on.
func (c *compiler) platformOf(sel string, tp ocispecs.Platform, pos spec.Pos) (ocispecs.Platform, error) {
	switch sel {
	case spec.PlatformBuild:
		return c.opt.BuildPlatform, nil
	case spec.PlatformTarget, "":
		return tp, nil
	}
	p, err := platforms.Parse(sel)
	if err != nil {
		return ocispecs.Platform{}, c.errorAt(pos, "invalid platform %q: %v; expected build, target or os/arch[/variant]", sel, err)
	}
	return platforms.Normalize(p), nil
}

// builderAt compiles builder name. exec, when set, forces the platform it
// runs on (a builder extended by another runs where the other one runs).
func (c *compiler) builderAt(name string, tp ocispecs.Platform, exec *ocispecs.Platform, pos spec.Pos) (*instance, error) {
	b, err := c.stageFor(name, tp)
	if err != nil {
		return nil, err
	}
	if b == nil || b.Kind != spec.KindBuilder {
		return nil, c.errorAt(pos, "%q is not a builder", name)
	}
	ps, err := c.builderPreset(name)
	if err != nil {
		return nil, err
	}
	vars := tp
	if exec == nil {
		sel := b.Platform
		if sel == "" {
			sel = spec.PlatformTarget
			if ps != nil && ps.CrossCompiles {
				sel = spec.PlatformBuild
			}
		}
		p, err := c.platformOf(sel, tp, b.At("platform"))
		if err != nil {
			return nil, err
		}
		vars, exec = p, &p
		if b, err = c.stageFor(name, vars); err != nil {
			return nil, err
		}
	}
	key := instanceKey(spec.KindBuilder, name, vars, *exec)
	if inst, ok := c.instances[key]; ok {
		return inst, nil
	}
	leave, err := c.enter(key, name, pos)
	if err != nil {
		return nil, err
	}
	defer leave()

	inst := &instance{stage: b, vars: vars, exec: *exec, preset: ps}
	if b.From != "" {
		parent, err := c.builderAt(b.From, vars, exec, b.At("from"))
		if err != nil {
			return nil, err
		}
		inst.fs = parent.fs.clone()
		inst.base = parent.base
	} else {
		inst.fs, inst.base, err = c.baseState(b.Image, *exec, name, b.At("image"))
		if err != nil {
			return nil, err
		}
	}
	if b.Preset != "" && ps != nil {
		for _, e := range ps.DefaultEnv {
			if !hasKey(b.Env, e.Name) {
				inst.fs.setEnv(e.Name, e.Value)
			}
		}
	}
	if b, err = c.stageIn(name, vars, inst.fs.img.Config.Env); err != nil {
		return nil, err
	}
	inst.stage = b
	names := &namer{stage: name, total: len(b.Steps)}
	if b.Workdir != "" {
		names.total++
	}
	sc := c.newStepCtx(inst, names, false)
	if err := c.applyStageConfig(sc, b); err != nil {
		return nil, err
	}
	if err := c.runPlan(sc, plainPlan(b.Steps)); err != nil {
		return nil, err
	}
	inst.out = inst.fs.st
	c.instances[key] = inst
	return inst, nil
}

func hasKey(kvs []spec.KV, k string) bool {
	return slices.ContainsFunc(kvs, func(kv spec.KV) bool { return kv.Key == k })
}

// artifactPlatform is an artifact's platform selector with its default.
func artifactPlatform(a *spec.Stage) string {
	if a.Platform != "" {
		return a.Platform
	}
	if len(a.Outputs) > 0 {
		return spec.PlatformTarget
	}
	return spec.PlatformBuild
}

func (c *compiler) artifactAt(name string, tp ocispecs.Platform, pos spec.Pos) (*instance, error) {
	a, err := c.stageFor(name, tp)
	if err != nil {
		return nil, err
	}
	if a == nil || a.Kind != spec.KindArtifact {
		return nil, c.errorAt(pos, "%q is not an artifact", name)
	}
	sel := artifactPlatform(a)
	vars := tp
	switch sel {
	case spec.PlatformBuild:
		vars = c.opt.BuildPlatform
		if a, err = c.stageFor(name, vars); err != nil {
			return nil, err
		}
	case spec.PlatformTarget:
	default:
		return nil, c.errorAt(a.At("platform"), "invalid artifact platform %q; expected build or target", a.Platform)
	}
	b, err := c.builderAt(a.Builder, vars, nil, a.At("builder"))
	if err != nil {
		return nil, err
	}
	key := instanceKey(spec.KindArtifact, name, vars, b.exec)
	if inst, ok := c.instances[key]; ok {
		return inst, nil
	}
	leave, err := c.enter(key, name, pos)
	if err != nil {
		return nil, err
	}
	defer leave()

	inst := &instance{stage: a, vars: vars, exec: b.exec, preset: b.preset, fs: b.fs.clone(), base: b.base}
	if a, err = c.stageIn(name, vars, inst.fs.img.Config.Env); err != nil {
		return nil, err
	}
	inst.stage = a
	plan := c.manifestsFirst(a.Steps, b.preset)
	names := &namer{stage: name, total: len(plan)}
	if a.Workdir != "" {
		names.total++
	}
	sc := c.newStepCtx(inst, names, false)
	if sel == spec.PlatformTarget && b.preset != nil && b.preset.CrossCompiles && b.preset.TargetEnv != nil {
		for _, e := range b.preset.TargetEnv(vars) {
			if !hasKey(a.Env, e.Name) {
				sc.targetEnv = append(sc.targetEnv, e)
			}
		}
	}
	if err := c.applyStageConfig(sc, a); err != nil {
		return nil, err
	}
	if err := c.runPlan(sc, plan); err != nil {
		return nil, err
	}
	if err := c.addNeeds(a, vars); err != nil {
		return nil, err
	}
	inst.out = inst.fs.st
	if len(a.Outputs) > 0 {
		inst.out = c.collectOutputs(inst)
	}
	c.instances[key] = inst
	return inst, nil
}

// collectOutputs places each output at the root of an empty filesystem by
// its base name; an output ending in "/" contributes its contents.
func (c *compiler) collectOutputs(inst *instance) llb.State {
	a := inst.stage
	var action *llb.FileAction
	var shown []string
	for _, o := range a.Outputs {
		dest := outputPath(o.Value)
		info := &llb.CopyInfo{
			FollowSymlinks:      true,
			CopyDirContentsOnly: true,
			CreateDestPath:      true,
			CreatedTime:         &c.epoch,
		}
		if action == nil {
			action = llb.Copy(inst.fs.st, o.Value, dest, info)
		} else {
			action = action.Copy(inst.fs.st, o.Value, dest, info)
		}
		shown = append(shown, o.Value)
	}
	pos := a.At("outputs")
	return llb.Scratch().File(action, c.constraints(inst.exec, plainName(a.Name, "OUTPUTS "+strings.Join(shown, " ")), pos)...)
}

// outputPath is where an output lands in the artifact's filesystem.
func outputPath(o string) string {
	if strings.HasSuffix(o, "/") {
		return "/"
	}
	return "/" + path.Base(o)
}

// outputPaths are the paths the arch guard checks in an artifact's
// filesystem; "/" means every file.
func outputPaths(a *spec.Stage) []string {
	var paths []string
	for _, o := range a.Outputs {
		p := outputPath(o.Value)
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	return paths
}

func guarded(a *spec.Stage) bool {
	return len(a.Outputs) > 0 && (a.ArchGuard == nil || *a.ArchGuard)
}

func (c *compiler) runtimeAt(name string, tp ocispecs.Platform, pos spec.Pos) (*instance, error) {
	r, err := c.stageFor(name, tp)
	if err != nil {
		return nil, err
	}
	if r == nil || r.Kind != spec.KindRuntime {
		return nil, c.errorAt(pos, "%q is not a runtime", name)
	}
	key := instanceKey(spec.KindRuntime, name, tp, tp)
	if inst, ok := c.instances[key]; ok {
		return inst, nil
	}
	leave, err := c.enter(key, name, pos)
	if err != nil {
		return nil, err
	}
	defer leave()

	inst := &instance{stage: r, vars: tp, exec: tp}
	if r.From != "" {
		parent, err := c.runtimeAt(r.From, tp, r.At("from"))
		if err != nil {
			return nil, err
		}
		inst.fs = parent.fs.clone()
		inst.base = parent.base
		inst.scratch = parent.scratch
		inst.passwdFor = parent.passwdFor
		inst.guards = slices.Clone(parent.guards)
	} else {
		ref := r.Image
		if ref == "" {
			ref = scratchImage
		}
		inst.fs, inst.base, err = c.baseState(ref, tp, name, r.At("image"))
		if err != nil {
			return nil, err
		}
		inst.scratch = ref == scratchImage
	}
	if inst.stage, err = c.stageIn(name, tp, inst.fs.img.Config.Env); err != nil {
		return nil, err
	}
	if err := c.buildRuntime(inst); err != nil {
		return nil, err
	}
	if err := c.addNeeds(r, tp); err != nil {
		return nil, err
	}
	inst.out = inst.fs.st
	c.instances[key] = inst
	return inst, nil
}

// addNeeds compiles the stages st needs and records them as gates.
func (c *compiler) addNeeds(st *spec.Stage, tp ocispecs.Platform) error {
	for _, n := range st.Needs {
		need, err := c.stageAt(n.Value, tp, n.Pos)
		if err != nil {
			return err
		}
		key := instanceKey(need.stage.Kind, need.stage.Name, need.vars, need.exec)
		if c.gateSet[key] {
			continue
		}
		c.gateSet[key] = true
		c.gates = append(c.gates, Gate{Stage: need.stage.Name, State: need.out})
		if need.stage.Kind == spec.KindArtifact && guarded(need.stage) && artifactPlatform(need.stage) != spec.PlatformBuild {
			c.needGuards = append(c.needGuards, ArchGuard{
				Stage: need.stage.Name, Pos: need.stage.At("outputs"), State: need.out,
				Paths: outputPaths(need.stage), Platform: need.vars,
			})
		}
	}
	return nil
}
