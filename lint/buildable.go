package lint

import (
	"context"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/llbgen"
	"github.com/mstage/mstage/spec"
)

// Buildable reports what would fail a build of s before anything runs, the
// way the frontend would: an unknown target, or a value that is invalid once
// the stages the target reaches are expanded and compiled (an image
// reference or path built from args, a chown that needs a user database,
// ...). It compiles the target with the frontend's compiler for each
// platform a build would use (opt.Platforms, else the spec's platforms, else
// this machine's), without resolving images. Named contexts the spec copies
// from count as given, since only the build's command line can give them.
func Buildable(ctx context.Context, s *spec.Spec, opt Options) error {
	st, err := s.TargetStage(opt.Target)
	if err != nil {
		return err
	}
	build := platforms.Normalize(platforms.DefaultSpec())
	if opt.BuildPlatform != nil {
		build = platforms.Normalize(*opt.BuildPlatform)
	}
	targets := opt.Platforms
	if len(targets) == 0 {
		for _, p := range s.Platforms {
			if pl, err := platforms.Parse(p.Value); err == nil {
				targets = append(targets, platforms.Normalize(pl))
			}
		}
	}
	if len(targets) == 0 {
		targets = []ocispecs.Platform{build}
	}
	contexts := specContexts{names: contextNames(s)}
	for _, p := range targets {
		_, err := llbgen.Compile(ctx, s, llbgen.Options{
			Target:         st.Name,
			TargetPlatform: p,
			BuildPlatform:  build,
			BuildArgs:      opt.BuildArgs,
			Contexts:       contexts,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// specContexts stands in for the build's contexts: the main context, and
// every named context the spec uses.
type specContexts struct {
	names map[string]bool
}

func (specContexts) Main(context.Context) (llb.State, error) {
	return llb.Local("context"), nil
}

func (c specContexts) Named(_ context.Context, name string, _ ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error) {
	if !c.names[name] {
		return nil, nil, nil
	}
	st := llb.Local(name)
	return &st, nil, nil
}

// contextNames returns the named contexts the spec copies or mounts from.
func contextNames(s *spec.Spec) map[string]bool {
	names := map[string]bool{}
	add := func(c *spec.Copy) {
		if c != nil && c.Context != "" {
			names[c.Context] = true
		}
	}
	for _, st := range s.Stages() {
		for _, c := range st.Copy {
			add(c)
		}
		for _, step := range st.Steps {
			add(step.Copy)
			for _, m := range step.Mounts {
				if m.Context != "" {
					names[m.Context] = true
				}
			}
		}
	}
	return names
}
