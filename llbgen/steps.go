package llbgen

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

// historyComment marks the history entries mstage writes.
const historyComment = "mstage"

// stepCtx is what the steps of one stage instance share.
type stepCtx struct {
	inst  *instance
	names *namer
	// targetEnv is the cross-compiling preset's target environment, set
	// before the first step that is not native.
	targetEnv []preset.EnvVar
}

func (c *compiler) history(fs *fsState, createdBy string, layer bool) {
	fs.img.History = append(fs.img.History, ocispecs.History{
		Created:    &c.epoch,
		CreatedBy:  createdBy,
		Comment:    historyComment,
		EmptyLayer: !layer,
	})
}

// applyStageConfig applies a stage's env, user and workdir, in that order,
// so that a created workdir belongs to the stage's user.
func (c *compiler) applyStageConfig(sc *stepCtx, st *spec.Stage) {
	fs := &sc.inst.fs
	for _, kv := range st.Env {
		fs.setEnv(kv.Key, kv.Value)
		c.history(fs, fmt.Sprintf("ENV %s=%s", kv.Key, kv.Value), false)
	}
	if st.User != "" {
		fs.setUser(st.User)
		c.history(fs, "USER "+st.User, false)
	}
	if st.Workdir != "" {
		wd := plan.StageWorkdir(fs.workdir(), st.Workdir)
		fs.st = fs.st.Dir(wd)
		fs.img.Config.WorkingDir = wd
		layer := wd != "/"
		if layer {
			opts := []llb.MkdirOption{llb.WithParents(true), llb.WithCreatedTime(c.epoch)}
			if u := fs.img.Config.User; u != "" {
				opts = append(opts, llb.WithUser(u))
			}
			fs.st = fs.st.File(llb.Mkdir(wd, 0o755, opts...), c.constraints(sc.inst.plan.RunsOn, sc.names.next("WORKDIR "+wd), st.At("workdir"))...)
		}
		c.history(fs, "WORKDIR "+wd, layer)
	}
}

// runSteps runs steps and sets the target environment, before the first
// step that is not native or at the end.
func (c *compiler) runSteps(sc *stepCtx, steps []plan.Step) error {
	if err := c.runEach(sc, steps); err != nil {
		return err
	}
	for _, e := range sc.targetEnv {
		sc.inst.fs.setEnv(e.Name, e.Value)
	}
	sc.targetEnv = nil
	return nil
}

