package plan

import (
	"path"
	"strings"

	"github.com/mstage/mstage/spec"
)

// absPath resolves p against in's working directory. The working directory
// is worked out only for a relative p, so an image config is looked up only
// when a relative path depends on it.
func (r *resolver) absPath(in *Instance, p string, pos spec.Pos) (string, error) {
	if strings.HasPrefix(p, "/") {
		return AbsPath("/", p), nil
	}
	wd, err := r.workdir(in, pos)
	if err != nil {
		return "", err
	}
	return AbsPath(wd, p), nil
}

// workdir is the working directory of in's steps: its workdir resolved
// against the one it starts from (its base's, or its image's).
func (r *resolver) workdir(in *Instance, pos spec.Pos) (string, error) {
	if in.workdir != nil {
		return *in.workdir, nil
	}
	wd := in.Stage.Workdir
	if !strings.HasPrefix(wd, "/") {
		base, err := r.baseWorkdir(in, pos)
		if err != nil {
			return "", err
		}
		if wd == "" {
			wd = base
		} else {
			wd = StageWorkdir(base, wd)
		}
	}
	wd = StageWorkdir("/", wd)
	in.workdir = &wd
	return wd, nil
}

func (r *resolver) baseWorkdir(in *Instance, pos spec.Pos) (string, error) {
	if in.Base != nil {
		return r.workdir(in.Base, pos)
	}
	if in.Image == "" || in.Image == scratchImage || r.req.ImageConfig == nil {
		return "/", nil
	}
	cfg, err := r.req.ImageConfig(in.Image, in.RunsOn, in.Stage.At("image"))
	if err != nil || cfg == nil || cfg.WorkingDir == "" {
		return "/", err
	}
	return cfg.WorkingDir, nil
}

// StageWorkdir resolves a stage's workdir against the working directory it
// starts from, without a trailing slash.
func StageWorkdir(base, workdir string) string {
	wd := strings.TrimSuffix(AbsPath(base, workdir), "/")
	if wd == "" {
		return "/"
	}
	return wd
}

// AbsPath resolves p against the working directory wd, keeping a trailing
// slash, which means "into this directory" for a copy destination.
func AbsPath(wd, p string) string {
	if p == "" {
		p = "."
	}
	trailing := strings.HasSuffix(p, "/")
	if !strings.HasPrefix(p, "/") {
		p = wd + "/" + p
	}
	p = path.Clean(p)
	if trailing && p != "/" {
		p += "/"
	}
	return p
}
