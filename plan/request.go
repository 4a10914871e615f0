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
	// NoCache reports whether the run and copy steps of a stage must not
	// use BuildKit's cache (--no-cache, --no-cache-filter); nil means none.
	NoCache func(stage string) bool
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
	r, err := newRequest(req)
	if err != nil {
		return nil, err
	}
	return r.resolveTarget(req.Target)
}

// ResolveEach resolves each of targets as Resolve would resolve it alone,
// with one resolver: a stage that several targets reach is resolved once,
// so resolving every runtime of a from chain costs time linear in the
// chain, not its square. The plans hold their builds; their Instances are
// left empty, since an instance belongs to every target that reaches it.
// A target that does not resolve is left out: building it reports why.
func ResolveEach(req Request, targets []string) []*Plan {
	r, err := newRequest(req)
	if err != nil {
		return nil
	}
	var out []*Plan
	for _, name := range targets {
		if p, err := r.resolveTarget(name); err == nil {
			p.Instances = nil
			out = append(out, p)
		}
	}
	return out
}

// newRequest checks what every target of req shares and returns the
// resolver of req.
func newRequest(req Request) (*resolver, error) {
	s := req.Spec
	if s == nil {
		return nil, &spec.Error{Msg: "no spec"}
	}
	if len(s.Stages()) == 0 {
		return nil, &spec.Error{Filename: s.Filename, Pos: s.Pos, Msg: "the spec has no stages, so nothing to build",
			Expected: "at least one stage under builders, artifacts or runtimes"}
	}
	values, undeclared, err := s.ArgValues(req.BuildArgs)
	if err != nil {
		return nil, err
	}
	p := &Plan{
		Spec:           s,
		ArgValues:      values,
		UndeclaredArgs: undeclared,
		BuildPlatform:  platforms.Normalize(req.BuildPlatform),
	}
	return newResolver(req, p), nil
}

// resolveTarget resolves target (the default one when empty) for the
// request's platforms, reusing the instances resolved before.
func (r *resolver) resolveTarget(name string) (*Plan, error) {
	target, err := r.src.TargetStage(name)
	if err != nil {
		return nil, err
	}
	p := *r.plan
	p.Target, p.Builds, p.Instances = target, nil, nil
	r.plan = &p
	tps := r.req.TargetPlatforms
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
	return &p, nil
}

func stageNames(s *spec.Spec) []string {
	var names []string
	for _, st := range s.Stages() {
		names = append(names, st.Name)
	}
	return names
}
