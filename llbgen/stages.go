package llbgen

import (
	"strings"

	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// instance is one plan instance compiled.
type instance struct {
	plan *plan.Instance
	// fs is the stage's filesystem: a builder's or a runtime's, or for an
	// artifact the builder's filesystem after the artifact's steps.
	fs fsState
	// out is what other stages copy from: fs, or an artifact's outputs.
	out  llb.State
	base *dockerspec.DockerOCIImage
	// runtime only
	scratch   bool   // the runtime (or the one it extends) starts from scratch
	passwdFor string // the user the generated /etc/passwd names
}

// instance compiles pi, once.
func (c *compiler) instance(pi *plan.Instance) (*instance, error) {
	if inst, ok := c.instances[pi]; ok {
		return inst, nil
	}
	inst := &instance{plan: pi}
	var err error
	switch pi.Kind() {
	case spec.KindBuilder:
		err = c.builder(inst)
	case spec.KindArtifact:
		err = c.artifact(inst)
	case spec.KindRuntime:
		err = c.runtime(inst)
	default:
		err = c.errorAt(pi.Stage.Pos, "stage %q has unknown kind %q", pi.Name(), pi.Kind())
	}
	if err != nil {
		return nil, err
	}
	c.instances[pi] = inst
	return inst, nil
}

// start gives inst the filesystem of its base instance, or of its image.
func (c *compiler) start(inst *instance) error {
	pi := inst.plan
	if pi.Base != nil {
		parent, err := c.instance(pi.Base)
		if err != nil {
			return err
		}
		inst.fs = parent.fs.clone()
		inst.base = parent.base
		inst.scratch = parent.scratch
		inst.passwdFor = parent.passwdFor
		return nil
	}
	var err error
	inst.fs, inst.base, err = c.baseState(pi.Image, pi.RunsOn, pi.Name(), pi.Stage.At("image"))
	inst.scratch = pi.Image == scratchImage
	return err
}

func (c *compiler) builder(inst *instance) error {
	b := inst.plan.Stage
	if err := c.start(inst); err != nil {
		return err
	}
	for _, e := range inst.plan.PresetEnv {
		inst.fs.setEnv(e.Name, e.Value)
	}
	names := &namer{stage: b.Name, total: len(b.Steps)}
	if b.Workdir != "" {
		names.total++
	}
	sc := &stepCtx{inst: inst, names: names}
	c.applyStageConfig(sc, b)
	if err := c.runSteps(sc, inst.plan.Steps); err != nil {
		return err
	}
	inst.out = inst.fs.st
	return nil
}

func (c *compiler) artifact(inst *instance) error {
	a := inst.plan.Stage
	if err := c.start(inst); err != nil {
		return err
	}
	names := &namer{stage: a.Name, total: len(inst.plan.Steps)}
	if a.Workdir != "" {
		names.total++
	}
	sc := &stepCtx{inst: inst, names: names}
	sc.targetEnv = inst.plan.TargetEnv
	steps, err := c.sharedArtifactSteps(sc)
	if err != nil {
		return err
	}
	if err := c.runSteps(sc, steps); err != nil {
		return err
	}
	inst.out = inst.fs.st
	if len(a.Outputs) > 0 {
		inst.out = c.collectOutputs(inst)
	}
	return nil
}

// sharedSteps is the state after the steps that the instances of a stage
// share (plan.Instance.SharedSteps), kept by the instance that builds them.
type sharedSteps struct {
	fs    fsState
	named int // ops the namer has numbered
}

// sharedArtifactSteps applies an artifact's stage settings and the steps it
// shares with its stage's other instances, or takes them from the instance
// that built them, and returns the steps left to run.
func (c *compiler) sharedArtifactSteps(sc *stepCtx) ([]plan.Step, error) {
	pi := sc.inst.plan
	if done, ok := c.shared[pi.StepsOf]; ok {
		sc.inst.fs = done.fs.clone()
		sc.names.n = done.named
		return pi.Steps[pi.SharedSteps:], nil
	}
	c.applyStageConfig(sc, pi.Stage)
	if pi.SharedSteps == 0 {
		return pi.Steps, nil
	}
	if err := c.runEach(sc, pi.Steps[:pi.SharedSteps]); err != nil {
		return nil, err
	}
	c.shared[pi.StepsOf] = sharedSteps{fs: sc.inst.fs.clone(), named: sc.names.n}
	return pi.Steps[pi.SharedSteps:], nil
}

// collectOutputs places each output at the root of an empty filesystem by
// its base name; an output ending in "/" contributes its contents.
func (c *compiler) collectOutputs(inst *instance) llb.State {
	a := inst.plan.Stage
	var action *llb.FileAction
	var shown []string
	for _, o := range a.Outputs {
		dest := plan.OutputPath(o.Value)
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
	return llb.Scratch().File(action, c.constraints(inst.plan.RunsOn, plainName(a.Name, "OUTPUTS "+strings.Join(shown, " ")), pos)...)
}

func (c *compiler) runtime(inst *instance) error {
	if err := c.start(inst); err != nil {
		return err
	}
	if err := c.buildRuntime(inst); err != nil {
		return err
	}
	inst.out = inst.fs.st
	return nil
}
