package main

import (
	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// specPlatforms returns the spec's platforms list, parsed; validation has
// checked them.
func specPlatforms(s *spec.Spec) []ocispecs.Platform {
	var out []ocispecs.Platform
	for _, v := range s.Platforms {
		if p, err := platforms.Parse(v.Value); err == nil {
			out = append(out, platforms.Normalize(p))
		}
	}
	return out
}

// resolvePlan resolves target for the spec's platforms. The CLI builds
// nothing, so the build platform stands apart from every target.
func resolvePlan(s *spec.Spec, target string, buildArgs map[string]string) (*plan.Plan, error) {
	return plan.Resolve(plan.Request{
		Spec:            s,
		Target:          target,
		TargetPlatforms: specPlatforms(s),
		BuildPlatform:   plan.PlaceholderBuildPlatform(),
		BuildArgs:       buildArgs,
	})
}
