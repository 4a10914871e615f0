// Package llbgen compiles a validated spec, a target stage and one target
// platform into an LLB graph and, for runtimes, an image config. It
// resolves the build's plan (package plan) and translates it: where each
// stage runs, its preset, mounts, gates and guards are the plan's.
package llbgen

import (
	"context"
	"fmt"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// Contexts gives the compiler the build contexts the client sent.
type Contexts interface {
	// Main returns the main build context, with .dockerignore applied.
	Main(ctx context.Context) (llb.State, error)
	// Named returns the named context NAME (--build-context NAME=...) for
	// platform, or nil when the client did not set it. Image references in
	// the spec are looked up here first, so a named context can replace an
	// image, as it does for a Dockerfile's FROM.
	Named(ctx context.Context, name string, platform ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error)
}

// RunDefaults are the client's options that apply to every run step.
type RunDefaults struct {
	NetworkMode    pb.NetMode // force-network-mode
	ExtraHosts     []llb.HostIP
	Ulimits        []*pb.Ulimit
	ShmSize        int64
	CgroupParent   string
	Hostname       string
	LinuxResources *pb.LinuxResources
}

// Options selects what to compile.
type Options struct {
	Target         string // stage name; empty means the spec's default
	TargetPlatform ocispecs.Platform
	BuildPlatform  ocispecs.Platform
	BuildArgs      map[string]string
	Labels         map[string]string // --label, merged into a runtime's labels
	Contexts       Contexts
	MetaResolver   sourceresolver.MetaResolver // resolves image configs; nil means images have no config
	ResolveMode    llb.ResolveMode
	SourceMap      *llb.SourceMap // the spec file, for op locations
	// IncludedSources are the files the spec includes, by the name
	// positions give, for the locations of the ops of their stages.
	IncludedSources map[string]*llb.SourceMap
	Epoch           *time.Time // SOURCE_DATE_EPOCH
	CacheNamespace  string     // BUILDKIT_CACHE_MOUNT_NS
	// NoCache reports whether a stage's run and copy steps must not use
	// BuildKit's cache (--no-cache, --no-cache-filter); nil means none.
	NoCache func(stage string) bool
	Run     RunDefaults
	// GuardImage runs the arch guards as ops; nil leaves them to the
	// caller (see ArchGuard).
	GuardImage *GuardImage
}

// Result is the compiled target for one platform.
type Result struct {
	Stage     *spec.Stage
	State     llb.State                  // the target's filesystem
	Image     *dockerspec.DockerOCIImage // config to export; never nil
	BaseImage *dockerspec.DockerOCIImage // the base image's config, when there is one
	Epoch     *time.Time
	// Gates must all solve successfully before State is exported (needs).
	Gates []Gate
	// Guards are artifact outputs whose ELF machine must match Platform.
	Guards []ArchGuard
}

// Gate is a stage that must succeed before the target is exported.
type Gate struct {
	Stage string
	State llb.State
}

// ArchGuard asks the caller to check the ELF headers of Paths: with a
// Verdict, State is a guard op's output and Verdict the file in it that
// holds an archguard.Verdict; without one, State is the artifact's output,
// to walk with archguard.Walk.
type ArchGuard struct {
	Stage    string
	Pos      spec.Pos
	State    llb.State
	Paths    []string
	Platform ocispecs.Platform
	Verdict  string
}

// Definitions are the marshalled LLB of a Result, in the order of its Gates
// and Guards.
type Definitions struct {
	Target *llb.Definition
	Gates  []*llb.Definition
	Guards []*llb.Definition
}

// Marshal marshals the target, the gates and the guards of r, one after the
// other, as State.Marshal(ctx, co...) marshals each; the ops they share are
// marshalled once. Results of one CompileEach may be marshalled at once,
// one goroutine each (see settleInputs).
func (r *Result) Marshal(ctx context.Context, co ...llb.ConstraintsOpt) (*Definitions, error) {
	var err error
	m := newHeadMarshaler(co)
	defs := &Definitions{
		Gates:  make([]*llb.Definition, len(r.Gates)),
		Guards: make([]*llb.Definition, len(r.Guards)),
	}
	if defs.Target, err = m.definition(ctx, r.State); err != nil {
		return nil, fmt.Errorf("marshal LLB of %s: %w", r.Stage.Name, err)
	}
	for i, g := range r.Gates {
		if defs.Gates[i], err = m.definition(ctx, g.State); err != nil {
			return nil, fmt.Errorf("marshal LLB of %s: %w", g.Stage, err)
		}
	}
	for i, g := range r.Guards {
		if defs.Guards[i], err = m.definition(ctx, g.State); err != nil {
			return nil, fmt.Errorf("marshal LLB of %s: %w", g.Stage, err)
		}
	}
	return defs, nil
}
