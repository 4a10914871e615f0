package llbgen

import (
	"github.com/moby/buildkit/client/llb"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// mounts returns the run options of a step's mounts, as the plan resolved
// them.
func (c *compiler) mounts(sc *stepCtx, step plan.Step) ([]llb.RunOption, error) {
	opts := make([]llb.RunOption, 0, len(step.Mounts))
	for _, m := range step.Mounts {
		var o llb.RunOption
		var err error
		switch m.Type {
		case spec.MountCache:
			o, err = c.cacheMount(sc, m)
		case spec.MountSecret:
			o, err = c.secretMount(m)
		case spec.MountSSH:
			o, err = c.sshMount(m)
		case spec.MountTmpfs:
			o, err = c.tmpfsMount(m.Spec)
		case spec.MountBind:
			o, err = c.bindMount(sc, m)
		}
		if err != nil {
			return nil, err
		}
		opts = append(opts, o)
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

func (c *compiler) cacheMount(sc *stepCtx, pm plan.Mount) (llb.RunOption, error) {
	src := llb.Scratch()
	opts := []llb.MountOption{llb.AsPersistentCacheDir(pm.ID, cacheSharing(pm.Sharing))}
	if seeded, err := c.mountSource(sc, pm); err != nil || seeded != nil {
		// BuildKit copies the source (at src) into the cache when it
		// creates it; the spec forbids mode, uid and gid then.
		if err != nil {
			return nil, err
		}
		if m := pm.Spec; m.Src != "" {
			opts = append(opts, llb.SourcePath(m.Src))
		}
		return llb.AddMount(pm.Target, *seeded, opts...), nil
	}
	if m := pm.Spec; m != nil && (m.UID != nil || m.GID != nil || m.Mode != "") {
		mode, err := parseMode(m.Mode, 0o755)
		if err != nil {
			return nil, c.errorAt(m.At("mode"), "%v", err)
		}
		uid, gid := intOr(m.UID, 0), intOr(m.GID, 0)
		// The cache starts as a directory with the requested owner and
		// mode, as RUN --mount=type=cache,uid=... does.
		src = llb.Scratch().File(llb.Mkdir("/cache", mode, llb.WithUIDGID(uid, gid), llb.WithCreatedTime(c.epoch)),
			c.constraints(sc.inst.plan.RunsOn, plainName(sc.inst.plan.Name(), "cache "+pm.Target), m.Pos)...)
		opts = append(opts, llb.SourcePath("/cache"))
	}
	return llb.AddMount(pm.Target, src, opts...), nil
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func (c *compiler) secretMount(pm plan.Mount) (llb.RunOption, error) {
	m := pm.Spec
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
		if pm.Target == "" {
			return llb.AddSecretWithDest(pm.ID, nil, opts...), nil
		}
	}
	opts = append(opts, llb.SecretID(pm.ID), llb.SecretFileOpt(intOr(m.UID, 0), intOr(m.GID, 0), int(mode)))
	return llb.AddSecret(pm.Target, opts...), nil
}

func (c *compiler) sshMount(pm plan.Mount) (llb.RunOption, error) {
	m := pm.Spec
	mode, err := parseMode(m.Mode, 0o600)
	if err != nil {
		return nil, c.errorAt(m.At("mode"), "%v", err)
	}
	opts := []llb.SSHOption{llb.SSHID(pm.ID), llb.SSHSocketOpt(pm.Target, intOr(m.UID, 0), intOr(m.GID, 0), int(mode))}
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

func (c *compiler) bindMount(sc *stepCtx, pm plan.Mount) (llb.RunOption, error) {
	m := pm.Spec
	var src llb.State
	seeded, err := c.mountSource(sc, pm)
	switch {
	case err != nil:
	case seeded != nil:
		src = *seeded
	case m.Context != "":
		src, err = c.namedContext(m.Context, sc.inst.plan.BuiltFor, m.At("context"))
	case m.URL != "":
		// The mount is a directory that holds the one downloaded file.
		src, _, err = c.urlSource(sc, m.Node, m.URL, m.SHA256, m.Filename, spec.Mode{}, false)
	case m.Git != "":
		src, err = c.gitSource(sc, m.GitSource())
	default:
		src, err = c.mainContext(m.Pos)
	}
	if err != nil {
		return nil, err
	}
	var opts []llb.MountOption
	if m.Src != "" {
		opts = append(opts, llb.SourcePath(m.Src))
	}
	if !m.ReadWrite {
		opts = append(opts, llb.Readonly)
	}
	return llb.AddMount(pm.Target, src, opts...), nil
}

// mountSource is the stage, artifact or image a bind or cache mount reads,
// or nil when it names none of them.
func (c *compiler) mountSource(sc *stepCtx, pm plan.Mount) (*llb.State, error) {
	var st llb.State
	var err error
	switch {
	case pm.Source != nil:
		st, err = c.output(pm.Source)
	case pm.Spec != nil && pm.Spec.Image != "":
		st, err = c.imageSource(sc, pm.Spec.Image, pm.Spec.At("image"))
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &st, nil
}
