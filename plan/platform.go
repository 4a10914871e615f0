package plan

import (
	"fmt"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

// PlaceholderBuildPlatform stands for the build platform when it is not
// known (mstage lint, outline and graph build nothing): a platform that is
// none of the targets, so what runs on it shows as running elsewhere.
func PlaceholderBuildPlatform() ocispecs.Platform {
	return ocispecs.Platform{OS: "linux", Architecture: "build-platform"}
}

// builderSelector is a builder's platform selector with its default: its
// own platform, else build when its preset cross-compiles or its outputs
// are portable, else target.
// The platform is not inherited through from: a builder extended by another
// runs where the other one runs.
func builderSelector(b *spec.Stage, p *preset.Preset) string {
	switch {
	case b.Platform != "":
		return b.Platform
	case p != nil && (p.CrossCompiles || p.PortableOutputs):
		return spec.PlatformBuild
	}
	return spec.PlatformTarget
}

// artifactSelector is an artifact's platform selector with its default:
// target when it has outputs, build when it is a check without outputs.
func artifactSelector(a *spec.Stage) string {
	switch {
	case a.Platform != "":
		return a.Platform
	case len(a.Outputs) > 0:
		return spec.PlatformTarget
	}
	return spec.PlatformBuild
}

// platformOf resolves a platform selector for target platform tp.
func (r *resolver) platformOf(sel string, tp ocispecs.Platform, pos spec.Pos) (ocispecs.Platform, error) {
	switch sel {
	case spec.PlatformBuild:
		return r.plan.BuildPlatform, nil
	case spec.PlatformTarget, "":
		return tp, nil
	}
	p, err := platforms.Parse(sel)
	if err != nil {
		return ocispecs.Platform{}, r.errorAt(pos, fmt.Sprintf("invalid platform %q: %v", sel, err), "build, target or os/arch[/variant]")
	}
	return platforms.Normalize(p), nil
}
