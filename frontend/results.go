package frontend

import (
	"context"
	"fmt"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	speclint "github.com/mstage/mstage/lint"
	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// The answers to --call=targets, outline and check for a spec outside a
// build, for `mstage targets|outline|lint --format json`: the same types,
// made by the same code, as the frontend's answers.

// Targets answers --call=targets for s, parsed from data.
func Targets(s *spec.Spec, data []byte) *targets.List {
	return listTargets(s, data)
}

// Outline answers --call=outline for target (the default target when
// empty) when the client names no platforms: the spec's platforms are used.
func Outline(s *spec.Spec, target string, data []byte) (*outline.Outline, error) {
	var ps []ocispecs.Platform
	for _, v := range s.Platforms {
		p, err := platforms.Parse(v.Value)
		if err != nil {
			return nil, fmt.Errorf("%s:%s: platforms: %q is not a platform", s.Filename, v.Pos, v.Value)
		}
		ps = append(ps, platforms.Normalize(p))
	}
	return outlineOf(s, plan.Request{Target: target, TargetPlatforms: ps, BuildPlatform: plan.PlaceholderBuildPlatform()}, data)
}

// Lint answers --call=check for the spec file data named filename: a file
// that does not parse or whose target would not compile is the build error
// of the results; otherwise they hold the warnings of its rules.
func Lint(ctx context.Context, filename string, data []byte, opt speclint.Options) *lint.LintResults {
	sm := llb.NewSourceMap(nil, filename, "yaml", data)
	// No build, so no LLB of the file's source; results need one.
	sm.Definition = &llb.Definition{}
	s, err := spec.Load(filename, data, opt.Files)
	srcs := specSources{main: sm, included: includedMaps(s)}
	return lintSpec(ctx, s, withSpecSource(err, srcs), opt, srcs)
}