// runEach runs steps, setting the target environment before the first one
// that is not native.
func (c *compiler) runEach(sc *stepCtx, steps []plan.Step) error {
	for _, ps := range steps {
		if !ps.Native {
			for _, e := range sc.targetEnv {
				sc.inst.fs.setEnv(e.Name, e.Value)
			}
			sc.targetEnv = nil
		}
		var err error
		if ps.Spec.Run != nil {
			err = c.runStep(sc, ps)
		} else {
			err = c.copyStep(sc, ps.Spec.Copy, ps.Source, ps.Spec.Pos, ps.Link, ps)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// commandArgs is the argv of a run step or of an image's entrypoint and cmd:
// a shell string runs through /bin/sh -c.
func commandArgs(cmd *spec.Command) []string {
	if cmd.IsShell() {
		return []string{"/bin/sh", "-c", cmd.Shell}
	}
	return append([]string(nil), cmd.Args...)
}

// commandText shows a command the way a Dockerfile shows RUN: the shell
// string, or the argv as a JSON array.
func commandText(cmd *spec.Command) string {
	if cmd.IsShell() {
		return cmd.Shell
	}
	dt, _ := json.Marshal(cmd.Args)
	return string(dt)
}

var proxyArgs = []string{"HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"}

func (c *compiler) runStep(sc *stepCtx, ps plan.Step) error {
	step := ps.Spec
	fs := &sc.inst.fs
	text := commandText(step.Run)
	if ps.Display != "" {
		text = ps.Display
	}
	name := sc.names.next("RUN " + text)
	opts := []llb.RunOption{llb.Args(commandArgs(step.Run))}
	for _, o := range c.constraints(sc.inst.plan.RunsOn, name, step.Pos) {
		opts = append(opts, o)
	}
	if sc.inst.plan.IgnoreCache {
		opts = append(opts, llb.IgnoreCache)
	}

	variables := sc.inst.plan.Variables
	for _, v := range stepVars(step.Run, sc.inst.plan.Stage.Args, variables) {
		if _, set := fs.getEnv(v); set || hasKey(step.Env, v) {
			continue
		}
		opts = append(opts, llb.AddEnv(v, variables[v]))
	}
	for _, kv := range step.Env {
		opts = append(opts, llb.AddEnv(kv.Key, kv.Value))
	}
	if step.Workdir != "" {
		opts = append(opts, llb.Dir(plan.AbsPath(fs.workdir(), step.Workdir)))
	}
	if step.User != "" {
		opts = append(opts, llb.User(step.User))
	}
	switch step.Network {
	case "", "default":
	case "none":
		opts = append(opts, llb.Network(pb.NetMode_NONE))
	case "host":
		opts = append(opts, llb.Network(pb.NetMode_HOST))
	default:
		return c.errorAt(step.At("network"), "unknown network %q; expected default, none or host", step.Network)
	}

	mountOpts, err := c.mounts(sc, ps)
	if err != nil {
		return err
	}
	opts = append(opts, mountOpts...)
	opts = append(opts, c.runDefaults()...)

	fs.st = fs.st.Run(opts...).Root()
	c.history(fs, "RUN "+text, true)
	return nil
}

// runDefaults are the client's run options, applied as dockerfile2llb
// applies them.
func (c *compiler) runDefaults() []llb.RunOption {
	run := c.opt.Run
	var opts []llb.RunOption
	for _, u := range run.Ulimits {
		opts = append(opts, llb.AddUlimit(llb.UlimitName(u.Name), u.Soft, u.Hard))
	}
	for _, h := range run.ExtraHosts {
		opts = append(opts, llb.AddExtraHost(h.Host, h.IP))
	}
	if run.ShmSize > 0 {
		opts = append(opts, llb.AddMount("/dev/shm", llb.Scratch(), llb.Tmpfs(llb.TmpfsSize(run.ShmSize))))
	}
	if run.CgroupParent != "" {
		opts = append(opts, llb.WithCgroupParent(run.CgroupParent))
	}
	if r := run.LinuxResources; r != nil {
		opts = append(opts, llb.WithLinuxResources(llb.LinuxResources{
			Memory:     r.Memory,
			MemorySwap: r.MemorySwap,
			CPUShares:  r.CpuShares,
			CPUPeriod:  r.CpuPeriod,
			CPUQuota:   r.CpuQuota,
			CpusetCpus: r.CpusetCpus,
			CpusetMems: r.CpusetMems,
		}))
	}
	if proxy, ok := c.proxyEnv(); ok {
		opts = append(opts, llb.WithProxy(proxy))
	}
	return opts
}

// proxyEnv passes the proxy build args to run steps without making them
// part of the cache key, as BuildKit does for a Dockerfile.
func (c *compiler) proxyEnv() (llb.ProxyEnv, bool) {
	get := func(name string) string {
		if v, ok := c.opt.BuildArgs[name]; ok {
			return v
		}
		return c.opt.BuildArgs[strings.ToLower(name)]
	}
	p := llb.ProxyEnv{
		HTTPProxy:  get(proxyArgs[0]),
		HTTPSProxy: get(proxyArgs[1]),
		FTPProxy:   get(proxyArgs[2]),
		NoProxy:    get(proxyArgs[3]),
		AllProxy:   get(proxyArgs[4]),
	}
	return p, p != (llb.ProxyEnv{})
}

// parseMode parses a mount's octal mode with spec's parser; def is the
// mode when none is written.
func parseMode(s string, def os.FileMode) (os.FileMode, error) {
	if s == "" {
		return def, nil
	}
	m, err := spec.ParseMode(s)
	if err != nil {
		return 0, fmt.Errorf("invalid mode %q: %v", s, err)
	}
	return m, nil
}

func hasKey(kvs []spec.KV, k string) bool {
	return slices.ContainsFunc(kvs, func(kv spec.KV) bool { return kv.Key == k })
}
