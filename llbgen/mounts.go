package llbgen

import (
	"fmt"
	"path"
	"slices"

	"github.com/moby/buildkit/client/llb"

	"github.com/mstage/mstage/spec"
)

// mounts returns the run options for a step's mounts, followed by the
// preset's cache mounts whose targets the step does not mount itself.
func (c *compiler) mounts(sc *stepCtx, step *spec.Step) ([]llb.RunOption, error) {
	var opts []llb.RunOption
	var targets []string
	sshIndex := 0
	for _, m := range step.Mounts {
		var o llb.RunOption
		var err error
		switch m.Type {
		case spec.MountCache:
			o, err = c.cacheMount(sc, m)
		case spec.MountSecret:
			o, err = c.secretMount(m)
		case spec.MountSSH:
			o, err = c.sshMount(m, sshIndex)
			sshIndex++
		case spec.MountTmpfs:
			o, err = c.tmpfsMount(m)
		case spec.MountBind:
			o, err = c.bindMount(sc, m)
		default:
			err = c.errorAt(m.Pos, "unknown mount type %q; expected cache, secret, ssh, tmpfs or bind", m.Type)
		}
		if err != nil {
			return nil, err
		}
		opts = append(opts, o)
		if m.Target != "" {
			targets = append(targets, path.Clean(sc.inst.fs.absPath(m.Target)))
		}
	}
	for _, cm := range sc.caches {
		if slices.Contains(targets, path.Clean(cm.Target)) {
			continue
		}
		id, err := CacheID(c.opt.CacheNamespace, "mstage", c.projectName(), cm.Name)
		if err != nil {
			return nil, c.errorAt(c.src.At("name"), "%v", err)
		}
		opts = append(opts, llb.AddMount(cm.Target, llb.Scratch(),
			llb.AsPersistentCacheDir(id, cacheSharing(cm.Sharing))))
	}
	return opts, nil
}

func cacheSharing(s string) llb.CacheMountSharingMode {
	switch s {
	case "private":
		return llb.CacheMountPrivate
	case "locked":
		return llb.CacheMountLocked
	}
	return llb.CacheMountShared
}

func (c *compiler) cacheMount(sc *stepCtx, m *spec.Mount) (llb.RunOption, error) {
	target := sc.inst.fs.absPath(m.Target)
	id := m.ID
	if id == "" {
		id = target
	}
	switch m.Sharing {
	case "", "shared", "private", "locked":
	default:
		return nil, c.errorAt(m.At("sharing"), "unknown cache sharing %q; expected shared, private or locked", m.Sharing)
	}
	cacheID, err := CacheID(c.opt.CacheNamespace, id)
	if err != nil {
		return nil, c.errorAt(m.At("id"), "%v", err)
	}
	src := llb.Scratch()
	opts := []llb.MountOption{llb.AsPersistentCacheDir(cacheID, cacheSharing(m.Sharing))}
	if m.UID != nil || m.GID != nil || m.Mode != "" {
		mode, err := parseMode(m.Mode, 0o755)
		if err != nil {
			return nil, c.errorAt(m.At("mode"), "%v", err)
		}
		uid, gid := intOr(m.UID, 0), intOr(m.GID, 0)
		// The cache starts as a directory with the requested owner and
		// mode, as RUN --mount=type=cache,uid=... does.
		src = llb.Scratch().File(llb.Mkdir("/cache", mode, llb.WithUIDGID(uid, gid), llb.WithCreatedTime(c.epoch)),
			c.constraints(sc.inst.exec, plainName(sc.inst.stage.Name, "cache "+target), m.Pos)...)
		opts = append(opts, llb.SourcePath("/cache"))
	}
	return llb.AddMount(target, src, opts...), nil
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func (c *compiler) secretMount(m *spec.Mount) (llb.RunOption, error) {
	id := m.ID
	if id == "" {
		return nil, c.errorAt(m.Pos, "secret mount without an id")
	}
	mode, err := parseMode(m.Mode, 0o400)
	if err != nil {
		return nil, c.errorAt(m.At("mode"), "%v", err)
	}
	var opts []llb.SecretOption
	if !m.Required {
		opts = append(opts, llb.SecretOptional)
	}
	if m.Env != "" {
		opts = append(opts, llb.SecretAsEnvName(m.Env))
		if m.Target == "" {
			return llb.AddSecretWithDest(id, nil, opts...), nil
		}
	}
	target := m.Target
	if target == "" {
		target = "/run/secrets/" + id
	}
	opts = append(opts, llb.SecretID(id), llb.SecretFileOpt(intOr(m.UID, 0), intOr(m.GID, 0), int(mode)))
	return llb.AddSecret(target, opts...), nil
}

func (c *compiler) sshMount(m *spec.Mount, index int) (llb.RunOption, error) {
	id := m.ID
	if id == "" {
		id = "default"
	}
	mode, err := parseMode(m.Mode, 0o600)
	if err != nil {
		return nil, c.errorAt(m.At("mode"), "%v", err)
	}
	target := m.Target
	if target == "" {
		target = fmt.Sprintf("/run/buildkit/ssh_agent.%d", index)
	}
	opts := []llb.SSHOption{llb.SSHID(id), llb.SSHSocketOpt(target, intOr(m.UID, 0), intOr(m.GID, 0), int(mode))}
	if !m.Required {
		opts = append(opts, llb.SSHOptional)
	}
	return llb.AddSSHSocket(opts...), nil
}

func (c *compiler) tmpfsMount(m *spec.Mount) (llb.RunOption, error) {
	var opts []llb.TmpfsOption
	if m.Size != "" {
		n, err := spec.ParseSize(m.Size)
		if err != nil {
			return nil, c.errorAt(m.At("size"), "invalid tmpfs size %q: %v; expected a size such as 64m", m.Size, err)
		}
		opts = append(opts, llb.TmpfsSize(n))
	}
	return llb.AddMount(m.Target, llb.Scratch(), llb.Tmpfs(opts...)), nil
}

func (c *compiler) bindMount(sc *stepCtx, m *spec.Mount) (llb.RunOption, error) {
	var src llb.State
	var err error
	switch {
	case m.Artifact != "":
		src, err = c.stageOutput(m.Artifact, sc.inst.vars, m.At("artifact"))
	case m.Stage != "":
		src, err = c.stageOutput(m.Stage, sc.inst.vars, m.At("stage"))
	case m.Context != "":
		src, err = c.namedContext(m.Context, sc.inst.vars, m.At("context"))
	default:
		src, err = c.mainContext(m.Pos)
	}
	if err != nil {
		return nil, err
	}
	target := sc.inst.fs.absPath(m.Target)
	var opts []llb.MountOption
	if m.Src != "" {
		opts = append(opts, llb.SourcePath(m.Src))
	}
	if !m.ReadWrite {
		opts = append(opts, llb.Readonly)
	}
	return llb.AddMount(target, src, opts...), nil
}
