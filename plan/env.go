package plan

import (
	"strings"

	"github.com/moby/buildkit/util/system"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// ImageEnv is the env a stage starts with on an image whose config env is
// env: that env, with BuildKit's default PATH when it sets none, as a
// Dockerfile's FROM gives it.
func ImageEnv(env []string, p ocispecs.Platform) []string {
	if p.OS == "windows" || lookupEnv(env, "PATH") {
		return env
	}
	return append(env[:len(env):len(env)], "PATH="+system.DefaultPathEnv(p.OS))
}

func lookupEnv(env []string, key string) bool {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			return true
		}
	}
	return false
}

// setEnv returns env with key set to value, in place of an earlier value.
func setEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}

// expandIn sets in.Stage to the stage expanded on the env it starts with,
// as a Dockerfile's ENV, WORKDIR, USER and COPY see the env of the image
// and of the stages before them. Only a stage that references a variable
// needs that env, so only then is an image config looked up.
func (r *resolver) expandIn(in *Instance) error {
	written := r.src.Stage(in.Name())
	if !written.HasVars() {
		return nil
	}
	env, err := r.startEnv(in)
	if err != nil {
		return err
	}
	st, err := r.expander(in.BuiltFor).In(in.Name(), env)
	if err != nil {
		return err
	}
	in.Stage = st
	return nil
}

// startEnv is the env in's own values see: its base's final env, or its
// image's, then what its preset adds.
func (r *resolver) startEnv(in *Instance) ([]string, error) {
	var env []string
	if in.Base != nil {
		base, err := r.env(in.Base)
		if err != nil {
			return nil, err
		}
		env = base
	} else {
		img, err := r.imageEnv(in)
		if err != nil {
			return nil, err
		}
		env = img
	}
	for _, e := range in.PresetEnv {
		env = setEnv(env, e.Name, e.Value)
	}
	return env, nil
}

// env is the env in's steps run with and the stages built on it start
// with: startEnv with the stage's env set.
func (r *resolver) env(in *Instance) ([]string, error) {
	if in.env != nil {
		return *in.env, nil
	}
	env, err := r.startEnv(in)
	if err != nil {
		return nil, err
	}
	for _, kv := range in.Stage.Env {
		env = setEnv(env, kv.Key, kv.Value)
	}
	in.env = &env
	return env, nil
}

func (r *resolver) imageEnv(in *Instance) ([]string, error) {
	if in.Image == "" || in.Image == scratchImage || r.req.ImageConfig == nil {
		return ImageEnv(nil, in.RunsOn), nil
	}
	cfg, err := r.req.ImageConfig(in.Image, in.RunsOn, in.Stage.At("image"))
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		return ImageEnv(nil, in.RunsOn), nil
	}
	return ImageEnv(cfg.Env, in.RunsOn), nil
}
