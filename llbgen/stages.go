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
}

// instance compiles pi, once.
func (c *compiler) instance(pi *plan.Instance) (*instance, error) {
	inst, _, err := once(&c.memo.mu, c.memo.instances, pi, func() (*instance, error) {
		return c.compileInstance(pi)
	})
	return inst, err
}

func (c *compiler) compileInstance(pi *plan.Instance) (*instance, error) {
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
		return nil
	}
	var err error
	inst.fs, inst.base, err = c.baseState(pi.Image, pi.RunsOn, pi.Name(), pi.Stage.At("image"))
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
	sc := &stepCtx{inst: inst, names: artifactNamer(inst.plan), targetEnv: inst.plan.TargetEnv}
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
// share (plan.Instance.SharedSteps), built once for all of them.
type sharedSteps struct {
	fs    fsState
	named int // ops the namer has numbered
}

// sharedArtifactSteps gives sc the filesystem after an artifact's stage
// settings and the steps it shares with its stage's other instances, and
// returns the steps left to run.
func (c *compiler) sharedArtifactSteps(sc *stepCtx) ([]plan.Step, error) {
	pi := sc.inst.plan
	if pi.SharedSteps == 0 || pi.StepsOf == nil {
		c.applyStageConfig(sc, pi.Stage)
		return pi.Steps, nil
	}
	done, _, err := once(&c.memo.mu, c.memo.shared, pi.StepsOf, func() (sharedSteps, error) {
		return c.buildSharedSteps(pi.StepsOf)
	})
	if err != nil {
		return nil, err
	}
	sc.inst.fs = done.fs.clone()
	sc.names.n = done.named
	return pi.Steps[pi.SharedSteps:], nil
}

// buildSharedSteps builds the shared steps as their instance StepsOf
// builds them, whichever instance asks first, so that the LLB does not
// depend on which platform's compile gets there first.
func (c *compiler) buildSharedSteps(of *plan.Instance) (sharedSteps, error) {
	inst := &instance{plan: of}
	if err := c.start(inst); err != nil {
		return sharedSteps{}, err
	}
	sc := &stepCtx{inst: inst, names: artifactNamer(of), targetEnv: of.TargetEnv}
	c.applyStageConfig(sc, of.Stage)
	if err := c.runEach(sc, of.Steps[:of.SharedSteps]); err != nil {
		return sharedSteps{}, err
	}
	return sharedSteps{fs: inst.fs, named: sc.names.n}, nil
}

// artifactNamer numbers the ops of an artifact's instance.
func artifactNamer(pi *plan.Instance) *namer {
	names := &namer{stage: pi.Name(), total: len(pi.Steps)}
	if pi.Stage.Workdir != "" {
		names.total++
	}
	return names
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
