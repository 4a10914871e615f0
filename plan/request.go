package plan

import (
	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// Request is what a build asks for.
type Request struct {
	Spec   *spec.Spec
	Target string // stage name; empty means the spec's default
	// TargetPlatforms are the platforms to build for; none means the
	// build platform.
	TargetPlatforms []ocispecs.Platform
	BuildPlatform   ocispecs.Platform
	BuildArgs       map[string]string
	CacheNamespace  string // BUILDKIT_CACHE_MOUNT_NS
	// ImageConfig returns the config of image ref for platform p, or nil
	// when it has none. It is asked only when the plan needs a value from
	// it (the working directory a relative mount target is resolved
	// against); when it is nil, images have no config.
	ImageConfig ImageConfigFunc
}

// ImageConfigFunc looks up the config of an image for a platform; pos is
// where the spec names the image, for errors. The plan only reads the
// config it returns.
type ImageConfigFunc func(ref string, p ocispecs.Platform, pos spec.Pos) (*ocispecs.ImageConfig, error)

// Resolve resolves req into a Plan. Every error is a *spec.Error or a
// spec.ErrorList positioned in the spec.
func Resolve(req Request) (*Plan, error) {
	s := req.Spec
	if s == nil {
		return nil, &spec.Error{Msg: "no spec"}
	}
	if len(s.Stages()) == 0 {
		return nil, &spec.Error{Filename: s.Filename, Pos: s.Pos, Msg: "the spec has no stages, so nothing to build",
			Expected: "at least one stage under builders, artifacts or runtimes"}
	}
	target, err := s.TargetStage(req.Target)
	if err != nil {
		return nil, err
	}
	values, undeclared, err := s.ArgValues(req.BuildArgs)
	if err != nil {
		return nil, err
	}
	p := &Plan{
		Spec:           s,
		Target:         target,
		ArgValues:      values,
		UndeclaredArgs: undeclared,
		BuildPlatform:  platforms.Normalize(req.BuildPlatform),
	}
	r := newResolver(req, p)
	tps := req.TargetPlatforms
	if len(tps) == 0 {
		tps = []ocispecs.Platform{p.BuildPlatform}
	}
	for _, tp := range tps {
		b, err := r.build(target.Name, platforms.Normalize(tp))
		if err != nil {
			return nil, err
		}
		p.Builds = append(p.Builds, b)
	}
	return p, nil
}

func stageNames(s *spec.Spec) []string {
	var names []string
	for _, st := range s.Stages() {
		names = append(names, st.Name)
	}
	return names
}
