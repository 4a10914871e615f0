package lint

import (
	"context"

	"github.com/containerd/platforms"
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
	contexts := llbgen.LocalContexts{Names: s.ContextNames()}
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
